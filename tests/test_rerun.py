"""Rerun only what changed (pipeline/rerun): which stages each kind of input reaches, a rerun with
nothing changed reuses every stage and delivers the same, and anything damaged or missing in work/
or cleaned/ makes its stage run again. The runs of the bundled demo are in
tests/end_to_end/test_rerun_demo.py."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from conftest import AFTER_CLEAN, DEMO_STAGES, copy_demo_project, replace_once

from pipeline import workdir
from pipeline.rerun import fingerprint
from pipeline.rerun.records import stages_of
from pipeline.run import run_all
from pipeline.survey.project import load_project

sys.path.insert(0, str(Path(__file__).parent / "end_to_end"))
from delivery_fingerprint import delivery_fingerprint  # noqa: E402


def _append_line(path: Path, line: str) -> None:
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(line + "\n")


def _touch_form(root: Path) -> None:
    """A real change to the form: a question's label in every language column, saved by openpyxl."""
    from openpyxl import load_workbook

    path = root / "schemas" / "questionnaire.xlsx"
    book = load_workbook(path)
    sheet = book["survey"]
    header = [c.value for c in sheet[1]]
    column = next(i for i, h in enumerate(header) if str(h).startswith("label"))
    cell = next(row[column] for row in sheet.iter_rows(min_row=2) if row[column].value)
    cell.value = f"{cell.value} (herzien)"
    book.save(path)


def _drop_last_contact(root: Path) -> None:
    path = root / "raw" / "contactpogingen.csv"
    data = path.read_bytes().rstrip(b"\r\n").rsplit(b"\n", 1)[0] + b"\n"
    path.write_bytes(data)


def _change_answer(root: Path) -> None:
    """The web export without its last record (one interview fewer)."""
    path = root / "raw" / "web_kobo.csv"
    path.write_bytes(path.read_bytes().rstrip(b"\r\n").rsplit(b"\n", 1)[0] + b"\n")


# kind of input → how it changes → the stages whose fingerprint must change (exactly those rerun)
CHANGES = {
    "raw export": (_change_answer, DEMO_STAGES),
    "contact log": (_drop_last_contact, {"weight", "report", "export"}),
    "sample frame": (lambda r: _append_line(r / "raw" / "steekproef.csv", ""), DEMO_STAGES),
    "form": (_touch_form, DEMO_STAGES),
    "rules.yaml": (lambda r: replace_once(r / "schemas" / "rules.yaml", "severity: warning", "severity: error"),
                   {"validate"}),
    "corrections.yaml": (lambda r: replace_once(r / "schemas" / "corrections.yaml", "<= 99", "<= 98"), AFTER_CLEAN),
    "code frame": (lambda r: replace_once(r / "schemas" / "codeframes" / "beroep.csv", "bediende bij de bank,4211",
                                      "bediende bij de bank,4110"), {"code"} | AFTER_CLEAN),
    "classification": (lambda r: _append_line(r / "schemas" / "classifications" / "country_aliases.csv", ""),
                       {"code"} | AFTER_CLEAN),
    "population": (lambda r: _append_line(r / "schemas" / "populatie.csv", ""), {"weight", "report", "export"}),
    "sid.toml [tables]": (lambda r: replace_once(r / "sid.toml", "min_n = 30", "min_n = 25"), {"export"}),
    "sid.toml [fieldwork]": (lambda r: replace_once(r / "sid.toml", "z_threshold = 3.5", "z_threshold = 3.0"),
                             {"report", "export"}),
    "sid.toml [weight]": (lambda r: replace_once(r / "sid.toml", "trim = 1.8", "trim = 1.9"), {"weight", "report", "export"}),
    "sid.toml [validate.accept]": (lambda r: replace_once(r / "sid.toml", "wordt aan ABB gemeld.\"", "wordt gemeld.\""),
                                   {"validate"}),
    "sid.toml [clean]": (lambda r: replace_once(r / "sid.toml", 'corrections = "schemas/corrections.yaml"',
                                            'corrections = "schemas/corrections.yaml"\nspeeder_ratio = 0.4'),
                         AFTER_CLEAN),
    # nothing reruns; the manifest (written by every run) still holds the new sid.toml
    "sid.toml comment only": (lambda r: _append_line(r / "sid.toml", "# a comment"), set()),
}


@pytest.mark.parametrize("kind", list(CHANGES))
def test_each_kind_of_input_reaches_exactly_the_stages_that_read_it(tmp_path: Path, kind: str):
    root = copy_demo_project(tmp_path / "demo")
    project = load_project(root)
    stages = stages_of(project)
    assert set(stages) == DEMO_STAGES
    before = fingerprint.fingerprints(project, stages)
    change, expected = CHANGES[kind]
    change(root)
    after = fingerprint.fingerprints(load_project(root), stages)
    assert {s for s in stages if before[s] != after[s]} == expected


