"""XLSForm (ODK XPath subset) expressions: parsed once (`pipeline.survey.syntax`), evaluated
vectorised over a pandas DataFrame."""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from typing import Callable, Mapping

import numpy as np
import pandas as pd

from pipeline.survey.syntax import (
    COLLECTED_FUNCTIONS,
    DEVICE_FUNCTIONS,
    BinOp,
    Call,
    Current,
    ExpressionError,
    Literal,
    Neg,
    Node,
    Var,
    _compile,
    parse,
    references,
    regex_matches,
)

__all__ = ["BinOp", "Call", "Current", "ExpressionError", "Literal", "Neg", "Node", "Var", "evaluate", "parse",
           "references"]

_STR = pd.StringDtype(na_value=np.nan)  # pandas' default "str" dtype; missing is NaN
_EPOCH = np.datetime64("1970-01-01", "ns")
_DAY = np.timedelta64(86_400_000_000_000, "ns")


# --- Values: a kind ('bool', 'num', 'str', 'date') and data, a constant scalar or one per row: ---
# a numpy array (bool, float64, datetime64[ns]) or, for 'str', a pandas "str" Series on RangeIndex.
# Missing: NaN, NaT, and for text '' (constants) or NaN (Series hold no ''). Booleans: never missing.

@dataclass
class _V:
    kind: str
    data: object

    @property
    def const(self) -> bool:
        return np.ndim(self.data) == 0


def _full(v: _V, n: int) -> pd.Series:
    """The value as text, a Series of n rows."""
    d = _str(v)
    return d if isinstance(d, pd.Series) else pd.Series(d or np.nan, index=pd.RangeIndex(n), dtype=_STR)


def _per_unique(values, fn: Callable[[pd.Series], object], missing) -> np.ndarray:
    """fn on each distinct value once (survey answers repeat a lot); `missing` where NaN."""
    codes, uniques = pd.factorize(values)
    with warnings.catch_warnings():  # pandas warns about groups in str.contains patterns
        warnings.filterwarnings("ignore", "This pattern is interpreted as a regular expression")
        out = np.asarray(fn(pd.Series(uniques)))
    return np.where(codes >= 0, out[codes] if len(out) else missing, missing)


def _to_float(s: pd.Series) -> np.ndarray:
    s = s.astype(_STR).str.strip()
    ok = s.str.fullmatch(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)").fillna(False).to_numpy(bool)
    return pd.to_numeric(s.where(ok), errors="coerce").to_numpy("float64", na_value=np.nan)


def _num_to_str(s: pd.Series) -> np.ndarray:
    d = s.to_numpy("float64")
    whole = np.isfinite(d) & (d == np.trunc(d)) & (np.abs(d) < 2.0 ** 53)
    return np.where(whole, np.where(whole, d, 0).astype(np.int64).astype(str), d.astype(str)).astype(object)


def _num(v: _V):
    d = v.data
    if v.kind == "num":
        return d
    if v.kind == "bool":
        return np.asarray(d, dtype="float64")
    if v.kind == "date":
        return (d - _EPOCH) / _DAY
    return _per_unique(np.atleast_1d(d) if v.const else d, _to_float, np.nan)[0 if v.const else slice(None)]


def _str(v: _V):
    d = v.data
    if v.kind == "str":
        return d
    if v.const:
        out = _str(_V(v.kind, np.atleast_1d(d)))[0]
        return "" if pd.isna(out) else out
    if v.kind == "bool":
        return pd.Series(np.where(d, "true", "false"), dtype=_STR)
    if v.kind == "num":
        return pd.Series(_per_unique(d, _num_to_str, np.nan), dtype=_STR)
    s = pd.Series(d)  # a date, or a date and time when there is one
    text = s.dt.strftime("%Y-%m-%d").where(s == s.dt.normalize(), s.dt.strftime("%Y-%m-%dT%H:%M:%S"))
    return text.astype(_STR)


def _bool(v: _V):
    if v.kind == "bool":
        return np.asarray(v.data, dtype=bool)
    if v.kind == "num":
        return np.asarray((v.data != 0) & ~np.isnan(v.data))
    return ~_missing(v)


