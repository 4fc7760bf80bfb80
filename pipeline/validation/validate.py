"""Validation: the questionnaire's own logic (kinds, codes, ranges, constraints, routing) plus rules, as a report."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.errors import ErrorCode, SidError
from pipeline.privacy import scrub_values
from pipeline.survey import routing
from pipeline.survey.choice_filter import offered
from pipeline.survey.expressions import ExpressionError, evaluate, parse, references
from pipeline.survey.parts import is_rank_part
from pipeline.survey.project import ValidateSettings
from pipeline.survey.questionnaire import Questionnaire, Variable
from pipeline.survey.rulebook import read_rule_list
from pipeline.validation.judged import FormChecks, Outcome, form_error, outcome, routed, with_calculates
from pipeline.validation.quality import indicators

# Frozen report columns.
# roster and instance: empty for the main questionnaire; for a roster's row its name and instance
# ("2", or "1.3" nested), validation/rosters.py
FAILURE_COLUMNS = ["respondent", "roster", "instance", "variable", "rule", "value", "severity", "message"]
SUMMARY_COLUMNS = ["rule", "description", "items", "passes", "fails", "n_na", "severity", "expression"]
SEVERITIES = ("error", "warning")


@dataclass(frozen=True)
class Rule:
    """A consistency rule the form cannot express (schemas/rules.yaml): `expression` must hold."""

    name: str
    description: str
    expression: str
    severity: str = "error"
    when: str | None = None  # the rule applies only where this holds (default: everywhere)
    roster: str | None = None  # judged per instance of this roster (docs/expressions.md), else per respondent


@dataclass(frozen=True)
class Check:
    """One evaluated check: where it applied (`items`) and where it failed (`fails`)."""

    rule: str
    description: str
    expression: str
    severity: str
    variable: str
    items: np.ndarray
    fails: np.ndarray
    n_na: int = 0
    message: str = ""
    values: pd.Series | None = None


@dataclass(frozen=True)
class ValidationReport:
    failures: pd.DataFrame  # FAILURE_COLUMNS, one row per failing cell or respondent
    summary: pd.DataFrame  # SUMMARY_COLUMNS, one row per rule, worst first
    accepted: dict[str, str] = field(default_factory=dict)
    quality: pd.DataFrame | None = None  # per respondent: duration, straightlining, nonresponse, dk
    notes: tuple[str, ...] = ()  # warnings about the configuration (e.g. a rules file not configured)

    @property
    def errors(self) -> int:
        return int((self.failures["severity"] == "error").sum())

    @property
    def warnings(self) -> int:
        return int((self.failures["severity"] == "warning").sum())


def load_rules(path: Path, questionnaire: Questionnaire) -> tuple[Rule, ...]:
    """Rules from YAML: a list of {name, description, expression, severity, when}; each checked."""
    data = read_rule_list(path, "rules", "validate.rules")
    rules, names = [], set()
    for i, item in enumerate(data, start=1):
        where = dict(file=path, column=f"rule {i}")
        if not isinstance(item, dict) or not {"name", "expression"} <= set(item):
            lacking = sorted({"name", "expression"} - set(item)) if isinstance(item, dict) else ["name"]
            raise SidError(ErrorCode.RULES_INVALID, f"each rule needs name, expression and severity "
                           f"(error or warning); {lacking[0]} is missing", **where)
        if "severity" not in item:  # no silent default: a rule that silently became an error (or a warning) is wrong
            raise SidError(ErrorCode.RULES_INVALID, f"rule {item['name']!r} has no severity", **where,
                           fix="Add severity: error (must be corrected) or severity: warning (to review).")
        unknown = set(item) - {"name", "description", "expression", "severity", "when", "roster"}
        if unknown:
            raise SidError(ErrorCode.RULES_INVALID, f"unknown key {sorted(unknown)[0]!r} in rule {item['name']!r}", **where)
        rule = Rule(str(item["name"]), str(item.get("description", "")), str(item["expression"]),
                    str(item["severity"]), item.get("when"), item.get("roster"))
        if rule.roster is not None and rule.roster not in {r.name for r in questionnaire.rosters}:
            raise SidError(ErrorCode.RULES_INVALID, f"rule {rule.name!r}: roster {rule.roster!r} is no repeat of "
                           "the form", **where, fix="Name a begin_repeat of the form, or leave roster out.")
        if rule.name in names:
            raise SidError(ErrorCode.RULES_INVALID, f"rule name {rule.name!r} is used twice", **where)
        names.add(rule.name)
        for text in filter(None, (rule.expression, rule.when)):
            try:
                parse(text)
            except ExpressionError as exc:
                raise SidError(ErrorCode.RULES_INVALID, f"rule {rule.name!r}: {exc}", **where) from None
        if rule.severity not in SEVERITIES:
            raise SidError(ErrorCode.RULES_INVALID, f"rule {rule.name!r}: severity must be error or warning", **where)
        rules.append(rule)
    return tuple(rules)


def column_checks(var: Variable, codes: tuple) -> list[tuple[str, Callable[[pd.Series], pd.Series]]]:
    """The form's single-variable checks of `var` as (kind, check): allowed codes (answers +
    the missing-value `codes`), the range of a range question, a constraint on the answer alone.
    A check takes the column's non-empty values and says per value whether it holds."""
    missing = [float(c) for c in codes]
    missing_text = [str(c) for c in codes]
    checks: list[tuple[str, Callable[[pd.Series], pd.Series]]] = []
    if var.type == "select_one":
        allowed = ([float(c) for c in var.choices.codes.values()] + missing if var.kind == "numeric"
                   else list(var.choices.names) + missing_text)
        checks.append(("codes", lambda s, a=allowed: s.isin(a)))
    elif var.type == "select_multiple":
        allowed_tokens = frozenset(set(var.choices.names) | set(missing_text))
        checks.append(("codes", lambda s, ok=allowed_tokens: _tokens_known(s, ok)))
    if var.bounds is not None:
        checks.append(("range", lambda s, v=var, m=missing: _in_range(v, s, m)))
    if var.constraint and references(var.constraint) <= {var.name}:
        checks.append(("constraint", lambda s, v=var, m=missing: _constraint(v, s, m)))
    return checks


