"""The fidelity contract as a property: random answers written through every supported layout
(CSV with `,` in UTF-8 and `;` in Windows-1252, XLSX typed and as text, SAV with value labels and
declared user-missing values, Parquet) come back as written, or the cell is a row of the
problems with what was done and why. Never a silent change."""

from __future__ import annotations

import numpy as np
import openpyxl
import pandas as pd
import pyreadstat
import pytest
from conftest import TINY_CHOICES, TINY_SURVEY, write_xlsform
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.ingest.declared import apply_declarations
from pipeline.ingest.doubts import rare_character
from pipeline.ingest.ingest import typed_frame
from pipeline.ingest.sources import map_columns, read_table
from pipeline.survey.project import SID_MISSING, Source
from pipeline.survey.questionnaire import load_questionnaire

LAYOUTS = ("csv_utf8_comma", "csv_cp1252_semicolon", "xlsx_typed", "xlsx_text", "sav", "parquet")
TEXT_LAYOUTS = ("csv_utf8_comma", "csv_cp1252_semicolon", "xlsx_text")
VARIABLES = ["geboortejaar", "werk", "tevreden", "geboorteland", "talen", "talen_anders"]
TALEN = ("nl", "ar", "other")


def _cp1252(text: str) -> bool:
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def _utf8_by_design(text: str | None) -> bool:
    """A Windows-1252 text whose bytes are UTF-8 of other, common characters (no rare one to report)."""
    if text is None or text.isascii():
        return False
    try:
        read = text.encode("cp1252").decode("utf-8")
    except UnicodeDecodeError:
        return False
    return read != text and rare_character(read) is None


# Free text as respondents type it: no control characters (not answers), not starting with "="
# (a formula in a workbook), trimmed (trimming is the documented normalisation of text cells).
free_text = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=12) \
    .map(str.strip).filter(lambda t: t and not t.startswith("="))
# Birth years, and how a text export may write them: plain, padded, as a decimal, or grouped in
# thousands (ambiguous: must be reported, never read as 1.98).
year = st.integers(1940, 2011)
GROUPED = ("comma-grouped", "point-grouped")
WRITTEN = {"plain": str, "padded": lambda y: f" {y} ", "decimal": lambda y: f"{y}.0",
           "comma-grouped": lambda y: f"{y:,}", "point-grouped": lambda y: f"{y:,}".replace(",", ".")}
year_text = st.sampled_from(sorted(WRITTEN))
record = st.fixed_dictionaries({
    "geboortejaar": st.one_of(st.none(), st.tuples(year, year_text)),
    "werk": st.sampled_from([None, 1, 0, -2]),
    "tevreden": st.sampled_from([None, 1, 2, 3, 4, 5, -1]),
    "geboorteland": st.sampled_from([None, "BE", "MA", "other", "-1"]),
    "talen": st.one_of(st.none(), st.sets(st.sampled_from(TALEN), min_size=1)),
    "talen_anders": st.one_of(st.none(), free_text),
})


@pytest.fixture(scope="module")
def form(tmp_path_factory):
    return load_questionnaire(write_xlsform(tmp_path_factory.mktemp("form") / "form.xlsx", TINY_SURVEY, TINY_CHOICES))


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("layouts")


def meant(records: list[dict]) -> pd.DataFrame:
    """The answers as the respondents gave them, in the form's terms."""
    return pd.DataFrame({
        "resp_id": [f"R{i}" for i in range(1, len(records) + 1)],
        "geboortejaar": [r["geboortejaar"][0] if r["geboortejaar"] else None for r in records],
        "werk": [r["werk"] for r in records], "tevreden": [r["tevreden"] for r in records],
        "geboorteland": [r["geboorteland"] for r in records],
        "talen": [" ".join(t for t in TALEN if t in r["talen"]) if r["talen"] else None for r in records],
        "talen_anders": [r["talen_anders"] for r in records],
    })


def as_text(records: list[dict], layout: str) -> pd.DataFrame:
    years = [None if r["geboortejaar"] is None else WRITTEN[r["geboortejaar"][1]](r["geboortejaar"][0])
             for r in records]
    frame = meant(records).astype(object)
    frame["geboortejaar"] = years if layout in TEXT_LAYOUTS else frame["geboortejaar"]
    return frame


