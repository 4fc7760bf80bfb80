"""Chain violations: a routed question answered although its parent's answer does not ask it,
with its own follow-up questions answered as if it had been asked (werkstatus = 3, yet
leidinggevend = 1 and n_ondergeschikten = 12; contract = 96 with contract_anders 'interim');
and the answered follow-ups of an answer that cleaning removes as invalid (aantal_kinderen out of
range, kinderen_thuis answered). As ODK routes (docs/routing.md), each of those cells was not
asked once the answers above it are empty: cleaning must make it -3, or clear it when it is a text,
level by level. The ground truth lists every such cell with that action (`cleaning`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.demo.defects import add_truth, apply_change, candidates, check, frame_of, spread, wanted
from pipeline.demo.form import asked_where, num_text, values_of
from pipeline.demo.state import Build
from pipeline.survey.expressions import ExpressionError, references
from pipeline.survey.questionnaire import Variable

DEFECT = "chain_violation"
# The planted kinds whose cell cleaning makes -4 (ongeldig): empty for the routing of what follows.
INVALIDATED = ("out_of_range", "impossible_value", "unknown_code")
MAX_SUBTREE = 8   # a question with more dependents than this is no chain to copy whole


def invalidated(b: Build, truth: pd.DataFrame) -> np.ndarray:
    """The truth rows whose cell cleaning makes -4: an out-of-range or unknown code, and an
    impossible value where the form's constraint says so (not a year before birth the form
    does not forbid)."""
    hit = truth["defect"].isin(INVALIDATED).to_numpy() & (truth["variable"] != "").to_numpy()
    judged = [truth["defect"].iloc[i] != "impossible_value"
              or "${" in (b.form.vars[truth["variable"].iloc[i]].constraint or "") for i in np.flatnonzero(hit)]
    hit[np.flatnonzero(hit)] = judged
    return hit


def cleaning_action(var: Variable) -> str:
    """What cleaning does with an answer to `var` that was not asked: -3, or a text cleared."""
    return "cleared" if var.kind == "string" and var.type != "select_one" else "-3"


def not_asked(b: Build, frame: pd.DataFrame, emptied: dict[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """Per question: the answered cells of `frame` that were not asked, as ODK routes: in form
    order, each relevant evaluated with the answers that were not asked (and the cells in
    `emptied`, those cleaning removes) empty, so a child follows its parent's cleaned answer."""
    f = b.form
    view = frame.copy()
    for name, where in (emptied or {}).items():
        view[name] = view[name].astype(object).where(~where, np.nan) if view[name].dtype == object \
            else view[name].where(~where)
    f.recalc(view)
    out: dict[str, np.ndarray] = {}
    for v in f.questions:
        if not v.routing or v.name not in view.columns:
            continue
        try:
            hit = view[v.name].notna().to_numpy() & ~asked_where(v, view)
        except ExpressionError:
            continue
        if hit.any():
            out[v.name] = hit
            view[v.name] = view[v.name].where(~hit) if view[v.name].dtype != object \
                else view[v.name].astype(object).where(~hit, np.nan)
            if any(v.name in f.direct and c.name in f.direct[v.name] for c in f.calcs):
                f.recalc(view)
    return out


def plant_chain_violations(b: Build) -> None:
    """Planted after every other defect, with a random stream of their own, so that the other
    defects and the files' row order are what they were without them; then the follow-ups of
    the invalid answers planted before are listed too."""
    k = wanted(DEFECT, b.completes)
    done = _chains(b, k, np.random.default_rng(b.seeds.spawn(1)[0]))
    if done < k and not b.notes[DEFECT]:
        b.notes[DEFECT].append(f"planted {done} of {k} wanted")
    _follow_ups_of_invalid(b)


def _subtree(b: Build, name: str) -> list[str]:
    """`name` and every variable that depends on it (by relevant, constraint or calculate), in form order."""
    f = b.form
    seen, todo = {name}, [name]
    while todo:
        for dep in f.direct.get(todo.pop(), ()):
            if dep not in seen:
                seen.add(dep)
                todo.append(dep)
    return [n for n in f.names if n in seen]


