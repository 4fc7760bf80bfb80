"""`sid clean`: corrections, invalid codes, routing codes and exclusions on the coded (or
ingested) frame; the cell-level log (private in work/, pseudonymised and scrubbed in cleaned/),
then validation again."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from pipeline import workdir
from pipeline.cleaning.clean import CleanResult, clean, load_corrections
from pipeline.coding.plan import coded_columns
from pipeline.coding.stage import coding_settings
from pipeline.privacy import delivery_privacy, scrub_cells
from pipeline.rerun.records import current_artifact
from pipeline.survey.project import Project
from pipeline.survey.questionnaire import Questionnaire
from pipeline.tables import excel_safe
from pipeline.validation.stage import run_validate
from pipeline.validation.validate import ValidationReport


@dataclass(frozen=True)
class CleanOutcome:
    result: CleanResult
    validation: ValidationReport | None  # of the cleaned data


def check_corrections(project: Project, questionnaire: Questionnaire) -> None:
    """The correction rules read and checked against the form (a SidError if one cannot hold)."""
    if project.clean.corrections:
        load_corrections(project.clean.corrections, questionnaire, project.key)


def run_clean(project: Project, questionnaire: Questionnaire, frame: pd.DataFrame | None = None,
              progress=None, validated: bool = True) -> tuple[pd.DataFrame, CleanOutcome]:
    """Clean the ingested frame, log every changed cell, record exclusions, validate again (unless
    not `validated`: `sid run` validates as a stage of its own, rerun alone when only the rules change;
    the outcome's validation is then None)."""
    delivery_privacy(project)  # no key, no cleaned/cleaning_log.csv: refuse before anything is written
    if frame is None:
        frame = workdir.read_stage(project, current_artifact(project, "code", "ingest"), "sid ingest")
    settings = project.clean
    corrections = load_corrections(settings.corrections, questionnaire, project.key) if settings.corrections else ()
    if progress:
        progress("cleaning")
    coded = coded_columns(questionnaire, coding_settings(project))
    cleaned, result = clean(frame, questionnaire, key=project.key, corrections=corrections, settings=settings,
                            coded=coded)
    workdir.write_parquet(cleaned, project.work / workdir.CLEANED)
    workdir.write_csv(result.log, project.work / workdir.CLEANING_LOG_PRIVATE)
    workdir.write_csv(result.excluded, project.work / workdir.EXCLUSIONS)
    _update_reconciliation(project, result.excluded)
    workdir.write_csv(delivered_log(project, result.log), project.cleaned / workdir.CLEANING_LOG)
    if not validated:
        return cleaned, CleanOutcome(result, None)
    if progress:
        progress("validating the cleaned data")
    report = run_validate(project, questionnaire, cleaned)
    return cleaned, CleanOutcome(result, report)


def delivered_log(project: Project, log: pd.DataFrame) -> pd.DataFrame:
    """The cleaning log as ABB receives it: pseudonymous respondents, the key's own changes shown
    as [id], no personal data in old/new (text or numbers), no text that Excel would run as a formula."""
    privacy = delivery_privacy(project)
    out = log.copy()
    out["respondent"] = privacy.ids(out["respondent"])
    if privacy.pseudonymised:
        out.loc[out["variable"] == project.key, ["old", "new"]] = "[id]"
    return excel_safe(scrub_cells(out, ["old", "new"]))


def _update_reconciliation(project: Project, excluded: pd.DataFrame) -> None:
    """Respondents taken out in cleaning become `excluded` with the reason, in the same table."""
    path = project.work / workdir.RECONCILIATION
    source = project.work / workdir.RECONCILIATION_INGEST  # ingest's: not an earlier cleaning's exclusions
    source = source if source.is_file() else path
    if not source.is_file():
        return
    rec = pd.read_csv(source, dtype=str, keep_default_na=False)
    reasons = dict(zip(excluded["respondent"].astype(str), excluded["reason"]))
    hit = (rec["status"] == "kept") & rec["key"].isin(reasons)
    rec.loc[hit, "reason"] = rec.loc[hit, "key"].map(reasons)
    rec.loc[hit, "status"] = "excluded"
    rec.loc[hit, "respondent"] = ""
    workdir.write_csv(rec, path)
