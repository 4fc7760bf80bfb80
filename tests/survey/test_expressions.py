"""XLSForm expressions: parsing, vectorised ODK semantics on tiny frames, errors, and fuzzing."""

from __future__ import annotations

import ast
import builtins
import os
import subprocess
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.survey import expressions
from pipeline.survey.expressions import (
    BinOp,
    Call,
    Current,
    ExpressionError,
    Literal,
    Neg,
    Var,
    evaluate,
    parse,
    references,
)

NAN = np.nan
DAY = pd.Timestamp("2026-03-10")


def frame() -> pd.DataFrame:
    """Four respondents; row 2 (index 12) has every answer missing."""
    return pd.DataFrame({
        "a": [1.0, 5.0, NAN, 4.0],                      # integer question
        "b": [2.0, 0.0, NAN, 4.0],
        "modus": [2.0, 1.0, NAN, 2.0],                  # select_one, numeric codes
        "land": ["BE", "MA", None, ""],                 # select_one, text codes ('' = missing)
        "code": ["1", "01", None, "x"],                 # text that may look numeric
        "m": ["nl fr", "other", NAN, "fr"],             # select_multiple
        "tekst": ["abc", "Ab", None, "a.c"],
        "d": pd.to_datetime(["2026-01-01", "2026-03-05", None, "2025-12-31"]),
    }, index=[10, 11, 12, 13])


def ev(expr: str, **kwargs) -> list:
    return evaluate(expr, frame(), today=DAY, **kwargs).tolist()


def same(got: list, want: list) -> bool:
    """Equal lists where NaN equals NaN."""
    return len(got) == len(want) and all(
        (pd.isna(g) and pd.isna(w)) if (pd.isna(g) or pd.isna(w)) else g == w for g, w in zip(got, want))


# --- Parsing ---

def test_precedence_follows_xpath():
    one, two, three = Literal(1.0), Literal(2.0), Literal(3.0)
    assert parse("1 + 2 * 3") == BinOp("+", one, BinOp("*", two, three))
    assert parse("(1 + 2) * 3") == BinOp("*", BinOp("+", one, two), three)
    assert parse("1 - 2 - 3") == BinOp("-", BinOp("-", one, two), three)
    assert parse("1 or 2 and 3") == BinOp("or", one, BinOp("and", two, three))
    assert parse("1 = 2 < 3") == BinOp("=", one, BinOp("<", two, three))
    assert parse("1 < 2 + 3") == BinOp("<", one, BinOp("+", two, three))
    assert parse("1 != 2 and 3") == BinOp("and", BinOp("!=", one, two), three)
    assert parse("6 div 2 mod 4") == BinOp("mod", BinOp("div", Literal(6.0), two), Literal(4.0))
    assert parse("-1") == Literal(-1.0)
    assert parse("- ${a} * 2") == BinOp("*", Neg(Var("a")), two)
    assert parse(". >= 1940") == BinOp(">=", Current(), Literal(1940.0))
    assert parse("count-selected(${m})") == Call("count-selected", (Var("m"),))
    assert parse("\"it's\"") == Literal("it's")


def test_nodes_are_hashable_and_parse_is_cached():
    node = parse("if(${a} > 1, concat('x', ${b}), -2.5)")
    assert hash(node) == hash(parse("if( ${a}>1 , concat('x',${b}) , -2.5 )"))
    assert parse("${a} + 1") is parse("${a} + 1")
    assert len({parse("1 + 2"), parse("1+2"), parse("2 + 1")}) == 2


def test_references():
    assert references("${geboorteland} != 'BE' and ${aankomstjaar} >= ${geboortejaar}") == {
        "geboorteland", "aankomstjaar", "geboortejaar"}
    assert references(parse("selected(${talen}, 'other') or -${x} > . or ${x} = 1")) == {"talen", "x"}
    assert references(". > 1") == frozenset()
    assert references("concat('${not_a_reference}')") == frozenset()


def test_paths_name_the_question_by_their_last_step():
    """pyxform writes `../x` (or_other), forms use `/data/g/x` and `current()/../x`: names are
    unique in the form, so each is ${x}; `current()` is `.`."""
    for text in ("selected(../x, 'other')", "selected(/data/g/x, 'other')",
                 "selected(current()/../x, 'other')", "selected(${x}, 'other')"):
        assert parse(text) == parse("selected(${x}, 'other')"), text
        assert references(text) == {"x"}
    assert parse("current() >= 1") == parse(". >= 1")


