"""Validation judges the routing once per frame (`validate.routed`): the routing pass that computes
the calculates also gives whether each question was asked. That must be what judging the routing
again on the frame with its calculates gave (the former second pass), on every form sid loads:
the demo form and the corpus of real forms (pyxform's examples, the XLSForm spec forms), with
answers generated from each form, some calculates left empty (a keyed paper questionnaire), and
answers damaged as fieldwork delivers them; and on a form whose references go round in a circle."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.cleaning.clean import derive_calculates
from pipeline.errors import SidError
from pipeline.survey import routing
from pipeline.survey.questionnaire import load_questionnaire
from pipeline.validation.judged import _settled_in_order, routed, with_calculates

FORMS = sorted((Path(__file__).parents[1] / "forms").rglob("*.xls*"))
DEMO_FORM = Path(__file__).parents[2] / "schemas" / "questionnaire.xlsx"


def _loadable():
    for path in [DEMO_FORM, *FORMS]:
        try:
            form = load_questionnaire(path)
        except SidError:
            continue  # the forms sid refuses (tests/survey/test_form_corpus.py)
        if any(v.type == "calculate" for v in form):
            yield path, form


CORPUS = list(_loadable())


def _two_passes(frame, questionnaire):
    """What validation did before: the calculates (cleaning's derive_calculates, recorded values kept),
    then the routing judged again on that frame."""
    derived = derive_calculates(frame, questionnaire)
    view = frame.copy(deep=False)
    for var in questionnaire:
        if var.type == "calculate" and var.name in derived.columns:
            view[var.name] = (frame[var.name].where(frame[var.name].notna(), derived[var.name])
                              if var.name in frame.columns else derived[var.name])
    return view, routing.asked(view, questionnaire)


def _frames(questionnaire):
    from tests.validation.test_schema_checks import damaged, responses

    frame = responses(questionnaire, 80, 11)
    rng = np.random.default_rng(3)
    blanked = frame.copy()  # some recorded calculates missing: computed from the answers
    for var in questionnaire:
        if var.type == "calculate" and var.name in blanked.columns:
            blanked[var.name] = blanked[var.name].where(rng.random(len(blanked)) < 0.5)
    without = frame.drop(columns=[v.name for v in questionnaire if v.type == "calculate" and v.name in frame.columns])
    return [frame, blanked, without, damaged(frame, questionnaire, 5)]


def test_the_corpus_has_forms_with_calculates():
    assert len(CORPUS) >= 20


@pytest.mark.parametrize("path, questionnaire", CORPUS, ids=[p.name for p, _ in CORPUS])
def test_one_routing_pass_judges_as_two(path, questionnaire):
    try:
        frames = _frames(questionnaire)
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"the demo generator does not answer this form: {exc}")
    for i, frame in enumerate(frames):
        try:
            expected_view, expected = _two_passes(frame, questionnaire)
        except Exception as exc:  # noqa: BLE001 - the form's expressions fail on these answers: both must
            with pytest.raises(type(exc) if not isinstance(exc, SidError) else SidError):
                routed(frame, questionnaire)
            continue
        view, asked = routed(frame, questionnaire)
        pd.testing.assert_frame_equal(view, expected_view)
        pd.testing.assert_frame_equal(with_calculates(frame, questionnaire), expected_view)
        assert set(asked) == {n for n in expected if n in frame.columns}, i
        for name, value in asked.items():
            assert np.array_equal(value, expected[name]), (i, name)


def test_a_circle_of_references_is_judged_again(tmp_path):
    """A calculate and a question that refer to each other: the routing pass reads one of them as it
    stands, so the routing is judged again on the frame with its calculates."""
    import openpyxl

    path = tmp_path / "circle.xlsx"
    book = openpyxl.Workbook()
    survey = book.active
    survey.title = "survey"
    for row in (["type", "name", "label", "relevant", "calculation"],
                ["integer", "age", "Age", "", ""],
                ["calculate", "adult", "", "", "if(${age} >= 18 or ${q} = 1, 1, 0)"],
                ["integer", "q", "Q", "${adult} = 1", ""]):
        survey.append(row)
    book.create_sheet("choices").append(["list_name", "name", "label"])
    book.create_sheet("settings").append(["form_id", "version"])
    book["settings"].append(["circle", "1"])
    book.save(path)
    try:
        questionnaire = load_questionnaire(path)
    except SidError as exc:
        pytest.skip(f"sid refuses a form with a circle of references: {exc}")
    frame = pd.DataFrame({"age": [10.0, 30.0, 12.0, np.nan], "adult": [np.nan, np.nan, 1.0, np.nan],
                          "q": [1.0, np.nan, np.nan, 1.0]})
    assert not _settled_in_order(frame, questionnaire)
    view, asked = routed(frame, questionnaire)
    expected_view, expected = _two_passes(frame, questionnaire)
    pd.testing.assert_frame_equal(view, expected_view)
    for name, value in asked.items():
        assert np.array_equal(value, expected[name]), name
