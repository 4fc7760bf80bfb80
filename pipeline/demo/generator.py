"""Realistic demo fieldwork for `sid demo`: a sample frame, a contact log and the three raw
interview exports (web, face-to-face, paper) of the survey, with known planted defects.

The answers come from ``pipeline.demo.answers.demo_responses`` (clean, complete interviews that respect
the form). This module adds the fieldwork around them — who was sampled, contacted, interviewed
how and when, by whom — and plants a known set of defects, listed in a ground-truth file, so that
ingest, validation and cleaning can be tested against what is really wrong. Same questionnaire,
size and seed → byte-identical files. Everything is vectorised over respondents.

Files (``write_fieldwork``), the contract ingest is written against:

``steekproef.csv`` — sample frame from the national register. UTF-8 with BOM, comma, ``\\n``.
    sample_id, nis_code, gemeente, stratum, geslacht, geboortejaar, voornaam, familienaam, straat,
    huisnummer, postcode, rijksregisternummer, telefoon, email.
    sample_id ``S`` + 7 digits; nis_code 5 digits (codes valid 2019-2024, before the mergers of
    2025-01-01); stratum BE/MA/TR/PL/RO/CD; geslacht 1 man / 2 vrouw; geboortejaar 1941-2011;
    rijksregisternummer 11 digits YYMMDDSSSCC (mod-97 check, "2" prefixed for births from 2000);
    telefoon and email may be empty.
``contactpogingen.csv`` — contact log. Windows-1252, semicolon, ``\\r\\n`` (as Belgian Excel saves it).
    sample_id;poging;datum;modus;interviewer_id;uitkomst — one row per attempt (1-6 per unit),
    datum dd/mm/yyyy, modus web|papi|capi, interviewer_id empty unless capi, uitkomst a code of
    OUTCOMES (text such as ``1.1`` or ``2.20``, always with a dot). Attempt 1 is the web
    invitation letter, 2 the reminder, 3 the second reminder with a paper questionnaire (modus papi
    unless the unit answered online then), 4-6 the interviewer's visits. The last attempt of a unit
    with an interview carries that interview's date, mode and (capi) interviewer.
``web_kobo.csv`` — KoboToolbox CSV export of the web interviews (modus 1). UTF-8 with BOM, comma.
    Columns in form order, named by the group path joined with "/" (top-level names bare);
    select_multiple as the space-separated column ``group/q`` followed by one 0/1 column per option
    ``group/q/option`` (empty when the question was not answered); start/end as
    ``2026-03-02T10:00:00.000+01:00`` (Brussels time); choices by their XML name; then Kobo's
    ``meta/instanceID`` (``uuid:…``), ``_id``, ``_uuid``, ``_submission_time`` (UTC,
    ``2026-03-02T09:31:12``), ``_validation_status``, ``_notes``, ``_status``, ``_submitted_by``,
    ``__version__``, ``_tags``, ``_index`` (1-based, = the row number). Rows in submission order.
``capi_tablet.sav`` — face-to-face interviews (modus 2) from the tablets, SPSS. Bare variable
    names in form order; numeric select_one as numbers with Dutch value labels; non-numeric
    select_one as strings (choice names); select_multiple only as 0/1 indicators ``q_option``
    (option names sanitised: ``-`` → ``m``, other non-alphanumerics → ``_``; sysmis when not
    answered); start/end SPSS datetimes (Brussels local time); calculates included.
    Rows ordered by start.
``papi_ingevoerd.xlsx`` — keyed-in paper questionnaires (modus 3), sheet ``invoer``. Headers are
    the variable names in upper case, except ``Steekproefnr`` (the key) and ``Datum invulling``
    (start, date only, text dd/mm/yyyy); no ``end``, no calculates. Choices are keyed as the
    numeric codes printed on paper (``ChoiceList.codes``) for select_one and select_multiple
    alike: a number cell for one code, a text cell of space-separated codes for several.
    Numbers are number cells, texts inline-string cells, empty answers empty. Rows ordered by key.
``demo_truth.csv`` — the planted defects, UTF-8: defect, sample_id, source (web|capi|papi),
    row (1-based data row in that source's file), variable (the form's name; empty when not
    applicable), detail. One row per planted instance.
``demo_truth_summary.csv`` — per defect kind: defect, instances, note (why a kind was skipped or
    reduced, for a form that lacks what it needs).

Planted defects (each ~1-3 % of the completes, at least 3 where the size allows; a record has at
most one, except that a cross-mode duplicate's web record is also a break-off). Web (Kobo)
enforces routing and constraints, so those defects sit in the face-to-face and paper files.
    duplicate_cross_mode  a web break-off whose sample_id also has a complete CAPI interview
    double_submission     a web record repeated with identical answers, a new _uuid/instanceID and a
                          later _submission_time (the later one is the defect)
    test_interview        web records with key TEST001…, not in the sample frame, before the launch,
                          junk texts ("test", "asdf")
    break_off             web record with every question from some point on empty and end empty
    routing_violation     a question answered while its relevant (with its groups') is false
    out_of_range          a number breaking its range constraint (1890 for a birth year, a 3-digit
                          interviewer number, 10× typos)
    impossible_value      a number breaking a constraint on another answer (arrival before birth,
                          more children at home than children)
    inconsistent_answer   birth year > 1 year off the frame's, the other sex than the frame's, or
                          father's first nationality giving another origin group than the stratum
    speeder               end − start under a third of the median duration of its mode
    straightliner         one answer to every question of a grid (≥ 4 select_one on one scale)
    pii_in_open_answer    a phone number, e-mail address or national register number in a text
    unknown_code          a select_one value not in its list (7 on a 1-5 scale; 'XX' or a code past
                          the list for countries)
    misspelt_place        "Marrokko", "Turkye", "Poolen" … typed in an other-specify country text
                          after choosing "other country"
Clean records (no truth row) keep the demo's answers: they respect routing, constraints, codes
and the sample frame, and no clean respondent straight-lines a grid by chance.
"""

from __future__ import annotations

import io
import re
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

import numpy as np
import pandas as pd

from pipeline.demo import tables as T
from pipeline.demo.answers import ORIGIN_GROUPS, demo_responses
from pipeline.survey.expressions import ExpressionError, evaluate, references
from pipeline.files import atomic_path
from pipeline.survey.questionnaire import Questionnaire, Variable

STRATA = ORIGIN_GROUPS
SOURCES = ("web", "capi", "papi")
FILES = MappingProxyType({
    "sample": "steekproef.csv", "contacts": "contactpogingen.csv", "web": "web_kobo.csv",
    "capi": "capi_tablet.sav", "papi": "papi_ingevoerd.xlsx", "truth": "demo_truth.csv",
    "summary": "demo_truth_summary.csv",
})

# Final and attempt outcomes of the contact log (AAPOR-style disposition codes).
OUTCOMES = MappingProxyType({
    "1.1": "volledig interview (complete)",
    "1.2": "gedeeltelijk interview: web afgebroken na meer dan de helft (partial)",
    "2.11": "weigering (refusal)",
    "2.12": "afgebroken interview: web gestopt voor de helft (break-off)",
    "2.20": "geen contact (non-contact)",
    "2.30": "andere reden: ziek, taalprobleem ... (other)",
    "3.10": "onbekend of de persoon op het adres woont: adres niet gevonden (unknown eligibility)",
    "3.19": "geen reactie op de uitnodiging of herinnering (nothing returned)",
    "4.10": "niet in de doelgroep: verhuisd naar het buitenland, overleden, in instelling (not eligible)",
})

# Planted defects and their share of the completed interviews (at least 3 each where possible).
DEFECT_RATES = MappingProxyType({
    "duplicate_cross_mode": 0.012, "double_submission": 0.010, "test_interview": 0.004,
    "break_off": 0.020, "routing_violation": 0.015, "out_of_range": 0.012,
    "impossible_value": 0.010, "inconsistent_answer": 0.015, "speeder": 0.015,
    "straightliner": 0.015, "pii_in_open_answer": 0.010, "unknown_code": 0.012,
    "misspelt_place": 0.012,
})
DEFECTS = tuple(DEFECT_RATES)
MIN_INSTANCES = 3

RESPONSE = {"BE": 0.40, "MA": 0.35, "TR": 0.36, "PL": 0.37, "RO": 0.37, "CD": 0.40}
WEB_SHARE = {"BE": 0.63, "MA": 0.50, "TR": 0.50, "PL": 0.57, "RO": 0.54, "CD": 0.56}
PAPI_SHARE = 0.05
MODE_CODE = {"web": 1, "capi": 2, "papi": 3}
INVITATION = pd.Timestamp("2026-03-02")   # first invitation letters
TODAY = pd.Timestamp("2026-07-01")        # today() in the form's expressions; file stamps
N_INTERVIEWERS = 40
_ZIP_TIME = (2026, 7, 1, 9, 0, 0)
_BOUND = re.compile(r"\.\s*(>=|>|<=|<)\s*(-?\d+(?:\.\d+)?)(?![\d.])")
_BOUND_REF = re.compile(r"\.\s*(>=|>|<=|<)\s*\$\{(\w+)\}")
_KOBO_META = ("_id", "_uuid", "_submission_time", "_validation_status", "_notes", "_status",
              "_submitted_by", "__version__", "_tags", "_index")
TRUTH_COLUMNS = ("defect", "sample_id", "source", "row", "variable", "detail")


@dataclass(frozen=True, eq=False)
class CapiMeta:
    """What the .sav declares besides the data: labels, value labels, measures, formats."""

    column_labels: Mapping[str, str]
    value_labels: Mapping[str, Mapping[float, str]]
    measures: Mapping[str, str]
    formats: Mapping[str, str]


@dataclass(frozen=True, eq=False)
class Fieldwork:
    """The demo fieldwork: each frame exactly as its file holds it (see the module docstring).

    ``records`` has every interview record in the form's internal representation (as
    ``demo_responses`` gives it, defects included) with ``_source`` (web/capi/papi) and ``_row``
    (1-based row in that source's file): the answers behind the three exports.
    """

    sample: pd.DataFrame
    contacts: pd.DataFrame
    web: pd.DataFrame
    capi: pd.DataFrame
    papi: pd.DataFrame
    truth: pd.DataFrame
    summary: pd.DataFrame
    records: pd.DataFrame
    capi_meta: CapiMeta
    key: str = "sample_id"
    seed: int = 2026


# ---------------------------------------------------------------------------------------------
# The form: which variables play which role
# ---------------------------------------------------------------------------------------------

def _refs(expr: str | None) -> frozenset[str]:
    if not expr:
        return frozenset()
    try:
        return references(expr)
    except ExpressionError:
        return frozenset()


def _first(q: Questionnaire, *names: str) -> Variable | None:
    lower = {v.name.lower(): v for v in q}
    return next((lower[n] for n in names if n in lower), None)