def test_syntax_errors_say_what_and_where():
    cases = {
        "": "empty expression",
        "1 +": "unexpected end of expression at position 3",
        "(1": "unexpected end of expression at position 2",
        "1 2": "unexpected '2' at position 2",
        "1)": "unexpected ')' at position 1",
        "${a} ${b}": "unexpected '${b}' at position 5",
        "${a} = 'BE": "unterminated string at position 7",
        "${a": "unterminated ${...} at position 0",
        "${1a} = 1": "bad variable name '${1a}' at position 0",
        "a = 1": "unexpected 'a' at position 0",
        "true": "unexpected 'true' at position 0",
        "and 1": "unexpected 'and' at position 0",
        "concat(1,)": "unexpected ')' at position 9",
        "1 / 2": "unexpected character '/' at position 2",  # XPath divides with div
        "1 + foo(2)": "unknown function 'foo()' at position 4",
        "distanse(${a})": "unknown function 'distanse()' at position 0",
        "pulldata('f', 'a', ${a})": "wrong number of arguments for 'pulldata()' at position 0: expected 4, got 3",
        "if(1, 2)": "wrong number of arguments for 'if()' at position 0: expected 3, got 2",
        "1 + round(1, 2, 3)": "wrong number of arguments for 'round()' at position 4: expected 1 to 2, got 3",
        "true(1)": "wrong number of arguments for 'true()' at position 0: expected 0, got 1",
        "${a} = -" + "(" * 40 + "1" + ")" * 40: "expression nested too deeply at position 47",
    }
    for text, message in cases.items():
        with pytest.raises(ExpressionError) as info:
            parse(text)
        assert str(info.value) == message, text
    with pytest.raises(ExpressionError, match=r"^expression nested too deeply at position \d+$"):
        parse(" + ".join(["1"] * 150))
    with pytest.raises(ExpressionError, match=r"^bad regular expression '\[' at position 0: "):
        parse("regex(., '[')")
    with pytest.raises(ExpressionError, match="expression must be text, not NoneType"):
        parse(None)


def test_malicious_text_is_just_a_syntax_error(tmp_path):
    canary = tmp_path / "canary"
    for text in [f"__import__('os').system('touch {canary}')", "${a}; import os", "exec('1')",
                 "eval(\"__import__('os')\")", "${a}.__class__", "lambda: 1", "${a} = 1 # x",
                 "open('/etc/passwd')", "${__builtins__}", "().__class__.__bases__"]:
        with pytest.raises(ExpressionError):
            evaluate(text, frame())
    assert not canary.exists()
    with pytest.raises(ExpressionError, match=r"^unknown function '__import__\(\)' at position 0$"):
        parse("__import__('os').system('x')")
    with pytest.raises(ExpressionError, match=r"^unexpected character ';' at position 4$"):
        parse("${a}; import os")


def test_module_never_calls_eval_exec_or_compile():
    tree = ast.parse(Path(expressions.__file__).read_text(encoding="utf-8"))
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)]
    assert not {c.func.id for c in calls} & {"eval", "exec", "compile", "__import__", "globals", "locals", "vars"}
    assert all(isinstance(c.args[1], ast.Constant) for c in calls if c.func.id in ("getattr", "setattr"))


# --- Evaluation: shape, operators ---

def test_result_is_aligned_to_the_frame_and_scalars_broadcast():
    result = evaluate("1 + 2", frame())
    assert result.index.tolist() == [10, 11, 12, 13] and result.dtype == "float64"
    assert result.tolist() == [3.0] * 4
    assert evaluate("'x'", frame()).tolist() == ["x"] * 4
    assert evaluate("true()", frame()).dtype == bool
    assert evaluate("${a} > 1", frame().iloc[:0]).tolist() == []