def write(records: list[dict], layout: str, folder) -> Source:
    frame = meant(records)
    if layout.startswith("csv"):
        text = as_text(records, layout)
        path = folder / f"{layout}.csv"
        sep, encoding = (",", "utf-8") if layout == "csv_utf8_comma" else (";", "cp1252")
        text.to_csv(path, index=False, sep=sep, encoding=encoding)
        return Source("web", path, "csv")
    if layout.startswith("xlsx"):
        path = folder / f"{layout}.xlsx"
        cells = as_text(records, layout) if layout == "xlsx_text" else frame.astype(object)
        wb = openpyxl.Workbook()
        wb.active.append(list(cells.columns))
        for row in cells.itertuples(index=False):
            values = [None if v is None or (isinstance(v, float) and np.isnan(v)) else v for v in row]
            if layout == "xlsx_text":
                values = [None if v is None else str(v) for v in values]
            wb.active.append(values)
        wb.save(path)
        return Source("papi", path, "xlsx")
    if layout == "sav":
        path = folder / "capi.sav"
        sav = frame.drop(columns=["talen"]).copy()
        for option in TALEN:  # SPSS: one 0/1 variable per option, empty when not asked
            sav[f"talen_{option}"] = [np.nan if pd.isna(t) else float(option in t.split()) for t in frame["talen"]]
        for col in ("geboortejaar", "werk", "tevreden"):
            sav[col] = pd.to_numeric(sav[col]).astype("float64")
        sav["geboorteland"] = sav["geboorteland"].fillna("")
        sav["talen_anders"] = sav["talen_anders"].fillna("")
        pyreadstat.write_sav(sav, str(path), variable_value_labels={
            "werk": {1: "ja", 0: "nee", -2: "wil niet antwoorden"},
            "tevreden": {1: "zeer ontevreden", 5: "zeer tevreden", -1: "weet niet"}},
            missing_ranges={"werk": [-2], "tevreden": [-1]})
        return Source("capi", path, "sav")
    path = folder / "export.parquet"
    parquet = frame.copy()
    for col in ("geboortejaar", "werk", "tevreden"):
        parquet[col] = pd.to_numeric(parquet[col]).astype("float64")
    parquet.to_parquet(path)
    return Source("web", path, "parquet")


def same(got, want) -> bool:
    if want is None or (isinstance(want, float) and np.isnan(want)):
        return got is None or (isinstance(got, float) and np.isnan(got)) or got is pd.NA
    if isinstance(want, (int, float)):
        return isinstance(got, (int, float, np.floating)) and float(got) == float(want)
    return got == want


@pytest.mark.slow  # ~40 s: 300 examples, each written and read through one layout
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(layout=st.sampled_from(LAYOUTS), records=st.lists(record, min_size=1, max_size=6))
def test_every_cell_arrives_as_meant_or_is_reported(form, folder, layout, records):
    if layout == "csv_cp1252_semicolon":
        records = [{**r, "talen_anders": r["talen_anders"] if r["talen_anders"] is None or _cp1252(r["talen_anders"])
                    else "anders"} for r in records]
        # Windows-1252 bytes that are UTF-8 of common letters ('Ã©' is 'é') are read as UTF-8 when the whole file
        # decodes so, by design (pipeline/ingest/doubts.py): what such bytes almost always are
        records = [{**r, "talen_anders": "anders" if _utf8_by_design(r["talen_anders"]) else r["talen_anders"]}
                   for r in records]
    source = write(records, layout, folder)
    table = read_table(source)
    read = [table.problems] if table.problems is not None else []  # (an .xlsx's merged cells, a doubtful UTF-8)
    columns = map_columns(list(table.frame.columns), form, source)
    table, declared = apply_declarations(table, columns, form, source, SID_MISSING, "resp_id")
    typed, problems = typed_frame(table, columns, form, source, "resp_id")
    problems = pd.concat([*read, *declared, problems], ignore_index=True)
    reported = set(zip(problems["row"], problems["column"]))
    column_of = {var: col for col, var in columns.variables.items()}
    want = meant(records)
    assert typed["resp_id"].tolist() == want["resp_id"].tolist()
    for var in VARIABLES:
        for i, (got, expected) in enumerate(zip(typed[var].tolist(), want[var].tolist()), start=1):
            if not same(got, expected):
                assert (i, column_of.get(var, var)) in reported, (layout, var, i, got, expected)
    # and nothing is reported that arrived as meant, except the ambiguous grouped years and (a doubt, kept as read)
    # a text of a CSV read as UTF-8 that holds a character of no language of the survey
    for row, column in reported:
        var = columns.variables.get(column, column)
        if var == "talen_anders" and layout.startswith("csv") and rare_character(typed[var].iloc[row - 1] or ""):
            continue
        cell = records[row - 1]["geboortejaar"]
        assert var == "geboortejaar" and layout in TEXT_LAYOUTS and cell and cell[1] in GROUPED, \
            (layout, row, column)
