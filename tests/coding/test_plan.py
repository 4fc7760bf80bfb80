"""The coding plan (pipeline/coding/plan.py): which text variables are coded, against which
classification, and how an other-specify text hangs on its select question; on the form of
tests/coding/test_coding.py and small variants of it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from conftest import q, write_xlsform
from test_coding import CHOICES, REFNIS, SURVEY

from pipeline.coding.plan import load_classification, plan, specified_by
from pipeline.errors import SidError
from pipeline.survey.project import CodingSettings
from pipeline.survey.questionnaire import load_questionnaire


def settings(folder: Path, **kwargs) -> CodingSettings:
    return CodingSettings(codeframes=folder / "codeframes", **kwargs)


def form_of(folder: Path, survey, choices=CHOICES, name="form.xlsx"):
    return load_questionnaire(write_xlsform(folder / name, survey, choices))


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("plan")
    (path / "refnis.txt").write_text(REFNIS, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def form(folder):
    return form_of(folder, SURVEY)


@pytest.fixture(scope="module")
def targets(folder, form):
    result = plan(form, settings(folder, municipalities=folder / "refnis.txt", reference_date=date(2026, 3, 1),
                                 variables=(("woonplaats", "municipality"),)))
    return {t.source: t for t in result}


def test_which_variables_are_coded_in_form_order(targets):
    assert list(targets) == ["geboorteland_anders", "talen_anders", "woonplaats", "werk_anders"]


def test_other_country_is_coded_to_iso_in_a_column_beside_its_question(targets):
    t = targets["geboorteland_anders"]
    assert (t.kind, t.classification.title, t.parent, t.parent_multi) == \
        ("country", "ISO 3166-1 alpha-2", "geboorteland", False)
    assert t.others == ("other",)
    assert dict(t.choice_codes) == {"BE": "BE", "MA": "MA", "-1": "-1"}
    assert t.backcodes == {"BE": "BE", "MA": "MA"}  # neither 'other' nor a missing code
    # one column: the question's own choices mapped, plus the coded other answers
    assert (t.column, t.combined) == ("geboorteland_iso", True)
    assert t.label == "In welk land bent u geboren? – land (ISO 3166-1), met gecodeerde andere antwoorden"
    assert ("Marokko", "MA") in t.label_names and ("Morocco", "MA") in t.label_names
    assert not any(code == "-1" for _, code in t.label_names)


def test_other_language_of_a_multiple_choice_gets_its_own_iso_639_3_column(targets):
    t = targets["talen_anders"]
    assert (t.kind, t.parent, t.parent_multi, t.others) == ("language", "talen", True, ("other",))
    assert dict(t.choice_codes) == {"nl": "nld", "ar": "ara"}  # the form's ISO 639-1 names as 639-3
    assert t.backcodes == {"nld": "nl", "ara": "ar"}
    assert (t.column, t.combined) == ("talen_anders_iso", False)
    assert t.label == "Andere taal, namelijk: – taal (ISO 639-3)"


def test_configured_free_text_is_coded_against_the_named_classification(targets):
    t = targets["woonplaats"]
    assert (t.kind, t.parent, t.others, t.column) == ("municipality", None, (), "woonplaats_nis")
    assert t.classification.numeric and t.classification.valid("44021")
    assert t.classification.label("44049") == "Nevele (tot 2018)"
    assert t.label == "In welke gemeente woonde u vroeger? – gemeente (NIS-code)"


def test_other_of_an_own_choice_list_is_only_back_coded(targets):
    t = targets["werk_anders"]
    assert (t.kind, t.parent, t.others, t.column) == ("choices:werk", "werk", ("96",), None)
    assert t.backcodes == {"1": "1", "2": "2"}
    assert t.classification.valid("2") and t.classification.label("2") == "Student"


def test_specified_by_name_and_by_relevant(folder):
    survey = [
        q("text", "resp_id", "Nummer"),
        q("select_one land", "land", "Land"),
        q("select_one land", "land_moeder", "Land van uw moeder"),
        q("text", "land_moeder_anders", "Ander land van uw moeder"),  # no relevant: by its name
        q("text", "welk_land", "Welk land?", relevant="${land} = 'other'"),  # by the relevant
        q("text", "opmerking", "Opmerking", relevant="${land} = 'BE'"),  # 'BE' is no 'other' choice
    ]
    form = form_of(folder, survey, name="names.xlsx")
    assert specified_by(form["land_moeder_anders"], form).name == "land_moeder"  # the longest prefix
    assert specified_by(form["welk_land"], form).name == "land"
    assert specified_by(form["opmerking"], form) is None
    found = {t.source: t for t in plan(form, settings(folder))}
    assert set(found) == {"land_moeder_anders", "welk_land"}
    assert found["welk_land"].column == "land_iso" and found["land_moeder_anders"].column == "land_moeder_iso"


def test_plain_text_is_not_coded_unless_configured(folder):
    survey = [q("text", "resp_id", "Nummer"), q("text", "beroep", "Uw beroep?")]
    form = form_of(folder, survey, name="plain.xlsx")
    assert plan(form, settings(folder)) == ()


@pytest.mark.parametrize("variables, expected", [
    ((("nergens", "country"),), "'nergens' is not a variable of the form"),
    ((("woonplaats", "planet"),), "'planet' is not a classification"),
    ((("woonplaats", "occupation"),), "no occupation classification file configured"),
])
def test_bad_coding_settings_are_refused(folder, form, variables, expected):
    with pytest.raises(SidError) as info:
        plan(form, settings(folder, variables=variables))
    assert info.value.code == "config_invalid"
    assert expected in str(info.value)


def test_a_coded_column_may_not_overwrite_a_form_variable(folder):
    survey = [*SURVEY, q("text", "geboorteland_iso", "Al bestaande variabele")]
    form = form_of(folder, survey, name="clash.xlsx")
    with pytest.raises(SidError) as info:
        plan(form, settings(folder))
    error = info.value
    assert error.code == "config_invalid" and "'geboorteland_iso'" in error.message
    assert (error.file, error.sheet, error.row) == (str(form.path), "survey", form["geboorteland_iso"].row)


def test_load_classification_uses_the_configured_files(folder):
    s = settings(folder, municipalities=folder / "refnis.txt", reference_date=date(2015, 1, 1))
    municipalities = load_classification("municipality", s)
    assert municipalities.valid("44011") and municipalities.label("44011") == "Deinze (tot 2018)"
    countries = load_classification("country", s)
    assert countries.valid("MA") and not countries.valid("XX")
    with pytest.raises(SidError, match="education"):
        load_classification("education", s)


def test_other_choice_is_read_from_the_parents_own_comparison_only(folder):
    survey = [*SURVEY, q("integer", "golf", "Golf van de bevraging"),
              q("text", "werk_iets_anders", "Iets anders, namelijk:", relevant="${werk} = 96 and ${golf} = 2")]
    form = form_of(folder, survey, name="golf.xlsx")
    target = next(t for t in plan(form, settings(folder)) if t.source == "werk_iets_anders")
    assert target.parent == "werk"
    assert target.others == ("96",)
    assert target.backcodes == {"1": "1", "2": "2"}


def test_a_classification_is_kept_in_work_between_commands(tmp_path, monkeypatch):
    """Read once, kept in work/ with its match tables under its files' checksums: the next command (another
    process: the in-process copies cleared) reads the kept one, equal to reading the files; a changed file, a
    damaged kept file or another reference date reads the files again."""
    from pipeline.coding import plan as plan_module

    work = tmp_path / "work"
    work.mkdir()
    (tmp_path / "refnis.txt").write_text(REFNIS, encoding="utf-8")
    s = settings(tmp_path, municipalities=tmp_path / "refnis.txt", reference_date=date(2026, 3, 1))
    monkeypatch.setattr(plan_module, "_LOADED", {})
    first = load_classification("municipality", s, work)
    kept = work / "classification_municipality.pickle"
    assert kept.is_file()
    read, real = [], plan_module._read_classification
    monkeypatch.setattr(plan_module, "_read_classification", lambda *a: read.append(a) or real(*a))

    def fresh():
        monkeypatch.setattr(plan_module, "_LOADED", {})
        return load_classification("municipality", s, work)

    again = fresh()
    assert read == [] and again is not first
    assert (again.labels, again.names, again.validity) == (first.labels, first.names, first.validity)
    assert again.name_frame().equals(first.name_frame()) and again.code_of_name() == first.code_of_name()
    kept.write_bytes(b"not a pickle")
    assert fresh().labels == first.labels and len(read) == 1  # damaged: the files read again (and kept anew)
    assert fresh().labels == first.labels and len(read) == 1
    (tmp_path / "refnis.txt").write_text(REFNIS + "5|99999|44000|Nieuwdorp|Nouveauvillage||01/01/2020|31/12/9999\n",
                                         encoding="utf-8")
    changed = fresh()
    assert len(read) == 2 and changed.valid("99999") and not first.valid("99999")
    s = settings(tmp_path, municipalities=tmp_path / "refnis.txt", reference_date=date(2015, 1, 1))
    assert load_classification("municipality", s, work) is not changed and len(read) == 3
