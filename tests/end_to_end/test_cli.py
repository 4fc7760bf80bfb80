"""The sid command as a user runs it: exit codes, one-line errors, nothing written on failure."""

import json
import os
import re
import subprocess
import sys

import pandas as pd
import pyreadstat
import pytest
from conftest import REPO, TINY_TOML
from typer.testing import CliRunner

from cli import app

runner = CliRunner()


def sid(*args):
    return runner.invoke(app, list(args))


def test_run_on_another_project(tiny_project):
    result = sid("--project", str(tiny_project), "run")
    assert result.exit_code == 0, result.output
    sav = tiny_project / "cleaned" / "tiny.sav"
    assert "3 respondenten" in result.output
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


def test_form_command_lists_the_variables_per_module(tiny_project):
    result = sid("form", "--project", str(tiny_project))
    assert result.exit_code == 0, result.output
    assert "Module persoon: 6 variabelen" in result.output
    assert re.search(r"│ tevreden\s+│ select_one tevr\s+│ Hoe tevreden bent u met uw werk\?\s+│ \$\{werk\} = 1\s+│",
                     result.output), result.output
    assert "10 variabelen; 2 met routing" in result.output
    result = sid("form", "--json", "-p", str(tiny_project))
    assert result.exit_code == 0, result.output
    variables = {v["name"]: v for v in json.loads(result.output)["variables"]}
    assert len(variables) == 10
    assert variables["talen_anders"] == {"module": "persoon", "name": "talen_anders", "type": "text",
                                         "label": "Andere taal", "routing": "selected(${talen}, 'other')",
                                         "choices": ""}
    assert variables["leeftijd"]["module"] == "" and variables["werk"]["choices"] == "jn"


def test_project_and_debug_before_or_after_the_command(tiny_project):
    after = sid("run", "-p", str(tiny_project))
    assert after.exit_code == 0, after.output
    before = sid("-p", str(tiny_project), "run")
    assert before.exit_code == 0, before.output
    assert sid("ingest", f"--project={tiny_project}").exit_code == 0
    assert "-p/--project DIR" in sid("run", "--help").output
    (tiny_project / "sid.toml").write_text(TINY_TOML.replace('key = "resp_id"', ""))
    result = sid("run", "--project", str(tiny_project), "--debug")
    assert result.exit_code != 0 and result.exception is not None  # --debug: the traceback


def test_global_options_are_listed_and_checked(tiny_project):
    help_text = sid("--help").output
    assert re.search(r"-p, --project DIR\s+Survey project folder", help_text), help_text
    assert re.search(r"--debug\s+Show the full traceback", help_text), help_text
    missing = sid("run", "-p")
    assert missing.exit_code == 2 and "a folder is required" in missing.output, missing.output
    tiny = sid("form", "-p", str(tiny_project), "--json")
    assert tiny.exit_code == 0 and len(json.loads(tiny.output)["variables"]) == 10
    here = sid("form", "--json")  # the next command's project is its own: here (the repository, the demo survey)
    assert here.exit_code == 0 and len(json.loads(here.output)["variables"]) > 100


def test_a_command_does_not_import_pydantic(tiny_project):
    """typer 0.29 converts option values through pydantic (0.1 s of import): sid reads its global options itself
    and gives --help the value False, which typer leaves as it is. In a fresh Python, as a user's command runs."""
    code = ("import sys; from cli import app\n"
            "try:\n    app(['form', '-p', sys.argv[1], '--json'])\nexcept SystemExit as e:\n    assert e.code == 0, e\n"
            "print(sorted(m for m in sys.modules if m.startswith(('pydantic', 'typer._adapters'))))")
    done = subprocess.run([sys.executable, "-c", code, str(tiny_project)], capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout[-500:]


def test_run_prints_a_line_per_stage_and_a_closing_line(tiny_project):
    result = sid("run", "-p", str(tiny_project))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert re.fullmatch(r"inlezen\s+3 interviews behouden  \(\d+,\d s\)", lines[0]), lines[0]
    assert re.fullmatch(r"levering\s+\d+ variabelen in het SPSS-bestand  \(\d+,\d s\)", lines[2]), lines[:4]
    # its own stage (rerun alone), run beside the export: its line when its result is taken, after the export's
    assert re.fullmatch(r"valideren\s+0 fouten  \(\d+,\d s\)", lines[3]), lines[:4]
    assert re.fullmatch(rf"klaar in \d+,\d s; levering: {re.escape(str(tiny_project / 'cleaned'))} \(tiny\.sav\)",
                        lines[-2]), lines[-2:]
    assert lines[-1] == "exitcode 0: geen fouten na het opschonen"


def test_ui_language_english(tiny_project):
    (tiny_project / "sid.toml").write_text(TINY_TOML.replace('language = "nl"', 'language = "nl"\nui_language = "en"'))
    result = sid("run", "-p", str(tiny_project))
    assert result.exit_code == 0, result.output
    assert "3 respondents" in result.output and result.output.splitlines()[-1] == "exit code 0: no errors after cleaning"
    assert re.search(r"done in \d+\.\d s", result.output)


@pytest.mark.parametrize("change, words", [
    (('path = "raw/answers.csv"', 'path = "raw/answers.csv"\nmode = "paper"'),
     "sources[1].mode: 'paper' is not a mode of collection. Use one of: web, capi, papi."),
    (('language = "nl"', 'language = "nl"\nui_language = "fr"'), "survey.ui_language: 'fr' is not a language"),
    (('key = "resp_id"', ""), "survey.key"),
])
def test_unknown_setting_values_and_missing_keys_are_refused(tiny_project, change, words):
    (tiny_project / "sid.toml").write_text(TINY_TOML.replace(*change))
    line = _fails_cleanly(tiny_project, "run")
    assert words in line


def test_piped_output_is_full_width_without_colour(tiny_project):
    env = dict(os.environ, COLUMNS="40", PYTHONPATH=str(REPO))  # even a narrow COLUMNS cuts nothing off
    out = subprocess.run([sys.executable, "-m", "cli", "run", "-p", str(tiny_project)], capture_output=True,
                         text=True, env=env, cwd=REPO)
    assert out.returncode == 0, out.stderr
    assert "…" not in out.stdout and "\x1b[" not in out.stdout
    assert "klaar in" in out.stdout
    assert max(len(line) for line in out.stdout.splitlines()) > 40


def test_console_script_help_is_quick_to_import():
    # `sid --help` must not import pandas/pyreadstat: they load only inside commands.
    code = "import sys, cli; print(any(m in sys.modules for m in ('pandas', 'pyreadstat', 'pyxform')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
