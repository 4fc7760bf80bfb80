"""What validation hands between its parts and keeps between runs: the frame with its calculates and the
routing judged on it (`routed`, one routing pass), the outcome of a check as the report takes it, and the
checks that do not depend on the rules (`FormChecks`, kept by stage.py for a rerun after a rules change)."""

from __future__ import annotations

from dataclasses import dataclass
from graphlib import CycleError, TopologicalSorter

import numpy as np
import pandas as pd

from pipeline.errors import ErrorCode, SidError
from pipeline.survey import routing
from pipeline.survey.expressions import ExpressionError
from pipeline.survey.questionnaire import Questionnaire, Variable


def with_calculates(frame: pd.DataFrame, questionnaire: Questionnaire) -> pd.DataFrame:
    """Routing and rules are judged as the form app would: with its calculate fields, computed from
    the answers where a source lacks them (keyed paper questionnaires). The data is not changed."""
    return routed(frame, questionnaire, judge=False)[0]


def routed(frame: pd.DataFrame, questionnaire: Questionnaire, judge: bool = True
           ) -> tuple[pd.DataFrame, dict[str, np.ndarray] | None]:
    """`with_calculates(frame)` and the routing judged on it (`routing.asked` of that frame; None unless
    `judge`), from one routing pass where that is the same: the pass that computes the calculates
    settles every question after those it refers to, so the calculates' values it started from are never
    read, unless the form's references go round in a circle (a question read "as it stands"), where the
    routing is judged again on the frame with its calculates."""
    if not any(v.type == "calculate" for v in questionnaire):
        return frame, routing.asked(frame, questionnaire) if judge else None
    try:
        found = routing.route(frame, questionnaire)
    except ExpressionError as exc:
        bad = next(v for v in questionnaire if v.type == "calculate")
        raise form_error(bad, "calculate", exc, questionnaire) from None
    derived = frame.copy(deep=False)  # as cleaning's derive_calculates: the calculates from the routing
    for name, value in found.calculated.items():
        derived[name] = value.to_numpy()
    view = frame.copy(deep=False)
    for var in questionnaire:  # recorded values stay; only missing ones are computed
        if var.type == "calculate" and var.name in derived.columns:
            view[var.name] = (frame[var.name].where(frame[var.name].notna(), derived[var.name])
                              if var.name in frame.columns else derived[var.name])
    if not judge:
        return view, None
    return view, found.asked if _settled_in_order(frame, questionnaire) else routing.asked(view, questionnaire)


def _settled_in_order(frame: pd.DataFrame, questionnaire: Questionnaire) -> bool:
    """Whether `routing.route` settles every variable after all those it refers to: no circle in the
    references among the variables it routes (the same set as route's)."""
    present = {v.name: v for v in questionnaire if v.name in frame.columns
               or (v.type == "calculate" and v.calculate and not v.collected)}
    graph = {name: routing._uses(var) & present.keys() for name, var in present.items()}
    try:
        tuple(TopologicalSorter(graph).static_order())
    except CycleError:
        return False
    return True


def form_error(var: Variable, column: str, exc: ExpressionError, questionnaire: Questionnaire) -> SidError:
    return SidError(ErrorCode.FORM_EXPRESSION, f"{var.name}: {exc}", file=questionnaire.path, sheet="survey",
                    row=var.row, column=column, fix="Correct the expression in the form.")


@dataclass(frozen=True)
class Outcome:
    """What the report takes of a Check: its counts, and its failing rows with their values as text."""

    rule: str
    description: str
    expression: str
    severity: str
    variable: str
    items: int
    fails: np.ndarray  # the failing rows' positions
    n_fails: int
    n_na: int
    message: str
    values: np.ndarray | str  # the failing rows' values as text ("" when the check has none)


def outcome(check) -> Outcome:
    """Of a validate.Check (not imported here: validate.py imports this module)."""
    idx = np.flatnonzero(check.fails)
    values = (check.values.iloc[idx].astype("string").fillna("").to_numpy()
              if check.values is not None and len(idx) else "")
    return Outcome(check.rule, check.description, check.expression, check.severity, check.variable,
                   int(check.items.sum()), idx, int(check.fails.sum()), check.n_na, check.message, values)


@dataclass(frozen=True)
class FormChecks:
    """The checks of a frame that do not depend on the rules file: those of the form (kinds, codes, ranges,
    constraints, the key, routing, choice filters, ranks), before the rules in the report; the personal
    data in open answers, after them; and the quality indicators per respondent, which `validate` judges
    against the thresholds. The same for the same frame, form and straightline setting, whatever the rules."""

    before: tuple[Outcome, ...]
    after: tuple[Outcome, ...]
    quality: pd.DataFrame  # indicators(), with dont_know_questions
    calculates: tuple[tuple[str, pd.Series], ...] = ()  # the calculate columns of `with_calculates` (`kept_calculates`)


def kept_calculates(derived: pd.DataFrame, questionnaire: Questionnaire) -> tuple[tuple[str, pd.Series], ...]:
    """The calculate columns of `derived` (`with_calculates` of a frame), in its column order."""
    names = {v.name for v in questionnaire if v.type == "calculate"}
    return tuple((name, derived[name]) for name in derived.columns if name in names)


def with_kept_calculates(frame: pd.DataFrame, calculates: tuple[tuple[str, pd.Series], ...]) -> pd.DataFrame:
    """`with_calculates(frame)` from its kept calculate columns (`kept_calculates`, of the same frame, its index
    reset as `frame`'s): those columns replaced or added, as with_calculates replaces or adds them."""
    view = frame.copy(deep=False)
    for name, column in calculates:
        view[name] = column
    return view
