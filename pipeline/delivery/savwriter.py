"""The .sav's data written in blocks with numpy; its dictionary is ReadStat's, through pyreadstat.

`pyreadstat.write_sav` inserts the cells one at a time (a Python loop over the rows, then a C call
per cell): at 100,000 × 500 that is most of the export. This writer keeps pyreadstat as the oracle:

1. pyreadstat writes, with exactly the caller's arguments, a TEMPLATE: a few rows of the frame with
   the same columns and dtypes, the first row holding each text column's longest value (in UTF-8
   bytes), so every string width, the variable records, labels, missing values, documents and
   extension records are the ones the full write gives (uncompressed, as the delivery is);
2. the template's own rows are encoded here and compared byte for byte with the rows ReadStat
   wrote; any difference (or a column kind not handled here) and pyreadstat writes the whole file,
   as before, with a one-line reason for the caller to show;
3. the file is the template's dictionary with its two case counts set (the header's and the
   number-of-cases extension record's), then every row, encoded per column block: float64 as is,
   NaN as SPSS's system-missing (-DBL_MAX, ReadStat's SAV_MISSING_DOUBLE), datetimes as seconds
   since 1582-10-14 (pyreadstat's arithmetic), text as UTF-8 padded with spaces to its slot, a very
   long string (> 255 bytes) in 255-byte pieces at the start of each 256-byte segment
   (readstat_sav_write.c: sav_write_string, sav_variable_width);
4. the sampled rows are read back from the written file and compared with ReadStat's bytes.

The layout is PSPP's "System File Format" (doc/dev/system-file-format.texi): a 176-byte header, the
dictionary records (2 variable, 3/4 value labels, 6 document, 7 extension, 999 end), then the cases.
"""

from __future__ import annotations

import errno
import os
import struct
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat

FORCE_ENV = "SID_SAV_WRITER"  # "pyreadstat": pyreadstat writes every .sav whole (the writer before this one)
HEADER_BYTES = 176
HEADER_TIMESTAMP = slice(92, 109)  # creation date (9) and time (8): the moment of writing
SYSMIS = 0xFFEFFFFFFFFFFFFF  # -DBL_MAX, ReadStat's SAV_MISSING_DOUBLE (readstat_spss.h)
SPSS_EPOCH_SECONDS = 12219379200  # 1582-10-14 to 1970-01-01, pyreadstat's spss_offset_secs
GREGORIAN_TO_UNIX = (datetime(1970, 1, 1) - datetime(1582, 10, 14)).total_seconds()  # the read-back check's own
UNITS = {"ns": 10**9, "us": 10**6, "ms": 10**3}
BLOCK_BYTES = 1 << 24  # rows encoded and written per block (~16 MB): the file is never held whole
SAMPLE_ROWS = 8  # rows of the frame's start, end and spread over its middle in the template (each)


class Unsupported(Exception):
    """A frame this writer does not encode itself (pyreadstat writes it)."""


@dataclass(frozen=True, eq=False)
class Slot:
    """One column's place in a case (byte `offset`, `size` bytes) and its values, ready to encode:
    float64 with NaN for missing (numbers; datetimes as SPSS seconds) or UTF-8 bytes (texts)."""

    name: str
    kind: str  # number | datetime | text
    offset: int
    size: int
    values: np.ndarray
    width: int = 0  # text: the string width pyreadstat gives the variable (bytes)
    lengths: np.ndarray | None = None  # text: each value's length in bytes


