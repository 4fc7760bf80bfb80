"""Ingest: every fieldwork record in, typed by the form, duplicates resolved, and accounted for."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from pipeline.errors import ErrorCode, SidError
from pipeline.files import release_memory
from pipeline.ingest.columns import TypedColumns
from pipeline.ingest.dates import datetimes, in_ns
from pipeline.ingest.declared import apply_declarations
from pipeline.ingest.fidelity import (
    PROBLEM_COLUMNS,
    SET_MISSING,
    arrow_numbers,
    no_problems,
    parse_numbers,
    problem_rows,
    repeated_header_rows,
)
from pipeline.ingest.keys import key_matches, nearest_key_problems, normalise_keys, normalised_key_problems
from pipeline.ingest.labels import labels_named
from pipeline.ingest.sources import ColumnMap, RawTable, assemble_multiple, map_columns, read_table
from pipeline.ingest.structure import (
    METADATA,
    refuse_missing_key,
    refuse_missing_questions,
    refuse_misspelt,
    refuse_same_file,
)
from pipeline.parallel.beside import in_order
from pipeline.survey.expressions import ExpressionError, evaluate
from pipeline.survey.parts import is_rank_part, split_geopoint
from pipeline.survey.project import SID_MISSING, MissingScheme, Project, Source
from pipeline.survey.questionnaire import Questionnaire
from pipeline.survey.rosters import wide_columns

# The form types a respondent key may have (a number or a code typed in); any other question
# (a choice, a date, a calculate) holds answers that respondents share.
KEY_TYPES = ("text", "integer", "barcode")
RECONCILIATION_COLUMNS = ["source", "row", "record", "key", "status", "respondent", "reason"]
PROVENANCE = ["_source", "_row", "_record", "_mode", "_submitted", "_complete"]
STATUSES = ("kept", "merged", "excluded")
SAMPLE_PREFIX = "steekproef_"  # sample-frame columns whose name an answer already has


class Reason:
    """Stable reason codes in the reconciliation table."""

    NO_KEY = "no_key"
    TEST = "test_interview"
    NOT_IN_SAMPLE = "not_in_sample"
    DOUBLE = "double_submission"
    CROSS_MODE = "duplicate_cross_mode"
    HEADER = "repeated_header"
    REJECTED = "rejected_in_review"  # ODK Central ReviewState = rejected
    NOT_APPROVED = "not_approved"  # KoboToolbox _validation_status = validation_status_not_approved


# Columns in which the data platforms record a reviewer's verdict, and the verdicts that exclude.
REVIEW_COLUMNS = {"ReviewState": ({"rejected"}, Reason.REJECTED),
                  "_validation_status": ({"validation_status_not_approved", "not approved"}, Reason.NOT_APPROVED)}


@dataclass(frozen=True)
class SourceSummary:
    source: str
    path: Path
    rows: int
    kept: int
    merged: int
    excluded: int
    problems: int  # rows of work/ingest_problems.csv
    encoding: str | None
    delimiter: str | None
    unmapped: tuple[str, ...]


@dataclass(frozen=True)
class IngestResult:
    sources: tuple[SourceSummary, ...]
    problems: pd.DataFrame  # PROBLEM_COLUMNS: cells that did not arrive as written, and why
    reconciliation: pd.DataFrame  # RECONCILIATION_COLUMNS: one row per raw record
    complete_if: str
    # the sources as read, by name, for the rosters they hold (ingest/rosters.py): only those with a roster_layout
    tables: dict = field(default_factory=dict, repr=False)

    @property
    def rows(self) -> int:
        return int((self.reconciliation["status"] == "kept").sum())


def ingest(project: Project, questionnaire: Questionnaire,
           progress: Callable[[str], None] | None = None) -> tuple[pd.DataFrame, IngestResult]:
    """All sources read, mapped and typed; test interviews and records outside the sample excluded;
    duplicates resolved by the documented rule; the sample frame joined (without identifiers)."""
    if not project.sources:
        raise SidError(ErrorCode.CONFIG_INVALID, "no [[sources]] configured", file=project.file,
                       fix="Name at least one fieldwork export under [[sources]].")
    key = project.key
    if key in questionnaire and questionnaire[key].type not in KEY_TYPES:  # answers are not identities
        raise SidError(ErrorCode.CONFIG_INVALID, f"survey.key {key!r} is a question of type "
                       f"{questionnaire[key].type} in the form, not a respondent number: respondents with "
                       "the same answer would be merged", file=project.file,
                       fix="Set survey.key to the column that identifies the respondent (e.g. sample_id).")
    refuse_same_file(project)
    frames, problems, tables, rows, orders, headers = [], [], {}, {}, [], []
    announce = (lambda item: progress(f"reading {item[1].path.name}", item[0], len(project.sources))) if progress \
        else None
    # each source read and typed on its own, two at a time where a second core is usable (parallel/beside.py)
    read = in_order(partial(_source_read, questionnaire=questionnaire, project=project), enumerate(project.sources),
                    what="a fieldwork export", announce=announce)
    for order, (source, (typed, header, found, count, table)) in enumerate(zip(project.sources, read)):
        frames.append(typed)
        orders.append(np.full(len(typed), order, dtype="int64"))
        headers.append(header)
        problems.extend(found)
        rows[source.name] = count
        tables[source.name] = table
    del read, typed
    refuse_missing_questions(tables, questionnaire, project)
    if progress:
        progress("resolving duplicates")
    records = pd.concat(frames, ignore_index=True)
    frames.clear()  # the typed sources are in `records` now (peak memory)
    records["_order"] = np.concatenate(orders)
    records["_header"] = np.concatenate(headers)
    if records.empty:
        one = len(project.sources) == 1
        raise SidError(ErrorCode.SOURCE_EMPTY, "no records: the export has a header but no rows" if one else
                       "no records in any source", file=project.sources[0].path if one else project.file,
                       fix="Export the data again once interviews are in.")
    for var in questionnaire:  # an optional question no source has: asked of no one, all missing
        if var.type not in METADATA and var.name not in records.columns:
            records[var.name] = pd.Series(np.nan, index=records.index, dtype={
                "numeric": "float64", "datetime": "datetime64[ns]"}.get(var.kind, object))
    complete_if = project.ingest.complete_if or default_complete_if(questionnaire, key)
    try:
        records["_complete"] = evaluate(complete_if, records.reindex(
            columns=list(dict.fromkeys([*questionnaire.names, *records.columns]))))
    except ExpressionError as exc:
        raise SidError(ErrorCode.CONFIG_INVALID, f"ingest.complete_if: {exc}", file=project.file) from None
    status, respondent, reason = resolve(records, project, questionnaire)
    header = records.pop("_header").to_numpy(dtype=bool)
    status[header], respondent[header], reason[header] = "excluded", "", Reason.HEADER
    outside = reason == Reason.NOT_IN_SAMPLE
    if outside.any():
        key_columns = {s.name: next((c for c, v in tables[s.name][1].variables.items() if v == key), key)
                       for s in project.sources}
        problems.append(nearest_key_problems(records, outside, _sample(project)[project.sample.key], key,
                                             key_columns))
    reconciliation = pd.DataFrame({
        "source": records["_source"], "row": records["_row"], "record": records["_record"],
        "key": records[key], "status": status, "respondent": respondent, "reason": reason,
    })[RECONCILIATION_COLUMNS]
    # the kept records in the key's order (a stable sort), the form's columns first: one copy, not one each for the
    # selection, the columns and the sort (0.3 s at 100,000 × 500); a sample frame's design columns joined first
    kept = np.flatnonzero(status == "kept")
    taken = kept[records[key].iloc[kept].reset_index(drop=True).sort_values(kind="stable").index.to_numpy()]
    if project.sample is None:
        frame = records.iloc[taken, records.columns.get_indexer(_placed(records.columns, key, questionnaire))]
    else:
        frame = join_sample(records.iloc[taken], project)
        frame = frame[_placed(frame.columns, key, questionnaire)]
    del records  # (peak memory)
    frame = frame.reset_index(drop=True)
    summaries = []
    for source in project.sources:
        rec = reconciliation[reconciliation["source"] == source.name]
        table, columns = tables[source.name]
        counts = rec["status"].value_counts()
        summary = SourceSummary(
            source.name, source.path, rows[source.name], int(counts.get("kept", 0)),
            int(counts.get("merged", 0)), int(counts.get("excluded", 0)),
            int(sum(len(p[p["source"] == source.name]) for p in problems)),
            table.encoding, table.delimiter, columns.unmapped)
        if summary.rows != summary.kept + summary.merged + summary.excluded:
            raise AssertionError(f"reconciliation lost records of {source.name}")  # invariant
        summaries.append(summary)
    report = pd.concat(problems, ignore_index=True)[PROBLEM_COLUMNS]
    with_rosters = {s.name: tables[s.name][0] for s in project.sources if s.roster_layout and questionnaire.rosters}
    return frame, IngestResult(tuple(summaries), report, reconciliation.reset_index(drop=True), complete_if,
                               with_rosters)


def _source_read(item: tuple[int, Source], questionnaire: Questionnaire, project: Project) -> tuple:
    """One source read, mapped and typed: (typed frame, repeated-header mask, problem tables, raw row count,
    (the raw table, emptied unless a roster layout reads it again; its column map))."""
    key, problems = project.key, []
    table = read_table(item[1])
    source, table = _key_renamed(item[1], table, key, questionnaire)
    columns = map_columns(list(table.frame.columns), questionnaire, source, table.mr_sets)
    if source.roster_layout == "wide" and questionnaire.rosters:  # a roster's instances: not unmapped
        wide = wide_columns(table.frame.columns, questionnaire, source)
        columns = replace(columns, unmapped=tuple(c for c in columns.unmapped if c not in wide))
    refuse_misspelt(columns, questionnaire, source, table.frame)
    refuse_missing_key(table, columns, source, key)
    if table.problems is not None:
        problems.append(table.problems)
    header = repeated_header_rows(table.frame)
    if header.any():  # not a record: its cells are not answers, the line is excluded as what it is
        table = replace(table, frame=table.frame.mask(pd.Series(header, index=table.frame.index), axis=0))
        problems.append(problem_rows(source.name, header, "", "(the header)", "a record", "record excluded",
                                     "the header line repeated inside the data (concatenated exports?)"))
    if table.frame.empty:
        problems.append(pd.DataFrame([[source.name, 0, "", "", "records", "none read",
                                       "the export has a header but no rows"]], columns=PROBLEM_COLUMNS))
    table, declared = apply_declarations(table, columns, questionnaire, source, project.missing, key)
    typed, found = typed_frame(table, columns, questionnaire, source, key, project.ingest.key_case, project.missing)
    count = len(table.frame)
    # the raw cells are typed now: only a roster layout reads them again (peak memory)
    kept = (table if source.roster_layout else replace(table, frame=table.frame.iloc[:0].copy()),
            columns)  # (a copy: an empty view would hold the raw cells)
    del table
    release_memory()  # the raw cells' memory, kept by Arrow's pool and malloc: back to the system (peak memory)
    return typed, header, [*problems, *declared, found], count, kept


def _key_renamed(source: Source, table: RawTable, key: str, questionnaire: Questionnaire
                 ) -> tuple[Source, RawTable]:
    """A rename entry that names the respondent key, when the key is no question of the form (a
    sample number the export adds): the column is renamed here, the rest of the map applies as usual."""
    named = [col for col, target in source.rename if target == key and col in table.frame.columns]
    if key in questionnaire or not named:
        return source, table
    frame = table.frame.rename(columns={named[0]: key})
    rename = tuple((col, target) for col, target in source.rename if col != named[0])
    return replace(source, rename=rename), replace(table, frame=frame)


def _geopoint_column(raw: pd.DataFrame, question: str, source: Source) -> str | None:
    """The column holding geopoint `question` as one text ('50.85 4.35 12.0 5.0'), if the export has one."""
    for col in raw.columns:
        last = str(col).split(source.separator)[-1] if source.separator else str(col)
        if last.strip().lower() == question.lower():
            return col
    return None


def default_complete_if(questionnaire: Questionnaire, key: str) -> str:
    """Complete = the last required question that everyone is asked has an answer; without one,
    the form's `end` (the moment the form app finalised the interview) is filled; else every record."""
    last = [v for v in questionnaire if v.required and not v.routing and v.name != key
            and v.type not in ("calculate", "start", "end", "today")]
    if last:
        return f"${{{last[-1].name}}} != ''"
    end = next((v for v in questionnaire if v.type == "end"), None)
    return f"${{{end.name}}} != ''" if end is not None else "true()"


