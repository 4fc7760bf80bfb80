"""Rerun only what changed, on the bundled demo (every stage configured): after each kind of change
exactly the dependent stages run, and the delivery equals a fresh run's of the same inputs; a stage
run alone (`sid clean`, then `sid export`) takes the artifacts that belong to the current inputs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest
from conftest import AFTER_CLEAN, demo_copy, replace_once
from conftest import DEMO_STAGES as ALL
from delivery_fingerprint import delivery_fingerprint
from typer.testing import CliRunner

from cli import app
from pipeline import workdir
from pipeline.run import run_all
from pipeline.survey.project import load_project


def _run(root: Path, fresh: bool = False) -> set[str]:
    """The stages that ran (were not reused)."""
    done = []
    run_all(load_project(root), finished=done.append, fresh=fresh)
    assert {d.stage for d in done} == ALL
    return {d.stage for d in done if not d.reused}


def _delivery(root: Path) -> dict:
    """What the delivery means (data and SPSS metadata), its file names, every CSV byte for byte
    (cleaning log, validation summary and failures, weights, fieldwork rates ...) and the private
    tables in work/ that the stages hand on."""
    cleaned = root / "cleaned"
    work = {name: pd.read_csv(root / "work" / name, dtype=str, keep_default_na=False)
            for name in (workdir.RECONCILIATION, workdir.EXCLUSIONS, workdir.WEIGHTS, workdir.CLEANING_LOG_PRIVATE)}
    return {"fingerprint": delivery_fingerprint(cleaned, "sid2026"),
            "files": sorted(p.name for p in cleaned.iterdir() if not p.name.startswith(".")),
            "csv": {p.name: p.read_bytes() for p in cleaned.glob("*.csv")},
            "work": {name: frame.to_dict("list") for name, frame in work.items()}}


def _same_as_fresh(root: Path, tmp: Path) -> None:
    fresh = tmp / f"fresh-{len(list(tmp.iterdir()))}"
    shutil.copytree(root, fresh, ignore=shutil.ignore_patterns("*.lock"))
    assert _run(fresh, fresh=True) == ALL
    mine, theirs = _delivery(root), _delivery(fresh)
    for part in mine:
        if part == "csv":
            for name in mine["csv"]:
                assert mine["csv"][name] == theirs["csv"][name], name
        assert mine[part] == theirs[part], part


@pytest.mark.slow
def test_each_change_reruns_its_stages_and_delivers_what_a_fresh_run_does(tmp_path_factory, tmp_path):
    root = demo_copy(tmp_path_factory, tmp_path / "demo")
    first = _delivery(root)
    assert _run(root) == set()  # nothing changed: every stage reused
    assert _delivery(root) == first
    steps = [
        ("rules.yaml", lambda: replace_once(root / "schemas" / "rules.yaml", "severity: warning", "severity: error"),
         {"validate"}),
        ("[tables]", lambda: replace_once(root / "sid.toml", "min_n = 30", "min_n = 25"), {"export"}),
        ("[fieldwork]", lambda: replace_once(root / "sid.toml", "z_threshold = 3.5", "z_threshold = 2.5"),
         {"report", "export"}),
        ("contact log", lambda: _drop_last_line(root / "raw" / "contactpogingen.csv"), {"weight", "report", "export"}),
        ("corrections.yaml", lambda: replace_once(root / "schemas" / "corrections.yaml", "<= 99", "<= 98"), AFTER_CLEAN),
        ("code frame", lambda: replace_once(root / "schemas" / "codeframes" / "beroep.csv", "bediende bij de bank,4211",
                                        "bediende bij de bank,4110"), {"code"} | AFTER_CLEAN),
    ]
    for i, (kind, change, expected) in enumerate(steps):
        change()
        assert _run(root) == expected, kind
        if i in (0, len(steps) - 1):  # a fresh run of the same inputs delivers the same
            _same_as_fresh(root, tmp_path)
    assert _run(root) == set()


def _drop_last_line(path: Path) -> None:
    path.write_bytes(path.read_bytes().rstrip(b"\r\n").rsplit(b"\n", 1)[0] + b"\n")


def _weights_delivered(root: Path) -> pd.Series:
    data, _ = pyreadstat.read_sav(str(root / "cleaned" / "sid2026.sav"), usecols=["gewicht"])
    return data["gewicht"].round(8)


@pytest.mark.slow
def test_export_after_a_stage_run_alone_takes_the_artifacts_of_the_current_inputs(tmp_path_factory, tmp_path):
    """The known bug: `sid export` after a standalone `sid clean` took whichever frame was written
    last (workdir.newest), so weights of an earlier cleaning could be delivered."""
    root = demo_copy(tmp_path_factory, tmp_path / "demo")
    runner = CliRunner()
    sid = lambda *args: runner.invoke(app, ["--project", str(root), *args])  # noqa: E731
    before = _weights_delivered(root)
    # the same inputs: `sid clean` alone makes the same cleaned data, so the weights still belong to it
    assert sid("clean").exit_code in (0, 1)
    exported = sid("export")
    assert exported.exit_code == 0, exported.output
    assert _weights_delivered(root).equals(before)
    # other corrections: the weights in work/ are of the earlier cleaning, and export says so
    replace_once(root / "schemas" / "corrections.yaml", "<= 99", "<= 98")
    assert sid("clean").exit_code in (0, 1)
    refused = sid("export")
    assert refused.exit_code == 2 and "weights in work/ are of an earlier cleaning" in refused.output
    assert "sid weight" in refused.output
    assert _weights_delivered(root).equals(before)  # the delivery is as it was
    assert sid("weight").exit_code == 0
    exported = sid("export")
    assert exported.exit_code == 0, exported.output
    weights = pd.read_csv(root / "work" / workdir.WEIGHTS)
    delivered = _weights_delivered(root)
    assert len(delivered) == len(weights)
    assert sorted(delivered) == sorted(weights["gewicht"].round(8))
    # and `sid run` now reuses what the stages run alone recorded, reruns the rest, delivers as fresh
    ran = _run(root)
    assert "ingest" not in ran and "clean" not in ran and "weight" not in ran
    _same_as_fresh(root, tmp_path)
