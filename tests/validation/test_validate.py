"""Validation: the form's own checks (tests/validation/test_schema_checks.py), routing, rules, quality, the report."""

import numpy as np
import pandas as pd
import pytest
from conftest import TINY_TOML
from typer.testing import CliRunner

from cli import app
from pipeline.errors import SidError
from pipeline.survey.project import ValidateSettings
from pipeline.survey.questionnaire import load_questionnaire
from pipeline.validation.validate import FAILURE_COLUMNS, SUMMARY_COLUMNS, Rule, load_rules, validate


def answers() -> pd.DataFrame:
    return pd.DataFrame({
        "resp_id": ["R1", "R2", "R3", "R4", "R4"],
        "start": pd.to_datetime(["2026-03-02 10:00"] * 5),
        "end": pd.to_datetime(["2026-03-02 10:30", "2026-03-02 10:31", "2026-03-02 10:29",
                               "2026-03-02 10:32", "2026-03-02 10:05"]),
        "geboortejaar": [1980.0, 1890.0, 1975.0, 2000.0, 1990.0],
        "werk": [1.0, 0.0, np.nan, 1.0, 1.0],
        "tevreden": [4.0, 3.0, np.nan, 9.0, -1.0],
        "geboorteland": ["BE", "XX", "MA", "BE", "-3"],
        "talen": ["nl", "nl zz", "ar", "ar", "nl"],
        "talen_anders": [None, None, "Berbers", None, None],
        "leeftijd": [45.0, 136.0, 51.0, 26.0, 36.0],
    })


@pytest.fixture
def report(tiny_form):
    form = load_questionnaire(tiny_form)
    rules = (Rule("leeftijd_klopt", "leeftijd = 2026 - geboortejaar", "${leeftijd} = 2026 - ${geboortejaar}"),)
    return validate(answers(), form, key="resp_id", rules=rules)


def failures(report):
    return report.failures[["respondent", "rule", "value", "severity"]].values.tolist()


def test_report_columns_are_frozen(report):
    assert list(report.failures.columns) == FAILURE_COLUMNS == [
        "respondent", "roster", "instance", "variable", "rule", "value", "severity", "message"]
    assert list(report.summary.columns) == SUMMARY_COLUMNS == [
        "rule", "description", "items", "passes", "fails", "n_na", "severity", "expression"]


def test_every_check_kind_found_in_one_pass(report):
    found = failures(report)
    assert ["R2", "constraint:geboortejaar", "1890.0", "error"] in found
    assert ["R4", "codes:tevreden", "9.0", "error"] in found
    assert ["R2", "codes:geboorteland", "XX", "error"] in found
    assert ["R2", "codes:talen", "nl zz", "error"] in found
    assert ["R4", "key_unique", "R4", "error"] in found
    assert ["R3", "required:werk", "", "error"] in found
    assert ["R2", "routing:tevreden", "3.0", "error"] in found
    assert ["R3", "routing:talen_anders", "Berbers", "error"] in found
    assert ["R1", "leeftijd_klopt", "geboortejaar=1980.0; leeftijd=45.0", "error"] in found
    assert ["R4", "quality:speeder", "5.0", "warning"] in found
    # -1 (weet niet) and -3 are missing codes: allowed in any coded question.
    assert not [f for f in found if f[1] in ("codes:geboorteland", "codes:tevreden") and f[0] == "R4" and f[2] in ("-3", "-1.0")]


def test_summary_counts_items_passes_fails(report):
    row = report.summary.set_index("rule").loc["routing:tevreden"]
    assert (row["items"], row["passes"], row["fails"], row["severity"]) == (2, 1, 1, "error")
    assert row["expression"] == "${werk} = 1"
    assert report.summary["severity"].iloc[0] == "error"  # worst first
    # warnings: 1; a "weet niet" share is no longer judged on a form with fewer than 10 such questions
    assert report.errors == 10 and report.warnings == 1
    assert "quality:dont_know" not in set(report.failures["rule"])


def test_accepted_rule_is_shown_with_its_reason(tiny_form):
    form = load_questionnaire(tiny_form)
    report = validate(answers(), form, key="resp_id", accepted={"codes:talen": "zz = Zaza, code volgt"})
    row = report.summary.set_index("rule").loc["codes:talen"]
    assert row["severity"] == "accepted"
    assert "aanvaard: zz = Zaza, code volgt" in row["description"]
    assert report.errors == 8