def typed_frame(table: RawTable, columns: ColumnMap, questionnaire: Questionnaire, source: Source,
                key: str, key_case: str = "keep", project_missing: MissingScheme = SID_MISSING
                ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The source's columns as form variables, converted to the form's kinds (vectorised per
    column); cells that do not convert become missing and are listed as problems."""
    raw = table.frame
    out = TypedColumns(raw.index, sum(var.kind == "numeric" for var in questionnaire) + 1)
    problems = []
    by_var = {var: col for col, var in columns.variables.items()}
    options: dict[str, list[tuple[str, str]]] = {}
    for col, (var, choice) in columns.options.items():
        options.setdefault(var, []).append((col, choice))
    for var in questionnaire:
        name = var.name
        if name in by_var:
            column = raw[by_var[name]]
        elif name in options:
            order = {c: i for i, c in enumerate(var.choices.names)}
            column, unreadable = assemble_multiple(raw, sorted(options[name], key=lambda oc: order[oc[1]]))
            for col, bad in unreadable.items():
                problems.append(problem_rows(source.name, bad, col, raw[col], "1 or 0 (chosen or not)", "not counted",
                                             "an option column holds neither 1/0 nor True/False"))
        elif var.part_of is not None and (combined := _geopoint_column(raw, var.part_of[0], source)) is not None:
            column = raw[combined].map(lambda text, i=var.part_of[1]: split_geopoint(text, i))  # 'lat lon alt acc'
            if is_rank_part(var) and var.part_of[1] == 0:  # a ranked list longer than the choices: said, not hidden
                longer = (raw[combined].astype("string").str.split().str.len() > len(var.choices.names)).fillna(False)
                if longer.any():
                    problems.append(problem_rows(source.name, longer.to_numpy(), combined, raw[combined],
                                                 f"at most {len(var.choices.names)} ranked choices",
                                                 "the positions after the last choice are not kept",
                                                 "the ranked list holds more items than the question has choices"))
        elif name in source.absent:  # this mode does not ask it: "niet van toepassing" for its records
            na = project_missing.code("not_applicable")
            out[name] = pd.Series(float(na) if var.kind == "numeric" else str(na) if var.choices else np.nan,
                                  index=raw.index, dtype="float64" if var.kind == "numeric" else object)
            continue
        else:
            continue
        if var.type in ("select_one", "select_multiple"):
            column, label_action, label_reason = labels_named(column, var)
            told = label_action.notna().to_numpy() if label_action is not None else None
            if told is not None and told.any():
                problems.append(problem_rows(source.name, told, by_var.get(name, name), raw[by_var[name]]
                                             if name in by_var else column, var.kind, label_action, label_reason))
        values, action, reason = _converted(column, var, source)
        if var.type in ("select_one", "select_multiple") and var.kind != "numeric":
            values = _names_from_codes(values, var)
        told = action.notna().to_numpy() if action is not None else None
        if told is not None and told.any():
            problems.append(problem_rows(source.name, told, by_var.get(name, name), column, var.kind, action, reason))
        out[name] = values
    if key not in out:
        out[key] = raw[key].astype("string").str.strip()
    # Columns that are not in the form (platform metadata) stay in the raw file and are listed in
    # the summary; the record id is kept as _record.
    key_column = by_var.get(key, key)
    out[key] = normalise_keys(out[key], key_case)
    problems.append(normalised_key_problems(raw[key_column], out[key], source.name, key_column))
    provenance = pd.DataFrame(index=raw.index)
    provenance["_source"] = source.name
    provenance["_row"] = np.arange(1, len(raw) + 1)
    provenance["_record"] = (raw[source.instance].astype(str) if source.instance in raw.columns
                             else source.name + ":" + provenance["_row"].astype(str))
    provenance["_mode"] = source.mode or ""
    provenance["_review"] = ""
    for column, (verdicts, reason) in REVIEW_COLUMNS.items():
        if column in raw.columns:
            said = raw[column].astype("string").str.strip().str.casefold()
            provenance["_review"] = provenance["_review"].mask(said.isin(verdicts).fillna(False).to_numpy(), reason)
    provenance["_submitted"] = (datetimes(raw[source.submitted].astype("string"), source.dayfirst)
                                if source.submitted in raw.columns else pd.NaT)
    frame = pd.concat([out.frame(), provenance], axis=1)
    found = pd.concat(problems, ignore_index=True) if problems else no_problems()
    return frame, found


def _convert(column: pd.Series, var, source: Source) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(values, action, reason): the column in the variable's kind; action and reason say what
    was done to each cell that did not arrive as written (NA for the others)."""
    values, action, reason = _converted(column, var, source)
    if action is None:
        action = reason = pd.Series(pd.NA, index=column.index, dtype=object)
    return values, action, reason


def _converted(column: pd.Series, var, source: Source) -> tuple[pd.Series, pd.Series | None, pd.Series | None]:
    """`_convert` with None for action and reason when every cell arrived as written (no all-NA
    columns built and searched for the 500 columns of a wide export)."""
    if var.kind == "numeric":
        if pd.api.types.is_numeric_dtype(column):
            return column.astype("float64"), None, None
        if var.type == "calculate":  # a true/false calculate: the form app stores the words (XPath string())
            column = column.astype("string").str.strip().replace({"true": "1", "false": "0"})
        whole = var.type in ("integer", "select_one")
        # A whole number written "2.500" casts to 2.5: only the careful path sees the ambiguity
        # ("5.0", as a float export writes a code, is no such cell: the fast path takes it).
        fast = arrow_numbers(column, whole) if source.decimal == "." else None
        if fast is not None:
            return fast, None, None
        return parse_numbers(column, source.decimal, whole)
    if var.kind == "datetime":
        if pd.api.types.is_datetime64_any_dtype(column):
            values = in_ns(column)  # a SAV/Parquet date before 1677 or after 2262: missing, reported
            bad = column.notna() & values.isna()
        else:
            text = column.astype("string").str.strip()
            values = datetimes(text, source.dayfirst)
            bad = (text.notna() & (text != "") & values.isna()).fillna(False).astype(bool)
        if not bad.any():
            return values, None, None
        untold = pd.Series(pd.NA, index=column.index, dtype=object)
        return values, untold.mask(bad, SET_MISSING), untold.mask(bad, "not a date or time")
    if pd.api.types.is_numeric_dtype(column):  # e.g. a SAV string question stored as numbers
        text = column.astype("string").str.replace(r"\.0$", "", regex=True)
    else:
        text = column.astype("string").str.strip()
    values = text.mask(text == "").astype(object).where(text.notna() & (text != ""), np.nan)
    return values, None, None


def _names_from_codes(values: pd.Series, var) -> pd.Series:
    """Keyed paper data and SPSS exports may hold the numeric codes of a list whose choice names
    are text (countries 1 = BE ...): map each code back to its name, per distinct value."""
    names = set(var.choices.names)
    by_code = {str(code): name for name, code in var.choices.codes.items()}
    uniques = pd.unique(values.dropna())
    mapping = {}
    for u in uniques:
        tokens = str(u).split()
        if tokens and not set(tokens) <= names and all(t in by_code for t in tokens):
            mapping[u] = " ".join(by_code[t] for t in tokens)
    return values.replace(mapping) if mapping else values


def resolve(records: pd.DataFrame, project: Project, questionnaire: Questionnaire
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Status (kept/merged/excluded), the respondent a record counts as, and the reason.

    Rule for several records of one respondent: a complete interview beats an incomplete one;
    then the one with more answers; then the mode earlier in ingest.mode_priority; then the
    first submission (a resent copy is the duplicate); then the source order in sid.toml and the row order.
    """
    key = project.key
    n = len(records)
    status = np.full(n, "kept", dtype=object)
    reason = np.full(n, "", dtype=object)
    keys = records[key]
    no_key = keys.isna() | (keys.astype(str).str.strip() == "")
    status[no_key.to_numpy()] = "excluded"
    reason[no_key.to_numpy()] = Reason.NO_KEY
    test = ~no_key & key_matches(project.ingest.test_key_pattern, keys)
    status[test.to_numpy()] = "excluded"
    reason[test.to_numpy()] = Reason.TEST
    if "_review" in records.columns:  # a reviewer rejected it on the platform: never a candidate
        review = records["_review"].fillna("").to_numpy(dtype=object)
        rejected = (status == "kept") & (review != "")
        status[rejected], reason[rejected] = "excluded", review[rejected]
    if project.sample is not None:
        sample_keys = _sample(project)[project.sample.key]
        outside = (status == "kept") & ~keys.isin(set(sample_keys)).to_numpy()
        status[outside] = "excluded"
        reason[outside] = Reason.NOT_IN_SAMPLE
    respondent = np.where(status == "kept", keys.astype(object), "")

    form_vars = [v for v in questionnaire.names if v in records.columns and v != key]
    answered = records[form_vars].notna().sum(axis=1)
    priority = {m: i for i, m in enumerate(project.ingest.mode_priority)}
    # the columns the rule reads (not a copy of every answer)
    candidates = records[list(dict.fromkeys([key, "_complete", "_submitted", "_order", "_row", "_source"]))].assign(
        _answered=answered,
        _rank=records["_mode"].map(priority).fillna(len(priority)),
        _kept=status == "kept",
    )[lambda f: f["_kept"]]
    ordered = candidates.sort_values(
        [key, "_complete", "_answered", "_rank", "_submitted", "_order", "_row"],
        ascending=[True, False, False, True, True, True, True], na_position="last", kind="stable")
    loser = ordered[key].duplicated(keep="first")
    winners = ordered[~loser].set_index(key)
    losers = ordered[loser]
    idx = losers.index.to_numpy()
    status[idx] = "merged"
    respondent[idx] = losers[key].to_numpy()
    same_mode = losers["_source"].to_numpy() == winners.loc[losers[key], "_source"].to_numpy()
    reason[idx] = np.where(same_mode, Reason.DOUBLE, Reason.CROSS_MODE)
    return status, respondent, reason


def _sample(project: Project) -> pd.DataFrame:
    sample = project.sample
    table = read_table(sample.source).frame
    if sample.key not in table.columns:
        raise SidError(ErrorCode.SOURCE_COLUMNS, f"sample key column {sample.key!r} is missing",
                       file=sample.source.path, row=1, fix="Check sample.key in sid.toml.")
    table[sample.key] = normalise_keys(table[sample.key].astype(str), project.ingest.key_case)
    dup = table[sample.key][table[sample.key].duplicated()]
    if len(dup):
        raise SidError(ErrorCode.KEY_DUPLICATE, f"{len(dup)} duplicate value(s) of {sample.key} in the sample, "
                       f"e.g. {dup.iloc[0]!r}", file=sample.source.path, column=sample.key,
                       fix="Keep one row per sampled person in the sample frame.")
    return table


def _placed(columns, key: str, questionnaire: Questionnaire) -> list:
    """The interviews' columns in order: the key, the form's, the others, provenance last."""
    ordered = [c for c in dict.fromkeys([key, *questionnaire.names]) if c in columns]
    return ordered + [c for c in columns if c not in ordered and c not in PROVENANCE
                      and c not in ("_order", "_review")] + PROVENANCE


def join_sample(kept: pd.DataFrame, project: Project) -> pd.DataFrame:
    """Add the sample frame's design columns (stratum, municipality, ...); identifiers stay out.
    Columns that clash with answers are prefixed `steekproef_`."""
    if project.sample is None:
        return kept
    sample = project.sample
    table = _sample(project)
    design = [c for c in table.columns if c not in sample.identifiers and c != sample.key]
    renamed = {c: (f"{SAMPLE_PREFIX}{c}" if c in kept.columns else c) for c in design}
    design_frame = table[[sample.key, *design]].rename(columns=renamed)
    design_frame = design_frame.rename(columns={sample.key: project.key})
    merged = kept.merge(design_frame, on=project.key, how="left", validate="one_to_one")
    merged.index = kept.index
    return merged
