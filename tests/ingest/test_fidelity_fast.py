"""The fast paths of ingest's fidelity checks (issue 22) held to their careful paths, cell for
cell, on varied text: random cells around the edge cases (thousands groups, signs, exponents,
Unicode digits and whitespace), and the cells of SPSS files written by others (pyreadstat's test
data, tests/delivery/pyreadstat_files/)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.ingest.fidelity import _holds_name, grouped_numbers, holds_name_careful, repeated_header_rows
from pipeline.ingest.fidelity import arrow_numbers as _arrow_numbers
from pipeline.ingest.labels import _distinct

SAV_FILES = sorted((Path(__file__).parents[1] / "delivery" / "pyreadstat_files").glob("*.sav"))

# Cells as exports write numbers, and the near misses: groups of 3 with "." or ",", a leading 0,
# signs, exponents, a trailing point, Unicode digits and spaces, words Arrow reads as numbers.
number_cell = st.one_of(
    st.from_regex(r"[+-]?[0-9]{1,4}(\.[0-9]{0,4})?([eE][+-]?[0-9]{1,2})?", fullmatch=True),
    st.from_regex(r"[+-]?[0-9]{1,3}([.,][0-9]{3}){1,2}", fullmatch=True),
    st.sampled_from(["1.000", "+999.999", "-1.000", "0.500", "01.000", "1000.000", "1.0000", "1.00", ".500",
                     "nan", "inf", "-Infinity", " 1.000", "1.000 ", "\u00a01.000", "١.٠٠٠", "1.000\n", "", "x"]),
    st.text(st.sampled_from("0123456789.,+-eE \u00a0\u2003١"), max_size=9),
)
cells = st.lists(st.one_of(st.none(), number_cell), min_size=1, max_size=40)
storages = st.sampled_from(["str", "string", "object"])


def _column(values: list, storage: str) -> pd.Series:
    return pd.Series(values, dtype=None if storage == "object" else storage)


@settings(max_examples=400, deadline=None)
@given(cells, storages, st.booleans())
def test_the_arrow_grouped_check_answers_as_the_careful_one(values, storage, whole):
    """Where Arrow's cast reads the column, the fast path declines a whole-number column exactly
    when the careful `grouped_numbers` finds a thousands-grouped cell (then `parse_numbers` reports
    it); for a decimal question it never declines for that."""
    column = _column(values, storage)
    plain = _arrow_numbers(column, whole=False)
    fast = _arrow_numbers(column, whole=whole)
    if plain is None:
        assert fast is None
        return
    careful_declines = whole and grouped_numbers(column, ".")
    assert (fast is None) == careful_declines
    if fast is not None:
        pd.testing.assert_series_equal(fast, plain)


def test_the_arrow_grouped_check_on_the_numbers_of_spss_files_written_by_others():
    """Every numeric column of pyreadstat's test files, written as text the way CSV exports write
    numbers (repr, fixed 3 decimals, grouped with "." the way a spreadsheet shows them)."""
    checked = 0
    for path in SAV_FILES:
        frame, _ = pyreadstat.read_sav(str(path))
        for name in frame.columns:
            if not pd.api.types.is_numeric_dtype(frame[name]):
                continue
            numbers = frame[name].dropna().to_numpy(dtype=float)
            for text in ([repr(x) for x in numbers], [f"{x:.3f}" for x in numbers],
                         [f"{x:,.0f}".replace(",", ".") for x in numbers]):
                column = pd.Series(text, dtype="str")
                if _arrow_numbers(column) is None:
                    continue
                checked += 1
                assert (_arrow_numbers(column, whole=True) is None) == grouped_numbers(column, "."), (path.name, name)
    assert checked > 20


header_cell = st.one_of(
    st.none(),
    st.sampled_from(["q1", "naam", "Q1", "q10", "q1 ", " q1", "\u00a0q1\u2003", "\x1cq1\x1f", "q1\n", "xq1", "q1x",
                     "q 1", "", " ", "naam naam", "ïq1", "1", "2.0"]),
    st.text(st.sampled_from("qnam1 \u00a0\t"), max_size=6),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(header_cell, min_size=1, max_size=30), st.sampled_from(["q1", "naam", "1", "ï", "q 1"]), storages)
def test_the_header_cell_search_answers_as_the_careful_one(values, name, storage):
    column = _column(values, storage)
    np.testing.assert_array_equal(_holds_name(column, name), holds_name_careful(column, name))


@pytest.mark.parametrize("cells", [[1, "q1", None], [2.0, " 1 ", "x"], [True, "q1", pd.NA], [pd.Timestamp(0), "q1", ""]])
def test_the_header_cell_search_on_a_workbook_column_of_mixed_cells(cells):
    """A workbook column holds numbers, booleans and dates beside text: the careful path judges it."""
    column = pd.Series(cells, dtype=object)
    for name in ("q1", "1", "True", "x"):
        np.testing.assert_array_equal(_holds_name(column, name), holds_name_careful(column, name))


def _careful_header_rows(frame: pd.DataFrame) -> np.ndarray:
    same = np.zeros(len(frame), dtype=int)
    for col in frame.columns:
        if not pd.api.types.is_numeric_dtype(frame[col]) and not pd.api.types.is_datetime64_any_dtype(frame[col]):
            same += holds_name_careful(frame[col], str(col))
    return same >= max(2, (len(frame.columns) + 1) // 2)


@pytest.mark.parametrize("path", SAV_FILES, ids=lambda p: p.name)
def test_repeated_header_rows_of_spss_files_written_by_others(path):
    """Each file as a CSV export reads it (every cell text), with its header repeated inside, half
    repeated, and repeated with spaces around the names: the fast search finds what the careful one does."""
    frame, _ = pyreadstat.read_sav(str(path))
    text = frame.astype(str).astype("str")
    names = [str(c) for c in frame.columns]
    half = names[: max(1, len(names) // 2)] + [""] * (len(names) - max(1, len(names) // 2))
    padded = [f" {n}\u00a0" for n in names]
    rows = text.to_numpy().tolist()
    rows = [*rows[:3], names, *rows[3:5], half, padded]
    inserted = pd.DataFrame(rows, columns=frame.columns, dtype="str")
    for candidate in (text, inserted, inserted.astype(object)):
        np.testing.assert_array_equal(repeated_header_rows(candidate), _careful_header_rows(candidate))
    at = min(3, len(frame))  # the whole header repeated: a header row whenever two or more columns say so
    assert repeated_header_rows(inserted)[at] == (len(names) >= 2)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=6)), max_size=30))
def test_the_distinct_values_by_arrow_are_pandas_distinct_values(values):
    arrow = pd.Series(values, dtype="str")
    assert sorted(_distinct(arrow)) == sorted(pd.unique(arrow.dropna()))
    assert sorted(_distinct(arrow)) == sorted(_distinct(pd.Series(values, dtype=object).dropna()))


# A source's typed columns as typing sets them: numbers (float64), texts, dates, a key set twice.
typed_column = st.one_of(
    st.lists(st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True)), min_size=5, max_size=5)
    .map(lambda v: pd.Series(v, dtype="float64")),
    st.lists(st.one_of(st.none(), st.text(max_size=4)), min_size=5, max_size=5).map(lambda v: pd.Series(v, dtype=object)),
    st.lists(st.one_of(st.none(), st.text(max_size=4)), min_size=5, max_size=5).map(lambda v: pd.Series(v, dtype="str")),
    st.lists(st.one_of(st.none(), st.integers(0, 10**9)), min_size=5, max_size=5)
    .map(lambda v: pd.Series(pd.to_datetime(v, unit="s"), dtype="datetime64[ns]")),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b", "c", "key", "d", "e"]), typed_column), max_size=10),
       st.integers(0, 4))
def test_the_typed_columns_block_builds_the_frame_pandas_builds(sets, capacity):
    """`_Columns` (float64 columns written into one block as they come) gives the frame
    `pd.DataFrame(dict)` gives: the same columns in the same order, dtypes and values, whatever
    the order of the types, a column set again, or more numbers than the block was made for."""
    from pipeline.ingest.columns import TypedColumns as _Columns

    index = pd.RangeIndex(5)
    columns, plain = _Columns(index, capacity), {}
    for name, values in sets:
        columns[name] = values
        plain[name] = values
        pd.testing.assert_series_equal(columns[name], values, check_names=False)
    pd.testing.assert_frame_equal(columns.frame(), pd.DataFrame(plain, index=index), check_exact=True)
    assert list(columns.frame().columns) == list(plain)


key_text = st.one_of(st.none(), st.sampled_from(["TEST1", "test 2", "xTest", "Tëst", "ｔｅｓｔ", "R1", "", " test"]),
                     st.text(st.sampled_from("tesTÉé1 _-\u00a0x"), max_size=6))


@settings(max_examples=200, deadline=None)
@given(st.lists(key_text, max_size=20),
       st.sampled_from([r"^(?i:test)", r"test$", r"(?i)É", r"^$", r".", r"\d", r"^\p{Lu}", r"[[:space:]]", r"\bx",
                        r"^(?i:t)[^s]", r"(?s).", r"(?U)e+", "^\u00a0"]))
def test_test_keys_found_by_arrow_are_the_keys_re2_finds(keys, pattern):
    from pipeline.ingest.keys import key_matches
    from pipeline.survey.syntax import compile_regex, regex_matches

    column = pd.Series(keys, dtype=object)
    np.testing.assert_array_equal(key_matches(pattern, column), regex_matches(compile_regex(pattern), column.astype(str)))


WORKBOOKS = sorted(Path(__file__).parents[1].rglob("*.xlsx"))


def _openpyxl_formulas(path: Path) -> bool:
    import openpyxl

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        return any(cell.data_type == "f" for ws in workbook.worksheets if hasattr(ws, "iter_rows")
                   for line in ws.iter_rows() for cell in line)
    finally:
        workbook.close()


def test_a_workbook_said_to_hold_no_formula_holds_none_for_openpyxl(tmp_path):
    """The workbooks of the tests (the corpus's XLSForms, exports) and workbooks with every kind of
    formula (plain, shared, array, on a second sheet): where the quick look finds no formula
    element, openpyxl's reading of every cell finds no formula either (the second reading it saves)."""
    import openpyxl
    from openpyxl.worksheet.formula import ArrayFormula

    from pipeline.ingest.workbook import may_hold_formulas

    written = []
    for kind in ("plain", "array", "second_sheet", "none"):
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.append(["a", "b"])
        ws.append([1, 2])
        if kind == "plain":
            ws["B2"] = "=A2*2"
        elif kind == "array":
            ws["B2"] = ArrayFormula("B2:B2", "=SUM(A2:A2)")
        elif kind == "second_sheet":
            wb.create_sheet("other")["A1"] = "=1+1"
        wb.save(tmp_path / f"{kind}.xlsx")
        written.append(tmp_path / f"{kind}.xlsx")
    checked = 0
    for path in [*WORKBOOKS, *written]:
        try:
            formulas = _openpyxl_formulas(path)
        except Exception:  # noqa: BLE001 - not a workbook openpyxl reads (a corpus case of a damaged file)
            continue
        checked += 1
        assert may_hold_formulas(path) or not formulas, path
    assert checked > 100
    assert [may_hold_formulas(p) for p in written] == [True, True, True, False]
