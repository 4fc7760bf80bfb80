"""Every label language: sid's own labels from one table (nl, fr, en) with sid.toml overrides, an
English delivery without a Dutch label, and a label syntax that relabels the same .sav in PSPP."""

from __future__ import annotations

import html
import re
import shutil

import openpyxl
import pyreadstat
import pytest
from conftest import demo_delivery, run_pspp
from typer.testing import CliRunner

from cli import app
from pipeline.delivery.labels import TEXTS, label_texts
from pipeline.survey.project import SID_MISSING

# Dutch texts of the table that differ from the English ones (a word such as "ja" in "Fieldwork" is
# no Dutch label: whole labels and document lines are compared, and words of the Dutch entries).
DUTCH = {row["nl"] for row in TEXTS.values() if row["nl"] != row["en"] and "{" not in row["nl"]}


def dutch_fragments(lang: str) -> tuple[set[str], set[str]]:
    """The Dutch entries of sid's label table as what a file may not contain: the fixed parts of
    each entry (split at its {fields}) of 6 characters or more, searched for anywhere; shorter
    entries ("ja", "nee", "Leeg") only as a whole cell or label. An entry that is the same in
    `lang` (a word both languages use: "Module", "Privacy") is not Dutch."""
    long, short = set(), set()
    for row in TEXTS.values():
        if row["nl"] in (row["en"], row[lang]):
            continue
        for part in re.split(r"\{[^}]*\}", row["nl"]):
            part = part.strip(" :;,.()")
            if len(part) >= 6 and part not in row[lang]:
                long.add(part)
            elif part and "{" not in row["nl"]:
                short.add(part)
    return long, short


def delivery_texts(folder, lang: str) -> tuple[dict[str, str], set[str]]:
    """Every text sid wrote in `lang` into a delivery: file → its text (the .sav's labels, value
    labels, documents and file label; the codebook (HTML, the XLSX's cells), README.txt, the DDI,
    the .sps files), and the set of whole cells and labels."""
    texts, cells = {}, set()
    first = lang == "en"
    if first:
        _, meta = pyreadstat.read_sav(str(folder / "sid2026.sav"), metadataonly=True)
        labels = [label or "" for label in meta.column_labels]
        labels += [label for labels in meta.variable_value_labels.values() for label in labels.values()]
        texts["sid2026.sav"] = "\n".join([meta.file_label or "", *labels, *meta.notes])
        cells |= set(labels) | set(meta.notes)
        for name in ("README.txt", "sid2026.sps", "sid2026_ddi.xml", "codebook.html"):
            texts[name] = (folder / name).read_text(encoding="utf-8")
        book = folder / "codebook.xlsx"
    else:
        for name in (f"sid2026_labels_{lang}.sps", f"codebook_{lang}.html"):
            texts[name] = (folder / name).read_text(encoding="utf-8")
        book = folder / f"codebook_{lang}.xlsx"
    workbook = openpyxl.load_workbook(book, read_only=True)
    values = []
    for ws in workbook.worksheets:  # the columns of the other languages (vraag_nl, label_nl) are the form's own
        rows = ws.iter_rows(values_only=True)
        header = next(rows, ())
        keep = [i for i, h in enumerate(header) if not re.search(r"_(?!" + lang + r"$)[a-z]{2}$", str(h))]
        values += [str(row[i]) for row in rows for i in keep if i < len(row) and row[i] is not None]
    texts[book.name] = "\n".join(values)
    cells |= set(values)
    for name in texts:  # the form's texts in the other languages, marked lang="nl" / xml:lang="nl", are not sid's
        if name.endswith(".html"):
            texts[name] = re.sub(r'<(td|dd) lang="(?!' + lang + r'")[^"]*">.*?</\1>', "", texts[name], flags=re.S)
        if name.endswith(".xml"):
            texts[name] = re.sub(r'<(?!codeBook)(\w+)[^>]*xml:lang="(?!' + lang + r'")[^"]*"[^>]*>.*?</\1>', "",
                                 texts[name], flags=re.S)
        if name.endswith((".html", ".xml")):  # what a reader sees: the texts, not the markup (class names)
            shown = [html.unescape(c).strip() for c in re.findall(r">([^<>]+)<", texts[name])]
            texts[name] = "\n".join(shown)
            cells |= set(shown)
    return texts, cells


