"""Cleaning: declarative steps and correction rules, with a cell-level log made by diffing."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Mapping

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from pipeline.cleaning.corrections import check_assignment
from pipeline.cleaning.texts import trailing_spaces
from pipeline.errors import ErrorCode, SidError
from pipeline.pii import number_tags
from pipeline.survey import routing
from pipeline.survey.expressions import ExpressionError, evaluate, parse, references
from pipeline.survey.levels import Unsupported, level
from pipeline.survey.project import CleanSettings
from pipeline.survey.questionnaire import Questionnaire, Variable
from pipeline.survey.rulebook import read_rule_list
from pipeline.validation.quality import speeders

# roster and instance: empty for the main questionnaire; a roster's name and its instance ("2", or
# "1.3" for a nested roster's 3rd row in its parent's 1st) for a roster cell (cleaning/rosters.py)
LOG_COLUMNS = ["step", "rule", "respondent", "roster", "instance", "variable", "old", "new"]
EXCLUSION_COLUMNS = ["respondent", "reason"]


@dataclass(frozen=True)
class Correction:
    """A correction rule (schemas/corrections.yaml), like R's dcmodify: where `condition` holds,
    each variable is assigned its expression's value."""

    name: str
    description: str
    condition: str
    assign: tuple[tuple[str, str], ...]
    file: Path | None = field(default=None, compare=False)  # the corrections file (named in errors)
    roster: str | None = None  # applied per instance of this roster (cleaning/rosters.py), else per respondent


@dataclass(frozen=True)
class CleanResult:
    log: pd.DataFrame  # LOG_COLUMNS, one row per changed cell
    excluded: pd.DataFrame  # EXCLUSION_COLUMNS, one row per respondent taken out


def load_corrections(path: Path, questionnaire: Questionnaire, key: str | None = None) -> tuple[Correction, ...]:
    """The rules of `path`, each checked against the form: variables, expressions, and what is
    assigned (a code of the list, a number for a number, never the key `key`)."""
    data = read_rule_list(path, "corrections", "clean.corrections")
    rules = []
    for i, item in enumerate(data, start=1):
        where = dict(file=path, column=f"correction {i}")
        if not isinstance(item, dict) or not {"name", "condition", "assign"} <= set(item):
            raise SidError(ErrorCode.CORRECTIONS_INVALID, "each correction needs name, condition and assign", **where)
        assign = item["assign"]
        if not isinstance(assign, dict) or not assign:
            raise SidError(ErrorCode.CORRECTIONS_INVALID, f"{item['name']}: assign must map variables to expressions", **where)
        roster = item.get("roster")
        form = questionnaire
        if roster is not None:  # per instance: the roster's own variables are assigned
            found = next((r for r in questionnaire.rosters if r.name == roster), None)
            if found is None:
                raise SidError(ErrorCode.CORRECTIONS_INVALID, f"{item['name']}: roster {roster!r} is no repeat of "
                               "the form", **where, fix="Name a begin_repeat of the form, or leave roster out.")
            form = replace(questionnaire, variables=found.variables)
        for var, expr in assign.items():
            if var not in form:
                raise SidError(ErrorCode.CORRECTIONS_INVALID, f"{item['name']}: {var!r} is not a variable of the "
                               + (f"roster {roster!r}" if roster else "form"), **where)
        try:
            for text in [item["condition"], *map(str, assign.values())]:
                parse(str(text))
        except ExpressionError as exc:
            raise SidError(ErrorCode.CORRECTIONS_INVALID, f"{item['name']}: {exc}", **where) from None
        for var, expr in assign.items():
            check_assignment(str(item["name"]), var, str(expr), form, key, path, where["column"])
        rule = Correction(str(item["name"]), str(item.get("description", "")), str(item["condition"]),
                          tuple((k, str(v)) for k, v in assign.items()), path, roster)
        if roster is not None:
            try:  # what it refers to is the roster's or its enclosing levels'
                level(questionnaire, found, (rule.condition, *(e for _, e in rule.assign)))
            except Unsupported as exc:
                raise SidError(ErrorCode.CORRECTIONS_INVALID, f"{rule.name}: {exc}", **where) from None
        rules.append(rule)
    return tuple(rules)


