"""Demo fieldwork: clean answers generated from the form itself, deterministic for a seed."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from pipeline.survey.choice_filter import offered
from pipeline.survey.expressions import ExpressionError, evaluate
from pipeline.survey.parts import is_rank_part
from pipeline.survey.questionnaire import Questionnaire, Variable

ORIGIN_GROUPS = ("BE", "MA", "TR", "PL", "RO", "CD")
FIELDWORK_START = pd.Timestamp("2026-03-02 08:00")
FIELDWORK_DAYS = 120
_BOUND = re.compile(r"\.\s*(>=|>|<=|<)\s*(\$\{\w+\}|-?\d+(?:\.\d+)?)")
# The size of a household (a question asking how many people live in it): Belgian-like, 1-8 persons,
# most 1-4; Statbel's household shares (1 person ~35 %, 2 ~31 %, 3 ~14 %, 4 ~12 %, 5+ ~8 %), average ~2.3.
HOUSEHOLD_SIZES = np.array([0.35, 0.31, 0.14, 0.12, 0.05, 0.02, 0.007, 0.003])
_HOUSEHOLD = re.compile(r"(how many people|hoeveel personen|combien de personnes).*(household|huishouden|ménage)",
                        re.IGNORECASE)
_TEXTS = {
    "beroep": ["verpleegkundige", "vrachtwagenchauffeur", "boekhouder", "leerkracht lager onderwijs",
               "schoonmaker", "kok", "IT-consultant", "winkelbediende", "bouwvakker", "arts",
               "kinderbegeleider", "magazijnier", "zelfstandig kapper", "poetshulp", "ingenieur"],
    "opmerkingen": ["Interessante vragenlijst.", "Sommige vragen waren lang.", "Geen opmerkingen.",
                    "Bedankt voor het onderzoek.", "Ik vond de vragen over discriminatie belangrijk."],
    "": ["Andere", "Familie", "Werk", "Studies", "Vrienden", "Buren", "Vereniging", "Moskee",
         "Kerk", "Sportclub"],
}


def demo_responses(questionnaire: Questionnaire, *, respondents: int, seed: int, key: str) -> pd.DataFrame:
    """One clean completed interview per row, in form order: answers respect choices, routing,
    constraints and required; calculates are computed. Vectorised per question."""
    rng = np.random.default_rng(seed)
    n = respondents
    frame = pd.DataFrame(index=pd.RangeIndex(n))
    origin = rng.choice(ORIGIN_GROUPS, size=n)
    for var in questionnaire:
        if var.name == key:
            ids = rng.permutation(np.arange(100000, 100000 + 10 * n, 10))[:n]
            frame[key] = pd.Series([f"S{i:07d}" for i in ids], dtype="string")
            continue
        frame[var.name] = _answers(var, frame, rng, origin, n)
        if var.constraint and var.type != "calculate":
            frame[var.name] = _within_constraint(var, frame, rng, origin, n)
        if var.choice_filter and var.type == "select_one":
            frame[var.name] = _within_filter(var, frame, rng, origin, n)
        routing = var.routing
        try:
            asked = evaluate(routing, frame).astype(bool) if routing else pd.Series(True, index=frame.index)
        except ExpressionError:  # e.g. jr:choice-name on the demo's draft: asked of everyone
            asked = pd.Series(True, index=frame.index)
        frame[var.name] = frame[var.name].where(asked)
        later_rank = is_rank_part(var) and var.part_of[1] > 0  # a ranking is skipped whole (its first position)
        if not var.required and var.type not in ("calculate", "start", "end", "today") and var.name != key \
                and not later_rank:
            blank = pd.Series(rng.random(n) < 0.05, index=frame.index)
            frame[var.name] = frame[var.name].mask(blank & asked)
        if frame.shape[1] % 64 == 0:
            frame = frame.copy()  # consolidate the column blocks added one by one
    return frame.copy()


def _answers(var: Variable, frame: pd.DataFrame, rng: np.random.Generator,
             origin: np.ndarray, n: int, wide: bool = False) -> pd.Series:
    index = frame.index
    if var.type == "start":
        offsets = rng.integers(0, FIELDWORK_DAYS * 24 * 60 // 2, size=n) * 2
        return pd.Series(FIELDWORK_START + pd.to_timedelta(offsets, unit="min"), index=index).dt.floor("s")
    if var.type == "end":
        start = frame.get("start", pd.Series(FIELDWORK_START, index=index))
        minutes = np.clip(rng.lognormal(np.log(38), 0.3, size=n), 12, 150)
        return (start + pd.to_timedelta(np.round(minutes * 60), unit="s")).dt.floor("s")
    if var.type in ("date", "today"):
        days = rng.integers(-3 * 365, 3 * 365, size=n) if wide else rng.integers(0, FIELDWORK_DAYS, size=n)
        return pd.Series(FIELDWORK_START.normalize() + pd.to_timedelta(days, unit="D"), index=index)
    if var.type == "calculate" and var.calculate and not var.collected:
        try:
            result = evaluate(var.calculate, frame)
        except ExpressionError:  # e.g. a function over a repeat: a plausible value of its kind instead
            result = None
        if result is not None:
            return pd.to_numeric(result, errors="coerce") if var.kind == "numeric" else result
    if is_rank_part(var):
        return _rank_position(var, frame, rng, n)
    if var.type == "select_one":
        return _select_one(var, rng, origin, n, index)
    if var.type == "select_multiple":
        return _select_multiple(var, rng, n, index)
    if var.part_of is not None:  # a geopoint's part: somewhere in Belgium, as a phone measures it
        low, high = ((50.7, 51.3), (2.6, 5.9), (0.0, 150.0), (3.0, 20.0))[var.part_of[1]]
        return pd.Series(np.round(low + rng.random(n) * (high - low), 6), index=index)
    if var.type == "range" and var.bounds is not None:
        start, end, step = var.bounds
        steps = int(np.floor(abs(end - start) / step + 1e-9))
        return pd.Series(min(start, end) + step * rng.integers(0, steps + 1, size=n), index=index, dtype="float64")
    if var.type == "integer" and any(_HOUSEHOLD.search(text) for text in var.labels.values()):
        return _household_size(var, frame, rng, n)
    if var.kind == "numeric":
        return _number(var, frame, rng, n)
    if var.kind == "datetime":
        minutes = rng.integers(-3 * 365 * 24 * 60 if wide else 0, FIELDWORK_DAYS * 24 * 60 * (12 if wide else 1), size=n)
        return pd.Series(FIELDWORK_START + pd.to_timedelta(minutes, unit="min"), index=index).dt.floor("s")
    return pd.Series(_texts(var, rng, n), index=index, dtype="string")


def _within_constraint(var: Variable, frame: pd.DataFrame, rng: np.random.Generator, origin: np.ndarray,
                       n: int) -> pd.Series:
    """The answers redrawn where they break the question's constraint (from a wider range after a
    few tries, for dates such as `. >= today()`); still breaking after 20 tries: left unanswered."""
    values = frame[var.name]
    for attempt in range(20):
        try:
            ok = evaluate(var.constraint, frame.assign(**{var.name: values}), current=var.name).astype(bool)
        except ExpressionError:  # a constraint the demo cannot evaluate: the answers as drawn
            return values
        bad = (~ok & values.notna()).to_numpy()
        if not bad.any():
            return values
        redrawn = _answers(var, frame, rng, origin, n, wide=attempt >= 3)
        values = values.where(~bad, redrawn)
    return values.mask(bad)


def _within_filter(var: Variable, frame: pd.DataFrame, rng: np.random.Generator, origin: np.ndarray,
                   n: int) -> pd.Series:
    """A filtered select's answers redrawn until each is one the filter offers (cascading selects:
    a municipality of the province answered); still outside after 30 tries: left unanswered."""
    values = frame[var.name]
    for _ in range(30):
        try:
            applies, ok = offered(var, frame.assign(**{var.name: values}), [])
        except ExpressionError:
            return values
        bad = applies & ~ok
        if not bad.any():
            return values
        values = values.where(~bad, _answers(var, frame, rng, origin, n))
    return values.mask(bad)


def _texts(var: Variable, rng: np.random.Generator, n: int) -> np.ndarray:
    """Text answers that look like what the form app stores for the question's type."""
    if var.type == "time":
        draw = rng.integers(0, 10**6, size=n)
        return np.array([f"{8 + d % 12:02d}:{d % 60:02d}:00.000+01:00" for d in draw], dtype=object)
    if var.type in ("image", "audio", "video", "file", "background-audio", "osm"):
        ext = {"image": "jpg", "audio": "m4a", "video": "mp4", "osm": "osm"}.get(var.type, "bin")
        return np.array([f"{1772438400000 + d * 997}.{ext}" for d in rng.integers(0, 10**6, size=n)], dtype=object)
    if var.type in ("geopoint", "start-geopoint", "background-geopoint", "geotrace", "geoshape"):
        return np.array([f"{50.7 + (d % 5000) / 10000:.6f} {4.2 + (d % 7000) / 10000:.6f} 0.0 {5 + d % 20}.0"
                         for d in rng.integers(0, 10**6, size=n)], dtype=object)
    if var.type in ("barcode", "deviceid", "simserial", "subscriberid", "username") or var.collected:
        return np.array([f"{var.type}-{d:06d}" for d in rng.integers(0, 10**6, size=n)], dtype=object)
    bank = next((texts for stem, texts in _TEXTS.items() if stem and stem in var.name), _TEXTS[""])
    return np.asarray(bank, dtype=object)[rng.integers(0, len(bank), size=n)]


