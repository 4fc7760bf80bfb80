"""The form's single-variable checks (codes, ranges, constraints, kinds, the key) are vectorised
per column; they were a pandera schema. pandera stays the oracle here: the same checks, built as
the pandera schema they were, must find exactly the same failing rows on every form of the corpus
(pyxform's own example forms and the XLSForm spec forms, tests/forms/README.md) and on the demo's
form, with answers generated from each form and then damaged in every way a check looks at."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pytest

from pipeline.demo.answers import demo_responses
from pipeline.errors import SidError
from pipeline.survey.expressions import references
from pipeline.survey.questionnaire import Questionnaire, load_questionnaire
from pipeline.validation.validate import _constraint, _in_range, _schema_checks, _tokens_known, column_checks

FORMS = sorted((Path(__file__).parents[1] / "forms").rglob("*.xls*"))
DEMO_FORM = Path(__file__).parents[2] / "schemas" / "questionnaire.xlsx"
KEY = "resp_key"


def pandera_schema(questionnaire: Questionnaire, key: str) -> pa.DataFrameSchema:
    """The schema validation used before, verbatim: kinds, allowed codes (answers + missing
    codes), the form's single-variable constraints, and a unique, complete respondent key."""
    missing = [float(c) for c in questionnaire.missing.values]
    missing_text = [str(c) for c in questionnaire.missing.values]
    columns = {key: pa.Column(None, nullable=False, unique=True,
                              checks=pa.Check(lambda s: s.astype(str).str.strip() != "", name="key_present"))}
    for var in questionnaire:
        if var.name == key:
            continue
        checks = []
        if var.type == "select_one":
            allowed = ([float(c) for c in var.choices.codes.values()] + missing if var.kind == "numeric"
                       else list(var.choices.names) + missing_text)
            checks.append(pa.Check.isin(allowed, name=f"codes:{var.name}", error=f"codes:{var.name}"))
        elif var.type == "select_multiple":
            allowed_tokens = set(var.choices.names) | set(missing_text)
            checks.append(pa.Check(lambda s, ok=frozenset(allowed_tokens): _tokens_known(s, ok),
                                   name=f"codes:{var.name}", error=f"codes:{var.name}"))
        if var.bounds is not None:
            checks.append(pa.Check(lambda s, v=var, m=missing: _in_range(v, s, m),
                                   name=f"range:{var.name}", error=f"range:{var.name}"))
        if var.constraint and references(var.constraint) <= {var.name}:
            checks.append(pa.Check(lambda s, v=var, m=missing: _constraint(v, s, m),
                                   name=f"constraint:{var.name}", error=f"constraint:{var.name}"))
        dtype = {"numeric": "float64", "datetime": "datetime64[ns]"}.get(var.kind)
        columns[var.name] = pa.Column(dtype, checks=checks, nullable=True, required=False)
    return pa.DataFrameSchema(columns, strict=False, name=questionnaire.form_id)


def pandera_fails(frame: pd.DataFrame, questionnaire: Questionnaire, key: str) -> dict[str, np.ndarray]:
    """The failing rows per check as the pandera schema found them (the implementation before),
    `type:<column>` for a column pandera judged of the wrong kind."""
    columns = pandera_schema(questionnaire, key).columns
    present = [c for c in [key, *questionnaire.names] if c in frame.columns]
    sub = frame[list(dict.fromkeys(present))]
    try:
        pa.DataFrameSchema(columns, strict=False).validate(sub, lazy=True)
        failures = pd.DataFrame(columns=["column", "check", "failure_case", "index"])
    except pa.errors.SchemaErrors as exc:
        failures = exc.failure_cases
    out: dict[str, np.ndarray] = {}
    n = len(frame)
    for var in questionnaire:
        if var.name == key or var.name not in sub.columns:
            continue
        for kind in [c.name.split(":")[0] for c in columns[var.name].checks]:
            rows = failures[(failures["column"] == var.name) & (failures["check"] == f"{kind}:{var.name}")]
            fails = np.zeros(n, dtype=bool)
            fails[rows["index"].dropna().astype(int).to_numpy()] = True
            out[f"{kind}:{var.name}"] = fails
    fails = np.zeros(n, dtype=bool)
    fails[failures.loc[failures["column"] == key, "index"].dropna().astype(int).to_numpy()] = True
    out["key_unique"] = fails
    # A column pandera judged of the wrong kind: a failure without a row, or (text in a number
    # column) its dtype check failing row by row, which the implementation before dropped silently.
    wrong = (failures["index"].isna() | failures["check"].astype(str).str.startswith("dtype(")) \
        & (failures["column"] != key)
    for column in failures.loc[wrong, "column"].unique():
        out[f"type:{column}"] = np.ones(n, dtype=bool)
    return out


