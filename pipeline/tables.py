"""Report frames written for people: CSV (UTF-8 with BOM, for Excel) and XLSX, atomically."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from pipeline.files import atomic_path

# Text that Excel would run as a formula if a respondent typed it.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")


def excel_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells that start like a formula (= + - @ tab CR) get a leading `'`, so Excel shows
    them as text instead of running them. Numeric and date columns are untouched."""
    out = frame.copy()
    for col in out.columns:
        series = out[col]
        if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_datetime64_any_dtype(series):
            continue
        text = series.astype("string")
        # Judged once per distinct text; plain numbers such as -4 or -3.0 (missing codes as text)
        # are not formulas.
        risky_texts = [u for u in text.dropna().unique()
                       if u.startswith(_FORMULA_START) and not _NUMBER.fullmatch(u)]
        if risky_texts:
            risky = text.isin(risky_texts).fillna(False).astype(bool)
            out[col] = series.astype(object).where(~risky, "'" + text)
    return out


def excel_unquote(text: str) -> str:
    """Undo `excel_safe` on one text read back from a workbook: the leading ' it put before a
    formula-like text goes; an apostrophe the answer itself starts with ('s-Hertogenbosch) stays."""
    return text[1:] if text.startswith("'") and text[1:].startswith(_FORMULA_START) else text


def write_report(frame: pd.DataFrame, target_stem: Path, sheet: str,
                 xlsx_rows: pd.Series | None = None,
                 people: Callable[[pd.DataFrame], pd.DataFrame] | None = None) -> list[Path]:
    """`<stem>.csv` with the frozen columns and `<stem>.xlsx` for people.

    `xlsx_rows` (a boolean mask) keeps only the rows a person needs to look at in the workbook,
    for tables with a row per respondent; the CSV always has every row. `people` turns the frame
    into what the workbook shows (headers in the UI language, labels, rounding); without it the
    workbook has the CSV's columns."""
    safe = excel_safe(frame)
    csv_path = target_stem.with_suffix(".csv")
    xlsx_path = target_stem.with_suffix(".xlsx")
    with atomic_path(csv_path) as tmp:
        safe.to_csv(tmp, index=False, encoding="utf-8-sig", lineterminator="\r\n")
    if xlsx_rows is not None:
        frame = frame.loc[xlsx_rows.to_numpy(dtype=bool)]
    safe = excel_safe(people(frame) if people is not None else frame)
    with atomic_path(xlsx_path) as tmp:
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            safe.to_excel(writer, sheet_name=sheet[:31], index=False)
            ws = writer.sheets[sheet[:31]]
            ws.freeze_panes = "A2"
            for i, col in enumerate(safe.columns, start=1):
                width = min(max(len(str(col)), int(safe[col].astype(str).str.len().fillna(0).quantile(0.9)) if len(safe) else 0) + 2, 60)
                ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = width
    return [csv_path, xlsx_path]
