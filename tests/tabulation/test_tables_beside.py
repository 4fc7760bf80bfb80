"""The weighted tables made in a process of their own beside the export (`tables_beside`, the
second core of `sid run`): the same files as `run_tables` in the process itself; its errors raised
in the parent as `run_tables` raises them; a tables process that dies replaced by `run_tables`
here; an export that fails stops it."""

from __future__ import annotations

import dataclasses
import os
import signal
import time
from pathlib import Path

import openpyxl
import pandas as pd
import pyreadstat
import pytest
from conftest import TINY_PRIVACY_TOML, TINY_SURVEY_TOML

from pipeline.errors import SidError
from pipeline.survey.project import load_project
from pipeline.survey.questionnaire import questionnaire_of
from pipeline.tabulation.stage import run_tables, tables_beside

TABLES_TOML = '\n[tables]\nbreakdowns = ["werk"]\nweight = "gewicht"\nstrata = "stratum"\nmin_n = 1\n'


@pytest.fixture
def delivered(tiny_project: Path) -> Path:
    """The tiny project with a delivered .sav as `sid export` writes one: labelled codes, declared
    missing values, a weight and its strata."""
    (tiny_project / "sid.toml").write_text(TINY_SURVEY_TOML + TINY_PRIVACY_TOML + TABLES_TOML, encoding="utf-8")
    data = pd.DataFrame({"werk": [1.0, 0.0, 1.0, 1.0, -2.0, 0.0],
                         "tevreden": [4.0, -3.0, 5.0, -1.0, -3.0, -3.0],
                         "gewicht": [1.2, 0.8, 1.0, 1.1, 0.9, 1.0],
                         "stratum": [1.0, 1.0, 1.0, 2.0, 2.0, 2.0]})
    cleaned = tiny_project / "cleaned"
    cleaned.mkdir()
    pyreadstat.write_sav(data, str(cleaned / "tiny.sav"),
                         column_labels=["Heeft u betaald werk?", "Hoe tevreden?", "gewicht", "stratum"],
                         variable_value_labels={"werk": {1.0: "ja", 0.0: "nee", -2.0: "wil niet antwoorden"},
                                                "tevreden": {float(i): f"t{i}" for i in range(1, 6)} | {-1.0: "weet niet"},
                                                "stratum": {1.0: "A", 2.0: "B"}},
                         missing_ranges={"werk": [-2.0], "tevreden": [-1.0, -3.0]},
                         variable_measure={"werk": "nominal", "tevreden": "ordinal", "gewicht": "scale",
                                           "stratum": "nominal"})
    return tiny_project


def _cells(path: Path) -> dict:
    book = openpyxl.load_workbook(path)
    return {ws.title: [[c.value for c in row] for row in ws.iter_rows()] for ws in book.worksheets}


def _staged(root: Path, name: str):
    """The project as `sid run` stages it: the delivery in a folder of its own, holding the .sav."""
    project = load_project(root)
    folder = root / name
    folder.mkdir()
    (folder / "tiny.sav").write_bytes((root / "cleaned" / "tiny.sav").read_bytes())
    return dataclasses.replace(project, cleaned=folder)


def test_the_tables_process_writes_what_run_tables_writes(delivered):
    here = _staged(delivered, "here")
    run_tables(here, questionnaire_of(here), folder=here.cleaned)
    beside = _staged(delivered, "beside")
    with tables_beside(beside) as start:
        start()
    assert (beside.cleaned / "tabellen.html").read_bytes() == (here.cleaned / "tabellen.html").read_bytes()
    assert _cells(beside.cleaned / "tabellen.xlsx") == _cells(here.cleaned / "tabellen.xlsx")
    sheets = _cells(beside.cleaned / "tabellen.xlsx")
    assert any(row[1] == "tevreden" for rows in sheets.values() for row in rows)  # the question, by werk


def test_an_error_of_the_tables_process_is_the_error_run_tables_raises(delivered):
    project = _staged(delivered, "bad")
    project = dataclasses.replace(project, tables=dataclasses.replace(project.tables, breakdowns=("geboortejaar",)))
    with pytest.raises(SidError) as here:
        run_tables(project, questionnaire_of(project), folder=project.cleaned)
    with pytest.raises(SidError) as beside:
        with tables_beside(project) as start:
            start()
    assert (beside.value.code, str(beside.value), beside.value.file, beside.value.fix) == \
        (here.value.code, str(here.value), here.value.file, here.value.fix)
    assert beside.value.code == "config_invalid" and "geboortejaar" in str(beside.value)


def _children() -> list[int]:
    path = Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children")
    return [int(p) for p in path.read_text().split()] if path.is_file() else []


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="finds the tables process in /proc (Linux)")
def test_a_failed_export_stops_the_tables_process_and_keeps_its_error(delivered):
    project = _staged(delivered, "failed")
    before = set(_children())
    with pytest.raises(RuntimeError, match="the export failed"):
        with tables_beside(project):
            assert len(set(_children()) - before) == 1  # started at once, before the .sav is written
            raise RuntimeError("the export failed")
    assert set(_children()) <= before  # stopped and reaped
    assert not (project.cleaned / "tabellen.xlsx").exists()


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="finds the tables process in /proc (Linux)")
def test_a_tables_process_killed_at_work_is_replaced_by_run_tables_here(delivered, tmp_path, monkeypatch):
    project = _staged(delivered, "killed")
    release, trace = tmp_path / "release", tmp_path / "trace"
    # the tables process stops before its first file (and so would this one, until `release` exists)
    monkeypatch.setenv("SID_FAULT_HOLD", "write:tabellen.html")
    monkeypatch.setenv("SID_FAULT_RELEASE", str(release))
    monkeypatch.setenv("SID_FAULT_TRACE", str(trace))
    before = set(_children())
    with tables_beside(project) as start:
        (child,) = set(_children()) - before
        start()
        deadline = time.monotonic() + 300
        while "write:tabellen.html" not in (trace.read_text() if trace.is_file() else "") \
                and time.monotonic() < deadline:
            time.sleep(0.1)
        os.kill(child, signal.SIGKILL)  # at work: its tables computed, no file written
        release.touch()
    assert (project.cleaned / "tabellen.html").is_file() and (project.cleaned / "tabellen.xlsx").is_file()
    here = _staged(delivered, "here")
    run_tables(here, questionnaire_of(here), folder=here.cleaned)
    assert _cells(project.cleaned / "tabellen.xlsx") == _cells(here.cleaned / "tabellen.xlsx")
    assert not list(project.cleaned.glob(".*.tmp"))  # the killed process's temporary file went with the rewrite
