"""Validation per roster instance (issue 16): the main level's checks on each roster row, the
number of rows against the form's repeat_count, and rules that run per instance or over a roster.

- Per roster row: codes, ranges and constraints, `relevant` with the main level's cascade
  (answers to enclosing questions not asked count as empty: `survey.levels`), required; the
  form's `position(..)`, `count()`/`sum()` over a nested roster and `indexed-repeat()` computed.
- `repeat_count:<roster>`: per respondent (per instance of the enclosing roster, for a nested
  one) the rows delivered equal the form's repeat_count where the roster was asked, 0 where not.
- Rules (rules.yaml): with `roster: <name>` judged per instance, referring to the roster's
  questions and those of the levels around it (`${geboortejaar}`); without, a rule calling
  `count(${roster})`, `count(${roster}, condition)` or `sum(${question})` judged per respondent.

A failure names the respondent, the roster and the instance ("2", or "1.3" nested)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pandas as pd

from pipeline.survey import routing
from pipeline.survey.expressions import ExpressionError, evaluate, references
from pipeline.survey.levels import (
    Rewriter,
    Unsupported,
    as_seen,
    framed,
    ids,
    instance_text,
    level,
    main_aggregates,
    with_aggregates,
)
from pipeline.survey.questionnaire import Questionnaire
from pipeline.survey.rosters import ancestry
from pipeline.validation.judged import routed, with_calculates
from pipeline.validation.validate import (
    FAILURE_COLUMNS,
    Check,
    Rule,
    ValidationReport,
    _choice_filter_checks,
    _cross_constraints,
    _pii_checks,
    _rank_checks,
    _report,
    _routing_checks,
    _rule_check,
    _schema_checks,
    across_levels,
)

_POS = "__pos"


def validate_rosters(main: pd.DataFrame, rosters: dict[str, pd.DataFrame], questionnaire: Questionnaire, *,
                     key: str, rules: tuple[Rule, ...] = (), accepted: dict[str, str] | None = None,
                     derived: pd.DataFrame | None = None) -> tuple[ValidationReport, tuple[str, ...]]:
    """Every roster check on the rows in `rosters` (name → frame) against the main frame `main`,
    as a report (failures with roster and instance), and notes on what could not be judged.
    `derived`: `main` with its calculates (validate's), computed here once if not given."""
    accepted = accepted or {}
    main = main.reset_index(drop=True)
    held = [None if derived is None else derived.reset_index(drop=True)]

    def main_derived() -> pd.DataFrame:  # the main frame's calculates: computed once, they do not change
        if held[0] is None:
            held[0] = with_calculates(main, questionnaire)
        return held[0]
    notes: list[str] = []
    per_roster: dict[str, list[Rule]] = {}
    main_rules: list[Rule] = []
    for rule in rules:
        if not across_levels(rule, questionnaire):
            continue
        needs = [rule.roster] if rule.roster else sorted(
            {r.name for r in questionnaire.rosters
             if {r.name, *r.names} & set().union(*(references(t) for t in (rule.expression, rule.when) if t))})
        lacking = [n for n in needs if n not in rosters]
        if lacking:
            notes.append(f"rule {rule.name!r} needs the rows of roster {lacking[0]!r}, which ingest did not read "
                         "(roster_layout in sid.toml): not checked")
        elif rule.roster:
            per_roster.setdefault(rule.roster, []).append(rule)
        else:
            main_rules.append(rule)
    present = {r.name for r in questionnaire.rosters if r.name in rosters
               and all(a.name in rosters for a in ancestry(questionnaire.rosters, r.name))}
    levels = {}
    for roster in questionnaire.rosters:
        texts = tuple(t for rule in per_roster.get(roster.name, []) for t in (rule.expression, rule.when) if t)
        try:
            levels[roster.name] = level(questionnaire, roster, texts)
        except Unsupported as exc:
            notes.append(f"a rule on roster {roster.name!r}: {exc}; its rules are not checked")
            per_roster.pop(roster.name, None)
            levels[roster.name] = level(questionnaire, roster)
    rows: dict[str | None, pd.DataFrame] = {None: main, **{n: rosters[n].reset_index(drop=True) for n in present}}
    cache: dict[str, pd.DataFrame] = {}
    parts: list[ValidationReport] = []
    for roster in questionnaire.rosters:
        if roster.name not in present:
            continue
        lv = levels[roster.name]
        notes.extend(lv.warnings)
        view = framed(questionnaire, levels, rows, roster.name, key, cache).copy(deep=False)
        view[_POS] = np.arange(len(view)).astype(str)
        form = lv.questionnaire
        own = replace(form, variables=tuple(form[n] for n in lv.own))
        derived, asked = routed(view, form)
        checks = [c for c in _schema_checks(view, own, _POS) if c.rule != "key_unique"]
        checks += _cross_constraints(view, form, _POS)
        checks += _routing_checks(view, form, _POS, asked)
        checks += _choice_filter_checks(view, own) + _rank_checks(view, own) + _pii_checks(view, own, _POS)
        checks = [c for c in checks if c.variable in lv.own]
        rewritten = dict(lv.texts)
        for rule in per_roster.get(roster.name, []):
            check = _rule_check(derived, replace(rule, expression=rewritten[rule.expression],
                                                 when=rewritten.get(rule.when) if rule.when else None))
            checks.append(replace(check, expression=rule.expression,
                                  variable=", ".join(sorted(references(rule.expression)))))
        report = _report(view, _POS, checks, accepted)
        at = report.failures["respondent"].astype(int).to_numpy()
        failures = report.failures.assign(respondent=view[key].astype(str).to_numpy()[at], roster=roster.name,
                                          instance=instance_text(view, questionnaire.rosters, roster.name)[at])
        parts.append(replace(report, failures=failures))
        parts.append(_repeat_count(questionnaire, levels, rows, roster.name, key, cache, accepted, notes,
                                   main_derived))
    parts.append(_over_roster(main, questionnaire, levels, rows, key, accepted, notes))
    if main_rules:
        derived = main_derived()
        try:
            frame, rewritten = main_aggregates(derived, questionnaire, rows, [t for r in main_rules for t in (
                r.expression, r.when) if t], key)
        except Unsupported as exc:
            notes.append(f"rules over rosters: {exc}; not checked")
        else:
            checks = []
            for rule in main_rules:
                check = _rule_check(frame, replace(rule, expression=rewritten[rule.expression],
                                                   when=rewritten[rule.when] if rule.when else None))
                checks.append(replace(check, expression=rule.expression,
                                      variable=", ".join(sorted(references(rule.expression)))))
            parts.append(_report(frame, key, checks, accepted))
    return combined(parts, accepted), tuple(dict.fromkeys(notes))


def _over_roster(main: pd.DataFrame, questionnaire: Questionnaire, levels, rows, key: str,
                 accepted: dict[str, str], notes: list[str]) -> ValidationReport:
    """The main questionnaire's constraints over a roster's rows (`. = count(${kinderen})`), which
    loading the form set aside (`Variable.over_roster`): judged where the roster was ingested."""
    missing = [float(c) for c in questionnaire.missing.values]
    checks = []
    derived = None
    for var in questionnaire:
        if not var.over_roster or var.name not in main.columns:
            continue
        rewriter = Rewriter(questionnaire, None)
        try:
            text = rewriter.rewrite(var.over_roster)
        except (Unsupported, ExpressionError) as exc:
            notes.append(f"the constraint of {var.name!r}: {exc}; not checked")
            continue
        lacking = [a.roster for a in rewriter.aggregates if a.roster not in rows]
        if lacking:
            continue  # the form's warning said so: not checked without the roster's rows
        derived = with_calculates(main, questionnaire) if derived is None else derived
        frame = with_aggregates(derived, questionnaire, levels, rows, None, rewriter.aggregates, key)
        others = routing.without_missing(frame, questionnaire, references(text) - {var.name})
        try:
            ok = evaluate(text, others, current=var.name).to_numpy(dtype=bool)
        except ExpressionError as exc:
            notes.append(f"the constraint of {var.name!r} ({var.over_roster}): {exc}; not checked")
            continue
        values = main[var.name]
        items = values.notna().to_numpy().copy()
        if var.kind == "numeric":
            items &= ~values.isin(missing).to_numpy()
        checks.append(Check(f"constraint:{var.name}", var.constraint_message.get(questionnaire.default_language)
                            or f"{var.name}: {var.over_roster}", var.over_roster, "error", var.name, items,
                            items & ~ok, message="waarde buiten de grenzen van de vragenlijst", values=values))
    return _report(main, key, checks, accepted)


def _repeat_count(questionnaire: Questionnaire, levels, rows, name: str, key: str, cache,
                  accepted: dict[str, str], notes: list[str], main_derived: Callable[[], pd.DataFrame]
                  ) -> ValidationReport:
    """`repeat_count:<roster>`: per row of the enclosing level, the roster's rows delivered equal
    its repeat_count where the roster was asked (its relevant and its groups'), 0 where it was not."""
    roster = levels[name].roster
    if roster.repeat_count is None:
        return _report(pd.DataFrame({key: []}), key, [], accepted)
    parent = roster.parent
    form = questionnaire if parent is None else levels[parent].questionnaire
    frame = (main_derived() if parent is None
             else with_calculates(framed(questionnaire, levels, rows, parent, key, cache).reset_index(drop=True), form))
    join = ids(questionnaire.rosters, parent, key)
    text = str(roster.repeat_count)
    try:
        wanted = [c for c in references(text) | set().union(*(references(c) for c in roster.relevant))
                  if c in frame.columns or (c in form and form[c].type == "calculate")]
        seen = as_seen(frame, form, wanted).assign(**{c: frame[c].to_numpy() for c in join})
        seen = routing.without_missing(seen, form, set(references(text)))
        expected = evaluate(text, seen).to_numpy(dtype="float64")
        asked = np.ones(len(frame), dtype=bool)
        for condition in roster.relevant:
            if references(condition) <= set(seen.columns):
                asked &= evaluate(condition, seen).to_numpy(dtype=bool)
            else:
                notes.append(f"the relevant of roster {name!r} ({condition}) refers to another level: its "
                             "repeat_count is checked as if asked")
    except (ExpressionError, Unsupported) as exc:
        notes.append(f"repeat_count of roster {name!r} ({text}): {exc}; not checked")
        return _report(pd.DataFrame({key: []}), key, [], accepted)
    expected = np.where(asked, expected, 0.0)
    delivered = rows[name].groupby([rows[name][c] for c in join]).size()
    index = pd.MultiIndex.from_frame(frame[join]) if len(join) > 1 else pd.Index(frame[join[0]])
    counted = delivered.reindex(index).fillna(0).to_numpy(dtype="float64")
    items = ~np.isnan(expected)
    rows_text = pd.Series(counted).astype("int64").astype(str) + " rijen"
    values = rows_text.where(~items, rows_text + ", verwacht " + pd.Series(
        np.nan_to_num(expected)).astype(str).str.removesuffix(".0")).astype("string")
    check = Check(f"repeat_count:{name}", f"het aantal rijen van {name} is het repeat_count van de vragenlijst "
                  f"({text}), 0 waar {name} niet gevraagd werd", text, "error", name, items,
                  items & (counted != np.nan_to_num(expected)), n_na=int((~items).sum()),
                  message="aantal rijen in de roster wijkt af van het repeat_count", values=values)
    view = frame[join].copy()
    view["__pos"] = np.arange(len(view)).astype(str)
    report = _report(view, "__pos", [check], accepted)
    at = report.failures["respondent"].astype(int).to_numpy()
    failures = report.failures.assign(
        respondent=view[key].astype(str).to_numpy()[at], roster=parent or "",
        instance=instance_text(view, questionnaire.rosters, parent)[at] if parent else "")
    return replace(report, failures=failures)


def combined(reports: list[ValidationReport], accepted: dict[str, str]) -> ValidationReport:
    """Reports into one: failures one after the other, the summary ordered worst first."""
    failures = [r.failures for r in reports if len(r.failures)]
    summaries = [r.summary for r in reports if len(r.summary)]
    summary = (pd.concat(summaries, ignore_index=True) if summaries
               else _report(pd.DataFrame({"k": []}), "k", [], accepted).summary)
    order = summary["severity"].map({"error": 0, "warning": 1, "accepted": 2}).fillna(3)
    summary = summary.assign(_o=order).sort_values(["_o", "fails", "rule"], ascending=[True, False, True],
                                                   kind="stable").drop(columns="_o").reset_index(drop=True)
    return ValidationReport(pd.concat(failures, ignore_index=True)[FAILURE_COLUMNS] if failures
                            else pd.DataFrame(columns=FAILURE_COLUMNS), summary, dict(accepted))
