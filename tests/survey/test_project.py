"""sid.toml is read and checked; every problem names the file and the key."""

import pytest

from conftest import TINY_TOML
from pipeline.errors import SidError
from pipeline.survey.project import SID_MISSING, load_project


def test_tiny_project_loads_with_defaults(tiny_project):
    project = load_project(tiny_project)
    assert project.name == "tiny"
    assert project.title == "Kleine toetsenquête"
    assert project.form == tiny_project / "schemas" / "form.xlsx"
    assert project.key == "resp_id"
    assert project.language == "nl"
    assert project.missing == SID_MISSING
    assert project.missing.values == (-1, -2, -3, -4, -9)
    assert project.sav_path == tiny_project / "cleaned" / "tiny.sav"
    assert project.work == tiny_project / "work"
    (source,) = project.sources
    assert (source.name, source.format, source.path) == ("answers", "csv", tiny_project / "raw" / "answers.csv")


def _error(root, text) -> str:
    (root / "sid.toml").write_text(text, encoding="utf-8")
    with pytest.raises(SidError) as info:
        load_project(root)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(str(root / "sid.toml"))
    return message


def test_unknown_key_is_an_error_not_ignored(tiny_project):
    message = _error(tiny_project, TINY_TOML.replace("language =", "langauge ="))
    assert "survey.langauge: unknown key" in message


def test_required_key(tiny_project):
    message = _error(tiny_project, TINY_TOML.replace('key = "resp_id"\n', ""))
    assert "survey.key: is required" in message


def test_toml_syntax_error_names_line(tiny_project):
    message = _error(tiny_project, TINY_TOML.replace('name = "tiny"', 'name = "tiny'))
    assert "not valid TOML" in message and "line 2" in message


def test_paths_outside_the_project_are_refused(tiny_project):
    message = _error(tiny_project, TINY_TOML.replace("raw/answers.csv", "../../etc/passwd"))
    assert "sources[1].path: path '../../etc/passwd' points outside the project folder" in message


def test_missing_codes_must_be_negative_and_distinct(tiny_project):
    message = _error(tiny_project, TINY_TOML + "\n[missing]\nrefused = { code = 2 }\n")
    assert "missing.refused.code: 2 must be a negative whole number" in message
    message = _error(tiny_project, TINY_TOML + "\n[missing]\nrefused = { code = -1 }\n")
    assert "each missing-value role needs its own code" in message


def test_missing_codes_configurable(tiny_project):
    (tiny_project / "sid.toml").write_text(
        TINY_TOML + '\n[missing]\nno_answer = { code = -99, label = "geen antwoord gegeven" }\n')
    project = load_project(tiny_project)
    assert project.missing.code("no_answer") == -99
    assert project.missing.labels[-99] == "geen antwoord gegeven"


def test_unsupported_source_format(tiny_project):
    message = _error(tiny_project, TINY_TOML.replace("raw/answers.csv", "raw/answers.json"))
    assert "sources[1].format: 'json' is not a supported format" in message


def test_no_project_file(tmp_path):
    with pytest.raises(SidError, match="no sid.toml in"):
        load_project(tmp_path)
