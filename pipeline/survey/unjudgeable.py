"""What sid cannot judge in a form, and how the rest still loads: the questions of a repeat
(rosters are not held yet) and conditions that refer to them or call a function the form app
computes on the device (count, position, indexed-repeat, pulldata, digest, area …, a lookup in an
instance()). Each is dropped with a warning naming its row; a calculate over them keeps its
collected value."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from pipeline.survey.syntax import COLLECTED_FUNCTIONS, ExpressionError, functions, references

Variable = Any  # survey/questionnaire.py's Variable (which imports this module)
_INSTANCE = re.compile(r"\binstance\s*\(")
_OVER_ROSTER = {"count", "indexed-repeat"}  # over a repeat's rows: validation/rosters.py computes them


def uses_instance(text: str | None) -> bool:
    """A lookup in a secondary instance (`instance('towns')/root/item[name = ${q}]/label`): an XPath
    path with a predicate, which sid's expressions do not hold; computed by the form app."""
    return bool(text and _INSTANCE.search(text))


def question_names(children: list[dict[str, Any]]) -> list[str]:
    """The names of every question below a group or repeat (nested ones included)."""
    names = []
    for item in children:
        if item.get("type") in ("group", "repeat", "loop"):
            names += question_names(item.get("children", []))
        elif item.get("name"):
            names.append(str(item["name"]))
    return names


def conditions_of(v: Variable) -> tuple[str, ...]:
    return (*v.group_relevant, *(c for c in (v.relevant, v.constraint) if c))


def without_unjudgeable(path: Path, v: Variable, skipped: dict[str, str], warnings: list[str],
                         warned: set[str]) -> Variable:
    """`v` without the conditions sid cannot judge, each dropped with a warning naming its row: a
    relevant or constraint that refers to a question in a repeat, or uses a function the form app
    computes from a repeat or a file (count, position, indexed-repeat, pulldata). A calculate
    referring to a repeat's question keeps its collected value."""
    def judgeable(text: str, column: str, group: bool = False) -> bool:
        try:
            in_repeat = [] if uses_instance(text) else sorted(references(text) & skipped.keys())
            calls = ["instance"] if uses_instance(text) else sorted(functions(text) & COLLECTED_FUNCTIONS)
        except ExpressionError:  # the form's expression check names it with its row
            return True
        if not in_repeat and not calls:
            return True
        why = (f"refers to {in_repeat[0]!r} {skipped[in_repeat[0]]}" if in_repeat
               else f"uses {calls[0]}()")
        effect = ("treated as asked whenever its other conditions hold" if column == "relevant"
                  else "not checked")
        if column == "constraint" and set(calls) <= _OVER_ROSTER and all(
                skipped[n].startswith("in repeat") for n in in_repeat):
            effect = "checked per respondent only where the repeat's rows are ingested (roster_layout)"
            over_roster.append(text)
        if group and text not in warned:  # a group's relevant: said once, for its first question
            warnings.append(f"{path.name}, survey row {v.row}: the relevant of the group around {v.name!r} {why}, "
                            f"which sid cannot judge; its questions are {effect}")
        elif not group:
            warnings.append(f"{path.name}, survey row {v.row}: the {column} of {v.name!r} {why}, which sid "
                            f"cannot judge; {effect}")
        warned.add(text)
        return False

    changes: dict[str, Any] = {}
    over_roster: list[str] = []
    if v.relevant and not judgeable(v.relevant, "relevant"):
        changes["relevant"] = None
    if v.constraint and not judgeable(v.constraint, "constraint"):
        changes["constraint"] = None
        changes["over_roster"] = over_roster[0] if over_roster else None
    kept = tuple(c for c in v.group_relevant if judgeable(c, "relevant", group=True))
    if kept != v.group_relevant:
        changes["group_relevant"] = kept
    if v.calculate and uses_any(v.calculate, skipped.keys()):
        changes["keep_collected"] = True
    return replace(v, **changes) if changes else v


def uses_any(text: str, names, calls=frozenset()) -> bool:
    """The expression refers to one of `names` or calls one of `calls` (False when it does not parse:
    the form's expression check reports that with its row); a lookup in an instance() counts as both."""
    if uses_instance(text):
        return True
    try:
        return bool(references(text) & set(names) or functions(text) & calls)
    except ExpressionError:
        return False
