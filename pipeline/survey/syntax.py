"""XLSForm (ODK XPath subset) expressions, read: the tokenizer, the parser and its syntax tree,
the names an expression references. Evaluation is in `pipeline.survey.expressions`."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Iterator, Union

import numpy as np
import pandas as pd
import re2

MAX_NESTING = 40  # parentheses, calls and unary minus inside one another
MAX_DEPTH = 100  # depth of the syntax tree (a + b + c + ... counts one per operator)


class ExpressionError(ValueError):
    """Bad expression: the message says what and where (0-based character position)."""


# --- Syntax tree (hashable; numbers are floats, `-1` is Literal(-1.0)) ---

@dataclass(frozen=True)
class Literal:
    value: float | str


@dataclass(frozen=True)
class Var:
    name: str


@dataclass(frozen=True)
class Current:
    """`.`, the question the expression belongs to."""


@dataclass(frozen=True)
class Neg:
    operand: Node


@dataclass(frozen=True)
class BinOp:
    op: str  # or and = != < <= > >= + - * div mod
    left: Node
    right: Node


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Node, ...]


Node = Union[Literal, Var, Current, Neg, BinOp, Call]

# name -> (fewest, most) arguments; most None: any number.
FUNCTIONS: dict[str, tuple[int, int | None]] = {
    "selected": (2, 2), "count-selected": (1, 1), "string-length": (1, 1), "if": (3, 3),
    "coalesce": (2, 2), "int": (1, 1), "number": (1, 1), "string": (1, 1), "boolean": (1, 1),
    "concat": (0, None), "round": (1, 2), "floor": (1, 1), "ceiling": (1, 1), "abs": (1, 1),
    "regex": (2, 2), "today": (0, 0), "current": (0, 0), "date": (1, 1), "true": (0, 0), "false": (0, 0),
    "not": (1, 1), "contains": (2, 2), "starts-with": (2, 2), "ends-with": (2, 2), "substr": (2, 3),
    "substring-before": (2, 2), "substring-after": (2, 2), "normalize-space": (1, 1), "translate": (3, 3),
    "lower-case": (1, 1), "upper-case": (1, 1), "pow": (2, 2), "min": (1, None), "max": (1, None),
    "sum": (1, None), "selected-at": (2, 2), "now": (0, 0), "once": (1, 1), "uuid": (0, 1), "random": (0, 0),
    "jr:choice-name": (2, 2), "format-date": (2, 2), "format-date-time": (2, 2), "date-time": (1, 1),
    "decimal-date-time": (1, 1), "join": (2, None), "count": (1, 2), "position": (0, 1),
    "indexed-repeat": (3, None), "pulldata": (4, 4),
    **dict.fromkeys(("sqrt", "exp", "exp10", "log", "log10", "sin", "cos", "tan", "asin", "acos", "atan"), (1, 1)),
    "atan2": (2, 2), "pi": (0, 0), "boolean-from-string": (1, 1), "count-non-empty": (1, None),
    "checklist": (2, None), "weighted-checklist": (2, None), "decimal-time": (1, 1), "digest": (2, 3),
    "base64-decode": (1, 1), "area": (1, 1), "distance": (1, None),
}
# Their value is the moment of collection (or chance): sid keeps what was collected, never computes it.
MOMENT_FUNCTIONS = frozenset({"now", "once", "uuid", "random"})
# Computed by the form app from what sid does not hold (a repeat's instances, a file beside the
# form on the device): a calculate using one keeps its collected value too; in a relevant or a
# constraint the condition cannot be judged (survey/questionnaire.py drops it with a warning).
# Computed by the form app and not (yet) by sid: a hash, base64, a time's fraction of the day, a
# geoshape's area or a geotrace's length; the collected value is kept the same way.
DEVICE_FUNCTIONS = frozenset({"digest", "base64-decode", "decimal-time", "area", "distance"})
COLLECTED_FUNCTIONS = MOMENT_FUNCTIONS | DEVICE_FUNCTIONS | {"count", "position", "indexed-repeat", "pulldata"}
_LEVELS = (("or",), ("and",), ("=", "!="), ("<", "<=", ">", ">="), ("+", "-"), ("*", "div", "mod"))
_TOKEN = re.compile(r"""(?P<ws>\s+)
    | (?P<path>(?:current\(\)|\.\.|\.)?(?:/(?:\.\.|[A-Za-z_][\w\-]*))*/[A-Za-z_][\w\-]*)
    | (?P<num>[0-9]+(?:\.[0-9]*)?|\.[0-9]+) | (?P<str>'[^']*'|"[^"]*")
    | (?P<var>\$\{[^{}]*\}) | (?P<op>!=|<=|>=|[=<>+\-*(),]) | (?P<dot>\.\.?)
    | (?P<name>[A-Za-z_][\w\-]*(?::[A-Za-z_][\w\-]*)?)""", re.VERBOSE)
_VAR_NAME = re.compile(r"[^\W\d][\w.\-]*")


def _tokenize(text: str) -> list[tuple[str, str, int]]:
    tokens, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            if text[pos] in "'\"":
                raise ExpressionError(f"unterminated string at position {pos}")
            if text.startswith("${", pos):
                raise ExpressionError(f"unterminated ${{...}} at position {pos}")
            raise ExpressionError(f"unexpected character {text[pos]!r} at position {pos}")
        if m.lastgroup == "var" and not _VAR_NAME.fullmatch(m.group()[2:-1]):
            raise ExpressionError(f"bad variable name {m.group()!r} at position {pos}")
        if m.lastgroup != "ws":
            tokens.append((m.lastgroup, m.group(), pos))
        pos = m.end()
    return tokens + [("end", "", len(text))]


class _Parser:
    """Recursive descent, one method per precedence level; positions are 0-based."""

    def __init__(self, text: str) -> None:
        self.tokens, self.i, self.nesting = _tokenize(text), 0, 0
        self.depth: dict[int, int] = {}  # id(node) -> depth of its subtree

    def at(self, *values: str) -> bool:
        kind, value, _ = self.tokens[self.i]
        return kind in ("op", "name") and value in values

    def take(self) -> tuple[str, str, int]:
        self.i += 1
        return self.tokens[self.i - 1]

    def fail(self) -> ExpressionError:
        kind, value, pos = self.tokens[self.i]
        what = "end of expression" if kind == "end" else "string" if kind == "str" else repr(value)
        return ExpressionError(f"unexpected {what} at position {pos}")

    def nest(self, pos: int) -> None:
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            raise ExpressionError(f"expression nested too deeply at position {pos}")

    def close(self) -> None:
        if not self.at(")"):
            raise self.fail()
        self.take()
        self.nesting -= 1

    def make(self, node: Node, kids: tuple[Node, ...], pos: int) -> Node:
        self.depth[id(node)] = 1 + max((self.depth.get(id(k), 1) for k in kids), default=0)
        if self.depth[id(node)] > MAX_DEPTH:
            raise ExpressionError(f"expression nested too deeply at position {pos}")
        return node

    def parse(self) -> Node:
        if self.tokens[0][0] == "end":
            raise ExpressionError("empty expression")
        node = self.binary(0)
        if self.tokens[self.i][0] != "end":
            raise self.fail()
        return node

    def binary(self, level: int) -> Node:
        if level == len(_LEVELS):
            return self.primary()
        left = self.binary(level + 1)
        while self.at(*_LEVELS[level]):
            _, op, pos = self.take()
            right = self.binary(level + 1)
            left = self.make(BinOp(op, left, right), (left, right), pos)
        return left

    def primary(self) -> Node:
        kind, value, pos = self.take()
        if kind in ("num", "str", "var", "dot", "path"):
            # A path (`../q`, `/data/g/q`, `current()/../q`) names a question by its last step:
            # names are unique in the whole form (pyxform checks it), so it is `${q}`.
            return {"num": lambda: Literal(float(value)), "str": lambda: Literal(value[1:-1]),
                    "var": lambda: Var(value[2:-1]), "dot": Current,
                    "path": lambda: Var(value.rsplit("/", 1)[1])}[kind]()
        if kind == "op" and value == "-":  # unary minus binds tighter than anything
            self.nest(pos)
            operand = self.primary()
            self.nesting -= 1
            if isinstance(operand, Literal) and isinstance(operand.value, float):
                return Literal(-operand.value)
            return self.make(Neg(operand), (operand,), pos)
        if kind == "op" and value == "(":
            self.nest(pos)
            node = self.binary(0)
            self.close()
            return node
        if kind == "name" and self.at("(") and value not in ("and", "or", "div", "mod"):
            return self.call(value, pos)
        self.i -= 1
        raise self.fail()

    def call(self, name: str, pos: int) -> Node:
        if name not in FUNCTIONS:
            raise ExpressionError(f"unknown function '{name}()' at position {pos}")
        self.take()
        if name == "current" and self.at(")"):  # current() is `.`, the question itself
            self.take()
            return Current()
        self.nest(pos)
        args = [] if self.at(")") else [self.binary(0)]
        while args and self.at(","):
            self.take()
            args.append(self.binary(0))
        self.close()
        low, high = FUNCTIONS[name]
        if len(args) < low or (high is not None and len(args) > high):
            want = low if low == high else f"{low} to {high}" if high is not None else f"at least {low}"
            raise ExpressionError(f"wrong number of arguments for '{name}()' at position {pos}: "
                                  f"expected {want}, got {len(args)}")
        if name == "regex" and isinstance(args[1], Literal):
            _compile(str(args[1].value), pos)
        return self.make(Call(name, tuple(args)), tuple(args), pos)


@functools.lru_cache(maxsize=4096)
def _parse(text: str) -> Node:
    return _Parser(text).parse()


def parse(text: str) -> Node:
    """The syntax tree of an expression (cached); ExpressionError if it is not valid."""
    if not isinstance(text, str):
        raise ExpressionError(f"expression must be text, not {type(text).__name__}")
    return _parse(text)


def walk(text_or_node: str | Node) -> Iterator[Node]:
    """Every node of an expression's syntax tree (parsed first when given as text)."""
    stack = [parse(text_or_node) if isinstance(text_or_node, str) else text_or_node]
    while stack:
        node = stack.pop()
        yield node
        stack += {Neg: lambda: [node.operand], BinOp: lambda: [node.left, node.right],
                  Call: lambda: list(node.args)}.get(type(node), list)()


