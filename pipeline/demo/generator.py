"""Realistic demo fieldwork for `sid demo`: a sample frame, a contact log and the three raw
interview exports (web, face-to-face, paper) of the survey, with known planted defects.

The answers come from ``pipeline.demo.answers.demo_responses`` (clean, complete interviews that respect
the form). This package adds the fieldwork around them — who was sampled, contacted, interviewed
how and when, by whom — and plants a known set of defects, listed in a ground-truth file, so that
ingest, validation and cleaning can be tested against what is really wrong. Same questionnaire,
size and seed → byte-identical files. Everything is vectorised over respondents.

This module is the entry point (``demo_fieldwork``, ``write_fieldwork``). Each part is made by
its own module, a function of one shared ``state.Build``, in this order:
    sample.py           the sampled units and what became of them; the sample frame
    interviews.py       the interview records: demo answers, mode, interviewer, times, texts
    defects_records.py  defects in the answers and times of complete interviews
    defects.py          defect kinds and rates, the planting machinery; web break-offs, test
                        interviews, double submissions
    contacts.py         the contact log
    exports.py          the web, face-to-face and paper exports; writing the seven files
    chains.py           chain violations (a routed question and its follow-ups answered
                        under a parent that does not ask it), and the follow-ups of invalid answers
    truth.py            the ground truth of the planted defects
    form.py             the form's roles (key, mode, nationalities, grids ...) and small helpers

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
``web_kobo.csv`` — KoboToolbox CSV export of the web interviews (modus 1), with the export
    dialog's defaults as formpack writes them: UTF-8 without BOM, ``;``, every field quoted, CRLF.
    Columns in form order by their XML names, group names not included;
    select_multiple as the space-separated column ``q`` followed by one 0/1 column per option
    ``q/option`` (empty when the question was not answered); start/end as
    ``2026-03-02T10:00:00.000+01:00`` (Brussels time); choices by their XML name; then Kobo's
    ``_id``, ``_uuid``, ``_submission_time`` (UTC,
    ``2026-03-02T09:31:12``), ``_validation_status``, ``_notes``, ``_status``, ``_submitted_by``,
    ``__version__``, ``_tags``, ``_index`` (1-based, = the row number). Rows in submission order.
``capi_tablet.sav`` — face-to-face interviews (modus 2) from the tablets, SPSS. Bare variable
    names in form order; numeric select_one as numbers with Dutch value labels; non-numeric
    select_one as strings (choice names); numeric questions declare -9 to -1 user-missing (the
    SID missing codes); select_multiple only as 0/1 indicators ``q_option``
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
    applicable), detail, cleaning (what cleaning must do with that cell: ``-4`` for an invalid
    answer, ``-3`` for an answer that was not asked, ``cleared`` for a text that was not asked;
    empty where cleaning leaves the cell: the record is excluded or merged, or only reported).
    One row per planted instance (a chain violation: one row per cell of the chain).
``web_kobo_<repeat>.csv`` (a form with a household roster, as the bundled one) — the repeat's sheet
    of Kobo's XLSX export in web_kobo.csv's dialect; the roster is also written wide into the .sav
    and the paper sheet (``<question>_<k>``). Layouts and the roster defects (roster_orphan,
    roster_count_mismatch, roster_child_older, listed after the other kinds): pipeline.demo.roster.
``demo_truth_summary.csv`` — per defect kind: defect, instances, note (why a kind was skipped or
    reduced, for a form that lacks what it needs).

Planted defects (each ~1-3 % of the completes, at least 3 where the size allows; a record has at
most one, except that a cross-mode duplicate's web record is also a break-off). Web (Kobo)
enforces routing and constraints, so those defects sit in the face-to-face and paper files.
    duplicate_cross_mode  a web break-off whose sample_id also has a complete CAPI interview
    double_submission     a web record repeated with identical answers, a new _uuid and a
                          later _submission_time (the later one is the defect)
    test_interview        web records with key TEST001…, not in the sample frame, before the launch,
                          junk texts ("test", "asdf")
    break_off             web record with every question from some point on empty and end empty
    routing_violation     a question answered while its relevant (with its groups') is false
                          (a question nothing else depends on)
    chain_violation       a routed question answered although its parent's answer does not ask it,
                          with its follow-ups answered as if it had been (werkstatus 3, yet
                          leidinggevend 1 and n_ondergeschikten 3454; contract 96 and a
                          contract_anders text): one row per cell, with its level; planted last with
                          a stream of its own (chains.py). Also listed under this kind: the
                          answered follow-ups of an out_of_range, impossible_value or unknown_code
                          answer, which cleaning makes -4 (aantal_kinderen 30 → kinderen_thuis).
                          Cleaning makes each cell -3, or clears a text (docs/routing.md).
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
    coding_variant        a deelgemeente ("Borgerhout"), a postcode ("2140") or a pre-merger name
                          ("Kortessem") typed for the municipality; an occupation's synonym
                          ("loodgieter") typed for the job (tables.PLACE_VARIANTS, JOB_SYNONYMS)
Clean records (no truth row) keep the demo's answers: they respect routing, constraints, codes
and the sample frame, and no clean respondent straight-lines a grid by chance.
"""