def _ns(s: pd.Series) -> np.ndarray:
    """As datetime64[ns]; dates outside its range (1677-2262) become NaT instead of wrapping."""
    return s.where((s >= pd.Timestamp.min) & (s <= pd.Timestamp.max)).to_numpy("datetime64[ns]")


def _date(v: _V):
    d = v.data
    if v.kind == "date":
        return d
    if v.kind == "num":  # days since 1970-01-01; beyond pandas' range of dates: NaT
        days = pd.to_timedelta(np.where(np.abs(d) < 100_000, np.atleast_1d(d), np.nan), unit="D")
        out = _EPOCH + days.to_numpy("timedelta64[ns]")
    elif v.kind == "bool":
        out = np.full(np.shape(d) or 1, np.datetime64("NaT", "ns"))
    else:
        out = _ns(pd.to_datetime(pd.Series(np.atleast_1d(d)) if v.const else d, errors="coerce",
                                 format="ISO8601"))
    return out[0] if v.const else out


def _missing(v: _V) -> np.ndarray:
    d = v.data
    if v.kind == "bool":
        return np.zeros(np.shape(d), dtype=bool)
    if v.kind == "num":
        return np.asarray(np.isnan(d))
    if v.kind == "date":
        return np.asarray(np.isnat(d))
    return np.asarray(d == "") if v.const else d.isna().to_numpy() | (d == "").to_numpy(bool)


_AS = {"num": _num, "str": _str, "bool": _bool, "date": _date}


def _choose(n: int, a: _V, b: _V, take_a: Callable[[_V], np.ndarray]) -> _V:
    """if() and coalesce(): a where take_a(a), else b, both as one kind (a literal '' is missing)."""
    kinds = {v.kind for v in (a, b) if not (v.kind == "str" and v.const and v.data == "")}
    kind = kinds.pop() if len(kinds) == 1 else "num" if kinds and kinds <= {"bool", "num"} else "str"
    a, b = _V(kind, _AS[kind](a)), _V(kind, _AS[kind](b))
    if kind == "str":
        return _V(kind, _full(a, n).where(np.broadcast_to(take_a(a), (n,)), _full(b, n)))
    return _V(kind, np.where(take_a(a), a.data, b.data))


# --- Evaluation ---

class _Context:
    def __init__(self, frame: pd.DataFrame, current: str | None, today: np.datetime64,
                 choice_labels: Mapping[str, Mapping[str, str]]) -> None:
        self.frame, self.n, self.current, self.today, self.columns = frame, len(frame), current, today, {}
        self.choice_labels = choice_labels

    def column(self, name: str) -> _V:
        if name not in self.columns:
            if name not in self.frame.columns:
                raise ExpressionError(f"unknown variable ${{{name}}}")
            self.columns[name] = _column(self.frame[name])
        return self.columns[name]


def _column(s: pd.Series | pd.DataFrame) -> _V:
    if isinstance(s, pd.DataFrame):  # duplicate column name: the first
        s = s.iloc[:, 0]
    if isinstance(s.dtype, pd.CategoricalDtype):
        s = s.astype("float64" if pd.api.types.is_numeric_dtype(s.cat.categories.dtype) else object)
    if pd.api.types.is_bool_dtype(s.dtype):
        return _V("bool", s.to_numpy(dtype=bool, na_value=False))
    if pd.api.types.is_numeric_dtype(s.dtype):
        return _V("num", s.to_numpy(dtype="float64", na_value=np.nan))
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        return _V("date", _ns(s.dt.tz_localize(None) if getattr(s.dt, "tz", None) is not None else s))
    s = s.astype(_STR).reset_index(drop=True)
    return _V("str", s.mask(s == ""))


def _eval(node: Node, ctx: _Context) -> _V:
    if isinstance(node, Literal):
        value = node.value
        return _V("num", np.float64(value)) if isinstance(value, float) else _V("str", value)
    if isinstance(node, Var):
        return ctx.column(node.name)
    if isinstance(node, Current):
        if ctx.current is None:
            raise ExpressionError("'.' (the current question) is used but no current question was given")
        return ctx.column(ctx.current)
    if isinstance(node, Neg):
        return _V("num", np.negative(_num(_eval(node.operand, ctx))))
    if isinstance(node, BinOp):
        return _binary(node.op, _eval(node.left, ctx), _eval(node.right, ctx))
    if isinstance(node, Call):
        if node.name in COLLECTED_FUNCTIONS:  # never computed: its arguments need not be either
            return _CALLS[node.name](ctx)
        return _CALLS[node.name](ctx, *(_eval(arg, ctx) for arg in node.args))
    raise ExpressionError(f"not an expression: {node!r}")


