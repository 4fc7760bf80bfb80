"""Work beside the export on a second core (pipeline/parallel/beside.py): a forked process's result and
errors come back as if the call had run here, a failed block leaves no process behind, a killed run leaves
no process holding the project lock; and the delivery is the same file for file whether the copies and
tables were written by a second process or in one."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from conftest import TINY_TOML, demo_copy, demo_delivery
from typer.testing import CliRunner

from cli import app
from pipeline.errors import ErrorCode, SidError
from pipeline.parallel import beside as beside_module
from pipeline.parallel.beside import beside, in_order
from pipeline.run import run_all
from pipeline.survey.project import load_project

REPO = Path(__file__).resolve().parents[1]
forks = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="helpers are forked on Linux only")


@pytest.fixture
def two(monkeypatch):
    monkeypatch.setenv(beside_module.ENV, "2")  # a helper even on a one-core machine


def _pid_and(value):
    return os.getpid(), value


def _fail_sid():
    raise SidError(ErrorCode.DISK_FULL, "no room", file="/data/x.csv", fix="Free space.")


def _fail_os():
    raise OSError(28, "No space left on device", "/data/y.parquet")


def _kill_self():
    os.kill(os.getpid(), signal.SIGKILL)


def _sleep(seconds: float, mark: Path):
    mark.write_text(str(os.getpid()))
    time.sleep(seconds)


@forks
def test_a_result_comes_back_from_another_process(two):
    data = [1, 2, 3]
    with beside(_pid_and, data, what="a test") as job:
        assert job.running
        data.append(4)  # the helper saw the data as they were when it started
        pid, value = job.result()
    assert pid != os.getpid() and value == [1, 2, 3]
    assert job.result() == (pid, [1, 2, 3])  # once, then kept


def test_one_process_runs_the_call_here_when_asked(monkeypatch):
    monkeypatch.setenv(beside_module.ENV, "1")
    assert not beside_module.available()
    with beside(_pid_and, "x", what="a test") as job:
        assert not job.running
        assert job.result() == (os.getpid(), "x")


@forks
def test_errors_come_back_whole(two):
    with pytest.raises(SidError) as caught:
        with beside(_fail_sid, what="a test"):
            pass
    error = caught.value
    assert (error.code, error.file, error.fix) == (ErrorCode.DISK_FULL, "/data/x.csv", "Free space.")
    assert str(error) == str(SidError(ErrorCode.DISK_FULL, "no room", file="/data/x.csv", fix="Free space."))
    assert any("in the helper process" in note and "_fail_sid" in note for note in error.__notes__)
    with pytest.raises(OSError) as caught:
        with beside(_fail_os, what="a test"):
            pass
    assert (caught.value.errno, caught.value.filename) == (28, "/data/y.parquet")


def _slow_pid(item):
    time.sleep(0.2)
    if item in ("bad", "worse"):
        raise SidError(ErrorCode.SOURCE_EMPTY, f"{item} is empty", file=f"/raw/{item}.csv")
    return item, os.getpid()


@forks
def test_items_are_shared_by_two_processes_and_come_back_in_order(two):
    heard = []
    out = in_order(_slow_pid, ["a", "b", "c", "d", "e", "f"], what="a test", announce=heard.append)
    assert [item for item, _ in out] == ["a", "b", "c", "d", "e", "f"]
    pids = {pid for _, pid in out}
    assert os.getpid() in pids and len(pids) == 2  # each process took some
    assert heard[0] == "a" and sorted(heard) == sorted(item for item, pid in out if pid == os.getpid())


@pytest.mark.parametrize("processes", ["1", "2"])
def test_the_first_failing_item_is_the_error_as_in_one_process(monkeypatch, processes):
    monkeypatch.setenv(beside_module.ENV, processes)
    with pytest.raises(SidError, match="bad is empty") as caught:
        in_order(_slow_pid, ["a", "bad", "c", "worse"], what="a test")
    assert caught.value.file == "/raw/bad.csv"
    assert in_order(_slow_pid, ["x"], what="a test")[0][0] == "x"
    assert in_order(_slow_pid, [], what="a test") == []


@forks
def test_a_helper_killed_is_an_error_not_a_silent_gap(two):
    with pytest.raises(RuntimeError, match=r"the process writing the copies stopped without a result "
                                           r"\(killed by signal 9, SIGKILL\)"):
        with beside(_kill_self, what="the copies"):
            pass


@forks
def test_a_failing_block_stops_its_helper(two, tmp_path):
    mark = tmp_path / "pid"
    with pytest.raises(ValueError):
        with beside(_sleep, 60, mark, what="a test"):
            deadline = time.monotonic() + 10
            while not mark.exists() and time.monotonic() < deadline:
                time.sleep(0.01)
            raise ValueError("the export failed")
    pid = int(mark.read_text())
    with pytest.raises(ProcessLookupError):  # killed and reaped: no such process any more
        os.kill(pid, 0)


@forks
def test_a_killed_run_leaves_no_helper_holding_the_project_lock(tmp_path):
    """The run (here a child Python holding the lock) is killed while its helper sleeps: the lock is free at
    once and the helper is gone (it closed its copy of the lock and dies with its parent)."""
    work, mark = tmp_path / "work", tmp_path / "pid"
    script = textwrap.dedent(f"""
        import os, signal, time
        from pathlib import Path
        from pipeline.parallel.beside import beside, in_order
        from pipeline.lock import project_lock

        def sleep():
            Path({str(mark)!r}).write_text(str(os.getpid()))
            time.sleep(60)

        with project_lock(Path({str(work)!r})):
            with beside(sleep, what="a test"):
                while not Path({str(mark)!r}).exists():
                    time.sleep(0.01)
                os.kill(os.getpid(), signal.SIGKILL)
    """)
    env = dict(os.environ, PYTHONPATH=str(REPO), **{beside_module.ENV: "2"})
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == -signal.SIGKILL, done.stderr
    from pipeline.lock import project_lock

    with project_lock(work):  # not "another sid run is writing this project"
        pass
    helper = int(mark.read_text())
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.kill(helper, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        pytest.fail(f"the helper {helper} outlived the run")


@forks
def test_the_delivery_is_the_same_written_by_one_process_or_two(tmp_path_factory, monkeypatch):
    """`sid export` with its copies written by a second process and in one process: the same files, the
    copies and codebooks byte for byte; and the shared demo run's weighted tables (made beside its export
    when two cores are usable) are those `sid export` makes after it, in one process."""
    shared = demo_delivery(tmp_path_factory)
    folders = {}
    for processes in ("2", "1"):
        project = demo_copy(tmp_path_factory, tmp_path_factory.mktemp("processes") / "demo")
        monkeypatch.setenv(beside_module.ENV, processes)
        result = CliRunner().invoke(app, ["--project", str(project), "export"])
        assert result.exit_code == 0, result.output
        folders[processes] = project / "cleaned"
    two, one = folders["2"], folders["1"]
    assert sorted(p.name for p in two.iterdir()) == sorted(p.name for p in one.iterdir())
    for name in ["sid2026.csv", "sid2026.parquet", "sid2026_huisgenoten.csv", "sid2026_huisgenoten.parquet",
                 "codebook.html", "codebook_en.html", "sid2026.sps", "README.txt", "tabellen.html"]:
        assert (two / name).read_bytes() == (one / name).read_bytes(), name
    assert (shared / "cleaned" / "tabellen.html").read_bytes() == (one / "tabellen.html").read_bytes()
    for folder in folders.values():
        shutil.rmtree(folder.parent)


def _say(text: str) -> str:
    print(text, file=sys.stderr)
    return text


@forks
def test_what_a_helper_writes_to_stderr_arrives(two, capfd):
    """(A warning of a library, e.g. openpyxl's about a workbook extension, is written so.)"""
    with beside(_say, "a workbook extension is not supported", what="a test") as job:
        assert job.running
        job.result()
    assert "a workbook extension is not supported" in capfd.readouterr().err


@forks
@pytest.mark.parametrize("processes", ["1", "2"])
def test_validation_beside_the_export_records_its_own_parts(tiny_project, monkeypatch, processes):
    """`sid run` validates beside weighting, the report and the export (a helper when two cores are usable):
    its summary joins the delivery when its result is taken, the README names it either way, each stage's
    record lists only its own delivery parts, and a change of the validation's settings reruns validation
    alone, to the delivery a fresh run makes."""
    monkeypatch.setenv(beside_module.ENV, processes)
    project = load_project(tiny_project)
    result = run_all(project)
    assert result.exit_code == 0 and result.clean.validation is not None
    assert not list(project.cleaned.glob(".validate")) and not list(project.cleaned.parent.glob(".cleaned.partial*"))
    readme = (project.cleaned / "README.txt").read_text(encoding="utf-8")
    # the README is written before the summary (beside), the Parquet copy (beside) and the CSV copy (after it):
    # it names each all the same, as a run in one process does
    assert all(f"\n{name} " in readme for name in ("validation_summary", "tiny.csv", "tiny.parquet")), readme
    records = {name: json.loads((project.work / "stages" / f"{name}.json").read_text(encoding="utf-8"))
               for name in ("clean", "validate", "export")}
    assert set(records["validate"]["parts"]) == {f"validation_{what}.{suffix}" for what in ("summary", "failures")
                                                 for suffix in ("csv", "xlsx")}  # (pseudonymised: failures too)
    assert not any(p.startswith("validation_") for p in records["export"]["parts"])
    assert "tiny.sav" in records["export"]["parts"] and "cleaning_log.csv" in records["clean"]["parts"]
    manifest = json.loads((project.cleaned / "manifest.json").read_text(encoding="utf-8"))
    listed = {entry["path"] for entry in manifest["outputs"]}
    assert set(records["validate"]["parts"]) | {"README.txt"} <= listed

    (tiny_project / "sid.toml").write_text(TINY_TOML + "\n[validate]\nmax_item_nonresponse = 0.5\n",
                                           encoding="utf-8")
    again = load_project(tiny_project)
    reused = {}
    run_all(again, finished=lambda done: reused.__setitem__(done.stage, done.reused))
    assert reused == {"ingest": True, "clean": True, "validate": False, "export": True}  # (the export reads no rule)
    rerun = {p.name: p.read_bytes() for p in again.cleaned.iterdir() if p.suffix in (".csv", ".txt", ".sps")}
    run_all(again, fresh=True)
    fresh = {p.name: p.read_bytes() for p in again.cleaned.iterdir() if p.suffix in (".csv", ".txt", ".sps")}
    assert rerun == fresh


@forks
@pytest.mark.parametrize("processes", ["1", "2"])
def test_a_validation_error_beside_the_export_stops_the_run_as_before(tiny_project, monkeypatch, processes):
    """A validation that fails (here: validate.accept names no rule) fails the run with its own error,
    whether it ran beside the export or before it; the previous delivery stays as it was."""
    monkeypatch.setenv(beside_module.ENV, processes)
    project = load_project(tiny_project)
    run_all(project)
    before = {p.name: p.read_bytes() for p in project.cleaned.iterdir()}
    (tiny_project / "sid.toml").write_text(TINY_TOML + '\n[validate.accept]\nno_such_rule = "a typo"\n',
                                           encoding="utf-8")
    with pytest.raises(SidError) as err:
        run_all(load_project(tiny_project))
    assert err.value.code == ErrorCode.CONFIG_INVALID and "no rule is called 'no_such_rule'" in str(err.value)
    assert {p.name: p.read_bytes() for p in project.cleaned.iterdir()} == before
    assert not list(project.cleaned.parent.glob(".cleaned.partial*"))
