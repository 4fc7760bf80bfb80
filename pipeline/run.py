"""`sid run`: the stages chained over a project folder, the delivery staged beside cleaned/ and swapped in as a whole.
Each stage's own work/ I/O is in its folder's `stage.py`.

Only `sid run` and `sid export` write cleaned/, and only as a whole: a staging folder of their own (named after the
run id, holding a marker with it) replaces cleaned/ in one step, and only when cleaned/ is empty or a delivery sid
wrote (its manifest lists every file). A single stage run alone (`sid validate`, `sid clean`, `sid weight`) writes
the parts it would deliver to work/delivery/, which the next `sid export` takes into its delivery."""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING

from pipeline import workdir
from pipeline.delivery.staging import is_delivery, remove_parts, staged_delivery, visible_files
from pipeline.faults import checkpoint
from pipeline.files import copy_into, release_memory
from pipeline.lock import new_run_id
from pipeline.privacy import delivery_privacy
from pipeline.rerun.fingerprint import form_expressions
from pipeline.rerun.records import ARTIFACTS, Plan, run_alone, stage_alone, stages_of  # noqa: F401 (the CLI's)
from pipeline.survey.project import Project
from pipeline.survey.questionnaire import Questionnaire, questionnaire_of

if TYPE_CHECKING:  # each stage is imported when it runs: a reused stage imports none of its libraries
    from pipeline.cleaning.stage import CleanOutcome
    from pipeline.coding.coding import CodingResult
    from pipeline.delivery.export import ExportResult
    from pipeline.fieldwork.stage import FieldworkReport
    from pipeline.ingest.ingest import IngestResult
    from pipeline.weighting.weights import WeightResult


def _lazy(path: str) -> Callable:
    """A stage function ("folder.name" of pipeline/<folder>/stage.py) imported when called: a stage `sid run`
    reuses imports none of its libraries."""
    folder, name = path.split(".")
    return lambda *a, **k: getattr(importlib.import_module(f"pipeline.{folder}.stage"), name)(*a, **k)


(check_corrections, cleaned_rosters, run_clean, run_code, run_export, run_report, run_ingest, run_tables, run_validate,
 run_weight) = map(_lazy, ("cleaning.check_corrections", "cleaning.cleaned_rosters", "cleaning.run_clean",
                           "coding.run_code", "delivery.run_export", "fieldwork.run_report", "ingest.run_ingest",
                           "tabulation.run_tables", "validation.run_validate", "weighting.run_weight"))


@dataclass(frozen=True)
class StageDone:
    """A stage of `sid run` has finished: what it did in one figure (`count` of `what`, a key the
    terminal words in the UI language) and how long it took."""

    stage: str  # ingest, code, clean, validate, weight, report, export
    count: int
    what: str  # interviews_kept, answers_open, cells_changed, errors, weighted, interviewers, variables
    seconds: float
    reused: bool = False  # its inputs had not changed: its recorded outputs were used (pipeline/rerun)


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


