"""`sid report fieldwork`: the sample frame and the contact log (each read once) into AAPOR
dispositions and rates, progress against the targets, interviewer checks and the HTML report.
The weights read the same sample frame and dispositions (`sample_and_dispositions`)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from pipeline import workdir
from pipeline.errors import ErrorCode, SidError
from pipeline.fieldwork.dispositions import Eligibility, final_dispositions, parse_contacts, rates_on_both
from pipeline.fieldwork.monitor import interviewer_checks, phases, progress, progress_over_time
from pipeline.fieldwork.report import (
    NO_INTERVIEWS_NOTE,
    ReportData,
    eligibility_text,
    interim_note,
    outside_sample_note,
    render_html,
)
from pipeline.files import write_text_atomic
from pipeline.ingest.keys import normalise_keys
from pipeline.ingest.sources import read_table
from pipeline.privacy import scrub_table
from pipeline.survey.project import FieldworkSettings, Project
from pipeline.survey.questionnaire import Questionnaire
from pipeline.tables import headers_in, write_report


@dataclass(frozen=True)
class FieldworkReport:
    internal: Path  # work/fieldwork_report.html
    delivered: Path | None  # cleaned/fieldwork_report.html (sid run)
    as_of: str
    progress: pd.DataFrame
    rates: pd.DataFrame
    interviewers: int
    flagged: int
    backcheck: int
    seed: int


def read_sample(project: Project) -> pd.DataFrame:
    """The sample frame without its direct identifiers, its key renamed to `sample_id`."""
    if project.sample is None:
        raise SidError(ErrorCode.CONFIG_INVALID, "fieldwork reports and weights need the sample frame",
                       file=project.file, fix="Add a [sample] section to sid.toml.")
    sample = read_table(project.sample.source).frame
    if project.sample.key not in sample.columns:
        raise SidError(ErrorCode.SOURCE_COLUMNS, f"sample key column {project.sample.key!r} is missing",
                       file=project.sample.source.path, row=1, fix="Check sample.key in sid.toml.")
    sample = sample.drop(columns=[c for c in project.sample.identifiers if c in sample.columns])
    sample[project.sample.key] = normalise_keys(sample[project.sample.key], project.ingest.key_case)  # as ingest reads them
    return sample.rename(columns={project.sample.key: "sample_id"})


def read_contacts(project: Project, until: pd.Timestamp | None = None) -> pd.DataFrame | None:
    """The contact log (as it was on `until`), one row per attempt; None without [contacts]."""
    if project.contacts is None:
        return None
    contacts = parse_contacts(read_table(project.contacts).frame, file=project.contacts.path, until=until,
                              dayfirst=project.contacts.dayfirst)
    if "sample_id" in contacts.columns:  # the keys by the rule ingest reads them with
        contacts["sample_id"] = normalise_keys(contacts["sample_id"], project.ingest.key_case)
    return contacts


def sample_and_dispositions(project: Project, until: pd.Timestamp | None = None
                            ) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The sample frame and each unit's final disposition (None without a contact log)."""
    sample, _, dispositions = _fieldwork_inputs(project, until)
    return sample, dispositions


# The weights and the fieldwork report of one `sid run` read the same sample frame and contact log:
# parsed once per process, and again when a file's content or its settings change.
_INPUTS: dict[tuple, tuple] = {}


def _fieldwork_inputs(project: Project, until: pd.Timestamp | None
                      ) -> tuple[pd.DataFrame, pd.DataFrame | None, pd.DataFrame | None]:
    """The sample frame, the contact log (as it was on `until`) and the final dispositions, each a
    copy of what this process parsed from the same file contents with the same settings."""
    files = [s.path for s in (project.sample.source if project.sample else None, project.contacts) if s is not None]
    key = (repr(project.sample), repr(project.contacts), project.ingest.key_case, repr(until),
           tuple((str(f), hashlib.blake2b(f.read_bytes(), digest_size=16).hexdigest() if f.is_file() else None)
                 for f in files))
    if key not in _INPUTS:
        sample, log = read_sample(project), read_contacts(project, until)
        _INPUTS.clear()  # the last inputs only
        _INPUTS[key] = (sample, log, final_dispositions(log, sample) if log is not None else None)
    return tuple(None if frame is None else frame.copy(deep=True) for frame in _INPUTS[key])


def contacts_outside_sample(log: pd.DataFrame, sample: pd.DataFrame) -> pd.DataFrame:
    """Sample units of the contact log that the sample frame does not have (a typo in a sample id,
    a unit from another survey): left out of the dispositions, so listed (work/ only)."""
    outside = log.loc[~log["sample_id"].isin(set(sample["sample_id"]))]
    return (outside.groupby("sample_id", sort=True).size().rename("pogingen").reset_index()
            if len(outside) else pd.DataFrame(columns=["sample_id", "pogingen"]))


