"""Planted defects: which kinds, how many, and the machinery that plants them (choosing records,
checking that a change breaks only what it means to break, recording the ground truth); and the
defects that are whole web records: break-offs, test interviews, double submissions. The
defects planted in the answers of complete records are in defects_records.py."""

from __future__ import annotations

from types import MappingProxyType

import numpy as np
import pandas as pd

from pipeline.demo import tables as T
from pipeline.demo.answers import demo_responses
from pipeline.demo.form import asked_where, digits, pick, values_of
from pipeline.demo.state import SOURCES, Build
from pipeline.survey.expressions import ExpressionError

# Planted defects and their share of the completed interviews (at least 3 each where possible).
DEFECT_RATES = MappingProxyType({
    "duplicate_cross_mode": 0.012, "double_submission": 0.010, "test_interview": 0.004,
    "break_off": 0.020, "routing_violation": 0.015, "chain_violation": 0.010, "out_of_range": 0.012,
    "impossible_value": 0.010, "inconsistent_answer": 0.015, "speeder": 0.015,
    "straightliner": 0.015, "pii_in_open_answer": 0.010, "unknown_code": 0.012,
    "misspelt_place": 0.012, "coding_variant": 0.012,
})
DEFECTS = tuple(DEFECT_RATES)
MIN_INSTANCES = 3


def wanted(defect: str, completes: int) -> int:
    """How many instances of `defect` to plant among `completes` completed interviews."""
    return max(MIN_INSTANCES, int(round(DEFECT_RATES[defect] * completes)))


# ---------------------------------------------------------------------------------------------
# The machinery
# ---------------------------------------------------------------------------------------------

def frame_of(b: Build, rows: np.ndarray) -> pd.DataFrame:
    """The form's variables of records `rows`, indexed 0..n-1."""
    names = b.form.names if b.key in b.form.vars else [b.key, *b.form.names]  # the key: a question or not
    return b.R.loc[rows, names].reset_index(drop=True)


def check(b: Build, before: pd.DataFrame, after: pd.DataFrame, changed: set[str],
          violate: set[str] = frozenset()) -> np.ndarray:
    """True where the change breaks nothing but what it means to break: other questions
    keep their routing and constraints, changed questions are asked where answered and keep
    their constraint (unless in `violate`), the origin group stays."""
    form = b.form
    after = form.recalc(after)
    calc_changed = {c.name for c in form.calcs
                    if not before[c.name].astype(object).equals(after[c.name].astype(object))}
    touched = set(changed) | calc_changed
    ok = np.ones(len(before), dtype=bool)
    for name in sorted(form.affected(touched) | touched):
        v = form.vars[name]
        if v.type == "calculate":
            continue
        try:
            if v.routing:
                a = values_of(v.routing, after).astype(bool)
                if name in changed:
                    if name not in violate:
                        ok &= a | after[name].isna().to_numpy()
                else:
                    ok &= a == values_of(v.routing, before).astype(bool)
            if v.constraint and name not in violate:
                present = after[name].notna().to_numpy()
                ok &= values_of(v.constraint, after, current=name).astype(bool) | ~present
        except ExpressionError:
            ok[:] = False
    if touched & set(form.origin) and "origin" not in violate:
        ok &= form.origin_of(after) == form.origin_of(before)
    return ok


def apply_change(b: Build, rows: np.ndarray, after: pd.DataFrame, ok: np.ndarray, k: int,
                 changed: set[str]) -> np.ndarray:
    """Write the first k acceptable changed rows back; they are no longer clean."""
    take = np.flatnonzero(ok)[:k]
    chosen = rows[take]
    cols = sorted(set(changed) | {c.name for c in b.form.calcs})
    for col in cols:
        values = after[col].to_numpy()[take]
        if b.R[col].dtype == object or not pd.api.types.is_numeric_dtype(b.R[col].dtype):
            b.R[col] = b.R[col].astype(object)
        b.R.loc[chosen, col] = values
    b.R.loc[chosen, "_clean"] = False
    return chosen


