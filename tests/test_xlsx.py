"""pipeline/xlsx.py against xlsxwriter, the writer it replaced: the same frames written by both and read
back with openpyxl hold the same cells (value, type, number format), sheet names, frozen header and column
widths; for every kind of column and the edge cases of XLSX text, numbers and dates. The oracle below is
tables.write_workbook as it was with xlsxwriter (a cell at a time)."""

from __future__ import annotations

import math
from datetime import date, datetime, timezone
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
import xlsxwriter
import xlsxwriter.exceptions

from pipeline.tables import write_workbook
from pipeline.xlsx import check_sheet_names


def xlsxwriter_workbook(target: Path, sheets: Iterable[tuple[str, pd.DataFrame]], *, freeze: bool = True,
                   widths: bool = True) -> Path:
    """An XLSX workbook, atomically, a sheet per frame: the header row as pandas writes it (plain
    text), then the cells — numbers as numbers, text always as text (never a formula,
    URL or number), NaN/None and empty text as an empty cell, dates and times with their format. `freeze` keeps the
    header in view, `widths` sets each column's width from its 90th-percentile text length (at most
    60). Written with xlsxwriter, row by row (constant memory); a text longer than Excel's 32,767
    characters a cell holds is cut there (the CSV beside a report keeps it whole)."""
    if True:
        tmp = target
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


