"""Shared test fixtures: tiny XLSForms and project folders built in the test, and GNU PSPP."""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from cli import app

REPO = Path(__file__).resolve().parent.parent
NL, FR, EN = "Nederlands (nl)", "Français (fr)", "English (en)"


# The stages of `sid run` on the demo project (tests/test_rerun.py, tests/end_to_end/test_rerun_demo.py).
DEMO_STAGES = frozenset({"ingest", "code", "clean", "validate", "weight", "report", "export"})
AFTER_CLEAN = frozenset({"clean", "validate", "weight", "report", "export"})


def replace_once(path: Path, old: str, new: str) -> None:
    """Change a project file as a user would: `old` must be there; its first occurrence becomes `new`."""
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def write_xlsform(path: Path, survey: list[dict], choices: list[dict], settings: dict | None = None) -> Path:
    """Write an XLSForm workbook from rows given as dicts (columns are the union of keys)."""
    wb = openpyxl.Workbook()
    sheets = [("survey", survey), ("choices", choices),
              ("settings", [settings or {"form_id": "tiny", "form_title": "Tiny", "version": "1",
                                          "default_language": NL}])]
    wb.remove(wb.active)
    for title, rows in sheets:
        ws = wb.create_sheet(title)
        header: list[str] = []
        for row in rows:
            header += [k for k in row if k not in header]
        ws.append(header)
        for row in rows:
            ws.append([row.get(h) for h in header])
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def q(type_: str, name: str, nl: str | None = None, en: str | None = None, **extra) -> dict:
    """One survey row with Dutch and English labels."""
    row = {"type": type_, "name": name}
    if nl is not None:
        row[f"label::{NL}"] = nl
        row[f"label::{EN}"] = en or nl
    row.update(extra)
    return row


def c(list_name: str, name: str, nl: str, en: str | None = None) -> dict:
    return {"list_name": list_name, "name": name, f"label::{NL}": nl, f"label::{EN}": en or nl}


TINY_SURVEY = [
    {"type": "start", "name": "start"},
    {"type": "end", "name": "end"},
    q("text", "resp_id", "Respondentnummer", "Respondent number", required="yes"),
    {"type": "begin_group", "name": "persoon", f"label::{NL}": "Persoon", f"label::{EN}": "Person"},
    q("integer", "geboortejaar", "In welk jaar bent u geboren?", "Year of birth?",
      constraint=". >= 1940 and . <= 2011", required="yes"),
    q("select_one jn", "werk", "Heeft u betaald werk?", "Paid work?", required="yes"),
    q("select_one tevr", "tevreden", "Hoe tevreden bent u met uw werk?", "Job satisfaction?",
      relevant="${werk} = 1", measure="ordinal"),
    q("select_one land", "geboorteland", "Geboorteland", "Country of birth"),
    q("select_multiple taal", "talen", "Welke talen spreekt u thuis?", "Home languages?"),
    q("text", "talen_anders", "Andere taal", "Other language", relevant="selected(${talen}, 'other')"),
    {"type": "end_group"},
    {"type": "calculate", "name": "leeftijd", "calculate": "2026 - ${geboortejaar}"},
]
TINY_CHOICES = [
    c("jn", "1", "ja", "yes"), c("jn", "0", "nee", "no"), c("jn", "-2", "wil niet antwoorden", "refused"),
    *[c("tevr", str(i), t) for i, t in enumerate(["zeer ontevreden", "ontevreden", "neutraal",
                                                   "tevreden", "zeer tevreden"], start=1)],
    c("tevr", "-1", "weet niet", "don't know"),
    c("land", "BE", "België", "Belgium"), c("land", "MA", "Marokko", "Morocco"),
    c("land", "other", "Ander land", "Other country"), c("land", "-1", "weet niet", "don't know"),
    c("taal", "nl", "Nederlands", "Dutch"), c("taal", "ar", "Arabisch", "Arabic"),
    c("taal", "other", "Andere", "Other"),
]
TINY_CSV = """resp_id,start,end,geboortejaar,werk,tevreden,geboorteland,talen,talen_anders,leeftijd
R1,2026-03-02T10:00:00,2026-03-02T10:31:00,1980,1,4,BE,nl,,46
R2,2026-03-03T11:00:00,2026-03-03T11:25:10,1999,0,,MA,nl ar other,Berbers,27
R3,2026-03-04T09:15:00,2026-03-04T09:50:00,1975,1,-1,other,ar,,51
"""
TINY_SURVEY_TOML = """[survey]
name = "tiny"
title = "Kleine toetsenquête"
form = "schemas/form.xlsx"
language = "nl"
key = "resp_id"

[[sources]]
path = "raw/answers.csv"
"""
# Every test project pseudonymises: the key comes from this environment variable, which the
# session fixture `pseudonym_key` sets (no test delivers raw ids, none uses a demo key).
TEST_KEY_ENV = "SID_TEST_PSEUDONYM_KEY"
TEST_KEY = "sid-test-pseudonym-key-0123456789abcdef"
TINY_PRIVACY_TOML = f"""
[privacy]
key_env = "{TEST_KEY_ENV}"
"""
TINY_TOML = TINY_SURVEY_TOML + TINY_PRIVACY_TOML