def test_arithmetic_with_missing_and_division_by_zero():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert same(ev("${a} + ${b}"), [3.0, 5.0, NAN, 8.0])
        assert same(ev("${a} - ${b}"), [-1.0, 5.0, NAN, 0.0])
        assert same(ev("${a} * ${b}"), [2.0, 0.0, NAN, 16.0])
        assert same(ev("${a} div ${b}"), [0.5, NAN, NAN, 1.0])
        assert same(ev("${a} mod ${b}"), [1.0, NAN, NAN, 0.0])
        assert same(ev("-${a}"), [-1.0, -5.0, NAN, -4.0])
        assert ev("-7 mod 3") == [-1.0] * 4 and ev("7 mod -3") == [1.0] * 4
        assert ev("2 + 3 * 4 - 10 div 4") == [11.5] * 4
        assert ev("(2 + 3) * -4") == [-20.0] * 4
        assert same(ev("'abc' + 1"), [NAN] * 4)
        assert ev("'2' * '3'") == [6.0] * 4


def test_comparisons_with_missing_are_false():
    assert ev("${a} > 3") == [False, True, False, True]
    assert ev("${a} >= 4") == [False, True, False, True]
    assert ev("${a} < 4") == [True, False, False, False]
    assert ev("${a} <= ${b}") == [True, False, False, True]
    assert ev("${land} > 1") == [False, False, False, False]
    assert ev("${code} < 2") == [True, True, False, False]


def test_equality_numbers_strings_and_missing():
    assert ev("${modus} = 2") == [True, False, False, True]
    assert ev("${modus} = '2'") == ev("${modus} = 2")
    assert ev("${modus} != '2'") == [False, True, True, False]
    assert ev("${code} = 1") == [True, True, False, False]      # as numbers, like XPath: '01' = 1
    assert ev("${code} = '1'") == [True, False, False, False]   # as strings
    assert ev("${land} = 'BE'") == [True, False, False, False]
    assert ev("${land} != 'BE'") == [False, True, True, True]
    assert ev("${land} = 1") == [False, False, False, False]
    assert ev("${a} = 1") == [True, False, False, False]
    assert ev("${a} != 1") == [False, True, True, True]         # NaN != 1 is true
    assert ev("${a} = ''") == [False, False, True, False]
    assert ev("${a} != ''") == [True, True, False, True]
    assert ev("${land} = ''") == [False, False, True, True]     # '' is missing too
    assert ev("${m} != ''") == [True, True, False, True]
    assert ev("${a} = ${b}") == [False, False, True, True]     # missing equals missing
    assert ev("true() = 1") == [True] * 4 and ev("false() = 'x'") == [False] * 4


def test_and_or_not_use_truthiness():
    assert ev("${a} > 3 and ${b} > 0") == [False, False, False, True]
    assert ev("${a} > 3 or ${b} > 0") == [True, True, False, True]
    assert ev("${b} and ${land}") == [True, False, False, False]  # 0, NaN and '' are false
    assert ev("${b} or ${tekst}") == [True, True, False, True]
    assert ev("not(${b})") == [False, True, True, False]
    assert ev("1 or 0 and 0") == [True] * 4


def test_current_question():
    assert ev(". >= 2 and . <= 4", current="a") == [False, False, False, True]
    with pytest.raises(ExpressionError) as info:
        evaluate(". > 1", frame())
    assert str(info.value) == "'.' (the current question) is used but no current question was given"
    with pytest.raises(ExpressionError, match=r"^unknown variable \$\{nope\}$"):
        evaluate(". > 1", frame(), current="nope")


def test_unknown_variable():
    with pytest.raises(ExpressionError) as info:
        evaluate("${a} > 1 and ${zz} = 2", frame())
    assert str(info.value) == "unknown variable ${zz}"


def test_realistic_routing():
    data = pd.DataFrame({"geboorteland": pd.Series(["BE", "MA", "TR", None], dtype="string"),
                         "aankomstjaar": [NAN, 1999.0, 1980.0, 2000.0],
                         "geboortejaar": [1980.0, 1975.0, 1985.0, 1990.0]})
    asked = evaluate("${geboorteland} != 'BE' and ${aankomstjaar} >= ${geboortejaar}", data)
    assert asked.dtype == bool and asked.tolist() == [False, True, False, True]
    both = "(${geboorteland} != 'BE') and (selected(${talen}, 'other') or ${leeftijd} < 18)"
    data = data.assign(talen=["nl", "nl other", "ar", None], leeftijd=[40.0, 17.0, 12.0, 30.0])
    assert evaluate(both, data).tolist() == [False, True, True, False]


# --- Functions ---

