"""`sid demo`: realistic demo fieldwork generated from the form and written into raw/."""

from __future__ import annotations

from pathlib import Path

from pipeline.demo.generator import FILES, demo_fieldwork, write_fieldwork
from pipeline.errors import ErrorCode, SidError
from pipeline.survey.project import Project
from pipeline.survey.questionnaire import questionnaire_of


def make_demo(project: Project, *, sampled: int, seed: int, force: bool) -> list[Path]:
    """Write realistic demo fieldwork into raw/: sample frame, contact log, web, face-to-face and
    paper exports with planted defects, and their ground truth (demo_truth.csv)."""
    existing = [project.raw / name for name in FILES.values() if (project.raw / name).exists()]
    if existing and not force:
        raise SidError(ErrorCode.DEMO_EXISTS, "file exists; raw fieldwork data is never overwritten",
                       file=existing[0], fix="Pass --force to replace the demo files.")
    questionnaire = questionnaire_of(project)
    fieldwork = demo_fieldwork(questionnaire, sampled=sampled, seed=seed, key=project.key)
    return write_fieldwork(fieldwork, project.raw)
