"""The questionnaire as the demo generator sees it: which variables play which role (key, mode,
interviewer, sex, birth year, nationalities, grids, open texts), who depends on whom, and the
origin group the nationality answers give; plus the small vectorised helpers every part of the
demo uses (drawing values, numbers as text, evaluating the form's expressions)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from pipeline.demo.answers import ORIGIN_GROUPS
from pipeline.survey.expressions import ExpressionError, evaluate, references
from pipeline.survey.questionnaire import Questionnaire, Variable

STRATA = ORIGIN_GROUPS
TODAY = pd.Timestamp("2026-07-01")        # today() in the form's expressions; file stamps
_BOUND = re.compile(r"\.\s*(>=|>|<=|<)\s*(-?\d+(?:\.\d+)?)(?![\d.])")


def _refs(expr: str | None) -> frozenset[str]:
    if not expr:
        return frozenset()
    try:
        return references(expr)
    except ExpressionError:
        return frozenset()


def _first(q: Questionnaire, *names: str) -> Variable | None:
    lower = {v.name.lower(): v for v in q}
    return next((lower[n] for n in names if n in lower), None)


class Form:
    """Roles of the form's variables, found by type, name and choice list (defensively)."""

    def __init__(self, q: Questionnaire, key: str) -> None:
        self.q, self.key = q, key
        self.vars = {v.name: v for v in q}
        self.names = list(q.names)
        # The key need not be a question (a sample number the export adds): the demo writes it either way.
        self.modus = _first(q, "modus", "mode")
        self.taal = _first(q, "interviewtaal", "taal_interview", "interview_language", "language")
        self.interviewer = _first(q, "interviewer_id", "interviewer", "interviewernummer")
        numeric = [v for v in q if v.kind == "numeric"]  # the demo draws sex and year as numbers
        self.sex = _first(numeric, "geslacht", "gender", "sex")
        self.birth = _first(numeric, "geboortejaar", "birth_year", "geboorte_jaar")
        self.start = next((v for v in q if v.type == "start"), None)
        self.end = next((v for v in q if v.type == "end"), None)
        meta = {key} | {v.name for v in (self.modus, self.taal, self.interviewer) if v is not None}
        meta |= {v.name for v in q if v.type in ("start", "end", "today", "deviceid", "username",
                                                    "datetime", "time")}
        self.calcs = [v for v in q if v.type == "calculate"]
        # Ordinary questions, in form order: what respondents answer.
        self.questions = [v for v in q if v.name not in meta and v.type != "calculate"]
        # Who depends on whom: var -> variables whose relevant/constraint/calculate mention it.
        self.direct: dict[str, set[str]] = {n: set() for n in self.names}
        for v in q:
            for expr in (v.routing, v.constraint, v.calculate):
                for r in _refs(expr):
                    if r in self.direct and r != v.name:
                        self.direct[r].add(v.name)
        self.country = [v for v in q if v.type == "select_one" and v.choices is not None
                        and set(STRATA) <= set(v.choices.names)]
        nat = [v for v in self.country if "nat" in v.name.lower()]
        father = next((v for v in nat if re.search(r"vader|father|pere|père", v.name.lower())), None)
        mother = next((v for v in nat if re.search(r"moeder|mother|mere|mère", v.name.lower())), None)
        own = [v for v in nat if v not in (father, mother)]
        first = [v for v in own if re.search(r"geboorte|eerste|first|birth", v.name.lower())]
        current = [v for v in own if v not in first]
        self.origin = [v.name for v in (father, mother, *first[:1], *current[:1]) if v is not None]
        self.grids = self._grids()
        self.language_selects = {v.name for v in q if v.type in ("select_one", "select_multiple")
                                 and v.choices is not None and v.name != (self.taal.name if self.taal else "")
                                 and len({"nl", "fr", "ar", "tr"} & set(v.choices.names)) >= 2}

    def affected(self, changed: set[str]) -> set[str]:
        """Variables whose rules may change when `changed` change (through calculates too)."""
        out, todo = set(), list(changed)
        while todo:
            name = todo.pop()
            for dep in self.direct.get(name, ()):
                if dep not in out:
                    out.add(dep)
                    if self.vars[dep].type == "calculate":
                        todo.append(dep)
        return out

    def mode_dependent(self) -> bool:
        """Does anything but the interviewer number depend on the mode of interview?"""
        if self.modus is None:
            return False
        others = self.affected({self.modus.name}) - {self.interviewer.name if self.interviewer else ""}
        return bool(others)

    def free(self, var: Variable | None) -> bool:
        return var is not None and not self.affected({var.name})

    def _grids(self) -> list[list[str]]:
        """Runs of >= 4 consecutive select_one questions in one group sharing one numeric choice
        list (a scale: trust 0-10, contact frequency 1-5 ...)."""
        grids, run = [], []

        def scale(v):
            return (v is not None and v.type == "select_one" and v.choices is not None and v.choices.numeric
                    and v.part_of is None  # a rank's positions are no scale
                    and sum(not c.startswith("-") for c in v.choices.names) >= 3)

        for v in self.questions + [None]:
            if scale(v) and run and v.choices.name == self.vars[run[-1]].choices.name \
                    and v.group == self.vars[run[-1]].group:
                run.append(v.name)
                continue
            if len(run) >= 4:
                grids.append(run)
            run = [v.name] if scale(v) else []
        return grids

    def specifies(self, v: Variable) -> str | None:
        """The select question an other-specify text belongs to: `q_anders` after `q`, or the
        one question its relevant mentions."""
        refs = _refs(v.routing)
        for other in self.vars.values():
            if other.type in ("select_one", "select_multiple") and v.name.startswith(other.name + "_"):
                return other.name
        return next(iter(refs)) if len(refs) == 1 and self.vars[next(iter(refs))].choices is not None else None

    def text_kind(self, v: Variable) -> str:
        name = v.name.lower()
        of = self.specifies(v)
        if re.search(r"beroep|job|occupation|functie", name):
            return "job"
        if re.search(r"opmerking|comment|remark", name):
            return "comment"
        if of in {c.name for c in self.country}:
            return "country"
        if of in self.language_selects or "taal" in name:
            return "language"
        if re.search(r"relig|geloof|levensbesch", name) or re.search(r"relig|geloof", of or ""):
            return "religion"
        if re.search(r"gemeente|woonplaats|municip|stad", name):
            return "place"
        return "other"

    def origin_of(self, frame: pd.DataFrame) -> np.ndarray:
        """Origin group by the Flemish definition from the nationality answers: father's first
        nationality; if Belgian or unknown the mother's; then the person's own. '' when the
        person is of another (non-target) origin or it cannot be told."""
        cols = [frame[c].astype(object).to_numpy() for c in self.origin]
        n = len(frame)
        out = np.full(n, "", dtype=object)
        decided = np.zeros(n, dtype=bool)
        all_be = np.ones(n, dtype=bool)
        for col in cols:
            text = pd.Series(col).fillna("").astype(str).to_numpy()
            known = (text != "") & ~pd.Series(text).str.startswith("-").to_numpy()
            foreign = known & (text != "BE")
            take = ~decided & foreign
            out[take] = text[take]
            decided |= foreign
            all_be &= text == "BE"
        out[~decided & all_be] = "BE"
        out[~np.isin(out, STRATA)] = ""
        return out

    def recalc(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The form's calculates computed again on `frame` (in place); one that cannot be
        computed keeps its values."""
        for c in self.calcs:
            try:
                value = evaluate(c.calculate, frame, today=TODAY)
                if c.routing:
                    value = value.where(asked_where(c, frame))
                frame[c.name] = value.to_numpy() if value.dtype != object else value.astype(object).to_numpy()
            except (ExpressionError, ValueError, TypeError):
                pass
        return frame


def numeric_bounds(v: Variable) -> tuple[float | None, float | None]:
    """The lowest and highest value the constraint of `v` allows by a number (`. >= 1941`)."""
    lo = hi = None
    for op, bound in _BOUND.findall(v.constraint or ""):
        if op in (">=", ">"):
            lo = float(bound) + (op == ">") if lo is None else max(lo, float(bound))
        else:
            hi = float(bound) - (op == "<") if hi is None else min(hi, float(bound))
    return lo, hi


def values_of(expr: str, frame: pd.DataFrame, current: str | None = None) -> np.ndarray:
    """A form expression evaluated on every row of `frame` (today() is TODAY)."""
    result = evaluate(expr, frame, current=current, today=TODAY)
    if result.dtype == bool:
        return result.to_numpy(bool)
    return result.to_numpy()


def asked_where(var: Variable, frame: pd.DataFrame) -> np.ndarray:
    """True on the rows where the form asks `var` (its relevant holds)."""
    if not var.routing:
        return np.ones(len(frame), dtype=bool)
    return values_of(var.routing, frame).astype(bool)


# ---------------------------------------------------------------------------------------------
# Small vectorised helpers
# ---------------------------------------------------------------------------------------------

def pick(rng: np.random.Generator, options, size: int, p=None) -> np.ndarray:
    """`size` values drawn from `options` (with probabilities `p`, normalised)."""
    options = np.asarray(options, dtype=object)
    if p is not None:
        p = np.asarray(p, dtype=float)
        p = p / p.sum()
    return options[rng.choice(len(options), size=size, p=p)] if size else options[:0]


def digits(values: np.ndarray, width: int) -> pd.Series:
    """Whole numbers as text, zero-padded to `width`."""
    return pd.Series(np.asarray(values, dtype=np.int64)).astype(str).str.zfill(width)


def num_text(values) -> np.ndarray:
    """Numbers as text the way exports write them: 1985, 36.5; missing → ''."""
    v = np.asarray(values, dtype="float64")
    out = np.full(v.shape, "", dtype=object)
    ok = ~np.isnan(v)
    whole = ok & (v == np.trunc(v)) & (np.abs(v) < 2.0 ** 53)
    out[whole] = v[whole].astype(np.int64).astype(str)
    frac = ok & ~whole
    if frac.any():
        out[frac] = np.char.mod("%.10g", v[frac])
    return out