def candidates(b: Build, sources=SOURCES, rng: np.random.Generator | None = None) -> np.ndarray:
    """Clean records of `sources`, in random order (at most `b.limit` of them)."""
    R = b.R
    m = R["_clean"].to_numpy() & R["_source"].isin(sources).to_numpy()
    rows = np.flatnonzero(m)
    rows = rows[(rng or b.rng_defects).permutation(len(rows))]
    return rows if b.limit is None else rows[: b.limit]


def add_truth(b: Build, defect: str, rows, variable, detail) -> None:
    """Record planted instances of `defect` in records `rows` (one truth row each)."""
    rows = np.asarray(rows, dtype=np.int64)
    if not len(rows):
        return
    b.truth.append(pd.DataFrame({
        "defect": defect, "_rec": b.R["_rec"].to_numpy()[rows],
        "variable": np.broadcast_to(np.asarray(variable, dtype=object), rows.shape),
        "detail": np.broadcast_to(np.asarray(detail, dtype=object), rows.shape)}))


def spread(b: Build, k: int, targets: list, plant_one) -> int:
    """Plant k instances spread over targets (variables or variants): each target gets an
    equal share, what one cannot take goes to the next."""
    done = 0
    for i, target in enumerate(targets):   # a random sample of candidates is enough
        want = (k - done) // (len(targets) - i) + (1 if (k - done) % (len(targets) - i) else 0)
        b.limit = 40 * want + 200
        done += plant_one(target, want)
        if done >= k:
            break
    b.limit = None
    if done < k:
        for target in targets:
            done += plant_one(target, k - done)
            if done >= k:
                break
    return done


# ---------------------------------------------------------------------------------------------
# Web break-offs, test interviews, double submissions
# ---------------------------------------------------------------------------------------------

def plant_break_offs(b: Build) -> None:
    """Empty every question from a random point on in the web break-offs (and the web records
    of the cross-mode duplicates, copies of their CAPI interview until then)."""
    R, f = b.R, b.form
    rows = np.flatnonzero(R["_cat"].isin(["breakoff", "dup_web"]).to_numpy())
    questions = [v.name for v in f.questions]
    if not len(rows):
        return
    if not questions:  # nothing to break off in: they left before the first question
        b.break_off_outcomes = pd.Series("2.12", index=R.loc[rows, "_unit"].to_numpy())
        return
    L = len(questions)
    r = b.rng_defects
    cut = np.minimum(r.integers(max(1, int(0.15 * L)), max(2, int(0.9 * L)), size=len(rows)), L - 1)
    frame = frame_of(b, rows)
    # a copy made from a CAPI record becomes a web record
    dup = R.loc[rows, "_cat"].to_numpy() == "dup_web"
    if f.modus is not None:
        frame.loc[dup, f.modus.name] = 1.0
    if f.interviewer is not None:
        frame.loc[~asked_where(f.interviewer, frame), f.interviewer.name] = np.nan
    names = np.asarray(questions, dtype=object)
    for j, name in enumerate(questions):
        blank = cut <= j
        if blank.any():
            frame[name] = frame[name].astype(object) if frame[name].dtype == object else frame[name]
            frame.loc[blank, name] = np.nan
    if f.end is not None:
        frame[f.end.name] = pd.NaT
    frame = f.recalc(frame)
    for col in frame.columns:
        if col == b.key:
            continue
        if R[col].dtype != frame[col].dtype and not pd.api.types.is_datetime64_any_dtype(R[col].dtype):
            R[col] = R[col].astype(object)
        R.loc[rows, col] = frame[col].to_numpy()
    # web dates of the duplicates: their web phase, not their CAPI visit
    u = b.units.iloc[R.loc[rows, "_unit"].to_numpy()]
    web_date = u["d0"].to_numpy() + pd.to_timedelta(u["resp_day"].to_numpy(), unit="D").to_numpy()
    hours = r.integers(8, 23, size=len(rows)) * 3600 + r.integers(0, 3600, size=len(rows))
    start = pd.Series(web_date) + pd.to_timedelta(hours, unit="s")
    keep = ~dup
    start[keep] = R.loc[rows[keep], "_start"].to_numpy()
    if f.start is not None:
        R.loc[rows, f.start.name] = start.to_numpy()
    R.loc[rows, "_start"] = start.to_numpy()
    answered = cut / L
    R.loc[rows, "_minutes"] = np.maximum(answered * r.lognormal(np.log(35), 0.3, size=len(rows)), 1.0)
    R.loc[rows, "_clean"] = False
    b.break_off_outcomes = pd.Series(np.where(answered >= 0.5, "1.2", "2.12"),
                                     index=R.loc[rows, "_unit"].to_numpy())
    detail = ("no answers from " + pd.Series(names[cut], dtype=object) + " on ("
              + pd.Series(cut.astype(str), dtype=object) + f" of {L} questions reached); end empty")
    add_truth(b, "break_off", rows, names[cut], detail)