def _equal(a: _V, b: _V) -> np.ndarray:
    """XPath =, where missing values (NaN, '', NaT) equal each other and nothing else."""
    kinds = {a.kind, b.kind}
    if "bool" in kinds:
        return np.asarray(_bool(a) == _bool(b))
    if "date" in kinds:
        same = _date(a) == _date(b)
    elif "num" in kinds:  # text that is not a number equals no number
        same = _num(a) == _num(b)
    else:
        same = np.asarray(_str(a) == _str(b), dtype=bool)
    ma, mb = _missing(a), _missing(b)
    return (ma & mb) | (~ma & ~mb & same)


_ORDER = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal}
_ARITH = {"+": np.add, "-": np.subtract, "*": np.multiply}


def _binary(op: str, a: _V, b: _V) -> _V:
    if op in ("and", "or"):
        return _V("bool", (np.logical_and if op == "and" else np.logical_or)(_bool(a), _bool(b)))
    if op in ("=", "!="):
        return _V("bool", _equal(a, b) if op == "=" else ~_equal(a, b))
    if op in _ORDER:  # as numbers (dates as dates); anything missing: False
        dates = "date" in (a.kind, b.kind) and {a.kind, b.kind} <= {"date", "str"}
        conv = _date if dates else _num
        return _V("bool", np.asarray(_ORDER[op](conv(a), conv(b)), dtype=bool))
    x, y = _num(a), _num(b)
    if op in _ARITH:
        return _V("num", _ARITH[op](x, y))
    if op == "div":
        return _V("num", np.where(y == 0, np.nan, np.divide(x, y)))
    return _V("num", np.fmod(x, y))  # mod: sign of the dividend; x mod 0 is NaN


# --- Functions: each takes the context and evaluated arguments, returns a value ---

def _selected(ctx: _Context, m: _V, code: _V) -> _V:
    s = _full(m, ctx.n)
    if code.const:
        c = _str(code).strip()
        if not c or re.search(r"\s", c):
            return _V("bool", np.zeros(ctx.n, dtype=bool))
        token = re.compile("(?:^| )" + re.escape(c) + "(?: |$)")  # per distinct answer: fast
        return _V("bool", _per_unique(s, lambda u: u.astype(object).str.contains(token), False).astype(bool))
    text = np.dtypes.StringDType()  # a code per row: numpy's vectorised substring search
    padded = (" " + s.fillna("") + " ").to_numpy(dtype=text)
    wanted = (" " + _full(code, ctx.n).fillna("").str.strip() + " ").to_numpy(dtype=text)
    return _V("bool", (np.strings.find(padded, wanted) >= 0) & ~_missing(m) & ~_missing(code))


def _concat(ctx: _Context, *parts: _V) -> _V:
    texts = [_str(p) for p in parts]
    if all(isinstance(t, str) for t in texts):
        return _V("str", "".join(texts))
    out = pd.Series("", index=pd.RangeIndex(ctx.n), dtype=_STR)
    for t in texts:
        out = out + (t.fillna("") if isinstance(t, pd.Series) else t)
    return _V("str", out.mask(out == ""))


def _round(ctx: _Context, x: _V, places: _V | None = None) -> _V:
    """Half away from zero, like JavaRosa; binary noise (1.005 * 100 = 100.4999...) forgiven."""
    factor = np.power(10.0, np.trunc(_num(places)) if places is not None else 0.0)
    scaled = np.round(np.abs(_num(x)) * factor, 9)
    return _V("num", np.sign(_num(x)) * np.floor(scaled + 0.5) / factor)


def _regex(ctx: _Context, x: _V, pattern: _V) -> _V:
    if not pattern.const:
        raise ExpressionError("regex() needs a constant pattern, not an answer")
    compiled = _compile(_str(pattern))  # RE2 (linear time), re.search semantics: anchor with ^...$
    return _V("bool", regex_matches(compiled, _full(x, ctx.n)).astype(bool))


