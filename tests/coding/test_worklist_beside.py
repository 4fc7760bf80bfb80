"""`sid run` makes the coders' worklist (its suggestions and workbook) beside the stages after coding: the same
worklist and records as one process makes, the coding stage recorded only once its worklist is written, and
nothing left writing when the run fails."""

from __future__ import annotations

import pickle
from dataclasses import replace

import pandas as pd
import pytest
from conftest import demo_delivery

from pipeline import workdir
from pipeline.coding.coding import code
from pipeline.coding.plan import plan as coding_plan
from pipeline.coding.stage import coding_settings
from pipeline.coding.worklist import SHEETS, WORKLIST_COLUMNS, read_codeframes
from pipeline.rerun.records import Plan, outputs_intact, read_record, stages_of
from pipeline.survey.project import load_project
from pipeline.survey.questionnaire import questionnaire_of


def test_the_worklist_made_beside_is_the_one_coding_makes_in_one_process(tmp_path_factory):
    root = demo_delivery(tmp_path_factory)
    project = load_project(root)
    record = read_record(project, "code")
    assert record is not None and "coding_worklist.xlsx" in record["outputs"]
    assert outputs_intact(project, record)  # recorded with the checksum of the finished workbook
    with open(project.work / "stages" / "code.pickle", "rb") as fh:
        recorded = pickle.load(fh).worklist
    # the same worklist as `code` makes with its suggestions in one process, from the same ingested data
    questionnaire = questionnaire_of(project)
    settings = coding_settings(project)
    targets = coding_plan(questionnaire, settings, cache=project.work)
    _, alone = code(pd.read_parquet(project.work / workdir.INGESTED), questionnaire, key=project.key,
                    targets=targets, frames=read_codeframes(settings.codeframes, targets),
                    threshold=settings.fuzzy_threshold, reference=settings.reference_date)
    pd.testing.assert_frame_equal(recorded, alone.worklist)
    assert list(recorded.columns) == WORKLIST_COLUMNS and (recorded["suggestion_1"] != "").sum() > 100
    book = pd.read_excel(project.work / workdir.CODING_WORKLIST, sheet_name=None, dtype=str)
    assert sum(len(book[sheet]) for sheet in SHEETS.values()) == len(alone.worklist)



class _Job:
    """A job as parallel/beside.py's: its result (or its error) and whether it was stopped."""

    def __init__(self, outcome) -> None:
        self.outcome, self.stopped = outcome, False

    def result(self):
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome

    def stop(self) -> None:
        self.stopped = True


def test_a_stage_still_writing_is_recorded_when_its_job_ends_and_its_job_stopped_when_the_run_fails(
        tiny_project, tmp_path):
    project = load_project(tiny_project)
    staged = replace(project, cleaned=tmp_path / "staged")
    staged.cleaned.mkdir()
    project.work.mkdir()  # (as `sid run` makes it, under its lock)
    plan = Plan(project, stages_of(project), fresh=True)  # (every stage runs)
    with plan:
        _, early, reused = plan.run("ingest", lambda: (None, "early", _Job("final")), staged)
        assert (early, reused) == ("early", False)
        assert read_record(project, "ingest") is None  # not recorded while its job writes
    record = read_record(project, "ingest")
    assert record["fingerprint"] == plan.prints["ingest"]
    with open(project.work / "stages" / "ingest.pickle", "rb") as fh:
        assert pickle.load(fh) == "final"  # the job's result is the stage's recorded result

    job = _Job("final")
    with pytest.raises(RuntimeError, match="a later stage failed"), plan:
        plan.run("ingest", lambda: (None, "early", job), staged)
        raise RuntimeError("a later stage failed")
    assert job.stopped
    assert read_record(project, "ingest") is None  # never reused: it runs again

    second = _Job("final")
    with pytest.raises(OSError, match="disk full"), plan:
        plan.run("ingest", lambda: (None, "early", _Job(OSError("disk full"))), staged)
        plan.run("clean", lambda: (None, "early", second), staged)
    assert second.stopped and read_record(project, "ingest") is None and read_record(project, "clean") is None


def test_a_soon_job_is_waited_for_once_the_next_stage_has_done_its_work(tiny_project, tmp_path):
    """Ingest's frame written beside the next stage (a `soon` job, parallel/beside.py `Later`): ingest is not
    recorded while the next stage works, and is recorded, with the job's result, before that stage is."""
    from pipeline.parallel.beside import Later

    project = load_project(tiny_project)
    staged = replace(project, cleaned=tmp_path / "staged")
    staged.cleaned.mkdir()
    project.work.mkdir()
    plan = Plan(project, stages_of(project), fresh=True)
    seen = []

    def cleaning():
        seen.append(read_record(project, "ingest"))  # the next stage works while ingest's job writes
        return None, "cleaned"

    with plan:
        plan.run("ingest", lambda: (None, "read", Later(_Job("written"), "read", lambda a, b: (a, b), soon=True)),
                 staged)
        plan.run("clean", cleaning, staged)
        assert seen == [None] and not plan.later  # waited for once cleaning had done its work
        assert read_record(project, "ingest")["fingerprint"] == plan.prints["ingest"]
        assert read_record(project, "clean") is not None
    with open(project.work / "stages" / "ingest.pickle", "rb") as fh:
        assert pickle.load(fh) == ("read", "written")
