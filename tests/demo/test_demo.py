"""Demo answers come from the form: valid codes, routing and constraints respected, deterministic."""

import pandas as pd
import pytest

from pipeline.demo.answers import demo_responses
from pipeline.survey.expressions import evaluate
from pipeline.survey.questionnaire import load_questionnaire


@pytest.fixture
def answers(tiny_form):
    form = load_questionnaire(tiny_form)
    return form, demo_responses(form, respondents=400, seed=7, key="resp_id")


def test_same_seed_same_answers(tiny_form, answers):
    form, frame = answers
    again = demo_responses(form, respondents=400, seed=7, key="resp_id")
    pd.testing.assert_frame_equal(frame, again)
    other = demo_responses(form, respondents=400, seed=8, key="resp_id")
    assert not frame.equals(other)


def test_one_column_per_variable_and_unique_keys(answers):
    form, frame = answers
    assert list(frame.columns) == list(form.names)
    assert frame["resp_id"].is_unique and frame["resp_id"].notna().all()


def test_answers_are_choices_of_the_form(answers):
    form, frame = answers
    for var in form:
        if var.type == "select_one":
            given = set(frame[var.name].dropna().astype(str).str.replace(r"\.0$", "", regex=True))
            assert given <= set(var.choices.names), var.name
        if var.type == "select_multiple":
            tokens = set(" ".join(frame[var.name].dropna()).split())
            assert tokens <= set(var.choices.names), var.name


def test_routing_respected(answers):
    form, frame = answers
    for var in form:
        if var.routing:
            asked = evaluate(var.routing, frame)
            assert frame.loc[~asked, var.name].isna().all(), var.name
    assert frame["tevreden"].notna().sum() > 0
    assert frame["talen_anders"].notna().sum() > 0


def test_constraints_and_required_respected(answers):
    form, frame = answers
    for var in form:
        present = frame[var.name].notna()
        if var.constraint:
            ok = evaluate(var.constraint, frame, current=var.name)
            assert ok[present].all(), var.name
        if var.required:
            asked = evaluate(var.routing, frame) if var.routing else pd.Series(True, index=frame.index)
            assert present[asked].all(), var.name


def test_calculates_computed(answers):
    _, frame = answers
    assert (frame["leeftijd"] == 2026 - frame["geboortejaar"]).all()
    assert (frame["end"] > frame["start"]).all()
