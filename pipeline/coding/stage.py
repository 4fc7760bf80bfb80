"""`sid code`: open and other-specify answers coded once per distinct text; the coders' worklist
out, a coded worklist back in (`sid code --import`)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from pipeline import workdir
from pipeline.coding.coding import CodingResult, code
from pipeline.coding.plan import plan
from pipeline.coding.worklist import ImportResult, allowed_codes, import_worklist, read_codeframes, write_worklist
from pipeline.survey.project import CodingSettings, Project
from pipeline.survey.questionnaire import Questionnaire
from pipeline.tables import headers_in, write_report


def coding_settings(project: Project) -> CodingSettings:
    """[coding] of sid.toml, or the defaults (code frames in schemas/codeframes/)."""
    return project.coding or CodingSettings(codeframes=project.root / "schemas" / "codeframes")


def run_code(project: Project, questionnaire: Questionnaire, frame: pd.DataFrame | None = None,
             progress=None) -> tuple[pd.DataFrame, CodingResult]:
    """Code open and other-specify answers (code frames, classifications, back-coding): writes
    work/coded.parquet, the coders' worklist work/coding_worklist.xlsx, the per-verbatim matches,
    the coverage and the log of back-coded cells."""
    if frame is None:
        frame = workdir.read_stage(project, workdir.INGESTED, "sid ingest")
    settings = coding_settings(project)
    targets = plan(questionnaire, settings, cache=project.work)
    frames = read_codeframes(settings.codeframes, targets)
    coded, result = code(frame, questionnaire, key=project.key, targets=targets, frames=frames,
                         threshold=settings.fuzzy_threshold, reference=settings.reference_date, progress=progress)
    workdir.write_parquet(coded, project.work / workdir.CODED)
    workdir.write_csv(result.log, project.work / workdir.CODING_LOG)
    workdir.write_csv(result.matches, project.work / workdir.CODING_MATCHES)
    write_report(result.coverage, project.work / workdir.CODING_COVERAGE, "coverage",
                 people=headers_in(project.ui_language))
    write_worklist(result.worklist, allowed_codes(targets, questionnaire.missing.labels),
                   project.work / workdir.CODING_WORKLIST)
    return coded, result


def import_coding(project: Project, questionnaire: Questionnaire, path: Path) -> ImportResult:
    """Merge a coded worklist into the code frames (all rows checked first; refused as a whole)."""
    settings = coding_settings(project)
    targets = plan(questionnaire, settings, cache=project.work)
    frames = read_codeframes(settings.codeframes, targets)
    return import_worklist(Path(path), targets, frames, settings.codeframes, date.today().isoformat())
