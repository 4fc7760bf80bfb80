"""What ingest does to a raw cell beyond reading it (numbers, keys, recodes), and the problem rows that say so."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# Frozen columns of work/ingest_problems.csv: where, the raw value, what the form expects, what
# ingest did with the cell and why.
PROBLEM_COLUMNS = ["source", "row", "column", "value", "expected", "action", "reason"]

SET_MISSING = "set missing"


def problem_rows(source: str, mask, column: str, values, expected: str, action, reason) -> pd.DataFrame:
    """One problem row per True in `mask` (rows are 1-based data rows); `values`, `action` and
    `reason` are per row (aligned with `mask`) or one for all."""
    mask = np.asarray(mask, dtype=bool)
    where = np.flatnonzero(mask)

    def pick(item):
        if isinstance(item, (pd.Series, np.ndarray, list)):
            return np.asarray(pd.Series(item).astype(object).to_numpy())[where]
        return item

    return pd.DataFrame({"source": source, "row": where + 1, "column": column,
                         "value": pd.Series(pick(values), dtype=object).astype(str).to_numpy(),
                         "expected": expected, "action": pick(action), "reason": pick(reason)},
                        index=range(len(where)))[PROBLEM_COLUMNS]


def no_problems() -> pd.DataFrame:
    return pd.DataFrame(columns=PROBLEM_COLUMNS)


# A number written with a thousands separator: 1 to 3 digits, then groups of 3 ("2.500", "1,234").
_GROUPED = r"[+-]?[1-9]\d{{0,2}}{mark}\d{{3}}"
_PLAIN = r"[+-]?(?:\d+(?:{mark}\d*)?|{mark}\d+)(?:[eE][+-]?\d+)?"


def grouped_numbers(text: pd.Series, mark: str) -> bool:
    """Whether any cell reads as a number grouped in thousands with `mark` ("2.500" with "."): for a
    whole-number question such a cell is ambiguous, and only `parse_numbers` reports it."""
    t = text.astype("string").str.strip()
    return bool(t.str.fullmatch(_GROUPED.format(mark="\\" + mark)).fillna(False).any())


# `_GROUPED` with "." for cells Arrow's cast read as numbers: such a cell is ASCII without
# whitespace (the cast refuses any other), so Python's strip changes nothing and \d is [0-9].
_GROUPED_POINT_RE2 = r"^[+-]?[1-9][0-9]{0,2}\.[0-9]{3}$"


def grouped_cast_numbers(array: pa.Array | pa.ChunkedArray) -> bool:
    """`grouped_numbers(text, ".")` for Arrow text whose every cell Arrow's cast to float64 read
    (one regex pass in C++ instead of pandas string methods; tests/ingest/test_fidelity_fast.py
    holds the two to the same answer)."""
    lengths = pc.binary_length(array)  # "1.000" to "+999.999": 5 to 8 characters, the only cells to look at
    near = pc.fill_null(pc.and_(pc.greater_equal(lengths, 5), pc.less_equal(lengths, 8)), False)
    if not pc.any(near).as_py():
        return False
    return bool(pc.any(pc.match_substring_regex(pc.filter(array, near), _GROUPED_POINT_RE2)).as_py())


def arrow_numbers(column: pd.Series, whole: bool = False) -> pd.Series | None:
    """A text column of plain numbers converted by Arrow's C++ cast (some 25× faster than
    pd.to_numeric); None when any cell is not a plain number, or for a whole-number question is
    grouped in thousands ("2.500"), for the careful path to report it."""
    try:
        array = getattr(column.array, "_pa_array", None)  # Arrow-backed text: no copy
        if array is None:
            array = pa.array(column.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
        values = pc.cast(array, pa.float64()).to_numpy(zero_copy_only=False)
        if np.isnan(values).sum() != int(array.null_count) or np.isinf(values).any():
            return None  # 'nan' / 'inf' typed as text: let the careful path judge them
        if whole and grouped_cast_numbers(array):
            return None
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, TypeError):
        return None
    return pd.Series(values, index=column.index, dtype="float64")


def parse_numbers(text: pd.Series, decimal: str, whole: bool) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Text cells read as numbers under the source's decimal mark ("." or ",").

    Returns (values, action, reason): action/reason are NA for a cell read as it is written and
    say what was done for any other non-empty cell. A number grouped in thousands with either mark
    ("2.500", "1,234") where the other reading gives a different number is ambiguous: missing,
    never silently scaled. (For a decimal question, "2.500" under decimal "." is 2.5: the
    declared mark decides; for a whole-number question it cannot be 2.5, so it is ambiguous.)
    """
    other = "," if decimal == "." else "."
    t = text.astype("string").str.strip()
    esc_d, esc_o = "\\" + decimal, "\\" + other
    plain = t.str.fullmatch(_PLAIN.format(mark=esc_d)).fillna(False).astype(bool)
    values = pd.to_numeric(t.where(plain).str.replace(decimal, ".", regex=False), errors="coerce").astype("float64")
    given = t.notna() & (t != "")
    action = pd.Series(pd.NA, index=t.index, dtype=object)
    reason = pd.Series(pd.NA, index=t.index, dtype=object)
    grouped_other = t.str.fullmatch(_GROUPED.format(mark=esc_o)).fillna(False).astype(bool)
    ambiguous = grouped_other.copy()
    if whole:
        ambiguous |= plain & t.str.fullmatch(_GROUPED.format(mark=esc_d)).fillna(False).astype(bool)
    # Thousands groups with the other mark and a decimal part with this one ("1.234,5" under ","),
    # or several groups ("1.234.567"): one reading only.
    groups = r"[+-]?[1-9]\d{0,2}(?:" + esc_o + r"\d{3})"
    separated = t.str.fullmatch(f"{groups}+{esc_d}\\d+|{groups}{{2,}}").fillna(False).astype(bool)
    other_mark = ~plain & ~grouped_other & ~separated & t.str.fullmatch(_PLAIN.format(mark=esc_o)).fillna(False).astype(bool)
    if separated.any():
        values[separated] = pd.to_numeric(t[separated].str.replace(other, "", regex=False)
                                          .str.replace(decimal, ".", regex=False), errors="coerce")
        action[separated] = "read as " + values[separated].map(_number_text)
        reason[separated] = f"thousands separator '{other}' dropped (decimal mark '{decimal}')"
    if other_mark.any():
        values[other_mark] = pd.to_numeric(t[other_mark].str.replace(other, ".", regex=False), errors="coerce")
        action[other_mark] = "read as " + values[other_mark].map(_number_text)
        reason[other_mark] = f"decimal mark '{other}' in a source whose decimal mark is '{decimal}'"
    if ambiguous.any():
        values[ambiguous] = np.nan
        action[ambiguous] = SET_MISSING
        grouped = t[ambiguous]
        as_thousands = grouped.str.replace(r"[.,]", "", regex=True)
        as_decimal = grouped.str.replace(",", ".", regex=False)
        reason[ambiguous] = ("ambiguous: " + as_thousands + " with a thousands separator or " + as_decimal
                             + f" with a decimal mark (this source's decimal mark is '{decimal}'); "
                             "correct the value or set decimal for this source in sid.toml")
    bad = given & values.isna() & action.isna()
    action[bad] = SET_MISSING
    reason[bad] = "not a number"
    return values, action, reason


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def repeated_header_rows(frame: pd.DataFrame) -> np.ndarray:
    """Rows that repeat the header (exports concatenated with their headers): at least half of the
    columns, and two or more, hold their own column name."""
    if frame.empty:
        return np.zeros(len(frame), dtype=bool)
    need = max(2, (len(frame.columns) + 1) // 2)
    text = [col for col in frame.columns if not pd.api.types.is_numeric_dtype(frame[col])
            and not pd.api.types.is_datetime64_any_dtype(frame[col])]
    same = np.zeros(len(frame), dtype=int)
    for done, col in enumerate(text, start=1):
        same += _holds_name(frame[col], str(col))
        if same.max() + len(text) - done < need:  # `left` columns to go: no row can reach `need` any more
            return np.zeros(len(frame), dtype=bool)
    return same >= need


def holds_name_careful(column: pd.Series, name: str) -> np.ndarray:
    """1 where the cell, stripped, is `name` (text or not: a number cell as its text), else 0."""
    return (column.astype("string").str.strip() == name).fillna(False).to_numpy(dtype=int)


def _holds_name(column: pd.Series, name: str) -> np.ndarray:
    """`holds_name_careful`, judged only on the cells that contain `name` at all (a cell that is
    the name once stripped contains it): one substring pass in Arrow over the text finds them."""
    array = getattr(column.array, "_pa_array", None)  # Arrow-backed text (CSV): no copy
    if array is None or not pa.types.is_string(array.type) and not pa.types.is_large_string(array.type):
        try:  # object cells (a workbook): Arrow text if every cell is text or empty
            array = pa.array(column.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError):
            return holds_name_careful(column, name)
    candidate = pc.fill_null(pc.match_substring(array, name), False).to_numpy(zero_copy_only=False)
    found = np.zeros(len(column), dtype=int)
    if candidate.any():
        found[candidate] = holds_name_careful(column.iloc[np.flatnonzero(candidate)], name)
    return found
