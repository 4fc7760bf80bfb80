"""The DDI-Codebook 2.5 file (pipeline/delivery/ddi.py) written from the tiny form's codebook,
parsed back with xml.etree: study and file description, one <var> per .sav variable with its
label, question texts, categories, frequencies, missing codes, routing and derivation."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from conftest import TINY_CHOICES, TINY_SURVEY, q, write_xlsform
from test_codebook import SAV_ORDER, codebook_of
from test_delivery import CATGRY_SEQUENCE, CODEBOOK_SEQUENCE, NS, VAR_SEQUENCE, in_schema_order

from pipeline.delivery.ddi import write_ddi
from pipeline.survey.questionnaire import load_questionnaire

LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SHA = "0123456789abcdef" * 4

# The tiny form, with a question text and a routing condition that XML must escape.
SURVEY = [q("select_one tevr", "tevreden", "Hoe tevreden bent u met uw werk & loon?", "Satisfied with work & pay?",
            relevant="${werk} = 1 and ${geboortejaar} < 2000", measure="ordinal")
          if row.get("name") == "tevreden" else row for row in TINY_SURVEY]


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ddi")
    form = load_questionnaire(write_xlsform(folder / "form.xlsx", SURVEY, TINY_CHOICES))
    book, _, dictionary = codebook_of(form)
    target = folder / "out" / "tiny_ddi.xml"
    target.parent.mkdir()
    write_ddi(book, target, study_id="tiny", sav_sha256=SHA)
    return target, ET.parse(target).getroot(), book, dictionary


@pytest.fixture(scope="module")
def variables(written):
    _, root, _, _ = written
    return {v.get("name"): v for v in root.findall("d:dataDscr/d:var", NS)}


def text(element, path: str) -> str | None:
    return element.findtext(path, namespaces=NS)


def categories(var) -> dict[str, dict]:
    out = {}
    for cat in var.findall("d:catgry", NS):
        labels = {l.get(LANG): l.text for l in cat.findall("d:labl", NS)}
        out[text(cat, "d:catValu")] = {"missing": cat.get("missing"), "labels": labels,
                                       "freq": int(text(cat, "d:catStat[@type='freq']"))}
    return out


def test_study_and_file_description(written):
    path, root, book, _ = written
    assert path.read_bytes().startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert [p.name for p in path.parent.iterdir()] == ["tiny_ddi.xml"]  # written atomically, no temp left
    assert root.tag == "{ddi:codebook:2_5}codeBook"
    assert (root.get("version"), root.get("ID"), root.get(LANG)) == ("2.5", "tiny", "nl")
    assert in_schema_order(root, CODEBOOK_SEQUENCE)
    assert text(root, "d:stdyDscr/d:citation/d:titlStmt/d:titl") == "Kleine toetsenquête"
    assert text(root, "d:stdyDscr/d:citation/d:titlStmt/d:IDNo") == "tiny"
    assert text(root, "d:docDscr/d:citation/d:titlStmt/d:titl") == "Codeboek: Kleine toetsenquête"
    assert [n.text for n in root.findall("d:stdyDscr/d:stdyInfo/d:notes", NS)] == list(book.documents)
    ftxt = root.find("d:fileDscr/d:fileTxt", NS)
    assert root.find("d:fileDscr", NS).get("ID") == "F1"
    assert text(ftxt, "d:fileName") == "tiny.sav"
    assert text(ftxt, "d:dataFingerprint/d:digitalFingerprintValue") == SHA
    assert text(ftxt, "d:dataFingerprint/d:algorithmSpecification") == "SHA-256"
    assert (text(ftxt, "d:dimensns/d:caseQnty"), text(ftxt, "d:dimensns/d:varQnty")) == ("3", "12")


def test_one_var_per_sav_variable_with_its_label_and_format(written, variables):
    _, root, _, dictionary = written
    vars_ = root.findall("d:dataDscr/d:var", NS)
    assert [v.get("name") for v in vars_] == SAV_ORDER
    assert [v.get("ID") for v in vars_] == [f"V{i}" for i in range(1, 13)]
    for var in vars_:
        spss = dictionary[var.get("name")]
        assert in_schema_order(var, VAR_SEQUENCE), spss.name
        assert var.get("files") == "F1"
        assert text(var, "d:labl[@level='variable']") == spss.label
        assert text(var, "d:varFormat") == spss.format
        assert var.find("d:varFormat", NS).get("schema") == "SPSS"
        for cat in var.findall("d:catgry", NS):
            assert in_schema_order(cat, CATGRY_SEQUENCE), spss.name
    assert variables["tevreden"].findtext("d:labl", namespaces=NS) == "Hoe tevreden bent u met uw werk & loon?"
    assert variables["talen_anders"].find("d:varFormat", NS).get("type") == "character"
    assert variables["start"].find("d:varFormat", NS).get("category") == "date"
    assert variables["start"].find("d:varFormat", NS).get("formatname") == "DATETIME"


def test_question_texts_in_every_form_language(variables):
    qstn = {q.get(LANG): text(q, "d:qstnLit") for q in variables["werk"].findall("d:qstn", NS)}
    assert qstn == {"nl": "Heeft u betaald werk?", "en": "Paid work?"}
    indicator = {q.get(LANG): text(q, "d:qstnLit") for q in variables["talen_ar"].findall("d:qstn", NS)}
    assert indicator == {"nl": "Welke talen spreekt u thuis?: Arabisch", "en": "Home languages?: Arabic"}
    assert variables["leeftijd"].findall("d:qstn", NS) == []  # a calculate has no question


def test_categories_with_labels_frequencies_and_missing_codes(variables):
    werk = categories(variables["werk"])
    assert list(werk) == ["0", "1", "-1", "-2", "-3", "-4", "-9"]
    assert werk["0"] == {"missing": "N", "labels": {None: "nee", "en": "no"}, "freq": 1}
    assert werk["1"] == {"missing": "N", "labels": {None: "ja", "en": "yes"}, "freq": 2}
    assert werk["-2"] == {"missing": "Y", "labels": {None: "wil niet antwoorden", "en": "refused"}, "freq": 0}
    assert werk["-4"]["labels"] == {None: "ongeldig"}  # same in English: not repeated
    tevreden = categories(variables["tevreden"])
    assert {c: v["freq"] for c, v in tevreden.items() if v["freq"]} == {"4": 1, "-1": 1, "-3": 1}
    assert tevreden["-1"]["labels"] == {None: "weet niet", "en": "don't know"}
    assert [i.get("VALUE") for i in variables["werk"].findall("d:invalrng/d:item", NS)] == \
        ["-1", "-2", "-3", "-4", "-9"]
    assert categories(variables["talen_ar"])["1"]["labels"] == {None: "gekozen", "en": "selected"}
    for name in ("werk", "tevreden", "geboorteland", "talen_nl"):
        assert sum(c["freq"] for c in categories(variables[name]).values()) == 3, name
        assert variables[name].get("representationType") == "code"
        assert variables[name].get("intrvl") == "discrete"
    assert variables["resp_id"].findall("d:catgry", NS) == []


def test_summary_statistics_and_kinds(variables):
    year = variables["geboortejaar"]
    stats = {s.get("type"): s.text for s in year.findall("d:sumStat", NS)}
    assert stats == {"vald": "3", "invd": "0", "min": "1975", "max": "1999", "mean": "1984.67"}
    assert (year.get("intrvl"), year.get("nature"), year.get("representationType")) == \
        ("contin", "interval", "numeric")
    tevreden = {s.get("type"): s.text for s in variables["tevreden"].findall("d:sumStat", NS)}
    assert tevreden == {"vald": "1", "invd": "2"}  # codes get no mean
    assert variables["tevreden"].get("nature") == "ordinal"
    answers = {s.get("type"): s.text for s in variables["talen_anders"].findall("d:sumStat", NS)}
    assert answers == {"vald": "1", "invd": "2"}
    assert variables["talen_anders"].get("representationType") == "text"
    assert variables["start"].get("representationType") == "datetime"


def test_routing_derivation_and_module(variables):
    universe = variables["tevreden"].find("d:universe", NS)
    assert universe.text == "${werk} = 1 and ${geboortejaar} < 2000" and universe.get("clusion") == "I"
    assert variables["werk"].find("d:universe", NS) is None
    derivation = variables["leeftijd"].find("d:derivation", NS)
    assert text(derivation, "d:drvcmd") == "2026 - ${geboortejaar}"
    assert derivation.find("d:drvcmd", NS).get("syntax") == "XLSForm"
    assert text(variables["werk"], "d:notes") == "Module: persoon"
    assert variables["leeftijd"].find("d:notes", NS) is None


def test_multiple_response_group_points_to_the_indicator_ids(written, variables):
    _, root, _, _ = written
    groups = root.findall("d:dataDscr/d:varGrp", NS)
    assert len(groups) == 1
    group = groups[0]
    assert (group.get("type"), group.get("name"), text(group, "d:labl")) == \
        ("multipleResp", "$talen", "Welke talen spreekt u thuis?")
    assert group.get("var").split() == [variables[n].get("ID") for n in ("talen_nl", "talen_ar", "talen_other")]


def test_study_id_becomes_a_valid_xml_id_and_fingerprint_is_optional(written, tmp_path):
    _, _, book, _ = written
    target = tmp_path / "x.xml"
    write_ddi(book, target, study_id="2026 golf 2")
    root = ET.parse(target).getroot()
    assert root.get("ID") == "_2026_golf_2"  # an xs:ID may not start with a digit nor hold spaces
    assert text(root, "d:stdyDscr/d:citation/d:titlStmt/d:IDNo") == "2026 golf 2"
    assert root.find("d:fileDscr/d:fileTxt/d:dataFingerprint", NS) is None