def test_selected_and_count_selected():
    assert ev("selected(${m}, 'fr')") == [True, False, False, True]
    assert ev("selected(${m}, 'other')") == [False, True, False, False]
    assert ev("selected(${m}, 'f')") == [False] * 4               # whole names only
    assert ev("selected(${m}, ' fr ')") == [True, False, False, True]
    assert ev("selected(${m}, 'nl fr')") == [False] * 4
    assert ev("selected(${m}, '.*')") == [False] * 4              # not a pattern
    assert ev("selected(${modus}, 2)") == [True, False, False, True]
    assert ev("selected(${m}, ${land})") == [False] * 4
    data = pd.DataFrame({"m": ["a b", "a b", None], "c": ["b", "c", "a"]})
    assert evaluate("selected(${m}, ${c})", data).tolist() == [True, False, False]
    assert ev("count-selected(${m})") == [2.0, 1.0, 0.0, 1.0]
    assert ev("count-selected('')") == [0.0] * 4


def test_string_functions():
    assert ev("string-length(${tekst})") == [3.0, 2.0, 0.0, 3.0]
    assert ev("string-length(${a})") == [1.0, 1.0, 0.0, 1.0]
    assert ev("concat(${land}, '-', ${a})") == ["BE-1", "MA-5", "-", "-4"]
    assert ev("concat('a', 'b', 1.5)") == ["ab1.5"] * 4
    assert same(ev("concat()"), [NAN] * 4)
    assert same(ev("string(${a})"), ["1", "5", NAN, "4"])
    assert ev("string(1 div 4)") == ["0.25"] * 4 and ev("string(true())") == ["true"] * 4
    assert same(ev("string(${d})"), ["2026-01-01", "2026-03-05", NAN, "2025-12-31"])
    assert same(ev("number(${code})"), [1.0, 1.0, NAN, NAN])
    assert same(ev("number(' 2.5 ')"), [2.5] * 4) and same(ev("number('1e3')"), [NAN] * 4)


def test_regex():
    assert ev("regex(${tekst}, 'b')") == [True, True, False, False]           # search, not match
    assert ev("regex(${tekst}, '^a.c$')") == [True, False, False, True]
    assert ev("regex(${tekst}, '^a\\.c$')") == [False, False, False, True]
    assert ev("regex(${land}, '^$')") == [False] * 4                          # missing: False
    assert ev("regex(${a}, '^[0-9]$')") == [True, True, False, True]
    with pytest.raises(ExpressionError, match=r"^bad regular expression '\(' at position 0: "):
        evaluate("regex(${tekst}, '(')", frame())
    with pytest.raises(ExpressionError, match=r"^bad regular expression '\(': "):
        evaluate("regex(${tekst}, concat('(', ''))", frame())
    with pytest.raises(ExpressionError, match=r"^regex\(\) needs a constant pattern"):
        evaluate("regex(${tekst}, ${land})", frame())


def test_if_and_coalesce():
    assert ev("if(${a} > 2, 'big', 'small')") == ["small", "big", "small", "big"]
    result = evaluate("if(${a} > 2, ${a}, '')", frame())
    assert result.dtype == "float64" and same(result.tolist(), [NAN, 5.0, NAN, 4.0])
    assert same(ev("if(${land}, ${land}, ${a})"), ["BE", "MA", NAN, "4"])
    assert ev("if(${a} > 2, true(), 0)") == [0.0, 1.0, 0.0, 1.0]
    assert same(ev("coalesce(${a}, ${b})"), [1.0, 5.0, NAN, 4.0])
    assert ev("coalesce(${a}, -1)") == [1.0, 5.0, -1.0, 4.0]
    assert ev("coalesce(${land}, 'none')") == ["BE", "MA", "none", "none"]
    assert same(ev("coalesce(${land}, ${a})"), ["BE", "MA", NAN, "4"])


def test_numeric_functions():
    assert same(ev("int(${a} div 2)"), [0.0, 2.0, NAN, 2.0])
    assert ev("int(-2.7)") == [-2.0] * 4 and ev("int('3.9')") == [3.0] * 4
    assert ev("round(2.5)") == [3.0] * 4 and ev("round(-2.5)") == [-3.0] * 4
    assert ev("round(1.005, 2)") == [1.01] * 4 and ev("round(1234.5, -2)") == [1200.0] * 4
    assert same(ev("round(${a} div 3, 1)"), [0.3, 1.7, NAN, 1.3])
    assert ev("floor(-1.5)") == [-2.0] * 4 and ev("ceiling(1.2)") == [2.0] * 4 and ev("abs(-3)") == [3.0] * 4