def references(text_or_node: str | Node) -> frozenset[str]:
    """The names used as ${name} in an expression (`.` not included)."""
    return frozenset(node.name for node in walk(text_or_node) if isinstance(node, Var))


def functions(text_or_node: str | Node) -> frozenset[str]:
    """The functions an expression calls."""
    return frozenset(node.name for node in walk(text_or_node) if isinstance(node, Call))


def _compile(pattern: str, pos: int | None = None) -> "re2._Regexp":
    try:
        return compile_regex(pattern)
    except ExpressionError as exc:
        where = f" at position {pos}" if pos is not None else ""
        raise ExpressionError(f"bad regular expression {pattern!r}{where}: {exc}") from None


def _re2_options() -> "re2.Options":
    options = re2.Options()
    options.log_errors = False  # RE2 would print its own message on stderr
    options.max_mem = 64 << 20  # a pattern whose automaton needs more is refused, not run
    return options


_RE2 = _re2_options()


def compile_regex(pattern: str) -> "re2._Regexp":
    """A regular expression for RE2 (google-re2): matching takes time linear in the text, so no
    pattern, however written (``^(a+)+$``), can hang sid on an answer. RE2 has no backreferences
    or lookarounds; a pattern that uses them is an ExpressionError saying so."""
    try:
        return re2.compile(pattern, _RE2)
    except (re2.error, TypeError, ValueError) as exc:
        reason = exc.args[0] if exc.args else exc
        reason = reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)
        raise ExpressionError(f"{reason} (sid matches with RE2, in linear time: no backreferences "
                              "or lookarounds)") from None


def regex_matches(compiled: "re2._Regexp", values: "pd.Series") -> np.ndarray:
    """Whether `compiled` is found in each text value (re.search semantics; missing or not a text:
    False), evaluated once per distinct value."""
    codes, uniques = pd.factorize(values)
    found = np.fromiter((isinstance(u, str) and compiled.search(u) is not None for u in uniques), bool,
                        len(uniques))
    return np.where(codes >= 0, found[codes] if len(found) else False, False)
