"""The files the stages leave in work/ (private) and cleaned/ (the delivery), and how they are
read and written: every name is typed here once, every write is atomic (pipeline.files)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from pipeline.errors import ErrorCode, SidError
from pipeline.files import atomic_path
from pipeline.survey.project import Project

# pyxform's conversion of the form, kept by its checksum (pipeline.survey.converted)
FORM_CACHE = "questionnaire_converted.json"

# Stage artifacts in work/: the frame each stage hands to the next.
INGESTED = "ingested.parquet"
CODED = "coded.parquet"
CLEANED = "cleaned.parquet"
WEIGHTED = "weighted.parquet"

# Ingest
INGEST_PROBLEMS = "ingest_problems.csv"
RECONCILIATION = "reconciliation.csv"  # as cleaning leaves it (its exclusions added)
RECONCILIATION_INGEST = "reconciliation_ingest.csv"  # as ingest made it: what cleaning starts from


def roster_file(roster: str) -> str:
    """A roster's rows as ingested (pipeline.ingest.rosters): roster_<name>.parquet."""
    return f"roster_{roster}.parquet"


def cleaned_roster_file(roster: str) -> str:
    """A roster's rows as cleaned (pipeline.cleaning.rosters): cleaned_roster_<name>.parquet, the
    ingested roster's columns."""
    return f"cleaned_roster_{roster}.parquet"


# Coding
CODING_LOG = "coding_log.csv"
CODING_MATCHES = "coding_matches.csv"
CODING_COVERAGE = "coding_coverage"  # .csv and .xlsx
CODING_WORKLIST = "coding_worklist.xlsx"
# Cleaning
CLEANING_LOG_PRIVATE = "cleaning_log_private.csv"  # work/: raw keys and unscrubbed values
CLEANING_LOG = "cleaning_log.csv"  # cleaned/: pseudonymised and scrubbed
EXCLUSIONS = "exclusions.csv"
ROSTER_EXCLUSIONS = "roster_exclusions.csv"  # roster rows taken out with their excluded respondent
# Validation (work/ and, pseudonymised, cleaned/)
VALIDATION_FAILURES = "validation_failures"
VALIDATION_SUMMARY = "validation_summary"
QUALITY = "quality"
# Weights
WEIGHTS = "weights.csv"
WEIGHT_REPORTS = {"diagnostics": "weging_diagnostiek", "margins": "weging_marges",
                  "convergence": "weging_convergentie"}  # work/fieldwork/ and cleaned/, .csv and .xlsx
# Fieldwork: work/fieldwork/ holds the tables (private: sample ids, interviewers)
FIELDWORK = "fieldwork"
FIELDWORK_REPORT = "fieldwork_report.html"
OUTSIDE_SAMPLE = "buiten_steekproef.csv"
FIELDWORK_RATES = "fieldwork_respons"  # cleaned/, .csv and .xlsx
FIELDWORK_PROGRESS = "fieldwork_voortgang"  # cleaned/, .csv and .xlsx
# Delivery
TABLES = "tabellen"  # work/ (sid report tables) and cleaned/ (sid run with [tables]): .html and .xlsx
DELIVERY_PARTS = "delivery"  # work/delivery/: what single stages would deliver, until `sid export` takes it
CROSSWALK = "crosswalk.csv"  # work/: pseudonym → respondent key
PII_SCRUBBED = "pii_scrubbed.csv"


def fieldwork_dir(project: Project) -> Path:
    return project.work / FIELDWORK


def read_stage(project: Project, name: str, producer: str) -> pd.DataFrame:
    """A previous stage's frame from work/, or a clear error naming the command that makes it."""
    path = project.work / name
    if not path.is_file():
        raise SidError(ErrorCode.STAGE_MISSING, "the previous stage's output is missing", file=path,
                       fix=f"Run `{producer}` first (or `sid run`).")
    return pd.read_parquet(path)


def newest(project: Project, *names: str) -> str:
    """Of the artifacts `names` (in order of preference), the one written last: e.g. the coded
    frame when `sid code` ran after the last `sid ingest`, else the ingested one."""
    present = [(project.work / name).stat().st_mtime if (project.work / name).is_file() else None
               for name in names]
    best = names[-1]
    best_time = None
    for name, mtime in zip(names, present):
        if mtime is not None and (best_time is None or mtime > best_time):
            best, best_time = name, mtime
    return best


def write_parquet(frame: pd.DataFrame, target: Path) -> None:
    with atomic_path(target) as tmp:
        frame.to_parquet(tmp, index=False)


def write_csv(frame: pd.DataFrame, target: Path, **options) -> None:
    """UTF-8 CSV, written by Arrow's CSV writer when the frame is all text (the big logs: several
    times faster than pandas), else by pandas; the same file either way."""
    with atomic_path(target) as tmp:
        if not options and len(frame) > 10_000 and all(_is_text(frame[c]) for c in frame.columns):
            try:  # a categorical of texts goes as it is: Arrow writes its texts (not one per cell in memory)
                table = pa.Table.from_pandas(frame.astype({c: "string" for c in frame.columns if not isinstance(
                    frame[c].dtype, pd.CategoricalDtype)}), preserve_index=False)
                pacsv.write_csv(table, tmp, pacsv.WriteOptions(quoting_style="needed"))
                return
            except (pa.ArrowInvalid, pa.ArrowTypeError, ValueError):
                pass  # e.g. a column of mixed types: pandas below
        frame.to_csv(tmp, index=False, lineterminator="\n", **options)


def _is_text(column: pd.Series) -> bool:
    """Text, or a categorical of texts."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return pd.api.types.is_string_dtype(column.dtype.categories)
    return pd.api.types.is_string_dtype(column)
