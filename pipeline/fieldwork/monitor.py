"""Fieldwork monitoring: progress against the targets per origin group, and interviewer checks
with robust z-scores and a random back-check list. Pure functions over frames."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.survey.questionnaire import Questionnaire
from pipeline.validation.quality import grids, interview_minutes

MODES = ("web", "capi", "papi")
INTERVIEWER_COLUMNS = ("interviewer_id", "interviewer", "interviewernummer")

# metric → (Dutch name, direction that is suspicious: +1 high, -1 low, unit, reason text)
METRICS = {
    "interviews": ("interviews", +1, "", "uitzonderlijk veel interviews"),
    "duur_mediaan_min": ("mediane duur (min)", -1, " min", "korte interviews"),
    "weet_niet": ("aandeel 'weet niet'", +1, "%", "veel 'weet niet'"),
    "weigering": ("aandeel 'wil niet antwoorden'", +1, "%", "veel weigeringen op vragen"),
    "straightlining": ("aandeel rechte lijnen in rasters", +1, "%", "veel rechte lijnen (straightlining)"),
    "instemming": ("aandeel 'akkoord' (acquiescentie)", +1, "%", "veel instemmende antwoorden"),
    "extreem": ("aandeel uiterste antwoorden", +1, "%", "veel uiterste antwoorden"),
}


def progress(dispositions: pd.DataFrame, targets: dict[str, int], group: str = "stratum",
             unusable: Mapping[str, str] | frozenset = frozenset()) -> pd.DataFrame:
    """Per origin group: target, completes as collected (I), the completes cleaning excluded by
    reason (`unusable`: sample id → reason, e.g. speeder: `uitgesloten_speeder`) and the usable
    completes left (what the data and the weights hold), partials (P), % of target and still to do
    (of the usable ones), and the completes per mode. The last row is the total."""
    reasons = dict(unusable) if isinstance(unusable, Mapping) else dict.fromkeys(unusable, "onbekend")
    d = dispositions.assign(_group=dispositions[group].fillna("").astype(str))
    complete = d[d["category"] == "I"]
    groups = list(dict.fromkeys([*targets, *sorted(d["_group"].unique())]))
    per_mode = pd.crosstab(complete["_group"], complete["mode"]).reindex(index=groups, fill_value=0)
    out = pd.DataFrame({"groep": groups})
    out["doel"] = [targets.get(g, np.nan) for g in groups]
    out["steekproef"] = d.groupby("_group").size().reindex(groups, fill_value=0).to_numpy()
    out["volledig"] = complete.groupby("_group").size().reindex(groups, fill_value=0).to_numpy()
    why = (complete["sample_id"].astype(str).map(reasons) if "sample_id" in complete.columns
           else pd.Series(np.nan, index=complete.index, dtype=object))
    for reason in sorted(why.dropna().unique()):
        out[f"uitgesloten_{reason}"] = complete[why == reason].groupby("_group").size().reindex(
            groups, fill_value=0).to_numpy()
    usable = complete[why.isna()]
    out["bruikbaar"] = usable.groupby("_group").size().reindex(groups, fill_value=0).to_numpy()
    out["gedeeltelijk"] = d[d["category"] == "P"].groupby("_group").size().reindex(groups, fill_value=0).to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        out["pct_doel"] = 100 * out["bruikbaar"] / out["doel"]
    out["nog_te_doen"] = (out["doel"] - out["bruikbaar"]).clip(lower=0)
    for mode in [*MODES, *sorted(set(per_mode.columns) - set(MODES))]:
        out[f"volledig_{mode}"] = per_mode[mode].to_numpy() if mode in per_mode.columns else 0
    total = {"groep": "totaal", **{c: out[c].sum() for c in out.columns if c != "groep"}}
    total["pct_doel"] = 100 * total["bruikbaar"] / total["doel"] if total["doel"] else np.nan
    return pd.concat([out, pd.DataFrame([total])], ignore_index=True)


def progress_over_time(dispositions: pd.DataFrame, targets: dict[str, int], group: str = "stratum",
                       until: pd.Timestamp | None = None) -> pd.DataFrame:
    """Completes per day and cumulated, per origin group and mode (long form): datum, groep,
    modus, volledig_dag, volledig_cumulatief, doel. Every day from the first complete to the
    last (or `until`) appears for every group and mode."""
    complete = dispositions[dispositions["category"] == "I"]
    groups = list(dict.fromkeys([*targets, *sorted(complete[group].dropna().astype(str).unique())]))
    columns = ["datum", "groep", "modus", "volledig_dag", "volledig_cumulatief", "doel"]
    if complete.empty:
        return pd.DataFrame(columns=columns)
    dates = pd.to_datetime(complete["date"]).dt.normalize()
    end = max(dates.max(), pd.Timestamp(until)) if until is not None else dates.max()
    days = pd.date_range(dates.min(), end, freq="D")
    modes = [*MODES, *sorted(set(complete["mode"]) - set(MODES))]
    counts = complete.assign(_d=dates, _g=complete[group].astype(str)).groupby(["_d", "_g", "mode"]).size()
    index = pd.MultiIndex.from_product([days, groups, modes], names=["datum", "groep", "modus"])
    daily = counts.reindex(index, fill_value=0).rename("volledig_dag").reset_index()
    daily["volledig_cumulatief"] = daily.groupby(["groep", "modus"])["volledig_dag"].cumsum()
    daily["doel"] = daily["groep"].map(targets)
    return daily[columns]


# ---------------------------------------------------------------------------------------------
# Interviewer checks
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class InterviewerChecks:
    table: pd.DataFrame  # one row per interviewer: metrics, robust z per metric, flag, reasons
    backcheck: pd.DataFrame  # respondents to re-contact: seed, interviewer, key, date, reason
    seed: int
    z_threshold: float


def robust_z(values: pd.Series) -> pd.Series:
    """(x − median) / (1.4826 · MAD); when the MAD is 0, the mean absolute deviation
    (× 1.2533) stands in; when that is 0 too, z is 0."""
    x = values.astype(float)
    median = x.median()
    mad = (x - median).abs().median() * 1.4826
    if not mad or np.isnan(mad):
        mad = (x - median).abs().mean() * 1.2533
    if not mad or np.isnan(mad):
        return pd.Series(0.0, index=values.index)
    return (x - median) / mad


def interviewer_column(frame: pd.DataFrame) -> str | None:
    return next((c for c in INTERVIEWER_COLUMNS if c in frame.columns), None)


def _scales(questionnaire: Questionnaire, frame: pd.DataFrame) -> tuple[list[str], list[str], dict[str, tuple[int, int]]]:
    """Numeric select_one items in the frame; the agree/disagree items among them; each ordinal
    item's lowest and highest substantive code (scales of 4 or more points)."""
    items, agree, ends = [], [], {}
    for var in questionnaire:
        if var.type != "select_one" or var.kind != "numeric" or var.name not in frame.columns:
            continue
        items.append(var.name)
        codes = sorted(int(c) for c in var.choices.names if c.lstrip("-").isdigit() and int(c) >= 0 and int(c) < 90)
        if len(codes) >= 4:
            ends[var.name] = (codes[0], codes[-1])
            labels = " ".join(label.lower() for choice in var.choices.choices for label in choice.labels.values())
            if any(word in labels for word in ("akkoord", "eens", "agree", "accord")):
                agree.append(var.name)
    return items, agree, ends