def write_sav(data: pd.DataFrame, path: Path | str, **options) -> str | None:
    """Write `data` to `path` as pyreadstat.write_sav(data, path, **options) would. Returns None,
    or the reason the vectorised writer stood aside (pyreadstat then wrote the file whole)."""
    path = Path(path)
    if os.environ.get(FORCE_ENV, "").strip().lower() == "pyreadstat":
        pyreadstat.write_sav(data, str(path), **options)
        return None
    if options.get("compress") or options.get("row_compress"):
        reason = "compressed files are written by pyreadstat"
    elif len(data) == 0:  # nothing to vectorise: the header and dictionary are the whole file
        pyreadstat.write_sav(data, str(path), **options)
        return None
    else:
        try:
            return _write(data, path, options)
        except Unsupported as exc:
            reason = str(exc)
        except (OSError, MemoryError, pyreadstat.ReadstatError, pyreadstat.PyreadstatError):
            raise  # a full disk, bad arguments: what pyreadstat's whole write would meet as well
        except Exception as exc:  # a bug here: the file is pyreadstat's, and the warning says why
            reason = f"the vectorised .sav writer failed: {type(exc).__name__}: {exc}"
    pyreadstat.write_sav(data, str(path), **options)
    return reason


def _write(data: pd.DataFrame, path: Path, options: dict) -> None:
    if len(data) >= 2**31 or not data.columns.is_unique:
        raise Unsupported("more than 2³¹ rows or columns named twice")
    slots, row_bytes = layout(data, options.get("variable_value_labels") or {})
    rows, picks = template_rows(slots, len(data))
    template = pd.DataFrame({s.name: data[s.name].iloc[picks[s.name]].reset_index(drop=True) for s in slots})
    # beside the file (its device: a full disk is this file's); a killed run's is removed with the
    # temporary file it goes with (pipeline/files.atomic_path: .<name>.*.tmp)
    scratch = path.with_name(path.name + ".template.tmp")
    try:
        pyreadstat.write_sav(template, str(scratch), **options)
        raw = scratch.read_bytes()
    except pyreadstat.ReadstatError:  # "Unable to write data": judged before the template frees its blocks
        if os.statvfs(scratch.parent).f_bavail == 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path)) from None
        raise
    finally:
        scratch.unlink(missing_ok=True)
    dictionary, cases_at, oracle = split_template(raw, len(template), row_bytes)
    mine = encode(slots, picks, row_bytes)
    if mine != oracle:
        raise Unsupported("the vectorised .sav writer disagrees with ReadStat "
                          f"({_first_difference(mine, oracle, slots, row_bytes)})")
    with open(path, "wb") as fh:
        fh.write(with_cases(dictionary, cases_at, len(data)))
        step = max(1, BLOCK_BYTES // row_bytes)
        for start in range(0, len(data), step):
            fh.write(encode(slots, slice(start, start + step), row_bytes))
    with open(path, "rb") as fh:  # the sampled cases as ReadStat wrote them (the template's 1st row is mixed)
        for i, row in enumerate(rows, start=1):
            fh.seek(len(dictionary) + row * row_bytes)
            if fh.read(row_bytes) != oracle[i * row_bytes:(i + 1) * row_bytes]:
                raise Unsupported(f"case {row + 1} reads back differently from what was written")
    return None


def layout(data: pd.DataFrame, value_labels: dict) -> tuple[list[Slot], int]:
    """Each column's kind, slot in a case and values, as pyreadstat's writer decides them;
    Unsupported for a column kind this writer does not encode (pyreadstat writes the file)."""
    slots, offset = [], 0
    for name, column in data.items():
        dtype = column.dtype
        if not isinstance(name, str):
            raise Unsupported(f"column name {name!r} is not text")
        if dtype == np.float64:
            slots.append(Slot(name, "number", offset, 8, column.to_numpy(dtype=np.float64, copy=False)))
        elif isinstance(dtype, np.dtype) and dtype.kind == "M":
            unit, _ = np.datetime_data(dtype)
            if unit not in UNITS:  # pyreadstat writes datetime64[s] as 1970-01-01 (its own path)
                raise Unsupported(f"{name}: datetime64[{unit}] is written by pyreadstat")
            slots.append(Slot(name, "datetime", offset, 8, _spss_seconds(column, UNITS[unit])))
        elif dtype == object or isinstance(dtype, pd.StringDtype):
            inferred = pd.api.types.infer_dtype(column, skipna=True)
            if inferred not in ("string", "empty"):
                raise Unsupported(f"{name}: {inferred} values in a text column")
            texts = _texts(column)
            lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
            # pyreadstat: the longest value in bytes, a value label's value in characters, at least 1
            width = max(1, int(lengths.max(initial=0)), *(len(str(k)) for k in (value_labels.get(name) or {})))
            slots.append(Slot(name, "text", offset, _slot_size(width), texts, width, lengths))
        else:
            raise Unsupported(f"{name}: dtype {dtype} is written by pyreadstat")
        offset += slots[-1].size
    return slots, offset


def _slot_size(width: int) -> int:
    """Bytes of a string variable in a case (ReadStat's sav_variable_width)."""
    if width > 255:
        segments = (width + 251) // 252
        return (segments - 1) * 256 + ((width - (segments - 1) * 252) + 7) // 8 * 8
    return (width + 7) // 8 * 8


def _texts(column: pd.Series) -> np.ndarray:
    """The column's values as UTF-8 bytes (missing: empty), an object array."""
    values = column.to_numpy(dtype=object, na_value="")
    encoded = np.empty(len(values), dtype=object)
    try:
        encoded[:] = [v.encode("utf-8") for v in values]
    except UnicodeEncodeError as exc:  # a lone surrogate: pyreadstat's own error is the one to show
        raise Unsupported(f"{column.name}: {exc.reason}") from None
    return encoded


def template_rows(slots: list[Slot], n: int) -> tuple[list[int], dict[str, np.ndarray]]:
    """The sampled rows (the frame's first and last rows, rows spread over its middle) and, per
    column, the positions of its template rows: first the row of its longest text (a number: its
    first missing value, or its first value), then the sampled rows."""
    spread = np.linspace(0, n - 1, num=SAMPLE_ROWS + 2, dtype=int)[1:-1].tolist()
    rows = sorted(set(range(min(n, SAMPLE_ROWS))) | set(range(max(0, n - SAMPLE_ROWS), n)) | set(spread))
    picks = {}
    for slot in slots:
        if slot.kind == "text":
            first = int(slot.lengths.argmax())
        else:
            missing = np.isnan(slot.values)
            first = int(missing.argmax()) if missing.any() else 0
        picks[slot.name] = np.array([first, *rows])
    return rows, picks


def encode(slots: list[Slot], rows: slice | dict[str, np.ndarray], row_bytes: int) -> bytes:
    """The cases `rows` (a slice of every column, or each column's own positions), uncompressed,
    as ReadStat writes them."""
    out = None
    for slot in slots:
        take = rows if isinstance(rows, slice) else rows[slot.name]
        values = slot.values[take]
        if out is None:
            out = np.empty((len(values), row_bytes), dtype=np.uint8)
        target = out[:, slot.offset:slot.offset + slot.size]
        if slot.kind == "text":
            target[:] = _text_block(values, slot.lengths[take], slot)
        else:
            target[:] = _doubles(values).view(np.uint8).reshape(len(values), 8)
    return out.tobytes()


def _doubles(values: np.ndarray) -> np.ndarray:
    """float64 → the 8 bytes ReadStat writes: the value, or system-missing where it is NaN."""
    bits = np.ascontiguousarray(values, dtype="<f8").view("<u8").copy()
    bits[np.isnan(values)] = SYSMIS
    return bits


def _spss_seconds(column: pd.Series, ticks: int) -> np.ndarray:
    """pyreadstat's vectorized_convert_datetime_to_number: whole seconds + offset, then the fraction."""
    raw = column.to_numpy().view(np.int64)
    whole = raw // ticks + SPSS_EPOCH_SECONDS
    frac = raw % ticks
    seconds = whole.astype(np.float64) * 1 + frac.astype(np.float64) / ticks * 1
    seconds[column.isna().to_numpy()] = np.nan
    return seconds


def _text_block(texts: np.ndarray, lengths: np.ndarray, slot: Slot) -> np.ndarray:
    """UTF-8 bytes, space-padded to the slot; over 255 bytes, in 255-byte pieces, one per 256-byte segment."""
    n = len(texts)
    body = np.array(texts, dtype=f"S{slot.width}").view(np.uint8).reshape(n, slot.width)
    if (lengths != np.count_nonzero(body, axis=1)).any():  # ReadStat would cut a text at its NUL
        raise Unsupported(f"{slot.name}: a text holds a NUL character")
    body = np.where(body == 0, np.uint8(32), body)
    if slot.width <= 255:
        if slot.size == slot.width:
            return body
        block = np.full((n, slot.size), 32, dtype=np.uint8)
        block[:, :slot.width] = body
        return block
    block = np.full((n, slot.size), 32, dtype=np.uint8)
    for piece, start in enumerate(range(0, slot.width, 255)):
        stop = min(start + 255, slot.width)
        block[:, piece * 256:piece * 256 + stop - start] = body[:, start:stop]
    return block


def split_template(raw: bytes, cases: int, row_bytes: int) -> tuple[bytes, int, bytes]:
    """The template's dictionary (header to the end record), the offset of the number-of-cases
    extension record's count in it, and its cases; Unsupported where the file is not what this
    writer expects (byte order, compression, case size, counts)."""
    if raw[:4] != b"$FL2":
        raise Unsupported(f"the template starts with {raw[:4]!r}, not $FL2")
    layout_code, case_words, compression, _, ncases = struct.unpack_from("<5i", raw, 64)
    if layout_code != 2 or compression != 0:
        raise Unsupported(f"the template has layout {layout_code}, compression {compression}")
    if case_words * 8 != row_bytes or ncases != cases:
        raise Unsupported(f"the template's case is {case_words * 8} bytes ({row_bytes} expected), "
                          f"{ncases} cases ({cases} written)")
    at, variable_records, cases_at = HEADER_BYTES, 0, None
    while True:
        (kind,) = struct.unpack_from("<i", raw, at)
        if kind == 2:  # variable: type, has label, n missing, print, write, name[8]
            _, has_label, n_missing = struct.unpack_from("<3i", raw, at + 4)
            at += 32
            if has_label:
                (length,) = struct.unpack_from("<i", raw, at)
                at += 4 + (length + 3) // 4 * 4
            at += abs(n_missing) * 8
            variable_records += 1
        elif kind == 3:  # value labels, then their variables (record 4)
            (count,) = struct.unpack_from("<i", raw, at + 4)
            at += 8
            for _ in range(count):
                length = raw[at + 8]
                at += 8 + (1 + length + 7) // 8 * 8
            kind4, n_vars = struct.unpack_from("<2i", raw, at)
            if kind4 != 4:
                raise Unsupported("a value-label record without its variables")
            at += 8 + 4 * n_vars
        elif kind == 6:  # documents: lines of 80 bytes
            (lines,) = struct.unpack_from("<i", raw, at + 4)
            at += 8 + 80 * lines
        elif kind == 7:  # extension: subtype, size, count
            subtype, size, count = struct.unpack_from("<3i", raw, at + 4)
            if subtype == 16:  # number of cases: 1, then the count (64-bit)
                cases_at = at + 16 + 8
                if struct.unpack_from("<2q", raw, at + 16) != (1, cases):
                    raise Unsupported("the number-of-cases record does not hold the template's count")
            at += 16 + size * count
        elif kind == 999:
            at += 8
            break
        else:
            raise Unsupported(f"unknown record type {kind} at byte {at} of the template")
    if variable_records * 8 != row_bytes:
        raise Unsupported(f"{variable_records} variable records for a {row_bytes}-byte case")
    if cases_at is None:
        raise Unsupported("the template has no number-of-cases record")
    if len(raw) - at != cases * row_bytes:
        raise Unsupported(f"the template holds {len(raw) - at} bytes of cases, {cases * row_bytes} expected")
    return raw[:at], cases_at, raw[at:]


def with_cases(dictionary: bytes, cases_at: int, cases: int) -> bytes:
    """The dictionary with its case count set in the header and in the number-of-cases record."""
    out = bytearray(dictionary)
    struct.pack_into("<i", out, 80, cases)
    struct.pack_into("<q", out, cases_at, cases)
    return bytes(out)


def _first_difference(mine: bytes, oracle: bytes, slots: list[Slot], row_bytes: int) -> str:
    if len(mine) != len(oracle):
        return f"{len(mine)} bytes of cases against {len(oracle)}"
    at = next(i for i, (a, b) in enumerate(zip(mine, oracle)) if a != b)
    row, offset = divmod(at, row_bytes)
    name = next((s.name for s in slots if s.offset <= offset < s.offset + s.size), "?")
    return f"template row {row + 1}, variable {name}, byte {offset}"


def sample_problems(path: Path, data: pd.DataFrame, cases: int, block: int = 20) -> list[str]:
    """The written file's case count, and its first, middle and last `block` cases read back by
    pyreadstat, against the frame (texts without trailing spaces; datetimes as SPSS seconds, to the
    millisecond); one text per difference. Cheap: ReadStat seeks to a case of an uncompressed file."""
    if cases != len(data):
        return [f"{cases} cases written for {len(data)} rows"]
    numbers = [c for c, t in data.dtypes.items() if pd.api.types.is_numeric_dtype(t) or pd.api.types.is_bool_dtype(t)]
    others = [c for c in data.columns if c not in set(numbers)]
    problems = []
    for start in sorted({0, max(0, len(data) // 2 - block // 2), max(0, len(data) - block)}):
        back, _ = pyreadstat.read_sav(str(path), row_offset=start, row_limit=block, user_missing=True,
                                      disable_datetime_conversion=True)
        rows = data.iloc[start:start + block]
        if len(back) != len(rows) or list(back.columns) != list(data.columns):
            return [f"cases {start + 1}–{start + len(rows)} read back as {back.shape[0]} × {back.shape[1]}"]
        wanted = rows[numbers].astype("float64").to_numpy()
        got = back[numbers].to_numpy(dtype=np.float64)
        same = ((wanted == got) | (np.isnan(wanted) & np.isnan(got))).all(axis=0)
        differ = [c for c, ok in zip(numbers, same) if not ok] + [c for c in others if not _same_values(rows[c], back[c])]
        problems += [f"{c}: cases {start + 1}–{start + len(rows)} read back differently" for c in differ]
    return problems


def _same_values(wanted: pd.Series, got: pd.Series) -> bool:
    """A datetime or text column against the same cases read back (datetimes as SPSS seconds). A kind
    the delivery does not write (objects that are not all text) is not compared."""
    if pd.api.types.is_datetime64_any_dtype(wanted):
        if getattr(wanted.dt, "tz", None) is not None:  # pyreadstat writes the UTC time
            wanted = wanted.dt.tz_convert("UTC").dt.tz_localize(None)
        micros = wanted.to_numpy().astype("datetime64[us]").astype(np.int64)  # since 1970 (ns cannot reach 1582)
        since = np.where(wanted.isna().to_numpy(), np.nan, micros / 1e6 + GREGORIAN_TO_UNIX)
        got = got.to_numpy(dtype=np.float64)
        return bool(((np.isnan(since) & np.isnan(got)) | (np.abs(since - got) < 1e-3)).all())
    if pd.api.types.infer_dtype(wanted, skipna=True) not in ("string", "empty"):
        return True
    return _plain_texts(wanted) == _plain_texts(got)


def _plain_texts(column: pd.Series) -> list[str]:
    return [v.rstrip(" ") if isinstance(v, str) else "" for v in column.tolist()]  # missing: empty