class _Form:
    """Roles of the form's variables, found by type, name and choice list (defensively)."""

    def __init__(self, q: Questionnaire, key: str) -> None:
        self.q, self.key = q, key
        self.vars = {v.name: v for v in q}
        self.names = list(q.names)
        if key not in self.vars:
            raise ValueError(f"the form has no variable {key!r} (the respondent key)")
        self.modus = _first(q, "modus", "mode")
        self.taal = _first(q, "interviewtaal", "taal_interview", "interview_language", "language")
        self.interviewer = _first(q, "interviewer_id", "interviewer", "interviewernummer")
        self.sex = _first(q, "geslacht", "gender", "sex")
        self.birth = _first(q, "geboortejaar", "birth_year", "geboorte_jaar")
        self.start = next((v for v in q if v.type == "start"), None)
        self.end = next((v for v in q if v.type == "end"), None)
        meta = {key} | {v.name for v in (self.modus, self.taal, self.interviewer) if v is not None}
        meta |= {v.name for v in q if v.type in ("start", "end", "today", "deviceid", "username",
                                                    "datetime", "time")}
        self.meta = meta
        self.calcs = [v for v in q if v.type == "calculate"]
        # Ordinary questions, in form order: what respondents answer.
        self.questions = [v for v in q if v.name not in meta and v.type != "calculate"]
        # Who depends on whom: var -> variables whose relevant/constraint/calculate mention it.
        self.direct: dict[str, set[str]] = {n: set() for n in self.names}
        for v in q:
            for expr in (v.routing, v.constraint, v.calculate):
                for r in _refs(expr):
                    if r in self.direct and r != v.name:
                        self.direct[r].add(v.name)
        self.country = [v for v in q if v.type == "select_one" and v.choices is not None
                        and set(STRATA) <= set(v.choices.names)]
        nat = [v for v in self.country if "nat" in v.name.lower()]
        father = next((v for v in nat if re.search(r"vader|father|pere|père", v.name.lower())), None)
        mother = next((v for v in nat if re.search(r"moeder|mother|mere|mère", v.name.lower())), None)
        own = [v for v in nat if v not in (father, mother)]
        first = [v for v in own if re.search(r"geboorte|eerste|first|birth", v.name.lower())]
        current = [v for v in own if v not in first]
        self.origin = [v.name for v in (father, mother, *first[:1], *current[:1]) if v is not None]
        self.grids = self._grids()
        self.language_selects = {v.name for v in q if v.type in ("select_one", "select_multiple")
                                 and v.choices is not None and v.name != (self.taal.name if self.taal else "")
                                 and len({"nl", "fr", "ar", "tr"} & set(v.choices.names)) >= 2}

    def affected(self, changed: set[str]) -> set[str]:
        """Variables whose rules may change when `changed` change (through calculates too)."""
        out, todo = set(), list(changed)
        while todo:
            name = todo.pop()
            for dep in self.direct.get(name, ()):
                if dep not in out:
                    out.add(dep)
                    if self.vars[dep].type == "calculate":
                        todo.append(dep)
        return out

    def mode_dependent(self) -> bool:
        """Does anything but the interviewer number depend on the mode of interview?"""
        if self.modus is None:
            return False
        others = self.affected({self.modus.name}) - {self.interviewer.name if self.interviewer else ""}
        return bool(others)

    def free(self, var: Variable | None) -> bool:
        return var is not None and not self.affected({var.name})

    def _grids(self) -> list[list[str]]:
        """Runs of >= 4 consecutive select_one questions in one group sharing one numeric choice
        list (a scale: trust 0-10, contact frequency 1-5 ...)."""
        grids, run = [], []

        def scale(v):
            return (v is not None and v.type == "select_one" and v.choices is not None and v.choices.numeric
                    and sum(not c.startswith("-") for c in v.choices.names) >= 3)

        for v in self.questions + [None]:
            if scale(v) and run and v.choices.name == self.vars[run[-1]].choices.name \
                    and v.group == self.vars[run[-1]].group:
                run.append(v.name)
                continue
            if len(run) >= 4:
                grids.append(run)
            run = [v.name] if scale(v) else []
        return grids

    def specifies(self, v: Variable) -> str | None:
        """The select question an other-specify text belongs to: `q_anders` after `q`, or the
        one question its relevant mentions."""
        refs = _refs(v.routing)
        for other in self.vars.values():
            if other.type in ("select_one", "select_multiple") and v.name.startswith(other.name + "_"):
                return other.name
        return next(iter(refs)) if len(refs) == 1 and self.vars[next(iter(refs))].choices is not None else None

    def text_kind(self, v: Variable) -> str:
        name = v.name.lower()
        of = self.specifies(v)
        if re.search(r"beroep|job|occupation|functie", name):
            return "job"
        if re.search(r"opmerking|comment|remark", name):
            return "comment"
        if of in {c.name for c in self.country}:
            return "country"
        if of in self.language_selects or "taal" in name:
            return "language"
        if re.search(r"relig|geloof|levensbesch", name) or re.search(r"relig|geloof", of or ""):
            return "religion"
        if re.search(r"gemeente|woonplaats|municip|stad", name):
            return "place"
        return "other"


# ---------------------------------------------------------------------------------------------
# Small vectorised helpers
# ---------------------------------------------------------------------------------------------

def _pick(rng: np.random.Generator, options, size: int, p=None) -> np.ndarray:
    options = np.asarray(options, dtype=object)
    if p is not None:
        p = np.asarray(p, dtype=float)
        p = p / p.sum()
    return options[rng.choice(len(options), size=size, p=p)] if size else options[:0]


def _digits(values: np.ndarray, width: int) -> pd.Series:
    return pd.Series(np.asarray(values, dtype=np.int64)).astype(str).str.zfill(width)


def _uuids(rng: np.random.Generator, n: int) -> np.ndarray:
    """Random version-4 UUIDs as text, from the seeded generator."""
    raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    hexd = np.frombuffer(b"0123456789abcdef", dtype="S1")
    nibbles = np.empty((n, 32), dtype="S1")
    nibbles[:, 0::2] = hexd[raw >> 4]
    nibbles[:, 1::2] = hexd[raw & 15]
    out = np.full((n, 36), b"-", dtype="S1")
    for lo, hi, at in ((0, 8, 0), (8, 12, 9), (12, 16, 14), (16, 20, 19), (20, 32, 24)):
        out[:, at:at + hi - lo] = nibbles[:, lo:hi]
    return np.ascontiguousarray(out).view("S36").ravel().astype(str)


def _num_text(values) -> np.ndarray:
    """Numbers as text the way exports write them: 1985, 36.5; missing → ''."""
    v = np.asarray(values, dtype="float64")
    out = np.full(v.shape, "", dtype=object)
    ok = ~np.isnan(v)
    whole = ok & (v == np.trunc(v)) & (np.abs(v) < 2.0 ** 53)
    out[whole] = v[whole].astype(np.int64).astype(str)
    frac = ok & ~whole
    if frac.any():
        out[frac] = np.char.mod("%.10g", v[frac])
    return out


def _text(series: pd.Series) -> np.ndarray:
    """Text values as an object array; missing → ''."""
    s = series.astype(object)
    return np.where(pd.isna(s).to_numpy(), "", s.to_numpy()).astype(object)


def _brussels_iso(series: pd.Series) -> np.ndarray:
    """Naive Brussels local datetimes → ``2026-03-02T10:00:00.000+01:00``; NaT → ''."""
    local = pd.to_datetime(series).dt.tz_localize("Europe/Brussels", nonexistent="shift_forward", ambiguous=True)
    wall = local.dt.tz_localize(None)
    hours = ((wall - local.dt.tz_convert("UTC").dt.tz_localize(None)) / pd.Timedelta(hours=1)).to_numpy()
    text = np.datetime_as_string(wall.to_numpy("datetime64[s]"), unit="s").astype(object)
    sign = np.where(hours < 0, "-", "+")
    offset = np.char.mod("%02d:00", np.abs(np.nan_to_num(hours)).astype(int)).astype(object)
    out = text + ".000" + sign.astype(object) + offset
    out[np.isnan(hours)] = ""
    return out


def _to_utc(series: pd.Series) -> pd.Series:
    s = pd.to_datetime(series)
    return s.dt.tz_localize("Europe/Brussels", nonexistent="shift_forward", ambiguous=True) \
        .dt.tz_convert("UTC").dt.tz_localize(None)


def _tokens_contain(values: pd.Series, option: str) -> np.ndarray:
    padded = " " + values.fillna("").astype(str) + " "
    return padded.str.contains(f" {option} ", regex=False).to_numpy(bool)


def _sanitise_option(name: str) -> str:
    return re.sub(r"[^0-9A-Za-z_]", "_", name.replace("-", "m"))


def _counts(total: int, rate: float) -> int:
    return max(MIN_INSTANCES, int(round(rate * total)))


def _evaluate(expr: str, frame: pd.DataFrame, current: str | None = None) -> np.ndarray:
    result = evaluate(expr, frame, current=current, today=TODAY)
    if result.dtype == bool:
        return result.to_numpy(bool)
    return result.to_numpy()


def _asked(var: Variable, frame: pd.DataFrame) -> np.ndarray:
    if not var.routing:
        return np.ones(len(frame), dtype=bool)
    return _evaluate(var.routing, frame).astype(bool)


# ---------------------------------------------------------------------------------------------
# The builder
# ---------------------------------------------------------------------------------------------

def demo_fieldwork(questionnaire: Questionnaire, *, sampled: int = 12000, seed: int = 2026,
                   key: str = "sample_id") -> Fieldwork:
    """Simulate the fieldwork of `sampled` sampled persons (six origin strata of equal size):
    ~37.5 % complete an interview (55 % web, 40 % face-to-face, 5 % paper), with planted defects.
    Pure: the same arguments give the same frames."""
    if sampled < 60:
        raise ValueError("sampled must be at least 60 (10 per origin group)")
    return _Builder(questionnaire, sampled, seed, key).run()


