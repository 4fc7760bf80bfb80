"""The codebook (pipeline/delivery/codebook.py) built from the SPSS dictionary of the tiny form:
one row per .sav variable, one per code with its frequency, question texts in every form
language; and the XLSX and HTML files written from it, read back with openpyxl and html.parser."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import openpyxl
import pandas as pd
import pytest
from conftest import TINY_CHOICES, TINY_SURVEY, write_xlsform
from test_export import tiny_frame

from pipeline.delivery.codebook import (
    MRSET_COLUMNS,
    VALUE_COLUMNS,
    VARIABLE_COLUMNS,
    build_codebook,
    missing_text,
    write_codebook_html,
    write_codebook_xlsx,
)
from pipeline.delivery.export import spss_frame
from pipeline.survey.questionnaire import Language, load_questionnaire

SAV_ORDER = ["resp_id", "start", "end", "geboortejaar", "werk", "tevreden", "geboorteland", "talen_nl",
             "talen_ar", "talen_other", "talen_anders", "leeftijd"]
MISSING_CODES = ["-1", "-2", "-3", "-4", "-9"]


@pytest.fixture(scope="module")
def form(tmp_path_factory):
    return load_questionnaire(write_xlsform(tmp_path_factory.mktemp("form") / "form.xlsx",
                                            TINY_SURVEY, TINY_CHOICES))


def codebook_of(form, frame=None, language="nl", **extra):
    data, dictionary, _ = spss_frame(tiny_frame() if frame is None else frame, form, language=language,
                                     key="resp_id", title="Kleine toetsenquête", **extra)
    return build_codebook(dictionary, form, data, language=language, sav_name="tiny.sav"), data, dictionary


@pytest.fixture(scope="module")
def book(form):
    return codebook_of(form)[0]


def values_of(book, name: str) -> pd.DataFrame:
    return book.values[book.values["variabele"] == name].set_index("code")


def test_one_row_per_sav_variable_in_sav_order_with_frozen_columns(book):
    assert book.variables["variabele"].tolist() == SAV_ORDER
    assert book.variables["positie"].tolist() == list(range(1, 13))
    assert list(book.variables.columns) == VARIABLE_COLUMNS[:4] + ["vraag_nl", "vraag_en"] + VARIABLE_COLUMNS[4:]
    assert list(book.values.columns) == VALUE_COLUMNS[:3] + ["label_nl", "label_en"] + VALUE_COLUMNS[3:]
    assert list(book.mrsets.columns) == MRSET_COLUMNS
    assert (book.title, book.sav_name, book.rows, book.language, book.languages) == \
        ("Kleine toetsenquête", "tiny.sav", 3, "nl", ("nl", "en"))
    assert book.documents[0] == "Kleine toetsenquête" and "Vragenlijst tiny versie 1" in book.documents


def test_labels_questions_types_routing_and_derivation_come_from_the_form(book):
    v = book.variables.set_index("variabele")
    assert v.loc["werk", ["label", "vraag_nl", "vraag_en"]].tolist() == \
        ["Heeft u betaald werk?", "Heeft u betaald werk?", "Paid work?"]
    # a 0/1 indicator: the question with its choice, in every language, and its source question
    assert v.loc["talen_ar", ["bron", "vraag_nl", "vraag_en"]].tolist() == \
        ["talen", "Welke talen spreekt u thuis?: Arabisch", "Home languages?: Arabic"]
    assert v.loc["talen_ar", "type"] == "numeriek (0/1-indicator van meerkeuzevraag talen)"
    assert v.loc["tevreden", "type"] == "numeriek (enkele keuze, lijst tevr)"
    assert v.loc["geboortejaar", "type"] == "numeriek (integer)"
    assert v.loc["resp_id", "type"] == "tekst (text)"
    assert v.loc["start", "type"] == "datum/tijd (start)"
    assert v.loc["leeftijd", "type"] == "numeriek (afgeleid)"
    assert v.loc["tevreden", "routing"] == "${werk} = 1"
    assert v.loc["talen_anders", "routing"] == "selected(${talen}, 'other')"
    assert v.loc["leeftijd", "afleiding"] == "2026 - ${geboortejaar}" and v.loc["werk", "afleiding"] == ""
    assert v.loc["werk", "module"] == "persoon" and v.loc["leeftijd", "module"] == ""
    assert v.loc["tevreden", "meetniveau"] == "ordinal" and v.loc["geboortejaar", "meetniveau"] == "scale"
    assert v.loc["werk", "ontbrekende_codes"] == "-9 t/m -1" and v.loc["resp_id", "ontbrekende_codes"] == ""
    assert v.loc["talen_anders", "formaat"] == "A7" and v.loc["start", "formaat"] == "DATETIME20"


def test_summaries_per_kind(book):
    v = book.variables.set_index("variabele")
    # numeric, not coded: valid count, min, max, mean
    assert v.loc["geboortejaar", ["geldig", "ontbrekend", "leeg", "minimum", "maximum", "gemiddelde"]].tolist() \
        == [3, 0, 0, 1975, 1999, 1984.67]
    # coded: -3 (not asked) and -1 (don't know) are declared missing, no mean of codes
    assert v.loc["tevreden", ["geldig", "ontbrekend", "leeg", "gemiddelde"]].tolist() == [1, 2, 0, ""]
    # text: filled, empty and distinct answers
    assert v.loc["talen_anders", ["geldig", "leeg", "verschillend"]].tolist() == [1, 2, 1]
    # dates: first and last
    assert v.loc["start", ["minimum", "maximum"]].tolist() == ["2026-03-02 10:00:00", "2026-03-04 09:15:00"]


def test_value_rows_have_labels_in_every_language_and_frequencies(book):
    werk = values_of(book, "werk")
    assert werk.index.tolist() == ["0", "1", *MISSING_CODES]  # valid codes first, then missing
    assert werk.loc["0", ["label", "label_nl", "label_en", "ontbrekend", "aantal", "procent"]].tolist() == \
        ["nee", "nee", "no", "nee", 1, 33.3]
    assert werk.loc["1", ["aantal", "procent"]].tolist() == [2, 66.7]

    assert werk.loc["-2", ["label", "label_en", "ontbrekend"]].tolist() == ["wil niet antwoorden", "refused", "ja"]
    tevreden = values_of(book, "tevreden")
    assert tevreden.loc[["4", "-1", "-3"], "aantal"].tolist() == [1, 1, 1]
    assert tevreden.loc["-3", "label"] == "niet van toepassing"
    land = values_of(book, "geboorteland")
    assert land.loc[["1", "2", "3"], "label_en"].tolist() == ["Belgium", "Morocco", "Other country"]
    ar = values_of(book, "talen_ar")
    assert ar.loc[["0", "1"], "label"].tolist() == ["niet gekozen", "gekozen"]
    assert ar.loc[["0", "1"], "label_en"].tolist() == ["not selected", "selected"]
    assert ar.loc[["0", "1", "-3"], "aantal"].tolist() == [1, 1, 1]
    # every respondent is counted once per coded variable
    for name in ("werk", "tevreden", "geboorteland", "talen_nl", "talen_ar", "talen_other"):
        assert values_of(book, name)["aantal"].sum() == 3, name
    # a scale variable lists only its missing codes; text and date variables have no value rows
    assert values_of(book, "geboortejaar").index.tolist() == MISSING_CODES
    assert not {"resp_id", "start", "talen_anders"} & set(book.values["variabele"])


def test_multiple_response_set(book):
    assert book.mrsets.to_dict("records") == [
        {"set": "$talen", "label": "Welke talen spreekt u thuis?", "variabelen": "talen_nl talen_ar talen_other"}]


def test_labels_in_english_when_the_sav_is_in_english(form):
    book, _, _ = codebook_of(form, language="en")
    assert book.language == "en"
    werk = values_of(book, "werk")
    assert werk.loc["0", ["label", "label_nl", "label_en"]].tolist() == ["no", "nee", "no"]
    assert book.variables.set_index("variabele").loc["werk", "label"] == "Paid work?"


def test_columns_from_outside_the_form_unlabelled_and_text_codes(form):
    frame = tiny_frame().assign(stratum=[1.0, 2.0, 7.0], land_iso=["MA", "BE", None])
    book, _, _ = codebook_of(
        form, frame, labels={"stratum": "Uit de steekproef: stratum", "land_iso": "Geboorteland (ISO)"},
        value_labels={"stratum": {1: "Belgische herkomst", 2: "Marokkaanse herkomst"},
                      "land_iso": {"MA": "Marokko", "TR": "Turkije"}})
    v = book.variables.set_index("variabele")
    assert v.loc["stratum", "type"] == "numeriek (buiten de vragenlijst)"
    assert v.loc["stratum", ["vraag_nl", "routing", "module"]].tolist() == ["", "", ""]
    stratum = values_of(book, "stratum")
    # 7 has no label but is a value of a coded variable: listed, so the frequencies add up
    assert stratum.index.tolist() == ["1", "2", "7"]
    assert stratum.loc["7", ["label", "aantal"]].tolist() == ["", 1]
    land = values_of(book, "land_iso")  # text codes: labelled ones, then others found; '' is no code
    assert land.index.tolist() == ["MA", "TR", "BE"]
    assert land["aantal"].tolist() == [1, 0, 1] and land.loc["TR", "label_en"] == "Turkije"


def test_no_respondents_gives_zero_counts_not_an_error(form, tmp_path):
    book, _, _ = codebook_of(form, tiny_frame().iloc[0:0])
    assert book.rows == 0
    assert (book.values["aantal"] == 0).all() and (book.values["procent"] == 0.0).all()
    assert book.variables.set_index("variabele").loc["geboortejaar", "minimum"] == ""
    write_codebook_xlsx(book, tmp_path / "codebook.xlsx")
    write_codebook_html(book, tmp_path / "codebook.html")
    assert "0 respondenten" in (tmp_path / "codebook.html").read_text(encoding="utf-8")


def test_codes_of_eight_digits_are_written_as_the_sav_holds_them(form):
    frame = tiny_frame().assign(verhuisd=[20260302.0, 99999999.0, 20260303.0])
    book, _, _ = codebook_of(form, frame, labels={"verhuisd": "Datum van verhuizing (jjjjmmdd)"},
                             value_labels={"verhuisd": {99999999: "onbekend"}})
    assert values_of(book, "verhuisd").index.tolist() == ["20260302", "20260303", "99999999"]


def test_helpers():
    assert Language.of("Nederlands (nl)").code == "nl" and Language.of("Français (fr)").code == "fr"
    assert Language.of("English") == Language("English", "english")
    assert missing_text([{"lo": -9.0, "hi": -1.0}]) == "-9 t/m -1"
    assert missing_text([-1.0, -2.0]) == "-1, -2"


# --- the files ---------------------------------------------------------------------------------

def test_xlsx_has_the_same_tables(book, tmp_path):
    path = tmp_path / "codebook.xlsx"
    write_codebook_xlsx(book, path)
    assert [p.name for p in tmp_path.iterdir()] == ["codebook.xlsx"]  # no temp file left behind
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["variabelen", "waarden", "meerkeuzesets", "over"]
    rows = {name: list(wb[name].iter_rows(values_only=True)) for name in wb.sheetnames}
    assert list(rows["variabelen"][0]) == list(book.variables.columns)
    assert [r[1] for r in rows["variabelen"][1:]] == SAV_ORDER
    assert wb["variabelen"].freeze_panes == "A2"
    waarden = pd.DataFrame(rows["waarden"][1:], columns=rows["waarden"][0])
    werk = waarden[waarden["variabele"] == "werk"]
    assert [str(c) for c in werk["code"]] == ["0", "1", *MISSING_CODES]
    assert werk["aantal"].tolist() == [1, 2, 0, 0, 0, 0, 0]
    assert rows["meerkeuzesets"][1] == ("$talen", "Welke talen spreekt u thuis?", "talen_nl talen_ar talen_other")
    over = dict(r for r in rows["over"][1:] if r[0] != "document")
    assert over == {"titel": "Kleine toetsenquête", "bestand": "tiny.sav", "respondenten": "3",
                    "variabelen": "12", "taal van de labels": "nl", "talen van de vragenlijst": "nl, en"}


def test_xlsx_never_holds_a_formula(form, tmp_path):
    frame = tiny_frame().assign(herkomst=["1", "2", "1"])
    book, _, _ = codebook_of(form, frame, labels={"herkomst": "=HYPERLINK(\"http://x\",\"klik\")"},
                             value_labels={"herkomst": {1: "+32 Belg", 2: "@Marokkaans"}})
    path = tmp_path / "codebook.xlsx"
    write_codebook_xlsx(book, path)
    wb = openpyxl.load_workbook(path)
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = {c.value for c in cells if isinstance(c.value, str)}
    assert "'=HYPERLINK(\"http://x\",\"klik\")" in texts and "'+32 Belg" in texts


class Html(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.links, self.sections, self.langs = [], [], [], []
        self.missing_rows = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        self.links += [v for k, v in attrs.items() if k in ("href", "src")]
        if tag == "section":
            self.sections.append(attrs["data-variabele"])
        if "lang" in attrs and tag == "dd":
            self.langs.append(attrs["lang"])
        if tag == "tr" and attrs.get("class") == "ontbrekend":
            self.missing_rows += 1


def test_html_is_self_contained_escaped_and_has_every_variable(form, tmp_path):
    frame = tiny_frame().assign(herkomst=[1.0, 2.0, 1.0])
    book, _, _ = codebook_of(form, frame, labels={"herkomst": "Herkomst <script>alert(1)</script> & ouders"},
                             value_labels={"herkomst": {1: "Belg <1>", 2: "Marokkaans & Berbers"}})
    path = tmp_path / "codebook.html"
    write_codebook_html(book, path)
    text = path.read_text(encoding="utf-8")
    parser = Html()
    parser.feed(text)
    assert parser.sections == [*SAV_ORDER, "herkomst"]
    assert "script" not in parser.tags and "link" not in parser.tags and "style" in parser.tags
    assert all(link.startswith("#var-") for link in parser.links)
    assert "Herkomst &lt;script&gt;alert(1)&lt;/script&gt; &amp; ouders" in text
    assert "<td>Belg &lt;1&gt;</td>" in text and "Marokkaans &amp; Berbers" in text
    assert set(parser.langs) == {"nl", "en"}
    assert parser.missing_rows == (book.values["ontbrekend"] == "ja").sum()
    assert '<html lang="nl">' in text and "3 respondenten, 13 variabelen" in text
    # the routing is shown as code, the Dutch label and the English one both in the value table
    assert re.search(r"Routing \(gesteld als\)</dt><dd><code>\$\{werk\} = 1</code>", text)
    assert "<th>Label (en)</th>" in text and "<td lang=\"en\">refused</td>" in text


def test_valid_percent_stands_beside_the_percent_of_all(book):
    numeric = book.values[book.values["code"].str.fullmatch(r"-?\d+(\.\d+)?")]
    for name, rows in numeric.groupby("variabele"):
        valid = rows[rows["ontbrekend"] == "nee"]
        assert rows.loc[rows["ontbrekend"] == "ja", "geldig_procent"].isna().all(), name
        if valid["aantal"].sum():
            assert valid["geldig_procent"].sum() == pytest.approx(100, abs=0.3), name
            total = rows["aantal"].sum()
            assert (valid["geldig_procent"] >= valid["procent"]).all() or total == 0, name


def test_codebooks_of_other_languages_reuse_the_figures_and_equal_fresh_ones(form):
    """`figures` (kept by the delivery for its codebooks in several label languages): each
    variable's counts and summary are computed once, and every codebook built with them is the
    codebook built on its own, text codes and codes outside the form included."""
    frame = tiny_frame().assign(stratum=[1.0, 2.0, 7.0], land_iso=["MA", "BE", None])
    extra = dict(labels={"stratum": "stratum", "land_iso": "land"},
                 value_labels={"stratum": {1: "Belgische herkomst", 2: "Marokkaanse herkomst"},
                               "land_iso": {"MA": "Marokko", "TR": "Turkije"}})
    figures: dict = {}
    for language in ("nl", "en"):
        data, dictionary, _ = spss_frame(frame, form, language=language, key="resp_id", title="t", **extra)
        alone = build_codebook(dictionary, form, data, language=language, sav_name="tiny.sav")
        shared = build_codebook(dictionary, form, data, language=language, sav_name="tiny.sav", figures=figures)
        pd.testing.assert_frame_equal(shared.variables, alone.variables)
        pd.testing.assert_frame_equal(shared.values, alone.values)
        assert len(figures) == len(dictionary.variables)  # the second language added none
    assert values_of(alone, "land_iso")["aantal"].tolist() == [1, 0, 1]
    assert values_of(alone, "werk").loc["0", "label"] == "no"