def clean(frame: pd.DataFrame | Callable[[], pd.DataFrame], questionnaire: Questionnaire, *, key: str,
          corrections: tuple[Correction, ...] = (), settings: CleanSettings = CleanSettings(),
          exclusions: pd.DataFrame | None = None, coded: Mapping[str, str] | None = None
          ) -> tuple[pd.DataFrame, CleanResult]:
    """Exclusions first, then correction rules, invalid values, calculates and routing codes.

    `exclusions` (respondent, reason) come from outside, e.g. speeders found by validation.
    `coded` maps the columns coding added to the question they follow (`coding.plan.coded_columns`):
    where that question was not asked, the routing step empties the code too.
    Each step returns a new frame; the log is the cell-by-cell difference of each step.
    `frame` may be handed over as a function that gives it (and lets it go): the interviews before
    the exclusions are then held by nobody once the excluded are taken out (the stage's peak memory).
    """
    frame = (frame() if callable(frame) else frame).reset_index(drop=True)
    excluded = _exclusions(frame, key, settings, exclusions)
    out = frame[key].isin(excluded["respondent"]).to_numpy()
    current = frame[~out].reset_index(drop=True) if out.any() else frame  # no copy when nobody is excluded
    del frame  # (handed over: the uncleaned interviews go here)
    logs = []
    # First: an identifier typed into a numeric question never reaches a later step (or its log).
    steps: list[tuple[str, str, Callable[[pd.DataFrame], pd.DataFrame]]] = [
        ("personal_data", "identifier_in_number", lambda f: _identifiers_in_numbers(f, questionnaire, key))]
    for rule in corrections:
        if rule.roster is None:  # a roster's: cleaning/rosters.py
            steps.append(("correction", rule.name, lambda f, r=rule: _correct(f, r, questionnaire)))
    if settings.invalid:
        steps.append(("invalid", "codes_and_constraints", lambda f: _invalid(f, questionnaire, key)))
    if settings.derive:
        steps.append(("derive", "calculate", lambda f: derive_calculates(f, questionnaire)))
    if settings.routing:
        steps.append(("routing", "missing_reasons", lambda f: _routing(f, questionnaire, key, settings, coded or {})))
    steps.append(("format", "trailing_spaces", lambda f: trailing_spaces(f, key)))
    for step, rule, func in steps:
        after = func(current)
        # A step replaces whole columns and never changes one in place, so only the columns it
        # assigned can differ: the others share their arrays with `current`.
        touched = _touched(current, after)
        logs.append(diff_log(current, after, key, step, rule, columns=[c for c in touched if c != key]))
        current = after
    return current, CleanResult(concat_logs(logs), excluded)


def _exclusions(frame: pd.DataFrame, key: str, settings: CleanSettings,
                extra: pd.DataFrame | None) -> pd.DataFrame:
    parts = []
    if settings.exclude_breakoffs and "_complete" in frame.columns:
        parts.append(frame.loc[~frame["_complete"].astype(bool), [key]].assign(reason="break_off"))
    if settings.exclude_speeders:
        parts.append(frame.loc[speeders(frame, settings.speeder_ratio), [key]].assign(reason="speeder"))
    if extra is not None and len(extra):
        parts.append(extra.rename(columns={"respondent": key})[[key, "reason"]])
    if not parts:
        return pd.DataFrame(columns=EXCLUSION_COLUMNS)
    out = pd.concat(parts, ignore_index=True).drop_duplicates(subset=[key], keep="first")
    return out.rename(columns={key: "respondent"})[EXCLUSION_COLUMNS].reset_index(drop=True)


def _touched(before: pd.DataFrame, after: pd.DataFrame) -> list[str]:
    """The columns of `after` a step added or assigned: those not held in the very same memory as in
    `before`. Read from the frames' own arrays, not a Series made per column (500 columns, 5 steps)."""
    position = {c: i for i, c in enumerate(before.columns)}
    column = getattr(pd.DataFrame, "_get_column_array", None)  # pandas' array of a column as its block holds it
    if column is None or len(position) != len(before.columns) or after.columns.has_duplicates:
        return [c for c in after.columns if c not in before.columns or not _same_array(before[c], after[c])]
    return [c for j, c in enumerate(after.columns) if c not in position
            or not _same_memory(column(before, position[c]), column(after, j))]


