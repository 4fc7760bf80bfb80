"""The XLSForm becomes an immutable questionnaire model; malformed forms give one-line errors."""

from dataclasses import FrozenInstanceError

import pytest
from conftest import EN, NL, TINY_CHOICES, TINY_SURVEY, c, q, write_xlsform

from pipeline.errors import SidError
from pipeline.survey.questionnaire import Language, load_questionnaire


def test_variables_in_form_order_without_groups_and_notes(tiny_form):
    form = load_questionnaire(tiny_form)
    assert form.names == ("start", "end", "resp_id", "geboortejaar", "werk", "tevreden",
                          "geboorteland", "talen", "talen_anders", "leeftijd")
    assert (form.form_id, form.title, form.version) == ("tiny", "Tiny", "1")
    assert form.languages == (NL, EN)
    assert form.default_language == NL


def test_variable_carries_type_group_labels_routing_and_row(tiny_form):
    form = load_questionnaire(tiny_form)
    tevreden = form["tevreden"]
    assert tevreden.type == "select_one"
    assert tevreden.kind == "numeric"
    assert tevreden.group == ("persoon",)
    assert tevreden.labels == {NL: "Hoe tevreden bent u met uw werk?", EN: "Job satisfaction?"}
    assert tevreden.relevant == "${werk} = 1"
    assert tevreden.measure == "ordinal"
    assert tevreden.row == 8
    assert tevreden.required is False
    jaar = form["geboortejaar"]
    assert (jaar.kind, jaar.measure, jaar.required) == ("numeric", "scale", True)
    assert jaar.constraint == ". >= 1940 and . <= 2011"
    assert form["leeftijd"].calculate == "2026 - ${geboortejaar}"
    assert form["talen"].kind == "multi"
    assert form["geboorteland"].kind == "string"
    assert form["start"].kind == "datetime"


def test_choice_codes_numeric_names_kept_others_numbered_in_list_order(tiny_form):
    form = load_questionnaire(tiny_form)
    assert dict(form["werk"].choices.codes) == {"1": 1, "0": 0, "-2": -2}
    assert dict(form["geboorteland"].choices.codes) == {"BE": 1, "MA": 2, "other": 3, "-1": -1}
    assert form["geboorteland"].choices.choices[1].label(EN) == "Morocco"


def test_model_is_immutable(tiny_form):
    form = load_questionnaire(tiny_form)
    with pytest.raises(FrozenInstanceError):
        form["werk"].name = "x"
    with pytest.raises(TypeError):
        form["werk"].labels[NL] = "x"


def test_group_relevance_is_part_of_routing(tmp_path):
    survey = [
        q("integer", "a", "A"),
        {"type": "begin_group", "name": "g", "relevant": "${a} > 1"},
        q("integer", "b", "B", relevant="${a} < 5"),
        {"type": "end_group"},
    ]
    form = load_questionnaire(write_xlsform(tmp_path / "f.xlsx", survey, [c("x", "1", "x")]))
    assert form["b"].routing == "(${a} > 1) and (${a} < 5)"
    assert form["a"].routing is None


def test_language_by_code_or_name(tiny_form):
    form = load_questionnaire(tiny_form)
    assert form.language("nl") == Language(NL, "nl")
    assert form.language(EN).column == EN and form.language("EN").code == "en"
    assert form.label_languages == (Language(NL, "nl"), Language(EN, "en"))
    with pytest.raises(SidError, match="no labels in language 'de'"):
        form.language("de")


def _error(path) -> SidError:
    with pytest.raises(SidError) as info:
        load_questionnaire(path)
    assert "\n" not in str(info.value)
    return info.value


def test_unknown_reference_names_sheet_row_and_keeps_pyxform_message(tmp_path):
    survey = [dict(row) for row in TINY_SURVEY]
    survey[6]["relevant"] = "${werkk} = 1"
    err = _error(write_xlsform(tmp_path / "f.xlsx", survey, TINY_CHOICES))
    assert err.code == "form_invalid"
    assert (err.sheet, err.row) == ("survey", 8)
    assert str(err).startswith(f"{tmp_path / 'f.xlsx'} (sheet survey), row 8: On the 'survey' sheet, "
                               "the 'relevant' value is invalid.")
    assert "Could not find the name 'werkk'" in str(err)


def test_unknown_choice_list(tmp_path):
    survey = TINY_SURVEY + [q("select_one nolist", "x", "X")]
    err = _error(write_xlsform(tmp_path / "f.xlsx", survey, TINY_CHOICES))
    assert err.row == 14
    assert "List name not in choices sheet: nolist" in str(err)


def test_names_unique_across_groups_ignoring_case(tmp_path):
    survey = TINY_SURVEY + [{"type": "begin_group", "name": "g2"}, q("integer", "Werk", "W"),
                            {"type": "end_group"}]
    err = _error(write_xlsform(tmp_path / "f.xlsx", survey, TINY_CHOICES))
    assert err.code == "form_invalid"
    assert (err.row, err.column) == (15, "name")
    assert "variable name 'Werk' is also used in row 7" in str(err)


def test_bad_measure_value(tmp_path):
    survey = TINY_SURVEY + [q("integer", "x", "X", measure="interval")]
    err = _error(write_xlsform(tmp_path / "f.xlsx", survey, TINY_CHOICES))
    assert (err.row, err.column) == (14, "measure")


def test_not_a_workbook(tmp_path):
    bad = tmp_path / "form.xlsx"
    bad.write_bytes(b"PK\x03\x04 this is no zip")
    err = _error(bad)
    assert err.code == "form_unreadable"
    csv_form = tmp_path / "form.txt"
    csv_form.write_text("type,name\n")
    assert _error(csv_form).code == "form_unreadable"
    assert _error(tmp_path / "missing.xlsx").code == "form_missing"


def test_a_repeat_is_not_delivered_and_the_rest_loads(tmp_path):
    survey = [{"type": "begin_repeat", "name": "kind", f"label::{NL}": "Kind"}, q("integer", "k", "K"),
              {"type": "end_repeat"}, q("integer", "n", "N")]
    form = load_questionnaire(write_xlsform(tmp_path / "f.xlsx", survey, [c("x", "1", "x")]))
    assert form.names == ("n",)
    assert form.warnings == ("f.xlsx, survey row 2: repeat group 'kind' (1 question) is a roster: not in the main "
                             "file; delivered as a file of its own when a source reads it (roster_layout)",)