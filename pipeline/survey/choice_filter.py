"""choice_filter: an answer must be one of the choices the form offered that respondent.

In XLSForm a select's `choice_filter` is evaluated for each choice, where a bare name (`cf`,
`provincie`) is that choice's column on the choices sheet and `${q}` an answer
(`${provincie} = prov`). sid evaluates it once per distinct combination of the answers it refers
to and per choice, so a municipality list of 600 choices costs 600 evaluations per distinct
province, not per respondent."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from pipeline.survey.expressions import evaluate, references
from pipeline.survey.questionnaire import Variable

# A bare name in a choice filter (not ${...}, not a quoted text, not a function, not an operator).
_BARE = re.compile(r"""(\$\{[^}]*\}|'[^']*'|"[^"]*")|(?<![\w:./-])([A-Za-z_][\w-]*)(?![\w(:-])""")
_OPERATORS = {"and", "or", "div", "mod"}
CHOICE_PREFIX = "__keuze_"  # the choice's columns, as variables of the evaluation frame


def as_expression(choice_filter: str) -> str:
    """The filter with each bare name written as a variable of the choice: `${state}=cf` →
    `${state}=${__keuze_cf}`."""
    def one(m: re.Match) -> str:
        if m.group(1) or m.group(2) in _OPERATORS:
            return m.group(0)
        return f"${{{CHOICE_PREFIX}{m.group(2)}}}"
    return _BARE.sub(one, choice_filter)


def offered(var: Variable, frame: pd.DataFrame, missing: list[float]) -> tuple[np.ndarray, np.ndarray]:
    """Per respondent: whether the check applies (an answer that is no missing code, and the
    answers the filter refers to given) and whether the answer is one the filter offered."""
    expression = as_expression(var.choice_filter)
    answers = sorted(r for r in references(expression) if not r.startswith(CHOICE_PREFIX) and r in frame.columns)
    given = frame[[*answers, var.name]].reset_index(drop=True)
    for col in given.columns:  # missing codes are no answers here
        if pd.api.types.is_numeric_dtype(given[col]):
            given[col] = given[col].mask(given[col].isin(missing))
        else:
            given[col] = given[col].mask(given[col].astype("string").str.strip().isin([f"{m:g}" for m in missing]))
    applies = given.notna().all(axis=1).to_numpy()
    if not applies.any():  # nobody gave the answers the filter needs: nothing to check
        return applies, applies.copy()
    combos = given.loc[applies, answers].drop_duplicates().reset_index(drop=True)
    if not len(combos):
        combos = pd.DataFrame(index=[0])
    # a bare name no choice has a column for is empty, as in ODK (pyxform's `pastel=yes`)
    named = {r.removeprefix(CHOICE_PREFIX) for r in references(expression) if r.startswith(CHOICE_PREFIX)}
    columns = sorted({k for c in var.choices.choices for k in c.columns} | named | {"name"})
    table = pd.DataFrame([{**{f"{CHOICE_PREFIX}{k}": c.columns.get(k, "") for k in columns},
                           f"{CHOICE_PREFIX}name": c.name} for c in var.choices.choices])
    pairs = combos.merge(table, how="cross")
    ok = evaluate(expression, pairs).to_numpy(dtype=bool)
    keys = [*answers, "__answer"]
    allowed = _texts(pairs.loc[ok].rename(columns={f"{CHOICE_PREFIX}name": "__answer"})[keys]).drop_duplicates()
    found = _texts(given.rename(columns={var.name: "__answer"})[keys]).merge(allowed, how="left", on=keys,
                                                                          indicator=True)
    return applies, applies & (found["_merge"] == "both").to_numpy()


def _texts(frame: pd.DataFrame) -> pd.DataFrame:
    """Every column as text, whole numbers without '.0' (answers 3.0 meet choice names '3')."""
    out = {}
    for col in frame.columns:
        values = frame[col]
        if pd.api.types.is_numeric_dtype(values):
            out[col] = values.map(lambda x: "" if pd.isna(x) else f"{x:g}").astype("string")
        else:
            out[col] = values.astype("string").str.strip()
    return pd.DataFrame(out, index=frame.index)
