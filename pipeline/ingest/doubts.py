"""A CSV export without a byte-order mark is read as UTF-8 when the whole file decodes as UTF-8, else as
Windows-1252 (sources.detect_encoding). A Windows-1252 file can still decode as UTF-8 by chance: 'à ¡'
(bytes E0 A0 A1) is UTF-8 for the Samaritan letter 'ࠡ'. Such a reading holds characters of no language
the survey's respondents write in; each cell that holds one, and that reads as Windows-1252 too, is a
row of the problems (kept as read, with its Windows-1252 reading and how to choose it), never a silent
change. Bytes that are UTF-8 of common letters ('Ã©' in Windows-1252 is 'é' in UTF-8) are read as UTF-8:
that is what such bytes almost always are."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa

from pipeline.ingest.fidelity import PROBLEM_COLUMNS

# The characters survey answers are written in: Latin (with its extensions and combining accents), Greek,
# Cyrillic, Hebrew, Arabic (Moroccan respondents; with its supplements and presentation forms), Tifinagh
# (Berber), punctuation and symbols (with the full-width forms and spaces an input method types), and emoji
# (with their joiners and variation selectors).
_EXPECTED = ("\u0000-\u007f\u00a0-\u036f\u0370-\u052f\u0590-\u05ff\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff"
             "\u1e00-\u1eff\u2000-\u2bff\u2d30-\u2d7f\u2e00-\u2e7f\u3000-\u303f\ufb50-\ufdff\ufe00-\ufe0f"
             "\ufe70-\uffef\U0001f000-\U0001faff")
_RARE = re.compile(f"[^{_EXPECTED}]")
SET_ENCODING = 'set encoding = "cp1252" for this source in sid.toml'


def rare_character(text: str) -> str | None:
    """The first character of `text` from no script or symbol block of the survey's answers, else None."""
    found = _RARE.search(text)
    return found.group() if found else None


def _ascii(values: pd.Series) -> bool:
    """Whether every text of the column is ASCII, read from its Arrow buffers (False when unsure)."""
    arrow = getattr(values.array, "__arrow_array__", None)  # Arrow-backed text (pandas' str): its buffers
    if arrow is None:
        return False
    try:
        held = arrow()
    except (TypeError, ValueError, pa.ArrowException):
        return False
    chunks = held.chunks if isinstance(held, pa.ChunkedArray) else [held]
    for chunk in chunks:
        if not (pa.types.is_string(chunk.type) or pa.types.is_large_string(chunk.type)):
            return False
        data = chunk.buffers()[2]
        if data is not None and len(data) and np.frombuffer(data, dtype=np.uint8).max() >= 0x80:
            return False
    return True


def utf8_doubts(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    """Problem rows (PROBLEM_COLUMNS; rows 1-based data rows) for the text cells of `frame`, read as UTF-8,
    that hold a rare character and whose bytes read as Windows-1252 too."""
    rows = []
    for column in frame.columns:
        values = frame[column]
        if values.dtype != object and not isinstance(values.dtype, pd.StringDtype):
            continue
        if _ascii(values):  # (the bytes of the column at once: most columns of an export are)
            continue
        text = values.dropna().astype(str)
        doubtful = {}
        for value in pd.unique(text[~text.str.isascii().to_numpy(dtype=bool)]):
            if (rare := rare_character(value)) is None:
                continue
            try:
                alternative = value.encode("utf-8").decode("cp1252")
            except UnicodeDecodeError:  # bytes Windows-1252 leaves undefined: it is not that
                continue
            doubtful[value] = (f"the file decodes as UTF-8, where this text holds {rare!r} (U+{ord(rare):04X}), a "
                               f"character of no language of the survey; read as Windows-1252 it is {alternative!r}: "
                               f"if the file is Windows-1252, {SET_ENCODING}")
        if not doubtful:
            continue
        cells = text[text.isin(list(doubtful))]
        rows.append(pd.DataFrame({"source": source, "row": frame.index.get_indexer(cells.index) + 1,
                                  "column": str(column), "value": cells.to_numpy(dtype=object),
                                  "expected": "text as typed", "action": "kept as read (UTF-8)",
                                  "reason": cells.map(doubtful).to_numpy(dtype=object)}, columns=PROBLEM_COLUMNS))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=PROBLEM_COLUMNS)
