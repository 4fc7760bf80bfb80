"""Report frames written for people: CSV (UTF-8 with BOM, for Excel) and XLSX, atomically."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path

import pandas as pd

from pipeline import xlsx
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
    60). Written a column at a time (pipeline/xlsx.py), a block of rows at a time; a text longer than Excel's
    32,767 characters a cell holds is cut there (the CSV beside a report keeps it whole)."""
    parts = []
    for name, frame in sheets:
        sizes = None
        if widths:
            sizes = []
            for col in frame.columns:
                lengths = frame[col].astype(str).str.len().fillna(0)
                sizes.append(min(max(len(str(col)), int(lengths.quantile(0.9)) if len(frame) else 0) + 2, 60))
        parts.append((name, frame, sizes))
    with atomic_path(target) as tmp:
        xlsx.write(tmp, parts, freeze=freeze)
    return target