def _depth(b: Build, name: str) -> int:
    """Levels of routing below `name` and itself: leidinggevend → n_ondergeschikten is 2."""
    f = b.form
    below = [d for d in f.direct.get(name, ()) if f.vars[d].routing and name in _refs(f.vars[d].routing)]
    return 1 + max((_depth(b, d) for d in below if d != name), default=0)


def _refs(expr: str) -> set[str]:
    try:
        return set(references(expr))
    except ExpressionError:
        return set()


def _chains(b: Build, k: int, rng: np.random.Generator) -> int:
    """Copy a routed question and all that follows from it from a respondent who was asked it
    into face-to-face and paper records whose answers do not ask it."""
    f = b.form
    questions = {v.name for v in f.questions}
    targets = []
    for v in f.questions:
        tree = _subtree(b, v.name)
        if (v.routing and v.name != f.key and _depth(b, v.name) >= 2 and len(tree) <= MAX_SUBTREE
                and set(tree) - {v.name} <= questions | {c.name for c in f.calcs}
                and not set(tree) & set(f.origin)):
            targets.append(v)
    if not targets:
        b.notes[DEFECT].append("the form has no routed question with routed follow-up questions")
        return 0
    order = rng.permutation(len(targets))
    targets = sorted((targets[i] for i in order), key=lambda v: -_depth(b, v.name))

    def one(v: Variable, want: int) -> int:
        tree = _subtree(b, v.name)
        changed = {n for n in tree if n in questions}
        children = [d for d in tree if d != v.name and f.vars[d].routing and v.name in _refs(f.vars[d].routing)]
        R = b.R
        complete = R["_cat"].isin(["web", "capi", "papi"]).to_numpy() & R["_clean"].to_numpy()
        donors = np.flatnonzero(complete & R[v.name].notna().to_numpy()
                                & R[children].notna().any(axis=1).to_numpy())
        rows = candidates(b, ("papi", "capi"), rng)
        if not len(donors) or not len(rows):
            return 0
        before = frame_of(b, rows)
        keep = ~asked_where(v, before)
        rows, before = rows[keep], before[keep].reset_index(drop=True)
        if not len(rows):
            return 0
        donor = donors[rng.integers(0, len(donors), size=len(rows))]
        # The first one copies a chain answered to its deepest level ...
        reached = {v.name: np.ones(len(donors), dtype=np.int64)}
        for d in tree:
            ups = [m for m in _refs(f.vars[d].routing or "") if m in reached]
            if d != v.name and ups and d in questions:
                answered = pd.notna(R[d].to_numpy()[donors])
                reached[d] = np.where(answered, np.max([reached[m] for m in ups], axis=0) + 1, 0)
        deepest = np.max(list(reached.values()), axis=0)
        deep = int(rng.choice(donors[deepest == deepest.max()]))
        # ... into a slip to a neighbouring code (werkstatus 3 keyed for 2); the others anywhere.
        gap = np.zeros(len(rows))
        for ref in sorted(_refs(v.routing) & set(before.columns)):
            if f.vars[ref].kind == "numeric":
                gap += np.abs(before[ref].to_numpy(dtype=float) - float(R[ref].to_numpy(dtype=float)[deep]))
        gap[~np.isfinite(gap)] = np.inf
        first = int(np.argmin(gap))
        order = np.r_[first, np.delete(np.arange(len(rows)), first)]
        rows, donor, before = rows[order], donor[order], before.iloc[order].reset_index(drop=True)
        donor[0] = deep
        after = before.copy()
        for name in tree:
            if name in changed:
                values = R[name].to_numpy()[donor]
                after[name] = values if after[name].dtype != object else values.astype(object)
        ok = check(b, before, after, changed, violate={v.name})
        recalculated = f.recalc(after.copy())
        if v.constraint:
            try:
                kept = values_of(v.constraint, recalculated, current=v.name).astype(bool)
                ok &= kept | after[v.name].isna().to_numpy()
            except ExpressionError:
                return 0
        cells = not_asked(b, after)
        ok &= cells.get(v.name, np.zeros(len(after), dtype=bool))
        ok &= np.any([cells[c] for c in children if c in cells] or [np.zeros(len(after), dtype=bool)], axis=0)
        ok &= ~np.any([w for n, w in cells.items() if n not in changed] or [np.zeros(len(after), dtype=bool)], axis=0)
        take = np.flatnonzero(ok)[:want]
        chosen = apply_change(b, rows, after, ok, want, changed)
        _record(b, chosen, {n: w[take] for n, w in cells.items()}, after.iloc[take].reset_index(drop=True),
                lambda var, parent: (f"{var} answered although not asked ({f.vars[var].routing})" if parent is None
                                     else f"{var} answered under {parent}, which was not asked"))
        return len(chosen)
    return spread(b, k, targets, one)


