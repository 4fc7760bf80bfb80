"""Safe by construction: one writing command at a time, cleaned/ written only as a whole delivery,
and what the operating system refuses (a full disk, a read-only folder, a file where a folder
must be, permission denied) reported in one line naming the path, exit 2, the delivery intact."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import TEST_KEY_ENV
from typer.testing import CliRunner

import pipeline.workdir
from cli import app
from pipeline import __version__
from pipeline.delivery.manifest import write_manifest
from pipeline.delivery.verify import verify_delivery
from pipeline.lock import LOCK_FILE, project_lock
from pipeline.survey.project import load_project

REPO = Path(__file__).resolve().parents[2]
BASE = REPO / "tests" / "corpus" / "_base"
ROOT = os.geteuid() == 0


def sid(project: Path, *args: str):
    return CliRunner().invoke(app, ["--project", str(project), *args], env={"SID_PSEUDONYM_KEY": None})


def tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def delivered(tmp_path_factory) -> Path:
    """The tiny corpus project after one good run."""
    root = tmp_path_factory.mktemp("safety") / "base"
    shutil.copytree(BASE, root)
    result = sid(root, "run")
    assert result.exit_code == 0, result.output
    return root


@pytest.fixture
def project(delivered, tmp_path) -> Path:
    target = tmp_path / "p"
    shutil.copytree(delivered, target)
    return target


def one_error_line(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("sid: error: "), lines[0]
    assert "internal error" not in lines[0] and "Traceback" not in result.output
    return lines[0]


# --- one writing command at a time --------------------------------------------------------------

@pytest.mark.parametrize("command", ["run", "ingest", "validate", "clean", "export", "weight", "code", "demo"])
def test_a_second_writer_exits_2_naming_the_holder(project, command):
    before = tree(project / "cleaned")
    with project_lock(project / "work"):
        result = sid(project, command)
    assert result.exit_code == 2, result.output
    line = one_error_line(result)
    assert f"another sid run (pid {os.getpid()}, started " in line and "is writing this project" in line
    assert "Wait until it has finished" in line
    assert tree(project / "cleaned") == before


@pytest.mark.parametrize("command", [["form"], ["report", "fieldwork"]])
def test_commands_that_only_read_take_no_lock(project, command):
    with project_lock(project / "work"):
        result = sid(project, *command)
        verified = CliRunner().invoke(app, ["verify", str(project / "cleaned")])
    assert "another sid run" not in result.output
    assert result.exit_code in (0, 2), result.output  # report fieldwork: no [fieldwork] in the tiny project
    assert verified.exit_code == 0, verified.output


def test_a_stale_lock_is_taken_over_with_a_note(project):
    (project / "work" / LOCK_FILE).write_text("pid=999999\nstarted=2026-03-01 09:00:00\nrun=x\n", encoding="utf-8")
    result = sid(project, "ingest")
    assert result.exit_code == 0, result.output
    assert ("sid: note: took over the lock of an earlier sid run (pid 999999, started 2026-03-01 09:00:00)"
            in result.stderr)
    assert (project / "work" / LOCK_FILE).read_text(encoding="utf-8") == ""  # released: nothing to take over


def test_a_lock_released_normally_leaves_no_note(project):
    assert sid(project, "ingest").exit_code == 0
    result = sid(project, "ingest")
    assert result.exit_code == 0 and result.stderr == "", result.stderr


# --- cleaned/ written only by sid run and sid export, as a whole --------------------------------

def test_validate_and_clean_after_a_run_leave_the_delivery_alone(project):
    before = tree(project / "cleaned")
    assert sid(project, "validate").exit_code in (0, 1)
    assert sid(project, "clean").exit_code in (0, 1)
    assert tree(project / "cleaned") == before
    parts = project / "work" / "delivery"
    assert (parts / "cleaning_log.csv").is_file() and (parts / "validation_summary.csv").is_file()
    verified = CliRunner().invoke(app, ["verify", str(project / "cleaned")])
    assert verified.exit_code == 0, verified.output


def test_export_swaps_in_a_whole_delivery_with_the_parts_of_single_stages(project):
    assert sid(project, "clean").exit_code in (0, 1)
    part = (project / "work" / "delivery" / "cleaning_log.csv").read_bytes()
    result = sid(project, "export")
    assert result.exit_code == 0, result.output
    assert (project / "cleaned" / "cleaning_log.csv").read_bytes() == part
    assert not (project / "work" / "delivery").exists()  # taken into the delivery
    assert set(tree(project / "cleaned")) >= {"manifest.json", "tiny.sav", "codebook.html", "cleaning_log.csv",
                                              "validation_summary.csv", "README.txt"}
    verified = CliRunner().invoke(app, ["verify", str(project / "cleaned")])
    assert verified.exit_code == 0, verified.output
    assert not list(project.glob(".cleaned.partial*"))


def test_a_folder_sid_did_not_stage_is_never_removed(project):
    foreign = project / ".cleaned.partial-mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep\n", encoding="utf-8")
    assert sid(project, "run").exit_code == 0
    assert (foreign / "notes.txt").read_text(encoding="utf-8") == "keep\n"


def test_a_staging_folder_left_by_a_killed_run_is_removed(project):
    stale = project / ".cleaned.partial-20260301T090000-1-deadbeef"
    stale.mkdir()
    (stale / ".sid-staging").write_text("20260301T090000-1-deadbeef\n", encoding="utf-8")
    (stale / "tiny.sav").write_bytes(b"half")
    assert sid(project, "run").exit_code == 0
    assert not stale.exists()


# --- four sid run at once -----------------------------------------------------------------------

def _four_at_once(project: Path, release: Path) -> None:
    """Four `sid run` started together; whichever takes the lock first is held right after taking
    it (SID_FAULT_HOLD, pipeline/faults.py) until the other three have ended, so they meet it
    whatever the machine's load: exactly one writes, the others exit 2 naming the holder."""
    release.unlink(missing_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SID_") or k == TEST_KEY_ENV}
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(SID_FAULT_HOLD="locked", SID_FAULT_RELEASE=str(release))
    runs = [subprocess.Popen([sys.executable, "-m", "cli", "--project", str(project), "run"], cwd=REPO, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for _ in range(4)]
    refused = []
    try:
        deadline = time.monotonic() + 300
        while len(refused) < 3 and time.monotonic() < deadline:
            refused = [run for run in runs if run.poll() is not None]
            time.sleep(0.1)
        assert len(refused) == 3, "three runs should have been refused while one holds the lock"
    finally:
        release.write_text("go\n", encoding="utf-8")
    outcomes = [(run.wait(timeout=600), run.stderr.read()) for run in runs]
    for run in runs:
        run.stderr.close()
    codes = sorted(code for code, _ in outcomes)
    assert codes == [0, 2, 2, 2], outcomes
    for code, stderr in outcomes:
        if code == 2:
            assert "another sid run (pid " in stderr and "is writing this project" in stderr, stderr
    verified = subprocess.run([sys.executable, "-m", "cli", "verify", str(project / "cleaned")], cwd=REPO,
                              env=env, capture_output=True, text=True, timeout=300)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert not list(project.glob(".cleaned.partial*"))


def test_four_runs_at_once_one_writes(project, tmp_path):
    files = set(tree(project / "cleaned"))
    _four_at_once(project, tmp_path / "release")
    assert set(tree(project / "cleaned")) == files  # the full file set


@pytest.mark.slow
def test_four_runs_at_once_ten_times(project, tmp_path):
    files = set(tree(project / "cleaned"))
    for _ in range(10):
        _four_at_once(project, tmp_path / "release")
        assert set(tree(project / "cleaned")) == files


# --- what the operating system refuses ----------------------------------------------------------

def test_work_is_a_file(project):
    shutil.rmtree(project / "work")
    (project / "work").write_text("not a folder\n", encoding="utf-8")
    before = tree(project / "cleaned")
    result = sid(project, "run")
    assert result.exit_code == 2, result.output
    line = one_error_line(result)
    assert f"{project / 'work'}: paths.work must be a folder, but this is a file" in line
    assert tree(project / "cleaned") == before


def test_cleaned_is_a_file(project):
    shutil.rmtree(project / "cleaned")
    (project / "cleaned").write_text("not a folder\n", encoding="utf-8")
    result = sid(project, "run")
    assert result.exit_code == 2, result.output
    assert "paths.cleaned must be a folder, but this is a file" in one_error_line(result)
    assert (project / "cleaned").read_text(encoding="utf-8") == "not a folder\n"


def test_the_lock_file_is_a_folder(project):
    (project / "work" / LOCK_FILE).unlink()
    (project / "work" / LOCK_FILE).mkdir()
    result = sid(project, "run")
    assert result.exit_code == 2, result.output
    assert f"{project / 'work' / LOCK_FILE}: the lock file is a folder" in one_error_line(result)


def test_permission_denied_names_the_file(project, monkeypatch):
    """What the system says when the user may not write a file (here: work/ingested.parquet)."""
    target = project / "work" / "ingested.parquet"

    def refused(frame, path):
        raise PermissionError(13, "Permission denied", str(target))

    monkeypatch.setattr(pipeline.workdir, "write_parquet", refused)
    before = tree(project / "cleaned")
    result = sid(project, "run", "--fresh")  # --fresh: ingest runs (a rerun would reuse it)
    assert result.exit_code == 2, result.output
    line = one_error_line(result)
    assert line.startswith(f"sid: error: {target}: permission denied. Give your user write access")
    assert tree(project / "cleaned") == before
    assert not list(project.glob(".cleaned.partial*"))


@contextmanager
def read_only(folder: Path):
    """`folder` read-only: a read-only bind mount as root (root ignores file modes), else chmod."""
    if ROOT:
        if subprocess.run(["mount", "--bind", str(folder), str(folder)], capture_output=True).returncode:
            pytest.skip("cannot bind-mount here")
        subprocess.run(["mount", "-o", "remount,ro,bind", str(folder)], check=True)
        try:
            yield
        finally:
            subprocess.run(["umount", str(folder)], check=True)
    else:
        modes = {p: p.stat().st_mode for p in [folder, *folder.rglob("*")]}
        for p in modes:
            p.chmod(modes[p] & ~0o222)
        try:
            yield
        finally:
            for p, mode in modes.items():
                p.chmod(mode)


def test_a_read_only_previous_delivery_is_not_swapped(project):
    before = tree(project / "cleaned")
    with read_only(project / "cleaned"):
        result = sid(project, "run")
        later = sid(project, "run")
    assert result.exit_code == 2, result.output
    line = one_error_line(result)
    assert f"{project / 'cleaned'}: the previous delivery cannot be replaced: this folder is read-only" in line
    assert "Make it writable" in line
    assert later.exit_code == 2  # still the same clear error, never an internal one
    assert tree(project / "cleaned") == before
    assert not list(project.glob(".cleaned.partial*"))
    assert sid(project, "run").exit_code == 0  # writable again: runs as before


def test_a_read_only_work_folder(project):
    before = tree(project / "cleaned")
    with read_only(project / "work"):
        result = sid(project, "run")
    assert result.exit_code == 2, result.output
    line = one_error_line(result)
    assert str(project / "work") in line and ("read-only" in line or "permission denied" in line)
    assert tree(project / "cleaned") == before


# --- a full disk at every write checkpoint (a small tmpfs; root only) ---------------------------

@pytest.fixture
def small_disk(tmp_path):
    if not ROOT:
        pytest.skip("mounting a tmpfs needs root")
    mount = tmp_path / "disk"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)], capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs here")
    yield mount
    subprocess.run(["umount", str(mount)], check=True)