def _moment(name: str) -> Callable[..., _V]:
    def call(ctx: _Context, *args: _V) -> _V:
        raise ExpressionError(f"{name}() gives the moment of collection (or chance): sid keeps the collected "
                              "value and does not compute it")
    return call


def _collected(name: str, source: str = "from a repeat's instances or a file on the device") -> Callable[..., _V]:
    def call(ctx: _Context, *args: _V) -> _V:
        raise ExpressionError(f"{name}() is computed by the form app {source}: sid keeps the collected "
                              "value and does not compute it")
    return call


def _checklist(ctx: _Context, low: _V, high: _V, *args: _V, weighted: bool = False) -> _V:
    """checklist(min, max, v, …) / weighted-checklist(min, max, v, w, …): the number of v that hold (the
    sum of their weights) lies between min and max; -1 leaves a bound open (ODK)."""
    pairs = list(zip(args[::2], args[1::2])) if weighted else [(a, _V("num", 1.0)) for a in args]
    total = sum(np.where(_bool(v), _num(w), 0.0) for v, w in pairs)
    lo, hi = _num(low), _num(high)
    return _V("bool", np.broadcast_to(((lo == -1) | (total >= lo)) & ((hi == -1) | (total <= hi)), (ctx.n,)))


_MATH = {"sqrt": np.sqrt, "exp": np.exp, "exp10": lambda a: np.power(10.0, a), "log": np.log, "log10": np.log10,
         "sin": np.sin, "cos": np.cos, "tan": np.tan, "asin": np.arcsin, "acos": np.arccos, "atan": np.arctan}


def _join(ctx: _Context, sep: _V, *parts: _V) -> _V:
    """join(separator, a, b, ...): the non-empty values joined (one value: itself, as ODK joins a
    single node)."""
    separator = _const_text("join", sep)
    out = None
    for part in parts:
        text = _full(part, ctx.n).fillna("")
        out = text if out is None else out + np.where((out != "") & (text != ""), separator, "") + text
    return _V("str", out.mask(out == "").astype(_STR))


def _constant(name: str, *args: _V) -> list:
    """The values of arguments that must be constants (a position, a separator), else an error."""
    if not all(a.const for a in args):
        raise ExpressionError(f"{name}() needs constant {'arguments' if len(args) > 1 else 'argument'} "
                              "after the first, not answers")
    return [a.data for a in args]


def _text(ctx: _Context, x: _V, fn: Callable[[str], object], missing=np.nan, kind: str = "str") -> _V:
    """fn on each distinct text of x once; missing stays missing (`missing`)."""
    values = _per_unique(_full(x, ctx.n), lambda u: u.astype(object).map(fn).to_numpy(object), missing)
    if kind == "bool":
        return _V("bool", values.astype(bool))
    return _V("str", pd.Series(values, dtype=object).replace("", np.nan).astype(_STR))


def _const_text(name: str, v: _V) -> str:
    return _str(_V(v.kind, _constant(name, v)[0]))


def _before(sep: str) -> Callable[[str], str]:
    return lambda t: t.partition(sep)[0] if sep in t else ""


def _translation(source: str, target: str) -> Callable[[str], str]:
    """XPath translate(): each character of `source` becomes the one at its place in `target`,
    or is removed when `target` is shorter; the first occurrence in `source` counts."""
    table: dict[int, str | None] = {}
    for i, char in enumerate(source):
        table.setdefault(ord(char), target[i] if i < len(target) else None)
    return lambda t: t.translate(table)


def _nth(k: int) -> Callable[[str], str]:
    """selected-at(): the k-th (0-based) choice of a select_multiple answer."""
    return lambda t: t.split()[k] if 0 <= k < len(t.split()) else ""


def _choice_name(ctx: _Context, value: _V, question: _V) -> _V:
    """jr:choice-name(${q}, '${q}'): the label of the chosen choice of question q."""
    written = _const_text("jr:choice-name", question)
    name = re.sub(r"^\$\{(.*)\}$", r"\1", written.strip()).rsplit("/", 1)[-1]
    if name not in ctx.choice_labels:
        raise ExpressionError(f"jr:choice-name(): {written!r} is no question with choices")
    labels = ctx.choice_labels[name]
    return _text(ctx, value, lambda t: labels.get(t, ""))