def _same_memory(x, y) -> bool:
    if x is y:
        return True
    pa_x, pa_y = getattr(x, "_pa_array", None), getattr(y, "_pa_array", None)
    if pa_x is not None or pa_y is not None:  # Arrow-backed strings: the same chunked array
        return pa_x is pa_y
    x, y = (a if isinstance(a, np.ndarray) else getattr(a, "_ndarray", None) for a in (x, y))
    if not isinstance(x, np.ndarray) or not isinstance(y, np.ndarray):
        return False
    return (x.__array_interface__["data"][0] == y.__array_interface__["data"][0]
            and x.shape == y.shape and x.strides == y.strides and x.dtype == y.dtype)


def _same_array(a: pd.Series, b: pd.Series) -> bool:
    """True when both columns are the very same memory (same start, shape and strides): an
    untouched column of a shallow copy. Anything else (or unknown) counts as touched."""
    return _same_memory(a.array, b.array)


def _set(frame: pd.DataFrame, var: Variable, where: np.ndarray, value) -> None:
    """Assign `value` (scalar or array) where `where` holds, in the column's own kind. Nothing to
    assign in a column already of that kind: the column is left as it is (the same memory, so the
    log's diff passes it over; a copy per column was most of the cleaning's peak)."""
    if not where.any() and frame[var.name].dtype == ("float64" if var.kind == "numeric" else "str"):
        return
    if var.kind == "numeric":
        column = frame[var.name].to_numpy(dtype="float64", copy=True)
        column[where] = (np.asarray(value, dtype="float64")[where] if np.ndim(value) else float(value))
        frame[var.name] = column
    else:
        column = frame[var.name].astype(object).to_numpy(copy=True)
        column[where] = (np.asarray(value, dtype=object)[where] if np.ndim(value)
                         else None if value is None else str(value))
        frame[var.name] = column


def _correct(frame: pd.DataFrame, rule: Correction, questionnaire: Questionnaire) -> pd.DataFrame:
    out = frame.copy(deep=False)  # columns are replaced, never changed in place
    try:
        where = evaluate(rule.condition, frame).to_numpy()
        for var, expr in rule.assign:
            value = evaluate(expr, frame).to_numpy()
            try:
                _set(out, questionnaire[var], where, value)
            except (ValueError, TypeError):  # text into a number: a mistake in the rule, not in the data
                raise SidError(ErrorCode.CORRECTIONS_INVALID, f"correction {rule.name!r} assigns {expr} to the "
                               f"numeric variable {var!r}, which is not a number", file=rule.file,
                               fix="Assign a number or a missing-value code in clean.corrections.") from None
    except ExpressionError as exc:
        raise SidError(ErrorCode.CORRECTIONS_INVALID, f"correction {rule.name!r}: {exc}", file=rule.file) from None
    return out


def _identifiers_in_numbers(frame: pd.DataFrame, questionnaire: Questionnaire, key: str) -> pd.DataFrame:
    """A phone, register or BIS number typed into a numeric question (income: 0470123456 read as
    470123456) becomes -4 (ongeldig): no numeric question of the form is meant to hold one."""
    invalid = float(questionnaire.missing.code("invalid"))
    out = frame.copy(deep=False)  # columns are replaced, never changed in place
    for var in questionnaire:
        if var.name == key or var.name not in frame.columns or var.type not in ("integer", "decimal"):
            continue
        values = frame[var.name]
        if values.dtype == "float64" and not (np.abs(values.to_numpy()) >= 10_000_000).any():
            continue  # no number of 8 digits or more: none can be an identifier (number_tags looks at no other)
        hit = number_tags(values).notna().to_numpy()
        if hit.any():
            out[var.name] = frame[var.name].mask(hit, invalid)
    return out


