"""Dates and times as exports write them, read into datetime64[ns] (ingest.typed_frame)."""

from __future__ import annotations

import pandas as pd

_OFFSET = r"(?:Z|[+-]\d\d:?\d\d)$"


def datetimes(text: pd.Series, dayfirst: bool) -> pd.Series:
    """ISO 8601 (with an offset → Brussels local time), else day-first or month-first dates."""
    text = text.astype("string")
    result = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    has_offset = text.str.contains(_OFFSET, regex=True).fillna(False).astype(bool)
    if has_offset.any():
        aware = pd.to_datetime(text[has_offset], errors="coerce", format="ISO8601", utc=True)
        result[has_offset] = in_ns(aware.dt.tz_convert("Europe/Brussels").dt.tz_localize(None))
    rest = ~has_offset & text.notna()
    if rest.any():
        iso = pd.to_datetime(text[rest], errors="coerce", format="ISO8601")
        result[rest] = in_ns(iso)
        left = rest & result.isna()
        if left.any():
            other = pd.to_datetime(text[left], errors="coerce", format="mixed", dayfirst=dayfirst)
            result[left] = in_ns(other)
    return result


def in_ns(values: pd.Series) -> pd.Series:
    """As datetime64[ns]; dates outside its range (years 1677-2262, e.g. "1" read as year 1)
    become missing instead of an overflow error."""
    if getattr(values.dt, "tz", None) is not None:
        values = values.dt.tz_localize(None)
    inside = values.notna() & (values >= pd.Timestamp.min) & (values <= pd.Timestamp.max)
    return values.where(inside).astype("datetime64[ns]")