def respondent_metrics(frame: pd.DataFrame, questionnaire: Questionnaire, min_items: int = 4) -> pd.DataFrame:
    """Per respondent: duration, don't-know and refusal shares, straightlined share of grids,
    agreeing share on agree/disagree items, extreme share on ordinal scales. Vectorised over
    respondents (loops over columns only)."""
    missing = questionnaire.missing
    dk, refused = missing.code("dont_know"), missing.code("refused")
    not_applicable, no_answer = missing.code("not_applicable"), missing.code("no_answer")
    items, agree, ends = _scales(questionnaire, frame)
    out = pd.DataFrame(index=frame.index)
    minutes = interview_minutes(frame)
    out["duur_min"] = minutes if minutes is not None else np.nan
    block = frame[items].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float) if items else np.empty((len(frame), 0))
    asked = ~np.isnan(block) & (block != not_applicable)
    base = asked.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["weet_niet"] = np.where(base > 0, (block == dk).sum(axis=1) / base, np.nan)
        out["weigering"] = np.where(base > 0, ((block == refused) | (block == no_answer)).sum(axis=1) / base, np.nan)
    straight = np.zeros(len(frame))
    answered_grids = np.zeros(len(frame))
    for names in grids(questionnaire, min_items).values():
        cols = [n for n in names if n in frame.columns]
        if len(cols) < min_items:
            continue
        g = frame[cols].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
        valid = ~np.isnan(g).any(axis=1) & (g >= 0).all(axis=1)
        same = valid & (np.nanmax(g, axis=1, initial=-np.inf) == np.nanmin(g, axis=1, initial=np.inf))
        answered_grids += valid
        straight += same
    with np.errstate(invalid="ignore", divide="ignore"):
        out["straightlining"] = np.where(answered_grids > 0, straight / answered_grids, np.nan)

    def share(names: list[str], hit) -> np.ndarray:
        hits = np.zeros(len(frame))
        valid = np.zeros(len(frame))
        for name in names:
            lo, hi = ends[name]
            v = pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float)
            ok = (v >= lo) & (v <= hi)
            valid += ok
            hits += ok & hit(v, lo, hi)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(valid > 0, hits / valid, np.nan)

    # agree: the upper part of the scale above the midpoint (4-5 of 1-5)
    out["instemming"] = share(agree, lambda v, lo, hi: v > (lo + hi) / 2)
    out["extreem"] = share(list(ends), lambda v, lo, hi: (v == lo) | (v == hi))
    return out


