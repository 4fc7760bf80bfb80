"""What a source declares about its values: the per-source recode map, SPSS value labels checked
against the form's choices, and SPSS user-missing values mapped to the project's missing codes."""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd

from pipeline.errors import ErrorCode, SidError
from pipeline.ingest.fidelity import SET_MISSING, problem_rows
from pipeline.ingest.sources import ColumnMap, RawTable
from pipeline.survey.project import MissingScheme, Source
from pipeline.survey.questionnaire import Questionnaire, Variable


def _norm(label: object) -> str:
    return unicodedata.normalize("NFKC", str(label)).strip().casefold()


def _code_text(code: object) -> str:
    """1.0 → "1", "BE" → "BE": how a SAV code is compared with a recode key or a choice name."""
    if isinstance(code, (int, float, np.integer, np.floating)) and float(code).is_integer():
        return str(int(code))
    return str(code).strip()


def apply_declarations(table: RawTable, columns: ColumnMap, questionnaire: Questionnaire, source: Source,
                       missing: MissingScheme, key: str) -> tuple[RawTable, list[pd.DataFrame]]:
    """The source's `empty` texts emptied and its recode map applied, then (SAV) its value labels checked against the form and
    its declared user-missing values mapped; every changed cell is a problem row."""
    frame = table.frame.copy(deep=False)
    if source.empty:  # the source's own spelling of an empty cell (KoboCAT: n/a for not asked)
        for col in frame.columns:
            if not pd.api.types.is_numeric_dtype(frame[col]):
                frame[col] = frame[col].mask(frame[col].astype("string").str.strip().isin(source.empty).fillna(False))
    labels = {col: dict(found) for col, found in table.value_labels.items()}
    problems: list[pd.DataFrame] = []
    by_var = {var: col for col, var in columns.variables.items()}
    in_rosters = {name for roster in questionnaire.rosters for name in roster.names}
    for var, recode in source.recode:
        if var not in questionnaire and var in in_rosters:
            continue  # a roster's question: recoded where its rows are read (ingest/rosters.py)
        if var not in questionnaire or var not in by_var:
            raise SidError(ErrorCode.CONFIG_INVALID, f"recode names {var!r}, which is not a column of this source "
                           "mapped to the form", file=source.path,
                           fix="Use the form's variable name in this source's recode table in sid.toml.")
        col = by_var[var]
        frame[col], changed, old = _recode(frame[col], dict(recode))
        if changed.any():
            action = frame[col].map({u: f"recoded to {_code_text(u)}" for u in pd.unique(frame[col].dropna())})
            problems.append(problem_rows(source.name, changed, col, old, questionnaire[var].kind, action,
                                         "recode of this source in sid.toml"))
        if col in labels:
            labels[col] = {_recoded_code(code, dict(recode)): text for code, text in labels[col].items()}
    for col, var in columns.variables.items():
        if col in labels and var != key:
            _check_labels(labels[col], questionnaire[var], col, source, missing, table.missing.get(col, ()))
    for col, ranges in table.missing.items():
        if col in columns.variables and columns.variables[col] != key and ranges:
            frame[col], found = _user_missing(frame[col], ranges, labels.get(col, {}), missing, source, col,
                                              questionnaire[columns.variables[col]])
            if found is not None:
                problems.append(found)
    return RawTable(frame, table.encoding, table.delimiter, labels, table.missing), problems


def _recoded_code(code: object, recode: dict[str, str]) -> object:
    new = recode.get(_code_text(code))
    if new is None:
        return code
    return float(new) if isinstance(code, (int, float)) else new


def _recode(column: pd.Series, recode: dict[str, str]) -> tuple[pd.Series, np.ndarray, pd.Series]:
    """(recoded column, which cells changed, the old values); per distinct value."""
    old = column
    if pd.api.types.is_numeric_dtype(column):
        try:
            mapping = {float(k): float(v) for k, v in recode.items()}
        except ValueError:
            raise SidError(ErrorCode.CONFIG_INVALID, f"recode of a numeric column {column.name!r} must map "
                           "numbers to numbers", fix='Write e.g. recode = { geslacht = { "1" = "2" } }.') from None
        new = column.replace(mapping)
    else:
        text = column.astype("string").str.strip()
        new = column.where(~text.isin(list(recode)), text.map(recode))
    texts = old.map({u: _code_text(u) for u in pd.unique(old.dropna())})
    changed = (old.notna() & texts.isin(list(recode))).to_numpy(dtype=bool)
    return new, changed, old


