"""A roster's rows from the layouts the fieldwork tools export, linked to their respondent.

Three layouts (docs/sources.md, "Rosters"):
- ``odk``: ODK Central's CSV export: the main CSV plus one CSV per repeat (`<form>-<repeat>.csv`),
  each row with `KEY` (`uuid:…/group/repeat[2]`) and `PARENT_KEY` (the main record's `KEY`, or for
  a nested repeat its parent repeat row's `KEY`); the instance number is the `[n]` that ends `KEY`.
- ``kobo``: KoboToolbox's XLSX export (formpack): one sheet per repeat (or, beside a CSV main
  file, a CSV per repeat); `_index` numbers the rows of a sheet, `_parent_index` names the parent
  sheet's `_index` (a main CSV without `_index`: `_submission__uuid` names its `_uuid`); the
  instance number is the row's place among its parent's rows.
- ``wide``: one column per instance in the main file (a tablet .sav, a keyed-in workbook), named
  by the source's `roster_wide` rule: `<roster>_<n>_<variable>` by default (nested
  `<parent>_<n>_<roster>_<m>_<variable>`), or e.g. `<variable>_<n>`; an instance is there when any
  of its columns holds an answer. Its columns' value labels and user-missing values (.sav) and the
  source's recode are applied as for the main questionnaire's columns (ingest/declared.py).

Out, per level: the respondent key, the instance numbers of the enclosing rosters (outermost
first), the level's own (`<roster>_nr`, from 1), the roster's variables typed by the form, then
`_source`, `_row` (the row in the roster's file) and `_main_row` (the respondent's row in the main
file). A row whose parent is not there is excluded and listed in work/ingest_problems.csv.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from pipeline.errors import ErrorCode, SidError
from pipeline.ingest.declared import apply_declarations
from pipeline.ingest.fidelity import PROBLEM_COLUMNS, no_problems, problem_rows
from pipeline.ingest.ingest import typed_frame
from pipeline.ingest.sources import ColumnMap, RawTable, map_columns, read_table
from pipeline.parallel.beside import in_order
from pipeline.survey.project import SID_MISSING, MissingScheme, Project, Source
from pipeline.survey.questionnaire import Questionnaire
from pipeline.survey.rosters import WIDE_DEFAULT, Roster, ancestry, wide_columns, wide_pattern

LAYOUTS = ("odk", "kobo", "wide")
# The link columns of each layout: (own id, parent id) in a roster's file, and the main file's own id.
LINKS = {"odk": ("KEY", "PARENT_KEY", "KEY"), "kobo": ("_index", "_parent_index", "_index")}
PROVENANCE = ["_source", "_row", "_main_row"]
_LAST_INSTANCE = re.compile(r"\[(\d+)\]\s*$")


@dataclass(frozen=True)
class RosterRows:
    """One roster level as ingested: its frame and the problems found reading it."""

    roster: Roster
    frame: pd.DataFrame
    problems: pd.DataFrame  # PROBLEM_COLUMNS


def level_questionnaire(questionnaire: Questionnaire, roster: Roster) -> Questionnaire:
    """The roster's variables as a questionnaire, so that ingest maps and types them by the same rules."""
    return replace(questionnaire, variables=roster.variables, rosters=())


