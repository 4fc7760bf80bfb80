"""The cleaning log's diff (categoricals of text, built from each changed column's distinct texts)
against a plain cell-by-cell diff, on data nobody here wrote: pyreadstat's own test files (numbers,
texts, dates, missing values, Hebrew and Telugu text), each changed in a few cells."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from pipeline.cleaning.clean import LOG_COLUMNS, concat_logs, diff_log

FILES = sorted(Path(__file__).parents[1].joinpath("delivery", "pyreadstat_files").glob("*.sav"))


def _cell_text(value) -> str:
    """One cell as the log writes it, judged alone: numbers in numpy's repr, missing as ''."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return ""
    if isinstance(value, (float, np.floating, int, np.integer)) and not isinstance(value, bool):
        return str(np.float64(value))
    if isinstance(value, (pd.Timestamp, np.datetime64)):
        return pd.Timestamp(value).strftime("%Y-%m-%dT%H:%M:%S")
    return str(value)


def _cell_by_cell(before: pd.DataFrame, after: pd.DataFrame, key: str) -> list[tuple]:
    rows = []
    for col in after.columns:
        for i in range(len(after)):
            a, b = before[col].iloc[i], after[col].iloc[i]
            old, new = _cell_text(a), _cell_text(b)
            if old != new or pd.isna(a) != pd.isna(b):  # '' emptied to missing is a change (both written '')
                rows.append(("s", "r", str(before[key].iloc[i]), "", "", col, old, new))
    return rows


def _changed(frame: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Some cells of every column emptied, some given another value of the column (or -0.0, -3)."""
    rng = np.random.default_rng(seed)
    out = frame.copy()
    for col in out.columns[1:]:
        values = out[col].astype(object).to_numpy(copy=True)
        pick = rng.random(len(values))
        values[pick < 0.2] = None
        other = pd.Series(values).dropna().to_numpy()
        swap = (pick > 0.7) & (len(other) > 0)
        if len(other):
            values[swap] = rng.choice(other, swap.sum())
        if pd.api.types.is_numeric_dtype(frame[col]):
            values[pick > 0.95] = -0.0 if seed % 2 else -3.0
            out[col] = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype="float64")
        elif pd.api.types.is_datetime64_any_dtype(frame[col]):
            out[col] = pd.to_datetime(pd.Series(values))
        else:
            out[col] = pd.Series(values, dtype="str")
    return out


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_the_diff_is_the_cell_by_cell_difference(path: Path):
    frame, _ = pyreadstat.read_sav(str(path))
    frame = frame.head(300).reset_index(drop=True)
    frame.insert(0, "resp", [f"R{i}" for i in range(len(frame))])
    for seed in (1, 2):
        after = _changed(frame, seed)
        got = diff_log(frame, after, "resp", "s", "r")
        assert list(got.columns) == LOG_COLUMNS
        assert all(isinstance(t, pd.CategoricalDtype) for t in got.dtypes)
        want = _cell_by_cell(frame, after, "resp")
        assert [tuple(r) for r in got.astype(str).itertuples(index=False)] == want, path.name
        # joined with another log, the texts are the same (the union of two categoricals)
        again = concat_logs([got, diff_log(after, frame, "resp", "t", "u")])
        assert [tuple(r) for r in again.astype(str).itertuples(index=False)][:len(want)] == want
        assert len(again) == 2 * len(want)
