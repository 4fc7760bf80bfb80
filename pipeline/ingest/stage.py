"""`sid ingest`: the fieldwork exports in, work/ingested.parquet and the reconciliation out."""

from __future__ import annotations

import pandas as pd

from pipeline import workdir
from pipeline.ingest.ingest import IngestResult, ingest
from pipeline.survey.project import Project
from pipeline.survey.questionnaire import Questionnaire


def run_ingest(project: Project, questionnaire: Questionnaire, progress=None) -> tuple[pd.DataFrame, IngestResult]:
    frame, result = ingest(project, questionnaire, progress)
    workdir.write_parquet(frame, project.work / workdir.INGESTED)
    workdir.write_csv(result.problems, project.work / workdir.INGEST_PROBLEMS)
    workdir.write_csv(result.reconciliation, project.work / workdir.RECONCILIATION)
    return frame, result