def _run_filled(project: Path, checkpoint: str | None, **extra: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SID_") or k == TEST_KEY_ENV}
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    if checkpoint:
        env.update(SID_FAULT_FILL=checkpoint, SID_FAULT_FILLER=str(project.parent / "filler"))
    # --fresh: every stage writes (a rerun would reuse the unchanged stages and write less)
    return subprocess.run([sys.executable, "-m", "cli", "--project", str(project), "run", "--fresh"], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=600)


def _disk_full_at(project: Path, checkpoints: list[str]) -> None:
    before = tree(project / "cleaned")
    for name in checkpoints:
        proc = _run_filled(project, name)
        filled = (project.parent / "filler").exists()
        (project.parent / "filler").unlink(missing_ok=True)
        if not filled and name == "write:digests.json":
            # the digest cache (pipeline/rerun/digests.py) is written only when it learned a digest, which
            # depends on how long ago the files were written: this run had nothing to add, so never filled
            assert proc.returncode == 0, proc.stderr
            before = tree(project / "cleaned")  # a new delivery
            continue
        assert filled, f"the checkpoint {name} was not reached"
        if name in ("manifest", "write:manifest.json", "deliver"):  # the rest needs no new space
            assert proc.returncode in (0, 2), proc.stderr
            before = tree(project / "cleaned")
            continue
        assert proc.returncode == 2, (name, proc.stderr)
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and "no space left on the device" in lines[0], (name, proc.stderr)
        assert f"sid: error: {project}" in lines[0], (name, lines[0])  # names the file that did not fit
        assert "the previous delivery is unchanged" in lines[0]
        assert tree(project / "cleaned") == before, f"cleaned/ changed with the disk full at {name}"
        assert not list(project.glob(".cleaned.partial*")), name
    assert _run_filled(project, None).returncode == 0  # space again: a normal run


def _checkpoints(project: Path) -> list[str]:
    trace = project.parent / "trace"
    assert _run_filled(project, None, SID_FAULT_TRACE=str(trace)).returncode == 0
    names = list(dict.fromkeys(trace.read_text(encoding="utf-8").split()))
    trace.unlink()
    return names


def test_disk_full_at_the_stage_checkpoints(small_disk):
    project = small_disk / "p"
    shutil.copytree(BASE, project)
    assert _run_filled(project, None).returncode == 0
    _disk_full_at(project, ["ingest", "clean", "write:tiny.sav", "export"])


@pytest.mark.slow
def test_disk_full_at_every_write_checkpoint(small_disk):
    project = small_disk / "p"
    shutil.copytree(BASE, project)
    assert _run_filled(project, None).returncode == 0
    names = _checkpoints(project)
    assert len(names) > 20
    _disk_full_at(project, names)


# --- the delivery checked against its definition ------------------------------------------------

def test_verify_fails_a_delivery_without_a_required_file_even_if_the_manifest_agrees(project):
    (project / "cleaned" / "codebook.xlsx").unlink()
    write_manifest(load_project(project))  # a manifest that lists only what is left
    report = verify_delivery(project / "cleaned")
    assert report.exit_code == 1
    assert [(c.check, c.file) for c in report.failures] == [("definitie", "codebook.xlsx")]


def test_the_manifest_records_the_run_and_the_sid_version(project):
    result = sid(project, "run")
    assert result.exit_code == 0, result.output
    manifest = json.loads((project / "cleaned" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["sid_version"] == __version__
    assert re.fullmatch(r"\d{8}T\d{6}-\d+-[0-9a-f]{8}", manifest["run_id"]), manifest["run_id"]
