"""Cleaning per roster instance (issue 16): the main level's steps on each roster row, with the
same semantics, and the rows of an excluded respondent taken out with it.

Per roster level, parents first: the rows of respondents the main cleaning kept (the others are
counted in `removed`), framed with the values of the levels around them as the form app saw them
after cleaning (`survey.levels`: an enclosing question cleaning made -3 or -4 is empty there, so a
roster question routed on it follows, the cascade of the main level); then identifiers in numbers,
invalid codes and constraints (-4), calculates, routing codes (-3 not asked, -9 asked and empty).
Correction rules (corrections.yaml) name main-level variables only. The cell log keys each cell
by respondent, roster and instance; `replay_roster` applies it to the ingested roster."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from pipeline.cleaning.clean import (
    Correction,
    _correct,
    _identifiers_in_numbers,
    _invalid,
    _routing,
    concat_logs,
    derive_calculates,
    diff_log,
    replay,
)
from pipeline.cleaning.texts import trailing_spaces
from pipeline.survey.levels import framed, instance_text, level
from pipeline.survey.project import CleanSettings
from pipeline.survey.questionnaire import Questionnaire
from pipeline.survey.rosters import ancestry

REMOVED_COLUMNS = ["roster", "respondent", "instance", "reason"]
_POS = "__pos"


@dataclass(frozen=True)
class RosterCleanResult:
    frames: dict[str, pd.DataFrame]  # per roster: the cleaned rows, the ingested roster's columns
    log: pd.DataFrame  # LOG_COLUMNS, roster and instance filled
    removed: pd.DataFrame  # REMOVED_COLUMNS: rows taken out with their excluded respondent
    warnings: tuple[str, ...] = ()  # conditions sid could not judge in a roster (dropped)


def clean_rosters(main: pd.DataFrame, rosters: dict[str, pd.DataFrame], questionnaire: Questionnaire, *,
                  key: str, settings: CleanSettings | None = None, excluded: pd.DataFrame | None = None,
                  corrections: tuple[Correction, ...] = ()) -> RosterCleanResult:
    """Clean every roster in `rosters` (name → ingested rows) against the cleaned main frame `main`.
    `excluded` (respondent, reason) says why a respondent's rows were taken out; the `corrections`
    with a `roster` are applied to its rows first, in order (the others are the main level's)."""
    settings = settings or CleanSettings()
    texts = {r.name: tuple(t for c in corrections if c.roster == r.name
                           for t in (c.condition, *(e for _, e in c.assign))) for r in questionnaire.rosters}
    levels = {r.name: level(questionnaire, r, texts[r.name]) for r in questionnaire.rosters}
    reasons = (dict(zip(excluded["respondent"].astype(str), excluded["reason"].astype(str)))
               if excluded is not None and len(excluded) else {})
    rows: dict[str | None, pd.DataFrame] = {None: main.reset_index(drop=True)}
    cleaned: dict[str, pd.DataFrame] = {}
    logs, removed, warnings = [], [], []
    for roster in questionnaire.rosters:  # parents before their children
        if roster.name not in rosters or any(a.name not in rosters for a in ancestry(questionnaire.rosters,
                                                                                        roster.name)):
            continue
        frame = rosters[roster.name].reset_index(drop=True)
        keep = frame[key].isin(main[key]).to_numpy()
        if not keep.all():
            gone = frame[~keep]
            removed.append(pd.DataFrame({
                "roster": roster.name, "respondent": gone[key].astype(str).to_numpy(),
                "instance": instance_text(gone, questionnaire.rosters, roster.name),
                "reason": gone[key].astype(str).map(reasons).fillna("respondent excluded").to_numpy()}))
        frame = frame[keep].reset_index(drop=True)
        lv = levels[roster.name]
        warnings += lv.warnings
        view = framed(questionnaire, levels, {**rows, roster.name: frame}, roster.name, key)
        view[_POS] = np.arange(len(view))
        form = lv.questionnaire
        steps = [("personal_data", "identifier_in_number", lambda f, form=form: _identifiers_in_numbers(f, form, key))]
        rewritten = dict(lv.texts)
        for rule in (c for c in corrections if c.roster == roster.name):
            rule = replace(rule, condition=rewritten[rule.condition],
                           assign=tuple((v, rewritten[e]) for v, e in rule.assign))
            steps.append(("correction", rule.name, lambda f, r=rule, form=form: _correct(f, r, form)))
        if settings.invalid:
            steps.append(("invalid", "codes_and_constraints", lambda f, form=form: _invalid(f, form, key)))
        if settings.derive:
            steps.append(("derive", "calculate", lambda f, form=form: derive_calculates(f, form)))
        if settings.routing:
            steps.append(("routing", "missing_reasons", lambda f, form=form: _routing(f, form, key, settings, {})))
        steps.append(("format", "trailing_spaces", lambda f: trailing_spaces(f, _POS)))
        own = [c for c in lv.own if c in view.columns or form[c].type == "calculate"]
        instance = instance_text(frame, questionnaire.rosters, roster.name)
        for step, rule, func in steps:
            after = func(view)
            columns = [c for c in own if c in after.columns]
            log = diff_log(view[[_POS, *[c for c in columns if c in view.columns]]], after[[_POS, *columns]],
                           _POS, step, rule)
            if len(log):
                at = log["respondent"].astype(int).to_numpy()
                log["respondent"] = frame[key].astype(str).to_numpy()[at]
                log["roster"] = roster.name
                log["instance"] = instance[at]
                logs.append(log)
            view = after
        out = frame.copy()
        for column in own:
            if column in view.columns:
                out[column] = view[column].to_numpy()
        cleaned[roster.name] = out[[c for c in frame.columns] + [c for c in own if c not in frame.columns]]
        rows[roster.name] = cleaned[roster.name]
    log = concat_logs(logs)
    gone = pd.concat(removed, ignore_index=True) if removed else pd.DataFrame(columns=REMOVED_COLUMNS)
    return RosterCleanResult(cleaned, log, gone[REMOVED_COLUMNS], tuple(dict.fromkeys(warnings)))




def replay_roster(frame: pd.DataFrame, log: pd.DataFrame, questionnaire: Questionnaire, roster: str, key: str,
                  kept: pd.Series) -> pd.DataFrame:
    """The ingested roster `frame` with the log's cells of `roster` applied and the rows of
    respondents not in `kept` (the cleaned main frame's keys) taken out: the cleaned roster."""
    frame = frame[frame[key].isin(kept)].reset_index(drop=True)
    ident = pd.Series(frame[key].astype(str).to_numpy() + "|" + instance_text(frame, questionnaire.rosters, roster))
    rows = log[log["roster"].fillna("").astype(str) == roster]
    rows = rows.assign(respondent=rows["respondent"].astype(str) + "|" + rows["instance"].astype(str),
                       roster="")
    form = level(questionnaire, next(r for r in questionnaire.rosters if r.name == roster)).questionnaire
    out = replay(frame.assign(**{_POS: ident}), rows, form, _POS)
    return out.drop(columns=_POS)
