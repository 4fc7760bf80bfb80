"""The chain of stages over a project folder: reads inputs, calls the pure stages, writes outputs."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from pipeline.errors import SidError
from pipeline.export import ExportResult, export
from pipeline.faults import checkpoint
from pipeline.files import atomic_path, recover_directory, replace_directory
from pipeline.ingest import IngestResult, ingest
from pipeline.project import Project
from pipeline.questionnaire import Questionnaire, load_questionnaire

INGESTED = "ingested.parquet"


CLEANED = "cleaned.parquet"


@dataclass(frozen=True)
class CleanOutcome:
    result: object  # clean.CleanResult
    validation: object  # validate.ValidationReport after cleaning


@dataclass(frozen=True)
class RunResult:
    ingest: IngestResult
    clean: CleanOutcome
    export: ExportResult

    @property
    def exit_code(self) -> int:
        return 1 if self.clean.validation.errors else 0


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


def run_clean(project: Project, questionnaire: Questionnaire, frame: pd.DataFrame | None = None,
              progress=None) -> tuple[pd.DataFrame, CleanOutcome]:
    """Clean the ingested frame, log every changed cell, record exclusions, validate again."""
    from pipeline.clean import CleanSettings, clean, load_corrections

    if frame is None:
        frame = _read_stage(project, INGESTED, "sid ingest")
    config = project.clean
    corrections = load_corrections(config.corrections, questionnaire) if config.corrections else ()
    settings = CleanSettings(
        exclude_breakoffs=config.exclude_breakoffs, exclude_speeders=config.exclude_speeders,
        speeder_ratio=config.speeder_ratio, invalid=config.invalid, routing=config.routing,
        not_asked_answered=config.not_asked_answered, derive=config.derive)
    if progress:
        progress("cleaning")
    cleaned, result = clean(frame, questionnaire, key=project.key, corrections=corrections, settings=settings)
    _write_parquet(cleaned, project.work / CLEANED)
    _write_csv(result.log, project.work / "cleaning_log_private.csv")
    _write_csv(result.excluded, project.work / "exclusions.csv")
    _update_reconciliation(project, result.excluded)
    delivered_log = result.log.copy()
    if project.privacy is not None:
        from pipeline.privacy import pseudonym_secret, pseudonymise

        delivered_log["respondent"] = pseudonymise(delivered_log["respondent"], pseudonym_secret(project.privacy))
        delivered_log.loc[delivered_log["variable"] == project.key, ["old", "new"]] = "[id]"
    _write_csv(delivered_log, project.cleaned / "cleaning_log.csv")
    if progress:
        progress("validating the cleaned data")
    report = run_validate(project, questionnaire, cleaned)
    return cleaned, CleanOutcome(result, report)


def _update_reconciliation(project: Project, excluded: pd.DataFrame) -> None:
    """Respondents taken out in cleaning become `excluded` with the reason, in the same table."""
    path = project.work / "reconciliation.csv"
    if not path.is_file():
        return
    rec = pd.read_csv(path, dtype=str, keep_default_na=False)
    reasons = dict(zip(excluded["respondent"].astype(str), excluded["reason"]))
    hit = (rec["status"] == "kept") & rec["key"].isin(reasons)
    rec.loc[hit, "reason"] = rec.loc[hit, "key"].map(reasons)
    rec.loc[hit, "status"] = "excluded"
    rec.loc[hit, "respondent"] = ""
    _write_csv(rec, path)


def delivery_frame(project: Project, frame: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """The frame as ABB may receive it: the respondent key replaced by its pseudonym."""
    if project.privacy is None:
        return frame, project.key
    from pipeline.privacy import pseudonym_secret, pseudonymise

    rid = project.privacy.respondent_id
    ids = pseudonymise(frame[project.key], pseudonym_secret(project.privacy))
    crosswalk = pd.DataFrame({rid: ids, project.key: frame[project.key]})
    _write_csv(crosswalk, project.work / "crosswalk.csv")
    out = pd.concat([pd.DataFrame({rid: ids.to_numpy()}, index=frame.index),
                     frame.drop(columns=[project.key])], axis=1)
    return out, rid


def run_export(project: Project, questionnaire: Questionnaire, frame: pd.DataFrame | None = None) -> ExportResult:
    from pipeline.privacy import scrub

    if frame is None:
        frame = _read_stage(project, CLEANED, "sid clean")
    delivered, key = delivery_frame(project, frame)
    texts = [v.name for v in questionnaire if v.type == "text" and v.name != project.key]
    delivered, scrubbed = scrub(delivered, texts)
    _write_csv(pd.DataFrame(sorted(scrubbed.items()), columns=["variable", "answers_scrubbed"]),
               project.cleaned / "pii_scrubbed.csv")
    labels = {c: f"Uit de steekproef: {c.removeprefix('steekproef_')}" for c in delivered.columns
              if c not in questionnaire and not c.startswith("_")}
    if project.privacy is not None:
        labels[key] = "Respondentnummer (pseudoniem)"
    return export(delivered, questionnaire, sav=project.sav_path, sps=project.sps_path,
                  language=project.language, key=key, title=project.title, labels=labels)


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
    if project.privacy is not None:  # the failures name respondents: only pseudonymised, scrubbed
        from pipeline.privacy import pseudonym_secret, pseudonymise, scrub

        failures = report.failures.assign(
            respondent=pseudonymise(report.failures["respondent"], pseudonym_secret(project.privacy)))
        failures, _ = scrub(failures, ["value"])
        write_report(failures, project.cleaned / "validation_failures", "failures")
    return report


def run_all(project: Project, progress=None) -> RunResult:
    """ingest → clean (validated after) → export, then the manifest of inputs and outputs.
    (Coding and weights will slot in.)"""
    from pipeline.manifest import write_manifest

    questionnaire = questionnaire_of(project)
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
    cleaned, outcome = run_clean(staged, questionnaire, frame, progress)
    checkpoint("clean")
    if progress:
        progress("writing the SPSS file")
    exported = run_export(staged, questionnaire, cleaned)
    checkpoint("export")
    write_manifest(project, stage)
    checkpoint("manifest")
    for hidden in project.cleaned.glob(".*") if project.cleaned.is_dir() else ():
        if hidden.is_file():  # e.g. .gitkeep: not ours, carried over
            shutil.copy2(hidden, stage / hidden.name)
    # One atomic exchange: cleaned/ is either the whole previous delivery or the whole new one.
    replace_directory(stage, project.cleaned)
    checkpoint("deliver")
    exported = replace(exported, sav=project.sav_path, sps=project.sps_path)
    return RunResult(ingested, outcome, exported)


def make_demo(project: Project, *, sampled: int, seed: int, force: bool) -> list[Path]:
    """Write realistic demo fieldwork into raw/: sample frame, contact log, web, face-to-face and
    paper exports with planted defects, and their ground truth (demo_truth.csv)."""
    from pipeline.fieldwork import FILES, demo_fieldwork, write_fieldwork

    existing = [project.raw / name for name in FILES.values() if (project.raw / name).exists()]
    if existing and not force:
        raise SidError("demo_exists", "file exists; raw fieldwork data is never overwritten", file=existing[0],
                       fix="Pass --force to replace the demo files.")
    questionnaire = questionnaire_of(project)
    fieldwork = demo_fieldwork(questionnaire, sampled=sampled, seed=seed, key=project.key)
    return write_fieldwork(fieldwork, project.raw)


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