def _dtype_ok(series: pd.Series, kind: str) -> bool:
    """The column holds the form's kind: numbers as float64 (numpy, nullable or Arrow), dates and
    times as datetime64 of any unit without a time zone; text is not checked."""
    dtype = series.dtype
    if kind == "numeric":
        return dtype == np.float64 or str(dtype) in ("Float64", "double[pyarrow]")
    if kind == "datetime":
        return isinstance(dtype, np.dtype) and dtype.kind == "M"
    return True


def _tokens_known(series: pd.Series, allowed: frozenset) -> pd.Series:
    text = series.astype("string")
    uniques = pd.unique(text.dropna())
    bad = {u for u in uniques if not set(str(u).split()) <= allowed}
    return ~text.isin(bad).fillna(False).astype(bool)


def _constraint(var: Variable, series: pd.Series, missing: list[float]) -> pd.Series:
    frame = series.to_frame(var.name)
    ok = evaluate(var.constraint, frame, current=var.name)
    exempt = series.isna() | (series.isin(missing) if var.kind == "numeric" else False)
    return ok | exempt


def _in_range(var: Variable, series: pd.Series, missing: list[float]) -> pd.Series:
    """A range answer lies between start and end on a step from start (a float's noise forgiven)."""
    start, end, step = var.bounds
    values = pd.to_numeric(series, errors="coerce")
    steps = (values - start) / step
    ok = values.between(min(start, end), max(start, end)) & ((steps - steps.round()).abs() < 1e-9)
    return ok | series.isna() | series.isin(missing)


def _range_text(var: Variable) -> str:
    start, end, step = var.bounds
    return f"{var.name}: tussen {start:g} en {end:g} in stappen van {step:g}"


