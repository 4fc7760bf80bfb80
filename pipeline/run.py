"""`sid run`: the stages chained over a project folder, the delivery staged beside cleaned/ and
swapped in as a whole. Each stage's own work/ I/O is in its folder's `stage.py`."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, replace

from pipeline.cleaning.stage import CleanOutcome, check_corrections, run_clean
from pipeline.coding.coding import CodingResult
from pipeline.coding.stage import run_code
from pipeline.delivery.export import ExportResult
from pipeline.delivery.manifest import write_manifest
from pipeline.delivery.stage import run_export
from pipeline.faults import checkpoint
from pipeline.fieldwork.stage import FieldworkReport, run_report
from pipeline.files import recover_directory, replace_directory
from pipeline.ingest.ingest import IngestResult
from pipeline.ingest.stage import run_ingest
from pipeline.privacy import delivery_privacy
from pipeline.survey.project import Project
from pipeline.survey.questionnaire import questionnaire_of
from pipeline.weighting.stage import run_weight
from pipeline.weighting.weights import WeightResult


@dataclass(frozen=True)
class RunResult:
    ingest: IngestResult
    clean: CleanOutcome
    export: ExportResult
    weight: WeightResult | None = None  # when [weight] is configured
    fieldwork: FieldworkReport | None = None  # when [fieldwork] is configured
    coding: CodingResult | None = None  # when [coding] is configured

    @property
    def exit_code(self) -> int:
        return 1 if self.clean.validation.errors else 0


def run_all(project: Project, progress=None) -> RunResult:
    """ingest → code → clean (validated after) → weight → fieldwork report → export, then the
    manifest of inputs and outputs; the delivery is swapped into cleaned/ as a whole."""
    questionnaire = questionnaire_of(project)
    delivery_privacy(project)  # no key, no delivery: refuse before anything is written
    check_corrections(project, questionnaire)  # a rule that cannot hold stops the run before any stage
    # The whole delivery is staged beside cleaned/ (same file system) and swapped in only when
    # every file is written: a run that fails or is killed leaves the previous delivery as it was.
    recover_directory(project.cleaned)
    stage = project.cleaned.with_name(f".{project.cleaned.name}.partial")
    if stage.exists():
        shutil.rmtree(stage)
    stage.mkdir(parents=True)
    staged = replace(project, cleaned=stage)
    frame, ingested = run_ingest(staged, questionnaire, progress)
    checkpoint("ingest")
    coded = None
    if project.coding is not None:
        frame, coded = run_code(staged, questionnaire, frame, progress)
        checkpoint("code")
    cleaned, outcome = run_clean(staged, questionnaire, frame, progress)
    checkpoint("clean")
    weighted = fieldwork = None
    if project.weight is not None:  # weights, then the fieldwork report (agency's and delivery's)
        _say(progress, "weighting")
        cleaned, weighted = run_weight(staged, questionnaire, cleaned)
        checkpoint("weight")
    if project.fieldwork is not None:
        _say(progress, "fieldwork report")
        fieldwork = run_report(staged, questionnaire, interviews=frame, deliver=True)
        checkpoint("report")
    del frame  # the interviews before cleaning are not needed any more (peak memory of the export)
    _say(progress, "writing the SPSS file")
    exported = run_export(staged, questionnaire, cleaned)
    checkpoint("export")
    write_manifest(project, stage)
    checkpoint("manifest")
    for hidden in project.cleaned.glob(".*") if project.cleaned.is_dir() else ():
        if hidden.is_file() and not hidden.name.endswith(".tmp"):  # e.g. .gitkeep: not ours, carried over
            shutil.copy2(hidden, stage / hidden.name)
    # One atomic exchange: cleaned/ is either the whole previous delivery or the whole new one.
    replace_directory(stage, project.cleaned)
    checkpoint("deliver")
    exported = replace(exported, sav=project.sav_path, sps=project.sps_path)
    if fieldwork is not None:
        fieldwork = replace(fieldwork, delivered=project.cleaned / fieldwork.delivered.name)
    return RunResult(ingested, outcome, exported, weighted, fieldwork, coded)


def _say(progress, step: str) -> None:
    if progress:
        progress(step)
