"""The delivery of rosters: one .sav per roster level (`<survey>_<roster>.sav`), keyed by the
respondent's id (the same variable and value as in the main file) and the instance numbers, with
a count variable per roster in the main file (`<roster>_n`), and the checks `sid verify` makes on
the links (every roster row has a parent, the counts agree, instance numbers 1..n without gaps).

The rows come from cleaning (work/cleaned_roster_<name>.parquet); a roster that ingest read but
cleaning did not write is an error (never the uncleaned rows). Only rows of respondents in the main delivery are delivered; the labels, missing codes, measures
and formats come from the same code as the main file's (delivery/stage.py `labelled_dictionary`
on the roster's level of the questionnaire)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd
import pyreadstat

from pipeline import workdir
from pipeline.delivery.export import SpssDictionary
from pipeline.delivery.spss import spss_name
from pipeline.delivery.spss import syntax_quote as spss_quote
from pipeline.errors import ErrorCode, SidError
from pipeline.survey.project import Project
from pipeline.survey.questionnaire import Questionnaire
from pipeline.survey.rosters import Roster, ancestry

COUNT_SUFFIX = "_n"


@dataclass(frozen=True)
class RosterRows:
    """A roster level's rows to deliver (of delivered respondents), keyed by the respondent key."""

    roster: Roster
    keys: tuple[str, ...]  # the instance-number columns, outermost first (the level's own last)
    frame: pd.DataFrame


@dataclass(frozen=True)
class RosterExport:
    """One delivered roster file: what its .sav holds and its dictionary (per label language)."""

    roster: Roster
    sav: Path
    sps: Path
    keys: tuple[str, ...]  # the id and the instance numbers, as the .sav names them
    parent: str  # the file it links to (the main .sav, or the enclosing roster's)
    count: str  # the count variable in the main file
    data: pd.DataFrame = field(repr=False, compare=False)
    dictionary: SpssDictionary = field(repr=False, compare=False)
    questionnaire: Questionnaire = field(repr=False, compare=False)
    others: tuple = field(default=(), repr=False, compare=False)  # (language, dictionary, texts) per other language


def count_name(roster: Roster) -> str:
    return f"{roster.name}{COUNT_SUFFIX}"


def sav_name(survey: str, roster: Roster | str) -> str:
    return f"{survey}_{getattr(roster, 'name', roster)}.sav"


def level_questionnaire(questionnaire: Questionnaire, roster: Roster) -> Questionnaire:
    """The roster's variables as a questionnaire: labelled and typed by the main file's code."""
    return replace(questionnaire, variables=roster.variables, rosters=(), warnings=roster.warnings)


def number_columns(rosters: tuple[Roster, ...], roster: Roster) -> tuple[str, ...]:
    return tuple(r.number_column for r in ancestry(rosters, roster.name))