def test_boolean_functions():
    assert ev("true()") == [True] * 4 and ev("false()") == [False] * 4
    assert ev("not(${a} > 3)") == [True, False, True, False]
    assert ev("boolean(${land})") == [True, True, False, False]


def test_dates():
    assert ev("${d} > '2026-01-01'") == [False, True, False, False]
    assert ev("${d} = '2026-01-01'") == [True, False, False, False]
    assert ev("${d} < today()") == [True, True, False, True]
    assert same(ev("today() - ${d}"), [68.0, 5.0, NAN, 69.0])
    assert ev("${d} = ''") == [False, False, True, False]
    result = evaluate("today()", frame(), today=pd.Timestamp("2026-03-10 15:30"))
    assert result.dtype == "datetime64[ns]" and result.tolist() == [DAY] * 4
    assert evaluate("date('2026-01-02')", frame()).tolist() == [pd.Timestamp("2026-01-02")] * 4
    assert evaluate("today()", frame()).iloc[0] == pd.Timestamp.now().normalize()


def test_other_column_dtypes():
    data = pd.DataFrame({"i": pd.array([1, None, 3], dtype="Int64"),
                         "s": pd.array(["x", None, ""], dtype="string"),
                         "c": pd.Categorical(["1", "2", None]),
                         "n": pd.Categorical([1, 2, None]),
                         "ok": pd.array([True, None, False], dtype="boolean"),
                         "o": pd.Series([1, "a", None], dtype=object)})
    assert evaluate("${i} >= 1", data).tolist() == [True, False, True]
    assert evaluate("${s} = ''", data).tolist() == [False, True, True]
    assert evaluate("${c} = 2", data).tolist() == [False, True, False]
    assert evaluate("${n} + 1", data).tolist()[:2] == [2.0, 3.0]
    assert evaluate("${ok}", data).tolist() == [True, False, False]
    assert evaluate("${o} = 1", data).tolist() == [True, False, False]


def test_fast_on_100000_rows():
    import time
    rng = np.random.default_rng(1)
    n = 100_000
    data = pd.DataFrame({"a": rng.integers(0, 10, n).astype(float),
                         "m": rng.choice(["nl", "nl fr", "x other", "x", None], n)})
    evaluate("${a} > 3 and selected(${m}, 'x')", data)
    start = time.perf_counter()
    result = evaluate("${a} > 3 and selected(${m}, 'x')", data)
    assert time.perf_counter() - start < 0.5  # typically ~10 ms; generous for slow CI
    want = (data["a"] > 3) & data["m"].fillna("").str.split().apply(lambda t: "x" in t)
    assert result.tolist() == want.tolist()


# --- Property tests: whatever the text, only ExpressionError, and no code runs ---

FUZZ = pd.DataFrame({"a": [1.0, NAN, -2.5, 0.0], "s": ["BE", None, "", "2"], "m": ["x y", NAN, "y", ""],
                     "d": pd.to_datetime(["2026-01-01", None, "2026-03-05", "1999-12-31"]),
                     "ok": [True, False, True, False]})
CANARY = "CANARY_7f3a"
LEAVES = ["${a}", "${s}", "${m}", "${d}", "${ok}", ".", "0", "1", "2.5", "-3", "''", "'x'", "'2'",
          "'2026-01-01'", "today()", "true()", "false()"]
OPERATORS = ["or", "and", "=", "!=", "<", "<=", ">", ">=", "+", "-", "*", "div", "mod"]
CALLS = {"selected": 2, "count-selected": 1, "string-length": 1, "if": 3, "coalesce": 2, "int": 1,
         "number": 1, "string": 1, "boolean": 1, "concat": 3, "round": 2, "floor": 1, "ceiling": 1,
         "abs": 1, "date": 1, "not": 1}
TOKENS = LEAVES + OPERATORS + [f"{name}(" for name in [*CALLS, "regex"]] + [
    "(", ")", ",", "${zz}", "foo(", "__import__('os')", f".system('{CANARY}')", ";", "import os", "'", '"',
    "${", "}", "$", "/", "[", "]", "..", "@", "eval(", f"exec('{CANARY}')", "lambda", "#", "\\", "1e5"]


