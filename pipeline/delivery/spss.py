"""SPSS file rules: variable names, byte limits, print formats and missing-value declarations."""

from __future__ import annotations

import re
import unicodedata
from typing import Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.errors import ErrorCode, SidError

RESERVED = frozenset({"ALL", "AND", "BY", "EQ", "GE", "GT", "LE", "LT", "NE", "NOT", "OR", "TO", "WITH"})
MAX_NAME_BYTES = 64
MAX_VARIABLE_LABEL_BYTES = 255
MAX_VALUE_LABEL_BYTES = 120
MAX_FILE_LABEL_BYTES = 64
MAX_DOCUMENT_LINE_BYTES = 80
MAX_STRING_BYTES = 32767
MAX_NUMERIC_WIDTH = 40


def code_text(code: float) -> str:
    """A numeric code as the .sav holds it, in full: 20260302, 99999999, -9, 2.5 (never 2.02603e+07)."""
    code = float(code)
    if code.is_integer():
        return str(int(code))
    return np.format_float_positional(code, trim="-")


def clip_bytes(text: str, limit: int) -> str:
    """Cut `text` to at most `limit` UTF-8 bytes without splitting a character."""
    raw = text.encode("utf-8")
    if len(raw) <= limit:
        return text
    return raw[:limit].decode("utf-8", errors="ignore")


def spss_name(wanted: str) -> str:
    """A valid SPSS variable name as close to `wanted` as the rules allow."""
    ascii_text = unicodedata.normalize("NFKD", wanted).encode("ascii", "ignore").decode()
    name = re.sub(r"[^A-Za-z0-9_.@#$]", "_", ascii_text)
    if not name or not name[0].isalpha():
        name = "v" + name
    name = clip_bytes(name, MAX_NAME_BYTES).rstrip("._") or "v"
    if name.upper() in RESERVED:
        name = name + "_v"
    return name


def unique_spss_names(wanted: Iterable[str]) -> list[str]:
    """Valid SPSS names, unique ignoring case, in the order given; clashes get _2, _3 ..."""
    used: set[str] = set()
    names = []
    for w in wanted:
        base = spss_name(w)
        name, n = base, 1
        while name.upper() in used:
            n += 1
            suffix = f"_{n}"
            name = clip_bytes(base, MAX_NAME_BYTES - len(suffix)) + suffix
        used.add(name.upper())
        names.append(name)
    return names


def missing_declaration(codes: Iterable[int], valid_codes: Iterable[float] = ()) -> list:
    """pyreadstat `missing_ranges` entry for a numeric variable.

    SPSS holds at most three discrete user-missing values, or one range plus one value.
    More codes become the range min..max, which must not cover a valid answer code.
    """
    codes = sorted(set(codes))
    if not codes:
        return []
    if len(codes) <= 3:
        return [float(c) for c in codes]
    lo, hi = codes[0], codes[-1]
    swallowed = sorted({c for c in valid_codes if lo <= c <= hi and c not in codes})
    if swallowed:
        raise SidError(ErrorCode.MISSING_OVERLAP, f"answer code {swallowed[0]:g} lies inside the user-missing "
                       f"range {lo} thru {hi}", fix="Renumber that choice or the missing codes in sid.toml.")
    return [{"lo": float(lo), "hi": float(hi)}]


def missing_mask(column: pd.Series, declaration: list) -> pd.Series:
    """True where `column` holds a user-missing code of its `missing_declaration` (values, ranges)."""
    mask = pd.Series(False, index=column.index)
    for r in declaration:
        if isinstance(r, dict):
            mask |= column.between(float(r["lo"]), float(r["hi"]))
        else:
            mask |= column == float(r)
    return mask


def numeric_format(values: pd.Series, extra: Iterable[float] = ()) -> str:
    """F w.d that shows every value in `values` (and the declared codes in `extra`) exactly."""
    data = values.to_numpy(dtype="float64", na_value=np.nan)
    data = np.concatenate([data[~np.isnan(data)], np.asarray(list(extra), dtype="float64")])
    if data.size == 0:
        return "F8.2"
    decimals = 0
    for d in range(0, 7):
        decimals = d
        if np.allclose(np.round(data, d), data, rtol=0, atol=10.0 ** -(d + 6)):
            break
    def digits(x: float) -> int:
        return len(str(int(x))) if np.isfinite(x) else 1

    positive = digits(data.max()) if (data >= 0).any() else 0
    negative = 1 + digits(-data.min()) if (data < 0).any() else 0
    width = max(positive, negative) + (decimals + 1 if decimals else 0)
    width = min(max(width, 1), MAX_NUMERIC_WIDTH)
    return f"F{width}.{decimals}"


def byte_lengths(values: pd.Series) -> np.ndarray:
    """The UTF-8 length in bytes of each text (0 for a missing one), with Arrow's kernel (no
    Python object per cell); anything Arrow does not take as text is measured as str()."""
    try:
        text = pa.array(values, type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        text = pa.array(values.fillna("").astype(str), type=pa.string())
    return pc.binary_length(text).fill_null(0).to_numpy(zero_copy_only=False).astype("int64")


def string_width(values: pd.Series) -> int:
    """Width in bytes of the longest value (at least 1), as SPSS counts string widths."""
    if values.empty:
        return 1
    return int(max(byte_lengths(values).max(), 1))


def syntax_quote(text: str) -> str:
    """A string literal for SPSS syntax: single quotes, inner quotes doubled, one line."""
    return "'" + " ".join(text.split()).replace("'", "''") + "'"
