"""Reading an .xlsx export: which sheet (hidden sheets only when named), where the header is, and
the cells Excel shows but does not store where pandas reads them (merged cells, formulas without
a saved value), reported instead of silently left empty."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pandas as pd

from pipeline.errors import ErrorCode, SidError
from pipeline.ingest.fidelity import PROBLEM_COLUMNS

LEFT_EMPTY = "left empty"


def sheets_present(workbook) -> str:
    """'invoer', 'oud' (hidden): for an error that lists what there is."""
    return ", ".join(repr(ws.title) + ("" if ws.sheet_state == "visible" else f" ({ws.sheet_state})")
                     for ws in workbook.worksheets)


def choose_sheet(workbook, wanted: str | None, path: Path) -> str:
    """The named sheet (hidden ones too: naming it is the choice), else the first visible one."""
    names = [ws.title for ws in workbook.worksheets]
    if wanted is not None:
        if wanted in names:
            return wanted
        near = [n for n in names if n.strip().casefold() == wanted.strip().casefold()]
        raise SidError(ErrorCode.SOURCE_UNREADABLE, f"no sheet {wanted!r}; the workbook has {sheets_present(workbook)}",
                       file=path, fix=f"Set sheet = {near[0]!r} for this source in sid.toml." if near else
                       "Set sheet for this source in sid.toml to one of those.")
    visible = [ws.title for ws in workbook.worksheets if ws.sheet_state == "visible"]
    if not visible:
        raise SidError(ErrorCode.SOURCE_UNREADABLE, f"no visible sheet; the workbook has {sheets_present(workbook)}",
                       file=path, fix="Name the sheet with the data: set sheet for this source in sid.toml.")
    return visible[0]


def read_xlsx(path: Path, sheet: str | None, header_row: int, source: str) -> tuple[pd.DataFrame, str, pd.DataFrame]:
    """(cells as text, the sheet read, problem rows for merged cells and formulas without a saved value)."""
    import openpyxl  # imported when a workbook is read, not with ingest's results

    workbook = openpyxl.load_workbook(path, data_only=True)
    try:
        chosen = choose_sheet(workbook, sheet, path)
        ws = workbook[chosen]
        # pandas reads the workbook already open (its cells as pandas reads them from the file: the
        # same frame), rather than opening and parsing the file once more
        # only an empty cell is missing: "NA", "NULL", "None" typed in a cell are answers (pandas' default NA words)
        frame = pd.read_excel(workbook, sheet_name=chosen, dtype=str, engine="openpyxl", header=header_row - 1,
                              keep_default_na=False, na_values=[""])
        header = {c: str(ws.cell(header_row, c).value).strip() for c in range(1, ws.max_column + 1)
                  if ws.cell(header_row, c).value is not None}
        found = _merged(ws, header_row, header, source)
        if may_hold_formulas(path):  # else no cell is a formula: the second reading is not needed
            found += _formulas(path, chosen, ws, header_row, header, source)
    finally:
        workbook.close()
    problems = pd.DataFrame(found, columns=PROBLEM_COLUMNS).sort_values(["row", "column"], kind="stable")
    return frame, chosen, problems.reset_index(drop=True)


def _merged(ws, header_row: int, header: dict[int, str], source: str) -> list[list]:
    """A merged range shows its first cell's value across it; only that cell holds it."""
    from openpyxl.utils import get_column_letter  # (as in read_xlsx)

    rows = []
    for cells in ws.merged_cells.ranges:
        first = ws.cell(cells.min_row, cells.min_col).value
        for r in range(max(cells.min_row, header_row + 1), cells.max_row + 1):
            for c in range(cells.min_col, cells.max_col + 1):
                if (r, c) == (cells.min_row, cells.min_col) or c not in header:
                    continue
                rows.append([source, r - header_row, header[c], "", "a value", LEFT_EMPTY,
                             f"merged cell {cells.coord}: Excel shows {first!r} here, but only "
                             f"{get_column_letter(cells.min_col)}{cells.min_row} holds it; unmerge and fill in"])
    return rows


# A formula element of SpreadsheetML (<f>, <f t="shared" .../>, with or without a namespace prefix):
# a cell holds a formula only with one.
_FORMULA = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s/>]")


def may_hold_formulas(path: Path) -> bool:
    """Whether any part of the workbook holds a formula element; True when unsure (a part that
    does not unpack): then openpyxl's reading of the formulas decides."""
    try:
        with zipfile.ZipFile(path) as archive:
            for member in archive.infolist():
                with archive.open(member) as part:
                    carry = b""
                    for block in iter(lambda: part.read(1 << 20), b""):
                        if _FORMULA.search(carry + block):
                            return True
                        carry = block[-64:]
    except Exception:  # noqa: BLE001 - unsure: look for formulas the careful way
        return True
    return False


def _formulas(path: Path, sheet: str, values, header_row: int, header: dict[int, str], source: str) -> list[list]:
    """A formula whose result the workbook does not store (written by a program, never opened in
    Excel) reads as empty."""
    import openpyxl  # (as in read_xlsx)

    formulas = openpyxl.load_workbook(path, read_only=True, data_only=False)
    rows = []
    try:
        for line in formulas[sheet].iter_rows(min_row=header_row + 1):
            for cell in line:
                if cell.data_type != "f" or getattr(cell, "column", None) not in header:
                    continue
                if values.cell(cell.row, cell.column).value is None:
                    rows.append([source, cell.row - header_row, header[cell.column], str(cell.value), "a value",
                                 LEFT_EMPTY, "formula without a saved result (the workbook was not recalculated); "
                                 "open and save it in Excel, or type the value"])
    finally:
        formulas.close()
    return rows