def _invalid(frame: pd.DataFrame, questionnaire: Questionnaire, key: str) -> pd.DataFrame:
    """Unknown codes and values outside the form's constraints become -4 (ongeldig)."""
    invalid = questionnaire.missing.code("invalid")
    codes = [float(c) for c in questionnaire.missing.values]
    texts = {str(c) for c in questionnaire.missing.values}
    needed = set().union(*(references(v.constraint) | {v.name} for v in questionnaire
                           if v.constraint and v.kind == "numeric"))
    view = routing.without_missing(frame, questionnaire, needed)
    out = frame.copy(deep=False)  # columns are replaced, never changed in place
    for var in questionnaire:
        if var.name not in frame.columns or var.name == key:
            continue
        values = frame[var.name]
        bad = np.zeros(len(frame), dtype=bool)
        if var.type == "select_one":
            if var.kind == "numeric":
                allowed = [float(c) for c in var.choices.codes.values()] + codes
                if values.dtype == "float64":  # numpy's isin on the column itself: the same test, no Series made
                    x = values.to_numpy()
                    bad |= ~np.isnan(x) & ~np.isin(x, allowed)
                else:
                    bad |= (values.notna() & ~values.isin(allowed)).to_numpy()
            else:
                bad |= (values.notna() & ~values.isin(list(var.choices.names) + list(texts))).to_numpy()
        elif var.type == "select_multiple":
            allowed = set(var.choices.names) | texts
            uniques = pd.unique(values.dropna())
            wrong = [u for u in uniques if not set(str(u).split()) <= allowed]
            bad |= values.isin(wrong).to_numpy()
        if var.constraint and var.kind == "numeric":
            ok = evaluate(var.constraint, view, current=var.name).to_numpy()
            # A constraint on other answers can only be judged where those answers are given.
            judged = view[var.name].notna().to_numpy().copy()
            for ref in references(var.constraint) - {var.name}:
                if ref in view.columns:
                    judged &= view[ref].notna().to_numpy()
            bad |= judged & ~ok
        if bad.any():
            _set(out, var, bad, invalid if var.kind == "numeric" else str(invalid))
    return out


def derive_calculates(frame: pd.DataFrame, questionnaire: Questionnaire) -> pd.DataFrame:
    """The form's calculate fields, recomputed from the (corrected) answers as the form app had
    them: answers to questions that were not asked are empty (`routing.route`)."""
    out = frame.copy(deep=False)  # columns are replaced, never changed in place
    for name, value in routing.route(frame, questionnaire).calculated.items():
        out[name] = value.to_numpy()
    return out


def _routing(frame: pd.DataFrame, questionnaire: Questionnaire, key: str, settings: CleanSettings,
             coded: Mapping[str, str]) -> pd.DataFrame:
    """Missing reasons from the routing: not asked → -3; asked, required-or-not, but empty (or
    holding -3, which only the routing can give) → -9.
    Text answers stay empty strings (SID convention); calculates and metadata are left alone.

    Whether a question was asked comes from `routing.asked`, which settles a parent before its
    children and counts a not-asked answer as empty: the same as recoding in form order on the
    frame as it is being cleaned, so a child follows its parent's cleaned value (an other-specify
    text whose parent became -3 or -4 is cleared) and validation afterwards finds the same routing.
    """
    not_applicable = questionnaire.missing.code("not_applicable")
    no_answer = questionnaire.missing.code("no_answer")
    out = frame.copy(deep=False)  # columns are replaced, never changed in place
    was_asked = routing.asked(frame, questionnaire)
    for var in questionnaire:
        if (var.name not in frame.columns or var.name == key or var.kind == "datetime"
                or var.type == "calculate" or var.read_only):
            continue
        asked = was_asked[var.name]
        if var.kind == "string" and var.type != "select_one":
            # Texts (and barcodes, file names ...) stay empty when not asked; an answer given though
            # not asked is removed.
            if settings.not_asked_answered == "not_applicable":
                given = out[var.name].notna().to_numpy()
                _set(out, var, ~asked & given, None)
            continue
        values = out[var.name]
        if var.kind == "numeric":
            empty = values.isna().to_numpy()
            marked_na = (values == not_applicable).to_numpy()
        else:
            text = values.astype("string").str.strip()
            empty = (text.isna() | (text == "")).to_numpy(dtype=bool)
            marked_na = (text == str(not_applicable)).fillna(False).to_numpy(dtype=bool)
        # Not asked: -3 where empty (and where answered, by the setting). Asked, yet empty or marked -3
        # (typed in, or written by a system with other routing): the routing says it was asked, so -3
        # is no reason here and it is no answer: -9. Asked or not, the cells are apart: one assignment.
        not_asked = ~asked & (~marked_na if settings.not_asked_answered == "not_applicable" else empty)
        code = (lambda c: c) if var.kind == "numeric" else str
        _set(out, var, not_asked | (asked & (empty | marked_na)),
             np.where(asked, code(no_answer), code(not_applicable)))
    # A code that coding gave an answer this step removes as not asked (land_partner 'other' with
    # an other-specify text, under partner = 3) goes with that answer: empty, as for everyone not
    # asked. (A text that coding itself emptied by back-coding is no answer removed here.)
    if settings.not_asked_answered == "not_applicable":
        for column, follows in coded.items():
            if column not in frame.columns or follows not in was_asked:
                continue
            values = frame[column]
            numeric = pd.api.types.is_numeric_dtype(values)
            stale = _present(values) & _present(frame[follows]) & ~was_asked[follows]
            if stale.any():
                out[column] = values.mask(stale) if numeric else values.astype(object).mask(stale, "")
    return out


