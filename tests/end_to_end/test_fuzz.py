"""Property and fuzz tests (hypothesis): hostile expressions, random CSV bytes, random frames.

- The expression evaluator lets out only its own ExpressionError and never runs code.
- Random bytes as a fieldwork export never crash ingest: it reads them or says why not (SidError).
- Random answers survive export → .sav → read back, with their labels.
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from conftest import TINY_CHOICES, TINY_CSV, TINY_SURVEY, TINY_TOML, write_xlsform
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.errors import SidError
from pipeline.survey.expressions import ExpressionError, evaluate, parse

FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- expressions ---------------------------------------------------------------------------------

CANARY_DIR = Path(tempfile.gettempdir()) / f"sid-fuzz-canary-{os.getpid()}"  # what hostile texts aim at


def _canary() -> Path:
    return CANARY_DIR / "pwned"


HOSTILE = [
    "__import__('os').system('mkdir -p {d} && touch {d}/pwned')",
    "open('{d}/pwned', 'w')",
    "${{__class__}}", "${{__globals__}}", "__builtins__", "eval('1')", "exec('x=1')",
    "().__class__.__bases__[0].__subclasses__()", "lambda: 0", "import os", "[x for x in ()]",
    "regex(., '(a+)+$')", "regex(${{q}}, '(?P<x>')", "date('9999-99-99')", "date(1e308)",
    "int(1e400)", "round(1, 1e9)", "${{q}} div 0", "${{q}} mod 0", "-" * 200 + "1",
    "(" * 60 + "1" + ")" * 60, " + ".join(["1"] * 300), "concat(" + ",".join(["'x'"] * 500) + ")",
    "if(true(), 'a', 1)", "coalesce(${{q}}, today())", "selected(${{m}}, ${{q}})",
    "string-length(concat(${{t}}, ${{t}}))", "count-selected(${{t}})", "number('1e999')",
]
TOKENS = ["${q}", "${t}", "${m}", "${d}", "${nope}", ".", "1", "-1", "0.5", "1e3", "'a'", '"b"', "''",
          "(", ")", ",", "+", "-", "*", "div", "mod", "=", "!=", "<", "<=", ">", ">=", "and", "or",
          "selected(", "count-selected(", "string-length(", "if(", "coalesce(", "int(", "number(",
          "string(", "boolean(", "concat(", "round(", "floor(", "ceiling(", "abs(", "regex(",
          "today()", "date(", "true()", "false()", "not(", "__import__", "os", "system", "'rm -rf /'",
          "${__class__}", "eval(", "'(a*)*b'", "'['", "'\\d+'", "x:y", "${}", "$", "{", "}", "'", '"']


def _frame() -> pd.DataFrame:
    return pd.DataFrame({
        "q": [1.0, np.nan, -3.0, 1e300, 0.0],
        "t": ["a", None, "=cmd|' /C calc'!A0", "ë😀" * 50, ""],
        "m": ["1 2", "other", None, "nl ar", "-1"],
        "d": pd.to_datetime(["2026-03-02", None, "1900-01-01", "2262-04-11", "2026-12-31T23:59:59"], format="ISO8601"),
    })


def _only_own_errors(text: str) -> None:
    try:
        node = parse(text)
    except ExpressionError:
        return
    for current in (None, "q", "t"):
        try:
            out = evaluate(node, _frame(), current=current, today=pd.Timestamp("2026-03-02"))
        except ExpressionError:
            continue
        assert len(out) == 5


@pytest.fixture(scope="module", autouse=False)
def canary():
    shutil.rmtree(CANARY_DIR, ignore_errors=True)
    CANARY_DIR.mkdir()
    yield _canary()
    assert not _canary().exists(), "an expression ran code"
    shutil.rmtree(CANARY_DIR, ignore_errors=True)


def test_hostile_expressions_are_refused_or_harmless(canary):
    for template in HOSTILE:
        text = template.format(d=CANARY_DIR)
        _only_own_errors(text)
        _only_own_errors(f"if({text}, 1, 2)")
        _only_own_errors(f"${{{text}}}")
    assert not canary.exists()
    with pytest.raises(ExpressionError):
        parse(f"__import__('os').system('touch {canary}')")


@FUZZ
@given(st.text(max_size=200))
def test_random_text_never_crashes_the_evaluator(canary, text):
    _only_own_errors(text)


@FUZZ
@given(st.lists(st.sampled_from(TOKENS), max_size=25), st.sampled_from([" ", ""]))
def test_token_soup_never_crashes_the_evaluator(canary, tokens, sep):
    _only_own_errors(sep.join(tokens))


@FUZZ
@given(st.recursive(
    st.sampled_from(["${q}", "${t}", "${m}", "${d}", ".", "1", "-2.5", "'x'", "''", "today()", "true()"]),
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["+", "-", "*", "div", "mod", "=", "!=", "<", ">=", "and", "or"]),
                  inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        st.tuples(st.sampled_from(["int", "number", "string", "boolean", "floor", "abs", "not", "date",
                                   "string-length", "count-selected", "round"]), inner)
        .map(lambda t: f"{t[0]}({t[1]})"),
        st.tuples(inner, inner, inner).map(lambda t: f"if({t[0]}, {t[1]}, {t[2]})"),
        st.tuples(inner, inner).map(lambda t: f"coalesce({t[0]}, {t[1]})"),
        st.tuples(inner, inner).map(lambda t: f"concat({t[0]}, {t[1]})"),
        st.tuples(inner, inner).map(lambda t: f"selected({t[0]}, {t[1]})"),
    ), max_leaves=12))
def test_well_formed_expressions_evaluate(canary, text):
    """Any well-typed-or-not combination of the supported functions evaluates without a crash."""
    node = parse(text)
    for current in ("q", "t", "d"):
        try:
            out = evaluate(node, _frame(), current=current, today=pd.Timestamp("2026-03-02"))
        except ExpressionError:
            continue
        assert len(out) == 5


# --- random bytes as fieldwork exports ------------------------------------------------------------

@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    root = tmp_path_factory.mktemp("fuzz") / "tiny"
    write_xlsform(root / "schemas" / "form.xlsx", TINY_SURVEY, TINY_CHOICES)
    (root / "raw").mkdir()
    (root / "raw" / "answers.csv").write_text(TINY_CSV, encoding="utf-8")
    (root / "sid.toml").write_text(TINY_TOML, encoding="utf-8")
    from pipeline.survey.project import load_project
    from pipeline.survey.questionnaire import questionnaire_of

    project = load_project(root)
    return project, questionnaire_of(project)


def _ingest(project, questionnaire, data: bytes) -> None:
    from pipeline.ingest.ingest import ingest
    from pipeline.ingest.sources import read_table

    path = project.sources[0].path
    path.write_bytes(data)
    try:
        read_table(project.sources[0])
        frame, result = ingest(project, questionnaire)
    except SidError as exc:
        assert "\n" not in str(exc)
        return
    assert result.rows == len(frame)
    assert len(result.reconciliation) == sum(s.rows for s in result.sources)


@FUZZ
@given(st.binary(max_size=2000))
def test_random_bytes_never_crash_ingest(tiny, data):
    _ingest(*tiny, data)


CELLS = st.one_of(st.text(max_size=12), st.integers(-10**6, 10**6).map(str), st.sampled_from(
    ["", "1", "0", "-2", "BE", "MA", "other", "nl ar", "1980", "2026-03-02T10:00:00", "02/03/2026",
     "1,5", '"', '""', "\r", "\n", "=1+1", "NaN", "inf", "R1", "TEST1", "ë", "😀"]))


@FUZZ
@given(st.lists(st.lists(CELLS, min_size=0, max_size=12), max_size=8), st.sampled_from([",", ";", "\t", "|"]),
       st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]), st.booleans())
def test_random_csv_tables_never_crash_ingest(tiny, rows, sep, encoding, quote):
    header = TINY_CSV.splitlines()[0].split(",")

    def line(cells):
        return sep.join(('"' + c.replace('"', '""') + '"') if quote else c for c in cells)

    text = "\n".join([line(header), *(line(r) for r in rows)]) + "\n"
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode("utf-8")
    _ingest(*tiny, data)


# --- random frames through export and back ---------------------------------------------------------

WHEN = st.datetimes(min_value=pd.Timestamp("1900-01-01").to_pydatetime(),
                    max_value=pd.Timestamp("2100-12-31").to_pydatetime()).map(
    lambda d: pd.Timestamp(d).floor("s"))
TEXT = st.one_of(st.none(), st.text(alphabet=st.characters(blacklist_categories=("Cs",),
                                                           blacklist_characters="\x00"), max_size=40),
                 st.sampled_from(["ë😀 Berbers", "x" * 40_000, "é" * 20_000, "=HYPERLINK(\"x\")", " lead"]))


@st.composite
def answers(draw):
    n = draw(st.integers(1, 12))
    col = lambda s: draw(st.lists(s, min_size=n, max_size=n))  # noqa: E731
    return pd.DataFrame({
        "resp_id": [f"R{i}" for i in range(n)],
        "start": pd.Series(col(st.one_of(st.none(), WHEN)), dtype="datetime64[ns]"),
        "geboortejaar": pd.Series(col(st.one_of(st.none(), st.integers(-9, 3000).map(float),
                                                st.floats(-1e9, 1e9, allow_nan=False))), dtype="float64"),
        "werk": pd.Series(col(st.sampled_from([1.0, 0.0, -2.0, -9.0, None])), dtype="float64"),
        "geboorteland": pd.Series(col(st.sampled_from(["BE", "MA", "other", "-1", None])), dtype=object),
        "talen": pd.Series(col(st.sampled_from(["nl", "ar", "nl ar", "other nl", "-9", None])), dtype=object),
        "talen_anders": pd.Series(col(TEXT), dtype=object),
        "extra_getal": pd.Series(col(st.one_of(st.none(), st.floats(-1e12, 1e12, allow_nan=False))),
                                 dtype="float64"),
    })


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(answers())
def test_random_frames_survive_export_and_read_back(tiny, tmp_path, frame):
    from pipeline.delivery import spss
    from pipeline.delivery.export import export

    project, questionnaire = tiny
    sav, sps = tmp_path / "f.sav", tmp_path / "f.sps"
    before = frame.copy()
    export(frame, questionnaire, sav=sav, sps=sps, language="nl", key="resp_id", title="Fuzz",
           labels={"extra_getal": "Een getal"})
    pd.testing.assert_frame_equal(frame, before)  # the stage does not touch its input
    data, meta = pyreadstat.read_sav(str(sav), user_missing=True)
    assert list(data["resp_id"]) == list(frame["resp_id"])
    for name in ("geboortejaar", "werk", "extra_getal"):
        got, want = data[name].to_numpy(float), frame[name].to_numpy(float)
        assert np.array_equal(np.isnan(got), np.isnan(want)), name
        ok = ~np.isnan(want)
        assert np.allclose(got[ok], want[ok], rtol=1e-12, atol=0), name
    got_start = pd.to_datetime(data["start"])
    assert (got_start.isna() == frame["start"].isna()).all()
    assert (got_start[frame["start"].notna()] == frame["start"][frame["start"].notna()]).all()
    codes = {"BE": 1.0, "MA": 2.0, "other": 3.0, "-1": -1.0}
    want = frame["geboorteland"].map(codes).to_numpy(float)
    got = data["geboorteland"].to_numpy(float)
    assert np.array_equal(np.isnan(got), np.isnan(want)) and np.array_equal(got[~np.isnan(got)],
                                                                          want[~np.isnan(want)])
    for choice in ("nl", "ar", "other"):
        picked = frame["talen"].map(lambda v: math.nan if v is None else
                                    float(v) if v.lstrip("-").isdigit() else float(choice in v.split()))
        got = data[f"talen_{choice}"].to_numpy(float)
        assert np.array_equal(np.nan_to_num(got, nan=-99), np.nan_to_num(picked.to_numpy(float), nan=-99))
    # a .sav pads text with spaces and every reader drops trailing ones (pyreadstat's own writer alike): " " reads ""
    text = frame["talen_anders"].fillna("").map(lambda s: spss.clip_bytes(s, spss.MAX_STRING_BYTES).rstrip(" "))
    assert list(data["talen_anders"]) == list(text)
    labels = meta.variable_value_labels
    assert labels["werk"][1.0] == "ja" and labels["werk"][-9.0] == "geen antwoord"
    assert labels["geboorteland"][1.0] == "België"
    assert dict(zip(meta.column_names, meta.column_labels))["extra_getal"] == "Een getal"
    assert meta.missing_ranges["werk"]