def damaged(frame: pd.DataFrame, questionnaire: Questionnaire, seed: int) -> pd.DataFrame:
    """Answers as fieldwork delivers them: codes outside the list, answers outside the range or
    the constraint, unknown tokens in a multiple choice, empty, duplicated and blank keys."""
    rng = np.random.default_rng(seed)
    out = frame.copy()
    n = len(out)
    for var in questionnaire:
        if var.name not in out.columns or var.name == KEY:
            continue
        rows = rng.random(n) < 0.08
        column = out[var.name]
        if var.kind == "numeric":
            bad = rng.choice([99.0, -7.0, 1e6, 0.5, -1.0, -3.0, np.nan], size=n)
            if var.bounds is not None:
                start, end, step = var.bounds
                bad = np.where(rng.random(n) < 0.5, bad, max(start, end) + step / 2)
            out[var.name] = column.astype("float64").where(~rows, bad)
        elif var.kind == "string":
            token = rng.choice(["zz", "-1", "", " ", "yes zz", "-3 -9"], size=n)
            out[var.name] = column.astype("string").where(~rows, pd.Series(token, index=out.index, dtype="string"))
    keys = out[KEY].astype("string")
    keys.iloc[1] = keys.iloc[0]  # a duplicate
    keys.iloc[2] = None  # no key
    keys.iloc[3] = "  "  # a blank key
    out[KEY] = keys
    return out


def responses(questionnaire: Questionnaire, respondents: int, seed: int) -> pd.DataFrame:
    frame = demo_responses(questionnaire, respondents=respondents, seed=seed, key=KEY)
    if KEY not in frame.columns:  # the key is a column of the export, not always a question of the form
        frame.insert(0, KEY, pd.Series([f"R{i:05d}" for i in range(len(frame))], dtype="string"))
    return frame


def loadable():
    for path in [DEMO_FORM, *FORMS]:
        try:
            yield path, load_questionnaire(path)
        except SidError:
            continue  # the forms sid refuses (tests/survey/test_form_corpus.py)


CORPUS = list(loadable())


def test_the_corpus_has_checks_of_every_kind():
    kinds = {kind for _, form in CORPUS for var in form for kind, _ in column_checks(var, (-1,))}
    assert kinds == {"codes", "range", "constraint"} and len(CORPUS) >= 150


@pytest.mark.parametrize("path, questionnaire", CORPUS, ids=[p.name for p, _ in CORPUS])
def test_the_same_failures_as_the_pandera_schema(path, questionnaire):
    try:
        frame = responses(questionnaire, 60, 7)
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"the demo generator does not answer this form: {exc}")
    for seed, data in enumerate([frame, damaged(frame, questionnaire, 1), damaged(frame, questionnaire, 2)]):
        expected = pandera_fails(data, questionnaire, KEY)
        found = {c.rule: c.fails for c in _schema_checks(data, questionnaire, KEY)}
        assert sorted(found) == sorted(expected), (seed, set(found) ^ set(expected))
        for rule, fails in expected.items():
            assert np.array_equal(found[rule], fails), (seed, rule, np.flatnonzero(found[rule] != fails))


def test_a_column_of_the_wrong_kind_and_a_check_that_cannot_be_evaluated(tmp_path):
    form = load_questionnaire(DEMO_FORM)
    frame = responses(form, 40, 3)
    numeric = next(v.name for v in form if v.kind == "numeric" and v.type == "select_one")
    dated = next(v.name for v in form if v.kind == "datetime")
    bounded = next(v.name for v in form if v.kind == "numeric" and v.constraint
                   and references(v.constraint) <= {v.name} and v.name != numeric)
    wrong = frame.assign(**{numeric: frame[numeric].fillna(1).astype("int64"),  # int64, not float64
                            dated: frame[dated].dt.tz_localize("UTC"),  # a time zone
                            bounded: frame[bounded].astype("string")})  # text in a number
    expected = pandera_fails(wrong, form, KEY)
    found = {c.rule: c.fails for c in _schema_checks(wrong, form, KEY)}
    assert {f"type:{numeric}", f"type:{dated}", f"type:{bounded}"} <= set(expected)
    assert sorted(found) == sorted(expected)
    for rule, fails in expected.items():
        assert np.array_equal(found[rule], fails), rule


def test_datetimes_of_any_unit_are_of_their_kind():
    form = load_questionnaire(DEMO_FORM)
    frame = responses(form, 20, 5)
    dated = [v.name for v in form if v.kind == "datetime" and v.name in frame.columns]
    for unit in ("s", "ms", "us", "ns"):
        data = frame.assign(**{d: frame[d].astype(f"datetime64[{unit}]") for d in dated})
        assert not [c.rule for c in _schema_checks(data, form, KEY) if c.rule.startswith("type:")]
        assert not [r for r in pandera_fails(data, form, KEY) if r.startswith("type:")]


def test_a_range_check_judges_between_steps():
    form = load_questionnaire(Path(__file__).parents[1] / "forms" / "spec" / "type_range.xlsx")
    ranged = next(v for v in form if v.bounds is not None)
    start, end, step = ranged.bounds
    values = pd.Series([start, end, start + step / 2, end + step, np.nan, -1.0])
    assert _in_range(ranged, values, [-1.0]).tolist() == [True, True, False, False, True, True]
