"""`sid run` keeps the checks that do not depend on the rules (pipeline/validation/stage.py, work/stages/
validate_checks.pickle) under the cleaning's fingerprint: a validation after a change of the rules judges
only the rules again, and reports exactly what a validation judging everything reports."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from pipeline import workdir
from pipeline.run import run_all
from pipeline.survey.project import load_project
from pipeline.survey.questionnaire import questionnaire_of
from pipeline.validation import stage

RULES = """- name: jong_werk
  description: Wie werkt, is na 1950 geboren.
  expression: ${geboortejaar} > 1950
  when: ${werk} = 1
  severity: {severity}
- name: tevreden_werkt
  description: Wie tevreden is, werkt.
  expression: ${werk} = 1
  when: ${tevreden} >= 4
  severity: warning
- name: leeftijd_volwassen
  description: De berekende leeftijd is die van een volwassene.
  expression: ${leeftijd} >= 30
  severity: warning
"""


class _Judged:
    """The times the form checks were judged, in a file: `sid run` validates in a helper process
    (pipeline/parallel) where two cores are usable, whose list would not be this one."""

    def __init__(self, path: Path):
        self.path = path
        path.write_text("", encoding="utf-8")

    def append(self, value: int) -> None:
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(f"{value}\n")

    def __eq__(self, other) -> bool:
        return [int(n) for n in self.path.read_text(encoding="utf-8").split()] == other

    def __repr__(self) -> str:
        return repr(self.path.read_text(encoding="utf-8").split())


@pytest.fixture
def validated(tiny_project: Path, monkeypatch):
    """The tiny project with rules, run once; the times the form checks were judged."""
    (tiny_project / "schemas" / "rules.yaml").write_text(RULES.replace("{severity}", "error"), encoding="utf-8")
    toml = tiny_project / "sid.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + '\n[validate]\nrules = "schemas/rules.yaml"\n',
                    encoding="utf-8")
    run_all(load_project(tiny_project))
    judged = _Judged(tiny_project.parent / "judged.txt")
    real = stage.form_checks

    def counted(*args, **kwargs):
        judged.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(stage, "form_checks", counted)
    return tiny_project, judged


def _validate(root: Path, out: Path, basis: str | None):
    project = load_project(root)
    questionnaire = questionnaire_of(project)
    frame = workdir.read_stage(project, workdir.CLEANED, "test")
    out.mkdir(parents=True, exist_ok=True)
    return stage.run_validate(replace(project, cleaned=out), questionnaire, frame, basis=basis)


def _same(a, b) -> None:
    for name in ("failures", "summary", "quality"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))


def test_a_rules_change_judges_only_the_rules_and_reports_the_same(validated, tmp_path):
    root, judged = validated
    first = _validate(root, tmp_path / "a", "clean-print")
    assert judged == [1] and (root / "work" / "stages" / stage.CHECKS).is_file()
    (root / "schemas" / "rules.yaml").write_text(RULES.replace("{severity}", "warning"), encoding="utf-8")
    kept = _validate(root, tmp_path / "b", "clean-print")
    assert judged == [1]  # the form checks came from work/stages/
    everything = _validate(root, tmp_path / "c", None)
    assert judged == [1, 1]
    _same(kept, everything)
    assert not kept.summary.equals(first.summary)  # the rule's severity did change the report
    assert kept.summary.set_index("rule").loc["leeftijd_volwassen", "fails"] == 1  # a calculate, kept: 2026 - 1999
    for name in ("validation_summary.csv", "validation_failures.csv"):
        assert (tmp_path / "b" / name).read_bytes() == (tmp_path / "c" / name).read_bytes()


def test_another_cleaning_settings_or_a_damaged_file_judge_everything_again(validated, tmp_path):
    root, judged = validated
    reference = _validate(root, tmp_path / "a", "clean-print")
    _validate(root, tmp_path / "b", "another cleaning")
    assert judged == [1, 1]
    toml = root / "sid.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + "straightline_min_items = 3\n", encoding="utf-8")
    _validate(root, tmp_path / "c", "another cleaning")
    assert judged == [1, 1, 1]
    toml.write_text(toml.read_text(encoding="utf-8").replace("straightline_min_items = 3\n", ""), encoding="utf-8")
    (root / "work" / "stages" / stage.CHECKS).write_bytes(b"not a pickle")
    _same(_validate(root, tmp_path / "d", "clean-print"), reference)
    assert judged == [1, 1, 1, 1]


def test_sid_run_keeps_them_under_the_cleanings_fingerprint(validated):
    root, judged = validated
    rules = root / "schemas" / "rules.yaml"
    rules.write_text(RULES.replace("{severity}", "warning"), encoding="utf-8")
    stages: list = []
    result = run_all(load_project(root), finished=stages.append)
    assert [s.stage for s in stages if not s.reused] == ["validate"]
    assert judged == []  # the form checks the first run kept
    rules.write_text(RULES.replace("{severity}", "error"), encoding="utf-8")
    again = run_all(load_project(root), finished=stages.append)
    assert judged == []
    fresh = run_all(load_project(root), fresh=True)
    assert judged == [1]  # --fresh judges everything (and keeps it)
    rules.write_text(RULES.replace("{severity}", "warning"), encoding="utf-8")
    run_all(load_project(root))
    assert judged == [1]
    _same(again.clean.validation, fresh.clean.validation)
    assert not result.clean.validation.summary.equals(again.clean.validation.summary)