def _frames() -> list[tuple[str, pd.DataFrame]]:
    control = "".join(chr(c) for c in range(32)) + "\ufffe\uffff"
    texts = ["plain", "", None, " lead", "trail ", "\ttab", "new\nline", "a&b<c>d\"e'f", "_x0041_ literal",
             "_X00e9_ also", control, "x" * 40_000, "\U0001F600" * 20_000, "e\u0301 café ŁÓDŹ 中文", "=1+1",
             "http://x.be", "0123", "1e5", "-4", "  ", np.nan]
    n = len(texts)
    moments = pd.to_datetime(["1900-01-01 10:30:00", "1900-02-28 00:00:00", "1900-03-01 12:00:00", None,
                              "2026-12-03 13:45:59.123456", "1899-12-31 00:00:00", "9999-12-31 23:59:59"]
                             + ["2024-02-29 06:00:00"] * (n - 7), format="ISO8601")
    floats = [0.1 + 0.2, -9.0, 1e20, 1e-7, np.nan, np.inf, -np.inf, 2.5, -0.0, 1e16, 123456789.125, 5e-324,
              1.7976931348623157e308] + [float(i) / 7 for i in range(n - 13)]
    kinds = pd.DataFrame({
        "text": pd.Series(texts, dtype=object),
        "string": pd.array([t if isinstance(t, str) else None for t in texts], dtype="string"),
        "category": pd.Categorical([t if isinstance(t, str) and len(t) < 50 else None for t in texts]),
        "ints": np.arange(n, dtype="int64") * 2**50 - 2**55,
        "uint8": np.arange(n, dtype="uint8"),
        "floats": floats,
        "float32": np.array(floats).clip(-3e38, 3e38).astype("float32"),
        "nullable": pd.array([None if i % 3 == 0 else i * 2**61 // 7 for i in range(n)], dtype="Int64"),
        "nullable_float": pd.array([None if i % 4 == 0 else i / 3 for i in range(n)], dtype="Float64"),
        "flags": [bool(i % 2) for i in range(n)],
        "nullable_flags": pd.array([None if i % 5 == 0 else bool(i % 2) for i in range(n)], dtype="boolean"),
        "when": moments,
        "when_tz": moments.tz_localize("Europe/Brussels", nonexistent="shift_forward", ambiguous="NaT"),
        "mixed": ([1, True, 1.0, "1", date(2020, 2, 29), datetime(1900, 1, 1, 6), pd.Timestamp("1900-03-01"),
                   np.int64(7), np.float64(np.nan), None, pd.NA, pd.NaT, "", Path("a/b"), 10**20, -0.5, np.bool_(False),
                   datetime(2026, 1, 1, tzinfo=timezone.utc), float("inf"), 3 + 0j, b"bytes"]),
        "all_missing": [None] * n,
        "numbers_as_objects": pd.Series([i if i % 2 else float(i) + 0.5 for i in range(n)], dtype=object),
    })
    empty = pd.DataFrame({"alleen kop": pd.Series([], dtype=object), "getal": pd.Series([], dtype=float)})
    return [("soorten", kinds), ("leeg", empty), ("geen kolommen", pd.DataFrame(index=range(3))),
            ("Één & <twee>", kinds[["text", "ints"]].head(2)), ("a" * 31, kinds.head(1))]


def _read(path: Path) -> dict:
    book = openpyxl.load_workbook(path)
    out = {}
    for sheet in book.worksheets:
        cells = {(c.row, c.column): (c.value if not (isinstance(c.value, float) and math.isnan(c.value)) else "nan",
                                     c.data_type, c.number_format)
                 for row in sheet.iter_rows() for c in row if c.value is not None}
        widths = {i: d.width for d in sheet.column_dimensions.values() if d.customWidth  # a run of equal
                  for i in range(d.min, d.max + 1)}  # widths is one <col> in xlsxwriter's, a <col> each in ours
        out[sheet.title] = {"cells": cells, "freeze": sheet.freeze_panes, "widths": widths}
    return out


@pytest.mark.parametrize("freeze,widths", [(True, True), (False, False)])
def test_the_same_workbook_as_xlsxwriter_wrote(tmp_path, freeze, widths):
    frames = _frames()
    ours = write_workbook(tmp_path / "ours.xlsx", frames, freeze=freeze, widths=widths)
    theirs = xlsxwriter_workbook(tmp_path / "theirs.xlsx", frames, freeze=freeze, widths=widths)
    a, b = _read(ours), _read(theirs)
    assert list(a) == list(b)
    for name in a:
        assert a[name]["freeze"] == b[name]["freeze"], name
        assert a[name]["widths"] == b[name]["widths"], name
        assert set(a[name]["cells"]) == set(b[name]["cells"]), name
        for key, cell in b[name]["cells"].items():
            mine = a[name]["cells"][key]
            if cell[:2] in (("=1/0", "f"), ("=-1/0", "f")):  # ±inf: xlsxwriter's formula, ours the error value it shows, no formula
                assert mine == ("#DIV/0!", "e", cell[2]), (name, key)
            elif isinstance(cell[0], float) and isinstance(mine[0], (int, float)):  # xlsxwriter wrote 16 digits
                assert float("%.16G" % mine[0]) == cell[0], (name, key)
                assert mine[1:] == cell[1:], (name, key)
            elif isinstance(cell[0], datetime):  # openpyxl rounds the serial number to the millisecond
                assert abs((mine[0] - cell[0]).total_seconds()) < 0.002 and mine[1:] == cell[1:], (name, key)
            else:
                assert mine == cell, (name, key)
    # where xlsxwriter's 16 digits lose a double, ours keep it
    floats = frames[0][1]["floats"]
    kept = [c.value for c in openpyxl.load_workbook(ours)["soorten"]["F"][1:]]
    assert kept[0] == 0.1 + 0.2 and kept[11] == 5e-324 and kept[12] == floats[12]


def test_pandas_reads_back_what_it_wrote_in_every_sheet(tmp_path):
    frames = _frames()
    back = pd.read_excel(write_workbook(tmp_path / "x.xlsx", frames), sheet_name=None)
    assert list(back) == [name for name, _ in frames]
    assert list(back["soorten"].columns) == list(frames[0][1].columns)
    assert back["soorten"]["ints"].tolist() == frames[0][1]["ints"].tolist()
    assert back["soorten"]["text"].iloc[7] == "a&b<c>d\"e'f"
    # a literal escape is stored with its underscore escaped, as Excel does (Excel shows "_x0041_ literal";
    # openpyxl does not undo the escape)
    assert back["soorten"]["text"].iloc[8] == "_x005F_x0041_ literal"
    assert back["soorten"]["text"].iloc[11] == "x" * 32_767  # Excel's most
    assert len(back["leeg"]) == 0 and list(back["leeg"].columns) == ["alleen kop", "getal"]


def test_sheet_names_excel_refuses_are_refused_as_xlsxwriter_refuses_them():
    for bad in (["a" * 32], ["a/b"], ["'quoted'"], ["Data", "data"], [""]):
        with pytest.raises(ValueError):
            check_sheet_names(bad)
        if bad != [""]:  # xlsxwriter names an empty name Sheet1
            with pytest.raises(xlsxwriter.exceptions.XlsxWriterException):
                book = xlsxwriter.Workbook(str(Path("/nonexistent/never-written.xlsx")))
                for name in bad:
                    book.add_worksheet(name)
    check_sheet_names(["Één & <twee>", "a" * 31, "x" * 30 + "é"])


def test_a_large_sheet_is_written_in_blocks_and_reads_back_whole(tmp_path):
    rows = 45_000  # three blocks
    frame = pd.DataFrame({"i": np.arange(rows), "t": np.where(np.arange(rows) % 3 == 0, "drie", None),
                          "f": np.linspace(0, 1, rows)})
    back = pd.read_excel(write_workbook(tmp_path / "big.xlsx", [("big", frame)]))
    assert back["i"].tolist() == list(range(rows))
    assert back["t"].isna().sum() == rows - (rows + 2) // 3
    assert np.array_equal(back["f"].to_numpy(), frame["f"].to_numpy())


def test_every_part_is_well_formed_xml_and_listed_in_the_content_types(tmp_path):
    import zipfile
    from xml.etree import ElementTree

    path = write_workbook(tmp_path / "x.xlsx", _frames())
    with zipfile.ZipFile(path) as book:
        names = book.namelist()
        for name in names:
            ElementTree.fromstring(book.read(name))  # raises on anything not well formed
        types = book.read("[Content_Types].xml").decode()
    sheets = [n for n in names if n.startswith("xl/worksheets/")]
    assert len(sheets) == len(_frames())
    assert all(f'PartName="/{n}"' in types for n in sheets + ["xl/workbook.xml", "xl/styles.xml"])
