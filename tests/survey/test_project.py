"""sid.toml is read and checked; every problem names the file and the key."""

import copy
import dataclasses
import json
from datetime import date

import pytest
from conftest import TINY_TOML

from pipeline.errors import SidError
from pipeline.survey.project import (
    SID_MISSING,
    CleanSettings,
    CodingSettings,
    DemoSettings,
    ExportSettings,
    FieldworkSettings,
    IngestSettings,
    MissingCode,
    PrivacySettings,
    Project,
    SampleFrame,
    Source,
    TablesSettings,
    ValidateSettings,
    WeightSettings,
    load_project,
)


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


# Every key of sid.toml, each with a value that is not its default (paths inside the project,
# except the pseudonymisation key file, which must lie outside it).
EVERY_KEY = {
    "survey": {"name": "alle-sleutels", "title": "Alle sleutels", "form": "schemas/vragenlijst.xlsx",
               "language": "fr", "ui_language": "en", "key": "rrn"},
    "paths": {"raw": "in", "cleaned": "uit", "work": "werk"},
    "missing": {role: {"code": -11 - i, "label": f"{role} (eigen label)"}
                for i, role in enumerate(c.role for c in SID_MISSING.codes)},
    "sources": [{"name": "web", "path": "in/web.txt", "format": "csv", "mode": "web", "encoding": "cp1252",
                 "delimiter": "\t", "sheet": "blad", "rename": {"Nr": "rrn"}, "separator": ".",
                 "instance": "meta/instanceID", "submitted": "_submission_time", "dayfirst": False,
                 "max_size_mb": 100, "max_line_kb": 64, "max_unpacked_mb": 50, "max_ratio": 100,
                 "header_row": 3, "decimal": ",", "recode": {"werk": {"1": "0", "0": "1"}}, "empty": ["n/a"],
                 "absent": ["interviewer"], "roster_layout": "odk", "roster_files": {"lid": "in/web-leden.csv"},
                 "roster_sheets": {"lid": "leden"}, "roster_wide": "{variable}_{n}"}],
    "sample": {"path": "in/steekproef.txt", "format": "xlsx", "encoding": "utf-8-sig", "delimiter": ";",
               "sheet": "steekproef", "header_row": 2, "key": "nummer", "identifiers": ["naam"], "max_size_mb": 10,
               "max_line_kb": 8, "max_unpacked_mb": 20, "max_ratio": 50},
    "contacts": {"path": "in/contacten.txt", "format": "csv", "encoding": "cp1252", "delimiter": ";",
                 "sheet": "log", "header_row": 2, "max_size_mb": 10, "max_line_kb": 8, "max_unpacked_mb": 20,
                 "max_ratio": 50},
    "demo": {"seed": 7, "sampled": 600, "project": True},
    "ingest": {"complete_if": "${einde} != ''", "mode_priority": ["web", "capi"], "test_key_pattern": "^proef",
               "key_case": "upper"},
    "validate": {"rules": "schemas/regels.yaml", "speeder_ratio": 0.5, "straightline_min_items": 6,
                 "max_item_nonresponse": 0.5, "max_dont_know": 0.4, "min_dont_know_questions": 12,
                 "accept": {"regel": "een reden"}},
    "clean": {"corrections": "schemas/correcties.yaml", "exclude_breakoffs": False, "exclude_speeders": False,
              "speeder_ratio": 0.2, "invalid": False, "routing": False, "not_asked_answered": "keep",
              "derive": False},
    "privacy": {"key_env": "EIGEN_SLEUTEL", "key_file": "../sid.key", "demo_key": "DEMO-KEY-test",
                "respondent_id": "rid", "pseudonymise": False, "reason": "ABB koppelt zelf"},
    "fieldwork": {"targets": {"BE": 10}, "group": "herkomst", "municipality": "nis", "e": 0.8,
                  "z_threshold": 2.5, "min_interviews": 3, "backcheck_share": 0.2, "backcheck_seed": 7},
    "weight": {"population": "schemas/pop.csv", "stratum": "herkomst", "margins": ["provincie"], "trim": 2.5,
               "tolerance": 1e-6, "max_iter": 100, "trim_cycles": 10},
    "coding": {"codeframes": "schemas/kaders", "fuzzy_threshold": 80, "reference_date": date(2025, 1, 1),
               "countries": "a.csv", "languages": "b.csv", "municipalities": "c.txt", "successors": "c2.csv",
               "postcodes": "c3.csv", "occupations": "d.csv", "occupation_names": "d2.csv", "education": "e.csv", "variables": {"beroep": "occupation"}},
    "export": {"languages": ["fr", "nl"], "labels": {"en": {"dont_know": "DK"}}},
    "tables": {"breakdowns": ["modus"], "weight": "w", "strata": "s", "min_n": 5},
}
SECTIONS = {"demo": DemoSettings, "ingest": IngestSettings, "validate": ValidateSettings, "clean": CleanSettings,
            "privacy": PrivacySettings, "fieldwork": FieldworkSettings, "weight": WeightSettings,
            "coding": CodingSettings, "export": ExportSettings, "tables": TablesSettings}


def _toml(value) -> str:
    """`value` as TOML: the document as top-level keys, tables inline."""
    if isinstance(value, dict):
        pairs = [f"{json.dumps(k)} = {_toml(v)}" for k, v in value.items()]
        return "{ " + ", ".join(pairs) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return json.dumps(value) if isinstance(value, str) else repr(value)


def _document(data) -> str:
    return "".join(f"{key} = {_toml(value)}\n" for key, value in data.items())


def _load(root, data):
    (root / "sid.toml").write_text(_document(data), encoding="utf-8")
    return load_project(root)


