"""The chain of stages over a project folder: reads inputs, calls the pure stages, writes outputs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline.errors import SidError
from pipeline.export import ExportResult, export
from pipeline.files import atomic_path
from pipeline.ingest import IngestResult, ingest
from pipeline.project import Project
from pipeline.questionnaire import Questionnaire, load_questionnaire

INGESTED = "ingested.parquet"


@dataclass(frozen=True)
class RunResult:
    ingest: IngestResult
    export: ExportResult


def questionnaire_of(project: Project) -> Questionnaire:
    questionnaire = load_questionnaire(project.form, project.missing)
    questionnaire.language(project.language)  # fail early on a label language the form lacks
    return questionnaire


def run_ingest(project: Project, questionnaire: Questionnaire, progress=None) -> tuple[pd.DataFrame, IngestResult]:
    frame, result = ingest(project, questionnaire, progress)
    _write_parquet(frame, project.work / INGESTED)
    _write_csv(result.problems, project.work / "ingest_problems.csv")
    _write_csv(result.reconciliation, project.work / "reconciliation.csv")
    return frame, result


def run_export(project: Project, questionnaire: Questionnaire, frame: pd.DataFrame | None = None) -> ExportResult:
    if frame is None:
        frame = _read_stage(project, INGESTED, "sid ingest")
    return export(frame, questionnaire, sav=project.sav_path, sps=project.sps_path,
                  language=project.language, key=project.key, title=project.title)


def run_validate(project: Project, questionnaire: Questionnaire, frame: pd.DataFrame | None = None):
    """Validate the last stage's frame; the report goes to work/ (failures name respondents) and
    its per-rule summary also to cleaned/."""
    from pipeline.reports import write_report
    from pipeline.validate import QualitySettings, load_rules, validate

    if frame is None:
        frame = _read_stage(project, INGESTED, "sid ingest")
    settings = project.validate
    rules = load_rules(settings.rules, questionnaire) if settings.rules else ()
    quality = QualitySettings(settings.speeder_ratio, int(settings.straightline_min_items),
                              settings.max_item_nonresponse, settings.max_dont_know)
    report = validate(frame, questionnaire, key=project.key, rules=rules, quality=quality,
                      accepted=dict(settings.accept))
    write_report(report.failures, project.work / "validation_failures", "failures")
    write_report(report.summary, project.work / "validation_summary", "summary")
    write_report(report.quality, project.work / "quality", "quality")
    write_report(report.summary, project.cleaned / "validation_summary", "summary")
    return report


def run_all(project: Project, progress=None) -> RunResult:
    """ingest → export. Later stages (code, validate, clean, weight) slot in between."""
    questionnaire = questionnaire_of(project)
    frame, ingested = run_ingest(project, questionnaire, progress)
    if progress:
        progress("writing the SPSS file")
    exported = run_export(project, questionnaire, frame)
    return RunResult(ingested, exported)


def make_demo(project: Project, *, respondents: int, seed: int, force: bool) -> Path:
    """Write clean demo answers to the project's first source (a CSV in raw/)."""
    if not project.sources or project.sources[0].format != "csv":
        raise SidError("config_invalid", "the demo writes the first [[sources]] entry, which must be a CSV",
                       file=project.file)
    target = project.sources[0].path
    if target.exists() and not force:
        raise SidError("demo_exists", "file exists; raw fieldwork data is never overwritten", file=target,
                       fix="Pass --force to replace this demo file.")
    from pipeline.demo import demo_responses

    questionnaire = questionnaire_of(project)
    frame = demo_responses(questionnaire, respondents=respondents, seed=seed, key=project.key)
    _write_csv(frame, target, date_format="%Y-%m-%dT%H:%M:%S")
    return target


def _read_stage(project: Project, name: str, producer: str) -> pd.DataFrame:
    path = project.work / name
    if not path.is_file():
        raise SidError("stage_missing", "the previous stage's output is missing", file=path,
                       fix=f"Run `{producer}` first (or `sid run`).")
    return pd.read_parquet(path)


def _write_parquet(frame: pd.DataFrame, target: Path) -> None:
    with atomic_path(target) as tmp:
        frame.to_parquet(tmp, index=False)


def _write_csv(frame: pd.DataFrame, target: Path, **options) -> None:
    with atomic_path(target) as tmp:
        frame.to_csv(tmp, index=False, lineterminator="\n", **options)
