"""Report frames written for people: CSV (UTF-8 with BOM, for Excel) and XLSX, atomically."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import xlsxwriter
import xlsxwriter.exceptions

from pipeline.files import atomic_path

# The column headers of every report for people (the CSV keeps these machine names; the workbook
# shows them in the UI language): column -> (nl, en). Unlisted columns keep their name.
HEADERS: dict[str, tuple[str, str]] = {
    # validation and quality
    "respondent": ("respondent", "respondent"), "variable": ("variabele", "variable"),
    "roster": ("roster", "roster"), "instance": ("instantie", "instance"),
    "rule": ("regel", "rule"), "value": ("waarde", "value"), "severity": ("ernst", "severity"),
    "message": ("melding", "message"), "description": ("omschrijving", "description"),
    "items": ("gecontroleerd (n)", "checked (n)"), "passes": ("in orde (n)", "passed (n)"),
    "fails": ("fout (n)", "failed (n)"), "n_na": ("niet te beoordelen (n)", "not assessable (n)"),
    "expression": ("expressie", "expression"), "duration_min": ("duur (min)", "duration (min)"),
    "duration_ratio": ("duur / mediaan", "duration / median"),
    "straightlined": ("zelfde antwoord in batterij", "straightlined grids"),
    "item_nonresponse": ("zonder antwoord (%)", "item nonresponse (%)"),
    "dont_know": ("weet niet (%)", "don't know (%)"),
    # coding coverage
    "classification": ("classificatie", "classification"), "answers": ("antwoorden (n)", "answers (n)"),
    "distinct": ("verschillende antwoorden (n)", "distinct answers (n)"), "exact": ("exact gecodeerd (n)", "coded exactly (n)"),
    "fuzzy": ("bij benadering gecodeerd (n)", "coded by approximation (n)"),
    "back_coded": ("teruggecodeerd (n)", "back-coded (n)"), "open": ("nog te coderen (n)", "still to code (n)"),
    "open_distinct": ("nog te coderen, verschillend (n)", "still to code, distinct (n)"),
    # fieldwork
    "breakdown": ("uitsplitsing", "breakdown"), "group": ("groep", "group"), "units": ("eenheden (n)", "units (n)"),
    "groep": ("groep", "group"), "doel": ("doel (n)", "target (n)"), "steekproef": ("steekproef (n)", "sample (n)"),
    "volledig": ("volledig (n)", "complete (n)"), "bruikbaar": ("bruikbaar (n)", "usable (n)"),
    "basis": ("basis (volledig)", "basis (completes)"),
    "gedeeltelijk": ("gedeeltelijk (n)", "partial (n)"), "pct_doel": ("% van doel", "% of target"),
    "nog_te_doen": ("nog te doen (n)", "still to do (n)"), "volledig_web": ("volledig web (n)", "complete web (n)"),
    "volledig_capi": ("volledig face-to-face (n)", "complete face to face (n)"),
    "volledig_papi": ("volledig papier (n)", "complete paper (n)"),
    "fase": ("fase", "phase"), "eenheden": ("eenheden (n)", "units (n)"), "pct_volledig": ("% volledig", "% complete"),
    "volledig_cumulatief": ("volledig, cumulatief (n)", "complete, cumulative (n)"),
    "pct_steekproef_cumulatief": ("% van de steekproef, cumulatief", "% of sample, cumulative"),
    "interviewer_id": ("interviewer", "interviewer"), "gemarkeerd": ("gemarkeerd", "flagged"),
    "redenen": ("redenen", "reasons"), "interviews": ("interviews (n)", "interviews (n)"),
    "duur_mediaan_min": ("mediane duur (min)", "median duration (min)"), "weet_niet": ("weet niet", "don't know"),
    "weigering": ("weigering", "refusal"), "straightlining": ("zelfde antwoord", "straightlining"),
    "instemming": ("instemming", "acquiescence"), "extreem": ("extreme antwoorden", "extreme responding"),
    "seed": ("seed", "seed"), "sample_id": ("steekproefnummer", "sample number"), "datum": ("datum", "date"),
    "reden": ("reden", "reason"),
    # weights
    "cyclus": ("cyclus", "cycle"), "max_margefout": ("grootste margefout", "largest margin error"),
    "gewichten_boven_grens": ("gewichten boven de grens (n)", "weights above the cap (n)"),
    "max_verhouding_tot_grens": ("grootste verhouding tot de grens", "largest ratio to the cap"),
    "stap": ("stap", "step"), "som": ("som", "sum"), "gemiddelde": ("gemiddelde", "mean"),
    "efficientie": ("efficiëntie", "efficiency"), "n_effectief": ("effectieve n", "effective n"),
    "marge": ("marge", "margin"), "categorie": ("categorie", "category"), "bereikt": ("bereikt", "achieved"),
    "relatieve_fout": ("relatieve fout", "relative error"), "respondenten": ("respondenten (n)", "respondents (n)"),
}


EXCLUDED_PREFIX = "uitgesloten_"


def headers_in(language: str) -> Callable[[pd.DataFrame], pd.DataFrame]:
    """write_report(people=...): the workbook's headers in `language` (nl or en); z-scores of the
    interviewer checks as 'z <header>'."""
    which = 0 if language == "nl" else 1

    def name(column: str) -> str:
        if column in HEADERS:
            return HEADERS[column][which]
        if column.startswith("z_") and column[2:] in HEADERS:
            return "z " + HEADERS[column[2:]][which]
        if column.startswith(EXCLUDED_PREFIX):  # completes cleaning excluded, per reason
            return f"{('uitgesloten', 'excluded')[which]}: {column.removeprefix(EXCLUDED_PREFIX)} (n)"
        return column

    return lambda frame: frame.rename(columns={c: name(c) for c in frame.columns})


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
    write_workbook(xlsx_path, [(sheet[:31], safe)])
    return [csv_path, xlsx_path]


def write_workbook(target: Path, sheets: Iterable[tuple[str, pd.DataFrame]], *, freeze: bool = True,
                   widths: bool = True) -> Path:
    """An XLSX workbook, atomically, a sheet per frame: the header row as pandas writes it (plain
    text), then the cells — numbers as numbers, text always as text (never a formula,
    URL or number), NaN/None and empty text as an empty cell, dates and times with their format. `freeze` keeps the
    header in view, `widths` sets each column's width from its 90th-percentile text length (at most
    60). Written with xlsxwriter, row by row (constant memory); a text longer than Excel's 32,767
    characters a cell holds is cut there (the CSV beside a report keeps it whole)."""
    with atomic_path(target) as tmp:
        book = xlsxwriter.Workbook(str(tmp), {"constant_memory": True, "strings_to_formulas": False,
                                              "strings_to_urls": False, "strings_to_numbers": False,
                                              "nan_inf_to_errors": True, "remove_timezone": True})
        stamp = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        day = book.add_format({"num_format": "yyyy-mm-dd"})
        for name, frame in sheets:
            ws = book.add_worksheet(name)
            if freeze:
                ws.freeze_panes(1, 0)
            if widths:
                for i, col in enumerate(frame.columns):
                    lengths = frame[col].astype(str).str.len().fillna(0)
                    ws.set_column(i, i, min(max(len(str(col)), int(lengths.quantile(0.9)) if len(frame) else 0) + 2, 60))
            for i, col in enumerate(frame.columns):
                ws.write_string(0, i, str(col))

            def any_cell(r: int, i: int, value) -> None:
                if isinstance(value, str):
                    ws.write_string(r, i, value)
                elif isinstance(value, bool):
                    ws.write_boolean(r, i, value)
                elif isinstance(value, datetime):
                    ws.write_datetime(r, i, value, stamp)
                elif isinstance(value, date):
                    ws.write_datetime(r, i, value, day)
                else:
                    ws.write_number(r, i, value)

            # each column's cells, and the writer of its cells: one call per cell, no type tests
            # where the column holds only text or only numbers
            cells = [_cells(frame.iloc[:, i]) for i in range(frame.shape[1])]
            writers = [{"text": ws.write_string, "number": ws.write_number}.get(kind, any_cell) for _, kind in cells]
            for r, row in enumerate(zip(*(values for values, _ in cells)), start=1):
                for i, (value, write) in enumerate(zip(row, writers)):
                    if value is None or value == "":  # an empty cell, as pandas leaves it
                        continue
                    write(r, i, value)
        try:
            book.close()
        except xlsxwriter.exceptions.FileCreateError as exc:  # xlsxwriter wraps the OSError (disk full ...)
            raise (exc.args[0] if exc.args and isinstance(exc.args[0], OSError) else OSError(str(exc))) from None
    return target


def _cells(series: pd.Series) -> tuple[list, str]:
    """A column as Python values for the workbook: None for a missing cell, numbers, bools, text,
    datetimes (timezone dropped, as Excel has none); and what it holds: "text" (str and None
    only), "number" (int, float and None only) or "any"."""
    if pd.api.types.is_datetime64_any_dtype(series):
        if getattr(series.dt, "tz", None) is not None:
            series = series.dt.tz_localize(None)
        return [None if pd.isna(v) else v.to_pydatetime() for v in series], "any"
    if isinstance(series.dtype, np.dtype) and series.dtype.kind in "iuf":  # NumPy numbers: NaN → None
        out = series.to_numpy().tolist()  # Python int / float
        if series.dtype.kind == "f":
            out = [None if v != v else v for v in out]
        return out, "number"
    if pd.api.types.infer_dtype(series, skipna=True) in ("string", "empty"):  # text and missing only
        return series.astype(object).where(series.notna(), None).tolist(), "text"
    values = series.astype(object).tolist() if not pd.api.types.is_numeric_dtype(series) else series.tolist()
    out = []
    for v in values:
        if isinstance(v, np.generic):  # a NumPy scalar in an object column: its Python value
            v = v.item()
        if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and math.isnan(v)):
            out.append(None)
        elif isinstance(v, (str, bool, int, float, datetime, date)):
            out.append(v)
        elif isinstance(v, pd.Timestamp):
            out.append(v.to_pydatetime())
        else:
            out.append(str(v))
    return out, "any"