def dutch_in(folder, lang: str) -> list[str]:
    long, short = dutch_fragments(lang)
    texts, cells = delivery_texts(folder, lang)
    found = [f"{name}: {part!r}" for name, text in texts.items() for part in sorted(long) if part in text]
    return found + [f"cell {part!r}" for part in sorted(short & cells)]


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
    toml.write_text(text.replace("[paths]", '[export]\nlanguages = ["en", "nl", "fr"]\n\n[paths]', 1), encoding="utf-8")
    result = CliRunner().invoke(app, ["--project", str(root), "export"])
    assert result.exit_code in (0, 1), result.output
    DUTCH_DELIVERY["cleaned"] = demo_delivery(tmp_path_factory) / "cleaned"
    return root / "cleaned"


DUTCH_DELIVERY: dict = {}  # the demo's own (Dutch) delivery, beside the English one


@pytest.mark.slow
def test_no_dutch_sid_text_anywhere_in_an_english_or_french_delivery(english):
    """Every file the English delivery holds in English (.sav, .sps, README, codebook HTML and
    XLSX, DDI) and the French label syntax and codebook: no Dutch entry of sid's label table."""
    assert dutch_in(english, "en") == []
    assert dutch_in(english, "fr") == []
    readme = (english / "README.txt").read_text(encoding="utf-8")
    assert "DEMO delivery: made with demo data" in readme and "Missing values" in readme
    assert "-1 don't know" in readme


@pytest.mark.slow
def test_the_weighted_tables_speak_the_delivery_language(english):
    """`sid report tables` on the English delivery: headings, the note, tooltips and the module of
    the sample's columns in English; the Dutch demo's tables hold the Dutch texts the scan looks for."""
    result = CliRunner().invoke(app, ["--project", str(english.parent), "report", "tables"])
    assert result.exit_code == 0, result.output
    long, short = dutch_fragments("en")

    def dutch(page: str) -> list[str]:
        shown = [html.unescape(c).strip() for c in re.findall(r">([^<>]+)<", page)]
        shown += re.findall(r'title="([^"]*)"', page)
        text = "\n".join(shown)
        return sorted({p for p in long if p in text} | (short & set(shown)))

    page = (english.parent / "work" / "tabellen.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in page and "Weighted valid percentages" in page and ">Answer</th>" in page
    assert dutch(page) == []
    dutch_page = (DUTCH_DELIVERY["cleaned"] / "tabellen.html").read_text(encoding="utf-8")
    assert {"Vraag", "Antwoord", "Totaal"} <= set(dutch(dutch_page))


@pytest.mark.slow
def test_the_scan_finds_the_dutch_it_looks_for(english):
    """The scan is no empty check: run on the Dutch demo delivery as if it were English, it finds
    the DEMO notice, the documents, README's headings, the codebook's headings and yes/no."""
    long, short = dutch_fragments("en")
    assert "DEMO-levering: gemaakt met demodata, niet voor analyse of archivering" in long
    assert {"ja", "nee"} <= short and "Overzicht" in long and "weet niet" in long
    found = "\n".join(dutch_in(DUTCH_DELIVERY["cleaned"], "en"))
    for text in ("sid2026.sav: 'DEMO-levering", "README.txt: 'Ontbrekende waarden'", "codebook.html: 'Overzicht'",
                 "sid2026_ddi.xml: 'Codeboek'", "sid2026.sps: 'Open eerst het .sav-bestand", "cell 'ja'"):
        assert text in found, text


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