def test_straightlining_item_nonresponse_and_dont_know(tmp_path):
    from conftest import c, q, write_xlsform

    survey = [q("text", "id", "Id"), {"type": "begin_group", "name": "vertrouwen"},
              *[q("select_one s", f"v{i}", f"V{i}") for i in range(4)], {"type": "end_group"}]
    form = load_questionnaire(write_xlsform(tmp_path / "f.xlsx", survey,
                                            [c("s", str(i), str(i)) for i in range(1, 6)] + [c("s", "-1", "wn")]))
    data = pd.DataFrame({"id": ["a", "b", "c"], "v0": [3.0, 1.0, -1.0], "v1": [3.0, 2.0, -1.0],
                         "v2": [3.0, 1.0, -1.0], "v3": [3.0, np.nan, 2.0]})
    report = validate(data, form, key="id", quality=ValidateSettings(max_item_nonresponse=0.2, max_dont_know=0.5,
                                                                     min_dont_know_questions=4))
    assert ["a", "quality:straightlining", "vertrouwen", "warning"] in failures(report)
    assert ["b", "quality:item_nonresponse", "0.25", "warning"] in failures(report)
    assert ["c", "quality:dont_know", "0.75", "warning"] in failures(report)
    assert report.quality.columns.tolist() == ["respondent", "straightlined", "item_nonresponse", "dont_know"]
    # four questions with 'weet niet' are too few by default (10): the share is shown, nobody flagged
    report = validate(data, form, key="id", quality=ValidateSettings(max_item_nonresponse=0.2, max_dont_know=0.5))
    assert "quality:dont_know" not in {f[1] for f in failures(report)}
    assert report.summary.set_index("rule").loc["quality:dont_know", "items"] == 0
    assert report.quality.set_index("respondent").loc["c", "dont_know"] == 0.75


def test_rules_from_yaml(tiny_form, tmp_path):
    form = load_questionnaire(tiny_form)
    path = tmp_path / "rules.yaml"
    path.write_text("- name: werk_en_leeftijd\n  description: wie werkt is minstens 15\n"
                    "  expression: ${leeftijd} >= 15\n  when: ${werk} = 1\n  severity: warning\n")
    assert load_rules(path, form) == (Rule("werk_en_leeftijd", "wie werkt is minstens 15", "${leeftijd} >= 15",
                                           "warning", "${werk} = 1"),)


@pytest.mark.parametrize("text, message", [
    ("- name: a\n  expression: ${x} >\n  severity: error\n", "rule 'a': unexpected end of expression"),
    ("- name: a\n  expression: '1'\n  severity: fatal\n", "severity must be error or warning"),
    ("- name: a\n  expression: '1'\n  severity: error\n- name: a\n  expression: '1'\n  severity: error\n",
     "rule name 'a' is used twice"),
    ("- name: a\n  expresion: '1'\n  severity: error\n", "each rule needs name, expression and severity "
                                                           "(error or warning); expression is missing"),
    ("- name: a\n  expression: '1'\n", "rule 'a' has no severity"),
    ("- name: [a\n", "not valid YAML"),
])
def test_bad_rules_file(tiny_form, tmp_path, text, message):
    path = tmp_path / "rules.yaml"
    path.write_text(text)
    with pytest.raises(SidError, match=message.replace("(", r"\(").replace(")", r"\)")) as info:
        load_rules(path, load_questionnaire(tiny_form))
    assert str(path) in str(info.value)


def test_unsupported_function_in_form_names_the_row(tmp_path):
    """A function no XForm knows is refused with its row; one the form app computes and sid does not
    (distance() of a geotrace) drops the constraint with a warning naming the row."""
    from conftest import c, q, write_xlsform

    survey = [q("text", "id", "Id"), q("integer", "a", "A", constraint="distanse(.) > 1")]
    with pytest.raises(SidError) as info:
        load_questionnaire(write_xlsform(tmp_path / "f.xlsx", survey, [c("x", "1", "x")]))
    assert (info.value.row, info.value.column) == (3, "constraint")
    assert "unknown function 'distanse()'" in str(info.value)
    survey = [q("text", "id", "Id"), q("geotrace", "route", "Route"),
              q("integer", "a", "A", constraint="distance(${route}) > 1")]
    form = load_questionnaire(write_xlsform(tmp_path / "g.xlsx", survey, [c("x", "1", "x")]))
    assert form["a"].constraint is None
    assert form.warnings == ("g.xlsx, survey row 4: the constraint of 'a' uses distance(), which sid cannot judge; "
                             "not checked",)


