"""Fault injection: `sid run` is killed (SIGKILL, as a power cut or `kill -9` would) at every
checkpoint in turn; every time the previous delivery in cleaned/ is intact, and a normal rerun
produces the same data.

The killed runs are `sid run --fresh` (a rerun would reuse the unchanged stages and pass fewer
checkpoints); the final rerun is a plain one, reusing only what the killed runs recorded whole.
The checkpoints are found by running once with SID_FAULT_TRACE (pipeline/faults.py), so stages
added later are covered without touching this file. Each killed run starts from what the
previous kill left behind (a half-written staging folder, temporary files, a newer work/), so the
chain also shows that leftovers of a crash never break the next run; the final rerun must then
reproduce the first delivery.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest
from conftest import TEST_KEY_ENV, copy_demo_project

REPO = Path(__file__).resolve().parents[2]
CORPUS_BASE = REPO / "tests" / "corpus" / "_base"
STAGES = ("ingest", "clean", "export", "manifest", "deliver")  # at least these; more are found


def sid_run(project: Path, *options: str, **env_extra: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SID_") or k == TEST_KEY_ENV}  # the test key stays
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(env_extra)
    return subprocess.run([sys.executable, "-m", "cli", "--project", str(project), "run", *options],
                          capture_output=True, text=True, env=env, cwd=REPO, timeout=900)


def tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def checkpoints(project: Path, tmp: Path) -> list[str]:
    """Every checkpoint a normal run passes, in order, each once; the run must succeed."""
    trace = tmp / "trace.txt"
    result = sid_run(project, SID_FAULT_TRACE=str(trace))
    assert result.returncode in (0, 1), result.stderr
    return list(dict.fromkeys(trace.read_text(encoding="utf-8").split()))


def same_data(a: Path, b: Path, survey: str) -> None:
    """Two deliveries hold the same data: the same files, the .sav equal by data and labels,
    every CSV equal byte for byte (the .sav, workbooks and manifest carry timestamps)."""
    names = lambda f: sorted(p.name for p in f.iterdir() if not p.name.startswith("."))  # noqa: E731
    assert names(a) == names(b)
    data_a, meta_a = pyreadstat.read_sav(str(a / f"{survey}.sav"), user_missing=True)
    data_b, meta_b = pyreadstat.read_sav(str(b / f"{survey}.sav"), user_missing=True)
    pd.testing.assert_frame_equal(data_a, data_b)
    assert meta_a.column_labels == meta_b.column_labels
    assert meta_a.variable_value_labels == meta_b.variable_value_labels
    assert meta_a.missing_ranges == meta_b.missing_ranges
    for csv in sorted(a.glob("*.csv")):
        assert csv.read_bytes() == (b / csv.name).read_bytes(), csv.name


def kill_everywhere(project: Path, names: list[str], survey: str, tmp: Path) -> dict[str, int]:
    reference = tmp / "reference"
    shutil.copytree(project / "cleaned", reference)
    snapshot = tree(project / "cleaned")
    survived = {}
    for name in names:  # --fresh: every stage runs and writes, so every checkpoint is reached
        result = sid_run(project, "--fresh", SID_FAULT_AT=name)
        assert result.returncode == -signal.SIGKILL, (name, result.returncode, result.stderr)
        if name == "deliver":  # the swap is done: the new delivery, whole and consistent
            same_data(project / "cleaned", reference, survey)
        else:
            assert tree(project / "cleaned") == snapshot, f"cleaned/ changed when killed at {name}"
        survived[name] = result.returncode
    rerun = sid_run(project)  # reuses what the killed runs recorded whole, reruns the rest
    assert rerun.returncode in (0, 1), rerun.stderr
    same_data(project / "cleaned", reference, survey)
    assert not list(project.glob(".cleaned.*")), "a staging folder was left behind"
    assert not [p for p in (project / "cleaned").rglob("*.tmp")], "a temporary file was delivered"
    return survived


@pytest.mark.slow
def test_kill_at_every_checkpoint_tiny(tmp_path):
    """The tiny project: killed at every stage and at every file write (before its rename)."""
    project = tmp_path / "tiny"
    shutil.copytree(CORPUS_BASE, project)
    names = checkpoints(project, tmp_path)
    assert set(STAGES) <= set(names)
    assert any(n.startswith("write:") for n in names)
    survived = kill_everywhere(project, names, "tiny", tmp_path)
    assert len(survived) == len(names)


@pytest.mark.slow
def test_kill_sid_run_at_every_stage_demo(tmp_path):
    """The bundled demo (about 5,000 respondents): killed after each stage in turn."""
    project = copy_demo_project(tmp_path / "demo")
    names = checkpoints(project, tmp_path)
    stages = [n for n in names if ":" not in n]
    assert set(STAGES) <= set(stages)
    survived = kill_everywhere(project, stages, "sid2026", tmp_path)
    assert list(survived) == stages