_ODK_DATE = {"Y": lambda t: f"{t.year:04d}", "y": lambda t: f"{t.year % 100:02d}",
             "m": lambda t: f"{t.month:02d}", "n": lambda t: str(t.month), "b": lambda t: t.strftime("%b"),
             "d": lambda t: f"{t.day:02d}", "e": lambda t: str(t.day), "a": lambda t: t.strftime("%a"),
             "H": lambda t: f"{t.hour:02d}", "h": lambda t: str(t.hour), "M": lambda t: f"{t.minute:02d}",
             "S": lambda t: f"{t.second:02d}", "3": lambda t: f"{t.microsecond // 1000:03d}"}


def _format_date(ctx: _Context, x: _V, pattern: _V) -> _V:
    """format-date(d, '%Y-%m-%d'): ODK's directives (%Y %y %m %n %b %d %e %a %H %h %M %S %3)."""
    form = _const_text("format-date", pattern)
    dates = np.atleast_1d(_date(x))

    def one(uniques: pd.Series) -> np.ndarray:
        return uniques.map(lambda d: re.sub("%(.)", lambda m: _ODK_DATE[m.group(1)](pd.Timestamp(d))
                                            if m.group(1) in _ODK_DATE else m.group(0), form)).to_numpy(object)
    values = _per_unique(dates, one, np.nan)
    text = pd.Series(values, dtype=object).replace("", np.nan).astype(_STR)
    return _V("str", text.iloc[0] if x.const else text)


def _find(ctx: _Context, x: _V, part: _V, how: Callable) -> _V:
    """contains / starts-with / ends-with, also with a second argument per row."""
    text = np.dtypes.StringDType()
    a = _full(x, ctx.n).fillna("").to_numpy(dtype=text)
    b = _full(part, ctx.n).fillna("").to_numpy(dtype=text)
    return _V("bool", np.asarray(how(a, b), dtype=bool))


def _substr(ctx: _Context, x: _V, start: _V, end: _V | None = None) -> _V:
    """ODK's substr: 0-based start, end exclusive (to the end of the text without it)."""
    first, *last = _constant("substr", start, *([end] if end is not None else []))
    lo, hi = int(_num(_V(start.kind, first))), (int(_num(_V(end.kind, last[0]))) if last else None)
    return _text(ctx, x, lambda t: t[max(lo, 0):hi] if hi is None or hi > 0 else "")


def _aggregate(fn: Callable) -> Callable[..., _V]:
    """min, max, sum over arguments (numbers; any missing makes the result missing, as JavaRosa)."""
    def call(ctx: _Context, *args: _V) -> _V:
        stacked = np.vstack([np.broadcast_to(np.asarray(_num(a), dtype="float64"), (ctx.n,)) for a in args])
        return _V("num", fn(stacked, axis=0))
    return call