def linked_rosters(layout: str, main: pd.DataFrame, main_keys: pd.Series, tables: dict[str, RawTable],
                   questionnaire: Questionnaire, source: Source, key: str, key_case: str = "keep",
                   missing: MissingScheme = SID_MISSING, main_table: RawTable | None = None
                   ) -> dict[str, RosterRows]:
    """Every roster of the form that `tables` holds (by roster name; `wide`: read from `main`),
    parents before their children. `main` is the main file as read and `main_keys` its respondent
    keys (as typed by ingest, aligned with `main`'s rows); `source` is the main file's entry;
    `main_table` the main file as read, whose value labels and user-missing values (.sav) the wide
    columns get like the main questionnaire's columns (kobo: a main file without `_index`, a CSV
    export, links the first level by `_submission__uuid` to its `_uuid`)."""
    if layout not in LAYOUTS:
        raise ValueError(f"roster layout {layout!r} is not one of {', '.join(LAYOUTS)}")
    clash = next((r for r in questionnaire.rosters if key.lower() in (n.lower() for n in r.names)), None)
    if clash is not None:
        raise SidError(ErrorCode.CONFIG_INVALID, f"roster {clash.name!r} has a question named {key!r}, like "
                       "survey.key: its frame could not hold both", file=source.path,
                       fix="Rename the roster's question in the form (or use another survey.key).")
    by_uuid = layout == "kobo" and "_index" not in main.columns and "_uuid" in main.columns
    if layout != "wide" and LINKS[layout][2] not in main.columns and not by_uuid:
        raise SidError(ErrorCode.SOURCE_COLUMNS, f"the main file has no column {LINKS[layout][2]!r}, which the "
                       f"rows of its repeats ({layout} layout) name as their parent", file=source.path,
                       fix="Export it again with all columns, or set roster_layout for this source to what it is.")
    main = main.reset_index(drop=True)
    keys = pd.Series(main_keys).reset_index(drop=True)
    found: dict[str, RosterRows] = {}
    # the parents' ids: the main file's own id (or its row for `wide`) → respondent row, instance numbers
    parents: dict[str | None, pd.DataFrame] = {None: pd.DataFrame({
        "_id": _ids(main["_uuid" if by_uuid else LINKS[layout][2]]) if layout != "wide"
        else pd.Series(np.arange(len(main))).astype(str),
        "_main_row": np.arange(1, len(main) + 1)})}
    for roster in questionnaire.rosters:
        chain = ancestry(questionnaire.rosters, roster.name)
        if roster.parent not in parents:
            continue  # its parent level was not read: nothing to link it to
        if layout == "wide":
            rows = _wide(main, keys, chain, questionnaire, source, key, key_case, missing, main_table)
            if rows is not None:
                found[roster.name], parents[roster.name] = rows, rows.frame
            continue
        if roster.name not in tables:
            continue
        table = tables[roster.name]
        rows, own_ids = _linked(layout, table, parents[roster.parent], keys, chain, questionnaire, source, key,
                                key_case, missing, by_uuid and roster.parent is None)
        found[roster.name] = rows
        parents[roster.name] = rows.frame.assign(_id=own_ids)
    return found


def _ids(column: pd.Series) -> pd.Series:
    """Link ids as text ("3" for an _index read as 3.0 from a workbook)."""
    if pd.api.types.is_numeric_dtype(column):
        numbers = column.astype("float64")
        whole = (numbers.dropna() % 1 == 0).all()
        return (numbers.astype("Int64") if whole else numbers).astype("string").fillna("").astype(str)
    return column.astype("string").str.strip().fillna("").astype(str)


