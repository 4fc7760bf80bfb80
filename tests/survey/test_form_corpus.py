"""Every form of the corpus that pyxform converts loads in sid, except the listed ones, each for
its documented reason (tests/forms/README.md says where the forms come from)."""

from pathlib import Path

import pytest
from pyxform.errors import PyXFormError
from pyxform.xls2xform import convert

from pipeline.errors import ErrorCode, SidError
from pipeline.survey.questionnaire import load_questionnaire

FORMS = sorted((Path(__file__).parents[1] / "forms").rglob("*.xls*"))

# form → (error code, what the refusal says): the constructs sid does not hold yet.
REFUSED = {
    "attribute_columns_test.xlsx": (ErrorCode.FORM_UNSUPPORTED, "repeat group 'repeat_test'"),
    "repeat_date_test.xls": (ErrorCode.FORM_UNSUPPORTED, "repeat group 'repeat_test'"),
    "tutorial.xls": (ErrorCode.FORM_UNSUPPORTED, "repeat group 'member'"),
    "xlsform_spec_test.xlsx": (ErrorCode.FORM_UNSUPPORTED, "repeat group 'repeat_test'"),
    "loop.xls": (ErrorCode.FORM_UNSUPPORTED, "loop group 'loop_toilet_types'"),
    "loop.xlsx": (ErrorCode.FORM_UNSUPPORTED, "loop group 'loop_toilet_types'"),
    "simple_loop.xls": (ErrorCode.FORM_UNSUPPORTED, "loop group 'my_table'"),
    # pyxform converts it, but its calculate is no expression (ODK Validate refuses it too).
    "bad_calc.xlsx": (ErrorCode.FORM_EXPRESSION, "unterminated string"),
    "pull_data.xlsx": (ErrorCode.FORM_EXPRESSION, "unknown function 'pulldata()'"),
}
# Forms pyxform itself does not convert (include sections of an old format, clashing headers).
NOT_CONVERTED = {"include.xls", "include.xlsx", "include_json.xls", "include_json.xlsx",
                 "unknown_question_type.xls"}


def test_the_corpus_is_there():
    assert len(FORMS) >= 40
    assert {f.suffix for f in FORMS} == {".xls", ".xlsx", ".xlsm"}


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
    assert len(form) > 0
    assert all(v.row >= 2 for v in form), [v.name for v in form if v.row < 2]
    form.language()  # a delivery language without configuring one
    for warning in form.warnings:
        assert warning.startswith(f"{path.name}, survey row ") and "delivered as text" in warning


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
