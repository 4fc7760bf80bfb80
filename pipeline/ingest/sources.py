"""Reading fieldwork files (CSV, XLSX, SAV, Parquet) and mapping their columns to form variables."""

from __future__ import annotations

import codecs
import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.errors import ErrorCode, SidError
from pipeline.files import zip_bomb
from pipeline.ingest.doubts import utf8_doubts
from pipeline.ingest.labels import header_to_variable, label_headers, norm
from pipeline.ingest.workbook import read_xlsx
from pipeline.survey.parts import GEOPOINT_PARTS, export_names, is_rank_part
from pipeline.survey.project import Source
from pipeline.survey.questionnaire import Questionnaire

_SNIFF_BYTES = 1 << 16


@dataclass(frozen=True)
class RawTable:
    """A file as read: cells as text (or numbers/dates for SAV and Parquet), plus how it was read."""

    frame: pd.DataFrame
    encoding: str | None
    delimiter: str | None
    value_labels: dict  # SAV: variable → {code: label}
    missing: dict = field(default_factory=dict)  # SAV: variable → declared user-missing [{lo, hi}, ...]
    problems: pd.DataFrame | None = None  # XLSX: merged cells and formulas without a value (PROBLEM_COLUMNS)
    sheet: str | None = None  # XLSX: the sheet read
    mr_sets: dict = field(default_factory=dict)  # SAV: dichotomy sets → {"variables": [...], "labels": [...]}


def detect_encoding(path: Path, max_line: int | None = None) -> str:
    """BOM first; else UTF-8 if the whole file decodes; else Windows-1252 (Belgian Excel)."""
    return _scan(path, detect=True, max_line=max_line)


def _scan(path: Path, detect: bool, max_line: int | None = None) -> str | None:
    """One pass over a text file: refuse binary files (NUL bytes, outside UTF-16) and lines longer
    than `max_line` bytes and, if `detect`, find the encoding. Returns the detected encoding (None
    when not asked and no BOM says)."""
    with open(path, "rb") as fh:
        head = fh.read(4)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    bom = "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else None
    decoder = codecs.getincrementaldecoder("utf-8")() if detect and not bom else None
    utf8, offset, lines, carry = True, 0, 0, 0
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            nul = block.find(b"\x00")
            if nul >= 0:
                raise SidError(ErrorCode.SOURCE_BINARY, f"not a text file: NUL byte at byte offset {offset + nul} "
                               "(a zip, workbook, image or damaged export?)", file=path,
                               row=lines + block.count(b"\n", 0, nul) + 1,
                               fix="Export the data again as CSV, or set format for this source in sid.toml.")
            if max_line is not None:
                carry = _check_lines(path, block, lines, carry, max_line)
            lines += block.count(b"\n")
            offset += len(block)
            if decoder is not None and utf8:
                try:
                    decoder.decode(block)
                except UnicodeDecodeError:
                    utf8 = False
        if decoder is not None and utf8:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                utf8 = False
    if bom or not detect:
        return bom
    return "utf-8" if utf8 else "cp1252"


def _check_lines(path: Path, block: bytes, lines: int, carry: int, max_line: int) -> int:
    """Refuse a line longer than `max_line` bytes in `block` (`lines` lines before it, the last
    one `carry` bytes long so far); returns the length of the block's unfinished last line."""
    ends = np.flatnonzero(np.frombuffer(block, dtype=np.uint8) == 10)
    lengths = np.diff(ends, prepend=-1)
    if len(lengths):
        lengths[0] += carry
    carry = len(block) - (int(ends[-1]) + 1 if len(ends) else 0) + (0 if len(ends) else carry)
    too_long = np.flatnonzero(lengths > max_line)
    if len(too_long) or carry > max_line:
        row = lines + (int(too_long[0]) if len(too_long) else len(ends)) + 1
        raise SidError(ErrorCode.SOURCE_TOO_LARGE, f"a line longer than {max_line >> 10:,} KB (max_line_kb): not a "
                       "table of records, or a damaged export", file=path, row=row,
                       fix="Export the data again; if such long answers are right, raise max_line_kb for this "
                           "source in sid.toml.")
    return carry