def interviewer_checks(frame: pd.DataFrame, questionnaire: Questionnaire, *, key: str,
                       z_threshold: float = 3.5, min_interviews: int = 5, backcheck_share: float = 0.10,
                       seed: int = 2026, mode: str = "capi") -> InterviewerChecks:
    """Per face-to-face interviewer: interviews, median duration, don't-know and refusal shares,
    straightlining, acquiescence and extreme responding; robust z-scores against the other
    interviewers; flags with Dutch reasons (|z| > z_threshold in the suspicious direction, only for
    interviewers with at least `min_interviews` interviews); and a back-check list drawn with
    numpy's Generator(seed): `backcheck_share` of each interviewer's interviews (at least one),
    twice that share for flagged interviewers."""
    column = interviewer_column(frame)
    empty_table = pd.DataFrame(columns=["interviewer_id", "gemarkeerd", "redenen", *METRICS,
                                        *(f"z_{m}" for m in METRICS)])
    empty_back = pd.DataFrame(columns=["seed", "interviewer_id", key, "datum", "reden"])
    if column is None or "_mode" not in frame.columns:
        return InterviewerChecks(empty_table, empty_back, seed, z_threshold)
    f2f = frame[(frame["_mode"] == mode) & frame[column].notna()]
    if f2f.empty:
        return InterviewerChecks(empty_table, empty_back, seed, z_threshold)
    ids = pd.to_numeric(f2f[column], errors="coerce")
    ids = ids.map(lambda v: str(int(v)) if pd.notna(v) and float(v).is_integer() else v).astype(str) \
        if ids.notna().all() else f2f[column].astype(str)
    metrics = respondent_metrics(f2f, questionnaire).assign(interviewer_id=ids.to_numpy())
    by = metrics.groupby("interviewer_id", sort=True)
    table = pd.DataFrame({
        "interviews": by.size(),
        "duur_mediaan_min": by["duur_min"].median(),
        "weet_niet": 100 * by["weet_niet"].mean(),
        "weigering": 100 * by["weigering"].mean(),
        "straightlining": 100 * by["straightlining"].mean(),
        "instemming": 100 * by["instemming"].mean(),
        "extreem": 100 * by["extreem"].mean(),
    })
    judged = table["interviews"] >= min_interviews
    reasons: dict[str, list[str]] = {who: [] for who in table.index}
    for metric, (name, direction, unit, reason) in METRICS.items():
        z = pd.Series(np.nan, index=table.index)
        if judged.sum() >= 3:
            z[judged] = robust_z(table.loc[judged, metric])
        table[f"z_{metric}"] = z.round(2)
        hit = judged & (direction * z > z_threshold)
        for who in table.index[hit]:
            value = table.at[who, metric]
            shown = f"{value:.0f}" if unit == "" else f"{value:.1f}{unit}"
            reasons[who].append(f"{reason} ({name} {shown}; z = {z[who]:+.1f})".replace(".", ","))
    table["gemarkeerd"] = [bool(reasons[who]) for who in table.index]
    table["redenen"] = ["; ".join(reasons[who]) for who in table.index]
    table.loc[~judged, "redenen"] = f"minder dan {min_interviews} interviews: niet beoordeeld"
    table = table.reset_index().rename(columns={"index": "interviewer_id"})
    table = table[["interviewer_id", "gemarkeerd", "redenen", *METRICS, *(f"z_{m}" for m in METRICS)]]
    number = pd.to_numeric(table["interviewer_id"], errors="coerce")
    if number.notna().all():  # 101 before 1001
        table = table.iloc[np.argsort(number.to_numpy(), kind="stable")].reset_index(drop=True)
    for metric in METRICS:
        if metric != "interviews":
            table[metric] = table[metric].round(2)

    # back-check draw: deterministic for a seed (sorted input, one uniform number per interview)
    keyed = pd.DataFrame({"interviewer_id": ids.to_numpy(), key: f2f[key].astype(str).to_numpy(),
                          "datum": pd.to_datetime(f2f["start"], errors="coerce").dt.normalize().to_numpy()
                          if "start" in f2f.columns else pd.NaT})
    keyed = keyed.sort_values(["interviewer_id", key], kind="stable").reset_index(drop=True)
    rng = np.random.default_rng(seed)
    keyed["_u"] = rng.random(len(keyed))
    keyed["_rank"] = keyed.groupby("interviewer_id")["_u"].rank(method="first")
    flagged = set(table.loc[table["gemarkeerd"], "interviewer_id"])
    n = keyed.groupby("interviewer_id")[key].transform("size")
    share = np.where(keyed["interviewer_id"].isin(flagged), min(2 * backcheck_share, 1.0), backcheck_share)
    take = np.minimum(np.maximum(np.ceil(share * n), 1), n)
    chosen = keyed[keyed["_rank"] <= take].copy()
    chosen["reden"] = np.where(chosen["interviewer_id"].isin(flagged), "gemarkeerde interviewer (dubbel aandeel)",
                               "willekeurige controle")
    chosen.insert(0, "seed", seed)
    backcheck = chosen[["seed", "interviewer_id", key, "datum", "reden"]].reset_index(drop=True)
    return InterviewerChecks(table, backcheck, seed, z_threshold)