def expressions_from_grammar() -> st.SearchStrategy[str]:
    def grow(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        binary = st.tuples(inner, st.sampled_from(OPERATORS), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})")
        calls = st.sampled_from(sorted(CALLS)).flatmap(lambda name: st.lists(
            inner, min_size=CALLS[name], max_size=CALLS[name]).map(lambda args: f"{name}({', '.join(args)})"))
        regex = st.tuples(inner, st.sampled_from(["'x'", "'^[0-9]+$'", "''", "'(a|b)*'"])).map(
            lambda t: f"regex({t[0]}, {t[1]})")  # the pattern must be a constant
        return binary | calls | regex | inner.map(lambda e: f"-{e}")
    return st.recursive(st.sampled_from(LEAVES), grow, max_leaves=12)


def must_be_harmless(text: str) -> None:
    """Evaluate `text`; only ExpressionError may escape, and nothing may reach eval/exec/os."""
    calls = []

    def spy(original):
        def wrapper(*args, **kwargs):
            if any(CANARY in str(a) for a in args):
                calls.append(args)
            return original(*args, **kwargs)
        return wrapper

    with pytest.MonkeyPatch.context() as mp:
        for name in ("eval", "exec", "compile"):
            mp.setattr(builtins, name, spy(getattr(builtins, name)))
        mp.setattr(os, "system", lambda *a: calls.append(a))
        mp.setattr(subprocess, "Popen", lambda *a, **k: calls.append(a))
        try:
            result = evaluate(text, FUZZ, current="a", today=DAY)
        except ExpressionError:
            result = None
    assert not calls
    if result is not None:
        assert len(result) == len(FUZZ) and result.index.equals(FUZZ.index)
        assert result.dtype in (bool, np.float64, object, np.dtype("datetime64[ns]"))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expressions_from_grammar())
def test_grammar_expressions_evaluate(text):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = evaluate(text, FUZZ, current="a", today=DAY)  # well-formed: must not fail at all
    assert len(result) == len(FUZZ)
    assert result.dtype in (bool, np.float64, object, np.dtype("datetime64[ns]"))
    if result.dtype == bool:
        assert not result.isna().any()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=15), st.sampled_from(["", " "]))
def test_token_soup_only_raises_expression_error(tokens, glue):
    must_be_harmless(glue.join(tokens))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_arbitrary_text_only_raises_expression_error(text):
    must_be_harmless(text)


def test_string_and_number_functions_xlsforms_use():
    frame = pd.DataFrame({"a": ["hello world", "  x  y ", None], "b": ["wor", "x", "q"],
                          "n": [1.0, 2.0, np.nan], "m": ["a b c", "b", None]})
    cases = {
        "contains(${a}, 'wor')": [True, False, False],
        "contains(${a}, ${b})": [True, True, False],
        "starts-with(${a}, 'he')": [True, False, False],
        "ends-with(${a}, 'ld')": [True, False, False],
        "substr(${a}, 1, 3)": ["el", " x", np.nan],
        "substr(${a}, 6)": ["world", " ", np.nan],
        "substring-before(${a}, ' ')": ["hello", np.nan, np.nan],
        "substring-after(${a}, 'o')": [" world", np.nan, np.nan],
        "normalize-space(${a})": ["hello world", "x y", np.nan],
        "translate(${a}, 'lo', 'L')": ["heLL wrLd", "  x  y ", np.nan],
        "upper-case(${b})": ["WOR", "X", "Q"],
        "pow(${n}, 2)": [1.0, 4.0, np.nan],
        "max(${n}, 1.5)": [1.5, 2.0, np.nan],
        "min(${n}, 1.5)": [1.0, 1.5, np.nan],
        "sum(${n}, 1)": [2.0, 3.0, np.nan],
        "selected-at(${m}, 1)": ["b", np.nan, np.nan],
    }
    for text, expected in cases.items():
        got = evaluate(text, frame).tolist()
        assert [None if isinstance(v, float) and np.isnan(v) else v for v in got] == \
            [None if isinstance(v, float) and np.isnan(v) else v for v in expected], text
    with pytest.raises(ExpressionError, match=r"substr\(\) needs constant argument"):
        evaluate("substr(${a}, ${n})", frame)