_CALLS: dict[str, Callable[..., _V]] = {
    "selected": _selected,
    "count-selected": lambda ctx, m: _V("num", _per_unique(  # "[^ ]+" done once per distinct answer
        _full(m, ctx.n), lambda u: u.astype(_STR).str.count("[^ ]+"), 0.0).astype("float64")),
    "string-length": lambda ctx, x: _V("num", _full(x, ctx.n).str.len().fillna(0).to_numpy("float64")),
    "if": lambda ctx, cond, a, b: _choose(ctx.n, a, b, lambda _: _bool(cond)),
    "coalesce": lambda ctx, a, b: _choose(ctx.n, a, b, lambda x: ~_missing(x)),
    "int": lambda ctx, x: _V("num", np.trunc(_num(x))),
    "number": lambda ctx, x: _V("num", _num(x)),
    "string": lambda ctx, x: _V("str", _str(x)),
    "boolean": lambda ctx, x: _V("bool", _bool(x)),
    "concat": _concat,
    "round": _round,
    "floor": lambda ctx, x: _V("num", np.floor(_num(x))),
    "ceiling": lambda ctx, x: _V("num", np.ceil(_num(x))),
    "abs": lambda ctx, x: _V("num", np.abs(_num(x))),
    "regex": _regex,
    "today": lambda ctx: _V("date", ctx.today),
    "date": lambda ctx, x: _V("date", _date(x)),
    "true": lambda ctx: _V("bool", np.True_),
    "false": lambda ctx: _V("bool", np.False_),
    "not": lambda ctx, x: _V("bool", ~_bool(x)),
    "contains": lambda ctx, x, y: _find(ctx, x, y, lambda a, b: np.strings.find(a, b) >= 0),
    "starts-with": lambda ctx, x, y: _find(ctx, x, y, np.strings.startswith),
    "ends-with": lambda ctx, x, y: _find(ctx, x, y, np.strings.endswith),
    "substr": _substr,
    "substring-before": lambda ctx, x, y: _text(ctx, x, _before(_const_text("substring-before", y))),
    "substring-after": lambda ctx, x, y: _text(ctx, x, lambda t, sep=_const_text("substring-after", y):
                                                 t.partition(sep)[2]),
    "normalize-space": lambda ctx, x: _text(ctx, x, lambda t: " ".join(t.split())),
    "translate": lambda ctx, x, a, b: _text(ctx, x, _translation(_const_text("translate", a),
                                                               _const_text("translate", b))),
    "lower-case": lambda ctx, x: _text(ctx, x, str.lower),
    "upper-case": lambda ctx, x: _text(ctx, x, str.upper),
    "pow": lambda ctx, x, y: _V("num", np.power(_num(x), _num(y))),
    "min": _aggregate(np.min),
    "max": _aggregate(np.max),
    "sum": _aggregate(np.sum),
    **{name: _moment(name) for name in ("now", "once", "uuid", "random")},
    **{name: _collected(name) for name in ("count", "position", "indexed-repeat", "pulldata")},
    "join": _join,
    "jr:choice-name": _choice_name,
    "format-date": _format_date,
    "format-date-time": _format_date,
    "date-time": lambda ctx, x: _V("date", _date(x)),
    "decimal-date-time": lambda ctx, x: _V("num", _num(_V("date", _date(x)))),
    "selected-at": lambda ctx, m, i: _text(ctx, m, _nth(int(_num(_V(i.kind, _constant("selected-at", i)[0]))))),
    **{name: (lambda f: lambda ctx, x: _V("num", f(_num(x))))(fn) for name, fn in _MATH.items()},
    "atan2": lambda ctx, y, x: _V("num", np.arctan2(_num(y), _num(x))),
    "pi": lambda ctx: _V("num", np.float64(np.pi)),
    "boolean-from-string": lambda ctx, x: _V("bool", _full(x, ctx.n).str.strip().isin(["true", "1"]).to_numpy(bool)),
    "count-non-empty": lambda ctx, *args: _V("num", sum(np.broadcast_to(~_missing(a), (ctx.n,)).astype("float64")
                                                        for a in args)),
    "checklist": _checklist,
    "weighted-checklist": lambda ctx, low, high, *args: _checklist(ctx, low, high, *args, weighted=True),
    **{name: _collected(name, "on the device") for name in DEVICE_FUNCTIONS},
}


def _result(v: _V, index: pd.Index) -> pd.Series:
    n = len(index)
    if v.kind == "str":
        d = _full(v, n)
        return pd.Series(d.mask(d == "").to_numpy(dtype=object, na_value=np.nan), index=index, dtype=object)
    dtype = {"bool": bool, "num": "float64", "date": "datetime64[ns]"}[v.kind]
    return pd.Series(np.broadcast_to(np.asarray(v.data).astype(dtype), (n,)).copy(), index=index, dtype=dtype)


def evaluate(expr: str | Node, frame: pd.DataFrame, *, current: str | None = None,
             today: pd.Timestamp | None = None, choice_labels: Mapping[str, Mapping[str, str]] | None = None
             ) -> pd.Series:
    """The expression for every row of `frame`, a Series on frame.index: bool (missing → False),
    float64, object (text; missing NaN) or datetime64[ns]. `.` is column `current`;
    `choice_labels` (question → choice name → label) serves jr:choice-name()."""
    node = parse(expr) if isinstance(expr, str) else expr
    day = (pd.Timestamp(today) if today is not None else pd.Timestamp.now()).normalize()
    ctx = _Context(frame, current, np.datetime64(day.tz_localize(None), "ns"), choice_labels or {})
    with np.errstate(all="ignore"):
        return _result(_eval(node, ctx), frame.index)