# ---------------------------------------------------------------------------------------------
# Phases of the design
# ---------------------------------------------------------------------------------------------

PHASE_COLUMNS = ["fase", "eenheden", "volledig", "pct_volledig", "volledig_cumulatief", "pct_steekproef_cumulatief"]
_PHASES = ("web: uitnodiging", "web: herinnering", "papier", "face-to-face", "andere")


def phases(log: pd.DataFrame, sample_size: int) -> pd.DataFrame:
    """Progress per phase of the sequential mixed-mode design, from each unit's attempt sequence
    (not the mode of its final disposition): the web invitation (a unit's first web attempt), web
    reminders (later web attempts), paper, face-to-face follow-up. Per phase: units that reached
    it, completes in it (the unit's first complete attempt), their share of those units, and the
    completes so far as a share of the sample."""
    attempts = log.sort_values(["sample_id", "attempt"], kind="stable")
    web = attempts["mode"] == "web"
    web_rank = web.astype(int).groupby(attempts["sample_id"]).cumsum()
    phase = np.select([web & (web_rank == 1), web, attempts["mode"] == "papi", attempts["mode"] == "capi"],
                      list(_PHASES[:4]), _PHASES[4])
    attempts = attempts.assign(phase=phase)
    reached = attempts.drop_duplicates(["sample_id", "phase"]).groupby("phase").size()
    complete = attempts[attempts["category"] == "I"].drop_duplicates("sample_id")  # its first complete attempt
    completes = complete.groupby("phase").size()
    order = [p for p in _PHASES if p in reached.index]
    out = pd.DataFrame({"fase": order, "eenheden": reached.reindex(order).to_numpy(),
                        "volledig": completes.reindex(order, fill_value=0).to_numpy()})
    with np.errstate(invalid="ignore", divide="ignore"):
        out["pct_volledig"] = 100 * out["volledig"] / out["eenheden"]
    out["volledig_cumulatief"] = out["volledig"].cumsum()
    out["pct_steekproef_cumulatief"] = 100 * out["volledig_cumulatief"] / sample_size if sample_size else np.nan
    return out[PHASE_COLUMNS]