def delivered_rosters(project: Project, questionnaire: Questionnaire, frame: pd.DataFrame
                      ) -> tuple[tuple[RosterRows, ...], tuple[str, ...]]:
    """Every roster level with rows in work/, parents first: only the rows of respondents in
    `frame` (the delivered main frame, keyed by `project.key`), and for a nested level only rows
    whose parent row is delivered; sorted as the main file, then by instance number. Returns also
    the warnings (rows left out, files left from an earlier run)."""
    key = project.key
    order = pd.Series(range(len(frame)), index=frame[key].astype(str).to_numpy())
    if order.index.has_duplicates:
        raise SidError(ErrorCode.EXPORT_MISMATCH, f"the delivered frame has duplicate {key!r} values: its rosters "
                       "cannot be linked", fix="This is a bug in sid; please report it with the form.")
    found: dict[str, RosterRows] = {}
    warnings: list[str] = []
    for roster in questionnaire.rosters:
        path = project.work / workdir.cleaned_roster_file(roster.name)
        ingested = project.work / workdir.roster_file(roster.name)
        if not ingested.is_file():  # ingest read no rows of it (no roster_layout): nothing to deliver
            if path.is_file():
                warnings.append(f"roster {roster.name}: work/{path.name} is left from an earlier run "
                                "(ingest read no rows of this roster now): not delivered")
            continue
        if path.is_file() and ingested.stat().st_mtime > path.stat().st_mtime:
            raise SidError(ErrorCode.STAGE_MISSING, "the roster's cleaned rows are older than its ingested rows",
                           file=path, fix="Run `sid clean` (or `sid run`) again.")
        if not path.is_file():  # ingested but never cleaned: the uncleaned rows are not delivered
            raise SidError(ErrorCode.STAGE_MISSING, f"roster {roster.name!r} was read by ingest but has no cleaned "
                           f"rows (work/{path.name})", file=path, fix="Run `sid clean` (or `sid run`) again.")
        rows = pd.read_parquet(path)
        keys = number_columns(questionnaire.rosters, roster)
        lacking = [c for c in (key, *keys) if c not in rows.columns]
        if lacking:
            raise SidError(ErrorCode.STAGE_MISSING, f"the roster's rows lack the column(s) {', '.join(lacking)}",
                           file=path, fix="Run `sid run` again (the file is from another version or form).")
        ids = rows[key].astype(str)
        kept = ids.isin(order.index).to_numpy().copy()
        if roster.parent is not None:
            if roster.parent not in found:  # the parent level is not delivered: neither are its children
                continue
            parent = found[roster.parent]
            link = [key, *parent.keys]
            known = pd.MultiIndex.from_frame(parent.frame[link].astype(str))
            kept &= pd.MultiIndex.from_frame(rows[link].astype(str)).isin(known)
        if not kept.all():  # said, never silent: a dropped row is one of a respondent cleaning excluded
            warnings.append(f"roster {roster.name}: {int((~kept).sum())} row(s) of respondents (or parent rows) "
                            "not in the delivery left out")
        rows = rows[kept].copy()
        rows["\x00order"] = ids[kept].map(order).to_numpy()
        rows = rows.sort_values(["\x00order", *keys], kind="stable").drop(columns="\x00order")
        found[roster.name] = RosterRows(roster, keys, rows.reset_index(drop=True))
    return tuple(found.values()), tuple(warnings)


def with_counts(frame: pd.DataFrame, rosters: tuple[RosterRows, ...], key: str,
                questionnaire: Questionnaire) -> pd.DataFrame:
    """The main frame with a count variable per roster: its delivered rows per respondent (0 when none)."""
    if not rosters:
        return frame
    ids = frame[key].astype(str)
    counts = {}
    for level in rosters:
        name = count_name(level.roster)
        if name in frame.columns or name in questionnaire:
            raise SidError(ErrorCode.CONFIG_INVALID, f"the form has a variable {name!r}, the name of roster "
                           f"{level.roster.name!r}'s count variable in the main file",
                           fix="Rename the form's variable.")
        per = level.frame[key].astype(str).value_counts()
        counts[name] = ids.map(per).fillna(0).astype("float64").to_numpy()
    return pd.concat([frame, pd.DataFrame(counts, index=frame.index)], axis=1)


def count_labels(project: Project, rosters: tuple[RosterRows, ...] | tuple[Roster, ...], columns, texts) -> dict:
    """The count variables' labels in one label language (sid's texts `texts`)."""
    out = {}
    for level in rosters:
        roster = getattr(level, "roster", level)
        if count_name(roster) in columns:
            out[count_name(roster)] = texts.text("roster_count", roster=roster.name,
                                                 file=sav_name(project.name, roster))
    return out


def ordered(data: pd.DataFrame, dictionary: SpssDictionary, first: list[str]) -> tuple[pd.DataFrame, SpssDictionary]:
    """The keys first (id, then instance numbers outermost first), the rest in its order."""
    names = [v.name for v in dictionary.variables]
    order = first + [n for n in names if n not in first]
    return data[order], replace(dictionary, variables=tuple(dictionary[n] for n in order))