def _present(values: pd.Series) -> np.ndarray:
    """True where a cell holds something: a number (a code too) or a non-blank text."""
    if pd.api.types.is_numeric_dtype(values):
        return values.notna().to_numpy()
    return (values.notna() & (values.astype("string").str.strip() != "")).fillna(False).to_numpy(dtype=bool)


def diff_log(before: pd.DataFrame, after: pd.DataFrame, key: str, step: str, rule: str,
             columns: list[str] | None = None) -> pd.DataFrame:
    """Every cell that differs between two frames of the same respondents (rows aligned), as text
    that replays exactly: numbers in repr form, missing as ''. Vectorised per column; only the
    columns `columns` of `after` when given (no copy of the frames' other columns made to leave them out).

    Its columns are categoricals of text (Arrow strings): a log of millions of cells holds a few
    thousand distinct texts, so a cell costs its codes (a few bytes), not a string of its own; the
    text is the same, and so is the CSV written from it (workdir.write_csv)."""
    rows, variables, lengths, old_codes, new_codes = [], [], [], [], []
    old_texts, new_texts = _Texts(), _Texts()
    for col in after.columns if columns is None else columns:
        if col.startswith("_"):
            continue
        new = after[col]
        if col not in before.columns:
            changed = new.notna().to_numpy()
        else:
            changed = ~(_same(before[col], new))
        if not changed.any():
            continue
        idx = np.flatnonzero(changed)  # only the changed cells are turned into text
        rows.append(idx)
        variables.append(col)
        lengths.append(len(idx))
        old_codes.append(old_texts.codes(*_text_codes(before[col].iloc[idx])) if col in before.columns
                         else old_texts.codes(np.zeros(len(idx), dtype=np.intp), [""]))
        new_codes.append(new_texts.codes(*_text_codes(new.iloc[idx])))
    if not rows:
        return empty_log()
    key_codes, respondents = pd.factorize(before[key].astype(str).to_numpy())
    n = sum(lengths)
    at = key_codes[np.concatenate(rows)]
    used = np.zeros(len(respondents) + 1, dtype=bool)  # the respondents of the log only (the last: none)
    used[at] = True
    used = used[:-1]
    renumber = np.append(np.cumsum(used) - 1, -1)  # a missing key (-1) stays missing
    return pd.DataFrame({
        "step": _constant(step, n), "rule": _constant(rule, n),
        "respondent": _categorical(renumber[at], pd.Index(respondents, dtype="str")[used]),
        "roster": _constant("", n), "instance": _constant("", n),
        "variable": _categorical(np.repeat(np.arange(len(variables)), lengths), pd.Index(variables, dtype="str")),
        "old": _categorical(np.concatenate(old_codes), old_texts.categories()),
        "new": _categorical(np.concatenate(new_codes), new_texts.categories())})


class _Texts:
    """The distinct texts of a log column, numbered in order of appearance."""

    def __init__(self) -> None:
        self.number: dict[str, int] = {}

    def codes(self, codes: np.ndarray, uniques: list[str]) -> np.ndarray:
        """`codes` into `uniques` as codes into this column's texts."""
        into = np.fromiter((self.number.setdefault(u, len(self.number)) for u in uniques), dtype=np.int64,
                           count=len(uniques))
        return into[codes]

    def categories(self) -> pd.Index:
        return pd.Index(list(self.number), dtype="str")


def _categorical(codes: np.ndarray, categories: pd.Index) -> pd.Categorical:
    return pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(categories))


def _constant(text: str, n: int) -> pd.Categorical:
    return _categorical(np.zeros(n, dtype=np.int8), pd.Index([text], dtype="str"))


def empty_log() -> pd.DataFrame:
    """A log without rows, its columns categoricals of text like a log's with rows."""
    return pd.DataFrame({c: _categorical(np.zeros(0, dtype=np.int8), pd.Index([], dtype="str")) for c in LOG_COLUMNS})


