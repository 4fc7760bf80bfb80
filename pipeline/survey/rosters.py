"""Rosters: the repeats of a form (household members, children, migration steps), each its own level.

A roster level holds the variables asked once per instance (per household member, say); its
parent is the level it is nested in (None: the main questionnaire, asked once per respondent).
The variables are built by survey/questionnaire.py's reading of pyxform's JSON, the same type
rules as the main questionnaire's; this module holds the level itself and how its repeat_count
is read, and the naming rule of its columns in a wide export. A level as the form app sees it
(the enclosing levels as context, position(), count() …) is survey/levels.py; validation and
cleaning per instance are validation/rosters.py and cleaning/rosters.py. Delivery per level is
delivery/rosters.py; the main questionnaire leaves the repeats' questions out."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pipeline.errors import ErrorCode, SidError

Variable = Any  # survey/questionnaire.py's Variable (which imports this module)

WIDE_DEFAULT = "{roster}_{n}_{variable}"
_PLACE = re.compile(r"(\{roster\}|\{n\}|\{variable\})")
_REFERENCE = re.compile(r"^\s*\$\{([^}]+)\}\s*$")
_WHOLE = re.compile(r"^\s*\d+\s*$")


@dataclass(frozen=True)
class Roster:
    """One repeat of the form as a level of the data."""

    name: str
    parent: str | None  # the roster it is nested in; None = the main questionnaire
    repeat_count: int | str | None  # a fixed number, the expression's text, or None (as many as entered)
    variables: tuple[Variable, ...]
    group: tuple[str, ...]  # the enclosing groups and repeats, outermost first, then the repeat's own name
    row: int = 0  # the begin_repeat row of the survey sheet
    relevant: tuple[str, ...] = ()  # the conditions of its enclosing groups and its own, outermost first
    warnings: tuple[str, ...] = ()  # its questions loaded as text (as the questionnaire's warnings), naming the row

    @property
    def number_column(self) -> str:
        """The instance number's column in the roster's frame: 1, 2, 3 … within its parent."""
        return f"{self.name}_nr"

    def __getitem__(self, name: str) -> Variable:
        for v in self.variables:
            if v.name == name:
                return v
        raise KeyError(name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(v.name for v in self.variables)


def repeat_count(item: dict[str, Any], calculates: dict[str, str]) -> int | str | None:
    """The repeat_count of a repeat in pyxform's JSON (`control: {"jr:count": "${x}"}`). pyxform
    turns any repeat_count that is not a plain reference (a number, an expression) into a
    generated calculate `<repeat>_count` in the enclosing level and counts by it: that calculate's
    text is the repeat_count; a whole number is returned as a number."""
    count = str((item.get("control") or {}).get("jr:count") or "").strip()
    if not count:
        return None
    ref = _REFERENCE.match(count)
    if ref and ref.group(1) == f"{item.get('name')}_count" and ref.group(1) in calculates:
        count = calculates[ref.group(1)].strip()
    return int(count) if _WHOLE.match(count) else count


def ancestry(rosters: tuple[Roster, ...], name: str) -> tuple[Roster, ...]:
    """The roster `name` and the rosters it is nested in, outermost first."""
    by_name = {r.name: r for r in rosters}
    chain: list[Roster] = []
    at: str | None = name
    while at is not None:
        chain.insert(0, by_name[at])
        at = by_name[at].parent
    return tuple(chain)


def wide_rule_ok(rule: str) -> bool:
    """A wide naming rule holds `{variable}` and `{n}` once each, `{roster}` at most once, and no other braces."""
    rest = _PLACE.sub("", rule)
    return (rule.count("{variable}") == 1 and rule.count("{n}") == 1 and rule.count("{roster}") <= 1
            and "{" not in rest and "}" not in rest)


def wide_pattern(chain: tuple[Roster, ...], variable: str, rule: str = WIDE_DEFAULT) -> re.Pattern:
    """The columns of `variable` of the innermost roster of `chain` in the wide layout, case ignored.
    The rule's text before `{variable}` is written once per level, outermost first, and so is its
    text after it: `{roster}_{n}_{variable}` → `hh_1_kid_3_age`, `{variable}_{n}` → `age_1_3`.
    The groups of a match are the instance numbers, outermost first."""
    head, tail = rule.split("{variable}")

    def level(text: str, roster: Roster) -> str:
        return "".join("(\\d+)" if part == "{n}" else re.escape(roster.name) if part == "{roster}"
                       else re.escape(part) for part in _PLACE.split(text) if part)
    return re.compile("^" + "".join(level(head, r) for r in chain) + re.escape(variable)
                      + "".join(level(tail, r) for r in chain) + "$", re.IGNORECASE)


def wide_columns(columns, questionnaire: Any, source: Any) -> dict[str, tuple[str, tuple[int, ...]]]:
    """Every column of a wide export that is an instance of a roster question: column → (roster,
    instance numbers). A column that is also a question of the main questionnaire (by name, or by
    the source's rename) is an error: it cannot be both."""
    main = {v.name.lower() for v in questionnaire.variables} | {c.lower() for c, _ in source.rename}
    found: dict[str, tuple[str, tuple[int, ...]]] = {}
    for roster in questionnaire.rosters:
        chain = ancestry(questionnaire.rosters, roster.name)
        for var in roster.variables:
            pattern = wide_pattern(chain, var.name, source.roster_wide)
            for column in columns:
                if (match := pattern.match(str(column))):
                    if str(column).lower() in main:
                        raise SidError(ErrorCode.SOURCE_COLUMNS, f"column {column!r} is a question of the main "
                                       f"questionnaire and, by the wide naming rule {source.roster_wide!r}, "
                                       f"question {var.name!r} of roster {roster.name!r}", file=source.path,
                                       column=str(column), fix="Set roster_wide of this source to the rule its "
                                       "roster columns follow, or rename the column (rename).")
                    found[str(column)] = (roster.name, tuple(int(n) for n in match.groups()))
    return found
