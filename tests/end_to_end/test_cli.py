"""The sid command as a user runs it: exit codes, one-line errors, nothing written on failure."""

import os
import subprocess
import sys

import pandas as pd
import pyreadstat
import pytest
from typer.testing import CliRunner

from cli import app
from conftest import TINY_TOML

runner = CliRunner()


def sid(*args):
    return runner.invoke(app, list(args))


def test_run_on_another_project(tiny_project):
    result = sid("--project", str(tiny_project), "run")
    assert result.exit_code == 0, result.output
    sav = tiny_project / "cleaned" / "tiny.sav"
    assert "3 respondents" in result.output
    data, meta = pyreadstat.read_sav(str(sav))
    crosswalk = pd.read_csv(tiny_project / "work" / "crosswalk.csv", dtype=str)  # the ids stay in work/
    assert data["respondent_id"].map(dict(crosswalk.values)).tolist() == ["R1", "R2", "R3"]
    assert data["geboorteland"].tolist() == [1.0, 2.0, 3.0]
    assert (tiny_project / "cleaned" / "tiny.sps").is_file()
    assert (tiny_project / "work" / "ingested.parquet").is_file()


def test_stages_run_alone(tiny_project):
    assert sid("--project", str(tiny_project), "export").exit_code == 2
    assert sid("--project", str(tiny_project), "ingest").exit_code == 0
    assert sid("--project", str(tiny_project), "clean").exit_code == 0
    result = sid("--project", str(tiny_project), "export")
    assert result.exit_code == 0, result.output
    assert (tiny_project / "cleaned" / "tiny.sav").is_file()


def _fails_cleanly(project, *args) -> str:
    cleaned = project / "cleaned"
    before = {p.name: p.read_bytes() for p in cleaned.iterdir()} if cleaned.exists() else {}
    raw_before = {p.name: p.read_bytes() for p in (project / "raw").iterdir()}
    result = sid("--project", str(project), *args)
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert "Traceback" not in result.output
    after = {p.name: p.read_bytes() for p in cleaned.iterdir()} if cleaned.exists() else {}
    assert after == before
    assert {p.name: p.read_bytes() for p in (project / "raw").iterdir()} == raw_before
    return lines[0]


def test_malformed_form_exit_2_one_line(tiny_project):
    assert sid("--project", str(tiny_project), "run").exit_code == 0
    import openpyxl

    form = tiny_project / "schemas" / "form.xlsx"
    wb = openpyxl.load_workbook(form)
    wb["survey"]["A6"] = "select_one geenlijst"
    wb.save(form)
    line = _fails_cleanly(tiny_project, "run")
    assert line == (f"sid: error: {form}, row 6: List name not in choices sheet: geenlijst. "
                    "Correct the form and run again.")


def test_malformed_sid_toml_exit_2_one_line(tiny_project):
    (tiny_project / "sid.toml").write_text(TINY_TOML.replace("[survey]", "[survey"))
    line = _fails_cleanly(tiny_project, "run")
    assert line.startswith(f"sid: error: {tiny_project / 'sid.toml'}: not valid TOML")


def test_unknown_label_language(tiny_project):
    (tiny_project / "sid.toml").write_text(TINY_TOML.replace('language = "nl"', 'language = "tr"'))
    line = _fails_cleanly(tiny_project, "run")
    assert "the form has no labels in language 'tr'" in line


def test_debug_shows_the_traceback(tiny_project):
    (tiny_project / "sid.toml").write_text(TINY_TOML.replace('key = "resp_id"', ""))
    result = sid("--debug", "--project", str(tiny_project), "run")
    assert result.exit_code != 0
    assert result.exception is not None


def test_missing_project_folder(tmp_path):
    result = sid("--project", str(tmp_path / "nowhere"), "run")
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_form_command(tiny_project):
    result = sid("--project", str(tiny_project), "form")
    assert result.exit_code == 0, result.output
    assert "10 variables" in result.output


def test_console_script_help_is_quick_to_import():
    # `sid --help` must not import pandas/pyreadstat: they load only inside commands.
    code = "import sys, cli; print(any(m in sys.modules for m in ('pandas', 'pyreadstat', 'pyxform')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
