"""run.py chains the stages; workdir.py names their artifacts and picks the newest one."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pandas as pd
import pytest

from pipeline import workdir
from pipeline.cleaning.stage import run_clean
from pipeline.errors import ErrorCode, SidError
from pipeline.ingest.stage import run_ingest
from pipeline.run import run_all
from pipeline.survey.project import load_project
from pipeline.survey.questionnaire import questionnaire_of
from pipeline.validation.stage import run_validate


def test_run_all_writes_every_stage_artifact_and_swaps_the_delivery_in(tiny_project: Path):
    project = load_project(tiny_project)
    steps: list[str] = []
    result = run_all(project, lambda step, *counts: steps.append(step))
    assert result.exit_code == 0 and result.ingest.reconciliation["status"].eq("kept").sum() == 3
    for name in (workdir.INGESTED, workdir.CLEANED, workdir.INGEST_PROBLEMS, workdir.RECONCILIATION,
                 workdir.CLEANING_LOG_PRIVATE, workdir.EXCLUSIONS, "validation_summary.csv"):
        assert (project.work / name).is_file(), name
    delivered = sorted(p.name for p in project.cleaned.iterdir())
    assert {"tiny.sav", "tiny.sps", "manifest.json", workdir.CLEANING_LOG, "validation_summary.csv"} <= set(delivered)
    assert not list(project.cleaned.parent.glob(".cleaned.partial*"))  # the staging folder was swapped in
    assert result.export.sav == project.cleaned / "tiny.sav" and result.export.rows == 3
    assert "cleaning" in steps and "writing the SPSS file" in steps
    assert result.weight is None and result.fieldwork is None and result.coding is None  # not configured


def test_a_failing_stage_leaves_the_previous_delivery_as_it_was(tiny_project: Path):
    project = load_project(tiny_project)
    run_all(project)
    before = {p.name: p.read_bytes() for p in project.cleaned.iterdir()}
    (tiny_project / "raw" / "answers.csv").write_text("", encoding="utf-8")  # now an empty export
    with pytest.raises(SidError) as err:
        run_all(project)
    assert err.value.code == ErrorCode.SOURCE_EMPTY
    assert {p.name: p.read_bytes() for p in project.cleaned.iterdir()} == before


def test_a_stage_alone_reads_the_previous_stage_or_names_the_command_to_run(tiny_project: Path):
    project = load_project(tiny_project)
    questionnaire = questionnaire_of(project)
    with pytest.raises(SidError) as err:
        run_validate(project, questionnaire)
    assert err.value.code == ErrorCode.STAGE_MISSING and "Run `sid ingest` first" in str(err.value)
    run_ingest(project, questionnaire)
    cleaned, outcome = run_clean(project, questionnaire)  # reads work/ingested.parquet
    assert len(cleaned) == 3 and not outcome.validation.errors
    assert (project.cleaned / workdir.CLEANING_LOG).is_file()


def test_newest_prefers_the_artifact_written_last_and_the_first_named_on_a_tie(tmp_path: Path):
    class P:  # workdir needs only the work folder
        work = tmp_path

    assert workdir.newest(P, workdir.CODED, workdir.INGESTED) == workdir.INGESTED  # neither: the fallback
    pd.DataFrame({"a": [1]}).to_parquet(tmp_path / workdir.INGESTED)
    assert workdir.newest(P, workdir.CODED, workdir.INGESTED) == workdir.INGESTED
    pd.DataFrame({"a": [2]}).to_parquet(tmp_path / workdir.CODED)
    now = time.time()
    os.utime(tmp_path / workdir.INGESTED, (now - 10, now - 10))
    assert workdir.newest(P, workdir.CODED, workdir.INGESTED) == workdir.CODED
    os.utime(tmp_path / workdir.INGESTED, (now + 10, now + 10))  # ingest ran again after coding
    assert workdir.newest(P, workdir.CODED, workdir.INGESTED) == workdir.INGESTED
    os.utime(tmp_path / workdir.CODED, (now + 10, now + 10))
    assert workdir.newest(P, workdir.CODED, workdir.INGESTED) == workdir.CODED


def test_write_csv_gives_the_same_file_through_arrow_and_pandas(tmp_path: Path):
    big = pd.DataFrame({"respondent": [f"R{i}" for i in range(12_000)], "old": "a,b", "new": 'say "x"'},
                       dtype="string")
    workdir.write_csv(big, tmp_path / "arrow.csv")  # > 10,000 text rows: Arrow's writer
    with open(tmp_path / "pandas.csv", "w", encoding="utf-8", newline="") as fh:
        big.to_csv(fh, index=False, lineterminator="\n")
    assert pd.read_csv(tmp_path / "arrow.csv", dtype=str).equals(pd.read_csv(tmp_path / "pandas.csv", dtype=str))