def _follow_ups_of_invalid(b: Build) -> None:
    """The answered follow-ups of the cells planted as out of range, impossible or unknown codes:
    cleaning makes those cells -4, so what they route to was not asked."""
    if not b.truth:
        return
    truth = pd.concat(b.truth, ignore_index=True)
    bad = truth[invalidated(b, truth)]
    if not len(bad):
        return
    R = b.R
    position = pd.Series(np.arange(len(R)), index=R["_rec"].to_numpy())
    rows = np.unique(position.reindex(bad["_rec"].to_numpy()).to_numpy())
    frame = frame_of(b, rows)
    at = pd.Series(np.arange(len(rows)), index=R["_rec"].to_numpy()[rows])
    emptied = {}
    for var, part in bad.groupby("variable"):
        where = np.zeros(len(rows), dtype=bool)
        where[at.reindex(part["_rec"].to_numpy()).to_numpy()] = True
        emptied[var] = where
    cells = not_asked(b, frame, emptied)
    kind = bad.drop_duplicates("_rec").set_index("_rec")
    source = {r: (v, d) for r, v, d in zip(kind.index, kind["variable"], kind["defect"])}
    recs = R["_rec"].to_numpy()[rows]

    def detail(var: str, parent: str | None, i: int) -> str:
        cause, defect = source[recs[i]]
        if parent is None:
            return (f"{var} answered, but its relevant ({b.form.vars[var].routing}) is false once cleaning "
                    f"makes {cause} -4 ({defect})")
        return f"{var} answered under {parent}, which was not asked once {cause} is -4 ({defect})"
    _record(b, rows, cells, frame, detail, per_row=True)


def _record(b: Build, rows: np.ndarray, cells: dict[str, np.ndarray], frame: pd.DataFrame, detail,
            per_row: bool = False) -> None:
    """One truth row per not-asked answered cell of records `rows` (frame: their answers), with
    its level in the chain (the first not-asked question is level 1) and what cleaning does."""
    f = b.form
    if not len(rows):
        return
    names = [n for n in f.names if n in cells]
    level: dict[str, np.ndarray] = {}
    parent: dict[str, np.ndarray] = {}
    for n in names:   # per row: 1 + the level of the not-asked question it routes on, else 1
        refs = _refs(f.vars[n].routing or "")
        level[n] = np.ones(len(frame), dtype=np.int64)
        parent[n] = np.full(len(frame), None, dtype=object)
        for m in names:
            if m in refs and m in level:
                deeper = cells[m] & (level[m] + 1 > level[n])
                level[n] = np.where(deeper, level[m] + 1, level[n])
                parent[n] = np.where(deeper, m, parent[n])
    for n in names:
        hit = np.flatnonzero(cells[n])
        if not len(hit):
            continue
        values = frame[n].to_numpy()[hit]
        shown = (num_text(values.astype(float)) if f.vars[n].kind == "numeric"
                 else np.array([str(x) for x in values], dtype=object))
        texts = [f"level {level[n][i]}: "
                 + (detail(n, parent[n][i], i) if per_row else detail(n, parent[n][i])) + f"; answer {shown[j]}"
                 for j, i in enumerate(hit)]
        add_truth(b, DEFECT, rows[hit], n, np.array(texts, dtype=object))
        b.truth[-1]["cleaning"] = cleaning_action(f.vars[n])