def _linked(layout: str, table: RawTable, parent: pd.DataFrame, keys: pd.Series, chain: tuple[Roster, ...],
            questionnaire: Questionnaire, source: Source, key: str, key_case: str, missing: MissingScheme,
            by_uuid: bool = False) -> tuple[RosterRows, pd.Series]:
    roster = chain[-1]
    own_column, parent_column, _ = LINKS[layout]
    if by_uuid:  # a Kobo main CSV without `_index`: its `_uuid` is the repeat rows' `_submission__uuid`
        parent_column = "_submission__uuid"
    raw = table.frame.reset_index(drop=True)
    roster_source = replace(source, name=f"{source.name}:{roster.name}", instance=None, submitted=None,
                            absent=())
    nested = any(r.parent == roster.name for r in questionnaire.rosters)
    for column in (own_column, parent_column):  # formpack writes `_index` only in a sheet with nested sheets
        if column not in raw.columns and (column != own_column or layout != "kobo" or nested):
            raise _missing_link(roster_source, table, column, layout)
    own = _ids(raw[own_column]) if own_column in raw.columns else pd.Series("", index=raw.index)
    parent_ids = _ids(raw[parent_column])
    at = pd.Series(np.arange(len(parent)), index=parent["_id"].to_numpy())
    at = at[~at.index.duplicated(keep="first")]
    position = parent_ids.map(at)
    orphan = position.isna().to_numpy()
    pos = position.fillna(0).astype(int).to_numpy()
    main_row = np.where(orphan, 0, parent["_main_row"].to_numpy()[pos])
    level = level_questionnaire(questionnaire, roster)
    columns = map_columns(list(raw.columns), level, roster_source, table.mr_sets)
    columns = ColumnMap({c: v for c, v in columns.variables.items() if v != key}, columns.options, columns.unmapped)
    with_key = raw.assign(**{key: pd.Series(keys.to_numpy()[np.maximum(main_row - 1, 0)]).where(~orphan)})
    recoding = replace(roster_source, recode=tuple((v, r) for v, r in source.recode
                                                   if v in columns.variables.values()))
    declared, said = apply_declarations(replace(table, frame=with_key), columns, level, recoding, missing, key)
    typed, problems = typed_frame(declared, columns, level, roster_source, key, key_case, missing)
    out = pd.DataFrame({key: typed[key]})
    for r in chain[:-1]:
        out[r.number_column] = np.where(orphan, 0, parent[r.number_column].to_numpy()[pos]) \
            if r.number_column in parent.columns else 0
    number = own.str.extract(_LAST_INSTANCE, expand=False) if layout == "odk" else pd.Series(np.nan, index=raw.index)
    counted = pd.Series(np.arange(len(raw)), index=raw.index).groupby(parent_ids).cumcount() + 1
    out[roster.number_column] = pd.to_numeric(number, errors="coerce").fillna(counted).astype("int64")
    for var in roster.variables:
        if var.name in typed.columns:
            out[var.name] = typed[var.name]
    out["_source"], out["_row"], out["_main_row"] = roster_source.name, np.arange(1, len(raw) + 1), main_row
    problems = [*said, problems]
    if orphan.any():
        where = f"the main file {source.path.name}" if len(chain) == 1 else f"roster {chain[-2].name!r}"
        problems.append(problem_rows(roster_source.name, orphan, parent_column, raw[parent_column],
                                     f"the {own_column} of a row of {where}", "row excluded",
                                     f"its parent is not in {where}"))
    keep = ~orphan
    frame = out[keep].reset_index(drop=True)
    for r in chain[:-1]:
        frame[r.number_column] = frame[r.number_column].astype("int64")
    return RosterRows(roster, frame, pd.concat(problems, ignore_index=True)[PROBLEM_COLUMNS]), own[keep].reset_index(
        drop=True)


def _missing_link(source: Source, table: RawTable, column: str, layout: str):
    where = f"sheet {table.sheet!r}" if table.sheet else "the file"
    return SidError(ErrorCode.SOURCE_COLUMNS,
                    f"{where} has no column {column!r}, which links a {layout} roster export to its parent",
                    file=source.path, fix="Export the data again with the repeat groups in their own files/sheets.")


def wide_column(chain: tuple[Roster, ...], variable: str, rule: str = WIDE_DEFAULT) -> re.Pattern:
    """The naming rule of the wide layout (a source's `roster_wide`, survey/rosters.py's wide_pattern)."""
    return wide_pattern(chain, variable, rule)