def validate(frame: pd.DataFrame, questionnaire: Questionnaire, *, key: str, rules: tuple[Rule, ...] = (),
             quality: ValidateSettings = ValidateSettings(), accepted: dict[str, str] | None = None,
             derived: pd.DataFrame | None = None, asked: dict[str, np.ndarray] | None = None,
             form: FormChecks | None = None) -> ValidationReport:
    """Every check in one pass over the frame; nothing stops at the first failure. `derived`: the
    frame with its calculates and `asked` the routing judged on it (`routed`), when the caller has them;
    `form`: the checks that do not depend on the rules (`form_checks`), when the caller has them."""
    frame = frame.reset_index(drop=True)  # positions = the checks' row numbers
    if form is None:
        if derived is None:
            derived, asked = routed(frame, questionnaire)
        derived = derived.reset_index(drop=True)
        form = form_checks(frame, questionnaire, key, quality,
                           routing.asked(derived, questionnaire) if asked is None else asked)
    elif derived is None:
        derived = with_calculates(frame, questionnaire)
    derived = derived.reset_index(drop=True)
    quality_table = form.quality.copy()
    dont_know_questions = quality_table.pop("dont_know_questions")
    checks: list[Check | Outcome] = [*form.before]
    checks += [_rule_check(derived, rule) for rule in rules if not across_levels(rule, questionnaire)]
    checks += form.after
    checks += _quality_checks(quality_table, quality, dont_know_questions)
    report = _report(frame, key, checks, accepted or {})
    quality_table.insert(0, "respondent", report_keys(frame, key))
    return ValidationReport(report.failures, report.summary, report.accepted, quality_table.reset_index(drop=True))


def form_checks(frame: pd.DataFrame, questionnaire: Questionnaire, key: str, quality: ValidateSettings,
                asked: dict[str, np.ndarray]) -> FormChecks:
    """`frame`'s FormChecks; `asked`: the routing judged on the frame with its calculates (`routed`)."""
    frame = frame.reset_index(drop=True)
    asked = dict(asked)
    asked.pop(key, None)  # the respondent key is no question
    before: list[Check] = []
    before += _schema_checks(frame, questionnaire, key)
    before += _cross_constraints(frame, questionnaire, key)
    before += _routing_checks(frame, questionnaire, key, asked)
    before += _choice_filter_checks(frame, questionnaire)
    before += _rank_checks(frame, questionnaire)
    after = _pii_checks(frame, questionnaire, key)
    return FormChecks(tuple(map(outcome, before)), tuple(map(outcome, after)),
                      indicators(frame, questionnaire, asked, quality.straightline_min_items))


def report_keys(frame: pd.DataFrame, key: str) -> np.ndarray:
    return frame[key].astype(str).to_numpy() if key in frame.columns else np.arange(len(frame)).astype(str)


def _quality_checks(table: pd.DataFrame, settings: ValidateSettings, dont_know_questions: pd.Series) -> list[Check]:
    checks = []
    n = len(table)
    if "duration_ratio" in table.columns:
        ratio = table["duration_ratio"]
        checks.append(Check("quality:speeder", f"interviewduur minstens {settings.speeder_ratio:g} "
                            "keer de mediaan", f"duration / median >= {settings.speeder_ratio:g}", "warning",
                            "start, end", ratio.notna().to_numpy(),
                            (ratio < settings.speeder_ratio).fillna(False).to_numpy(),
                            n_na=int(ratio.isna().sum()), message="speeder: interview veel korter dan de mediaan",
                            values=table["duration_min"].round(1).astype("string")))
    lined = table["straightlined"].astype(str)
    checks.append(Check("quality:straightlining", "geen vragenbatterij overal met hetzelfde antwoord ingevuld",
                        f"grids of at least {settings.straightline_min_items} questions", "warning", "grids",
                        np.ones(n, dtype=bool), (lined != "").to_numpy(),
                        message="straightlining: overal hetzelfde antwoord in een vragenbatterij", values=lined))
    for column, limit, rule, text in (
            ("item_nonresponse", settings.max_item_nonresponse, "quality:item_nonresponse",
             "aandeel gestelde vragen zonder antwoord of geweigerd"),
            ("dont_know", settings.max_dont_know, "quality:dont_know", "aandeel antwoorden 'weet niet'")):
        share = table[column]
        judged = share.notna().to_numpy(copy=True)
        description = f"{text} hoogstens {limit:.0%}"
        if column == "dont_know":  # one 'weet niet' out of three questions says nothing about a respondent
            description += f", bij wie minstens {settings.min_dont_know_questions} vragen met 'weet niet' kreeg"
            judged = judged & (dont_know_questions.to_numpy() >= settings.min_dont_know_questions)
        checks.append(Check(rule, description, f"{column} <= {limit:g}", "warning", column,
                            judged, judged & (share > limit).fillna(False).to_numpy(),
                            n_na=int(share.isna().sum()), message={"item_nonresponse": "veel vragen zonder antwoord", "dont_know": "veel 'weet niet'"}[column],
                            values=share.round(3).astype("string")))
    return checks