def _decode_error_row(path: Path, encoding: str) -> tuple[int | None, int | None]:
    """(line, byte offset) of the first byte that does not decode, counted over the whole file."""
    decoder = codecs.getincrementaldecoder(encoding)()
    offset, lines = 0, 0
    try:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                try:
                    decoder.decode(block)
                except UnicodeDecodeError as exc:
                    start = max(exc.start, 0)
                    return lines + block.count(b"\n", 0, start) + 1, offset + start
                lines += block.count(b"\n")
                offset += len(block)
    except (LookupError, OSError):
        pass
    return None, None


def _header_duplicates(path: Path, source: Source, encoding: str | None, delimiter: str | None,
                       sheet: str | None) -> list[str]:
    """Column names given more than once in the file's header (pandas would rename them x.1)."""
    names: list = []
    try:
        if source.format == "csv":
            with open(path, encoding=encoding, errors="replace", newline="") as fh:
                lines = csv.reader(fh, delimiter=delimiter)
                names = next((line for i, line in enumerate(lines, start=1) if i == source.header_row), [])
        elif source.format == "xlsx":
            import openpyxl  # imported when a workbook is read (a reused ingest imports none of its libraries)
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
            try:
                names = next(wb[sheet].iter_rows(min_row=source.header_row, max_row=source.header_row,
                                                 values_only=True), ())
            finally:
                wb.close()
    except Exception:  # the header was read by pandas already; this is only a second look
        return []
    seen, dup = set(), []
    for name in (str(n).strip() for n in names if n is not None and str(n).strip()):
        if name in seen and name not in dup:
            dup.append(name)
        seen.add(name)
    return dup


def detect_delimiter(path: Path, encoding: str) -> str:
    with open(path, encoding=encoding, errors="replace", newline="") as fh:
        sample = fh.read(_SNIFF_BYTES)
    if not sample.strip():
        raise SidError(ErrorCode.SOURCE_EMPTY, "the file is empty", file=path, fix="Export the data again.")
    header = sample.splitlines()[0]
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        # One column, or the sniffer could not decide: the most frequent candidate in the header.
        counts = {d: header.count(d) for d in ",;\t|"}
        best = max(counts, key=counts.get)
        return best if counts[best] else ","


def _read_csv(path: Path, encoding: str, delimiter: str, header_row: int = 1) -> pd.DataFrame:
    """Every cell as text. Arrow's multi-threaded reader first (4-5× faster on wide exports,
    the same frame); anything it does not take (a quoted line break, a ragged row ...) is read
    again by pandas' C parser, which also gives the precise error with its line number."""
    options = dict(dtype=str, keep_default_na=False, na_values=[""], encoding=encoding, sep=delimiter)
    if header_row > 1:  # title lines above the header
        options["skiprows"] = header_row - 1
    try:
        return pd.read_csv(path, engine="pyarrow", **options)
    except Exception:  # noqa: BLE001 - the C parser below decides what the problem is
        return pd.read_csv(path, engine="c", **options)


