"""Correction rules checked against the form when they are loaded: what a rule assigns must be a
value the variable can hold (a code of its list, a number for a number) and the key is never
assigned, so a wrong rule stops the run before anything is written."""

from __future__ import annotations

from pathlib import Path

from pipeline.errors import ErrorCode, SidError
from pipeline.survey.questionnaire import Questionnaire, Variable
from pipeline.survey.syntax import Call, Literal, Neg, Node, parse

TEXT_FUNCTIONS = frozenset({"concat", "string", "substr", "upper-case", "lower-case", "normalize-space"})


def _constant(node: Node) -> float | str | None:
    """The value of a literal (`-1` is Neg(Literal(1.0))), else None."""
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, Neg) and isinstance(node.operand, Literal) and not isinstance(node.operand.value, str):
        return -node.operand.value
    return None


def check_assignment(rule: str, variable: str, expression: str, questionnaire: Questionnaire, key: str | None,
                     path: Path, where: str) -> None:
    """A SidError when `rule` assigns the key, text to a number, or a code that is not in the list."""
    def refuse(message: str, fix: str) -> SidError:
        return SidError(ErrorCode.CORRECTIONS_INVALID, f"{rule}: {message}", file=path, column=where, fix=fix)

    if key is not None and variable == key:
        raise refuse(f"assigns the respondent key {key!r}", "A correction never changes whose answers these are: "
                     "correct the key in the raw export (or the sample) instead.")
    var = questionnaire[variable]
    node = parse(expression)
    value = _constant(node)
    missing = {float(code) for code in questionnaire.missing.values}
    if var.kind == "numeric":
        text_call = isinstance(node, Call) and node.name in TEXT_FUNCTIONS
        if isinstance(value, str) and not _number(value) or text_call:
            raise refuse(f"assigns text ({expression}) to {variable!r}, which holds numbers",
                         "Assign a number (or a missing-value code).")
    if value is None or var.choices is None or var.type not in ("select_one", "select_multiple"):
        return
    allowed = _allowed(var)
    tokens = str(value).split() if var.type == "select_multiple" and isinstance(value, str) else [value]
    for token in tokens:
        as_number = _number(token)
        if as_number is not None and as_number in missing:
            continue
        if _text(token) not in allowed:
            raise refuse(f"assigns {_text(value)!r} to {variable!r}, which is not a code of its list "
                         f"{var.choices.name!r} ({', '.join(var.choices.names)})",
                         "Assign one of the list's codes (or a missing-value code).")


def _allowed(var: Variable) -> set[str]:
    return set(var.choices.names) if not var.choices.numeric else {_text(float(n)) for n in var.choices.names}


def _number(value: object) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _text(value: object) -> str:
    """1.0 → "1"; "BE" stays."""
    number = _number(value)
    return str(int(number)) if number is not None and number.is_integer() else str(value)
