"""`sid clean`: corrections, invalid codes, routing codes and exclusions on the coded (or
ingested) frame; the cell-level log (private in work/, pseudonymised and scrubbed in cleaned/),
then validation again."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from pipeline import workdir
from pipeline.cleaning.clean import CleanResult, clean, concat_logs, load_corrections
from pipeline.cleaning.rosters import RosterCleanResult, clean_rosters
from pipeline.parallel.beside import beside
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
    validation: ValidationReport | None  # of the cleaned data (None: validation runs as a stage of its own)
    rosters: RosterCleanResult | None = None  # the rosters' cleaning (its log is in result.log too)


def check_corrections(project: Project, questionnaire: Questionnaire) -> None:
    """The correction rules read and checked against the form (a SidError if one cannot hold)."""
    if project.clean.corrections:
        load_corrections(project.clean.corrections, questionnaire, project.key)


def run_clean(project: Project, questionnaire: Questionnaire,
              frame: pd.DataFrame | Callable[[], pd.DataFrame] | None = None,
              progress=None, validated: bool = True) -> tuple[pd.DataFrame, CleanOutcome]:
    """Clean the ingested frame, log every changed cell, record exclusions, validate again (unless
    not `validated`: `sid run` validates as a stage of its own, rerun alone when only the rules change;
    the outcome's validation is then None). `frame` handed over as a function that gives it: not
    held here, so the interviews before cleaning go once cleaning has taken out the excluded."""
    delivery_privacy(project)  # no key, no cleaned/cleaning_log.csv: refuse before anything is written
    if frame is None:
        def frame():  # read when cleaning starts, held by cleaning alone
            return workdir.read_stage(project, current_artifact(project, "code", "ingest"), "sid ingest")
    settings = project.clean
    corrections = load_corrections(settings.corrections, questionnaire, project.key) if settings.corrections else ()
    if progress:
        progress("cleaning")
    from pipeline.coding.plan import coded_columns  # coding's libraries only when cleaning runs
    from pipeline.coding.stage import coding_settings  # (as above)

    coded = coded_columns(questionnaire, coding_settings(project))
    cleaned, result = clean(frame, questionnaire, key=project.key, corrections=corrections, settings=settings,
                            coded=coded)
    rosters = _clean_rosters(project, questionnaire, cleaned, result, corrections)
    if rosters is not None:
        result = replace(result, log=concat_logs([result.log, rosters.log]))
    # the cleaned interviews and the private log written to work/ by a helper (parallel/beside.py) while the
    # delivered log is made and written here
    with beside(_write_work, cleaned, result.log, project.work, what="work/cleaned.parquet and the cleaning log"):
        workdir.write_csv(result.excluded, project.work / workdir.EXCLUSIONS)
        _update_reconciliation(project, result.excluded)
        workdir.write_csv(delivered_log(project, result.log), project.cleaned / workdir.CLEANING_LOG)
    if not validated:
        return cleaned, CleanOutcome(result, None, rosters)
    if progress:
        progress("validating the cleaned data")
    report = run_validate(project, questionnaire, cleaned, rosters.frames if rosters is not None else {})
    return cleaned, CleanOutcome(result, report, rosters)


def _write_work(cleaned: pd.DataFrame, log: pd.DataFrame, work) -> None:
    workdir.write_parquet(cleaned, work / workdir.CLEANED)
    workdir.write_csv(log, work / workdir.CLEANING_LOG_PRIVATE)


def cleaned_rosters(project: Project, questionnaire: Questionnaire) -> dict[str, pd.DataFrame]:
    """The rosters cleaning left in work/ (work/cleaned_roster_<name>.parquet), by name: what
    validation of the cleaned data checks beside the cleaned main frame."""
    return {r.name: pd.read_parquet(project.work / workdir.cleaned_roster_file(r.name)) for r in questionnaire.rosters
            if (project.work / workdir.cleaned_roster_file(r.name)).is_file()}


def roster_frames(project: Project, questionnaire: Questionnaire) -> dict[str, pd.DataFrame]:
    """The rosters ingest left in work/, by name: none for a form without repeats or a project
    whose sources have no roster_layout."""
    return {r.name: pd.read_parquet(project.work / workdir.roster_file(r.name)) for r in questionnaire.rosters
            if (project.work / workdir.roster_file(r.name)).is_file()}


def _clean_rosters(project: Project, questionnaire: Questionnaire, cleaned: pd.DataFrame,
                   result: CleanResult, corrections=()) -> RosterCleanResult | None:
    """Each roster ingested cleaned per instance (cleaning/rosters.py) into work/cleaned_roster_<name>.parquet;
    the rows of excluded respondents listed in work/roster_exclusions.csv."""
    frames = roster_frames(project, questionnaire)
    for stale in project.work.glob(workdir.cleaned_roster_file("*")):  # of an earlier run
        if stale.name not in {workdir.cleaned_roster_file(n) for n in frames}:
            stale.unlink()
    if not frames:
        return None
    out = clean_rosters(cleaned, frames, questionnaire, key=project.key, settings=project.clean,
                        excluded=result.excluded, corrections=corrections)
    for name, frame in out.frames.items():
        workdir.write_parquet(frame, project.work / workdir.cleaned_roster_file(name))
    workdir.write_csv(out.removed, project.work / workdir.ROSTER_EXCLUSIONS)
    return out


def delivered_log(project: Project, log: pd.DataFrame) -> pd.DataFrame:
    """The cleaning log as ABB receives it: pseudonymous respondents, the key's own changes shown
    as [id], no personal data in old/new (text or numbers), no text that Excel would run as a formula.

    Every one of these is a function of the cell's text alone, so each column's distinct texts are
    judged once and the column is rebuilt from them (a log of millions of cells holds a few thousand
    distinct texts per column: the routing's -3 and -9, the variables' names, the respondents).
    Its columns are categoricals of text."""
    privacy = delivery_privacy(project)
    out = {}
    for col in log.columns:
        codes, texts = _distinct(log[col])
        if col in ("old", "new") and privacy.pseudonymised:
            key_rows = (log["variable"] == project.key).to_numpy()
            if key_rows.any():  # (codes are this loop's own)
                codes[key_rows] = len(texts)
                texts = pd.concat([texts, pd.Series(["[id]"], dtype=texts.dtype)], ignore_index=True)
        texts = texts.to_frame(col)
        if col == "respondent":
            texts[col] = privacy.ids(texts[col])
        if col in ("old", "new"):
            texts = scrub_cells(texts, [col])
        again, distinct = pd.factorize(excel_safe(texts)[col])  # two phone numbers are one [TEL]
        # a categorical of the texts, not a text per cell: a few bytes a cell, written as text (workdir.write_csv)
        out[col] = pd.Categorical.from_codes(again[codes], categories=distinct)
    return pd.DataFrame(out, index=log.index, copy=False)


def _distinct(column: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """A log column as codes into its distinct texts (a missing cell one of them): the cleaning's log
    is categoricals already, a log made elsewhere is factorised."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes = column.cat.codes.to_numpy().astype(np.intp)
        texts = pd.Series(column.cat.categories)
        if (codes < 0).any():  # missing: a text of its own, as factorize gives it
            codes[codes < 0] = len(texts)
            texts = pd.concat([texts, pd.Series([None], dtype=texts.dtype)], ignore_index=True)
        return codes, texts
    codes, uniques = pd.factorize(column, use_na_sentinel=False)
    return codes, pd.Series(uniques, dtype=column.dtype)


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
