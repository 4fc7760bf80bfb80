"""Choices that are not on the choices sheet. select_one_external (meant for filtered selects): the
list from the form's `external_choices` sheet (pyxform requires it and writes itemsets.csv from it);
select_one_from_file: the CSV's `label::<language>` columns and its other columns (for the
choice_filter)."""

import openpyxl
import pandas as pd
import pytest
from conftest import write_xlsform

from pipeline.errors import ErrorCode, SidError
from pipeline.survey.questionnaire import load_questionnaire
from pipeline.validation.validate import validate

EN = "label::English (en)"
SURVEY = [
    {"type": "text", "name": "id", EN: "Id"},
    {"type": "select_one prov", "name": "prov", EN: "Province"},
    {"type": "select_one_external town", "name": "town", EN: "Town", "choice_filter": "prov=${prov}"},
]
CHOICES = [{"list_name": "prov", "name": "ant", EN: "Antwerpen"}, {"list_name": "prov", "name": "lim", EN: "Limburg"}]
EXTERNAL = [("list_name", "name", EN, "prov"), ("town", "mechelen", "Mechelen", "ant"),
            ("town", "geel", "Geel", "ant"), ("town", "genk", "Genk", "lim")]


def _form(path, external=True):
    write_xlsform(path, SURVEY, CHOICES, {"form_id": "ext", "default_language": "English (en)"})
    if external:
        wb = openpyxl.load_workbook(path)
        sheet = wb.create_sheet("external_choices")
        for row in EXTERNAL:
            sheet.append(row)
        wb.save(path)
    return path


def test_select_one_external_reads_the_external_choices_sheet_and_checks_its_filter(tmp_path):
    form = load_questionnaire(_form(tmp_path / "form.xlsx"))
    town = form["town"]
    assert (town.type, town.choices.names, town.choice_filter) == ("select_one", ("mechelen", "geel", "genk"),
                                                                  "prov=${prov}")
    assert town.choices.choices[2].label("English (en)") == "Genk" and town.choices.choices[2].columns["prov"] == "lim"
    assert form.warnings == ()
    frame = pd.DataFrame({"id": ["a", "b", "c"], "prov": ["ant", "lim", "lim"], "town": ["geel", "genk", "mechelen"]})
    failures = validate(frame, form, key="id").failures
    assert failures.loc[failures["rule"] == "choice_filter:town", "respondent"].tolist() == ["c"]


def test_without_the_external_choices_sheet_pyxform_refuses_the_form(tmp_path):
    """pyxform requires the sheet (it writes itemsets.csv from it): a form pyxform does not convert."""
    with pytest.raises(SidError) as info:
        load_questionnaire(_form(tmp_path / "form.xlsx", external=False))
    assert info.value.code == ErrorCode.FORM_INVALID and "external_choices sheet" in str(info.value)


def test_a_choice_file_with_labels_per_language_and_filter_columns(tmp_path):
    (tmp_path / "towns.csv").write_text("name,label::English (en),label::Nederlands (nl),prov\n"
                                        "genk,Genk,Genk,lim\nluik,Liège,Luik,lie\n", encoding="utf-8")
    survey = [{"type": "text", "name": "id", EN: "Id", "label::Nederlands (nl)": "Id"},
              {"type": "select_one_from_file towns.csv", "name": "town", EN: "Town",
               "label::Nederlands (nl)": "Gemeente"}]
    form = load_questionnaire(write_xlsform(tmp_path / "form.xlsx", survey, [], {"form_id": "f"}))
    luik = form["town"].choices.choices[1]
    assert (luik.label("English (en)"), luik.label("Nederlands (nl)"), dict(luik.columns)) == (
        "Liège", "Luik", {"prov": "lie"})