def read_table(source: Source) -> RawTable:
    """Read one file; any problem is a SidError naming the file (and row where it applies)."""
    path = source.path
    if not path.is_file():
        raise SidError(ErrorCode.SOURCE_MISSING, "file not found", file=path,
                       fix=f"Check the path of {source.name!r} in sid.toml.")
    size = path.stat().st_size
    if size == 0:
        raise SidError(ErrorCode.SOURCE_EMPTY, "the file is empty", file=path, fix="Export the data again.")
    if size > source.max_size_mb << 20:
        raise SidError(ErrorCode.SOURCE_TOO_LARGE, f"the file is {size / 2**20:,.0f} MB, more than "
                       f"{source.max_size_mb:,} MB (max_size_mb)", file=path,
                       fix="Check that it is the right file; if it is, raise max_size_mb for this source in sid.toml.")
    encoding = delimiter = None
    labels: dict = {}
    max_line = source.max_line_kb << 10
    declared: dict = {}
    sheet, found, mr_sets = None, None, {}
    try:
        if source.format == "csv":
            encoding = source.encoding or detect_encoding(path, max_line)
            if source.encoding and not source.encoding.lower().replace("-", "").replace("_", "").startswith(
                    ("utf16", "utf32")):
                _scan(path, detect=False, max_line=max_line)  # a configured encoding: still refuse binary files
            delimiter = source.delimiter or detect_delimiter(path, encoding)
            frame = _read_csv(path, encoding, delimiter, source.header_row)
            if encoding == "utf-8" and not source.encoding:  # detected, without a byte-order mark
                found = utf8_doubts(frame, source.name)  # Windows-1252 that decodes as UTF-8 by chance
        elif source.format == "xlsx":
            bomb = zip_bomb(path, source.max_unpacked_mb << 20, source.max_ratio)
            if bomb:
                raise SidError(ErrorCode.SOURCE_TOO_LARGE, f"not read: {bomb}", file=path,
                               fix="Export the workbook again; if it is right, raise max_unpacked_mb or max_ratio "
                                   "for this source in sid.toml.")
            frame, sheet, found = read_xlsx(path, source.sheet, source.header_row, source.name)
        elif source.format == "sav":
            # user_missing=True: a declared missing value (-1 "weet niet") is read as the value it
            # is, not as empty; ingest maps it to the project's missing codes (ingest/declared.py).
            import pyreadstat  # (as openpyxl above)
            frame, meta = pyreadstat.read_sav(str(path), encoding=source.encoding, user_missing=True)
            labels = meta.variable_value_labels
            declared = meta.missing_ranges
            frame, mr_sets = _dichotomies(frame, meta)
        else:
            frame = pd.read_parquet(path)
    except SidError:
        raise
    except UnicodeDecodeError as exc:
        row, offset = _decode_error_row(path, encoding) if encoding else (None, None)
        raise SidError(ErrorCode.SOURCE_ENCODING, f"cannot decode as {encoding} (byte offset "
                       f"{offset if offset is not None else exc.start})", file=path, row=row,
                       fix="Set encoding for this source in sid.toml (e.g. cp1252).") from None
    except pd.errors.EmptyDataError:
        raise SidError(ErrorCode.SOURCE_EMPTY, "the file has no header row", file=path,
                       fix="Export the data again.") from None
    except pd.errors.ParserError as exc:
        match = re.search(r"line (\d+)", str(exc))
        zero_based = re.search(r"starting at row (\d+)", str(exc))  # pandas counts the header as 0
        row = int(match.group(1)) if match else int(zero_based.group(1)) + 1 if zero_based else None
        raise SidError(ErrorCode.SOURCE_UNREADABLE, f"not a consistent {source.format} table "
                       f"({' '.join(str(exc).split())})", file=path, row=row,
                       fix="Check the delimiter and quoting (set delimiter in sid.toml).") from None
    except ValueError as exc:
        raise SidError(ErrorCode.SOURCE_UNREADABLE, f"cannot read as {source.format} "
                       f"({' '.join(str(exc).split())})", file=path,
                       fix="Check the file and its format in sid.toml.") from None
    except Exception as exc:  # corrupt zip/xlsx, truncated sav, bad parquet footer
        raise SidError(ErrorCode.SOURCE_UNREADABLE, f"cannot read as {source.format} "
                       f"({type(exc).__name__}: {' '.join(str(exc).split())})", file=path,
                       fix="The file looks damaged: export it again.") from None
    if len(frame.columns) == 0:
        raise SidError(ErrorCode.SOURCE_EMPTY, "the sheet is empty" if source.format == "xlsx" else "no header row",
                       file=path, sheet=sheet,
                       fix="Export the data again.")
    frame.columns = [str(c).strip() for c in frame.columns]
    duplicated = list(frame.columns[frame.columns.duplicated()])
    if not duplicated and any(re.search(r"\.\d+$", c) for c in frame.columns):
        duplicated = _header_duplicates(path, source, encoding, delimiter, sheet)  # pandas renamed x to x.1
    if len(duplicated):
        raise SidError(ErrorCode.SOURCE_COLUMNS, f"column {duplicated[0]!r} appears more than once", file=path,
                       sheet=sheet, row=source.header_row, column=duplicated[0], fix="Give every column its own name.")
    return RawTable(frame.reset_index(drop=True), encoding, delimiter, labels, declared, found, sheet, mr_sets)


