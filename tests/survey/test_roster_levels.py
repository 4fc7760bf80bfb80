"""Rosters in the questionnaire model: every repeat (nested too) a level, read from pyxform's JSON."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import REPO, q, write_xlsform

from pipeline.survey.questionnaire import load_questionnaire
from pipeline.survey.rosters import ancestry

PYXFORM = REPO / "tests" / "forms" / "pyxform"


def test_pyxform_tutorial_member_roster():
    """pyxform's own tutorial form: a household roster without repeat_count, ten questions."""
    form = load_questionnaire(PYXFORM / "tutorial.xls")
    assert [r.name for r in form.rosters] == ["member"]
    member = form.rosters[0]
    assert member.parent is None and member.repeat_count is None and member.group == ("member",)
    assert member.names[:3] == ("name", "relationship_to_household_head", "sex")
    assert len(member.variables) == 10
    assert member["age_in_years"].kind == "numeric"
    assert member["sex"].type == "select_one" and member["sex"].choices is not None
    assert all(v.group == ("member",) for v in member.variables)
    assert not set(member.names) & set(form.names)  # the main questionnaire still leaves them out


def test_pyxform_repeat_count_by_reference():
    form = load_questionnaire(PYXFORM / "repeat_date_test.xls")
    (roster,) = form.rosters
    assert roster.name == "repeat_test" and roster.repeat_count == "${repeat_count}"
    assert roster.names == ("table_list_3", "table_list_4")
    assert "repeat_count" in form.names  # the count question is the main level's


def _nested(tmp_path: Path) -> Path:
    return write_xlsform(tmp_path / "nested.xlsx", [
        q("integer", "resp_id", "Nummer"),
        q("integer", "n", "Aantal leden"),
        {"type": "begin_group", "name": "huis", "label::Nederlands (nl)": "Huis", "relevant": "${n} > 0"},
        q("begin_repeat", "lid", "Lid", repeat_count="${n}"),
        q("text", "naam", "Naam"),
        q("integer", "leeftijd", "Leeftijd", constraint=". < 120"),
        q("date", "geboren", "Geboortedatum"),
        q("calculate", "volwassen", calculation="if(${leeftijd} >= 18, 'ja', 'nee')"),
        q("begin_repeat", "kind", "Kind", repeat_count="2", relevant="${leeftijd} > 15"),
        q("integer", "kind_leeftijd", "Leeftijd kind"),
        q("geopoint", "school", "School"),
        q("end_repeat", ""),
        q("end_repeat", ""),
        {"type": "end_group", "name": ""},
        q("begin_repeat", "reis", "Reis", repeat_count="${n} + 1"),
        q("text", "land", "Land"), q("select_one_from_file landen.csv", "land_code", "Landcode"),
        q("end_repeat", ""),
        q("text", "opmerking", "Opmerking"),
    ], [])


def test_nested_repeats_levels(tmp_path):
    form = load_questionnaire(_nested(tmp_path))
    assert [(r.name, r.parent) for r in form.rosters] == [("lid", None), ("kind", "lid"), ("reis", None)]
    lid, kind, reis = form.rosters
    assert lid.repeat_count == "${n}" and kind.repeat_count == 2 and reis.repeat_count == "${n} + 1"
    assert lid.group == ("huis", "lid") and kind.group == ("huis", "lid", "kind")
    assert lid.relevant == ("${n} > 0",) and kind.relevant == ("${n} > 0", "${leeftijd} > 15")
    assert lid.row == 5 and kind.row == 10
    # the types follow the main questionnaire's rules: a date, a calculate giving text, a geopoint's parts
    assert lid["geboren"].kind == "datetime" and lid["leeftijd"].constraint == ". < 120"
    assert lid["volwassen"].data_type == "string" and lid["volwassen"].kind == "string"
    assert kind.variables[0].name == "kind_leeftijd"
    assert [v.part_of for v in kind.variables[1:]] == [("school", i) for i in range(4)]
    assert kind.number_column == "kind_nr"
    assert [r.name for r in ancestry(form.rosters, "kind")] == ["lid", "kind"]
    # the main level: unchanged (the repeats' questions out, pyxform's generated count of `reis` in)
    assert form.names == ("resp_id", "n", "reis_count", "opmerking")
    assert "kind_count" in lid.names  # the nested repeat's generated count is its parent level's
    # a choice file that is not there: the question is text, said in the level's warnings (not the form's)
    assert reis["land_code"].type == "text" and len(reis.warnings) == 1 and "land_code" in reis.warnings[0]
    assert not any("land_code" in w for w in form.warnings) and not lid.warnings


def test_form_without_repeats_has_no_rosters(tmp_path):
    form = load_questionnaire(write_xlsform(tmp_path / "flat.xlsx", [q("integer", "a", "A"), q("text", "b", "B")], []))
    assert form.rosters == ()


@pytest.mark.parametrize("path", sorted((REPO / "tests" / "forms" / "spec").glob("*repeat*.xlsx")))
def test_spec_forms_with_repeats(path):
    form = load_questionnaire(path)
    assert form.rosters, path.name
    for roster in form.rosters:
        assert roster.variables and roster.group[-1] == roster.name
