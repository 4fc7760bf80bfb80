"""Every label language: sid's own labels from one table (nl, fr, en) with sid.toml overrides, an
English delivery without a Dutch label, and a label syntax that relabels the same .sav in PSPP."""

from __future__ import annotations

import shutil

import pyreadstat
import pytest
from typer.testing import CliRunner

from cli import app
from conftest import demo_delivery, run_pspp
from pipeline.delivery.labels import TEXTS, label_texts
from pipeline.survey.project import SID_MISSING

# Dutch texts of the table that differ from the English ones (a word such as "ja" in "Fieldwork" is
# no Dutch label: whole labels and document lines are compared, and words of the Dutch entries).
DUTCH = {row["nl"] for row in TEXTS.values() if row["nl"] != row["en"] and "{" not in row["nl"]}


def test_the_table_has_every_language_and_overrides_win():
    assert all(set(row) == {"nl", "fr", "en"} for row in TEXTS.values())
    en = label_texts("en", (("en", (("dont_know", "DK"),)), ("fr", (("dont_know", "NSP"),))))
    assert en.missing_labels(SID_MISSING) == {-1: "DK", -2: "refused", -3: "not applicable", -4: "invalid",
                                               -9: "no answer"}
    assert label_texts("nl").missing_labels(SID_MISSING)[-1] == "weet niet"  # [missing] gives the Dutch
    assert label_texts("fr").text("calculated", expression="a + b") == "calculé : a + b"


@pytest.fixture(scope="module")
def english(tmp_path_factory):
    """The demo's delivery with [export] languages = ["en", "nl"]."""
    root = tmp_path_factory.mktemp("english") / "demo"
    shutil.copytree(demo_delivery(tmp_path_factory), root, ignore=shutil.ignore_patterns("*.lock"))
    toml = root / "sid.toml"
    text = toml.read_text(encoding="utf-8")
    head, sep, rest = text.partition("[export]")
    if sep:  # replace the demo's own [export] table
        rest = rest.split("\n[", 1)[1]
        text = head + "[" + rest
    toml.write_text(text.replace("[paths]", '[export]\nlanguages = ["en", "nl"]\n\n[paths]', 1), encoding="utf-8")
    result = CliRunner().invoke(app, ["--project", str(root), "export"])
    assert result.exit_code in (0, 1), result.output
    return root / "cleaned"


@pytest.mark.slow
def test_an_english_delivery_has_no_dutch_label(english):
    _, meta = pyreadstat.read_sav(str(english / "sid2026.sav"), metadataonly=True)
    texts = [label for label in meta.column_labels if label]
    texts += [label for labels in meta.variable_value_labels.values() for label in labels.values()]
    found = sorted({t for t in texts if t in DUTCH} | {line for line in meta.notes for d in DUTCH if d in line})
    assert not found, found
    assert meta.variable_value_labels["modus"][-1.0] == "don't know"
    assert meta.column_labels[0] == "Respondent number (pseudonym)"
    assert "Labels in language: English (en)" in meta.notes


@pytest.mark.pspp
@pytest.mark.slow
def test_the_label_syntax_relabels_the_same_file_in_pspp(english, tmp_path):
    sps = english / "sid2026_labels_nl.sps"
    assert sps.is_file() and (english / "codebook_nl.html").is_file()
    code, tables, text = run_pspp(
        f"SET TVARS=NAMES.\nGET FILE='{english / 'sid2026.sav'}'.\nINCLUDE FILE='{sps}'.\n"
        "DISPLAY DICTIONARY /VARIABLES=modus herkomstgroep.\nDISPLAY DOCUMENTS.\n", tmp_path)
    assert code == 0 and "error" not in text.lower(), text
    header, *rows = tables["Variables"]
    labels = {row[0]: dict(zip(header, row))["Label"] for row in rows}
    assert labels["modus"] == "Afnamemodus van de vragenlijst"
    values = {row[1].replace("[a]", ""): row[2] for row in tables["Value Labels"][1:] if len(row) >= 3}
    assert values["-1"] == "weet niet" and values["504"] == "Marokko"
    assert "Labels in taal: Nederlands (nl)" in text