def _schema_checks(frame: pd.DataFrame, questionnaire: Questionnaire, key: str) -> list[Check]:
    """The form's kinds, single-variable checks (column_checks, on the non-empty values) and a unique,
    complete key; a check that cannot be evaluated, or a column of another kind, is a `type:` failure of
    every row. Vectorised (was a pandera schema: the same failures, tests/validation/test_schema_checks.py)."""
    n = len(frame)
    labels = frame.index.to_numpy()
    checks, wrong_type = [], []

    def failing(mask: np.ndarray) -> np.ndarray:  # rows by their index label (positions after reset_index)
        fails = np.zeros(n, dtype=bool)
        fails[labels[mask].astype(int)] = True
        return fails

    keys = frame[key]
    present = keys.notna()
    duplicated = keys.duplicated(keep=False) & present
    given = keys[present] if keys.hasnans else keys
    empty = np.zeros(n, dtype=bool)
    empty[present.to_numpy()] = (given.astype(str).str.strip() == "").to_numpy(dtype=bool)
    key_fails = failing((~present | duplicated).to_numpy(dtype=bool) | empty)
    for var in questionnaire:
        if var.name == key or var.name not in frame.columns:
            continue
        values = frame[var.name]
        if not _dtype_ok(values, var.kind):
            wrong_type.append(var.name)
        nonempty = values.notna().to_numpy()
        complete = bool(nonempty.all())
        judged = values if complete else values[nonempty]
        for kind, check in column_checks(var, questionnaire.missing.values):
            fails = np.zeros(n, dtype=bool)
            try:
                ok = check(judged)
                if not ok.all():
                    bad = ~ok.astype(bool).to_numpy()
                    if not complete:
                        bad, at = np.zeros(n, dtype=bool), np.flatnonzero(nonempty)[bad]
                        bad[at] = True
                    fails = failing(bad)
            except Exception:  # noqa: BLE001 (a check that cannot be evaluated: the column is judged of the wrong type)
                wrong_type.append(var.name)
            checks.append(_schema_check(var, kind, questionnaire, values, nonempty, fails))
    checks.append(Check("key_unique", f"{key} is ingevuld en uniek", f"unique({key})", "error", key,
                        np.ones(n, dtype=bool), key_fails, message="dubbele of lege sleutel", values=keys))
    for column in dict.fromkeys(wrong_type):
        checks.append(Check(f"type:{column}", f"{column} heeft het type uit de vragenlijst", "dtype", "error", column,
                            np.ones(n, dtype=bool), np.ones(n, dtype=bool), message="verkeerd type",
                            values=frame[column].astype(str)))
    return checks


def _schema_check(var: Variable, kind: str, questionnaire: Questionnaire, values: pd.Series,
                  items: np.ndarray, fails: np.ndarray) -> Check:
    if kind == "constraint":
        expression, message = var.constraint, "waarde buiten de grenzen van de vragenlijst"
        description = var.constraint_message.get(questionnaire.default_language) or f"{var.name}: {var.constraint}"
    elif kind == "range":
        expression, message = "range({:g}, {:g}, {:g})".format(*var.bounds), "waarde buiten het bereik van de schaal"
        description = _range_text(var)
    else:
        expression, message = f"{var.name} in list {var.choices.name}", "onbekende code"
        description = (f"{var.name}: antwoord is een code van lijst {var.choices.name} "
                       "of een ontbrekende-waardecode")
    return Check(f"{kind}:{var.name}", description, expression, "error", var.name, items, fails,
                 message=message, values=values)


