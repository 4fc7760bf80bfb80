"""Routing as ODK applies it: whether each question was asked, per respondent, with answers to
questions that were not asked (and sid's own missing codes) counting as empty."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.errors import ErrorCode, SidError
from pipeline.survey.expressions import ExpressionError, evaluate, references
from pipeline.survey.questionnaire import Questionnaire, Variable

# The codes sid itself writes (never an answer a form app could hold): empty for the routing.
SID_CODES = ("not_applicable", "invalid", "no_answer")


def asked(frame: pd.DataFrame, questionnaire: Questionnaire) -> dict[str, np.ndarray]:
    """Per form variable in `frame`: True where the question was to be asked.

    A question is asked when the `relevant` of every enclosing group and its own hold. Each
    condition is evaluated on the answers as the form app saw them: an answer to a question that
    was not asked is empty there (ODK clears it), and so are sid's codes for not applicable,
    invalid and no answer. Questions are settled before the questions whose routing refers to
    them (form order, a referenced question first), so a chain cascades: a child follows its
    parent's routing, whatever was typed into the parent.

    Because of that, the result is the same before and after cleaning writes -3/-9 (or clears a
    text) where this says: cleaning and validation, calling this, cannot disagree.
    """
    present = [v for v in questionnaire if v.name in frame.columns]
    by_name = {v.name: v for v in present}
    referenced = set().union(*(_uses(v) for v in present)) & by_name.keys()
    view = frame.copy(deep=False)  # columns are replaced, never changed in place
    for name in referenced:
        view[name] = _without_sid_codes(view[name], by_name[name], questionnaire)
    result: dict[str, np.ndarray] = {}
    cache: dict[str, np.ndarray] = {}
    everyone = np.ones(len(frame), dtype=bool)

    def settle(var: Variable, path: tuple[str, ...]) -> None:
        for ref in sorted(_uses(var) & by_name.keys()):  # a referenced question first
            if ref not in result and ref not in path:  # a cycle: use that answer as it stands
                settle(by_name[ref], path + (var.name,))
        where = everyone
        for condition in _conditions(var):
            if condition not in cache:
                try:
                    cache[condition] = evaluate(condition, view).to_numpy(dtype=bool)
                except ExpressionError as exc:
                    raise SidError(ErrorCode.FORM_EXPRESSION, f"{var.name}: {exc}", file=questionnaire.path,
                                   sheet="survey", row=var.row, column="relevant",
                                   fix="Correct the expression in the form.") from None
            where = where & cache[condition]
        result[var.name] = where
        if var.name in referenced and not where.all():
            view[var.name] = view[var.name].where(where)

    for var in present:
        if var.name not in result:
            settle(var, ())
    return {v.name: result[v.name] for v in present}


def _conditions(var: Variable) -> tuple[str, ...]:
    return (*var.group_relevant, *((var.relevant,) if var.relevant else ()))


def _uses(var: Variable) -> set[str]:
    return set().union(*(references(c) for c in _conditions(var))) - {var.name}


def _without_sid_codes(values: pd.Series, var: Variable, questionnaire: Questionnaire) -> pd.Series:
    codes = [c.code for c in questionnaire.missing.codes if c.role in SID_CODES]
    if var.kind == "numeric" and pd.api.types.is_numeric_dtype(values):
        return values.mask(values.isin([float(c) for c in codes]))
    if var.kind in ("string", "multi"):
        text = values.astype("string").str.strip()
        return values.mask(text.isin([str(c) for c in codes]).fillna(False).astype(bool))
    return values
