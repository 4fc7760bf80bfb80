"""Checks of a source's structure before its values are read: the key and required columns are
there, headers are not misspelt, no export is listed twice."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.errors import ErrorCode, SidError
from pipeline.files import sha256
from pipeline.ingest.sources import ColumnMap, RawTable, option_column_name
from pipeline.survey.project import Project, Source
from pipeline.survey.questionnaire import Questionnaire

METADATA = ("calculate", "start", "end", "today", "deviceid", "username")


def refuse_misspelt(columns: ColumnMap, questionnaire: Questionnaire, source: Source,
                    frame: pd.DataFrame | None = None) -> None:
    """A column that is not in the form but is one or two letters away from a question this source
    has no column for is a misspelt header: an error, not a column silently left out. The rename
    it suggests is one that gives the right data: a 0/1 column near a select_multiple is one of
    its option columns, never the answer itself."""
    from rapidfuzz.distance import Levenshtein  # imported when columns are judged, not with ingest's results

    have = set(columns.variables.values()) | {var for var, _ in columns.options.values()}
    wanted = {v.name.lower(): v.name for v in questionnaire if v.name not in have}
    for col in columns.unmapped:
        last = (col.split(source.separator)[-1] if source.separator else col).strip().lower()
        if len(last) < 4 or last.startswith(("_", "unnamed:")) or last in _wholes(questionnaire):
            continue  # a geopoint's or a rank's own column: ingest splits it into the parts
        for lower, name in wanted.items():
            if len(lower) >= 4 and Levenshtein.distance(last, lower) <= (1 if len(lower) <= 6 else 2):
                var = questionnaire[name]
                if var.type == "select_multiple" and frame is not None and _dichotomy(frame[col]):
                    options = ", ".join(option_column_name(name, c) for c in var.choices.names)
                    raise SidError(ErrorCode.SOURCE_COLUMNS, f"column {col!r} is not in the form: it holds 0/1 "
                                   f"like one option of the select_multiple {name!r}", file=source.path, row=1,
                                   column=col, fix=f"Name the option columns after their choices ({options}), "
                                   "or declare them as a multiple-response set (MRSETS) in the .sav.")
                raise SidError(ErrorCode.SOURCE_COLUMNS, f"column {col!r} is not in the form (did you mean "
                               f"{name!r}?)", file=source.path, row=1, column=col,
                               fix=f'Correct the header, or add rename = {{ "{col}" = "{name}" }} to this '
                               "source in sid.toml.")


def _wholes(questionnaire: Questionnaire) -> set[str]:
    """The questions delivered as parts (a geopoint, a rank), lower case."""
    return {v.part_of[0].lower() for v in questionnaire if v.part_of is not None}


def _dichotomy(column: pd.Series) -> bool:
    """Only 0, 1 (or True/False) and empty cells."""
    cells = column.dropna().astype(str).str.strip().str.lower()
    return bool(len(cells)) and cells.isin(["0", "1", "0.0", "1.0", "true", "false", ""]).all()


def _header_line(frame: pd.DataFrame, names: set[str]) -> int | None:
    """The 1-based line below the header on which a cell names the key: the real header, when
    title lines stand above it."""
    top = frame.head(20)
    for i, (_, row) in enumerate(top.iterrows(), start=1):  # 20 lines at most, not the respondents
        if any(str(v).strip().lower() in names for v in row.to_numpy() if isinstance(v, str)):
            return i
    return None


def refuse_missing_questions(tables: dict, questionnaire: Questionnaire, project: Project) -> None:
    """A required question with no column in a source would be delivered as -9 for that source's
    respondents: an error naming the source, unless the source lists it under `absent`."""
    one = len(project.sources) == 1
    for source in project.sources:
        _, columns = tables[source.name]
        have = set(columns.variables.values()) | {var for var, _ in columns.options.values()}
        whole = {(c.split(source.separator)[-1] if source.separator else c).strip().lower() for c in columns.unmapped}
        have |= {v.name for v in questionnaire if v.part_of is not None and v.part_of[0].lower() in whole}
        for name in source.absent:
            if name not in questionnaire:
                raise SidError(ErrorCode.CONFIG_INVALID, f"absent names {name!r}, which is not a variable of the "
                               "form", file=project.file, fix=f"Correct absent of source {source.name!r} in sid.toml.")
        for v in questionnaire:
            if (v.required and v.type not in METADATA and v.name not in have and v.name != project.key
                    and v.name not in source.absent):
                where = "" if one else f" in source {source.name!r}"
                raise SidError(ErrorCode.SOURCE_COLUMNS, f"required question {v.name!r} has no column{where}",
                               file=source.path, row=1,
                               fix="Export the data again with every question, map its column with rename, or, if "
                               f"this mode does not ask it, add absent = [\"{v.name}\"] to this source in sid.toml.")


def refuse_same_file(project: Project) -> None:
    """The same export listed twice (by path, or a copy with the same bytes) would be merged as
    double submissions: an error. Only files of equal size are hashed."""
    by_path: dict[Path, str] = {}
    by_size: dict[int, list[tuple[Path, str]]] = {}
    for source in project.sources:
        path = source.path.resolve()
        if path in by_path:
            raise _twice(by_path[path], source, "")
        by_path[path] = source.name
        if path.is_file():
            by_size.setdefault(path.stat().st_size, []).append((path, source.name))
    for same in (group for group in by_size.values() if len(group) > 1):
        seen: dict[str, str] = {}
        for path, name in same:
            if _header_only(path):
                continue  # two exports with no records yet are alike, not the same
            digest = sha256(path)
            if digest in seen:
                raise _twice(seen[digest], next(s for s in project.sources if s.name == name), " (identical content)")
            seen[digest] = name


def _header_only(path: Path) -> bool:
    """A text file of one line (a header with no rows), read only when small."""
    if path.stat().st_size > 1 << 16:
        return False
    return b"\n" not in path.read_bytes().strip()


def _twice(first: str, source: Source, how: str) -> SidError:
    return SidError(ErrorCode.SOURCE_TWICE, f"sources {first!r} and {source.name!r} are the same file{how}",
                    file=source.path, fix="Remove one of the two [[sources]] tables in sid.toml.")


def refuse_missing_key(table: RawTable, columns: ColumnMap, source: Source, key: str) -> None:
    """A source without the respondent key column: an error that says why when it can (the header
    read as one column, or title lines above the header)."""
    if key not in columns.variables.values() and key not in table.frame.columns:
        found = list(table.frame.columns)
        if len(found) == 1 and any(d in found[0] for d in ",;\t|"):
            raise SidError(ErrorCode.SOURCE_COLUMNS, f"respondent key column {key!r} is missing: the header "
                           f"was read as one column with delimiter {table.delimiter!r}",
                           file=source.path, row=1,
                           fix="Check the delimiter of this source in sid.toml (or leave it out).")
        names = {key.lower(), *(col.lower() for col, var in source.rename if var == key)}
        line = _header_line(table.frame, names)
        if line is not None:
            raise SidError(ErrorCode.SOURCE_COLUMNS, f"the header is not on line {source.header_row}: the "
                           f"respondent key column {key!r} is named on line {source.header_row + line} "
                           "(title lines above the header?)", file=source.path, sheet=table.sheet,
                           row=source.header_row + line,
                           fix=f"Set header_row = {source.header_row + line} for this source in sid.toml.")
        raise SidError(ErrorCode.SOURCE_COLUMNS, f"respondent key column {key!r} is missing", file=source.path,
                       sheet=table.sheet, row=source.header_row,
                       fix="Map it with rename in sid.toml, or check survey.key.")
