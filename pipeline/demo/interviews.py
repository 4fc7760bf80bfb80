"""The interview records: one clean demo interview (pipeline.demo.answers) per completed or
broken-off interview of the sample, fitting the unit's origin group, with its mode, interviewer,
interview language, start and end times and open answers in the respondent's language. The
defects are planted into these records afterwards (defects.py, defects_records.py)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from pipeline.demo import tables as T
from pipeline.demo.answers import FIELDWORK_DAYS, FIELDWORK_START, demo_responses
from pipeline.demo.form import STRATA, asked_where, pick, values_of
from pipeline.demo.state import Build
from pipeline.errors import ErrorCode, SidError
from pipeline.survey.expressions import ExpressionError


def make_records(b: Build) -> None:
    """The interview records (`b.R`): the units' clean demo interviews with their mode,
    interviewer, language, times and open answers."""
    R = _records(b)
    _set_metadata(b, R)
    _set_times(b, R)
    _set_texts(b, R)
    _unstraighten(b, R)
    b.R = R.copy()


def _records(b: Build) -> pd.DataFrame:
    """One record per completed interview or break-off, answered by a demo interview of the
    unit's origin group (and mode, where the form routes on it); the cross-mode duplicates
    also as a web record."""
    u = b.units
    main = u.index[u["cat"].isin(["web", "breakoff", "capi", "dup", "papi"])].to_numpy()
    source = np.where(np.isin(u["cat"].to_numpy()[main], ["web", "breakoff"]), "web",
                      np.where(u["cat"].to_numpy()[main] == "papi", "papi", "capi"))
    by_mode = b.form.mode_dependent()
    cell = u["stratum"].to_numpy()[main].astype(object)
    if not b.form.origin:
        cell[:] = ""
    if by_mode:
        cell = cell + "|" + source.astype(object)
    pool = _fill_pool(b, pd.Series(cell), by_mode)
    order = np.lexsort((main, cell.astype(str)))
    R = pool.iloc[np.argsort(order, kind="stable")].reset_index(drop=True)
    if b.form.start is not None:
        started = R[b.form.start.name]
    else:  # a form without a start question: spread over the fieldwork period (no random draw,
        # so the other streams keep their values)
        minutes = (np.arange(len(R)) * 7919) % (FIELDWORK_DAYS * 24 * 60)
        started = pd.Series(FIELDWORK_START + pd.to_timedelta(minutes, unit="min"))
    R = pd.concat([R, pd.DataFrame({
        "_unit": main, "_source": source, "_cat": u["cat"].to_numpy()[main],
        "_stratum": u["stratum"].to_numpy()[main], "_lang": "", "_start": started,
        "_minutes": np.nan, "_copy_of": -1, "_submitted": pd.NaT, "_uuid": "", "_row": 0})], axis=1)
    # the web break-off records of the cross-mode duplicates: copies of their CAPI answers
    dup = np.flatnonzero(R["_cat"].to_numpy() == "dup")
    copy = R.iloc[dup].copy()
    copy["_source"] = "web"
    copy["_cat"] = "dup_web"
    R = pd.concat([R, copy], ignore_index=True)
    R["_rec"] = np.arange(len(R))
    R["_clean"] = R["_cat"].isin(["web", "capi", "papi"]).to_numpy()
    R[b.key] = u["sample_id"].to_numpy()[R["_unit"].to_numpy()]
    R = R.copy()
    for v in b.form.q:
        if v.kind == "string" and v.name in R:
            R[v.name] = R[v.name].astype(object).where(R[v.name].notna(), np.nan)
        if v.kind == "multi" and v.name in R:
            R[v.name] = R[v.name].astype(object).where(R[v.name].notna(), np.nan)
    return R

def _fill_pool(b: Build, cells: pd.Series, by_mode: bool) -> pd.DataFrame:
    """Demo interviews whose nationality answers (and mode, if the form routes on it) fit
    the units that need them: generated in chunks until every cell is filled."""
    need = cells.value_counts().sort_index()
    got: dict[str, list[pd.DataFrame]] = {c: [] for c in need.index}
    have = pd.Series(0, index=need.index)
    total = int(need.sum())
    size = min(max(int(total * 2.2) + 60, 200), 200_000)
    for chunk_seed in b.pool_seeds.spawn(60):
        seed = int(chunk_seed.generate_state(1)[0])
        frame = demo_responses(b.q, respondents=size, seed=seed, key=b.key).copy()
        cell = b.form.origin_of(frame) if b.form.origin else np.full(len(frame), "", dtype=object)
        if by_mode:
            modus = frame[b.form.modus.name].to_numpy(dtype=float)
            mode = np.select([modus == 1, modus == 2, modus == 3], ["web", "capi", "papi"], "")
            cell = cell.astype(object) + "|" + mode.astype(object)
        cell = pd.Series(cell)
        rank = cell.groupby(cell).cumcount().to_numpy()
        deficit = (need - have).reindex(cell.to_numpy()).to_numpy()
        take = np.nan_to_num(deficit, nan=0) > rank
        chosen = frame[take].reset_index(drop=True)
        chosen_cells = cell[take].to_numpy()
        for c in pd.unique(chosen_cells):
            part = chosen[chosen_cells == c]
            got[c].append(part)
            have[c] += len(part)
        if (have >= need).all():
            break
        yield_rate = max(len(chosen) / size, 0.02)
        size = min(max(int((need - have).clip(lower=0).sum() / yield_rate * 1.5) + 60, 200), 200_000)
    else:
        raise SidError(ErrorCode.DEMO_UNSUPPORTED, "the demo answers never gave enough respondents of every "
                       "origin group", fix="Check the nationality questions of the form.")
    parts = [pd.concat(got[c], ignore_index=True).iloc[: need[c]] for c in need.index]
    return pd.concat(parts, ignore_index=True).copy()


def _set_metadata(b: Build, R: pd.DataFrame) -> None:
    """Mode, interviewer number and interview language; the language of the open answers."""
    f = b.form
    source = R["_source"].to_numpy()
    if f.modus is not None:
        R[f.modus.name] = np.select([source == "web", source == "capi"], [1.0, 2.0], 3.0)
    if f.interviewer is not None:
        iv = b.units["interviewer"].to_numpy()[R["_unit"].to_numpy()]
        asked = asked_where(f.interviewer, R)
        # a form that asks everyone keeps the demo's number outside face-to-face interviews
        elsewhere = R[f.interviewer.name].to_numpy(dtype=float) if f.interviewer.routing is None else np.nan
        R[f.interviewer.name] = np.where(source == "capi", iv, elsewhere)
        R.loc[~asked, f.interviewer.name] = np.nan
    if f.free(f.taal) and f.taal.choices is not None:
        names = f.taal.choices.names
        lookup = {}
        for lang, aliases in T.LANGUAGE_ALIASES.items():
            hit = next((nm for nm in names if nm.lower() in aliases), None)
            if hit is not None:
                lookup[lang] = hit
        if "nl" in lookup:
            values = R[f.taal.name].astype(object).to_numpy().copy()
            for s in STRATA:
                sel = R["_stratum"].to_numpy() == s
                probs = {lang: p for lang, p in T.INTERVIEW_LANGUAGE_BY_GROUP[s].items() if lang in lookup}
                langs = list(probs)
                drawn = pick(b.rng_text, langs, int(sel.sum()), list(probs.values()))
                values[sel] = pd.Series(drawn, dtype=object).map(lookup).to_numpy()
            R[f.taal.name] = values
    # language of open answers: the interview language if it is one, else by origin group
    lang = np.full(len(R), "", dtype=object)
    if f.taal is not None:
        given = R[f.taal.name].astype(object).fillna("").astype(str).str.lower().to_numpy()
        for code, aliases in T.LANGUAGE_ALIASES.items():
            lang[np.isin(given, aliases)] = code
    by_group = np.empty(len(R), dtype=object)
    for s in STRATA:
        sel = R["_stratum"].to_numpy() == s
        probs = T.LANGUAGE_BY_GROUP[s]
        by_group[sel] = pick(b.rng_text, list(probs), int(sel.sum()), list(probs.values()))
    keep = (lang != "") & (b.rng_text.random(len(R)) < 0.85)
    R["_lang"] = np.where(keep, lang, by_group)


def _set_times(b: Build, R: pd.DataFrame) -> None:
    """Start and end (Brussels local time) on the unit's response day, and the duration."""
    u, rng = b.units, b.rng_times
    n = len(R)
    unit = R["_unit"].to_numpy()
    d0 = u["d0"].to_numpy()[unit]
    web_day = u["resp_day"].to_numpy()[unit]
    capi_day = (u["capi_first"] + (u["n_capi"] - 1).clip(lower=0) * u["gap"]).to_numpy()[unit]
    source = R["_source"].to_numpy()
    day = np.where(source == "capi", capi_day, web_day)
    date = pd.Series(d0 + pd.to_timedelta(day, unit="D").to_numpy())
    sunday = (date.dt.day_of_week == 6).to_numpy() & (source == "capi")
    date = date - pd.to_timedelta(sunday.astype(int), unit="D")
    web_hours = np.array([2, 3, 4, 5, 5, 5, 4, 4, 4, 5, 6, 7, 9, 11, 11, 9, 5], dtype=float)
    capi_hours = np.array([3, 6, 7, 5, 5, 7, 8, 8, 9, 9, 7, 4], dtype=float)
    hour = np.where(source == "capi",
                    rng.choice(np.arange(9, 21), size=n, p=capi_hours / capi_hours.sum()),
                    rng.choice(np.arange(7, 24), size=n, p=web_hours / web_hours.sum()))
    seconds = hour * 3600 + rng.integers(0, 3600, size=n)
    start = date + pd.to_timedelta(seconds, unit="s")
    gap = start.dt.tz_localize("Europe/Brussels", nonexistent="NaT", ambiguous=True).isna().to_numpy()
    start = start + pd.to_timedelta(gap.astype(int), unit="h")   # no clock times skipped by summer time
    start = start.where(source != "papi", date)
    minutes = np.where(source == "capi",
                       np.clip(rng.lognormal(np.log(50), 0.3, size=n), 20, 150),
                       np.clip(rng.lognormal(np.log(35), 0.35, size=n), 15, 150))
    end = start + pd.to_timedelta(np.round(minutes * 60), unit="s")
    end = end.where(source != "papi")
    if b.form.start is not None:
        R[b.form.start.name] = start.dt.floor("s").to_numpy()
    if b.form.end is not None:
        R[b.form.end.name] = end.dt.floor("s").to_numpy()
    R["_start"] = start.dt.floor("s").to_numpy()
    R["_minutes"] = np.where(source == "papi", np.nan, minutes)