def run_all(project: Project, progress=None, finished: Callable[[StageDone], None] | None = None,
            run_id: str | None = None, fresh: bool = False) -> RunResult:
    """ingest → code → clean → validate (beside weight → fieldwork report → export), then the manifest of inputs
    and outputs; the delivery is swapped into cleaned/ as a whole. A stage whose inputs have not changed since its
    recorded run is reused (pipeline/rerun), unless `fresh`. `progress` hears the current step, `finished` each
    stage as it ends; `run_id` names the staging folder (the CLI passes the one of its project lock)."""
    clock = [time.perf_counter()]

    def done(stage: str, count: int, what: str, reused: bool = False, seconds: float | None = None) -> None:
        release_memory()  # `seconds`: of a stage run beside the others, its own (the clock goes on)
        now = time.perf_counter()
        took, clock[0] = (now - clock[0], now) if seconds is None else (seconds, clock[0])
        finished and finished(StageDone(stage, int(count), what, took, reused))

    questionnaire = questionnaire_of(project)
    delivery_privacy(project)  # no key, no delivery: refuse before anything is written
    check_corrections(project, questionnaire)  # a rule that cannot hold stops the run before any stage
    plan = Plan(project, stages_of(project), fresh, form_expressions(questionnaire))
    with staged_delivery(project, run_id or new_run_id()) as staged, plan:  # (the plan: coding's worklist beside)
        stage = partial(plan.run, staged=staged)  # (frame, result, reused) of a stage, reused or run

        def load(name: str, frame_in):  # a frame a reused stage did not hand on
            return frame_in if frame_in is not None else workdir.read_stage(staged, ARTIFACTS[name], "sid run")

        frame, ingested, hit = stage("ingest", lambda: run_ingest(staged, questionnaire, progress, later=True))
        done("ingest", ingested.rows, "interviews_kept", hit)
        coded = None
        if project.coding is not None:
            frame, coded, hit = stage("code", lambda: run_code(staged, questionnaire, load("ingest", frame), progress,
                                                              later=True))
            done("code", coded.coverage["open_distinct"].sum(), "answers_open", hit)
        before = "code" if project.coding is not None else "ingest"
        def cleaning():  # the interviews handed to cleaning (its peak memory), held here only for the fieldwork report
            nonlocal frame
            handed, frame = [load(before, frame)], frame if project.fieldwork is not None else None
            return run_clean(staged, questionnaire, handed.pop, progress, validated=False)
        cleaned, outcome, hit = stage("clean", cleaning)
        done("clean", len(outcome.result.log), "cells_changed", hit)  # (done gives the freed memory back)
        progress and progress("validating the cleaned data")
        # validation runs beside weighting, the fieldwork report and the export (a helper: pipeline/parallel);
        # its parts join the delivery, and its line the terminal's, when its result is taken after the export
        checks = plan.beside("validate", lambda into: (None, run_validate(  # basis: its form checks kept for a rerun
            into, questionnaire, load("clean", cleaned), cleaned_rosters(into, questionnaire),
            basis=plan.prints["clean"], fresh=fresh)), staged=staged, what="the validation")
        with checks as validated:
            clock[0] = time.perf_counter()  # (in one process, validation has run: not the next stage's time)
            weighted = fieldwork = None
            if project.weight is not None:  # weights, then the fieldwork report (which shows them)
                progress and progress("weighting")
                cleaned, weighted, hit = stage("weight", lambda: run_weight(staged, questionnaire,
                                                                            load("clean", cleaned)))
                done("weight", len(weighted.weights), "weighted", hit)
            # the fieldwork report (which shows the weights) beside the export, as validation: no other stage reads it
            reporting = plan.beside("report", lambda into: (None, run_report(
                into, questionnaire, interviews=load(before, frame), deliver=True,
                unusable=dict(zip(*(outcome.result.excluded[c].astype(str) for c in ("respondent", "reason")))))),
                staged=staged, what="the fieldwork report") if project.fieldwork is not None else nullcontext()
            with reporting as reported:
                clock[0] = time.perf_counter()  # (in one process, the report has run: not the export's time)
                frame = None  # the interviews before cleaning are not needed here any more (peak memory of the export)
                progress and progress("writing the SPSS file")
                final = "weight" if project.weight is not None else "clean"
                def handed():  # the data handed to the export, no longer held here (its peak memory)
                    nonlocal cleaned
                    out, cleaned = load(final, cleaned), None
                    return out
                _, exported, hit = stage("export", lambda: (None, _export_and_tables(
                    staged, questionnaire, handed, coming=REPORTED if project.fieldwork is not None else ())))
                done("export", exported.columns, "variables", hit)
                if reported is not None:
                    _, fieldwork, hit, seconds = reported()
                    done("report", fieldwork.interviewers, "interviewers", hit, seconds)
            _, report, hit, seconds = validated()
        unconfigured = project.unconfigured()  # of this run's sid.toml; the rosters' notes kept
        outcome = replace(outcome, validation=replace(report, notes=unconfigured + tuple(
            n for n in report.notes if n not in unconfigured)))
        done("validate", report.errors, "errors", hit, seconds)
    remove_parts(project)  # this delivery supersedes what single stages left for `sid export`
    exported = replace(exported, sav=project.sav_path, sps=project.sps_path)
    if fieldwork is not None:
        fieldwork = replace(fieldwork, delivered=project.cleaned / fieldwork.delivered.name)
    return RunResult(ingested, outcome, exported, weighted, fieldwork, coded)


def _export_and_tables(staged: Project, questionnaire: Questionnaire, frame: Callable,
                       coming: tuple[str, ...] = ()) -> ExportResult:
    # the weighted tables, made from the written .sav beside the rest; the frame handed over as a function (not held
    # here); the validation's summary (and the fieldwork report's files, `coming`) join the delivery after the
    # export (run beside it): the README names them
    tables = partial(run_tables, staged, questionnaire, folder=staged.cleaned) if staged.tables is not None else None
    return run_export(staged, questionnaire, frame, then=tables, coming=(workdir.VALIDATION_SUMMARY, *coming))


REPORTED = (workdir.FIELDWORK_REPORT, workdir.FIELDWORK_RATES, workdir.FIELDWORK_PROGRESS)  # its delivered files


def export_alone(project: Project, questionnaire: Questionnaire, run_id: str | None = None) -> ExportResult:
    """`sid export`: a new delivery from the last stage's output in work/, staged and swapped in
    as a whole like `sid run`'s: the previous delivery's other files, then the parts single stages
    left in work/delivery/, then the export, then the manifest of what the delivery now holds."""
    delivery_privacy(project)  # no key, no delivery: refuse before anything is written
    with staged_delivery(project, run_id or new_run_id()) as staged:
        if is_delivery(project.cleaned):
            for path in visible_files(project.cleaned):
                if path.name != "manifest.json":
                    copy_into(path, project.cleaned, staged.cleaned)
        parts = project.work / workdir.DELIVERY_PARTS
        for path in visible_files(parts) if parts.is_dir() else ():
            copy_into(path, parts, staged.cleaned)
        for stale in staged.cleaned.glob(f"{workdir.TABLES}.*"):  # tables of the previous .sav
            stale.unlink()
        exported = run_export(staged, questionnaire)
        checkpoint("export")
        if project.tables is not None:  # the tables of this delivery's .sav
            run_tables(staged, questionnaire, folder=staged.cleaned)
    remove_parts(project)
    return replace(exported, sav=project.sav_path, sps=project.sps_path)
