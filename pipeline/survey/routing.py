"""Routing as ODK applies it: whether each question was asked, per respondent, with answers to
questions that were not asked (and sid's own missing codes) counting as empty; and the calculates
the form app computed from those answers."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.errors import ErrorCode, SidError
from pipeline.survey.expressions import ExpressionError, evaluate, references
from pipeline.survey.questionnaire import Questionnaire, Variable

# The codes sid itself writes (never an answer a form app could hold): empty for the routing.
SID_CODES = ("not_applicable", "invalid", "no_answer")


@dataclass(frozen=True)
class Routing:
    asked: dict[str, np.ndarray]  # per form variable: True where the question was to be asked
    calculated: dict[str, pd.Series]  # per calculate: its value from the answers as the app saw them


def asked(frame: pd.DataFrame, questionnaire: Questionnaire) -> dict[str, np.ndarray]:
    """Per form variable in `frame`: True where the question was to be asked (see `route`)."""
    return route(frame, questionnaire).asked


def route(frame: pd.DataFrame, questionnaire: Questionnaire) -> Routing:
    """The routing of every respondent, and the calculates, as the form app had them.

    A question is asked when the `relevant` of every enclosing group and its own hold. Each
    condition is evaluated on the answers as the form app saw them: an answer to a question that
    was not asked is empty there (ODK clears it), and so are sid's codes for not applicable,
    invalid and no answer. A calculate is computed from those answers, with every missing-value
    code empty (2026 - -1 is no age). Questions and calculates are settled before those that
    refer to them (in form order otherwise), so a chain cascades: a child follows its parent's
    routing, whatever was typed into the parent.

    Because of that, the result is the same before and after cleaning writes -3/-9 (or clears a
    text) where this says: cleaning and validation, calling this, cannot disagree.
    """
    present = [v for v in questionnaire if v.name in frame.columns
               or (v.type == "calculate" and v.calculate and not v.collected)]
    by_name = {v.name: v for v in present}
    referenced = set().union(*(_uses(v) for v in present)) & by_name.keys()
    view = frame.copy(deep=False)  # columns are replaced, never changed in place
    for name in referenced & set(frame.columns):
        view[name] = without_sid_codes(view[name], by_name[name], questionnaire)
    language = questionnaire.language().column  # jr:choice-name gives labels in the delivery's default
    choice_labels = {v.name: {c.name: c.label(language) for c in v.choices.choices}
                     for v in questionnaire if v.choices is not None}
    result: dict[str, np.ndarray] = {}
    calculated: dict[str, pd.Series] = {}
    cache: dict[str, np.ndarray] = {}
    everyone = np.ones(len(frame), dtype=bool)

    def fail(var: Variable, column: str, exc: ExpressionError) -> SidError:
        return SidError(ErrorCode.FORM_EXPRESSION, f"{var.name}: {exc}", file=questionnaire.path, sheet="survey",
                        row=var.row, column=column, fix="Correct the expression in the form.")

    def settle(var: Variable, path: tuple[str, ...]) -> None:
        for ref in sorted(_uses(var) & by_name.keys()):  # a referenced question first
            if ref not in result and ref not in path:  # a cycle: use that answer as it stands
                settle(by_name[ref], path + (var.name,))
        where = everyone
        for condition in _conditions(var):
            if condition not in cache:
                try:
                    cache[condition] = evaluate(condition, view, choice_labels=choice_labels).to_numpy(dtype=bool)
                except ExpressionError as exc:
                    raise fail(var, "relevant", exc) from None
            where = where & cache[condition]
        result[var.name] = where
        if var.type == "calculate" and var.calculate and not var.collected:
            try:
                value = evaluate(var.calculate, without_missing(view, questionnaire, references(var.calculate)),
                                 choice_labels=choice_labels)
            except ExpressionError as exc:
                raise fail(var, "calculate", exc) from None
            if var.kind == "numeric":  # true/false as 1/0
                value = pd.to_numeric(value, errors="coerce").astype("float64")
            elif var.kind == "datetime":  # bind::type date or dateTime over a text ('2026-03-02')
                value = pd.to_datetime(value, errors="coerce")
            calculated[var.name] = value.where(where) if not where.all() else value
            view[var.name] = calculated[var.name].to_numpy()
        elif var.name in referenced and not where.all():
            view[var.name] = view[var.name].where(where)

    for var in present:
        if var.name not in result:
            settle(var, ())
    return Routing({v.name: result[v.name] for v in present if v.name in frame.columns},
                   {v.name: calculated[v.name] for v in present if v.name in calculated})


def without_missing(frame: pd.DataFrame, questionnaire: Questionnaire, columns: set[str] | frozenset[str]
                    ) -> pd.DataFrame:
    """A view for computing with answers: missing-value codes count as no answer (2026 - -9 is no
    age). Only `columns` (the references of the expressions to be evaluated) are changed."""
    codes = [float(c) for c in questionnaire.missing.values]
    texts = [str(c) for c in questionnaire.missing.values]
    view = frame.copy(deep=False)
    for var in questionnaire:
        if var.name not in view.columns or var.name not in columns:
            continue
        if var.kind == "numeric":
            view[var.name] = view[var.name].mask(view[var.name].isin(codes))
        elif var.type in ("select_one", "select_multiple"):
            view[var.name] = view[var.name].mask(view[var.name].isin(texts))
    return view


def _conditions(var: Variable) -> tuple[str, ...]:
    return (*var.group_relevant, *((var.relevant,) if var.relevant else ()))


def _uses(var: Variable) -> set[str]:
    used = set().union(*(references(c) for c in _conditions(var)))
    if var.type == "calculate" and var.calculate and not var.collected:
        used |= references(var.calculate)
    return used - {var.name}


def without_sid_codes(values: pd.Series, var: Variable, questionnaire: Questionnaire) -> pd.Series:
    codes = [c.code for c in questionnaire.missing.codes if c.role in SID_CODES]
    if var.kind == "numeric" and pd.api.types.is_numeric_dtype(values):
        return values.mask(values.isin([float(c) for c in codes]))
    if var.kind in ("string", "multi"):
        text = values.astype("string").str.strip()
        return values.mask(text.isin([str(c) for c in codes]).fillna(False).astype(bool))
    return values