def stale_files(folder: Path, survey: str, current: set[str]) -> list[Path]:
    """A previous delivery's roster files whose roster is not delivered now."""
    out = []
    for sav in folder.glob(f"{survey}_*.sav"):
        if sav.name in current:
            continue
        stem = sav.stem
        out += [p for p in (folder / f"{stem}{ext}" for ext in (".sav", ".sps", ".csv", ".parquet")) if p.exists()]
        out += list(folder.glob(f"{stem}_labels_*.sps"))
    return out


# --- sid verify: the links between the files -----------------------------------------------------

@dataclass(frozen=True)
class Link:
    """How a roster file links to the main file, as the codebook's `bestanden` sheet states it."""

    file: str
    keys: tuple[str, ...]  # the id, then the instance numbers
    parent: str  # the file its rows belong to
    count: str  # the count variable in the main file


def link_problems(folder: Path, main: str, link: Link) -> list[str]:
    """Every roster row has a parent (in the main file, and for a nested roster in its parent
    file); the main file's count variable equals the rows per respondent; the instance numbers
    run 1..n without gaps within each parent. Texts name variables and counts, never values."""
    try:
        rows, _ = pyreadstat.read_sav(str(folder / link.file), usecols=list(link.keys))
        parent_rows, _ = pyreadstat.read_sav(str(folder / main), usecols=[link.keys[0], link.count])
    except Exception as exc:  # pyreadstat's errors for a missing variable or a damaged file
        return [f"onleesbaar of zonder sleutels ({type(exc).__name__})"]
    rid, own = link.keys[0], link.keys[-1]
    problems = []
    ids = rows[rid].astype(str)
    main_ids = parent_rows[rid].astype(str)
    orphans = int((~ids.isin(main_ids)).sum())
    if orphans:
        problems.append(f"{orphans} rij(en) zonder respondent in {main}")
    if link.parent != main:
        outer = list(link.keys[:-1])
        try:
            parents, _ = pyreadstat.read_sav(str(folder / link.parent), usecols=outer)
        except Exception as exc:
            return problems + [f"{link.parent} onleesbaar ({type(exc).__name__})"]
        known = pd.MultiIndex.from_frame(parents[outer].astype(str))
        lost = int((~pd.MultiIndex.from_frame(rows[outer].astype(str)).isin(known)).sum())
        if lost:
            problems.append(f"{lost} rij(en) zonder ouderrij in {link.parent}")
    counted = main_ids.map(ids.value_counts()).fillna(0)
    wrong = int((counted.to_numpy() != parent_rows[link.count].fillna(-1).to_numpy()).sum())
    if wrong:
        problems.append(f"{link.count} in {main} klopt niet met het aantal rijen bij {wrong} respondent(en)")
    within = list(link.keys[:-1])
    sorted_rows = rows.assign(**{rid: ids}).sort_values([*within, own], kind="stable")
    expected = sorted_rows.groupby(within, sort=False).cumcount() + 1
    gaps = int((sorted_rows[own].to_numpy() != expected.to_numpy()).sum())
    if gaps:
        problems.append(f"{own}: {gaps} volgnummer(s) niet 1..n zonder gaten binnen hun ouder")
    return problems


def join_syntax(main_sav: str, roster_sav: str, keys: tuple[str, ...]) -> str:
    """SPSS/PSPP syntax that gives each row of a roster file its respondent's variables from the
    main file: MATCH FILES with the main file as a table lookup (/TABLE), both sorted by the id.
    The sorted main file is kept as a dataset copy (DATASET COPY: the GET that follows replaces the
    active dataset, which DATASET NAME would have named); checked with GNU PSPP in the tests."""
    q = spss_quote
    dataset = spss_name(Path(main_sav).stem)  # the main file's name: no word of any one language
    return "\n".join([
        f"GET FILE={q(main_sav)}.", f"SORT CASES BY {keys[0]}.", f"DATASET COPY {dataset}.",
        f"GET FILE={q(roster_sav)}.", f"SORT CASES BY {' '.join(keys)}.",
        f"MATCH FILES /FILE=* /TABLE={dataset} /BY {keys[0]}.", "EXECUTE.",
    ]) + "\n"