from __future__ import annotations

from pipeline.demo.chains import plant_chain_violations
from pipeline.demo.contacts import OUTCOMES, contact_log
from pipeline.demo.defects import DEFECT_RATES, DEFECTS, plant_break_offs, plant_double_submissions, plant_tests
from pipeline.demo.defects_records import plant_coding_variants, plant_record_defects
from pipeline.demo.exports import (
    FILES,
    CapiMeta,
    Fieldwork,
    number_rows,
    render_capi,
    render_papi,
    render_web,
    write_fieldwork,
)
from pipeline.demo.form import STRATA
from pipeline.demo.interviews import make_records
from pipeline.demo.roster import ROSTER_DEFECTS, make_roster, roster_form
from pipeline.demo.roster_layouts import render_web_roster, roster_file, wide, with_capi_meta
from pipeline.demo.sample import make_sample_frame, plan_units
from pipeline.demo.state import SOURCES, Build
from pipeline.demo.truth import TRUTH_COLUMNS, ground_truth, with_roster_truth
from pipeline.errors import ErrorCode, SidError
from pipeline.survey.questionnaire import Questionnaire

__all__ = ["DEFECTS", "DEFECT_RATES", "ROSTER_DEFECTS", "FILES", "OUTCOMES", "SOURCES", "STRATA", "TRUTH_COLUMNS", "CapiMeta",
           "Fieldwork", "demo_fieldwork", "write_fieldwork"]


def demo_fieldwork(questionnaire: Questionnaire, *, sampled: int = 12000, seed: int = 2026,
                   key: str = "sample_id") -> Fieldwork:
    """Simulate the fieldwork of `sampled` sampled persons (six origin strata of equal size):
    ~37.5 % complete an interview (55 % web, 40 % face-to-face, 5 % paper), with planted defects.
    Pure: the same arguments give the same frames."""
    if sampled < 60:
        raise SidError(ErrorCode.USAGE, f"--size {sampled}: the demo needs at least 60 sample units (10 per "
                       "origin group)", fix="Use e.g. --size 12000.")
    b = Build(questionnaire, sampled, seed, key)
    plan_units(b)
    make_records(b)
    make_sample_frame(b)
    plant_record_defects(b)
    plant_break_offs(b)
    plant_tests(b)
    plant_double_submissions(b)
    plant_coding_variants(b)
    plant_chain_violations(b)
    contacts = contact_log(b)
    number_rows(b)
    web, (capi, capi_meta), papi = render_web(b), render_capi(b), render_papi(b)
    truth, summary = ground_truth(b)
    rosters, members = {}, None
    rf = roster_form(questionnaire)
    if rf is not None:
        members, roster_truth = make_roster(b, rf)
        sheet, orphans = render_web_roster(b, rf, members, web)
        rosters[roster_file(rf)] = sheet
        capi, extra = wide(b, rf, members, capi, "capi", paper=False)
        capi_meta = with_capi_meta(capi_meta, extra)
        papi, _ = wide(b, rf, members, papi, "papi", paper=True)
        truth, summary = with_roster_truth(b, truth, summary, roster_truth, orphans)
    records = b.R.drop(columns=[c for c in b.R.columns if c.startswith("_")
                                and c not in ("_source", "_row")]).reset_index(drop=True)
    return Fieldwork(sample=b.sample, contacts=contacts, web=web, capi=capi, papi=papi,
                     truth=truth, summary=summary, records=records, capi_meta=capi_meta,
                     key=key, seed=seed, rosters=rosters, members=members)
