"""Correction rules are checked against the form when loaded: a code that is not in the list,
text assigned to a number, or the key assigned is an error (exit 2) before any stage runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from pipeline.cleaning.clean import load_corrections
from pipeline.errors import SidError
from pipeline.survey.questionnaire import load_questionnaire


def rule(assign: str, condition: str = "${werk} = 1") -> str:
    return f"- name: r\n  description: test\n  condition: {condition}\n  assign:\n    {assign}\n"


@pytest.fixture
def form(tiny_form):
    return load_questionnaire(tiny_form)


@pytest.mark.parametrize("assign, message", [
    ("werk: 7", "r: assigns '7' to 'werk', which is not a code of its list 'jn' (1, 0, -2)"),
    ("geboorteland: \"'FR'\"", "r: assigns 'FR' to 'geboorteland', which is not a code of its list 'land'"),
    ("talen: \"'nl fr'\"", "r: assigns 'nl fr' to 'talen', which is not a code of its list 'taal'"),
    ("geboortejaar: \"'negentig'\"", "r: assigns text ('negentig') to 'geboortejaar', which holds numbers"),
    ("geboortejaar: \"concat('19', '80')\"", "r: assigns text (concat('19', '80')) to 'geboortejaar'"),
    ("resp_id: \"'R9'\"", "r: assigns the respondent key 'resp_id'"),
])
def test_a_correction_that_cannot_hold_is_refused_at_load(form, tmp_path, assign, message):
    path = tmp_path / "c.yaml"
    path.write_text(rule(assign))
    with pytest.raises(SidError) as err:
        load_corrections(path, form, "resp_id")
    assert err.value.code == "corrections_invalid"
    assert message in str(err.value)


@pytest.mark.parametrize("assign", ["werk: 0", "werk: -2", "werk: -9", "geboorteland: \"'MA'\"",
                                    "geboorteland: -1", "talen: \"'nl ar'\"", "geboortejaar: 1900 + ${geboortejaar}",
                                    "tevreden: ${werk} + 3"])
def test_a_correction_that_fits_the_form_loads(form, tmp_path, assign):
    path = tmp_path / "c.yaml"
    path.write_text(rule(assign))
    assert len(load_corrections(path, form, "resp_id")) == 1


def test_sid_run_exits_2_before_any_stage_runs(tiny_project: Path):
    (tiny_project / "schemas" / "corrections.yaml").write_text(rule("werk: 7"), encoding="utf-8")
    toml = tiny_project / "sid.toml"
    toml.write_text(toml.read_text() + '\n[clean]\ncorrections = "schemas/corrections.yaml"\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["--project", str(tiny_project), "run"])
    assert result.exit_code == 2, result.output
    assert "which is not a code of its list 'jn'" in " ".join(result.output.split())
    assert not (tiny_project / "work" / "ingested.parquet").exists()