def _dichotomies(frame: pd.DataFrame, meta) -> tuple[pd.DataFrame, dict]:
    """The .sav's multiple-dichotomy sets (MRSETS /MDGROUP): their variables, with the counted
    value read as 1 (chosen) and any other value as 0, and the variables' labels."""
    found = {}
    for name, mr in (getattr(meta, "mr_sets", None) or {}).items():
        if not mr.get("is_dichotomy"):
            continue
        members = [v for v in mr["variable_list"] if v in frame.columns]
        counted = mr.get("counted_value")
        for v in members:
            if counted is not None and pd.api.types.is_numeric_dtype(frame[v]):
                frame[v] = (frame[v] == float(counted)).astype("float64").where(frame[v].notna())
        found[name] = {"variables": members, "labels": [meta.column_names_to_labels.get(v) or "" for v in members]}
    return frame, found


@dataclass(frozen=True)
class ColumnMap:
    """How a source's columns map to the form: variable columns, select_multiple option columns
    (variable, choice) and columns that are not in the form (kept as they are)."""

    variables: dict[str, str]  # source column → variable
    options: dict[str, tuple[str, str]]  # source column → (select_multiple variable, choice name)
    unmapped: tuple[str, ...]


def option_column_name(variable: str, choice: str) -> str:
    """Indicator naming used by tablets and SPSS: `q_option`, a negative code as `m1`."""
    return f"{variable}_{'m' + choice[1:] if choice.startswith('-') else choice}"


def map_columns(columns: list[str], questionnaire: Questionnaire, source: Source,
                mr_sets: dict | None = None) -> ColumnMap:
    """Group prefixes (`persoon/geboortejaar`), the rename map, case differences, question labels
    (Labels exports) and the select_multiple layouts (`group/q/option` columns, `q_option`
    indicators, or an SPSS multiple-dichotomy set named after the question)."""
    by_name = {v.name.lower(): v.name for v in questionnaire}
    for v in questionnaire:  # a geopoint's parts as KoboToolbox and ODK Central name them (survey/parts.py)
        if v.part_of is not None and not is_rank_part(v):
            by_name.update(dict.fromkeys(export_names(v.part_of[0], GEOPOINT_PARTS[v.part_of[1]]), v.name))
    multi = {v.name: v for v in questionnaire if v.type == "select_multiple"}
    indicator = {option_column_name(m, c).lower(): (m, c)
                 for m, v in multi.items() for c in v.choices.names}
    rename = dict(source.rename)
    by_label = label_headers(questionnaire)
    variables: dict[str, str] = {}
    options: dict[str, tuple[str, str]] = {}
    unmapped = []
    in_sets = _set_options(mr_sets or {}, questionnaire, source)
    for col in columns:
        if col in in_sets:
            options[col] = in_sets[col]
            continue
        if col in rename:
            target = by_name.get(rename[col].lower())
            if target is None:
                raise SidError(ErrorCode.CONFIG_INVALID, f"rename maps {col!r} to {rename[col]!r}, which is "
                               "not a variable of the form", file=source.path, column=col,
                               fix="Correct the rename entry of this source in sid.toml.")
            variables[col] = target
            continue
        parts = col.split(source.separator) if source.separator else [col]
        if source.separator != "/" and "/" in parts[-1]:  # ODK Central: persoon-talen/nl
            parts = [*parts[:-1], *parts[-1].split("/")]
        last = parts[-1].strip().lower()
        if last in by_name:
            variables[col] = by_name[last]
        elif len(parts) >= 2 and parts[-2].strip() in multi and parts[-1].strip() in multi[parts[-2].strip()].choices.names:
            options[col] = (parts[-2].strip(), parts[-1].strip())
        elif last in indicator:
            options[col] = indicator[last]
        else:  # a Labels export: the header is the question's label (or question/option labels)
            variable, option = header_to_variable(col, source.separator, by_label, questionnaire)
            if variable is not None:
                variables[col] = variable
            elif option is not None:
                options[col] = option
            else:
                unmapped.append(col)
    taken: dict[str, str] = {}
    for col, var in variables.items():
        if var in taken:
            raise SidError(ErrorCode.SOURCE_COLUMNS, f"columns {taken[var]!r} and {col!r} both map to "
                           f"variable {var!r}", file=source.path, row=1,
                           fix="Drop one of them or add a rename entry in sid.toml.")
        taken[var] = col
    return ColumnMap(variables, options, tuple(unmapped))


