"""`sid ingest`: the fieldwork exports in, work/ingested.parquet and the reconciliation out."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from pipeline import workdir
from pipeline.ingest.ingest import IngestResult, ingest
from pipeline.ingest.rosters import ingest_rosters
from pipeline.parallel.beside import Job, Later, available
from pipeline.survey.project import Project
from pipeline.survey.questionnaire import Questionnaire


def run_ingest(project: Project, questionnaire: Questionnaire, progress=None, later: bool = False) -> tuple:
    """The fieldwork exports read, checked and combined: work/ingested.parquet, the rosters, the problems and
    the reconciliation. Returns the interviews and the result; with `later` (`sid run`, where a helper runs)
    also the job (parallel/beside.py `Later`) still writing work/ingested.parquet beside the next stage: the
    stage is recorded once it is written (rerun/records.py)."""
    frame, result = ingest(project, questionnaire, progress)
    rosters, found = ingest_rosters(project, questionnaire, result.tables, result.reconciliation)
    if rosters or len(found):  # a form with repeats and sources with a roster_layout; else nothing changes
        result = replace(result, problems=pd.concat([result.problems, found], ignore_index=True), tables={})
    # nothing refused (a roster's missing link refuses the whole ingest): the interviews written to work/ by a
    # helper (parallel/beside.py) beside the reports (and, with `later`, beside the next stage)
    job = Job(workdir.write_parquet, (frame, project.work / workdir.INGESTED), {}, "work/ingested.parquet")
    if available():
        job.start()
    try:
        _write_reports(project, result, rosters)
    except BaseException:
        job.stop()
        raise
    if later and job.running:
        return frame, result, Later(job, result, soon=True)
    job.result()
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