def _cross_constraints(frame: pd.DataFrame, questionnaire: Questionnaire, key: str) -> list[Check]:
    """Constraints that refer to other answers (e.g. `. >= ${geboortejaar}`)."""
    missing = [float(c) for c in questionnaire.missing.values]
    checks = []
    for var in questionnaire:
        if not var.constraint or var.name not in frame.columns or references(var.constraint) <= {var.name}:
            continue
        others = frame.copy(deep=False)
        for ref in references(var.constraint) - {var.name}:
            if ref in others.columns and questionnaire[ref].kind == "numeric":
                others[ref] = others[ref].mask(others[ref].isin(missing))
        try:
            ok = evaluate(var.constraint, others, current=var.name).to_numpy()
        except ExpressionError as exc:
            raise form_error(var, "constraint", exc, questionnaire) from None
        values = frame[var.name]
        items = values.notna().to_numpy().copy()
        if var.kind == "numeric":
            items &= ~values.isin(missing).to_numpy()
        for ref in references(var.constraint) - {var.name}:  # judged only where the others are given
            if ref in others.columns:
                items &= others[ref].notna().to_numpy()
        checks.append(Check(f"constraint:{var.name}", var.constraint_message.get(questionnaire.default_language)
                            or f"{var.name}: {var.constraint}", var.constraint, "error", var.name,
                            items, items & ~ok, message="waarde buiten de grenzen van de vragenlijst", values=values))
    return checks


def _choice_filter_checks(frame: pd.DataFrame, questionnaire: Questionnaire) -> list[Check]:
    """A select with a choice_filter: the answer is one of the choices the form offered."""
    missing = [float(c) for c in questionnaire.missing.values]
    checks = []
    for var in questionnaire:
        if var.choice_filter is None or var.type != "select_one" or var.name not in frame.columns:
            continue
        try:
            items, ok = offered(var, frame, missing)
        except ExpressionError as exc:
            raise form_error(var, "choice_filter", exc, questionnaire) from None
        checks.append(Check(f"choice_filter:{var.name}", f"{var.name}: een keuze die de vragenlijst aanbood "
                            f"({var.choice_filter})", var.choice_filter, "error", var.name, items, items & ~ok,
                            message="keuze niet aangeboden bij de eerdere antwoorden", values=frame[var.name]))
    return checks


def _rank_checks(frame: pd.DataFrame, questionnaire: Questionnaire) -> list[Check]:
    """A rank's positions order the choices: a choice given at an earlier position cannot come again."""
    missing = [float(c) for c in questionnaire.missing.values]
    checks = []
    earlier: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {}
    for var in questionnaire:
        if not is_rank_part(var) or var.name not in frame.columns:
            continue
        values = frame[var.name]
        if var.kind == "numeric":
            number = pd.to_numeric(values, errors="coerce")
            items, answer = (number.notna() & ~number.isin(missing)).to_numpy(bool), number.to_numpy(dtype=float)
        else:
            text = values.astype("string").str.strip()
            items = (text.notna() & (text != "") & ~text.isin([f"{m:g}" for m in missing])).fillna(False)
            items, answer = items.to_numpy(bool), text.fillna("").to_numpy(dtype=object)
        before = earlier.setdefault(var.part_of[0], [])
        if before:
            again = np.zeros(len(values), dtype=bool)
            for other, given in before:
                again |= given & (answer == other)
            checks.append(Check(f"rank:{var.name}", f"{var.name}: a choice not ranked at an earlier position of "
                                f"{var.part_of[0]}", f"rank({var.part_of[0]})", "error", var.name, items,
                                items & again, message="keuze al gerangschikt op een eerdere plaats",
                                values=values))
        before.append((answer, items))
    return checks


def _answered(values: pd.Series, var: Variable, not_applicable: int) -> np.ndarray:
    if var.kind == "numeric":
        return (values.notna() & (values != not_applicable)).to_numpy()
    text = values.astype("string").str.strip()
    return (text.notna() & (text != "") & (text != str(not_applicable))).fillna(False).to_numpy(dtype=bool)


def _routing_checks(frame: pd.DataFrame, questionnaire: Questionnaire, key: str,
                    asked_by_var: dict[str, np.ndarray]) -> list[Check]:
    """From `relevant`: answered though not asked; empty though asked and required."""
    na_code = questionnaire.missing.code("not_applicable")
    checks = []
    for var in questionnaire:
        if var.name not in frame.columns or var.name == key or var.type in ("calculate", "start", "end"):
            continue
        asked = asked_by_var[var.name]
        answered = _answered(frame[var.name], var, na_code)
        if var.routing:
            checks.append(Check(f"routing:{var.name}", f"{var.name} is alleen beantwoord als de vraag gesteld werd",
                                var.routing, "error", var.name, ~asked, ~asked & answered,
                                message="beantwoord hoewel niet gesteld (routing)", values=frame[var.name]))
        if var.required and not var.read_only:
            checks.append(Check(f"required:{var.name}", f"{var.name} is beantwoord als de vraag gesteld werd",
                                var.routing or "true()", "error", var.name, asked, asked & ~answered,
                                message="leeg hoewel gesteld en verplicht", values=frame[var.name]))
    return checks