def test_a_range_answer_outside_its_scale_or_between_steps_fails(tmp_path):
    """range: start/end/step from the form's parameters (XLSForm's defaults 1, 10, 1)."""
    from conftest import c, q, write_xlsform

    survey = [q("text", "id", "Id"), q("range", "tevreden", "Tevreden", parameters="start=0 end=5 step=0.5"),
              q("range", "schaal", "Schaal")]
    form = load_questionnaire(write_xlsform(tmp_path / "f.xlsx", survey, [c("x", "1", "x")]))
    assert (form["tevreden"].bounds, form["schaal"].bounds) == ((0.0, 5.0, 0.5), (1.0, 10.0, 1.0))
    data = pd.DataFrame({"id": list("abcdef"), "tevreden": [0.0, 2.5, 5.0, 5.5, 1.25, -9.0],
                         "schaal": [1.0, 10.0, 0.0, np.nan, 11.0, 3.0]})
    report = validate(data, form, key="id")
    found = [f[:2] for f in failures(report) if f[1].startswith("range:")]
    assert sorted(found) == [["c", "range:schaal"], ["d", "range:tevreden"], ["e", "range:schaal"],
                             ["e", "range:tevreden"]]
    summary = report.summary.set_index("rule")
    assert summary.loc["range:tevreden", "description"] == "tevreden: tussen 0 en 5 in stappen van 0.5"
    with pytest.raises(SidError, match="row 3: .*'step' must not be '0'"):
        load_questionnaire(write_xlsform(tmp_path / "g.xlsx", [q("text", "id", "Id"), q(
            "range", "r", "R", parameters="start=0 end=5 step=0")], [c("x", "1", "x")]))


def test_cli_validate_exit_codes(tiny_project):
    runner = CliRunner()
    assert runner.invoke(app, ["--project", str(tiny_project), "ingest"]).exit_code == 0
    result = runner.invoke(app, ["--project", str(tiny_project), "validate"])
    assert result.exit_code == 0, result.output
    csv = tiny_project / "raw" / "answers.csv"
    csv.write_text(csv.read_text().replace("R1,2026-03-02T10:00:00,2026-03-02T10:31:00,1980,1,4",
                                           "R1,2026-03-02T10:00:00,2026-03-02T10:31:00,1890,1,4"))
    assert runner.invoke(app, ["--project", str(tiny_project), "ingest"]).exit_code == 0
    result = runner.invoke(app, ["--project", str(tiny_project), "validate"])
    assert result.exit_code == 1, result.output
    assert "constraint:geboortejaar" in result.output
    summary = pd.read_csv(tiny_project / "work" / "validation_summary.csv")
    assert list(summary.columns) == SUMMARY_COLUMNS
    assert (tiny_project / "work" / "validation_failures.xlsx").is_file()
    (tiny_project / "sid.toml").write_text(
        TINY_TOML + '\n[validate.accept]\n"constraint:geboortejaar" = "geverifieerd bij respondent"\n')
    assert runner.invoke(app, ["--project", str(tiny_project), "validate"]).exit_code == 0


def test_an_answer_outside_the_choices_the_filter_offered_fails():
    """pyxform's own choice_filter_test form: county filtered by ${state}=cf, city by ${county}=cf
    (the same choice name 'king' twice, once per state)."""
    from pathlib import Path

    form = load_questionnaire(Path(__file__).parents[1] / "forms" / "pyxform" / "choice_filter_test.xlsx")
    assert form["county"].choice_filter == "${state}=cf"
    data = pd.DataFrame({"id": list("abcde"),
                         "state": ["washington", "texas", "texas", "washington", None],
                         "county": ["king", "king", "pierce", None, "king"],
                         "city": ["dumont", "dumont", None, None, None]})
    report = validate(data, form, key="id")
    found = sorted(f[:2] for f in failures(report) if f[1].startswith("choice_filter:"))
    # c: pierce is no county of texas; b: texas has a 'king' too, and dumont's filter names king only
    assert found == [["c", "choice_filter:county"]]
    summary = report.summary.set_index("rule")
    assert summary.loc["choice_filter:county", "items"] == 3  # e has no state: not judged; d no county


def test_choice_filter_with_numeric_codes_and_missing_codes(tmp_path):
    from conftest import c, q, write_xlsform

    survey = [q("text", "id", "Id"), q("select_one prov", "provincie", "Provincie"),
              {**q("select_one gem", "gemeente", "Gemeente"), "choice_filter": "prov = ${provincie}"}]
    choices = [c("prov", "1", "Antwerpen"), c("prov", "2", "Limburg"), c("prov", "-1", "weet niet"),
               {**c("gem", "11002", "Antwerpen"), "prov": "1"}, {**c("gem", "71072", "Hasselt"), "prov": "2"},
               {**c("gem", "-1", "weet niet"), "prov": "1"}]
    form = load_questionnaire(write_xlsform(tmp_path / "f.xlsx", survey, choices))
    data = pd.DataFrame({"id": list("abcd"), "provincie": [1.0, 1.0, -1.0, 2.0],
                         "gemeente": [11002.0, 71072.0, 71072.0, -1.0]})
    found = [f[:2] for f in failures(validate(data, form, key="id")) if f[1].startswith("choice_filter:")]
    assert found == [["b", "choice_filter:gemeente"]]  # c: province unknown; d: answer 'weet niet'
