"""pyxform's conversion of the form kept by checksum (pipeline.survey.converted): a cached load is
the same questionnaire as a fresh one, and any change to the form is converted again."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import TINY_CHOICES, TINY_SURVEY, q, write_xlsform

from pipeline import workdir
from pipeline.survey import converted, questionnaire
from pipeline.survey.project import load_project
from pipeline.survey.questionnaire import load_questionnaire, questionnaire_of

FORMS = Path(__file__).resolve().parents[1] / "forms" / "pyxform"


def _summary(form) -> list:
    return [(v.name, v.type, v.group, dict(v.labels), v.relevant, v.row,
             None if v.choices is None else [(c.name, dict(c.labels)) for c in v.choices.choices])
            for v in form]


@pytest.fixture
def no_pyxform(monkeypatch):
    """Forget this process's conversions; a call to pyxform fails the test (it must not be needed)."""
    def refuse(path):
        raise AssertionError(f"pyxform converted {path} again")

    def forbid():
        monkeypatch.setattr(converted, "_IN_PROCESS", {})
        monkeypatch.setattr(questionnaire, "_convert", refuse)
    return forbid


def test_a_cached_load_is_the_fresh_load_and_needs_no_pyxform(tiny_project, no_pyxform, monkeypatch):
    project = load_project(tiny_project)
    (project.work).mkdir()
    monkeypatch.setattr(converted, "_IN_PROCESS", {})
    fresh = questionnaire_of(project)
    cache = project.work / workdir.FORM_CACHE
    assert cache.is_file() and json.loads(cache.read_text(encoding="utf-8"))["key"].startswith(
        converted.form_key(project.form).split(":")[0])
    no_pyxform()  # a new process: only the file in work/ holds the conversion
    again = questionnaire_of(project)
    assert _summary(again) == _summary(fresh) and again.warnings == fresh.warnings
    assert again is not fresh


def test_a_changed_form_is_converted_again(tiny_project, monkeypatch):
    project = load_project(tiny_project)
    project.work.mkdir()
    first = questionnaire_of(project)
    assert "hobby" not in first
    write_xlsform(project.form, [*TINY_SURVEY, q("text", "hobby", "Hobby")], TINY_CHOICES)  # same name, new content
    monkeypatch.setattr(converted, "_IN_PROCESS", {})  # and in a new process, from the file in work/
    second = questionnaire_of(project)
    assert "hobby" in second and len(second) == len(first) + 1
    key = json.loads((project.work / workdir.FORM_CACHE).read_text(encoding="utf-8"))["key"]
    assert key == converted.form_key(project.form)
    # a form broken after a good run is refused, not served from the cache
    write_xlsform(project.form, [*TINY_SURVEY, q("select_one nolist", "kapot", "Kapot")], TINY_CHOICES)
    with pytest.raises(Exception, match="nolist"):
        questionnaire_of(project)


def test_a_damaged_or_foreign_cache_file_is_ignored(tiny_project, monkeypatch):
    project = load_project(tiny_project)
    project.work.mkdir()
    expected = _summary(questionnaire_of(project))
    cache = project.work / workdir.FORM_CACHE
    for text in ("{not json", json.dumps({"key": "another form", "form": {"pyxform": {}}}), "[]"):
        cache.write_text(text, encoding="utf-8")
        monkeypatch.setattr(converted, "_IN_PROCESS", {})
        assert _summary(questionnaire_of(project)) == expected
        assert json.loads(cache.read_text(encoding="utf-8"))["key"] == converted.form_key(project.form)


def test_no_work_folder_is_made_for_the_cache(tiny_project):
    project = load_project(tiny_project)
    questionnaire_of(project)
    assert not project.work.exists()


@pytest.mark.parametrize("name", ["choice_filter_test.xlsx", "case_insensitivity.xls", "calculate.xls"])
def test_pyxforms_own_forms_load_the_same_from_the_cache(name, tmp_path, no_pyxform, monkeypatch):
    form = shutil.copy(FORMS / name, tmp_path / name)
    cache = tmp_path / "work" / workdir.FORM_CACHE
    cache.parent.mkdir()
    monkeypatch.setattr(converted, "_IN_PROCESS", {})
    fresh = load_questionnaire(form, cache=cache)
    no_pyxform()
    assert _summary(load_questionnaire(form, cache=cache)) == _summary(fresh)


def test_a_read_only_work_folder_costs_only_the_conversion(tiny_project, monkeypatch):
    import os

    if os.geteuid() == 0:
        pytest.skip("root writes into read-only folders")
    project = load_project(tiny_project)
    project.work.mkdir()
    project.work.chmod(0o500)
    try:
        monkeypatch.setattr(converted, "_IN_PROCESS", {})
        assert len(questionnaire_of(project)) > 5
        assert not (project.work / workdir.FORM_CACHE).exists()
    finally:
        project.work.chmod(0o700)