def _weights(names: tuple[str, ...]) -> np.ndarray:
    special = {"-1": 0.03, "-2": 0.01, "96": 0.03, "other": 0.03}
    rest = [nm for nm in names if nm not in special]
    share = 1.0 - sum(special[nm] for nm in names if nm in special)
    return np.array([special.get(nm, share / max(len(rest), 1)) for nm in names])


def _select_one(var: Variable, rng, origin, n, index) -> pd.Series:
    names = var.choices.names
    weights = _weights(names)
    picked = np.asarray(names, dtype=object)[rng.choice(len(names), size=n, p=weights / weights.sum())]
    if set(ORIGIN_GROUPS) <= set(names):
        # Country questions: mostly the respondent's origin country, some Belgium.
        draw = rng.random(n)
        picked = np.where(draw < 0.7, origin, np.where(draw < 0.85, "BE", picked))
    if var.choices.numeric:
        return pd.Series(picked.astype(float), index=index)
    return pd.Series(picked, index=index, dtype="string")


def _rank_position(var: Variable, frame: pd.DataFrame, rng: np.random.Generator, n: int) -> pd.Series:
    """Position i of a rank: a choice no earlier position took, so the positions order every choice
    once; a respondent whose first position is empty (skipped, not asked) leaves every position empty."""
    names = np.asarray(var.choices.names, dtype=object)
    question, i = var.part_of
    scores = rng.random((n, len(names)))
    earlier = [frame[f"{question}_{j + 1}"] for j in range(i)]
    for taken in earlier:
        text = (taken.astype("Float64").astype("Int64").astype("string") if var.choices.numeric
                else taken.astype("string")).fillna("").to_numpy(dtype=object)
        scores[text[:, None] == names[None, :]] = 2.0
    picked = pd.Series(names[scores.argmin(axis=1)], index=frame.index)
    if earlier:
        picked = picked.where(earlier[0].notna().to_numpy())
    return picked.astype(float) if var.choices.numeric else picked.astype("string")


