"""Media questions (image, signature, audio, video, file, background-audio): the delivery holds the name
of the file the form app saved, marked as media in the codebook and the DDI file. A name the app made
(the moment of capture, `1772438400000.jpg`) is kept; a name a person chose for an upload may name
someone (`cv_jan_peeters-10_15_30.pdf`, as Enketo stores an upload) and becomes `[BESTAND].pdf`,
counted in pii_scrubbed.csv; `sid verify` passes the delivery."""

import xml.etree.ElementTree as ET

import pandas as pd
import pyreadstat
from conftest import TINY_PRIVACY_TOML, write_xlsform
from typer.testing import CliRunner

from cli import app
from pipeline.privacy import scrub_media
from pipeline.survey.questionnaire import load_questionnaire

EN = "label::English (en)"
SURVEY = [
    {"type": "text", "name": "id", EN: "Id"},
    {"type": "image", "name": "photo", EN: "Photo of the house"},
    {"type": "image", "name": "sign", EN: "Signature", "appearance": "signature"},
    {"type": "file", "name": "upload", EN: "Your CV"},
    {"type": "audio", "name": "voice", EN: "Voice note"},
    {"type": "background-audio", "name": "bg"},
]
ANSWERS = """id,photo,sign,upload,voice,bg
A,1772438400000.jpg,1772438401234.png,cv_jan_peeters-10_15_30.pdf,1772438409999.m4a,1772438400001.m4a
B,1772438500000.jpg,,1772438500000.pdf,,1772438500001.m4a
"""


def _project(root):
    write_xlsform(root / "schemas" / "form.xlsx", SURVEY, [], {"form_id": "m", "form_title": "M", "version": "1"})
    (root / "raw").mkdir()
    (root / "raw" / "answers.csv").write_text(ANSWERS, encoding="utf-8")
    (root / "sid.toml").write_text('[survey]\nname = "m"\nform = "schemas/form.xlsx"\nkey = "id"\n\n'
                                   '[[sources]]\npath = "raw/answers.csv"\n' + TINY_PRIVACY_TOML, encoding="utf-8")
    return root


def test_names_the_app_made_stay_and_chosen_ones_are_tagged(tmp_path):
    form = load_questionnaire(_project(tmp_path) / "schemas" / "form.xlsx")
    assert [v.name for v in form if v.media] == ["photo", "sign", "upload", "voice", "bg"]
    frame = pd.DataFrame({"id": ["A", "B", "C"], "photo": ["1772438400000.jpg", "Jan Peeters.JPG", None],
                          "upload": ["", "scan_2026-03-02 10_15_30.pdf", "rapport"]})
    result = scrub_media(frame, form)
    assert result.frame["photo"].fillna("").tolist() == ["1772438400000.jpg", "[BESTAND].JPG", ""]
    assert result.frame["upload"].tolist() == ["", "[BESTAND].pdf", "[BESTAND]"]
    assert result.counts[["variable", "tag", "answers_scrubbed"]].values.tolist() == [
        ["photo", "[BESTAND]", 1], ["upload", "[BESTAND]", 2]]


def test_sid_run_delivers_media_names_marked_as_media(tmp_path):
    root = _project(tmp_path / "p")
    result = CliRunner().invoke(app, ["--project", str(root), "run"])
    assert result.exit_code == 0, result.output
    data, _ = pyreadstat.read_sav(root / "cleaned" / "m.sav")
    assert data["photo"].tolist() == ["1772438400000.jpg", "1772438500000.jpg"]
    assert data["sign"].tolist() == ["1772438401234.png", ""]
    assert data["upload"].tolist() == ["[BESTAND].pdf", "1772438500000.pdf"]
    scrubbed = pd.read_csv(root / "cleaned" / "pii_scrubbed.csv", encoding="utf-8-sig")
    assert scrubbed[["variable", "tag", "answers_scrubbed"]].values.tolist() == [["upload", "[BESTAND]", 1]]
    book = pd.read_excel(root / "cleaned" / "codebook.xlsx", sheet_name=None)
    variables = next(sheet for sheet in book.values() if "variabele" in sheet.columns and "type" in sheet.columns)
    types = dict(zip(variables["variabele"], variables["type"]))
    assert types["photo"] == "text (media, file name: image)"  # the form is English: so is the codebook
    assert types["bg"].endswith("background-audio)")
    assert "media" not in types["respondent_id"]
    ddi = ET.parse(root / "cleaned" / "m_ddi.xml").getroot()
    notes = {var.get("name"): [n.text for n in var if n.tag.endswith("notes") and n.get("type") == "media"]
             for var in ddi.iter() if var.tag.endswith("}var")}
    assert notes["upload"] and "(file)" in notes["upload"][0] and not notes["respondent_id"]
    verify = CliRunner().invoke(app, ["verify", str(root / "cleaned"), "--allow-demo"])
    assert verify.exit_code == 0, verify.output