def _wide(main: pd.DataFrame, keys: pd.Series, chain: tuple[Roster, ...], questionnaire: Questionnaire,
          source: Source, key: str, key_case: str, missing: MissingScheme,
          main_table: RawTable | None = None) -> RosterRows | None:
    roster = chain[-1]
    wide_columns(main.columns, questionnaire, source)  # a column both main and roster: an error, not a guess
    blocks: dict[tuple[int, ...], dict[str, str]] = {}  # instance numbers → {column: variable}
    for var in roster.variables:
        pattern = wide_column(chain, var.name, source.roster_wide)
        for column in main.columns:
            match = pattern.match(str(column))
            if match:
                blocks.setdefault(tuple(int(n) for n in match.groups()), {})[column] = var.name
    if not blocks:
        return None
    level = level_questionnaire(questionnaire, roster)
    roster_source = replace(source, instance=None, submitted=None, absent=(),
                            recode=tuple((v, r) for v, r in source.recode if v in roster.names))
    labels = main_table.value_labels if main_table is not None else {}
    declared = main_table.missing if main_table is not None else {}

    def typed_block(numbers: tuple[int, ...]) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
        """One instance's columns typed as the roster's variables: its rows with an answer, and its problems."""
        columns = blocks[numbers]
        given = main[list(columns)].astype("string").apply(lambda c: c.str.strip().ne("")).fillna(False)
        there = given.any(axis=1).to_numpy()
        table = RawTable(main[list(columns)].assign(**{key: keys.to_numpy()}), None, None,
                         {c: labels[c] for c in columns if c in labels},
                         {c: declared[c] for c in columns if c in declared})
        by_instance = ColumnMap(dict(columns), {}, ())
        own = replace(roster_source, recode=tuple((v, r) for v, r in roster_source.recode if v in columns.values()))
        table, said = apply_declarations(table, by_instance, level, own, missing, key)
        typed, found = typed_frame(table, by_instance, level, roster_source, key, key_case, missing)
        problems = [found[found["row"].isin(np.flatnonzero(there) + 1)] if len(found) else found
                    for found in [*said, found]]
        block = pd.DataFrame({key: typed[key]})
        for r, n in zip(chain, numbers):
            block[r.number_column] = n
        for var in roster.variables:
            block[var.name] = typed[var.name] if var.name in typed.columns else pd.Series(
                np.nan, index=typed.index, dtype="float64" if var.kind == "numeric" else object)
        block["_source"], block["_row"] = source.name, np.arange(1, len(main) + 1)
        block["_main_row"] = block["_row"]
        return block[there], problems

    # each instance typed on its own (the same calls, in order), two at a time where a helper runs (parallel/beside.py)
    frames, problems = [], []
    for block, found in in_order(typed_block, sorted(blocks), what="the instances of a wide roster"):
        frames.append(block)
        problems.extend(found)
    frame = pd.concat(frames, ignore_index=True)
    numbers = [r.number_column for r in chain]
    frame = frame.sort_values(["_main_row", *numbers], kind="stable").reset_index(drop=True)
    if len(chain) > 1:  # a nested instance whose parent instance has no answer: its parent is missing
        frame = _drop_wide_orphans(frame, chain, main, source, problems)
    frame[numbers] = frame[numbers].astype("int64")
    return RosterRows(roster, frame, pd.concat(problems, ignore_index=True)[PROBLEM_COLUMNS]
                      if problems else no_problems())


def _drop_wide_orphans(frame: pd.DataFrame, chain: tuple[Roster, ...], main: pd.DataFrame, source: Source,
                       problems: list) -> pd.DataFrame:
    """Nested wide instances are kept when their parent instance holds an answer; the others are reported."""
    parent, numbers = chain[-2], [r.number_column for r in chain[:-1]]
    present = []  # (main row, the parent's instance numbers) of every parent instance with an answer
    for var in parent.variables:
        pattern = wide_column(chain[:-1], var.name, source.roster_wide)
        for column in main.columns:
            if (match := pattern.match(str(column))):
                filled = main[column].astype("string").str.strip().ne("").fillna(False).to_numpy(dtype=bool)
                present.append(pd.DataFrame({"_main_row": np.flatnonzero(filled) + 1, **{
                    n: int(g) for n, g in zip(numbers, match.groups())}}))
    there = (pd.concat(present, ignore_index=True).drop_duplicates() if present
             else pd.DataFrame(columns=["_main_row", *numbers]))
    merged = frame[["_main_row", *numbers]].astype("int64").merge(
        there.astype("int64"), how="left", on=["_main_row", *numbers], indicator=True)
    orphan = (merged["_merge"] == "left_only").to_numpy()
    if orphan.any():
        where = frame[orphan]
        problems.append(pd.DataFrame({
            "source": source.name, "row": where["_main_row"].to_numpy(), "column": "",
            "value": where[[r.number_column for r in chain]].astype(str).agg("/".join, axis=1).to_numpy(),
            "expected": f"an answer in its instance of roster {parent.name!r}", "action": "row excluded",
            "reason": f"an instance of {chain[-1].name!r} whose parent instance of {parent.name!r} has no answer"},
            columns=PROBLEM_COLUMNS))
    return frame[~orphan].reset_index(drop=True)