def plant_tests(b: Build) -> None:
    """Add the testers' web interviews (keys TEST001…) from before the launch, with junk texts."""
    f = b.form
    n = wanted("test_interview", b.completes)
    seed = int(b.seeds.spawn(1)[0].generate_state(1)[0]) ^ 0x7E57
    frame = demo_responses(b.q, respondents=n, seed=seed, key=b.key).copy()
    r = b.rng_defects
    width = max(3, len(str(n)))
    frame[b.key] = ("TEST" + digits(np.arange(1, n + 1), width)).to_numpy()
    for v in f.questions:
        if v.type == "text":
            present = frame[v.name].notna().to_numpy() | asked_where(v, frame)
            values = frame[v.name].astype(object).copy()
            values[present] = pick(r, T.TEST_TEXTS, int(present.sum()))
            frame[v.name] = values
    for v in f.q:
        if v.kind == "string" or v.kind == "multi":
            frame[v.name] = frame[v.name].astype(object).where(frame[v.name].notna(), np.nan)
    if f.modus is not None:
        frame[f.modus.name] = 1.0
    if f.interviewer is not None:
        frame.loc[~asked_where(f.interviewer, frame), f.interviewer.name] = np.nan
    start = (pd.Timestamp("2026-02-23 09:00") + pd.to_timedelta(r.integers(0, 5, size=n), unit="D")
             + pd.to_timedelta(r.integers(0, 8 * 3600, size=n), unit="s"))
    minutes = r.uniform(2, 8, size=n)
    if f.start is not None:
        frame[f.start.name] = start.to_numpy()
    if f.end is not None:
        frame[f.end.name] = (start + pd.to_timedelta(np.round(minutes * 60), unit="s")).to_numpy()
    frame = f.recalc(frame)
    extra = pd.DataFrame({"_unit": -1, "_source": "web", "_cat": "test", "_stratum": "", "_lang": "nl",
                          "_start": start.to_numpy(), "_minutes": minutes, "_clean": False,
                          "_rec": len(b.R) + np.arange(n), "_copy_of": -1, "_submitted": pd.NaT,
                          "_uuid": "", "_row": 0})
    frame = pd.concat([frame.reset_index(drop=True), extra], axis=1)
    b.R = pd.concat([b.R, frame[b.R.columns]], ignore_index=True)
    rows = np.arange(len(b.R) - n, len(b.R))
    add_truth(b, "test_interview", rows, "", "interview by a tester before the launch; not in the sample")


def plant_double_submissions(b: Build) -> None:
    """Submit some clean web records a second time (the copy is the defect)."""
    k = wanted("double_submission", b.completes)
    rows = candidates(b, ("web",))[:k]
    copy = b.R.loc[rows].copy()
    copy["_clean"] = False
    copy["_cat"] = "double"
    copy["_copy_of"] = b.R.loc[rows, "_rec"].to_numpy()
    copy["_rec"] = len(b.R) + np.arange(len(rows))
    b.R = pd.concat([b.R, copy], ignore_index=True)
    new = np.arange(len(b.R) - len(rows), len(b.R))
    add_truth(b, "double_submission", new, "", "")   # detail filled in when rows are known (truth.py)