def _set_texts(b: Build, R: pd.DataFrame) -> None:
    """Open answers in the respondent's language; other-specify texts fitting their question."""
    rng = b.rng_text
    lang = R["_lang"].to_numpy()
    forbidden = set()
    for v in b.form.country:
        for c in v.choices.choices:
            forbidden |= {lab.strip().lower() for lab in c.labels.values()}
    for v in b.form.questions:
        if v.type != "text" or v.name not in R:
            continue
        bank = T.TEXTS[b.form.text_kind(v)]
        present = R[v.name].notna().to_numpy()
        values = R[v.name].astype(object).to_numpy().copy()
        for code in T.TEXT_LANGUAGES:
            options = [t for t in bank.get(code) or bank["nl"] if t.strip().lower() not in forbidden]
            sel = present & (lang == code)
            if sel.any() and options:
                values[sel] = pick(rng, options, int(sel.sum()))
        new = R[v.name].astype(object).copy()
        new[:] = values
        if v.constraint:
            try:
                ok = values_of(v.constraint, R.assign(**{v.name: new}), current=v.name).astype(bool)
                new = new.where(ok | ~present, R[v.name])
            except ExpressionError:
                pass
        R[v.name] = new


def _unstraighten(b: Build, R: pd.DataFrame) -> None:
    """A clean respondent who by chance gave one answer to a whole grid gets one item moved
    to a neighbouring answer, so that straight-lining only appears where it is planted."""
    for grid in b.form.grids:
        if any(b.form.direct[g] for g in grid):
            continue
        block = np.column_stack([pd.to_numeric(R[g], errors="coerce").to_numpy(dtype=float) for g in grid])
        answered = (~np.isnan(block)).sum(axis=1)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            same = (np.nanmin(block, axis=1) == np.nanmax(block, axis=1)) & (answered >= 3)
        if not same.any():
            continue
        names = [c for c in b.form.vars[grid[0]].choices.names if not c.startswith("-")]
        last = (~np.isnan(block))[:, ::-1].argmax(axis=1)
        col = np.asarray(grid)[len(grid) - 1 - last]
        rows = np.flatnonzero(same)
        for item in np.unique(col[rows]):
            sel = rows[col[rows] == item]
            current = R.loc[sel, item].astype(str).str.replace(r"\.0$", "", regex=True)
            idx = current.map(dict(zip(names, range(len(names))))).fillna(0).to_numpy(dtype=np.int64)
            alt = np.asarray(names, dtype=object)[(idx + 1) % len(names)]
            R.loc[sel, item] = alt.astype(float)