def _pii_checks(frame: pd.DataFrame, questionnaire: Questionnaire, key: str) -> list[Check]:
    """Personal data typed into open answers, found by the same detectors that scrub the delivery
    (checksum-validated register/BIS numbers, IBAN, phone numbers, e-mail, web addresses); the
    report shows the answer with the tags, never the original."""
    checks = []
    for var in questionnaire:
        if var.type != "text" or var.name == key or var.read_only or var.name not in frame.columns:
            continue
        text = frame[var.name].astype("string")
        mapping, _ = scrub_values(text)
        found = text.isin(list(mapping)).fillna(False).to_numpy(dtype=bool)
        checks.append(Check(f"pii:{var.name}", f"{var.name} bevat geen persoonsgegevens (rijksregister-, "
                            "BIS-, rekening- of telefoonnummer, e-mail- of webadres)",
                            "no personal data pattern", "warning", var.name, text.notna().to_numpy(), found,
                            message="persoonsgegevens in een open antwoord (verwijderd voor levering)",
                            values=text.where(~found, text.map(mapping))))
    return checks


def _rule_check(frame: pd.DataFrame, rule: Rule) -> Check:
    try:
        applies = evaluate(rule.when, frame).to_numpy() if rule.when else np.ones(len(frame), dtype=bool)
        holds = evaluate(rule.expression, frame).to_numpy()
    except ExpressionError as exc:
        raise SidError(ErrorCode.RULES_INVALID, f"rule {rule.name!r}: {exc}", fix="Correct the rule in schemas/.") from None
    variables = sorted(references(rule.expression))
    return Check(rule.name, rule.description, rule.expression, rule.severity, ", ".join(variables),
                 applies, applies & ~holds, message=rule.description or rule.expression,
                 values=_rule_values(frame, variables))


def across_levels(rule: Rule, questionnaire: Questionnaire) -> bool:
    """A rule judged per roster instance, or over a roster's rows (validation/rosters.py judges it)."""
    inside = ({r.name for r in questionnaire.rosters} | {n for r in questionnaire.rosters for n in r.names}) \
        - set(questionnaire.names)  # a main question's name, though a roster reuses it, is the main one's
    return rule.roster is not None or bool(
        inside & set().union(*(references(t) for t in (rule.expression, rule.when) if t)))


def _rule_values(frame: pd.DataFrame, variables: list[str]) -> pd.Series | None:
    present = [v for v in variables if v in frame.columns]
    if not present:
        return None
    parts = [v + "=" + frame[v].astype("string").fillna("") for v in present[:4]]
    text = parts[0]
    for p in parts[1:]:
        text = text + "; " + p
    return text


def _report(frame: pd.DataFrame, key: str, checks: list[Check | Outcome], accepted: dict[str, str]) -> ValidationReport:
    respondents = report_keys(frame, key)
    parts = []
    rows = []
    for check in checks:
        check = outcome(check) if isinstance(check, Check) else check
        severity = "accepted" if check.rule in accepted else check.severity
        idx = check.fails
        if len(idx):
            parts.append(pd.DataFrame({
                "respondent": respondents[idx], "roster": "", "instance": "", "variable": check.variable, "rule": check.rule,
                "value": check.values, "severity": severity, "message": check.message}))
        items, fails = check.items, check.n_fails
        rows.append({"rule": check.rule, "description": check.description
                     + (f" [aanvaard: {accepted[check.rule]}]" if check.rule in accepted else ""),
                     "items": items, "passes": items - fails, "fails": fails, "n_na": check.n_na,
                     "severity": severity, "expression": check.expression})
    failures = (pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=FAILURE_COLUMNS))
    summary = pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
    order = summary["severity"].map({"error": 0, "warning": 1, "accepted": 2}).fillna(3)
    summary = summary.assign(_o=order).sort_values(["_o", "fails", "rule"], ascending=[True, False, True],
                                                   kind="stable").drop(columns="_o").reset_index(drop=True)
    return ValidationReport(failures[FAILURE_COLUMNS], summary, dict(accepted))