def concat_logs(logs: list[pd.DataFrame]) -> pd.DataFrame:
    """The logs one after the other, in LOG_COLUMNS, each column a categorical of text (the union
    of the logs' texts). A column given as text (a roster's respondents) is made one first."""
    logs = [log for log in logs if len(log)]
    if not logs:
        return empty_log()
    out = {}
    for col in LOG_COLUMNS:
        parts = [_as_categorical(log[col]) for log in logs]
        out[col] = union_categoricals(parts) if len(parts) > 1 else parts[0]
    return pd.DataFrame(out)


def _as_categorical(column: pd.Series) -> pd.Categorical:
    """A log column as a categorical of Arrow text (the same texts; missing stays missing)."""
    if isinstance(column.dtype, pd.CategoricalDtype) and column.cat.categories.dtype == "str":
        return column.array
    codes, uniques = pd.factorize(column.astype("str"))
    return _categorical(codes, pd.Index(uniques, dtype="str"))


def _same(a: pd.Series, b: pd.Series) -> np.ndarray:
    a_na, b_na = a.isna().to_numpy(), b.isna().to_numpy()
    if pd.api.types.is_numeric_dtype(a) and pd.api.types.is_numeric_dtype(b):
        eq = a.to_numpy(dtype="float64") == b.to_numpy(dtype="float64")
    else:
        eq = (a.astype("string").fillna("") == b.astype("string").fillna("")).to_numpy(dtype=bool)
    return (a_na & b_na) | (~a_na & ~b_na & eq)


def _text_codes(series: pd.Series) -> tuple[np.ndarray, list[str]]:
    """The cells as text (numbers in repr form, missing as ''): codes into their distinct texts."""
    if pd.api.types.is_numeric_dtype(series):
        values = series.to_numpy(dtype="float64", na_value=np.nan)
        if not (np.signbit(values) & (values == 0)).any():  # -0.0 is told apart from 0.0 below (factorize would not)
            codes, distinct = pd.factorize(values)  # each distinct number written once (the log: -3.0 a million times)
            codes[codes < 0] = len(distinct)  # empty: the "" at the end
            return codes, [*distinct.astype(str).tolist(), ""]  # numpy's shortest round-trip repr
    codes, distinct = pd.factorize(_text(series), use_na_sentinel=False)
    return codes, list(distinct)


def _text(series: pd.Series) -> np.ndarray:
    if pd.api.types.is_numeric_dtype(series):
        values = series.to_numpy(dtype="float64", na_value=np.nan)
        text = values.astype(str).astype(object)  # numpy's shortest round-trip repr
        text[np.isnan(values)] = ""
        return text
    if pd.api.types.is_datetime64_any_dtype(series):
        return series.dt.strftime("%Y-%m-%dT%H:%M:%S").fillna("").to_numpy(dtype=object)
    return series.astype("string").fillna("").to_numpy(dtype=object)


def replay(frame: pd.DataFrame, log: pd.DataFrame, questionnaire: Questionnaire, key: str,
           excluded: pd.DataFrame | None = None) -> pd.DataFrame:
    """Apply a cleaning log to the frame before cleaning: gives the cleaned frame back. The log's
    roster cells are left to `cleaning.rosters.replay_roster`."""
    if "roster" in log.columns:
        log = log[log["roster"].fillna("").astype(str) == ""]
    out = frame.reset_index(drop=True)
    if excluded is not None and len(excluded):
        out = out[~out[key].isin(excluded["respondent"])].reset_index(drop=True)
    out = out.copy()
    position = pd.Series(np.arange(len(out)), index=out[key].astype(str))
    for (variable,), rows in log.groupby(["variable"], sort=False):
        last = rows.drop_duplicates(subset=["respondent"], keep="last")
        pos = position.loc[last["respondent"].astype(str)].to_numpy()
        new = last["new"].fillna("").astype(str).to_numpy()
        if variable in questionnaire:
            kind = questionnaire[variable].kind
        else:  # a column coding added: numbers, or texts whose empty value is ""
            kind = "numeric" if pd.api.types.is_numeric_dtype(out[variable]) else "coded"
        if kind == "numeric":
            column = out[variable].to_numpy(dtype="float64", copy=True)
            column[pos] = pd.to_numeric(pd.Series(new).replace("", np.nan)).to_numpy(dtype="float64")
        else:
            column = out[variable].astype(object).to_numpy(copy=True)
            column[pos] = new if kind == "coded" else np.where(new == "", None, new)
        out[variable] = column
    return out