def run_report(project: Project, questionnaire: Questionnaire, *, until=None,
               interviews: pd.DataFrame | None = None, deliver: bool = False,
               unusable: dict[str, str] | None = None) -> FieldworkReport:
    """The fieldwork report from the contact log (as it was on `until`, or all of it) and the
    interview data (work/ingested.parquet unless given): work/fieldwork_report.html and the tables
    in work/fieldwork/; with `deliver`, the version without interviewer detail in cleaned/.
    `unusable`: the interviews cleaning excluded, sample id → reason (default: work/exclusions.csv,
    if cleaned). Progress and the AAPOR rates are given on the completes as collected and on the
    usable completes that the data and the weights hold (docs/fieldwork.md)."""
    settings = project.fieldwork or FieldworkSettings()
    until = pd.Timestamp(until) if until is not None else None
    sample, log, dispositions = _fieldwork_inputs(project, until)
    if log is None:
        raise SidError(ErrorCode.CONFIG_INVALID, "the fieldwork report needs the contact log", file=project.file,
                       fix="Add a [contacts] section to sid.toml.")
    group = settings.group if settings.group in dispositions.columns else None
    if group is None:
        raise SidError(ErrorCode.CONFIG_INVALID, f"fieldwork.group: the sample frame has no column {settings.group!r}",
                       file=project.file, fix="Set fieldwork.group to the sample frame's origin-group column.")
    targets = dict(settings.targets)
    proportional = settings.e == "proportional"
    eligibility = Eligibility("proportional") if proportional else Eligibility("fixed", settings.e)
    if unusable is None:
        path = project.work / workdir.EXCLUSIONS
        table = pd.read_csv(path, dtype=str, keep_default_na=False) if path.is_file() else None
        unusable = dict(zip(table["respondent"], table["reason"])) if table is not None else {}
    rates = rates_on_both(dispositions, unusable, eligibility,
                          {"herkomstgroep": group, "modus": "mode", "gemeente": settings.municipality})
    prog = progress(dispositions, targets, group, unusable)
    design = phases(log[log["sample_id"].isin(set(sample["sample_id"]))], len(sample))
    dated = dispositions["date"].dropna()
    as_of = (until if until is not None else (dated.max() if len(dated) else pd.Timestamp("today"))).strftime("%d/%m/%Y")
    over = progress_over_time(dispositions, targets, group, until)
    notes = []
    if interviews is None and (project.work / workdir.INGESTED).is_file():
        interviews = pd.read_parquet(project.work / workdir.INGESTED)
    if interviews is not None and until is not None and "start" in interviews.columns:
        interviews = interviews[pd.to_datetime(interviews["start"], errors="coerce") < until + pd.Timedelta(days=1)]
    if interviews is None:
        notes.append(NO_INTERVIEWS_NOTE)
        interviews = pd.DataFrame()
    checks = interviewer_checks(interviews, questionnaire, key=project.key, z_threshold=settings.z_threshold,
                                min_interviews=settings.min_interviews,
                                backcheck_share=settings.backcheck_share, seed=settings.backcheck_seed)
    if until is not None:
        notes.append(interim_note(as_of))
    out = workdir.fieldwork_dir(project)
    outside = contacts_outside_sample(log, sample)
    workdir.write_csv(outside, out / workdir.OUTSIDE_SAMPLE, encoding="utf-8-sig")
    if len(outside):
        notes.append(outside_sample_note(len(outside), f"work/{workdir.FIELDWORK}/{workdir.OUTSIDE_SAMPLE}"))
    weights = {}
    if until is None:
        for name, stem in workdir.WEIGHT_REPORTS.items():
            path = out / f"{stem}.csv"
            if path.is_file():
                weights[name] = pd.read_csv(path, encoding="utf-8-sig")
    data = ReportData(title=project.title, as_of=as_of, e_text=eligibility_text(float(rates["e"].iloc[0]), proportional),
                      progress=prog, over_time=over, rates=rates, interviewers=checks.table,
                      backcheck_count=len(checks.backcheck), backcheck_seed=checks.seed,
                      z_threshold=checks.z_threshold, weights=weights, notes=notes, phases=design)
    disp = dispositions.assign(date=dispositions["date"].dt.strftime("%Y-%m-%d"))
    workdir.write_csv(disp, out / "disposities.csv", encoding="utf-8-sig")  # one row per sample unit: CSV only
    people = headers_in(project.ui_language)  # the workbooks' headers; the CSVs keep the machine names
    write_report(rates, out / "respons", "respons", people=people)
    write_report(prog, out / "voortgang", "voortgang", people=people)
    write_report(design, out / "fasen", "fasen", people=people)
    workdir.write_csv(over.assign(datum=over["datum"].astype(str)), out / "voortgang_per_dag.csv", encoding="utf-8-sig")
    write_report(checks.table, out / "interviewers", "interviewers", people=people)
    write_report(checks.backcheck.assign(datum=checks.backcheck["datum"].astype(str)), out / "backcheck", "backcheck",
                 people=people)
    internal = project.work / workdir.FIELDWORK_REPORT
    write_text_atomic(internal, render_html(data, internal=True))
    delivered = None
    if deliver:  # through the privacy gate: every table of the delivered report scrubbed
        shared = replace(data, progress=scrub_table(prog), over_time=scrub_table(over), rates=scrub_table(rates),
                         interviewers=None, weights={name: scrub_table(t) for name, t in weights.items()})
        delivered = project.cleaned / workdir.FIELDWORK_REPORT
        write_text_atomic(delivered, render_html(shared, internal=False))
        write_report(shared.rates, project.cleaned / workdir.FIELDWORK_RATES, "respons")
        write_report(shared.progress, project.cleaned / workdir.FIELDWORK_PROGRESS, "voortgang")
    return FieldworkReport(internal, delivered, as_of, prog, rates, len(checks.table),
                           int(checks.table["gemarkeerd"].sum()) if len(checks.table) else 0,
                           len(checks.backcheck), checks.seed)