def test_dates_formatted_and_choice_names():
    frame = pd.DataFrame({"d": pd.to_datetime(["2026-03-02 10:05:07", None]), "s": [1.0, 2.0]})
    assert evaluate("format-date(${d}, '%Y/%m/%d %H:%M')", frame).tolist()[0] == "2026/03/02 10:05"
    assert evaluate("format-date(${d}, '%e %b %y')", frame).tolist()[0] == "2 Mar 26"
    assert evaluate("decimal-date-time(${d})", frame).round(4).tolist()[0] == 20514.4202
    labels = {"s": {"1": "ja", "2": "nee"}}
    assert evaluate("jr:choice-name(${s}, '${s}')", frame, choice_labels=labels).tolist() == ["ja", "nee"]
    with pytest.raises(ExpressionError, match="is no question with choices"):
        evaluate("jr:choice-name(${s}, '${d}')", frame, choice_labels=labels)


@pytest.mark.parametrize("pattern", [r"^(a+)+$", r"^(a|aa)+$", r"^(a|a?)+$", r"^(\w+\s?)*$",
                                     r"^([a-zA-Z0-9])(([\-.]|[_]+)?([a-zA-Z0-9]+))*(@){1}[a-z0-9]+[.]{1}"
                                     r"(([a-z]{2,3})|([a-z]{2,3}[.]{1}[a-z]{2,3}))$"])
def test_regex_in_linear_time_on_evil_patterns(pattern):
    """Patterns that backtrack catastrophically in Python's re finish at once with RE2."""
    answers = pd.DataFrame({"tekst": ["a" * 35 + "!", "a" * 5000 + "!", "aaaa", None]})
    started = time.perf_counter()
    found = evaluate(f"regex(${{tekst}}, '{pattern}')", answers)
    assert time.perf_counter() - started < 1.0
    assert list(np.asarray(found, dtype=bool))[:2] == [False, False]


def test_regex_constructs_re2_does_not_take_are_named():
    with pytest.raises(ExpressionError, match=r"no backreferences or lookarounds"):
        evaluate(r"regex(${tekst}, '(\w)\1')", frame())
    with pytest.raises(ExpressionError, match=r"no backreferences or lookarounds"):
        evaluate("regex(${tekst}, '(?=a)b')", frame())


def test_join_and_the_functions_the_form_app_computes_on_the_device():
    answers = pd.DataFrame({"a": ["x", None, "z"], "b": [1.0, 2.0, np.nan]})
    assert evaluate("join(', ', ${a}, ${b})", answers).tolist() == ["x, 1", "2", "z"]
    assert evaluate("join(' ', ${a})", answers).fillna("").tolist() == ["x", "", "z"]
    for text in ("count(${a})", "position(..)", "indexed-repeat(${a}, ${a}, 1)", "pulldata('f', 'a', 'b', ${a})"):
        with pytest.raises(ExpressionError, match="sid keeps the collected value"):
            evaluate(text, answers)


def test_the_odk_math_and_checklist_functions():
    """sqrt … atan2, pi(), boolean-from-string, count-non-empty, checklist and weighted-checklist as
    the ODK XForms specification defines them (-1: an open bound)."""
    frame = pd.DataFrame({"n": [4.0, 100.0, np.nan], "x": [2.0, 30.0, 5.0], "t": ["true", "0", None]})
    cases = {
        "sqrt(${n})": [2.0, 10.0, np.nan], "log10(${n})": [np.log10(4), 2.0, np.nan],
        "exp10(${x} div 10)": [10 ** 0.2, 1000.0, 10 ** 0.5], "round(atan2(1, 1) * 4, 6)": [3.141593] * 3,
        "round(pi(), 2)": [3.14] * 3, "boolean-from-string(${t})": [True, False, False],
        "count-non-empty(${n}, ${t})": [2.0, 2.0, 0.0],
        "checklist(1, 1, ${n} > 10, ${x} > 10)": [False, False, False],
        "checklist(2, -1, ${n} > 1, ${x} > 1)": [True, True, False],
        "weighted-checklist(3, -1, ${n} > 10, 2, ${x} > 3, 1)": [False, True, False],
    }
    for text, expected in cases.items():
        got = evaluate(text, frame).tolist()
        assert np.allclose(np.asarray(got, dtype=float), np.asarray(expected, dtype=float), equal_nan=True), (text, got)