def _tables(data=EVERY_KEY):
    """(where, table) for every table of the document: "", "survey.", "sources[1].", "missing.refused." ..."""
    yield "", data
    for name, value in data.items():
        where, table = (f"{name}[1].", value[0]) if isinstance(value, list) else (f"{name}.", value)
        yield where, table
        if name == "missing":
            yield from ((f"{where}{role}.", entry) for role, entry in table.items())


def _fields(cls) -> set[str]:
    return {f.name for f in dataclasses.fields(cls)}


def test_every_dataclass_field_is_a_key(tmp_path):
    """Each field of each section's dataclass is a key of sid.toml, read from the file (not defaulted)."""
    sections = set(EVERY_KEY) - {"survey", "paths"}
    assert _fields(Project) == {"root", "file"} | set(EVERY_KEY["survey"]) | set(EVERY_KEY["paths"]) | sections
    for name, cls in SECTIONS.items():
        assert set(EVERY_KEY[name]) == _fields(cls), name
    assert set(EVERY_KEY["sources"][0]) == _fields(Source)
    assert set(EVERY_KEY["sample"]) == _fields(SampleFrame) - {"source"} | set(EVERY_KEY["contacts"])
    assert set(EVERY_KEY["contacts"]) < _fields(Source)
    assert all(set(entry) == _fields(MissingCode) - {"role"} for entry in EVERY_KEY["missing"].values())

    project = _load(tmp_path, EVERY_KEY)
    read = [(getattr(project, name), EVERY_KEY[name]) for name in SECTIONS] + [
        (project.sources[0], EVERY_KEY["sources"][0]), (project.contacts, EVERY_KEY["contacts"]),
        (project.sample, EVERY_KEY["sample"]), (project.sample.source, EVERY_KEY["sample"])]
    for record, table in read:
        for f in dataclasses.fields(record):
            if f.name in table and f.default is not dataclasses.MISSING:
                assert getattr(record, f.name) != f.default, (type(record).__name__, f.name)
    assert project.form == tmp_path / "schemas" / "vragenlijst.xlsx"
    assert (project.title, project.language, project.key) == ("Alle sleutels", "fr", "rrn")
    assert (project.raw, project.cleaned, project.work) == (tmp_path / "in", tmp_path / "uit", tmp_path / "werk")
    assert project.missing.values == (-11, -12, -13, -14, -15)
    assert project.sample.key == "nummer" and project.sample.source.sheet == "steekproef"
    assert project.sources[0].rename == (("Nr", "rrn"),) and project.sources[0].delimiter == "\t"
    assert project.sources[0].roster_files == (("lid", tmp_path / "in" / "web-leden.csv"),)
    assert project.sources[0].roster_wide == "{variable}_{n}"
    assert project.privacy.key_file == tmp_path.parent / "sid.key"
    assert project.coding.reference_date == date(2025, 1, 1) and project.coding.fuzzy_threshold == 80.0


@pytest.mark.parametrize("where", [where for where, _ in _tables()])
def test_unknown_key_in_every_table(tmp_path, where):
    data = copy.deepcopy(EVERY_KEY)
    table = dict(_tables(data))[where]
    allowed = ", ".join(sorted(table))
    table["typo"] = 1
    message = _error(tmp_path, _document(data))
    assert f"{where}typo: unknown key. Allowed here: {allowed}." in message


def test_keys_of_an_export_are_not_keys_of_the_contact_log(tmp_path):
    data = copy.deepcopy(EVERY_KEY)
    data["contacts"]["mode"] = "capi"
    with pytest.raises(SidError, match="contacts.mode: unknown key"):
        _load(tmp_path, data)


@pytest.mark.parametrize("where,key", [(where, key) for where, table in _tables() for key in table])
def test_wrong_type_of_every_key(tmp_path, where, key):
    """Each key (and table) refuses a value of another type (true/false where it takes anything else),
    naming itself."""
    data = copy.deepcopy(EVERY_KEY)
    table = dict(_tables(data))[where]
    table[key] = "ja" if isinstance(table[key], bool) else True
    with pytest.raises(SidError) as info:
        _load(tmp_path, data)
    assert info.value.code == "config_invalid"
    assert str(info.value).startswith(f"{tmp_path / 'sid.toml'}: {where}{key}: ")


@pytest.mark.parametrize("key,value,message", [
    ("clean.derive", '"yes"', "clean.derive: must be true or false"),
    ("demo.seed", "1.5", "demo.seed: must be a whole number"),
    ("validate.speeder_ratio", '"snel"', "validate.speeder_ratio: must be a non-negative number"),
    ("survey.language", "5", "survey.language: must be a non-empty text"),
    ("validate.rules", "true", "validate.rules: must be a non-empty text"),
    ("weight.margins", '"stratum"', 'weight.margins: must be a list of margin names, e.g. ["stratum", "provincie"]'),
    ("validate.accept", '["regel"]', 'validate.accept: must be a table of rule = "written reason"'),
    ("fieldwork.targets", '{ BE = "veel" }', "fieldwork.targets: must be a table of origin group = completes wanted"),
    ("coding.reference_date", '"gisteren"', "coding.reference_date: 'gisteren' is not a date like 2026-03-01"),
    ("coding.reference_date", "2026-03-01T10:00:00", "coding.reference_date: must be a date like 2026-03-01"),
    ("fieldwork.e", "true", 'fieldwork.e: must be "proportional" or a number between 0 and 1'),
])
def test_wrong_type_message(tiny_project, key, value, message):
    table, name = key.split(".")
    if table == "survey":
        text = TINY_TOML.replace('language = "nl"', f"language = {value}")
    else:
        required = 'population = "schemas/pop.csv"\n' if table == "weight" else ""
        text = TINY_TOML + f"\n[{table}]\n{required}{name} = {value}\n"
    assert message in _error(tiny_project, text)