def ingest_rosters(project: Project, questionnaire: Questionnaire, tables: dict[str, RawTable],
                   reconciliation: pd.DataFrame) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """The rosters of every source with a `roster_layout`, by roster name, and the problems found.
    `tables` are those sources as read (by name), `reconciliation` what became of each of their
    records (with its key as ingest read it): a roster row follows its respondent's record, so the
    rows of a record that was merged or excluded are excluded and listed with its reason."""
    if not questionnaire.rosters:
        return {}, no_problems()
    key = project.key
    frames: dict[str, list[pd.DataFrame]] = {}
    problems: list[pd.DataFrame] = []
    for source in [s for s in project.sources if s.roster_layout]:
        main = tables[source.name]
        done = reconciliation[reconciliation["source"] == source.name].set_index("row")
        keys = pd.Series(np.arange(1, len(main.frame) + 1)).map(done["key"])
        read, missing = _roster_tables(source, questionnaire)
        problems += missing
        found = linked_rosters(source.roster_layout, main.frame, keys, read, questionnaire, source, key,
                               project.ingest.key_case, project.missing, main)
        for name, rows in found.items():
            status = rows.frame["_main_row"].map(done["status"])
            gone = (status != "kept").to_numpy()
            problems.append(rows.problems)
            if gone.any():
                lost = rows.frame[gone]
                problems.append(pd.DataFrame({
                    "source": lost["_source"], "row": lost["_row"], "column": "", "value": lost[key].astype(str),
                    "expected": "a row of a kept respondent", "action": "row excluded",
                    "reason": "its respondent's record was " + status[gone].astype(str) + " (" +
                    lost["_main_row"].map(done["reason"]).fillna("").astype(str) + ")"}, columns=PROBLEM_COLUMNS))
            frames.setdefault(name, []).append(rows.frame[~gone])
            excluded = int((rows.problems["action"] == "row excluded").sum()) + int(gone.sum())
            if name in read and len(read[name].frame) != len(rows.frame) - int(gone.sum()) + excluded:
                raise AssertionError(f"the rows of roster {name} of {source.name} are not all accounted for")  # invariant
    out = {}
    for roster in questionnaire.rosters:
        if roster.name in frames:
            numbers = [r.number_column for r in ancestry(questionnaire.rosters, roster.name)]
            out[roster.name] = pd.concat(frames[roster.name], ignore_index=True).sort_values(
                [key, *numbers], kind="stable").reset_index(drop=True)
    return out, (pd.concat(problems, ignore_index=True)[PROBLEM_COLUMNS] if problems else no_problems())


def _roster_tables(source: Source, questionnaire: Questionnaire) -> tuple[dict[str, RawTable], list[pd.DataFrame]]:
    """The roster files (odk) or sheets (kobo) of a source: the configured ones, else those named by
    the tool's default (`<main>-<roster>.csv` beside the main CSV; a sheet named after the repeat).
    A roster without its file or sheet is a problem row, not a silent absence."""
    if source.roster_layout == "wide":
        return {}, []
    if source.roster_layout == "kobo" and source.format not in ("xlsx", "csv"):
        raise SidError(ErrorCode.CONFIG_INVALID, f"roster_layout \"kobo\" of source {source.name!r} reads the "
                       f"repeats' sheets of a KoboToolbox XLSX export, or a CSV per repeat; this source is "
                       f"{source.format}", file=source.path,
                       fix="Export the data as XLSX or CSV from KoboToolbox, or set another roster_layout.")
    files, sheets = dict(source.roster_files), dict(source.roster_sheets)
    by_file = source.roster_layout == "odk" or source.format == "csv"  # kobo CSV: a CSV per repeat
    read, missing = {}, []
    for roster in questionnaire.rosters:
        if by_file:
            path = files.get(roster.name) or source.path.with_name(f"{source.path.stem}-{roster.name}.csv")
            entry = replace(source, name=f"{source.name}:{roster.name}", path=path, format="csv", sheet=None)
            there = roster.name in files or path.is_file()
        else:
            sheet = sheets.get(roster.name) or roster.name[:31]  # Excel's limit on a sheet's name
            entry = replace(source, name=f"{source.name}:{roster.name}", sheet=sheet)
            there = roster.name in sheets or sheet in _sheet_names(source.path)
        if there:
            read[roster.name] = read_table(entry)
        else:
            where = f"file {entry.path.name}" if by_file else f"sheet {entry.sheet!r}"
            missing.append(pd.DataFrame([[entry.name, 0, "", "", f"the rows of roster {roster.name!r}", "none read",
                                          f"no {where} holds them (name it in roster_files / roster_sheets)"]],
                                        columns=PROBLEM_COLUMNS))
    return read, missing


def _sheet_names(path) -> list[str]:
    import openpyxl  # imported when a workbook is read
    workbook = openpyxl.load_workbook(path, read_only=True)
    try:
        return list(workbook.sheetnames)
    finally:
        workbook.close()
