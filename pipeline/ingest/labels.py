"""KoboToolbox "Labels" exports: headers and answers written as the form's labels (in any of its
languages) instead of names, mapped back to variables and choice names; an ambiguous or unknown
label is reported, never guessed."""

from __future__ import annotations

import unicodedata

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.ingest.fidelity import SET_MISSING
from pipeline.survey.questionnaire import Questionnaire, Variable


def norm(text: object) -> str:
    return " ".join(unicodedata.normalize("NFKC", str(text)).split()).casefold()


def _index(pairs) -> dict[str, set]:
    found: dict[str, set] = {}
    for text, target in pairs:
        if text:
            found.setdefault(norm(text), set()).add(target)
    return found


def label_headers(questionnaire: Questionnaire) -> dict[str, set]:
    """Question label (any language, normalised) → the variables that carry it."""
    return _index((label, v.name) for v in questionnaire for label in v.labels.values())


def header_to_variable(header: str, separator: str, questions: dict[str, set],
                       questionnaire: Questionnaire) -> tuple[str | None, tuple[str, str] | None]:
    """The variable a label header names, or the (select_multiple, choice) of an option column:
    the whole header, or its end after group labels ("Persoon/Welke talen?"); labels may hold the
    separator themselves, so every split point is tried. Ambiguous headers map to nothing."""
    parts = header.split(separator) if separator else [header]
    for start in range(len(parts)):
        found = questions.get(norm(separator.join(parts[start:])))
        if found:
            return (next(iter(found)) if len(found) == 1 else None), None
    for cut in range(len(parts) - 1, 0, -1):  # "<question label>/<option label>"
        option = norm(separator.join(parts[cut:]))
        for start in range(cut):
            for name in questions.get(norm(separator.join(parts[start:cut])), ()):
                var = questionnaire[name]
                if var.type != "select_multiple" or var.choices is None:
                    continue
                hits = [c.name for c in var.choices.choices if option in {norm(t) for t in c.labels.values()}
                        or option == norm(c.name)]
                if len(hits) == 1:
                    return None, (name, hits[0])
    return None, None


def names_from_labels(column: pd.Series, var: Variable) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Answers written as choice labels (any language) mapped to choice names, per distinct value;
    a select_multiple answer may be several labels joined by spaces. Returns (column, action,
    reason): an ambiguous label (two choices share it) becomes missing and is reported."""
    column, action, reason = labels_named(column, var)
    if action is None:
        action = reason = pd.Series(pd.NA, index=column.index, dtype=object)
    return column, action, reason


def labels_named(column: pd.Series, var: Variable) -> tuple[pd.Series, pd.Series | None, pd.Series | None]:
    """`names_from_labels` with None for action and reason when no cell was told about."""
    if var.choices is None or pd.api.types.is_numeric_dtype(column):
        return column, None, None
    names = set(var.choices.names)
    codes = {str(code) for code in var.choices.codes.values()}
    by_label = _index((t, c.name) for c in var.choices.choices for t in c.labels.values())
    mapping, told = {}, {}
    for value in _distinct(column):
        text = str(value).strip()
        tokens = text.split()
        if not text or text in names or text in codes or (var.type == "select_multiple"
                                                          and set(tokens) <= names | codes):
            continue
        whole = by_label.get(norm(text))
        if whole is not None and len(whole) == 1:
            mapping[value] = next(iter(whole))
        elif whole is not None:
            mapping[value] = None
            told[value] = (SET_MISSING, f"label {text!r} is the label of several choices: "
                                        f"{', '.join(sorted(whole))}")
        elif var.type == "select_multiple" and (parsed := _labels_in(tokens, by_label)) is not None:
            mapping[value] = " ".join(parsed)
        elif var.kind != "numeric":  # a numeric list: the conversion to a number reports it
            told[value] = ("kept as written", f"neither a choice name, code nor label of list "
                                              f"{var.choices.name!r} (cleaning sets it invalid)")
    if not mapping and not told:
        return column, None, None
    out = column.where(~column.isin(list(mapping)), column.map(mapping)) if mapping else column
    action = column.map({v: t[0] for v, t in told.items()}).astype(object)
    reason = column.map({v: t[1] for v, t in told.items()}).astype(object)
    return out.astype(object).where(out.notna(), None), action.where(action.notna(), pd.NA), reason


def _distinct(column: pd.Series) -> list:
    """The column's distinct non-missing values: Arrow's hash on Arrow-backed text (no Python
    objects for the rows), pandas' for any other column."""
    array = getattr(column.array, "_pa_array", None)
    if array is not None and (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        return pc.unique(array).drop_null().to_pylist()
    return list(pd.unique(column.dropna()))


def _labels_in(tokens: list[str], by_label: dict[str, set]) -> list[str] | None:
    """Choice names of a space-joined list of labels (labels may hold spaces): the one reading in
    which every part is one choice's label; None when there is none or more than one."""
    readings: list[list[str]] = []

    def walk(at: int, names: list[str]) -> None:
        if len(readings) > 1:
            return
        if at == len(tokens):
            readings.append(names)
            return
        for end in range(len(tokens), at, -1):
            hit = by_label.get(norm(" ".join(tokens[at:end])))
            if hit and len(hit) == 1:
                walk(end, [*names, next(iter(hit))])

    walk(0, [])
    return readings[0] if len(readings) == 1 else None
