"""Every form of the corpus that pyxform converts loads in sid, except the listed ones, each for
its documented reason (tests/forms/README.md says where the forms come from)."""

from pathlib import Path

import pytest
from conftest import write_xlsform
from pyxform.errors import PyXFormError
from pyxform.xls2xform import convert

from pipeline.errors import ErrorCode, SidError
from pipeline.survey.questionnaire import load_questionnaire

FORMS = sorted((Path(__file__).parents[1] / "forms").rglob("*.xls*"))

# form → (error code, what the refusal says): the constructs sid does not hold yet.
REFUSED = {
    # pyxform converts it, but its calculate is no expression (ODK Validate refuses it too).
    "bad_calc.xlsx": (ErrorCode.FORM_EXPRESSION, "unterminated string"),
}
# Forms whose repeat (or loop) is not delivered; the rest loads (rosters: not held yet).
WITH_REPEATS = {"attribute_columns_test.xlsx": "repeat_test", "repeat_date_test.xls": "repeat_test",
                "tutorial.xls": "member", "xlsform_spec_test.xlsx": "repeat_test",
                "loop.xls": "loop_toilet_types", "loop.xlsx": "loop_toilet_types", "simple_loop.xls": "my_table",
                # the spec corpus (tests/forms/spec)
                "type_repeat.xlsx": "r", "type_select_one_from_repeat.xlsx": "people", "function_count.xlsx": "kids",
                "function_indexed_repeat.xlsx": "kids", "function_position.xlsx": "kids"}
# Forms pyxform itself does not convert (include sections of an old format, clashing headers).
NOT_CONVERTED = {"include.xls", "include.xlsx", "include_json.xls", "include_json.xlsx",
                 "unknown_question_type.xls"}


def test_the_corpus_is_there():
    assert len(FORMS) >= 40 + 140
    assert {f.suffix for f in FORMS} == {".xls", ".xlsx", ".xlsm"}


def test_every_form_pyxform_converts_loads_but_the_listed_exceptions():
    """The count: of the corpus, pyxform converts all but NOT_CONVERTED; sid loads all of those but
    REFUSED (each with its reason above)."""
    converted, loaded, refused = [], [], []
    for path in FORMS:
        try:
            convert(xlsform=str(path))
        except PyXFormError:
            continue
        converted.append(path.name)
        try:
            load_questionnaire(path)
            loaded.append(path.name)
        except SidError:
            refused.append(path.name)
    assert sorted(set(f.name for f in FORMS) - set(converted)) == sorted(NOT_CONVERTED)
    assert refused == sorted(REFUSED) and len(loaded) == len(converted) - len(REFUSED) >= 180


@pytest.mark.parametrize("path", FORMS, ids=lambda p: p.name)
def test_each_form_pyxform_converts_loads(path):
    if path.name in NOT_CONVERTED:
        with pytest.raises(PyXFormError):
            convert(xlsform=str(path))
        return
    if path.name in REFUSED:
        code, reason = REFUSED[path.name]
        with pytest.raises(SidError) as info:
            load_questionnaire(path)
        assert info.value.code == code and reason in str(info.value)
        assert f"row {info.value.row}" in str(info.value) and info.value.row >= 2
        return
    form = load_questionnaire(path)
    assert len(form) > 0 or path.name in WITH_REPEATS  # tutorial.xls asks everything in its repeat
    assert all(v.row >= 2 for v in form), [v.name for v in form if v.row < 2]
    form.language()  # a delivery language without configuring one
    for warning in form.warnings:
        assert warning.startswith(f"{path.name}, survey row "), warning
        assert ("delivered as text" in warning or "sid cannot judge" in warning
                or "is a roster: not in the main file" in warning or "sid does not read loops" in warning), warning
    repeat = WITH_REPEATS.get(path.name)
    assert (repeat is not None) == any("is a roster: not in the main file" in w or "does not read loops" in w
                                       for w in form.warnings), form.warnings
    if repeat:
        assert any(f"group {repeat!r}" in w for w in form.warnings)


def test_a_repeat_leaves_the_rest_of_the_form_and_says_what_it_cannot_judge(tmp_path):
    """A roster is not delivered, but it never refuses the form: a calculate over it keeps the
    collected value, a relevant or constraint referring to it is dropped with a warning naming the row."""
    survey = [
        {"type": "integer", "name": "n_kinderen", "label::nl": "Aantal kinderen"},
        {"type": "begin_repeat", "name": "kind", "label::nl": "Kind", "repeat_count": "${n_kinderen}"},
        {"type": "integer", "name": "kind_leeftijd", "label::nl": "Leeftijd"},
        {"type": "end_repeat"},
        {"type": "calculate", "name": "n_jong", "calculation": "count(${kind_leeftijd})"},
        {"type": "calculate", "name": "oudste", "calculation": "max(${kind_leeftijd})"},
        {"type": "text", "name": "opvang", "label::nl": "Opvang", "relevant": "${kind_leeftijd} < 3"},
        {"type": "text", "name": "school", "label::nl": "School", "relevant": "${n_kinderen} > 0"},
        {"type": "text", "name": "fruit", "label::nl": "Fruit",
         "relevant": "pulldata('fruits', 'name', 'name_key', 'mango') != ''"},
    ]
    form = load_questionnaire(write_xlsform(tmp_path / "form.xlsx", survey, []))
    assert form.names == ("n_kinderen", "n_jong", "oudste", "opvang", "school", "fruit")
    assert form["n_jong"].collected and form["oudste"].collected  # count(); a repeat's question
    assert form["opvang"].relevant is None and form["school"].relevant == "${n_kinderen} > 0"
    assert form["fruit"].relevant is None
    assert form.warnings == (
        "form.xlsx, survey row 3: repeat group 'kind' (1 question) is a roster: not in the main file; delivered as a "
        "file of its own when a source reads it (roster_layout)",
        "form.xlsx, survey row 8: the relevant of 'opvang' refers to 'kind_leeftijd' in repeat 'kind', which "
        "sid cannot judge; treated as asked whenever its other conditions hold",
        "form.xlsx, survey row 10: the relevant of 'fruit' uses pulldata(), which sid cannot judge; treated as "
        "asked whenever its other conditions hold")


def test_or_other_loads_with_its_routing():
    form = load_questionnaire(next(f for f in FORMS if f.name == "or_other.xlsx"))
    other = [v for v in form if v.name.endswith("_other")]
    assert other and all(v.type == "text" and "selected(" in v.relevant and v.row >= 2 for v in other)


def test_label_languages_as_pyxform_reads_them():
    """`label::English`, `label:English`, `label::EN`, plain `label`: the languages pyxform
    found, in column order; the delivery language is the form's default, else the first."""
    by_name = {f.name: f for f in FORMS}
    expected = {"specify_other.xlsx": (("English",), "english"),
                "flat_xlsform_test.xlsx": (("english", "chinese"), "english"),
                "case_insensitivity.xlsx": (("EN",), "en"),
                "calculate.xls": (("default",), "default")}
    for name, (languages, code) in expected.items():
        form = load_questionnaire(by_name[name])
        assert (form.languages, form.language().code) == (languages, code), name
