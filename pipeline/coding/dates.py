"""Coding as of a date: each answer's NIS code is the one valid on its date (the interview date,
else [coding] reference_date). A code that had ended by then gives way to the municipality that
replaced it (the code named is kept as the historical code); a code that did not exist yet gives
way to the code of the same name it replaced (Hasselt 71072 from 2025 is 71022 in 2024)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from pipeline.coding.classifications import Classification
from pipeline.survey.questionnaire import Questionnaire

_DATE_TYPES = ("today", "start", "end")  # the form's metadata that dates an interview, best first


def answer_dates(frame: pd.DataFrame, questionnaire: Questionnaire, reference: date) -> pd.Series:
    """The date each answer was given: the form's today/start/end variable, else `reference`."""
    when = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    for kind in _DATE_TYPES:
        for var in questionnaire:
            if var.type == kind and var.name in frame.columns:
                when = when.fillna(_local_day(frame[var.name]))
    return when.fillna(pd.Timestamp(reference))


def _local_day(values: pd.Series) -> pd.Series:
    """The calendar day where the interview took place: '2025-01-01T00:30+01:00' is 1 January,
    not 31 December in UTC."""
    if pd.api.types.is_datetime64_any_dtype(values):
        days = values.dt.tz_localize(None) if values.dt.tz is not None else values
    else:
        days = pd.to_datetime(values.astype("string").str.slice(0, 10), errors="coerce", format="%Y-%m-%d")
    return days.dt.normalize().astype("datetime64[ns]")


def as_of(codes: pd.Series, when: pd.Series, cls: Classification) -> tuple[pd.Series, pd.Series]:
    """(the codes valid on each answer's date, the historical code where it differs, else NaN).
    Codes are numbers (float) as in the coded column; loops over the distinct codes only."""
    coded = codes.copy()
    historic = pd.Series(np.nan, index=codes.index, dtype="float64")
    for value in codes.dropna().unique():
        code = str(int(value))
        rows = (codes == value).to_numpy()
        for day in pd.unique(when[rows]):
            target = resolve(code, pd.Timestamp(day).date(), cls)
            if target != code:
                sel = rows & (when == day).to_numpy()
                coded[sel] = float(target)
                historic[sel] = float(code)
    return coded, historic


def resolve(code: str, day: date, cls: Classification) -> str:
    """The code valid on `day` for a code named in an answer (itself when valid, or unknown)."""
    seen = set()
    while code in cls.validity and code not in seen:
        seen.add(code)
        start, end = cls.validity[code]
        if start <= day <= end:
            return code
        if day > end and code in cls.successors and cls.successors[code][1] <= day:
            code = cls.successors[code][0]
        elif day < start:
            name = _bare(cls.label(code))
            before = [old for old, (new, _) in cls.successors.items() if new == code and _bare(cls.label(old)) == name]
            if len(before) != 1:
                return code
            code = before[0]
        else:
            return code
    return code


def _bare(label: str) -> str:
    return label.split(" (", 1)[0]
