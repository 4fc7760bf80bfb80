"""Ingest: read the fieldwork exports named in sid.toml into one frame typed by the form."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline.errors import SidError
from pipeline.project import Project, Source
from pipeline.questionnaire import Questionnaire

# Frozen column list of the type-problem report.
PROBLEM_COLUMNS = ["source", "row", "column", "value", "expected"]


@dataclass(frozen=True)
class SourceSummary:
    source: str
    path: Path
    rows: int
    type_problems: int


@dataclass(frozen=True)
class IngestResult:
    sources: tuple[SourceSummary, ...]
    problems: pd.DataFrame  # PROBLEM_COLUMNS: cells that did not fit the form's type
    rows: int


def read_source(source: Source) -> pd.DataFrame:
    """One export as text cells (types come from the form, not from guessing)."""
    path = source.path
    if not path.is_file():
        raise SidError("source_missing", "source file not found", file=path,
                       fix=f"Check the path of source {source.name!r} in sid.toml.")
    try:
        if source.format == "csv":
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""],
                                encoding=source.encoding or "utf-8-sig",
                                sep=source.delimiter or ",")
        elif source.format == "xlsx":
            frame = pd.read_excel(path, dtype=str, engine="openpyxl")
        elif source.format == "sav":
            import pyreadstat

            frame, _ = pyreadstat.read_sav(str(path))
        else:
            frame = pd.read_parquet(path)
    except UnicodeDecodeError as exc:
        raise SidError("source_encoding", f"cannot decode as {source.encoding or 'UTF-8'} "
                       f"(byte {exc.start})", file=path,
                       fix="Set encoding for this source in sid.toml (e.g. cp1252).") from None
    except pd.errors.EmptyDataError:
        raise SidError("source_empty", "the file is empty", file=path,
                       fix="Export the data again.") from None
    except (pd.errors.ParserError, ValueError, OSError) as exc:
        raise SidError("source_unreadable", f"cannot read as {source.format} ({' '.join(str(exc).split())})",
                       file=path, fix="Check the file and its format in sid.toml.") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    duplicated = frame.columns[frame.columns.duplicated()]
    if len(duplicated):
        raise SidError("source_columns", f"column {duplicated[0]!r} appears more than once", file=path,
                       row=1, fix="Give every column its own name.")
    return frame


def ingest(project: Project, questionnaire: Questionnaire) -> tuple[pd.DataFrame, IngestResult]:
    """All sources stacked and typed by the form; cells that do not fit become missing and are
    listed in the result's problems (nothing stops at the first bad cell)."""
    if not project.sources:
        raise SidError("config_invalid", "no [[sources]] configured", file=project.file,
                       fix="Name at least one fieldwork export under [[sources]].")
    frames, summaries, problems = [], [], []
    for source in project.sources:
        raw = read_source(source)
        if project.key not in raw.columns:
            raise SidError("source_columns", f"respondent key column {project.key!r} is missing",
                           file=source.path, row=1, fix="Check survey.key in sid.toml.")
        typed, found = _typed(raw, questionnaire, source)
        frames.append(typed)
        problems.append(found)
        summaries.append(SourceSummary(source.name, source.path, len(raw), len(found)))
    frame = pd.concat(frames, ignore_index=True)
    keys = frame[project.key]
    if keys.isna().any():
        raise SidError("key_missing", f"{int(keys.isna().sum())} record(s) without {project.key}",
                       file=project.sources[0].path, column=project.key,
                       fix="Every record needs its respondent key.")
    dup = keys[keys.duplicated()]
    if len(dup):
        raise SidError("key_duplicate", f"{len(dup)} duplicate value(s) of {project.key}, "
                       f"e.g. {dup.iloc[0]!r}", column=project.key,
                       fix="Remove double records before ingest.")
    report = pd.concat(problems, ignore_index=True) if problems else pd.DataFrame(columns=PROBLEM_COLUMNS)
    return frame, IngestResult(tuple(summaries), report[PROBLEM_COLUMNS], len(frame))


def _typed(raw: pd.DataFrame, questionnaire: Questionnaire, source: Source) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Columns converted to the form's kinds, vectorised per column."""
    out: dict[str, pd.Series] = {}
    problems = []
    for name in raw.columns:
        column = raw[name]
        if name not in questionnaire:
            out[name] = column
            continue
        kind = questionnaire[name].kind
        if kind == "numeric":
            text = column.astype("string").str.strip()
            values = pd.to_numeric(text, errors="coerce").astype("float64")
        elif kind == "datetime":
            text = column.astype("string").str.strip()
            values = pd.to_datetime(text, errors="coerce", format="ISO8601")
        else:
            text = column.astype("string").str.strip()
            values = text.mask(text == "")
            out[name] = values
            continue
        bad = text.notna() & (text != "") & values.isna()
        if bad.any():
            problems.append(pd.DataFrame({
                "source": source.name, "row": bad[bad].index + 2, "column": name,
                "value": text[bad].astype(str).to_numpy(), "expected": kind}))
        out[name] = values
    typed = pd.DataFrame(out, index=raw.index)
    found = pd.concat(problems, ignore_index=True) if problems else pd.DataFrame(columns=PROBLEM_COLUMNS)
    return typed, found
