"""`sid code`: open and other-specify answers coded once per distinct text; the coders' worklist
out, a coded worklist back in (`sid code --import`)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pandas as pd

from pipeline import workdir
from pipeline.coding.coding import code, suggested
from pipeline.coding.plan import plan
from pipeline.coding.worklist import (
    NORMALISED,
    ImportResult,
    allowed_codes,
    import_worklist,
    read_codeframes,
    write_worklist,
)
from pipeline.parallel.beside import Job, Later, available
from pipeline.survey.project import CodingSettings, Project
from pipeline.survey.questionnaire import Questionnaire
from pipeline.tables import headers_in, write_report


def coding_settings(project: Project) -> CodingSettings:
    """[coding] of sid.toml, or the defaults (code frames in schemas/codeframes/)."""
    return project.coding or CodingSettings(codeframes=project.root / "schemas" / "codeframes")


def run_code(project: Project, questionnaire: Questionnaire, frame: pd.DataFrame | None = None,
             progress=None, later: bool = False) -> tuple:
    """Code open and other-specify answers (code frames, classifications, back-coding): writes
    work/coded.parquet, the coders' worklist work/coding_worklist.xlsx, the per-verbatim matches,
    the coverage and the log of back-coded cells. Returns the coded frame and the result; with `later`
    (`sid run`) also the job (parallel/beside.py) whose result is the result once the worklist is written:
    its suggestions (the fuzzy match of each open answer with every name of its classification, most of
    coding's time) are made, and the workbook written, by a helper beside the stages that follow, or by this
    process when the job's result is asked for where no helper runs."""
    if frame is None:
        frame = workdir.read_stage(project, workdir.INGESTED, "sid ingest")
    settings = coding_settings(project)
    targets = plan(questionnaire, settings, cache=project.work)
    frames = read_codeframes(settings.codeframes, targets)
    coded, result = code(frame, questionnaire, key=project.key, targets=targets, frames=frames,
                         threshold=settings.fuzzy_threshold, reference=settings.reference_date, progress=progress,
                         suggestions=not later)
    workdir.write_parquet(coded, project.work / workdir.CODED)
    workdir.write_csv(result.log, project.work / workdir.CODING_LOG)
    workdir.write_csv(result.matches, project.work / workdir.CODING_MATCHES)
    write_report(result.coverage, project.work / workdir.CODING_COVERAGE, "coverage",
                 people=headers_in(project.ui_language))
    target = project.work / workdir.CODING_WORKLIST
    if not later:
        write_worklist(result.worklist, allowed_codes(targets, questionnaire.missing.labels), target)
        return coded, result
    job = Job(_worklist, (result.worklist, questionnaire, targets, frames, target), {}, "the coders' worklist")
    if available():
        job.start()
    return coded, replace(result, worklist=result.worklist.drop(columns=NORMALISED)), Later(
        job, result, lambda coded, worklist: replace(coded, worklist=worklist))


def _worklist(rows: pd.DataFrame, questionnaire: Questionnaire, targets, frames, target: Path) -> pd.DataFrame:
    """The worklist's suggestions made and the workbook written (`run_code` with `later`): its rows."""
    worklist = suggested(rows, questionnaire, targets, frames)
    write_worklist(worklist, allowed_codes(targets, questionnaire.missing.labels), target)
    return worklist


def import_coding(project: Project, questionnaire: Questionnaire, path: Path) -> ImportResult:
    """Merge a coded worklist into the code frames (all rows checked first; refused as a whole)."""
    settings = coding_settings(project)
    targets = plan(questionnaire, settings, cache=project.work)
    frames = read_codeframes(settings.codeframes, targets)
    return import_worklist(Path(path), targets, frames, settings.codeframes, date.today().isoformat())
