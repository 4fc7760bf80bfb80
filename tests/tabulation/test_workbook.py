"""`pipeline.tables.write_workbook`, the one XLSX writer of every report, codebook and table: each
kind of column (NumPy numbers, nullable integers, text, mixed objects, booleans, dates) read back
with openpyxl holds what the frame held — numbers as numbers, text as text, missing and empty
text as empty cells."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import openpyxl
import pandas as pd

from pipeline.tables import write_workbook


def test_every_kind_of_column_reads_back_as_it_was(tmp_path):
    frame = pd.DataFrame({
        "ints": np.array([1, -3, 2**60], dtype="int64"),
        "floats": [2.5, np.nan, -9.0],
        "nullable": pd.array([7, None, 2**62], dtype="Int64"),
        "text": ["a", None, ""],
        "arrow_text": pd.array(["=1+1", None, " x "], dtype="string"),
        "mixed": ["b", np.int64(4), pd.Timestamp("2026-03-02 10:00:00")],
        "flags": [True, False, True],
        "when": pd.to_datetime(["2026-03-02 10:00:00", None, "2026-01-31 23:59:59"]),
    })
    target = write_workbook(tmp_path / "kinds.xlsx", [("kinds", frame)])
    sheet = openpyxl.load_workbook(target).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0] == list(frame.columns)
    assert [r[0] for r in rows[1:]] == [1, -3, 2**60]
    assert [r[1] for r in rows[1:]] == [2.5, None, -9]
    assert [r[2] for r in rows[1:]] == [7, None, 2**62]
    assert [r[3] for r in rows[1:]] == ["a", None, None]
    assert [r[4] for r in rows[1:]] == ["=1+1", None, " x "]  # text, never a formula; spaces kept
    assert sheet["E2"].data_type == "s"
    assert [r[5] for r in rows[1:]] == ["b", 4, datetime(2026, 3, 2, 10, 0)]
    assert [r[6] for r in rows[1:]] == [True, False, True]
    assert [r[7] for r in rows[1:]] == [datetime(2026, 3, 2, 10, 0), None, datetime(2026, 1, 31, 23, 59, 59)]
    assert isinstance(rows[1][1], float) and isinstance(rows[1][0], int)
