"""The bad-input corpus (tests/corpus/): every case is run through `sid run` on a tiny project.

A case that is an error must give exit 2, one line on stderr starting "sid: error:" that names the
file (sheet, row, column where the problem has one) and says what to do, no traceback, raw/
byte-identical and cleaned/ unchanged. A case that sid accepts (messy but readable input) must
run to the end (exit 0 or 1), report what it could not read in work/ingest_problems.csv, leave
raw/ untouched and account for every record. See docs/robustness.md to add a case.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from cli import app

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
BASE = CORPUS / "_base"
CASES = sorted(p.name for p in CORPUS.iterdir() if p.is_dir() and not p.name.startswith(("_", ".")))
REPO = Path(__file__).resolve().parents[2]


def _case(name: str) -> dict:
    return tomllib.loads((CORPUS / name / "case.toml").read_text(encoding="utf-8"))


def _tree(folder: Path) -> dict[str, str]:
    """Every file below `folder` (hidden ones too) → sha256."""
    if not folder.exists():
        return {}
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def delivered_base(tmp_path_factory) -> Path:
    """The base project after one good run: cleaned/ holds a previous delivery to protect."""
    root = tmp_path_factory.mktemp("corpus") / "base"
    shutil.copytree(BASE, root)
    result = CliRunner().invoke(app, ["--project", str(root), "run"], env={"SID_PSEUDONYM_KEY": None})
    assert result.exit_code == 0, result.output
    return root


def prepare(name: str, base: Path, target: Path) -> tuple[Path, dict]:
    """A copy of the delivered base project with the case's files laid over it."""
    meta = _case(name)
    shutil.copytree(base, target)
    for rel in meta.get("remove", []):
        (target / rel).unlink()
    for src in (CORPUS / name).rglob("*"):
        if src.is_file() and src.name != "case.toml":
            dest = target / src.relative_to(CORPUS / name)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dest)
    return target, meta


def check_error_line(line: str, meta: dict) -> None:
    assert line.startswith("sid: error: "), line
    for word in meta["expect"]:
        assert word in line, f"{word!r} not in: {line}"
    if "file" in meta:
        assert meta["file"] in line, f"file {meta['file']} not named: {line}"
    if "sheet" in meta:
        assert f"(sheet {meta['sheet']})" in line, line
    if "row" in meta:
        assert f"row {meta['row']}" in line, line
    if "column" in meta:
        assert f"column {meta['column']}" in line, line
    # What to do: the SidError's fix, a sentence of its own after the problem.
    assert line.rfind(meta["fix"]) > line.find(". ") > 0, f"fix {meta['fix']!r} not in: {line}"


@pytest.mark.parametrize("name", CASES)
def test_corpus_case(name, delivered_base, tmp_path):
    project, meta = prepare(name, delivered_base, tmp_path / "p")
    raw_before = _tree(project / "raw")
    cleaned_before = _tree(project / "cleaned")
    env = {"SID_PSEUDONYM_KEY": None, **meta.get("env", {})}
    result = CliRunner().invoke(app, ["--project", str(project), "run"], env=env)
    stderr = result.stderr
    assert "Traceback" not in result.output
    assert _tree(project / "raw") == raw_before, "raw/ was written"
    if meta["exit"] == 2:
        assert result.exit_code == 2, result.output
        lines = stderr.strip().splitlines()
        assert len(lines) == 1, stderr
        check_error_line(lines[0], meta)
        assert result.stdout.strip() == "", result.stdout
        assert _tree(project / "cleaned") == cleaned_before, "cleaned/ changed"
        return
    # Accepted: the run finishes, stderr stays silent, every record is accounted for.
    assert result.exit_code == meta["exit"], result.output
    assert stderr.strip() == "", stderr
    for words in meta["expect"]:  # e.g. a warning in the summary (rich may wrap the line)
        assert words in " ".join(result.stdout.split()), words
    work = project / "work"
    problems = pd.read_csv(work / "ingest_problems.csv", dtype=str, keep_default_na=False)
    for expected in meta.get("problems", []):
        hit = problems[(problems["row"] == str(expected["row"])) & (problems["column"] == expected["column"])]
        assert len(hit) == 1, (expected, problems)
        if "value" in expected:
            assert hit["value"].iloc[0] == expected["value"]
    rec = pd.read_csv(work / "reconciliation.csv", dtype=str, keep_default_na=False)
    from pipeline.ingest.sources import read_table
    from pipeline.survey.project import load_project

    records = sum(len(read_table(source).frame) for source in load_project(project).sources)
    assert sorted(rec["row"].astype(int)) == list(range(1, records + 1)), "a record was lost"
    assert set(rec["status"]) <= {"kept", "merged", "excluded"}
    for report in (project / "cleaned").glob("*.csv"):  # respondents' text never runs in Excel
        cells = pd.read_csv(report, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        for col in cells.columns:
            risky = cells[col].str.match(r"^[=+@]|^-[^\d]")
            assert not risky.any(), (report.name, col, cells[col][risky].tolist())


def test_corpus_size_and_outcomes():
    """At least 40 cases; errors and accepted inputs both present (figures for docs/robustness.md)."""
    outcomes = [_case(n)["exit"] for n in CASES]
    assert len(CASES) >= 40
    assert outcomes.count(2) >= 40
    assert len([o for o in outcomes if o in (0, 1)]) >= 10
    for name in CASES:
        meta = _case(name)
        assert meta["about"], name
        if meta["exit"] == 2:
            assert meta["expect"] and meta["fix"], name


SUBPROCESS_CASES = ["csv_binary_png", "form_cyclic_calculates", "sav_truncated", "key_missing"]


@pytest.mark.slow
@pytest.mark.parametrize("name", SUBPROCESS_CASES)
def test_real_stderr_has_no_traceback(name, delivered_base, tmp_path):
    """The console command as a data manager runs it: one line on the real stderr, nothing else
    (no warnings, no traceback), exit 2."""
    project, meta = prepare(name, delivered_base, tmp_path / "p")
    env = {k: v for k, v in os.environ.items() if k not in ("SID_PSEUDONYM_KEY", "SID_FAULT_AT")}
    env.update(meta.get("env", {}))
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run([sys.executable, "-m", "cli", "--project", str(project), "run"],
                          capture_output=True, text=True, env=env, cwd=REPO, timeout=300)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    check_error_line(lines[0], meta)