class _Builder:
    def __init__(self, q: Questionnaire, sampled: int, seed: int, key: str) -> None:
        self.form = _Form(q, key)
        self.q, self.n, self.seed, self.key = q, sampled, seed, key
        self.seeds = np.random.SeedSequence([seed, 0x51D])
        children = self.seeds.spawn(8)
        self.rng_units, self.rng_frame, self.rng_times, self.rng_text, self.rng_defects, \
            self.rng_contacts, self.rng_export, _ = (np.random.default_rng(c) for c in children)
        self.pool_seeds = children[7]
        self.truth: list[pd.DataFrame] = []
        self._limit: int | None = None
        self.notes: dict[str, list[str]] = {d: [] for d in DEFECTS}

    # -- orchestration --------------------------------------------------------------------------
    def run(self) -> Fieldwork:
        self.units = self._plan_units()
        self.R = self._records()
        self._set_metadata()
        self._set_times()
        self._set_texts()
        self._unstraighten()
        self.R = self.R.copy()
        self.sample = self._sample_frame()
        self._plant_record_defects()
        self._plant_break_offs()
        self._plant_tests()
        self._plant_double_submissions()
        self._finalise_web_break_offs()
        contacts = self._contacts()
        self._order()
        web, capi, capi_meta, papi = self._render_web(), *self._render_capi(), self._render_papi()
        truth, summary = self._truth()
        records = self.R.drop(columns=[c for c in self.R.columns if c.startswith("_")
                                       and c not in ("_source", "_row")]).reset_index(drop=True)
        return Fieldwork(sample=self.sample, contacts=contacts, web=web, capi=capi, papi=papi,
                         truth=truth, summary=summary, records=records, capi_meta=capi_meta,
                         key=self.key, seed=self.seed)

    # -- 1. units: stratum, disposition, timing -------------------------------------------------
    def _plan_units(self) -> pd.DataFrame:
        rng, n = self.rng_units, self.n
        sizes = np.full(6, n // 6)
        sizes[: n % 6] += 1
        stratum = rng.permutation(np.repeat(np.arange(6), sizes))
        cats = ("web", "capi", "papi", "refusal", "noncontact", "other", "unknown", "ineligible")
        thresholds = []
        for s, size in zip(STRATA, sizes):
            c = int(round(RESPONSE[s] * size))
            papi = int(round(PAPI_SHARE * c))
            web = int(round(WEB_SHARE[s] * c))
            capi = c - web - papi
            inel, unk = int(round(0.03 * size)), int(round(0.025 * size))
            rest = size - c - inel - unk
            refusal, other = int(round(0.45 * rest)), int(round(0.18 * rest))
            thresholds.append(np.cumsum([web, capi, papi, refusal, rest - refusal - other, other, unk, inel]))
        thresholds = np.array(thresholds)
        order = np.lexsort((rng.random(n), stratum))
        rank = np.empty(n, dtype=np.int64)
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        rank[order] = np.arange(n) - np.repeat(starts, sizes)
        cat_index = (rank[:, None] >= thresholds[stratum]).sum(axis=1)
        cat = np.asarray(cats, dtype=object)[cat_index]
        completes = int(np.isin(cat, ("web", "capi", "papi")).sum())
        self.completes = completes
        # Web break-offs later seen complete face to face; other web break-offs.
        capi_units = np.flatnonzero(cat == "capi")
        n_dup = min(_counts(completes, DEFECT_RATES["duplicate_cross_mode"]), max(len(capi_units) // 3, 0))
        cat[rng.choice(capi_units, size=n_dup, replace=False)] = "dup"
        non = np.flatnonzero(np.isin(cat, ("refusal", "noncontact")))
        n_bo = min(_counts(completes, DEFECT_RATES["break_off"]), len(non) // 2)
        cat[rng.choice(non, size=n_bo, replace=False)] = "breakoff"

        u = pd.DataFrame({"stratum": np.asarray(STRATA, dtype=object)[stratum], "cat": cat})
        # sample ids: spread over S0000001-S9999999, assigned in random order
        width = max(7, len(str(n)))
        step = max((10 ** width - 1) // n, 1)
        numbers = 1 + np.arange(n) * step + rng.integers(0, step, size=n)
        u["sample_id"] = ("S" + _digits(rng.permutation(numbers), width)).to_numpy()
        # attempts: web phase (letters), face-to-face visits
        p = rng.choice(3, size=n, p=[0.6, 0.3, 0.1])
        n_web = np.full(n, 3)
        n_capi = np.zeros(n, dtype=np.int64)
        web_last = np.full(n, "", dtype=object)
        capi_last = np.full(n, "", dtype=object)
        resp_day = np.zeros(n, dtype=np.int64)
        visits3 = rng.choice([1, 2, 3], size=n, p=[0.5, 0.3, 0.2])
        visits2 = rng.choice([1, 2], size=n, p=[0.6, 0.4])
        web_refusal = rng.random(n) < 0.2
        letter_back = rng.random(n) < 0.5

        def put(arr: np.ndarray, mask: np.ndarray, value) -> None:
            arr[mask] = value[mask] if isinstance(value, np.ndarray) else value

        web_day = 14 * p + rng.integers(0, 13, size=n)    # after the letter, reminder 1 or reminder 2
        p_dup = np.minimum(p, 1)
        k = rng.integers(1, 3, size=n)
        plan = (  # category (and sub-case) → web attempts, last web outcome, its day, visits, last visit outcome
            (cat == "web", p + 1, "1.1", web_day, None, None),
            (cat == "breakoff", p + 1, "2.12", web_day, None, None),     # 1.2 or 2.12: set at the cut
            (cat == "papi", 3, "1.1", 28 + rng.integers(3, 25, size=n), None, None),
            (cat == "dup", p_dup + 1, "2.12", 14 * p_dup + rng.integers(0, 13, size=n), visits2, "1.1"),
            (cat == "capi", None, None, None, visits3, "1.1"),
            ((cat == "refusal") & web_refusal, k, "2.11", 14 * (k - 1) + rng.integers(1, 11, size=n), None, None),
            ((cat == "refusal") & ~web_refusal, None, None, None, visits3, "2.11"),
            (cat == "noncontact", None, None, None, 3, "2.20"),
            (cat == "other", None, None, None, visits2, "2.30"),
            (cat == "unknown", None, None, None, visits2, "3.10"),
            ((cat == "ineligible") & letter_back, 1, "4.10", rng.integers(4, 21, size=n), None, None),
            ((cat == "ineligible") & ~letter_back, None, None, None, 1, "4.10"),
        )
        for mask, webs, web_out, day, visits, visit_out in plan:
            for arr, value in ((n_web, webs), (web_last, web_out), (resp_day, day), (n_capi, visits),
                               (capi_last, visit_out)):
                if value is not None:
                    put(arr, mask, value)
        u["n_web"], u["n_capi"], u["web_last"], u["capi_last"] = n_web, n_capi, web_last, capi_last
        u["resp_day"] = resp_day
        u["d0"] = INVITATION + pd.to_timedelta(rng.integers(0, 3, size=n), unit="D")
        u["capi_first"] = rng.integers(42, 96, size=n)
        u["gap"] = rng.integers(2, 10, size=n)
        # municipality by origin group
        weights = np.array([m[4] for m in T.MUNICIPALITIES], dtype=float)
        muni = np.empty(n, dtype=np.int64)
        for j in range(6):
            sel = stratum == j
            muni[sel] = rng.choice(len(weights), size=int(sel.sum()), p=weights[:, j] / weights[:, j].sum())
        u["muni"] = muni
        u["interviewer"] = self._interviewers(muni, rng)
        return u

    def _interviewer_ids(self) -> np.ndarray:
        """~40 interviewer numbers that satisfy the form's constraint on interviewer_id."""
        var = self.form.interviewer
        lo, hi = self._numeric_bounds(var) if var is not None else (None, None)
        lo = 100.0 if lo is None else float(np.ceil(lo))
        hi = np.inf if hi is None else float(np.floor(hi))
        start = lo + 1 if lo % 100 == 0 and lo + N_INTERVIEWERS <= hi else lo
        ids = np.arange(N_INTERVIEWERS) + start
        ids = ids[ids <= hi]
        if var is not None and var.constraint and len(ids):
            try:
                ok = _evaluate(var.constraint, pd.DataFrame({var.name: ids.astype(float)}), current=var.name)
                ids = ids[ok.astype(bool)]
            except ExpressionError:
                pass
        return ids if len(ids) else np.arange(101, 101 + N_INTERVIEWERS, dtype=float)

    def _interviewers(self, muni: np.ndarray, rng) -> np.ndarray:
        """Each municipality has 2-4 interviewers of the pool; busy ones get more addresses."""
        ids = self._interviewer_ids()
        k = len(T.MUNICIPALITIES)
        pools = np.stack([rng.permutation(len(ids))[:4] for _ in range(k)])
        share = rng.dirichlet(np.ones(4) * 1.5, size=k)
        pick = (rng.random(len(muni))[:, None] > np.cumsum(share[muni], axis=1)).sum(axis=1)
        return ids[pools[muni, np.minimum(pick, 3)]]

    # -- 2. interview records from the demo answers --------------------------------------------
    def _origin_of(self, frame: pd.DataFrame) -> np.ndarray:
        """Origin group by the Flemish definition from the nationality answers: father's first
        nationality; if Belgian or unknown the mother's; then the person's own. '' when the
        person is of another (non-target) origin or it cannot be told."""
        cols = [frame[c].astype(object).to_numpy() for c in self.form.origin]
        n = len(frame)
        out = np.full(n, "", dtype=object)
        decided = np.zeros(n, dtype=bool)
        all_be = np.ones(n, dtype=bool)
        for col in cols:
            text = pd.Series(col).fillna("").astype(str).to_numpy()
            known = (text != "") & ~pd.Series(text).str.startswith("-").to_numpy()
            foreign = known & (text != "BE")
            take = ~decided & foreign
            out[take] = text[take]
            decided |= foreign
            all_be &= text == "BE"
        out[~decided & all_be] = "BE"
        out[~np.isin(out, STRATA)] = ""
        return out

    def _records(self) -> pd.DataFrame:
        u = self.units
        main = u.index[u["cat"].isin(["web", "breakoff", "capi", "dup", "papi"])].to_numpy()
        source = np.where(np.isin(u["cat"].to_numpy()[main], ["web", "breakoff"]), "web",
                          np.where(u["cat"].to_numpy()[main] == "papi", "papi", "capi"))
        self.by_mode = self.form.mode_dependent()
        cell = u["stratum"].to_numpy()[main].astype(object)
        if not self.form.origin:
            cell[:] = ""
        if self.by_mode:
            cell = cell + "|" + source.astype(object)
        pool = self._fill_pool(pd.Series(cell))
        order = np.lexsort((main, cell.astype(str)))
        R = pool.iloc[np.argsort(order, kind="stable")].reset_index(drop=True)
        R = pd.concat([R, pd.DataFrame({
            "_unit": main, "_source": source, "_cat": u["cat"].to_numpy()[main],
            "_stratum": u["stratum"].to_numpy()[main], "_lang": "", "_start": R[self.names_start()],
            "_minutes": np.nan, "_copy_of": -1, "_submitted": pd.NaT, "_uuid": "", "_row": 0})], axis=1)
        # the web break-off records of the cross-mode duplicates: copies of their CAPI answers
        dup = np.flatnonzero(R["_cat"].to_numpy() == "dup")
        copy = R.iloc[dup].copy()
        copy["_source"] = "web"
        copy["_cat"] = "dup_web"
        R = pd.concat([R, copy], ignore_index=True)
        R["_rec"] = np.arange(len(R))
        R["_clean"] = R["_cat"].isin(["web", "capi", "papi"]).to_numpy()
        R[self.key] = u["sample_id"].to_numpy()[R["_unit"].to_numpy()]
        R = R.copy()
        for v in self.form.q:
            if v.kind == "string" and v.name in R:
                R[v.name] = R[v.name].astype(object).where(R[v.name].notna(), np.nan)
            if v.kind == "multi" and v.name in R:
                R[v.name] = R[v.name].astype(object).where(R[v.name].notna(), np.nan)
        return R

    def names_start(self) -> str:
        return self.form.start.name if self.form.start is not None else self.key

    def _fill_pool(self, cells: pd.Series) -> pd.DataFrame:
        """Demo interviews whose nationality answers (and mode, if the form routes on it) fit
        the units that need them: generated in chunks until every cell is filled."""
        need = cells.value_counts().sort_index()
        got: dict[str, list[pd.DataFrame]] = {c: [] for c in need.index}
        have = pd.Series(0, index=need.index)
        total = int(need.sum())
        size = min(max(int(total * 2.2) + 60, 200), 200_000)
        for chunk_seed in self.pool_seeds.spawn(60):
            seed = int(chunk_seed.generate_state(1)[0])
            frame = demo_responses(self.q, respondents=size, seed=seed, key=self.key).copy()
            cell = self._origin_of(frame) if self.form.origin else np.full(len(frame), "", dtype=object)
            if self.by_mode:
                modus = frame[self.form.modus.name].to_numpy(dtype=float)
                mode = np.select([modus == 1, modus == 2, modus == 3], ["web", "capi", "papi"], "")
                cell = cell.astype(object) + "|" + mode.astype(object)
            cell = pd.Series(cell)
            rank = cell.groupby(cell).cumcount().to_numpy()
            deficit = (need - have).reindex(cell.to_numpy()).to_numpy()
            take = np.nan_to_num(deficit, nan=0) > rank
            chosen = frame[take].reset_index(drop=True)
            chosen_cells = cell[take].to_numpy()
            for c in pd.unique(chosen_cells):
                part = chosen[chosen_cells == c]
                got[c].append(part)
                have[c] += len(part)
            if (have >= need).all():
                break
            yield_rate = max(len(chosen) / size, 0.02)
            size = min(max(int((need - have).clip(lower=0).sum() / yield_rate * 1.5) + 60, 200), 200_000)
        else:
            raise RuntimeError("the demo answers never gave enough respondents of every origin group; "
                               "check the nationality questions of the form")
        parts = [pd.concat(got[c], ignore_index=True).iloc[: need[c]] for c in need.index]
        return pd.concat(parts, ignore_index=True).copy()

    # -- 3. metadata, times, texts --------------------------------------------------------------
    def _set_metadata(self) -> None:
        R, f = self.R, self.form
        source = R["_source"].to_numpy()
        if f.modus is not None:
            R[f.modus.name] = np.select([source == "web", source == "capi"], [1.0, 2.0], 3.0)
        if f.interviewer is not None:
            iv = self.units["interviewer"].to_numpy()[R["_unit"].to_numpy()]
            asked = _asked(f.interviewer, R)
            # a form that asks everyone keeps the demo's number outside face-to-face interviews
            elsewhere = R[f.interviewer.name].to_numpy(dtype=float) if f.interviewer.routing is None else np.nan
            R[f.interviewer.name] = np.where(source == "capi", iv, elsewhere)
            R.loc[~asked, f.interviewer.name] = np.nan
        if f.free(f.taal) and f.taal.choices is not None:
            names = f.taal.choices.names
            lookup = {}
            for lang, aliases in T.LANGUAGE_ALIASES.items():
                hit = next((nm for nm in names if nm.lower() in aliases), None)
                if hit is not None:
                    lookup[lang] = hit
            if "nl" in lookup:
                values = R[f.taal.name].astype(object).to_numpy().copy()
                for s in STRATA:
                    sel = R["_stratum"].to_numpy() == s
                    probs = {lang: p for lang, p in T.INTERVIEW_LANGUAGE_BY_GROUP[s].items() if lang in lookup}
                    langs = list(probs)
                    drawn = _pick(self.rng_text, langs, int(sel.sum()), list(probs.values()))
                    values[sel] = pd.Series(drawn, dtype=object).map(lookup).to_numpy()
                R[f.taal.name] = values
        # language of open answers: the interview language if it is one, else by origin group
        lang = np.full(len(R), "", dtype=object)
        if f.taal is not None:
            given = R[f.taal.name].astype(object).fillna("").astype(str).str.lower().to_numpy()
            for code, aliases in T.LANGUAGE_ALIASES.items():
                lang[np.isin(given, aliases)] = code
        by_group = np.empty(len(R), dtype=object)
        for s in STRATA:
            sel = R["_stratum"].to_numpy() == s
            probs = T.LANGUAGE_BY_GROUP[s]
            by_group[sel] = _pick(self.rng_text, list(probs), int(sel.sum()), list(probs.values()))
        keep = (lang != "") & (self.rng_text.random(len(R)) < 0.85)
        R["_lang"] = np.where(keep, lang, by_group)

    def _set_times(self) -> None:
        R, u, rng = self.R, self.units, self.rng_times
        n = len(R)
        unit = R["_unit"].to_numpy()
        d0 = u["d0"].to_numpy()[unit]
        web_day = u["resp_day"].to_numpy()[unit]
        capi_day = (u["capi_first"] + (u["n_capi"] - 1).clip(lower=0) * u["gap"]).to_numpy()[unit]
        source = R["_source"].to_numpy()
        day = np.where(source == "capi", capi_day, web_day)
        date = pd.Series(d0 + pd.to_timedelta(day, unit="D").to_numpy())
        sunday = (date.dt.day_of_week == 6).to_numpy() & (source == "capi")
        date = date - pd.to_timedelta(sunday.astype(int), unit="D")
        web_hours = np.array([2, 3, 4, 5, 5, 5, 4, 4, 4, 5, 6, 7, 9, 11, 11, 9, 5], dtype=float)
        capi_hours = np.array([3, 6, 7, 5, 5, 7, 8, 8, 9, 9, 7, 4], dtype=float)
        hour = np.where(source == "capi",
                        rng.choice(np.arange(9, 21), size=n, p=capi_hours / capi_hours.sum()),
                        rng.choice(np.arange(7, 24), size=n, p=web_hours / web_hours.sum()))
        seconds = hour * 3600 + rng.integers(0, 3600, size=n)
        start = date + pd.to_timedelta(seconds, unit="s")
        gap = start.dt.tz_localize("Europe/Brussels", nonexistent="NaT", ambiguous=True).isna().to_numpy()
        start = start + pd.to_timedelta(gap.astype(int), unit="h")   # no clock times skipped by summer time
        start = start.where(source != "papi", date)
        minutes = np.where(source == "capi",
                           np.clip(rng.lognormal(np.log(50), 0.3, size=n), 20, 150),
                           np.clip(rng.lognormal(np.log(35), 0.35, size=n), 15, 150))
        end = start + pd.to_timedelta(np.round(minutes * 60), unit="s")
        end = end.where(source != "papi")
        if self.form.start is not None:
            R[self.form.start.name] = start.dt.floor("s").to_numpy()
        if self.form.end is not None:
            R[self.form.end.name] = end.dt.floor("s").to_numpy()
        R["_start"] = start.dt.floor("s").to_numpy()
        R["_minutes"] = np.where(source == "papi", np.nan, minutes)

    def _set_texts(self) -> None:
        """Open answers in the respondent's language; other-specify texts fitting their question."""
        R, rng = self.R, self.rng_text
        lang = R["_lang"].to_numpy()
        forbidden = set()
        for v in self.form.country:
            for c in v.choices.choices:
                forbidden |= {lab.strip().lower() for lab in c.labels.values()}
        for v in self.form.questions:
            if v.type != "text" or v.name not in R:
                continue
            bank = T.TEXTS[self.form.text_kind(v)]
            present = R[v.name].notna().to_numpy()
            values = R[v.name].astype(object).to_numpy().copy()
            for code in T.TEXT_LANGUAGES:
                options = [t for t in bank.get(code) or bank["nl"] if t.strip().lower() not in forbidden]
                sel = present & (lang == code)
                if sel.any() and options:
                    values[sel] = _pick(rng, options, int(sel.sum()))
            new = R[v.name].astype(object).copy()
            new[:] = values
            if v.constraint:
                try:
                    ok = _evaluate(v.constraint, R.assign(**{v.name: new}), current=v.name).astype(bool)
                    new = new.where(ok | ~present, R[v.name])
                except ExpressionError:
                    pass
            R[v.name] = new

    def _unstraighten(self) -> None:
        """A clean respondent who by chance gave one answer to a whole grid gets one item moved
        to a neighbouring answer, so that straight-lining only appears where it is planted."""
        R = self.R
        for grid in self.form.grids:
            if any(self.form.direct[g] for g in grid):
                continue
            block = np.column_stack([pd.to_numeric(R[g], errors="coerce").to_numpy(dtype=float) for g in grid])
            answered = (~np.isnan(block)).sum(axis=1)
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                same = (np.nanmin(block, axis=1) == np.nanmax(block, axis=1)) & (answered >= 3)
            if not same.any():
                continue
            names = [c for c in self.form.vars[grid[0]].choices.names if not c.startswith("-")]
            last = (~np.isnan(block))[:, ::-1].argmax(axis=1)
            col = np.asarray(grid)[len(grid) - 1 - last]
            rows = np.flatnonzero(same)
            for item in np.unique(col[rows]):
                sel = rows[col[rows] == item]
                current = R.loc[sel, item].astype(str).str.replace(r"\.0$", "", regex=True)
                idx = current.map(dict(zip(names, range(len(names))))).fillna(0).to_numpy(dtype=np.int64)
                alt = np.asarray(names, dtype=object)[(idx + 1) % len(names)]
                R.loc[sel, item] = alt.astype(float)

    # -- 4. the sample frame ---------------------------------------------------------------------
    def _sample_frame(self) -> pd.DataFrame:
        u, rng, n = self.units, self.rng_frame, self.n
        f = self.form
        sex = rng.choice([1, 2], size=n)
        year = np.clip(np.round(rng.triangular(1941, 1985, 2011, size=n)), 1941, 2011).astype(np.int64)
        main = self.R[self.R["_cat"] != "dup_web"]
        unit = main["_unit"].to_numpy()
        if f.sex is not None:
            answer = main[f.sex.name].to_numpy(dtype=float)
            ok = np.isin(answer, [1.0, 2.0])
            sex[unit[ok]] = answer[ok].astype(np.int64)
        if f.birth is not None:
            answer = main[f.birth.name].to_numpy(dtype=float)
            ok = ~np.isnan(answer)
            year[unit[ok]] = np.clip(answer[ok], 1941, 2011).astype(np.int64)
        stratum = u["stratum"].to_numpy()
        muni = u["muni"].to_numpy()
        table = T.MUNICIPALITIES
        nis = np.array([m[0] for m in table], dtype=object)[muni]
        gemeente = np.array([m[1] for m in table], dtype=object)[muni]
        postcode = np.array([m[2] for m in table], dtype=object)[muni]
        zone = np.array([m[3] for m in table], dtype=object)[muni]
        first = np.empty(n, dtype=object)
        family = np.empty(n, dtype=object)
        for s in STRATA:
            for g in (1, 2):
                sel = (stratum == s) & (sex == g)
                first[sel] = _pick(rng, T.FIRST_NAMES[s][g - 1], int(sel.sum()))
                family[sel] = _pick(rng, T.FAMILY_NAMES[s][g - 1], int(sel.sum()))
        brussels = pd.Series(nis).str.startswith("21").to_numpy()
        street = np.where(brussels, _pick(rng, T.STREETS_BRUSSELS, n), _pick(rng, T.STREETS_FLANDERS, n))
        number = pd.Series(rng.integers(1, 240, size=n)).astype(str)
        suffix = _pick(rng, ["", "", "", "", "", "A", "B", " bus 1", " bus 2", " bus 3", " bus 12"], n)
        huisnummer = (number + pd.Series(suffix)).to_numpy()
        rrn = self._national_numbers(year, sex, rng)
        phone = self._phones(zone, rng)
        email = self._emails(first, family, year, rng)
        frame = pd.DataFrame({
            "sample_id": u["sample_id"].to_numpy(), "nis_code": nis, "gemeente": gemeente,
            "stratum": stratum, "geslacht": sex, "geboortejaar": year, "voornaam": first,
            "familienaam": family, "straat": street, "huisnummer": huisnummer, "postcode": postcode,
            "rijksregisternummer": rrn, "telefoon": phone, "email": email,
        })
        self.pii = frame[["telefoon", "email", "rijksregisternummer", "gemeente"]].copy()
        return frame.sort_values("sample_id", kind="stable").reset_index(drop=True)

    @staticmethod
    def _national_numbers(year: np.ndarray, sex: np.ndarray, rng) -> np.ndarray:
        """YYMMDDSSSCC: birth date, day counter (odd men, even women), mod-97 check digits."""
        n = len(year)
        jan1 = pd.to_datetime(pd.Series(year.astype(str)) + "-01-01")
        length = np.where((year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0)), 366, 365)
        birth = jan1 + pd.to_timedelta(np.floor(rng.random(n) * length).astype(np.int64), unit="D")
        yy, mm, dd = year % 100, birth.dt.month.to_numpy(), birth.dt.day.to_numpy()
        frame = pd.DataFrame({"d": birth.to_numpy(), "s": sex, "r": rng.random(n)})
        rank = frame.sort_values("r").groupby(["d", "s"]).cumcount().reindex(frame.index).to_numpy()
        offset = (yy * 37 + mm * 11 + dd * 3) % 150
        counter = 2 * (offset + rank) + np.where(sex == 1, 1, 2)
        base = yy.astype(np.int64) * 10_000_000 + mm * 100_000 + dd * 1_000 + counter
        check = 97 - (np.where(year >= 2000, 2_000_000_000 + base, base) % 97)
        return (_digits(base, 9) + _digits(check, 2)).to_numpy()

    @staticmethod
    def _phones(zone: np.ndarray, rng) -> np.ndarray:
        n = len(zone)
        prefix = _pick(rng, T.MOBILE_PREFIXES, n)
        d = [_digits(rng.integers(0, 100, size=n), 2).to_numpy() for _ in range(3)]
        p = pd.Series(prefix)
        a, b, c = (pd.Series(x) for x in d)
        style = rng.choice(6, size=n, p=[0.25, 0.2, 0.2, 0.1, 0.05, 0.2])
        forms = [
            "+32 " + p + " " + a + " " + b + " " + c,
            "0" + p + "/" + a + "." + b + "." + c,
            "0" + p + " " + a + " " + b + " " + c,
            "+32" + p + a + b + c,
            "0032 " + p + " " + a + " " + b + " " + c,
        ]
        z = pd.Series(zone)
        local = _digits(rng.integers(0, 10 ** 7, size=n), 7)
        landline = np.where(z.str.len() == 1, "0" + z + " " + local.str[:3] + " " + local.str[3:5] + " " + local.str[5:],
                            "0" + z + " " + local.str[1:3] + " " + local.str[3:5] + " " + local.str[5:])
        out = np.select([style == i for i in range(5)], [f.to_numpy() for f in forms], landline).astype(object)
        out[rng.random(n) < 0.18] = ""
        return out

    @staticmethod
    def _emails(first: np.ndarray, family: np.ndarray, year: np.ndarray, rng) -> np.ndarray:
        def fold(names: np.ndarray) -> pd.Series:
            s = pd.Series(names).str.lower()
            for a, b in (("ł", "l"), ("ı", "i"), ("ø", "o"), ("ß", "ss"), ("'", ""), (" ", ""), ("-", "")):
                s = s.str.replace(a, b, regex=False)
            return s.str.normalize("NFKD").str.encode("ascii", "ignore").str.decode("ascii")
        fi, fa = fold(first), fold(family)
        n = len(first)
        style = rng.choice(4, size=n, p=[0.45, 0.2, 0.2, 0.15])
        yy = _digits(year % 100, 2)
        local = np.select([style == 0, style == 1, style == 2],
                          [(fi + "." + fa).to_numpy(), (fi.str[0] + "." + fa).to_numpy(), (fi + yy).to_numpy()],
                          (fa + fi.str[:1] + _digits(rng.integers(1, 100, size=n), 2)).to_numpy())
        out = (pd.Series(local) + "@" + pd.Series(_pick(rng, T.MAIL_DOMAINS, n))).to_numpy().astype(object)
        out[rng.random(n) < 0.35] = ""
        return out

    # -- 5. planted defects on complete records -------------------------------------------------
    def _frame(self, rows: np.ndarray) -> pd.DataFrame:
        return self.R.loc[rows, self.form.names].reset_index(drop=True)

    def _recalc(self, frame: pd.DataFrame) -> pd.DataFrame:
        for c in self.form.calcs:
            try:
                value = evaluate(c.calculate, frame, today=TODAY)
                if c.routing:
                    value = value.where(_asked(c, frame))
                frame[c.name] = value.to_numpy() if value.dtype != object else value.astype(object).to_numpy()
            except (ExpressionError, ValueError, TypeError):
                pass
        return frame

    def _check(self, before: pd.DataFrame, after: pd.DataFrame, changed: set[str],
               violate: set[str] = frozenset()) -> np.ndarray:
        """True where the change breaks nothing but what it means to break: other questions
        keep their routing and constraints, changed questions are asked where answered and keep
        their constraint (unless in `violate`), the origin group stays."""
        after = self._recalc(after)
        calc_changed = {c.name for c in self.form.calcs
                        if not before[c.name].astype(object).equals(after[c.name].astype(object))}
        touched = set(changed) | calc_changed
        ok = np.ones(len(before), dtype=bool)
        for name in sorted(self.form.affected(touched) | touched):
            v = self.form.vars[name]
            if v.type == "calculate":
                continue
            try:
                if v.routing:
                    a = _evaluate(v.routing, after).astype(bool)
                    if name in changed:
                        if name not in violate:
                            ok &= a | after[name].isna().to_numpy()
                    else:
                        ok &= a == _evaluate(v.routing, before).astype(bool)
                if v.constraint and name not in violate:
                    present = after[name].notna().to_numpy()
                    ok &= _evaluate(v.constraint, after, current=name).astype(bool) | ~present
            except ExpressionError:
                ok[:] = False
        if touched & set(self.form.origin) and "origin" not in violate:
            ok &= self._origin_of(after) == self._origin_of(before)
        return ok

    def _apply(self, rows: np.ndarray, after: pd.DataFrame, ok: np.ndarray, k: int,
               changed: set[str]) -> np.ndarray:
        """Write the first k acceptable changed rows back; they are no longer clean."""
        take = np.flatnonzero(ok)[:k]
        chosen = rows[take]
        cols = sorted(set(changed) | {c.name for c in self.form.calcs})
        for col in cols:
            values = after[col].to_numpy()[take]
            if self.R[col].dtype == object or not pd.api.types.is_numeric_dtype(self.R[col].dtype):
                self.R[col] = self.R[col].astype(object)
            self.R.loc[chosen, col] = values
        self.R.loc[chosen, "_clean"] = False
        return chosen

    def _candidates(self, sources=SOURCES) -> np.ndarray:
        R = self.R
        m = R["_clean"].to_numpy() & R["_source"].isin(sources).to_numpy()
        rows = np.flatnonzero(m)
        rows = rows[self.rng_defects.permutation(len(rows))]
        return rows if self._limit is None else rows[: self._limit]

    def _add_truth(self, defect: str, rows, variable, detail) -> None:
        rows = np.asarray(rows, dtype=np.int64)
        if not len(rows):
            return
        self.truth.append(pd.DataFrame({
            "defect": defect, "_rec": self.R["_rec"].to_numpy()[rows],
            "variable": np.broadcast_to(np.asarray(variable, dtype=object), rows.shape),
            "detail": np.broadcast_to(np.asarray(detail, dtype=object), rows.shape)}))

    def _plant_record_defects(self) -> None:
        total = self.completes
        plans = (
            ("routing_violation", self._routing_violation),
            ("out_of_range", self._out_of_range),
            ("impossible_value", self._impossible_value),
            ("inconsistent_answer", self._inconsistent_answer),
            ("unknown_code", self._unknown_code),
            ("misspelt_place", self._misspelt_place),
            ("pii_in_open_answer", self._pii),
            ("straightliner", self._straightliner),
            ("speeder", self._speeder),
        )
        for defect, plant in plans:
            k = _counts(total, DEFECT_RATES[defect])
            done = plant(k)
            if done < k:
                self.notes[defect].append(f"planted {done} of {k} wanted")

    def _spread(self, k: int, targets: list, plant_one) -> int:
        """Plant k instances spread over targets (variables or variants): each target gets an
        equal share, what one cannot take goes to the next."""
        done = 0
        for i, target in enumerate(targets):   # a random sample of candidates is enough
            want = (k - done) // (len(targets) - i) + (1 if (k - done) % (len(targets) - i) else 0)
            self._limit = 40 * want + 200
            done += plant_one(target, want)
            if done >= k:
                break
        self._limit = None
        if done < k:
            for target in targets:
                done += plant_one(target, k - done)
                if done >= k:
                    break
        return done

    def _routing_violation(self, k: int) -> int:
        f = self.form
        targets = [v for v in f.questions if v.routing and v.type in ("select_one", "integer", "decimal", "text",
                                                                          "select_multiple")
                   and not f.direct[v.name]]
        if not targets:
            self.notes["routing_violation"].append("the form has no routed question nobody else depends on")
            return 0
        targets = [targets[i] for i in self.rng_defects.permutation(len(targets))]

        def one(v: Variable, want: int) -> int:
            rows = self._candidates(("papi", "capi"))
            rows = rows[np.argsort(self.R["_source"].to_numpy()[rows] != "papi", kind="stable")]
            before = self._frame(rows)
            rows, before = rows[~_asked(v, before)], before[~_asked(v, before)].reset_index(drop=True)
            donors = self.R[v.name].dropna()
            if not len(rows) or not len(donors):
                return 0
            after = before.copy()
            after[v.name] = donors.to_numpy()[self.rng_defects.integers(0, len(donors), size=len(rows))]
            ok = self._check(before, after, {v.name}, violate={v.name})
            chosen = self._apply(rows, after, ok, want, {v.name})
            self._add_truth("routing_violation", chosen, v.name,
                            f"answered although not relevant: {v.routing}")
            return len(chosen)
        return self._spread(k, targets, one)

    def _numeric_bounds(self, v: Variable) -> tuple[float | None, float | None]:
        lo = hi = None
        for op, bound in _BOUND.findall(v.constraint or ""):
            if op in (">=", ">"):
                lo = float(bound) + (op == ">") if lo is None else max(lo, float(bound))
            else:
                hi = float(bound) - (op == "<") if hi is None else min(hi, float(bound))
        return lo, hi

    def _out_of_range(self, k: int) -> int:
        f = self.form
        def usable(v):   # an upper bound to exceed, or a year to put in the 19th century
            lo, hi = self._numeric_bounds(v)
            return hi is not None or (lo is not None and lo >= 1800)
        targets = [v for v in f.q if v.type in ("integer", "decimal") and v.name != f.key and usable(v)]
        if not targets:
            self.notes["out_of_range"].append("the form has no numeric question with a range constraint")
            return 0

        def one(v: Variable, want: int) -> int:
            sources = ("capi",) if f.interviewer is not None and v.name == f.interviewer.name else ("capi", "papi")
            rows = self._candidates(sources)
            before = self._frame(rows)
            present = before[v.name].notna().to_numpy() & _asked(v, before)
            rows, before = rows[present], before[present].reset_index(drop=True)
            if not len(rows):
                return 0
            lo, hi = self._numeric_bounds(v)
            old = before[v.name].to_numpy(dtype=float)
            r = self.rng_defects
            if lo is not None and lo >= 1800:       # a year: 1890 and the like
                new = lo - r.integers(25, 70, size=len(rows))
            elif v is f.interviewer and lo is not None and lo >= 10:
                new = np.floor(lo / 10) + r.integers(1, 9, size=len(rows))   # 12 for 120
            elif hi is not None:
                new = np.where(old * 10 > hi, old * 10, hi + 1 + r.integers(0, 20, size=len(rows)))
            else:
                new = lo - 1 - r.integers(0, 20, size=len(rows))
            if v.type == "integer":
                new = np.round(new)
            after = before.copy()
            after[v.name] = new.astype(float)
            ok = self._check(before, after, {v.name}, violate={v.name})
            ok &= ~_evaluate(v.constraint, self._recalc(after.copy()), current=v.name).astype(bool)
            chosen = self._apply(rows, after, ok, want, {v.name})
            values = pd.Series(_num_text(self.R.loc[chosen, v.name].to_numpy(dtype=float)), dtype=object)
            self._add_truth("out_of_range", chosen, v.name, values + f" violates constraint {v.constraint}")
            return len(chosen)
        targets.sort(key=lambda v: (v is not f.birth, v is not f.interviewer))
        return self._spread(k, targets, one)

    def _impossible_value(self, k: int) -> int:
        """A value impossible given another answer: the form's cross-question constraint broken
        (e.g. year of arrival before the year of birth)."""
        f = self.form
        pairs = []
        for v in f.questions:
            if v.type in ("integer", "decimal") and v.constraint:
                for op, other in _BOUND_REF.findall(v.constraint):
                    if other in f.vars:
                        pairs.append((v, op, other))
        if not pairs and f.birth is not None:   # no such rule in the form: a year before birth
            pairs = [(v, ">=", f.birth.name) for v in f.questions
                     if v.type == "integer" and v is not f.birth and "jaar" in v.name.lower()]
        if not pairs:
            self.notes["impossible_value"].append("the form has no question constrained by another answer "
                                                  "(such as a year of arrival after the year of birth)")
            return 0

        def one(pair, want: int) -> int:
            v, op, other = pair
            in_form_rule = bool(v.constraint and "${" + other + "}" in v.constraint)
            rows = self._candidates(("capi", "papi") if in_form_rule else SOURCES)
            before = self._frame(rows)
            present = before[v.name].notna().to_numpy() & before[other].notna().to_numpy() & _asked(v, before)
            rows, before = rows[present], before[present].reset_index(drop=True)
            if not len(rows):
                return 0
            ref = before[other].to_numpy(dtype=float)
            step = self.rng_defects.integers(1, 12, size=len(rows)).astype(float)
            new = ref - step if op in (">=", ">") else ref + step
            lo, hi = self._numeric_bounds(v)
            after = before.copy()
            after[v.name] = new
            ok = self._check(before, after, {v.name}, violate={v.name})
            if lo is not None:
                ok &= new >= lo
            if hi is not None:
                ok &= new <= hi
            chosen = self._apply(rows, after, ok, want, {v.name})
            a = pd.Series(_num_text(self.R.loc[chosen, v.name].to_numpy(dtype=float)), dtype=object)
            b = pd.Series(_num_text(self.R.loc[chosen, other].to_numpy(dtype=float)), dtype=object)
            word = "<" if op in (">=", ">") else ">"
            self._add_truth("impossible_value", chosen, v.name,
                            f"{v.name} " + a + f" {word} {other} " + b + f" (constraint {v.constraint})")
            return len(chosen)
        return self._spread(k, pairs, one)

    def _inconsistent_answer(self, k: int) -> int:
        """Answers that contradict the sample frame: birth year off by more than one, the other
        sex, an origin group (from the nationality answers) other than the stratum."""
        f = self.form
        variants = []
        if f.birth is not None:
            variants.append("birth")
        if f.sex is not None and f.sex.choices is not None and {"1", "2"} <= set(f.sex.choices.names):
            variants.append("sex")
        if f.origin:
            variants.append("origin")
        if not variants:
            self.notes["inconsistent_answer"].append("the form has no birth year, sex or nationality questions")
            return 0
        frame_year = self.sample.set_index("sample_id")["geboortejaar"]
        frame_sex = self.sample.set_index("sample_id")["geslacht"]

        def one(variant: str, want: int) -> int:
            rows = self._candidates()
            before = self._frame(rows)
            r = self.rng_defects
            after = before.copy()
            ids = before[self.key].to_numpy()
            if variant == "birth":
                v = f.birth.name
                present = before[v].notna().to_numpy()
                shift = r.integers(2, 11, size=len(rows)) * np.where(r.random(len(rows)) < 0.5, -1, 1)
                after[v] = before[v].to_numpy(dtype=float) + shift
                changed = {v}
                ok = present & (np.abs(after[v].to_numpy(dtype=float) - frame_year.reindex(ids).to_numpy()) > 1)
            elif variant == "sex":
                v = f.sex.name
                old = before[v].to_numpy(dtype=float)
                present = np.isin(old, [1.0, 2.0])
                after[v] = np.where(old == 1.0, 2.0, 1.0)
                changed = {v}
                ok = present & (after[v].to_numpy(dtype=float) != frame_sex.reindex(ids).to_numpy())
            else:
                v = f.origin[0]
                stratum = self.R.loc[rows, "_stratum"].to_numpy()
                choices = f.vars[v].choices.names
                others = np.array([g for g in STRATA if g != "BE" and g in choices], dtype=object)
                idx = r.integers(0, len(others), size=len(rows))
                new = np.where(others[idx] == stratum, others[(idx + 1) % len(others)], others[idx])
                after[v] = new
                changed = {v}
                ok = np.array(after[v].notna().to_numpy())
            ok &= self._check(before, after, changed, violate={"origin"})
            if variant == "origin":
                ok &= self._origin_of(self._recalc(after.copy())) != self.R.loc[rows, "_stratum"].to_numpy()
            chosen = self._apply(rows, after, ok, want, changed)
            rec = self.R.loc[chosen]
            ids = rec[self.key].to_numpy()
            if variant in ("birth", "sex"):
                register = (frame_year if variant == "birth" else frame_sex).reindex(ids).to_numpy(dtype=float)
                detail = (f"{v} " + pd.Series(_num_text(rec[v].to_numpy(dtype=float)), dtype=object)
                          + "; sample frame " + pd.Series(_num_text(register), dtype=object))
            else:
                detail = ("origin from nationality answers " + pd.Series(self._origin_of(rec), dtype=object)
                          + "; stratum " + pd.Series(rec["_stratum"].to_numpy(), dtype=object))
            self._add_truth("inconsistent_answer", chosen, v, detail)
            return len(chosen)
        return self._spread(k, variants, one)

    def _unknown_code(self, k: int) -> int:
        f = self.form
        targets = [v for v in f.questions if v.type == "select_one" and v.choices is not None]
        if not targets:
            self.notes["unknown_code"].append("the form has no select_one question")
            return 0
        targets.sort(key=lambda v: bool(f.direct[v.name]))
        targets = targets[: max(6, len(targets) // 3)]

        def one(v: Variable, want: int) -> int:
            rows = self._candidates(("capi", "papi"))
            before = self._frame(rows)
            present = before[v.name].notna().to_numpy() & _asked(v, before)
            rows, before = rows[present], before[present].reset_index(drop=True)
            if not len(rows):
                return 0
            r = self.rng_defects
            codes = list(v.choices.codes.values())
            top = max([x for x in codes if x < 90] or codes)   # past the scale, not past 96 'other'
            while any(top + d in codes for d in (1, 2, 3)):
                top += 1
            source = self.R.loc[rows, "_source"].to_numpy()
            after = before.copy()
            if v.choices.numeric:
                after[v.name] = (top + r.integers(1, 4, size=len(rows))).astype(float)
            else:
                numeric = (top + r.integers(1, 4, size=len(rows))).astype(str)
                after[v.name] = np.where(source == "papi", numeric, "XX")
            ok = self._check(before, after, {v.name}, violate={v.name})
            chosen = self._apply(rows, after, ok, want, {v.name})
            values = self.R.loc[chosen, v.name]
            shown = pd.Series(_num_text(values.to_numpy(dtype=float)) if v.choices.numeric
                              else values.astype(str).to_numpy(), dtype=object)
            self._add_truth("unknown_code", chosen, v.name, shown + f" is not a code of list {v.choices.name}")
            return len(chosen)
        return self._spread(k, targets, one)

    def _misspelt_place(self, k: int) -> int:
        """Misspelt country names in other-specify texts (the respondent chose 'other country'
        and typed a country of the list, misspelt); misspelt municipality texts."""
        f = self.form
        targets = []
        countries = {c.name: c for c in f.country}
        for v in f.questions:
            if v.type != "text":
                continue
            if f.text_kind(v) == "country":
                targets.append(("country", v, countries[f.specifies(v)]))
            elif f.text_kind(v) == "place" and not v.routing:
                targets.append(("place", v, None))
        if not targets:
            self.notes["misspelt_place"].append("the form has no other-specify country text or municipality text")
            return 0

        def one(target, want: int) -> int:
            kind, v, select = target
            rows = self._candidates()
            before = self._frame(rows)
            r = self.rng_defects
            after = before.copy()
            if kind == "country":
                # the choice that makes the text relevant ('other')
                trigger = None
                for name in select.choices.names:
                    if name in STRATA:
                        continue
                    probe = before.head(1).copy()
                    probe[select.name] = name
                    if len(probe) and _asked(v, probe)[0]:
                        trigger = name
                        break
                if trigger is None:
                    return 0
                old = before[select.name].astype(object).to_numpy()
                country = np.where(np.isin(old, STRATA), old, self.R.loc[rows, "_stratum"].to_numpy())
                text = np.empty(len(rows), dtype=object)
                for g in STRATA:
                    sel = country == g
                    text[sel] = _pick(r, T.MISSPELLINGS[g], int(sel.sum()))
                after[select.name] = trigger
                after[v.name] = text
                changed = {select.name, v.name}
                ok = self._check(before, after, changed, violate=set())
                detail_of = f"' typed for a country of the list after choosing '{trigger}'"
            else:
                town = self.pii.set_index(self.units["sample_id"]).reindex(before[self.key])["gemeente"]
                lookup = {t: str(r.choice(m)) for t, m in T.PLACE_MISSPELLINGS.items()}   # per town
                after[v.name] = town.map(lookup).to_numpy()
                changed = {v.name}
                ok = after[v.name].notna().to_numpy() & _asked(v, before)
                ok &= self._check(before, after, changed)
                country = town.to_numpy()
                detail_of = "' typed for the municipality"
            chosen = self._apply(rows, after, ok, want, changed)
            typed = pd.Series(self.R.loc[chosen, v.name].astype(str).to_numpy(), dtype=object)
            meant = pd.Series(country[np.flatnonzero(ok)[:want]], dtype=object)
            self._add_truth("misspelt_place", chosen, v.name, "'" + typed + detail_of + " (" + meant + ")")
            return len(chosen)
        return self._spread(k, targets, one)

    def _pii(self, k: int) -> int:
        f = self.form
        texts = [v for v in f.questions if v.type == "text"]
        if not texts:
            self.notes["pii_in_open_answer"].append("the form has no open (text) question")
            return 0
        preferred = [v for v in texts if f.text_kind(v) in ("comment", "job", "other")] or texts
        preferred.sort(key=lambda v: (f.text_kind(v) != "comment", f.text_kind(v) != "job", bool(v.routing)))
        targets = preferred[:3]
        pii = self.pii.set_index(self.units["sample_id"])

        def one(v: Variable, want: int) -> int:
            rows = self._candidates()
            before = self._frame(rows)
            asked = _asked(v, before)
            rows, before = rows[asked], before[asked].reset_index(drop=True)
            if not len(rows):
                return 0
            r = self.rng_defects
            own = pii.reindex(before[self.key])
            lang = self.R.loc[rows, "_lang"].to_numpy()
            tel = own["telefoon"].to_numpy().astype(object)
            no_tel = tel == ""
            tel[no_tel] = ("04" + _digits(r.integers(70, 100, size=int(no_tel.sum())), 2) + " "
                           + _digits(r.integers(0, 1_000_000, size=int(no_tel.sum())), 6)).to_numpy()
            mail = own["email"].to_numpy().astype(object)
            no_mail = mail == ""
            mail[no_mail] = "contact" + _digits(r.integers(0, 1000, size=int(no_mail.sum())), 3).to_numpy() + "@gmail.com"
            rrn = pd.Series(own["rijksregisternummer"].to_numpy())
            rrn = np.where(r.random(len(rows)) < 0.5, rrn,
                           rrn.str[:2] + "." + rrn.str[2:4] + "." + rrn.str[4:6] + "-" + rrn.str[6:9] + "." + rrn.str[9:])
            out = np.empty(len(rows), dtype=object)
            kind = np.empty(len(rows), dtype=object)
            fill = {"tel": pd.Series(tel, dtype=object), "email": pd.Series(mail, dtype=object),
                    "rrn": pd.Series(rrn, dtype=object)}
            for code in T.TEXT_LANGUAGES:
                sel = np.flatnonzero(lang == code)
                templates = T.PII_TEMPLATES.get(code, T.PII_TEMPLATES["nl"])
                pick = r.integers(0, len(templates), size=len(sel))
                for j, template in enumerate(templates):
                    s = sel[pick == j]
                    text = pd.Series("", index=range(len(s)), dtype=object)
                    for piece in re.split(r"(\{\w+\})", template):
                        name = piece[1:-1] if piece.startswith("{") else None
                        text = text + (fill[name].iloc[s].reset_index(drop=True) if name else piece)
                    out[s] = text.to_numpy()
                    kind[s] = "+".join(x for x in ("tel", "email", "rrn") if "{" + x + "}" in template)
            after = before.copy()
            after[v.name] = out
            ok = self._check(before, after, {v.name})
            chosen = self._apply(rows, after, ok, want, {v.name})
            labels = {"tel": "phone number", "email": "e-mail address", "rrn": "national register number",
                      "tel+email": "phone number and e-mail address"}
            self._add_truth("pii_in_open_answer", chosen, v.name,
                            pd.Series(kind[np.flatnonzero(ok)[:want]], dtype=object).map(labels).to_numpy())
            return len(chosen)
        return self._spread(k, targets, one)

    def _straightliner(self, k: int) -> int:
        f = self.form
        if not f.grids:
            self.notes["straightliner"].append("the form has no grid of 4 or more select_one questions "
                                               "sharing one choice list")
            return 0

        def one(grid: list[str], want: int) -> int:
            rows = self._candidates()
            before = self._frame(rows)
            asked = np.all([_asked(f.vars[g], before) for g in grid], axis=0)
            rows, before = rows[asked], before[asked].reset_index(drop=True)
            if not len(rows):
                return 0
            names = [c for c in f.vars[grid[0]].choices.names if not c.startswith("-")]
            value = _pick(self.rng_defects, names, len(rows))
            after = before.copy()
            numeric = f.vars[grid[0]].kind == "numeric"
            for g in grid:
                after[g] = value.astype(float) if numeric else value
            ok = self._check(before, after, set(grid))
            chosen = self._apply(rows, after, ok, want, set(grid))
            self._add_truth("straightliner", chosen, "",
                            f"{len(grid)} questions {' '.join(grid)} all answered "
                            + pd.Series(value[np.flatnonzero(ok)[:want]], dtype=object))
            return len(chosen)
        return self._spread(k, sorted(f.grids, key=len, reverse=True), one)

    def _speeder(self, k: int) -> int:
        if self.form.start is None or self.form.end is None:
            self.notes["speeder"].append("the form records no start and end")
            return 0
        rows = self._candidates(("web", "capi"))[:k]
        minutes = self.rng_defects.uniform(3, 9, size=len(rows))
        start = self.R.loc[rows, self.form.start.name]
        self.R.loc[rows, self.form.end.name] = (start + pd.to_timedelta(np.round(minutes * 60), unit="s")).to_numpy()
        self.R.loc[rows, "_minutes"] = minutes
        self.R.loc[rows, "_clean"] = False
        medians = {s: float(np.median(self.R.loc[self.R["_source"] == s, "_minutes"])) for s in ("web", "capi")}
        median = self.R.loc[rows, "_source"].map(medians).to_numpy(dtype=float)
        self._add_truth("speeder", rows, "",
                        pd.Series(np.char.mod("%.1f", minutes), dtype=object) + " minutes; median of the mode "
                        + pd.Series(np.char.mod("%.1f", median), dtype=object))
        return len(rows)

    # -- 6. web break-offs, test interviews, double submissions ---------------------------------
    def _plant_break_offs(self) -> None:
        R, f = self.R, self.form
        rows = np.flatnonzero(R["_cat"].isin(["breakoff", "dup_web"]).to_numpy())
        questions = [v.name for v in f.questions]
        if not len(rows):
            return
        L = len(questions)
        r = self.rng_defects
        cut = r.integers(max(1, int(0.15 * L)), max(2, int(0.9 * L)), size=len(rows))
        frame = self._frame(rows)
        # a copy made from a CAPI record becomes a web record
        dup = R.loc[rows, "_cat"].to_numpy() == "dup_web"
        if f.modus is not None:
            frame.loc[dup, f.modus.name] = 1.0
        if f.interviewer is not None:
            frame.loc[~_asked(f.interviewer, frame), f.interviewer.name] = np.nan
        names = np.asarray(questions, dtype=object)
        for j, name in enumerate(questions):
            blank = cut <= j
            if blank.any():
                frame[name] = frame[name].astype(object) if frame[name].dtype == object else frame[name]
                frame.loc[blank, name] = np.nan
        if f.end is not None:
            frame[f.end.name] = pd.NaT
        frame = self._recalc(frame)
        for col in frame.columns:
            if col == self.key:
                continue
            if R[col].dtype != frame[col].dtype and not pd.api.types.is_datetime64_any_dtype(R[col].dtype):
                R[col] = R[col].astype(object)
            R.loc[rows, col] = frame[col].to_numpy()
        # web dates of the duplicates: their web phase, not their CAPI visit
        u = self.units.iloc[R.loc[rows, "_unit"].to_numpy()]
        web_date = u["d0"].to_numpy() + pd.to_timedelta(u["resp_day"].to_numpy(), unit="D").to_numpy()
        hours = r.integers(8, 23, size=len(rows)) * 3600 + r.integers(0, 3600, size=len(rows))
        start = pd.Series(web_date) + pd.to_timedelta(hours, unit="s")
        keep = ~dup
        start[keep] = R.loc[rows[keep], "_start"].to_numpy()
        if f.start is not None:
            R.loc[rows, f.start.name] = start.to_numpy()
        R.loc[rows, "_start"] = start.to_numpy()
        answered = cut / L
        R.loc[rows, "_minutes"] = np.maximum(answered * r.lognormal(np.log(35), 0.3, size=len(rows)), 1.0)
        R.loc[rows, "_clean"] = False
        self.cut = pd.Series(np.where(answered >= 0.5, "1.2", "2.12"), index=rows)
        detail = ("no answers from " + pd.Series(names[cut], dtype=object) + " on ("
                  + pd.Series(cut.astype(str), dtype=object) + f" of {L} questions reached); end empty")
        self._add_truth("break_off", rows, names[cut], detail)
        self.dup_rows = rows[dup]

    def _plant_tests(self) -> None:
        f = self.form
        n = _counts(self.completes, DEFECT_RATES["test_interview"])
        seed = int(self.seeds.spawn(1)[0].generate_state(1)[0]) ^ 0x7E57
        frame = demo_responses(self.q, respondents=n, seed=seed, key=self.key).copy()
        r = self.rng_defects
        width = max(3, len(str(n)))
        frame[self.key] = ("TEST" + _digits(np.arange(1, n + 1), width)).to_numpy()
        for v in f.questions:
            if v.type == "text":
                present = frame[v.name].notna().to_numpy() | _asked(v, frame)
                values = frame[v.name].astype(object).copy()
                values[present] = _pick(r, T.TEST_TEXTS, int(present.sum()))
                frame[v.name] = values
        for v in f.q:
            if v.kind == "string" or v.kind == "multi":
                frame[v.name] = frame[v.name].astype(object).where(frame[v.name].notna(), np.nan)
        if f.modus is not None:
            frame[f.modus.name] = 1.0
        if f.interviewer is not None:
            frame.loc[~_asked(f.interviewer, frame), f.interviewer.name] = np.nan
        start = (pd.Timestamp("2026-02-23 09:00") + pd.to_timedelta(r.integers(0, 5, size=n), unit="D")
                 + pd.to_timedelta(r.integers(0, 8 * 3600, size=n), unit="s"))
        minutes = r.uniform(2, 8, size=n)
        if f.start is not None:
            frame[f.start.name] = start.to_numpy()
        if f.end is not None:
            frame[f.end.name] = (start + pd.to_timedelta(np.round(minutes * 60), unit="s")).to_numpy()
        frame = self._recalc(frame)
        extra = pd.DataFrame({"_unit": -1, "_source": "web", "_cat": "test", "_stratum": "", "_lang": "nl",
                              "_start": start.to_numpy(), "_minutes": minutes, "_clean": False,
                              "_rec": len(self.R) + np.arange(n), "_copy_of": -1, "_submitted": pd.NaT,
                              "_uuid": "", "_row": 0})
        frame = pd.concat([frame.reset_index(drop=True), extra], axis=1)
        self.R = pd.concat([self.R, frame[self.R.columns]], ignore_index=True)
        rows = np.arange(len(self.R) - n, len(self.R))
        self._add_truth("test_interview", rows, "", "interview by a tester before the launch; not in the sample")

    def _plant_double_submissions(self) -> None:
        k = _counts(self.completes, DEFECT_RATES["double_submission"])
        rows = self._candidates(("web",))[:k]
        copy = self.R.loc[rows].copy()
        copy["_clean"] = False
        copy["_cat"] = "double"
        copy["_copy_of"] = self.R.loc[rows, "_rec"].to_numpy()
        copy["_rec"] = len(self.R) + np.arange(len(rows))
        self.R = pd.concat([self.R, copy], ignore_index=True)
        new = np.arange(len(self.R) - len(rows), len(self.R))
        self._add_truth("double_submission", new, "", "")   # detail filled in when rows are known
        self.double_rows = new

    def _finalise_web_break_offs(self) -> None:
        """Outcome in the contact log of each break-off unit: partial (1.2) or break-off (2.12)."""
        outcome = self.cut
        units = self.R.loc[outcome.index, "_unit"].to_numpy()
        web_last = self.units["web_last"].to_numpy().copy()
        web_last[units] = outcome.to_numpy()
        self.units["web_last"] = web_last

    # -- 7. contact log --------------------------------------------------------------------------
    def _contacts(self) -> pd.DataFrame:
        u = self.units
        n_web = u["n_web"].to_numpy()
        n_capi = u["n_capi"].to_numpy()
        k = n_web + n_capi
        unit = np.repeat(np.arange(len(u)), k)
        a = np.arange(len(unit)) - np.repeat(np.cumsum(k) - k, k)
        nw, web_last, capi_last = n_web[unit], u["web_last"].to_numpy()[unit], u["capi_last"].to_numpy()[unit]
        cat = u["cat"].to_numpy()[unit]
        d0 = u["d0"].to_numpy()[unit]
        is_web = a < nw
        last_web = is_web & (a == nw - 1) & (web_last != "")
        online = np.isin(cat, ["web", "breakoff", "dup", "refusal", "ineligible"])
        modus = np.where(is_web, np.where(last_web & online, "web", np.where(a == 2, "papi", "web")), "capi")
        modus = np.where(last_web & (cat == "papi"), "papi", modus)
        outcome = np.where(is_web, np.where(last_web, web_last, "3.19"), "2.20").astype(object)
        j = a - nw
        last_capi = ~is_web & (j == n_capi[unit] - 1)
        outcome[last_capi] = capi_last[last_capi]
        day = np.where(is_web, np.where(last_web, u["resp_day"].to_numpy()[unit], 14 * a),
                       u["capi_first"].to_numpy()[unit] + j * u["gap"].to_numpy()[unit])
        date = pd.Series(d0 + pd.to_timedelta(day, unit="D").to_numpy())
        sunday = (date.dt.day_of_week == 6).to_numpy() & ~is_web
        date = date - pd.to_timedelta(sunday.astype(int), unit="D")
        # the interview's own date for units with an interview
        main = self.R[self.R["_cat"].isin(["web", "capi", "papi", "dup", "breakoff", "dup_web"])]
        when = pd.Series(pd.to_datetime(main["_start"]).dt.normalize().to_numpy(),
                         index=main["_unit"].to_numpy() * 2 + (main["_source"] == "web").to_numpy())
        interview_web = last_web & np.isin(cat, ["web", "breakoff", "dup", "papi"])
        interview_capi = last_capi & np.isin(cat, ["capi", "dup"])
        key_web = unit * 2 + (cat != "papi")
        date[interview_web] = when.reindex(key_web[interview_web]).to_numpy()
        date[interview_capi] = when.reindex(unit[interview_capi] * 2).to_numpy()
        interviewer = np.where(is_web, "", _num_text(u["interviewer"].to_numpy()[unit]))
        log = pd.DataFrame({
            "sample_id": u["sample_id"].to_numpy()[unit], "poging": a + 1,
            "datum": date.dt.strftime("%d/%m/%Y").to_numpy(), "modus": modus,
            "interviewer_id": interviewer, "uitkomst": outcome,
        })
        return log.sort_values(["sample_id", "poging"], kind="stable").reset_index(drop=True)

    # -- 8. order, rows, rendering ----------------------------------------------------------------
    def _order(self) -> None:
        R, r = self.R, self.rng_export
        n = len(R)
        end = R[self.form.end.name] if self.form.end is not None else pd.Series(pd.NaT, index=R.index)
        finished = pd.to_datetime(R["_start"]) + pd.to_timedelta(np.round(R["_minutes"].fillna(30) * 60), unit="s")
        finished = pd.to_datetime(end).fillna(finished)
        submitted = _to_utc(finished) + pd.to_timedelta(r.integers(2, 300, size=n), unit="s")
        copies = R["_copy_of"].to_numpy() >= 0
        if copies.any():
            original = pd.Series(submitted.to_numpy(), index=R["_rec"].to_numpy())
            later = original.reindex(R.loc[copies, "_copy_of"].to_numpy()).to_numpy()
            delay = pd.to_timedelta(r.integers(120, 3 * 86400, size=int(copies.sum())), unit="s")
            submitted[copies] = later + delay.to_numpy()
        R = R.copy()
        R["_submitted"] = submitted.dt.floor("s").to_numpy()
        R["_uuid"] = _uuids(r, n)
        R["_row"] = 0
        for source, sort in (("web", ["_submitted", "_rec"]), ("capi", ["_start", "_rec"]), ("papi", [self.key, "_rec"])):
            sel = R.index[R["_source"] == source]
            ordered = R.loc[sel].sort_values(sort, kind="stable").index
            R.loc[ordered, "_row"] = np.arange(1, len(ordered) + 1)
        order = np.lexsort((R["_row"].to_numpy(), pd.Categorical(R["_source"], categories=SOURCES).codes))
        self.R = R.iloc[order].reset_index(drop=True)

    def _render_web(self) -> pd.DataFrame:
        f, R = self.form, self.R[self.R["_source"] == "web"].reset_index(drop=True)
        cols: dict[str, np.ndarray] = {}
        for v in f.q:
            path = "/".join((*v.group, v.name))
            s = R[v.name]
            if v.type in ("start", "end", "datetime"):
                cols[path] = _brussels_iso(s)
            elif v.type in ("date", "today"):
                cols[path] = _text(pd.to_datetime(s).dt.strftime("%Y-%m-%d"))
            elif v.kind == "multi":
                cols[path] = _text(s)
                answered = s.notna().to_numpy()
                for option in v.choices.names:
                    flag = np.where(_tokens_contain(s, option), "1", "0").astype(object)
                    flag[~answered] = ""
                    cols[f"{path}/{option}"] = flag
            elif v.kind == "numeric":
                cols[path] = _num_text(pd.to_numeric(s, errors="coerce"))
            else:
                cols[path] = _text(s)
        n = len(R)
        uuid = R["_uuid"].to_numpy().astype(object)
        cols["meta/instanceID"] = ("uuid:" + pd.Series(uuid, dtype=object)).to_numpy()
        base = 480_000_000 + int(self.rng_export.integers(0, 1_000_000))
        cols["_id"] = (base + np.cumsum(self.rng_export.integers(1, 40, size=n))).astype(str).astype(object)
        cols["_uuid"] = uuid
        cols["_submission_time"] = _text(pd.to_datetime(R["_submitted"]).dt.strftime("%Y-%m-%dT%H:%M:%S"))
        cols["_validation_status"] = np.full(n, "", dtype=object)
        cols["_notes"] = np.full(n, "", dtype=object)
        cols["_status"] = np.full(n, "submitted_via_web", dtype=object)
        cols["_submitted_by"] = np.full(n, "", dtype=object)
        cols["__version__"] = np.full(n, "vSiD2026aLq7KxPb3Tm", dtype=object)
        cols["_tags"] = np.full(n, "", dtype=object)
        cols["_index"] = np.arange(1, n + 1).astype(str).astype(object)
        return pd.DataFrame(cols)

    def _render_capi(self) -> tuple[pd.DataFrame, CapiMeta]:
        from pipeline.delivery.spss import MAX_VARIABLE_LABEL_BYTES, MAX_VALUE_LABEL_BYTES, clip_bytes

        f, R = self.form, self.R[self.R["_source"] == "capi"].reset_index(drop=True)
        lang = self._dutch()
        cols, labels, values, measures, formats = {}, {}, {}, {}, {}
        for v in f.q:
            s = R[v.name]
            label = clip_bytes(v.label(lang) or v.name, MAX_VARIABLE_LABEL_BYTES)
            if v.kind == "multi":
                answered = s.notna().to_numpy()
                for option in v.choices.choices:
                    name = f"{v.name}_{_sanitise_option(option.name)}"
                    flag = _tokens_contain(s, option.name).astype(float)
                    flag[~answered] = np.nan
                    cols[name] = flag
                    labels[name] = clip_bytes(f"{v.label(lang)}: {option.label(lang)}", MAX_VARIABLE_LABEL_BYTES)
                    measures[name], formats[name] = "nominal", "F1.0"
                continue
            labels[v.name] = label
            if v.kind == "datetime":
                cols[v.name] = pd.to_datetime(s).astype("datetime64[ns]")
                measures[v.name] = "scale"
                formats[v.name] = "DATETIME20" if v.type in ("start", "end", "datetime") else "DATE11"
            elif v.kind == "numeric":
                cols[v.name] = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float)
                measures[v.name] = v.measure if v.type == "select_one" else "scale"
                if v.type == "select_one" and v.choices is not None:
                    values[v.name] = {float(c.name): clip_bytes(c.label(lang), MAX_VALUE_LABEL_BYTES)
                                      for c in v.choices.choices}
                    measures[v.name] = v.measure
                whole = np.nan_to_num(cols[v.name]) == np.trunc(np.nan_to_num(cols[v.name]))
                formats[v.name] = "F8.0" if whole.all() and v.type != "decimal" else "F8.2"
            else:
                cols[v.name] = _text(s)
                measures[v.name] = "nominal"
        frame = pd.DataFrame(cols)
        meta = CapiMeta(MappingProxyType(labels), MappingProxyType(values),
                        MappingProxyType(measures), MappingProxyType(formats))
        return frame, meta

    def _render_papi(self) -> pd.DataFrame:
        f, R = self.form, self.R[self.R["_source"] == "papi"].reset_index(drop=True)
        cols: dict[str, np.ndarray] = {}
        for v in f.q:
            s = R[v.name]
            if v is f.end or v.type == "calculate":
                continue
            if v.name == self.key:
                cols["Steekproefnr"] = _text(s)
                continue
            if v is f.start:
                cols["Datum invulling"] = _text(pd.to_datetime(s).dt.strftime("%d/%m/%Y"))
                continue
            header = v.name.upper()
            if v.kind == "datetime":
                cols[header] = _text(pd.to_datetime(s).dt.strftime("%d/%m/%Y"))
            elif v.type in ("select_one", "select_multiple") and v.choices is not None:
                codes = {name: str(code) for name, code in v.choices.codes.items()}
                text = pd.Series(_num_text(pd.to_numeric(s, errors="coerce")) if v.kind == "numeric"
                                 else _text(s), dtype=object)
                if v.kind == "multi":
                    uniq = pd.unique(text)
                    mapped = {t: " ".join(codes.get(tok, tok) for tok in t.split()) for t in uniq}
                    coded = text.map(mapped)
                else:
                    coded = text.map(codes).fillna(text)
                out = coded.to_numpy().astype(object)
                single = pd.Series(out).str.fullmatch(r"-?\d+").fillna(False).to_numpy()
                out[single] = pd.Series(out[single]).astype(np.int64).to_numpy()
                out[out == ""] = None
                cols[header] = out
            elif v.kind == "numeric":
                x = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float)
                out = np.full(len(x), None, dtype=object)
                whole = ~np.isnan(x) & (x == np.trunc(x))
                out[whole] = x[whole].astype(np.int64)
                frac = ~np.isnan(x) & ~whole
                out[frac] = x[frac]
                cols[header] = out
            else:
                out = _text(s)
                out[out == ""] = None
                cols[header] = out
        return pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in cols.items()})

    def _dutch(self) -> str:
        try:
            return self.q.language("nl")
        except Exception:
            return self.q.default_language

    def _truth(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        R = self.R
        truth = pd.concat(self.truth, ignore_index=True) if self.truth else \
            pd.DataFrame(columns=["defect", "_rec", "variable", "detail"])
        where = R.set_index("_rec")
        truth["sample_id"] = where[self.key].reindex(truth["_rec"]).astype(str).to_numpy()
        truth["source"] = where["_source"].reindex(truth["_rec"]).to_numpy()
        truth["row"] = where["_row"].reindex(truth["_rec"]).to_numpy().astype(np.int64)
        # details that need final row numbers
        copies = truth["defect"] == "double_submission"
        original = where["_copy_of"].reindex(truth.loc[copies, "_rec"]).to_numpy()
        truth.loc[copies, "detail"] = ("same interview as web row "
                                       + where["_row"].reindex(original).astype(str).to_numpy()
                                       + ", submitted again with a new _uuid and instanceID")
        dup = truth["defect"] == "break_off"
        dup_recs = set(where.loc[where["_cat"] == "dup_web"].index)
        capi_row = R[R["_cat"] == "dup"].set_index(self.key)["_row"]
        is_dup = dup & truth["_rec"].isin(dup_recs)
        extra = truth[is_dup].copy()
        extra["defect"] = "duplicate_cross_mode"
        extra["variable"] = ""
        extra["detail"] = ("web break-off; the same person completed face to face: capi row "
                           + capi_row.reindex(extra["sample_id"]).astype(str).to_numpy())
        truth = pd.concat([truth, extra], ignore_index=True)
        truth["defect"] = pd.Categorical(truth["defect"], categories=DEFECTS)
        truth["source"] = pd.Categorical(truth["source"], categories=SOURCES)
        truth = truth.sort_values(["defect", "source", "row", "variable"], kind="stable")
        truth["defect"] = truth["defect"].astype(str)
        truth["source"] = truth["source"].astype(str)
        truth["variable"] = truth["variable"].fillna("").astype(str)
        truth = truth[list(TRUTH_COLUMNS)].reset_index(drop=True)
        counts = truth["defect"].value_counts()
        summary = pd.DataFrame({
            "defect": list(DEFECTS),
            "instances": [int(counts.get(d, 0)) for d in DEFECTS],
            "note": ["; ".join(self.notes[d]) for d in DEFECTS],
        })
        return truth, summary


# ---------------------------------------------------------------------------------------------
# Writing the files
# ---------------------------------------------------------------------------------------------

def write_fieldwork(fieldwork: Fieldwork, raw_dir: Path) -> list[Path]:
    """Write the seven files into raw_dir, each atomically; return their paths."""
    raw_dir = Path(raw_dir)
    raw_dir.mkdir(parents=True, exist_ok=True)
    paths = []

    def csv(frame: pd.DataFrame, name: str, **options) -> None:
        target = raw_dir / name
        with atomic_path(target) as tmp:
            frame.to_csv(tmp, index=False, **options)
        paths.append(target)

    csv(fieldwork.sample, FILES["sample"], encoding="utf-8-sig", lineterminator="\n")
    csv(fieldwork.contacts, FILES["contacts"], encoding="cp1252", sep=";", lineterminator="\r\n")
    csv(fieldwork.web, FILES["web"], encoding="utf-8-sig", lineterminator="\n")
    paths.append(_write_sav(fieldwork.capi, fieldwork.capi_meta, raw_dir / FILES["capi"]))
    paths.append(_write_xlsx(fieldwork.papi, raw_dir / FILES["papi"]))
    csv(fieldwork.truth, FILES["truth"], encoding="utf-8", lineterminator="\n")
    csv(fieldwork.summary, FILES["summary"], encoding="utf-8", lineterminator="\n")
    return paths


def _write_sav(frame: pd.DataFrame, meta: CapiMeta, target: Path) -> Path:
    import pyreadstat

    with atomic_path(target) as tmp:
        pyreadstat.write_sav(
            frame, str(tmp), file_label="SID 2026 CAPI tablets",
            column_labels=dict(meta.column_labels),
            variable_value_labels={k: dict(v) for k, v in meta.value_labels.items()},
            variable_measure=dict(meta.measures), variable_format=dict(meta.formats),
        )
        # the header's creation date and time (bytes 92-108): fixed, for identical files
        with open(tmp, "r+b") as fh:
            fh.seek(92)
            fh.write(TODAY.strftime("%d %b %y").encode("ascii") + b"09:00:00")
    return target


def _column_letters(n: int) -> list[str]:
    letters = []
    for i in range(1, n + 1):
        name = ""
        while i:
            i, rem = divmod(i - 1, 26)
            name = chr(65 + rem) + name
        letters.append(name)
    return letters


def _sheet_xml(frame: pd.DataFrame) -> bytes:
    """The worksheet part, built column-wise: numbers as numbers, text as inline strings,
    empty cells left out."""
    n = len(frame)
    rownum = pd.Series(np.arange(2, n + 2).astype(str), dtype=object)
    body = pd.Series("", index=range(n), dtype=object)

    def escape(text: pd.Series) -> pd.Series:
        return text.str.replace("&", "&amp;", regex=False).str.replace("<", "&lt;", regex=False) \
            .str.replace(">", "&gt;", regex=False)

    letters = _column_letters(len(frame.columns))
    header = "".join(f'<c r="{a}1" t="inlineStr"><is><t>{escape(pd.Series([str(h)])).iloc[0]}</t></is></c>'
                     for a, h in zip(letters, frame.columns))
    for letter, col in zip(letters, frame.columns):
        s = pd.Series(frame[col].to_numpy(dtype=object), dtype=object)
        present = s.notna() & (s != "")
        number = present & s.map(type).isin([int, float, np.int64, np.float64])
        text = s.where(present, "").astype(str)
        ref = '<c r="' + letter + rownum
        cell = np.where(number, ref + '"><v>' + text + "</v></c>",
                        ref + '" t="inlineStr"><is><t xml:space="preserve">' + escape(text) + "</t></is></c>")
        body = body + np.where(present, cell, "")
    rows = '<row r="' + rownum + '">' + body + "</row>"
    xml = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           f'<dimension ref="A1:{letters[-1] if letters else "A"}{n + 1}"/><sheetData>'
           f'<row r="1">{header}</row>' + "".join(rows.tolist()) + "</sheetData></worksheet>")
    return xml.encode("utf-8")


def _write_xlsx(frame: pd.DataFrame, target: Path) -> Path:
    """The keyed-in paper questionnaires as an Excel workbook: openpyxl makes the workbook,
    the sheet's cells are written column-wise (fast for many rows); fixed timestamps inside so
    that the same data give the same bytes."""
    import datetime as dt

    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    wb.properties.creator = "invoer PAPI"
    wb.properties.created = dt.datetime(2026, 7, 1, 9, 0, 0)
    wb.create_sheet("invoer")
    buffer = io.BytesIO()
    wb.save(buffer)
    stamp = "2026-07-01T09:00:00Z"
    with atomic_path(target) as tmp:
        with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as src, \
                zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as out:
            for item in src.infolist():
                data = src.read(item.filename)
                if item.filename == "docProps/core.xml":
                    data = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)",
                                  lambda m: m.group(1) + stamp.encode() + m.group(3), data)
                if item.filename == "xl/worksheets/sheet1.xml":
                    data = _sheet_xml(frame)
                info = zipfile.ZipInfo(item.filename, date_time=_ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o600 << 16
                out.writestr(info, data)
    return target