def _check_labels(labels: dict, var: Variable, col: str, source: Source, missing: MissingScheme,
                  ranges) -> None:
    """A value label in the file that is the label of another choice in the form is a
    contradiction (file 1 = Male, form 1 = Vrouw, 2 = Male): an error naming both labels."""
    if var.choices is None:
        return
    by_name = {c.name: c for c in var.choices.choices}
    by_code = {str(code): name for name, code in var.choices.codes.items()}
    owner: dict[str, str] = {}
    for c in var.choices.choices:
        for text in (*c.labels.values(), c.name):
            owner.setdefault(_norm(text), c.name)
    for code, text in labels.items():
        code_text = _code_text(code)
        if _declared(code, ranges) or code_text in {str(m) for m in missing.values}:
            continue
        name = code_text if code_text in by_name else by_code.get(code_text)
        if name is None:
            continue
        choice = by_name[name]
        mine = {_norm(t) for t in (*choice.labels.values(), choice.name)}
        other = owner.get(_norm(text))
        if _norm(text) in mine or other is None or other == name:
            continue
        other_code = other if var.choices.numeric else str(var.choices.codes[other])
        raise SidError(
            ErrorCode.SOURCE_LABELS,
            f"value {code_text} of {var.name!r} is labelled {str(text)!r} in the file but "
            f"{choice.label(next(iter(choice.labels), ''))!r} in the form, where {str(text)!r} is {other_code}",
            file=source.path, column=col,
            fix=f'If the file\'s labels are right, add recode = {{ {var.name} = {{ "{code_text}" = "{other_code}" }} }} '
                "(and the other codes that moved) to this source in sid.toml; otherwise correct the labels.")


def _declared(value: object, ranges) -> bool:
    for r in ranges:
        lo, hi = r["lo"], r["hi"]
        try:
            if isinstance(lo, str) or isinstance(value, str):
                if str(value) == str(lo):
                    return True
            elif lo <= float(value) <= hi:
                return True
        except (TypeError, ValueError):
            continue
    return False


def _user_missing(column: pd.Series, ranges, labels: dict, missing: MissingScheme, source: Source, col: str,
                  var: Variable) -> tuple[pd.Series, pd.DataFrame | None]:
    """Declared user-missing values (read, not dropped): a value that is one of the project's
    missing codes keeps it; one whose label is a missing code's label becomes that code; any
    other becomes empty. Each changed cell is a problem row. Per distinct value."""
    numeric = pd.api.types.is_numeric_dtype(column)
    by_label = {_norm(c.label): c.code for c in missing.codes}
    codes = set(missing.values)
    mapping: dict = {}
    reasons: dict = {}
    for value in pd.unique(column.dropna()):
        if not _declared(value, ranges):
            continue
        text = _code_text(value)
        if text.lstrip("-").isdigit() and int(text) in codes:
            continue  # -1 declared missing is the project's -1: kept as it is
        label = labels.get(value)
        code = by_label.get(_norm(label)) if label is not None else None
        if code is not None:
            mapping[value] = float(code) if numeric else str(code)
            reasons[value] = (f"recoded to {code}", f"declared user-missing in the file with label {label!r}, "
                              f"the project's missing code {code}")
        else:
            mapping[value] = np.nan
            what = f" (label {label!r})" if label is not None else ""
            reasons[value] = (SET_MISSING, f"declared user-missing in the file{what}, and no missing code of "
                              "the project has its code or label; add a recode for this source in sid.toml")
    if not mapping:
        return column, None
    hit = column.isin(list(mapping)).to_numpy()
    action = column.map({v: r[0] for v, r in reasons.items()})
    reason = column.map({v: r[1] for v, r in reasons.items()})
    new = column.where(~column.isin(list(mapping)), column.map(mapping))
    return new, problem_rows(source.name, hit, col, column, var.kind, action, reason)
