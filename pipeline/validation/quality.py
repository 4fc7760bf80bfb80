"""Data-quality indicators per respondent: speeders, straightlining, item nonresponse, don't know."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd

from pipeline.survey.questionnaire import Questionnaire


def interview_minutes(frame: pd.DataFrame) -> pd.Series | None:
    """end − start per respondent, in minutes (NaN where a time is missing or unreadable); None
    when the data have no start and end. The one definition of an interview's duration."""
    if "start" not in frame.columns or "end" not in frame.columns:
        return None
    elapsed = pd.to_datetime(frame["end"], errors="coerce") - pd.to_datetime(frame["start"], errors="coerce")
    return elapsed.dt.total_seconds() / 60


def duration_ratio(minutes: pd.Series) -> pd.Series:
    """Each duration relative to the median of the positive durations (NaN when there is none)."""
    median = minutes[minutes > 0].median()
    return minutes / median if median and median > 0 else pd.Series(np.nan, index=minutes.index)


def speeders(frame: pd.DataFrame, ratio: float) -> pd.Series:
    """Respondents whose interview took less than `ratio` times the median duration."""
    minutes = interview_minutes(frame)
    if minutes is None:
        return pd.Series(False, index=frame.index)
    return (duration_ratio(minutes) < ratio).fillna(False)


def grids(questionnaire: Questionnaire, min_items: int) -> dict[str, list[str]]:
    """Batteries: at least `min_items` select_one questions in one group sharing one choice list."""
    found: dict[tuple, list[str]] = defaultdict(list)
    for var in questionnaire:
        if var.type == "select_one" and var.kind == "numeric" and var.group:
            found[(var.group, var.choices.name)].append(var.name)
    return {f"{'/'.join(g)}": names for (g, _), names in found.items() if len(names) >= min_items}


def indicators(frame: pd.DataFrame, questionnaire: Questionnaire, asked: dict[str, np.ndarray],
               min_items: int = 4) -> pd.DataFrame:
    """One row per respondent: duration (minutes), duration relative to the median, straightlined
    grids, item-nonresponse share and don't-know share. Vectorised over respondents."""
    out = pd.DataFrame(index=frame.index)
    minutes = interview_minutes(frame)
    if minutes is not None:
        out["duration_min"] = minutes
        out["duration_ratio"] = duration_ratio(minutes)
    missing = questionnaire.missing
    refused, no_answer, dont_know = (missing.code("refused"), missing.code("no_answer"),
                                     missing.code("dont_know"))
    lines = np.full(len(frame), "", dtype=object)  # the straightlined grids, space-separated, in form order
    for grid, names in grids(questionnaire, min_items).items():
        block = frame[[n for n in names if n in frame.columns]].to_numpy(dtype="float64")
        if block.shape[1] < min_items:
            continue
        valid = ~np.isnan(block).any(axis=1) & (block >= 0).all(axis=1)
        same = valid & (np.nanmax(block, axis=1, initial=-np.inf) == np.nanmin(block, axis=1, initial=np.inf))
        lines = np.where(same, lines + (" " + grid), lines)  # whole columns, no per-respondent loop
    out["straightlined"] = pd.Series(lines, index=frame.index, dtype=object).str.strip()
    asked_total = np.zeros(len(frame))
    empty_total = np.zeros(len(frame))
    dk_base = np.zeros(len(frame))
    dk_total = np.zeros(len(frame))
    for var in questionnaire:
        if var.name not in frame.columns or var.name not in asked or var.read_only:
            continue
        if var.type in ("calculate", "start", "end", "today") or var.name.endswith("_anders"):
            continue
        was_asked = asked[var.name]
        values = frame[var.name]
        if var.kind == "numeric":
            empty = values.isna() | values.isin([refused, no_answer])
            answered = ~empty
            dk = values == dont_know
        else:
            text = values.astype("string").str.strip()
            empty = text.isna() | (text == "") | text.isin([str(refused), str(no_answer)])
            answered = ~empty
            dk = text == str(dont_know)
        asked_total += was_asked
        empty_total += was_asked & empty.fillna(True).to_numpy(dtype=bool)
        if var.type == "select_one" and str(dont_know) in var.choices.names:
            dk_base += was_asked & answered.fillna(False).to_numpy(dtype=bool)
            dk_total += was_asked & dk.fillna(False).to_numpy(dtype=bool)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["item_nonresponse"] = np.where(asked_total > 0, empty_total / asked_total, np.nan)
        out["dont_know"] = np.where(dk_base > 0, dk_total / dk_base, np.nan)
    out["dont_know_questions"] = dk_base.astype(np.int64)  # the share's base (validate.py judges it)
    return out