@pytest.fixture(scope="session", autouse=True)
def pseudonym_key():
    """The test projects' pseudonymisation key, in the environment for the whole session (also
    for module-scoped runs and the subprocesses they start)."""
    before = os.environ.get(TEST_KEY_ENV)
    os.environ[TEST_KEY_ENV] = TEST_KEY
    yield TEST_KEY
    if before is None:
        os.environ.pop(TEST_KEY_ENV, None)
    else:
        os.environ[TEST_KEY_ENV] = before


@pytest.fixture
def tiny_form(tmp_path: Path) -> Path:
    return write_xlsform(tmp_path / "form.xlsx", TINY_SURVEY, TINY_CHOICES)


@pytest.fixture
def tiny_project(tmp_path: Path) -> Path:
    """A small survey project: its own form, CSV and sid.toml."""
    root = tmp_path / "tiny"
    write_xlsform(root / "schemas" / "form.xlsx", TINY_SURVEY, TINY_CHOICES)
    (root / "raw").mkdir()
    (root / "raw" / "answers.csv").write_text(TINY_CSV, encoding="utf-8")
    (root / "sid.toml").write_text(TINY_TOML, encoding="utf-8")
    return root


def copy_demo_project(root: Path, raw: bool = True) -> Path:
    """Copy the repository's bundled demo project (sid.toml, schemas/ and, unless `raw` is
    False, raw/) into `root`, which is created; returns `root`."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "sid.toml", root / "sid.toml")
    shutil.copytree(REPO / "schemas", root / "schemas")
    if raw:
        shutil.copytree(REPO / "raw", root / "raw")
    return root


@pytest.fixture
def demo_project(tmp_path: Path) -> Path:
    """A copy of the repository's bundled demo project (sid.toml, schemas/, raw/)."""
    return copy_demo_project(tmp_path / "demo")


_SHARED: dict[str, object] = {}


def demo_delivery(tmp_path_factory) -> Path:
    """One `sid run` of the bundled demo per test session, shared by every test that only reads
    its outputs (delivery, verify, tables, end-to-end, the cleaning replay); a test that changes
    files works on a copy (`demo_copy`)."""
    if "root" not in _SHARED:
        root = copy_demo_project(tmp_path_factory.mktemp("delivery"))
        result = CliRunner().invoke(app, ["--project", str(root), "run"])
        assert result.exit_code in (0, 1), result.output
        _SHARED["root"], _SHARED["exit_code"], _SHARED["output"] = root, result.exit_code, result.output
    return _SHARED["root"]


def demo_run_result(tmp_path_factory) -> tuple[int, str]:
    """The exit code and terminal output of the shared demo run."""
    demo_delivery(tmp_path_factory)
    return _SHARED["exit_code"], _SHARED["output"]


def demo_copy(tmp_path_factory, target: Path) -> Path:
    """A copy of the demo project as the shared run left it (sid.toml, schemas/, raw/, work/ and
    cleaned/ — a project that has run once), for a test that changes it; returns `target`."""
    shutil.copytree(demo_delivery(tmp_path_factory), target, ignore=shutil.ignore_patterns("*.lock"))
    return target


def run_pspp(syntax: str, workdir: Path) -> tuple[int, dict[str, list[list[str]]], str]:
    """Run GNU PSPP on `syntax`; return its exit code, its output tables (by title) and raw text."""
    if shutil.which("pspp") is None:
        pytest.fail("GNU PSPP is not installed (apt-get install pspp); .ci/run installs it")
    script = workdir / "check.sps"
    out = workdir / "check.csv"
    script.write_text(syntax, encoding="utf-8")
    proc = subprocess.run(["pspp", str(script), "-O", "format=csv", "-o", str(out)],
                          capture_output=True, text=True, timeout=120)
    text = out.read_text(encoding="utf-8") if out.exists() else proc.stdout
    tables: dict[str, list[list[str]]] = {}
    for block in text.split("\n\n"):
        lines = block.strip("\n").split("\n", 1)
        if lines and lines[0].startswith("Table: ") and len(lines) == 2:
            tables[lines[0][len("Table: "):]] = list(csv.reader(io.StringIO(lines[1])))
    return proc.returncode, tables, text


def pspp_dictionary(sav: Path, workdir: Path, sps: Path | None = None):
    """PSPP's own view of a .sav: {name: Variables-table row as dict}, {name: {value: label}},
    {name: {values declared user-missing}}, and the Multiple Response Sets table (if `sps`)."""
    syntax = f"SET TVARS=NAMES.\nGET FILE='{sav}'.\nDISPLAY DICTIONARY.\n"
    if sps is not None:
        syntax += f"INCLUDE FILE='{sps}'.\n"
    code, tables, text = run_pspp(syntax, workdir)
    assert code == 0, text
    assert "error" not in text.lower(), text
    header, *rows = tables["Variables"]
    variables = {row[0]: dict(zip(header, row)) for row in rows}
    value_labels: dict[str, dict[float, str]] = {}
    user_missing: dict[str, set[float]] = {}
    current = None
    for row in tables.get("Value Labels", [])[1:]:
        if len(row) < 3:  # "Footnote: a. User-missing value"
            continue
        current = row[0] or current
        value = row[1].replace("[a]", "")
        try:
            code = float(value)
        except ValueError:  # a string variable's value label ('MA' = Marokko)
            code = value
        value_labels.setdefault(current, {})[code] = row[2]
        if row[1].endswith("[a]"):
            user_missing.setdefault(current, set()).add(code)
    return variables, value_labels, user_missing, tables.get("Multiple Response Sets", [])