# Option-column cells and what they say: 0/1 (Kobo, SPSS), True/False (legacy KoboCAT exports),
# 1/empty (ODK Central, which writes nothing for an option not chosen).
_CHOSEN = {"1": 1.0, "0": 0.0, "true": 1.0, "false": 0.0, "1.0": 1.0, "0.0": 0.0}


def _set_options(mr_sets: dict, questionnaire: Questionnaire, source: Source) -> dict[str, tuple[str, str]]:
    """Each variable of a dichotomy set named after a select_multiple → (question, choice): the
    choice whose label (any language) is the variable's label, or its part after the last ":",
    or whose name ends the variable's name. A variable that matches no choice, or two, is an error:
    mapping by position would be a guess."""
    found = {}
    for name, mr in mr_sets.items():
        var = next((v for v in questionnaire if v.name.lower() == name.lower() and v.type == "select_multiple"), None)
        if var is None or var.choices is None:
            continue
        for col, label in zip(mr["variables"], mr["labels"]):
            wanted = {norm(label), norm(label.rsplit(":", 1)[-1])} - {""}
            hits = [c.name for c in var.choices.choices
                    if wanted & {norm(t) for t in c.labels.values()}
                    or col.lower() == option_column_name(var.name, c.name).lower()]
            if len(hits) != 1:
                raise SidError(ErrorCode.SOURCE_COLUMNS, f"multiple-response set ${name}: variable {col!r} "
                               f"(label {label!r}) matches {'no choice' if not hits else 'several choices'} of "
                               f"{var.name!r}", file=source.path, column=col,
                               fix="Give each variable of the set the label of its choice (as in the form), or "
                               f"name it {option_column_name(var.name, var.choices.names[0])} and so on.")
            found[col] = (var.name, hits[0])
    return found


def assemble_multiple(frame: pd.DataFrame, columns: list[tuple[str, str]]) -> tuple[pd.Series, dict[str, np.ndarray]]:
    """Space-separated choice names from option columns, in the order given; all-missing → NaN.
    Also, per option column, the cells that are neither chosen nor not chosen (then not counted)."""
    text = pd.Series("", index=frame.index, dtype=object)
    seen = pd.Series(False, index=frame.index)
    unreadable = {}
    for col, choice in columns:
        column = frame[col]
        if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
            values = column.astype("float64")
            bad = values.notna() & ~values.isin([0.0, 1.0])
        else:
            cells = column.astype("string").str.strip().str.lower()
            values = cells.map(_CHOSEN).astype("float64")
            bad = cells.notna() & (cells != "") & values.isna()
        values = values.where(~bad)
        if bad.any():
            unreadable[col] = bad.to_numpy(dtype=bool)
        seen |= values.notna()
        text = text + np.where(values.to_numpy() == 1, choice + " ", "")
    return text.str.rstrip().where(seen).astype(object), unreadable
