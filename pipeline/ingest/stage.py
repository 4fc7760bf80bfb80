"""`sid ingest`: the fieldwork exports in, work/ingested.parquet and the reconciliation out."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from pipeline import workdir
from pipeline.ingest.ingest import IngestResult, ingest
from pipeline.ingest.rosters import ingest_rosters
from pipeline.parallel.beside import beside
from pipeline.survey.project import Project
from pipeline.survey.questionnaire import Questionnaire


def run_ingest(project: Project, questionnaire: Questionnaire, progress=None) -> tuple[pd.DataFrame, IngestResult]:
    frame, result = ingest(project, questionnaire, progress)
    rosters, found = ingest_rosters(project, questionnaire, result.tables, result.reconciliation)
    if rosters or len(found):  # a form with repeats and sources with a roster_layout; else nothing changes
        result = replace(result, problems=pd.concat([result.problems, found], ignore_index=True), tables={})
    # nothing refused: the interviews written to work/ by a helper (parallel/beside.py) beside the reports
    with beside(workdir.write_parquet, frame, project.work / workdir.INGESTED, what="work/ingested.parquet"):
        _write_reports(project, result, rosters)
    return frame, result


def _write_reports(project: Project, result: IngestResult, rosters: dict[str, pd.DataFrame]) -> None:
    """The problems, the reconciliation and the rosters' rows into work/."""
    workdir.write_csv(result.problems, project.work / workdir.INGEST_PROBLEMS)
    workdir.write_csv(result.reconciliation, project.work / workdir.RECONCILIATION_INGEST)
    workdir.write_csv(result.reconciliation, project.work / workdir.RECONCILIATION)
    for name, rows in rosters.items():
        workdir.write_parquet(rows, project.work / workdir.roster_file(name))
    for stale in project.work.glob(workdir.roster_file("*")):  # of an earlier run: would be taken for this one's
        if stale.name not in {workdir.roster_file(name) for name in rosters}:
            stale.unlink()
