"""The leak test of the privacy gate: the adversarial corpus (tests/test_pii.py) planted in the
demo's open answers, numbers that are identifiers typed into a numeric question, and personal data
in the sample frame's municipality column; after `sid run`, no file in cleaned/ holds any of them.

The scan is independent of the detectors: each planted item has a core (the digits of its number,
or the marker `zxq` in its text) and every delivered file is read whole (XLSX unzipped, .sav and
Parquet read as data and metadata, the rest as text), normalised only so that an invisible or
full-width character cannot hide a core from the scan."""

from __future__ import annotations

import csv
import re
import unicodedata
import zipfile
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pyreadstat
import pytest
from conftest import copy_demo_project
from test_pii import LEAKS
from typer.testing import CliRunner

from cli import app

NUMBER_TAGS = ("[RRN]", "[BIS]", "[IBAN]", "[TEL]")
# Open answers: every number-based variant of the corpus, and the text ones with a marker.
MARKED = [
    "zxqjan.peeters+sid@telenet.be", "mail ZXQJAN.PEETERS@TELENET.BE aub", "zxqnaam [at] domein [dot] be",
    "zxqjan(at)telenet.be", "schrijf naar zxqjan at gmail dot com aub", "ｚｘｑjan＠telenet.be",
    "zxq\u200bjan@telenet.be", "zie www.zxq-lek.be/pagina.", "HTTPS://ZXQ.EXAMPLE.ORG/x?y=1",
    "zxq-gent.be/loket", "facebook.com/zxq.peeters",
]
OPEN = [text for text, expected in LEAKS if any(t in expected for t in NUMBER_TAGS)] + MARKED
# Typed into a numeric question (aantal_vrienden): a mobile number without its 0, with its country
# code, a register number, one whose leading zero was lost, a BIS number, a landline.
NUMERIC = ["0470123456", "32470123456", "85073100328", "5031724579", "85473100119", "092345678"]
# The sample frame's municipality column (joined to the data, grouped in the fieldwork report).
MUNICIPALITY = ["https://zxq-gemeente.be/loket", "zxqinfo@gent.be", "Gent, bel 0475/26.72.60"]
# The digits no delivered file may hold (the numbers of the corpus without separators).
CORES = {"85073100328", "5031724579", "85473100119", "470123456", "92345678", "27288435", "475267260",
         "201234567", "2079460958", "221234567", "612345678", "096123456769", "0417164300",
         "370400440532013000", "12345698765432", "0006100519786457841326", "109010140000071219812874",
         "007593840000", "0019400644750000", "20041010050500013"}
RUN = re.compile(r"\d(?:[\d\s./()\-+]*\d)?")


def normalised(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return "".join(c for c in text if unicodedata.category(c) != "Cf").lower()


def leaks(text: str) -> list[str]:
    text = normalised(text)
    digits = {re.sub(r"\D", "", run) for run in RUN.findall(text)}
    found = sorted(core for core in CORES if any(core in d for d in digits))
    return found + (["zxq"] if "zxq" in text else [])


def readable(path: Path) -> str:
    """All a person or a program could read in a delivered file."""
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as z:
            return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    if path.suffix == ".sav":
        data, meta = pyreadstat.read_sav(str(path), user_missing=True)
        return "\n".join([data.to_csv(), repr(meta.column_labels), repr(meta.variable_value_labels),
                          repr(meta.notes), meta.file_label or ""])
    if path.suffix == ".parquet":
        return pd.read_parquet(path).to_csv() + repr(pq.read_schema(path).metadata)
    return path.read_bytes().decode("utf-8", "replace")


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    root = copy_demo_project(tmp_path_factory.mktemp("planted") / "demo")
    web = pd.read_csv(root / "raw" / "web_kobo.csv", dtype=str, keep_default_na=False, sep=";")
    rows = list(range(0, 2 * len(OPEN), 2))  # every other row: most are kept, complete interviews
    web.loc[rows, "opmerkingen"] = OPEN
    numeric_rows = [r + 1 for r in rows[:len(NUMERIC) * 4]]
    web.loc[numeric_rows, "aantal_vrienden"] = NUMERIC * 4
    web.to_csv(root / "raw" / "web_kobo.csv", index=False, sep=";", quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    sample = pd.read_csv(root / "raw" / "steekproef.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    respondents = sample["sample_id"].isin(web["sample_id"].iloc[rows])
    where = sample.index[respondents][:len(MUNICIPALITY) * 3]
    sample.loc[where, "gemeente"] = MUNICIPALITY * 3
    sample.to_csv(root / "raw" / "steekproef.csv", index=False, encoding="utf-8-sig")
    result = CliRunner().invoke(app, ["--project", str(root), "run"])
    assert result.exit_code in (0, 1), result.output
    return root, result


@pytest.mark.slow
def test_the_planted_corpus_reached_the_data(planted):
    """The test means something: the planted answers are in the private cleaned data (work/), the
    numbers were made -4 by the personal_data step, and the scan finds them in work/."""
    root, _ = planted
    private = pd.read_parquet(root / "work" / "cleaned.parquet")
    kept = set(private["opmerkingen"].dropna()) & set(OPEN)
    assert len(kept) >= 0.8 * len(OPEN), len(kept)
    assert set(private["gemeente"]) >= set(MUNICIPALITY)
    log = pd.read_csv(root / "work" / "cleaning_log_private.csv", dtype=str)
    step = log[log["step"] == "personal_data"]
    assert set(step["variable"]) == {"aantal_vrienden"} and len(step) >= len(NUMERIC) * 2
    assert set(step["new"].astype(float)) == {-4.0}
    private_text = readable(root / "work" / "cleaned.parquet") + readable(root / "work" / "cleaning_log_private.csv")
    assert set(leaks(private_text)) == CORES | {"zxq"}  # every core is there to be found


@pytest.mark.slow
def test_no_planted_item_in_any_delivered_file(planted):
    root, result = planted
    files = sorted(p for p in (root / "cleaned").rglob("*") if p.is_file())
    assert len(files) >= 20, files
    found = {p.name: f for p in files if (f := leaks(readable(p)))}
    assert found == {}
    assert leaks(result.stdout + result.stderr) == []


@pytest.mark.slow
def test_the_delivered_cleaning_log_names_the_kind_not_the_number(planted):
    root, _ = planted
    log = pd.read_csv(root / "cleaned" / "cleaning_log.csv", dtype=str, keep_default_na=False)
    step = log[log["step"] == "personal_data"]
    assert set(step["old"]) == {"[TEL]", "[RRN]", "[BIS]"} and set(step["new"]) == {"-4.0"}
    assert step["respondent"].str.fullmatch(r"R[0-9a-f]{16}").all()


@pytest.mark.slow
def test_verify_and_the_scrub_agree(planted):
    """`sid verify` (the same normalised detectors) passes the scrubbed delivery as a demo."""
    root, _ = planted
    result = CliRunner().invoke(app, ["verify", "--allow-demo", str(root / "cleaned")])
    assert result.exit_code == 0, result.output


def test_the_scan_sees_hidden_cores():
    assert leaks("bel 0470\u200b12 34 56") == ["470123456"]
    assert leaks("x 8507310\uff11328") == []  # a digit changed: not the planted number
    assert leaks("x 8507310\uff10328") == ["85073100328"]  # a full-width zero is a zero
    assert leaks("ｚｘｑ@x.be") == ["zxq"]
    assert leaks("respondent R3a9f00c1d2e4b6a8 1977 -9 2026-03-02 [TEL] [RRN]") == []
