"""No leaks: after a demo run, no output, log or error message contains a national register
number, e-mail address or phone number from the raw data (the sample frame's identifiers and the
personal data planted in open answers), a sample id, or the pseudonymisation key.

Scanned: stdout and stderr of `sid run`, and every file the run writes in the project except
work/ (private by design); raw/, schemas/ and sid.toml are inputs. .sav files are read with
pyreadstat (data, labels, documents), workbooks cell by cell, Parquet as a table, the rest as text.
Numbers are compared as digit sequences, so a reformatted phone or register number is still found.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from conftest import copy_demo_project
from typer.testing import CliRunner

from cli import app

REPO = Path(__file__).resolve().parents[2]
SECRET = "leak-test-secret-7f3a9c2e41b0d5"  # set as SID_PSEUDONYM_KEY for the run
INPUTS = ("work", "raw", "schemas", "sid.toml")
NUMBER = re.compile(r"\+?\d[\d\s./-]{6,}\d")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
SAMPLE_ID = re.compile(r"S\d{7}")


def digits(text: str) -> str | None:
    """A phone or register number as digits, without the Belgian prefix (0032, +32, 0)."""
    d = re.sub(r"\D", "", text)
    for prefix in ("0032", "32", "0"):
        if d.startswith(prefix) and len(d) - len(prefix) >= 8:
            d = d[len(prefix):]
            break
    return d if len(d) >= 8 else None


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = copy_demo_project(tmp_path_factory.mktemp("leaks") / "demo")
    result = CliRunner().invoke(app, ["--project", str(root), "run"], env={"SID_PSEUDONYM_KEY": SECRET})
    assert result.exit_code in (0, 1), result.output
    return root, result


@pytest.fixture(scope="module")
def planted(run):
    """Everything that must never leave work/: identifiers of the sample frame, the personal data
    typed into open answers (from the demo's ground truth), and both keys."""
    import tomllib

    from pipeline.ingest.sources import map_columns, read_table
    from pipeline.survey.project import load_project
    from pipeline.survey.questionnaire import questionnaire_of

    root, _ = run
    sample = pd.read_csv(root / "raw" / "steekproef.csv", dtype=str, keep_default_na=False)
    numbers = {digits(v) for col in ("rijksregisternummer", "telefoon") for v in sample[col] if v}
    emails = {v.lower() for v in sample["email"] if v}
    ids = set(sample["sample_id"])
    project = load_project(root)
    form = questionnaire_of(project)
    truth = pd.read_csv(root / "raw" / "demo_truth.csv", dtype=str, keep_default_na=False)
    pii = truth[truth["defect"] == "pii_in_open_answer"]
    assert len(pii) >= 20
    answers = []
    for source in project.sources:
        rows = pii[pii["source"] == source.name]
        if rows.empty:
            continue
        table = read_table(source).frame
        by_var = {v: c for c, v in map_columns(list(table.columns), form, source).variables.items()}
        for r in rows.itertuples():
            answers.append(str(table.loc[int(r.row) - 1, by_var[r.variable]]))
    typed_numbers = {digits(m) for a in answers for m in NUMBER.findall(a)} - {None}
    typed_emails = {m.lower() for a in answers for m in EMAIL.findall(a)}
    assert len(typed_numbers) >= 10 and len(typed_emails) >= 10, answers
    config = tomllib.loads((root / "sid.toml").read_text(encoding="utf-8"))
    keys = {SECRET, config["privacy"]["demo_key"]}
    return {"numbers": (numbers | typed_numbers) - {None}, "emails": emails | typed_emails,
            "sample_ids": ids, "keys": keys, "typed": answers}


def file_texts(root: Path) -> dict[str, str]:
    """Every file the run wrote outside work/, as text (tables flattened)."""
    import openpyxl
    import pyreadstat

    texts = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if not path.is_file() or rel.parts[0] in INPUTS:
            continue
        raw = path.read_bytes().decode("utf-8", errors="replace")
        if path.suffix == ".sav":
            data, meta = pyreadstat.read_sav(str(path))
            raw += data.to_csv() + repr(meta.column_labels) + repr(meta.variable_value_labels)
            raw += repr(meta.notes) + repr(meta.file_label)
        elif path.suffix == ".xlsx":
            wb = openpyxl.load_workbook(path, read_only=True)
            cells = [str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True)
                     for v in row if v is not None]
            wb.close()
            raw = "\n".join(cells)
        elif path.suffix == ".parquet":
            import pyarrow.parquet as pq

            raw = pd.read_parquet(path).to_csv() + str(pq.read_schema(path))
        texts[rel.as_posix()] = raw
    return texts


def leaks(text: str, planted: dict) -> list[str]:
    found = []
    found += [f"number {n}" for n in {digits(m) for m in NUMBER.findall(text)} & planted["numbers"]]
    found += [f"e-mail {e}" for e in {m.lower() for m in EMAIL.findall(text)} & planted["emails"]]
    found += [f"sample id {s}" for s in set(SAMPLE_ID.findall(text)) & planted["sample_ids"]]
    found += ["the pseudonymisation key" for k in planted["keys"] if k in text]
    return sorted(found)


@pytest.mark.slow
def test_no_identifier_or_key_in_any_output(run, planted):
    root, result = run
    texts = file_texts(root)
    assert any(name.endswith(".sav") for name in texts) and len(texts) >= 8, sorted(texts)
    texts["<stdout>"] = result.stdout
    texts["<stderr>"] = result.stderr
    found = {name: leaks(text, planted) for name, text in texts.items()}
    assert {name: f for name, f in found.items() if f} == {}


@pytest.mark.slow
def test_the_scan_would_see_a_leak(run, planted):
    """The detector itself: planted values written the ways a leak could look are all found."""
    number = next(n for n in sorted(planted["numbers"]) if len(n) == 9)
    email = sorted(planted["emails"])[0]
    spaced = f"+32 {number[:3]} {number[3:5]} {number[5:7]} {number[7:]}"
    text = f"bel {spaced} of mail {email.upper()} ; sleutel {SECRET}; id {sorted(planted['sample_ids'])[0]}"
    assert len(leaks(text, planted)) == 4
    assert leaks("respondent R3a9f00c1d2e4b6a8 1977 -9 2026-03-02", planted) == []


@pytest.mark.slow
def test_error_messages_do_not_repeat_the_key(tmp_path):
    """A key that is refused (too short) is not echoed in the error line."""
    root = copy_demo_project(tmp_path / "demo")
    result = CliRunner().invoke(app, ["--project", str(root), "run"], env={"SID_PSEUDONYM_KEY": "kort-geheim"})
    assert result.exit_code == 2, result.output
    assert "kort-geheim" not in result.output
    assert not (root / "cleaned").exists() or not any((root / "cleaned").iterdir())
