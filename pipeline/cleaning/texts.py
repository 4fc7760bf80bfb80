"""Cleaning of texts that every delivered format must hold alike."""

from __future__ import annotations

import pandas as pd


def trailing_spaces(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    """Texts lose the spaces they end in: a .sav pads every text with spaces and every reader (SPSS,
    PSPP, pyreadstat) drops them, so "Gent " would be "Gent" in the .sav and "Gent " in the CSV and
    Parquet copies. Done here, last, the three agree and the cleaning log holds each change. Only
    the space character (what the .sav's padding is); other whitespace is kept."""
    out = frame.copy(deep=False)  # columns are replaced, never changed in place
    for name in frame.columns:
        values = frame[name]
        if name == key or pd.api.types.is_numeric_dtype(values) or pd.api.types.is_datetime64_any_dtype(values):
            continue
        text = values.dropna()
        text = text[[isinstance(v, str) for v in text]] if values.dtype == object else text
        ends = text.str.endswith(" ")
        if not ends.any():
            continue
        column = values.copy()
        column[ends[ends].index] = text[ends].str.rstrip(" ")
        out[name] = column
    return out