def test_sid_itself_and_the_pseudonym_key_are_inputs(tmp_path: Path, monkeypatch):
    project = load_project(copy_demo_project(tmp_path / "demo"))
    stages = stages_of(project)
    before = fingerprint.fingerprints(project, stages)
    monkeypatch.setattr(fingerprint, "sid_version", lambda: "another sid")
    assert all(a != b for a, b in zip(before.values(), fingerprint.fingerprints(project, stages).values()))
    monkeypatch.undo()
    assert fingerprint.fingerprints(project, stages) == before
    # the demo key of sid.toml is used when the environment has none: another key, other pseudonyms
    monkeypatch.setenv("SID_PSEUDONYM_KEY", "another-key-for-this-test-only-0123456789")
    after = fingerprint.fingerprints(project, stages)
    # the stages whose outputs carry pseudonyms, and those after them
    assert {s for s in stages if before[s] != after[s]} == AFTER_CLEAN


def test_sid_version_covers_its_code():
    version = fingerprint.sid_version()
    assert version.startswith(fingerprint.__version__ + "+") and len(version) > len(fingerprint.__version__) + 8


def _run(root: Path, fresh: bool = False) -> tuple[set[str], set[str], int]:
    done = []
    result = run_all(load_project(root), finished=done.append, fresh=fresh)
    return {d.stage for d in done if d.reused}, {d.stage for d in done if not d.reused}, result.exit_code


def _delivery(root: Path) -> dict:
    """What the delivery means (data and SPSS metadata) and every CSV byte for byte, by file name."""
    cleaned = root / "cleaned"
    return {"fingerprint": delivery_fingerprint(cleaned, "tiny"),
            "files": sorted(p.name for p in cleaned.iterdir()),
            "csv": {p.name: p.read_bytes() for p in cleaned.glob("*.csv")}}


def test_a_rerun_with_nothing_changed_reuses_every_stage_and_delivers_the_same(tiny_project: Path):
    reused, ran, _ = _run(tiny_project)
    assert not reused and ran == {"ingest", "clean", "validate", "export"}
    first = _delivery(tiny_project)
    reused, ran, _ = _run(tiny_project)
    assert reused == {"ingest", "clean", "validate", "export"} and not ran
    assert _delivery(tiny_project) == first
    manifest = json.loads((tiny_project / "cleaned" / "manifest.json").read_text(encoding="utf-8"))
    assert {e["path"] for e in manifest["outputs"]} == set(first["files"]) - {"manifest.json"}
    reused, ran, _ = _run(tiny_project, fresh=True)  # --fresh: every stage runs
    assert not reused and ran == {"ingest", "clean", "validate", "export"}
    assert _delivery(tiny_project) == first