def _select_multiple(var: Variable, rng, n, index) -> pd.Series:
    names = [c for c in var.choices.names]
    ordinary = [nm for nm in names if nm not in ("-1", "-2")]
    chosen = rng.random((n, len(ordinary))) < np.where(
        np.isin(ordinary, ["other", "96"]), 0.05, 0.3)
    none = ~chosen.any(axis=1)
    chosen[none, rng.integers(0, len(ordinary), size=none.sum())] = True
    text = pd.Series("", index=index, dtype=object)
    for j, nm in enumerate(ordinary):
        text = text + np.where(chosen[:, j], nm + " ", "")
    text = text.str.rstrip()
    if "-1" in names:  # a few respondents answer "weet niet" alone
        text = text.mask(rng.random(n) < 0.02, "-1")
    return text.astype("string")


def _household_size(var: Variable, frame: pd.DataFrame, rng, n) -> pd.Series:
    """1-8 persons by HOUSEHOLD_SIZES (one uniform draw per respondent, as _number takes), kept
    within the question's own bounds."""
    cumulative = np.cumsum(HOUSEHOLD_SIZES / HOUSEHOLD_SIZES.sum())
    drawn = pd.Series(1.0 + np.searchsorted(cumulative, rng.random(n), side="right").clip(0, len(cumulative) - 1),
                      index=frame.index)
    lo = hi = None
    for op, bound in _BOUND.findall(var.constraint or ""):
        if not bound.startswith("${"):
            if op in (">=", ">"):
                lo = float(bound) + (op == ">")
            else:
                hi = float(bound) - (op == "<")
    return drawn.clip(lower=lo, upper=hi)


def _number(var: Variable, frame: pd.DataFrame, rng, n) -> pd.Series:
    """Uniform between the bounds the constraint states (numbers or ${other} answers)."""
    lo = pd.Series(0.0, index=frame.index)
    hi = pd.Series(10.0, index=frame.index)
    for op, bound in _BOUND.findall(var.constraint or ""):
        value = (evaluate(bound, frame).astype("float64") if bound.startswith("${")
                 else pd.Series(float(bound), index=frame.index))
        if op in (">=", ">"):
            lo = value + (1 if op == ">" else 0)
        else:
            hi = value - (1 if op == "<" else 0)
    lo, hi = lo.fillna(0.0), hi.fillna(lo + 10)
    hi = hi.where(hi >= lo, lo)
    if var.type == "decimal":
        values = np.round(lo + rng.random(n) * (hi - lo), 1)
    else:
        lo, hi = np.ceil(lo), np.floor(hi)
        values = lo + np.floor(rng.random(n) * (hi - lo + 1))
    values = pd.Series(values, index=frame.index, dtype="float64")
    if var.constraint:
        probe = frame.assign(**{var.name: values})
        try:
            ok = evaluate(var.constraint, probe, current=var.name)
        except ExpressionError:
            return values
        values = values.where(ok, lo)
    return values