def _corrupt(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


# what is damaged → the stages that must run again (the others are reused)
DAMAGE = {
    "ingested.parquet missing": (lambda r: (r / "work" / workdir.INGESTED).unlink(), {"ingest"}),
    "cleaned.parquet damaged": (lambda r: _corrupt(r / "work" / workdir.CLEANED), {"clean"}),
    "a record unreadable": (lambda r: (r / "work" / "stages" / "validate.json").write_text("{", encoding="utf-8"),
                            {"validate"}),
    "a record of another fingerprint": (
        lambda r: replace_once(r / "work" / "stages" / "clean.json", '"fingerprint": "', '"fingerprint": "0'),
        {"clean"}),
    "a result damaged": (lambda r: _corrupt(r / "work" / "stages" / "ingest.pickle"), {"ingest"}),
    "a delivered part changed": (lambda r: _append_line(r / "cleaned" / workdir.CLEANING_LOG, "x"), {"clean"}),
    "the delivered .sav changed": (lambda r: _corrupt(r / "cleaned" / "tiny.sav"), {"export"}),
    "cleaned/ removed": (lambda r: shutil.rmtree(r / "cleaned"), {"clean", "validate", "export"}),
    "a roster file no run made": (lambda r: shutil.copy(r / "work" / workdir.INGESTED,
                                                        r / "work" / workdir.roster_file("kinderen")), {"ingest"}),
    "work/stages removed": (lambda r: shutil.rmtree(r / "work" / "stages"), {"ingest", "clean", "validate", "export"}),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_or_missing_artifact_is_never_trusted(tiny_project: Path, damage: str):
    _run(tiny_project)
    first = _delivery(tiny_project)
    spoil, expected = DAMAGE[damage]
    spoil(tiny_project)
    reused, ran, _ = _run(tiny_project)
    assert ran == expected and reused == {"ingest", "clean", "validate", "export"} - expected
    assert _delivery(tiny_project) == first
    assert not (tiny_project / "work" / workdir.roster_file("kinderen")).exists()  # ingest removes a stray roster
    reused, ran, _ = _run(tiny_project)  # and now all is recorded again
    assert not ran


def test_the_stage_lines_say_unchanged_reused_in_the_ui_language(tiny_project: Path):
    from typer.testing import CliRunner

    from cli import app

    runner = CliRunner()
    first = runner.invoke(app, ["--project", str(tiny_project), "run"])
    assert first.exit_code == 0, first.output
    assert "hergebruikt" not in first.output
    again = runner.invoke(app, ["--project", str(tiny_project), "run"])
    assert again.exit_code == 0, again.output
    assert "inlezen: ongewijzigd, hergebruikt" in again.output
    assert "levering: ongewijzigd, hergebruikt" in again.output
    replace_once(tiny_project / "sid.toml", "[survey]", '[survey]\nui_language = "en"')
    english = runner.invoke(app, ["--project", str(tiny_project), "run"])  # [survey] changed: all run
    assert english.exit_code == 0 and "reused" not in english.output
    english = runner.invoke(app, ["--project", str(tiny_project), "run"])
    assert "ingest: unchanged, reused" in english.output and "validate: unchanged, reused" in english.output
    fresh = runner.invoke(app, ["--project", str(tiny_project), "run", "--fresh"])
    assert fresh.exit_code == 0 and "reused" not in fresh.output


@pytest.mark.parametrize("where", ["write:cleaning_log_private.csv", "write:clean.json", "validate"])
def test_a_run_killed_inside_a_stage_leaves_nothing_a_rerun_trusts(tiny_project: Path, where: str):
    """Killed (SIGKILL) half-way through cleaning, or after it before its record, or after
    validation: the stage without a whole record runs again, the delivery is the first one's. Ingest is
    recorded once its frame is in work/ (written by a helper beside cleaning's work): killed inside that
    work, ingest has no record and runs again too."""
    import os
    import signal
    import subprocess

    _run(tiny_project)
    first = _delivery(tiny_project)
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]), SID_FAULT_AT=where)
    killed = subprocess.run([sys.executable, "-m", "cli", "--project", str(tiny_project), "run", "--fresh"],
                            capture_output=True, text=True, env=env, cwd=Path(__file__).resolve().parents[1],
                            timeout=600)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    reused, ran, _ = _run(tiny_project)
    from pipeline.parallel.beside import available

    inside_cleaning = where == "write:cleaning_log_private.csv" and available()
    assert ("ingest" in ran) == inside_cleaning and ("ingest" in reused) != inside_cleaning
    assert ("clean" in ran) == (where != "validate") and ("validate" in ran) == (where == "validate")
    assert _delivery(tiny_project) == first


def test_a_second_cleaning_starts_from_the_reconciliation_of_ingest(tiny_project: Path):
    """Cleaning marks the respondents it excludes in work/reconciliation.csv; cleaning again with
    fewer exclusions must not keep the first cleaning's marks (it starts from ingest's table)."""
    import pandas as pd

    from pipeline.cleaning.stage import _update_reconciliation

    _run(tiny_project)
    project = load_project(tiny_project)
    ingested = (project.work / workdir.RECONCILIATION_INGEST).read_bytes()
    assert (project.work / workdir.RECONCILIATION).read_bytes() == ingested  # the tiny project excludes no one
    _update_reconciliation(project, pd.DataFrame({"respondent": ["R2"], "reason": ["speeder"]}))
    marked = pd.read_csv(project.work / workdir.RECONCILIATION, dtype=str, keep_default_na=False)
    assert marked.loc[marked["key"] == "R2", "status"].tolist() == ["excluded"]
    _update_reconciliation(project, pd.DataFrame({"respondent": [], "reason": []}))
    assert (project.work / workdir.RECONCILIATION).read_bytes() == ingested


def test_the_day_is_an_input_only_where_an_expression_calls_today(tmp_path: Path, monkeypatch):
    root = copy_demo_project(tmp_path / "demo")
    project = load_project(root)
    stages = stages_of(project)
    monkeypatch.setattr(fingerprint, "_day", lambda: "2026-05-01")
    before = fingerprint.fingerprints(project, stages)
    monkeypatch.setattr(fingerprint, "_day", lambda: "2026-05-02")
    assert fingerprint.fingerprints(project, stages) == before  # the demo calls no today()
    with open(root / "schemas" / "rules.yaml", "a", encoding="utf-8") as fh:
        fh.write("\n- name: interview_niet_in_de_toekomst\n  description: Het interview ligt niet in de toekomst.\n"
                 "  expression: ${start} <= today()\n  severity: error\n")
    monkeypatch.setattr(fingerprint, "_day", lambda: "2026-05-01")
    first = fingerprint.fingerprints(project, stages)
    assert fingerprint.fingerprints(project, stages) == first
    monkeypatch.setattr(fingerprint, "_day", lambda: "2026-05-02")
    assert {s for s in stages if first[s] != fingerprint.fingerprints(project, stages)[s]} == DEMO_STAGES
    # the form's own expressions count too
    assert fingerprint.uses_today(load_project(copy_demo_project(tmp_path / "d2")), ("${x} < today()",))
