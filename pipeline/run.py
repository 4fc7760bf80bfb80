"""The chain of stages over a project folder: reads inputs, calls the pure stages, writes outputs."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from pipeline.errors import SidError
from pipeline.delivery.export import ExportResult, export
from pipeline.faults import checkpoint
from pipeline.files import atomic_path, recover_directory, replace_directory
from pipeline.ingest.ingest import IngestResult, ingest
from pipeline.survey.project import Project
from pipeline.survey.questionnaire import Questionnaire, load_questionnaire

INGESTED = "ingested.parquet"
CODED = "coded.parquet"


CLEANED = "cleaned.parquet"


@dataclass(frozen=True)
class CleanOutcome:
    result: object  # clean.CleanResult
    validation: object  # validate.ValidationReport after cleaning


@dataclass(frozen=True)
class RunResult:
    ingest: IngestResult
    clean: CleanOutcome
    export: ExportResult
    weight: object = None  # weights.WeightResult when [weight] is configured
    fieldwork: object = None  # FieldworkReport when [fieldwork] is configured
    coding: object = None  # coding.CodingResult when [coding] is configured

    @property
    def exit_code(self) -> int:
        return 1 if self.clean.validation.errors else 0


def questionnaire_of(project: Project) -> Questionnaire:
    questionnaire = load_questionnaire(project.form, project.missing)
    questionnaire.language(project.language)  # fail early on a label language the form lacks
    return questionnaire


def run_ingest(project: Project, questionnaire: Questionnaire, progress=None) -> tuple[pd.DataFrame, IngestResult]:
    frame, result = ingest(project, questionnaire, progress)
    _write_parquet(frame, project.work / INGESTED)
    _write_csv(result.problems, project.work / "ingest_problems.csv")
    _write_csv(result.reconciliation, project.work / "reconciliation.csv")
    return frame, result


def run_clean(project: Project, questionnaire: Questionnaire, frame: pd.DataFrame | None = None,
              progress=None) -> tuple[pd.DataFrame, CleanOutcome]:
    """Clean the ingested frame, log every changed cell, record exclusions, validate again."""
    from pipeline.cleaning.clean import CleanSettings, clean, load_corrections

    if frame is None:
        frame = _read_stage(project, _coded_or_ingested(project), "sid ingest")
    config = project.clean
    corrections = load_corrections(config.corrections, questionnaire) if config.corrections else ()
    settings = CleanSettings(
        exclude_breakoffs=config.exclude_breakoffs, exclude_speeders=config.exclude_speeders,
        speeder_ratio=config.speeder_ratio, invalid=config.invalid, routing=config.routing,
        not_asked_answered=config.not_asked_answered, derive=config.derive)
    if progress:
        progress("cleaning")
    cleaned, result = clean(frame, questionnaire, key=project.key, corrections=corrections, settings=settings)
    _write_parquet(cleaned, project.work / CLEANED)
    _write_csv(result.log, project.work / "cleaning_log_private.csv")
    _write_csv(result.excluded, project.work / "exclusions.csv")
    _update_reconciliation(project, result.excluded)
    delivered_log = result.log.copy()
    if project.privacy is not None:
        from pipeline.privacy import pseudonym_secret, pseudonymise

        delivered_log["respondent"] = pseudonymise(delivered_log["respondent"], pseudonym_secret(project.privacy))
        delivered_log.loc[delivered_log["variable"] == project.key, ["old", "new"]] = "[id]"
    from pipeline.privacy import scrub  # old/new of open answers: no PII in the delivered log

    delivered_log, _ = scrub(delivered_log, ["old", "new"])
    from pipeline.tables import excel_safe  # respondents' text must not run as a formula in Excel

    _write_csv(excel_safe(delivered_log), project.cleaned / "cleaning_log.csv")
    if progress:
        progress("validating the cleaned data")
    report = run_validate(project, questionnaire, cleaned)
    return cleaned, CleanOutcome(result, report)


def _update_reconciliation(project: Project, excluded: pd.DataFrame) -> None:
    """Respondents taken out in cleaning become `excluded` with the reason, in the same table."""
    path = project.work / "reconciliation.csv"
    if not path.is_file():
        return
    rec = pd.read_csv(path, dtype=str, keep_default_na=False)
    reasons = dict(zip(excluded["respondent"].astype(str), excluded["reason"]))
    hit = (rec["status"] == "kept") & rec["key"].isin(reasons)
    rec.loc[hit, "reason"] = rec.loc[hit, "key"].map(reasons)
    rec.loc[hit, "status"] = "excluded"
    rec.loc[hit, "respondent"] = ""
    _write_csv(rec, path)


def delivery_frame(project: Project, frame: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """The frame as ABB may receive it: the respondent key replaced by its pseudonym."""
    if project.privacy is None:
        return frame, project.key
    from pipeline.privacy import pseudonym_secret, pseudonymise

    rid = project.privacy.respondent_id
    ids = pseudonymise(frame[project.key], pseudonym_secret(project.privacy))
    crosswalk = pd.DataFrame({rid: ids, project.key: frame[project.key]})
    _write_csv(crosswalk, project.work / "crosswalk.csv")
    out = pd.concat([pd.DataFrame({rid: ids.to_numpy()}, index=frame.index),
                     frame.drop(columns=[project.key])], axis=1)
    return out, rid


def run_export(project: Project, questionnaire: Questionnaire, frame: pd.DataFrame | None = None) -> ExportResult:
    from pipeline.privacy import free_text_columns, pseudonym_secret, scrub_frame

    if project.privacy is not None:
        pseudonym_secret(project.privacy)  # no key: refuse before anything is read or written
    if frame is None:  # the weighted data when `sid weight` ran after the last `sid clean`
        weighted, cleaned = project.work / WEIGHTED, project.work / CLEANED
        newer = weighted.is_file() and (not cleaned.is_file() or weighted.stat().st_mtime >= cleaned.stat().st_mtime)
        frame = _read_stage(project, WEIGHTED if newer else CLEANED, "sid clean")
    delivered, key = delivery_frame(project, frame)
    if project.sample is not None:  # identifiers are never joined; never delivered either way
        delivered = delivered.drop(columns=[c for c in project.sample.identifiers if c in delivered.columns])
    scrubbed = scrub_frame(delivered, free_text_columns(delivered, questionnaire, exclude=[key]))
    delivered = scrubbed.frame
    _write_csv(scrubbed.counts, project.cleaned / "pii_scrubbed.csv")
    labels = {c: f"Uit de steekproef: {c.removeprefix('steekproef_')}" for c in delivered.columns
              if c not in questionnaire and not c.startswith("_")}
    if project.privacy is not None:
        labels[key] = "Respondentnummer (pseudoniem)"
    from pipeline.weighting.weights import WEIGHT_LABELS  # the weights get their own label

    labels.update({c: text for c, text in WEIGHT_LABELS.items() if c in delivered.columns})
    value_labels = None
    if project.coding is not None:  # coded columns: Dutch labels and the classification's codes
        from pipeline.coding.coding import export_metadata

        coded_labels, value_labels = export_metadata(project.coding, questionnaire, delivered)
        labels.update(coded_labels)
    exported = export(delivered, questionnaire, sav=project.sav_path, sps=project.sps_path,
                      language=project.language, key=key, title=project.title, labels=labels,
                      value_labels=value_labels)
    from pipeline.delivery.companions import write_delivery  # CSV, Parquet, codebook, DDI, README

    write_delivery(project, questionnaire, exported)
    return exported


def run_export_alone(project: Project, questionnaire: Questionnaire) -> ExportResult:
    """`sid export` on its own: the export into cleaned/, then the manifest of what cleaned/ now
    holds (so that `sid verify` checks the files as they are)."""
    from pipeline.delivery.manifest import write_manifest

    exported = run_export(project, questionnaire)
    write_manifest(project)
    return exported


def run_validate(project: Project, questionnaire: Questionnaire, frame: pd.DataFrame | None = None):
    """Validate the last stage's frame; the report goes to work/ (failures name respondents) and
    its per-rule summary also to cleaned/."""
    from pipeline.tables import write_report
    from pipeline.validation.validate import QualitySettings, load_rules, validate

    if frame is None:
        frame = _read_stage(project, _coded_or_ingested(project), "sid ingest")
    settings = project.validate
    rules = load_rules(settings.rules, questionnaire) if settings.rules else ()
    quality = QualitySettings(settings.speeder_ratio, int(settings.straightline_min_items),
                              settings.max_item_nonresponse, settings.max_dont_know)
    report = validate(frame, questionnaire, key=project.key, rules=rules, quality=quality,
                      accepted=dict(settings.accept))
    write_report(report.failures, project.work / "validation_failures", "failures")
    write_report(report.summary, project.work / "validation_summary", "summary")
    # Per respondent: every row in the CSV; in the workbook only the respondents flagged by a
    # quality check (a person reviews those; a million-row workbook helps nobody).
    flagged = report.failures.loc[report.failures["rule"].str.startswith("quality:"), "respondent"]
    write_report(report.quality, project.work / "quality", "quality",
                 xlsx_rows=report.quality["respondent"].isin(flagged))
    write_report(report.summary, project.cleaned / "validation_summary", "summary")
    if project.privacy is not None:  # the failures name respondents: only pseudonymised, scrubbed
        from pipeline.privacy import pseudonym_secret, pseudonymise, scrub

        failures = report.failures.assign(
            respondent=pseudonymise(report.failures["respondent"], pseudonym_secret(project.privacy)))
        failures, _ = scrub(failures, ["value"])
        write_report(failures, project.cleaned / "validation_failures", "failures")
    return report


def run_all(project: Project, progress=None) -> RunResult:
    """ingest → code → clean (validated after) → weight → fieldwork report → export, then the
    manifest of inputs and outputs; the delivery is swapped into cleaned/ as a whole."""
    from pipeline.delivery.manifest import write_manifest

    questionnaire = questionnaire_of(project)
    if project.privacy is not None:  # no key, no delivery: refuse before anything is written
        from pipeline.privacy import pseudonym_secret

        pseudonym_secret(project.privacy)
    # The whole delivery is staged beside cleaned/ (same file system) and swapped in only when
    # every file is written: a run that fails or is killed leaves the previous delivery as it was.
    recover_directory(project.cleaned)
    stage = project.cleaned.with_name(f".{project.cleaned.name}.partial")
    if stage.exists():
        shutil.rmtree(stage)
    stage.mkdir(parents=True)
    staged = replace(project, cleaned=stage)
    frame, ingested = run_ingest(staged, questionnaire, progress)
    checkpoint("ingest")
    coded = None
    if project.coding is not None:
        frame, coded = run_code(staged, questionnaire, frame, progress)
        checkpoint("code")
    cleaned, outcome = run_clean(staged, questionnaire, frame, progress)
    checkpoint("clean")
    weighted = fieldwork = None
    if project.weight is not None:  # weights, then the fieldwork report (agency's and delivery's)
        if progress:
            progress("weighting")
        cleaned, weighted = run_weight(staged, questionnaire, cleaned)
        checkpoint("weight")
    if project.fieldwork is not None:
        if progress:
            progress("fieldwork report")
        fieldwork = run_report(staged, questionnaire, interviews=frame, deliver=True)
        checkpoint("report")
    del frame  # the interviews before cleaning are not needed any more (peak memory of the export)
    if progress:
        progress("writing the SPSS file")
    exported = run_export(staged, questionnaire, cleaned)
    checkpoint("export")
    write_manifest(project, stage)
    checkpoint("manifest")
    for hidden in project.cleaned.glob(".*") if project.cleaned.is_dir() else ():
        if hidden.is_file() and not hidden.name.endswith(".tmp"):  # e.g. .gitkeep: not ours, carried over
            shutil.copy2(hidden, stage / hidden.name)
    # One atomic exchange: cleaned/ is either the whole previous delivery or the whole new one.
    replace_directory(stage, project.cleaned)
    checkpoint("deliver")
    exported = replace(exported, sav=project.sav_path, sps=project.sps_path)
    if fieldwork is not None:
        fieldwork = replace(fieldwork, delivered=project.cleaned / fieldwork.delivered.name)
    return RunResult(ingested, outcome, exported, weighted, fieldwork, coded)


def run_code(project: Project, questionnaire: Questionnaire, frame: pd.DataFrame | None = None,
             progress=None):
    """Code open and other-specify answers (code frames, classifications, back-coding): writes
    work/coded.parquet, the coders' worklist work/coding_worklist.xlsx, the per-verbatim matches,
    the coverage and the log of back-coded cells."""
    from pipeline.coding.coding import code, plan
    from pipeline.survey.project import CodingSettings
    from pipeline.tables import write_report
    from pipeline.coding.worklist import allowed_codes, read_codeframes, write_worklist

    if frame is None:
        frame = _read_stage(project, INGESTED, "sid ingest")
    settings = project.coding or CodingSettings(codeframes=project.root / "schemas" / "codeframes")
    if progress:
        progress("coding open answers")
    targets = plan(questionnaire, settings)
    frames = read_codeframes(settings.codeframes, targets)
    coded, result = code(frame, questionnaire, key=project.key, targets=targets, frames=frames,
                         threshold=settings.fuzzy_threshold)
    _write_parquet(coded, project.work / CODED)
    _write_csv(result.log, project.work / "coding_log.csv")
    _write_csv(result.matches, project.work / "coding_matches.csv")
    write_report(result.coverage, project.work / "coding_coverage", "coverage")
    write_worklist(result.worklist, allowed_codes(targets), project.work / "coding_worklist.xlsx")
    return coded, result


def import_coding(project: Project, questionnaire: Questionnaire, path: Path):
    """Merge a coded worklist into the code frames (all rows checked first; refused as a whole)."""
    from datetime import date

    from pipeline.coding.coding import plan
    from pipeline.survey.project import CodingSettings
    from pipeline.coding.worklist import import_worklist, read_codeframes

    settings = project.coding or CodingSettings(codeframes=project.root / "schemas" / "codeframes")
    targets = plan(questionnaire, settings)
    frames = read_codeframes(settings.codeframes, targets)
    return import_worklist(Path(path), targets, frames, settings.codeframes, date.today().isoformat())


def _coded_or_ingested(project: Project) -> str:
    """The coded frame when coding ran after the last ingest, else the ingested one."""
    coded, ingested = project.work / CODED, project.work / INGESTED
    if coded.is_file() and (not ingested.is_file() or coded.stat().st_mtime >= ingested.stat().st_mtime):
        return CODED
    return INGESTED


FIELDWORK = "fieldwork"  # work/fieldwork/: the fieldwork tables (private: sample ids, interviewers)
WEIGHTED = "weighted.parquet"


def _sample_and_dispositions(project: Project, until=None):
    """The sample frame without its direct identifiers, and each unit's final disposition
    (None without a contact log)."""
    from pipeline.fieldwork.dispositions import final_dispositions, parse_contacts
    from pipeline.ingest.sources import read_table

    if project.sample is None:
        raise SidError("config_invalid", "fieldwork reports and weights need the sample frame", file=project.file,
                       fix="Add a [sample] section to sid.toml.")
    sample = read_table(project.sample.source).frame
    if project.sample.key not in sample.columns:
        raise SidError("source_columns", f"sample key column {project.sample.key!r} is missing",
                       file=project.sample.source.path, row=1, fix="Check sample.key in sid.toml.")
    sample = sample.drop(columns=[c for c in project.sample.identifiers if c in sample.columns])
    sample = sample.rename(columns={project.sample.key: "sample_id"})
    if project.contacts is None:
        return sample, None
    table = read_table(project.contacts).frame
    log = parse_contacts(table, file=project.contacts.path, until=until, dayfirst=project.contacts.dayfirst)
    return sample, final_dispositions(log, sample)


def _contacts_outside_sample(project: Project, sample: pd.DataFrame, until=None) -> pd.DataFrame:
    """Sample units of the contact log that the sample frame does not have (a typo in a sample id,
    a unit from another survey): left out of the dispositions, so listed (work/ only)."""
    from pipeline.fieldwork.dispositions import parse_contacts
    from pipeline.ingest.sources import read_table

    log = parse_contacts(read_table(project.contacts).frame, file=project.contacts.path, until=until,
                         dayfirst=project.contacts.dayfirst)
    outside = log.loc[~log["sample_id"].isin(set(sample["sample_id"]))]
    return (outside.groupby("sample_id", sort=True).size().rename("pogingen").reset_index()
            if len(outside) else pd.DataFrame(columns=["sample_id", "pogingen"]))


def run_weight(project: Project, questionnaire: Questionnaire, frame: pd.DataFrame | None = None):
    """Weights for the cleaned respondents ([weight] in sid.toml): work/weighted.parquet, the
    weights per respondent in work/weights.csv, diagnostics to work/fieldwork/ and cleaned/."""
    from pipeline.tables import write_report
    from pipeline.weighting.weights import read_population, weight

    if project.weight is None:
        raise SidError("config_invalid", "no [weight] section", file=project.file,
                       fix="Configure the weights in sid.toml (see docs/sid-toml.md).")
    if frame is None:
        frame = _read_stage(project, CLEANED, "sid clean")
    sample, dispositions = _sample_and_dispositions(project)
    weighted, result = weight(frame, sample, dispositions, read_population(project.weight.population),
                              project.weight, key=project.key)
    _write_parquet(weighted, project.work / WEIGHTED)
    _write_csv(result.weights, project.work / "weights.csv")
    for frame_, stem in ((result.diagnostics, "weging_diagnostiek"), (result.margins, "weging_marges"),
                         (result.convergence, "weging_convergentie")):
        write_report(frame_, project.work / FIELDWORK / stem, stem[:31])
        write_report(frame_, project.cleaned / stem, stem[:31])
    return weighted, result


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


def run_report(project: Project, questionnaire: Questionnaire, *, until=None,
               interviews: pd.DataFrame | None = None, deliver: bool = False) -> FieldworkReport:
    """The fieldwork report from the contact log (as it was on `until`, or all of it) and the
    interview data (work/ingested.parquet unless given): work/fieldwork_report.html and the tables
    in work/fieldwork/; with `deliver`, the version without interviewer detail in cleaned/."""
    from pipeline.fieldwork.dispositions import Eligibility, rate_table
    from pipeline.fieldwork.report import ReportData, render_html
    from pipeline.files import write_text_atomic
    from pipeline.fieldwork.monitor import interviewer_checks, progress, progress_over_time
    from pipeline.survey.project import FieldworkSettings
    from pipeline.tables import write_report

    settings = project.fieldwork or FieldworkSettings()
    until = pd.Timestamp(until) if until is not None else None
    sample, dispositions = _sample_and_dispositions(project, until)
    if dispositions is None:
        raise SidError("config_invalid", "the fieldwork report needs the contact log", file=project.file,
                       fix="Add a [contacts] section to sid.toml.")
    group = settings.group if settings.group in dispositions.columns else None
    if group is None:
        raise SidError("config_invalid", f"fieldwork.group: the sample frame has no column {settings.group!r}",
                       file=project.file, fix="Set fieldwork.group to the sample frame's origin-group column.")
    targets = dict(settings.targets)
    eligibility = Eligibility("proportional") if settings.e == "proportional" else Eligibility("fixed", settings.e)
    rates = rate_table(dispositions, eligibility,
                       {"herkomstgroep": group, "modus": "mode", "gemeente": settings.municipality})
    e = float(rates["e"].iloc[0])
    e_text = (f"e (geschat aandeel in aanmerking komende eenheden onder die met onbekende geschiktheid) = {e:.3f}, "
              + ("proportioneel geschat: (I+P+R+NC+O) / (I+P+R+NC+O+NE)." if settings.e == "proportional"
                 else "vast ingesteld in sid.toml (fieldwork.e)."))
    prog = progress(dispositions, targets, group)
    dated = dispositions["date"].dropna()
    as_of = (until if until is not None else (dated.max() if len(dated) else pd.Timestamp("today"))).strftime("%d/%m/%Y")
    over = progress_over_time(dispositions, targets, group, until)
    notes = []
    if interviews is None and (project.work / INGESTED).is_file():
        interviews = pd.read_parquet(project.work / INGESTED)
    if interviews is not None and until is not None and "start" in interviews.columns:
        interviews = interviews[pd.to_datetime(interviews["start"], errors="coerce") < until + pd.Timedelta(days=1)]
    if interviews is None:
        notes.append("Nog geen interviewgegevens ingelezen (sid ingest): interviewercontroles ontbreken.")
        interviews = pd.DataFrame()
    checks = interviewer_checks(interviews, questionnaire, key=project.key, z_threshold=settings.z_threshold,
                                min_interviews=settings.min_interviews,
                                backcheck_share=settings.backcheck_share, seed=settings.backcheck_seed)
    if until is not None:
        notes.append(f"Tussentijdse stand: het contactbestand tot en met {as_of}.")
    outside = _contacts_outside_sample(project, sample, until)
    _write_csv(outside, project.work / FIELDWORK / "buiten_steekproef.csv", encoding="utf-8-sig")
    if len(outside):  # counted, never named in the report (the ids are listed in work/ only)
        notes.append(f"{len(outside)} eenhe{'id' if len(outside) == 1 else 'den'} in het contactbestand "
                     "staa" + ("t" if len(outside) == 1 else "n") + " niet in de steekproef en tellen niet mee "
                     f"(lijst: work/{FIELDWORK}/buiten_steekproef.csv).")
    weights = {}
    if until is None:
        for name, stem in (("diagnostics", "weging_diagnostiek"), ("margins", "weging_marges"),
                           ("convergence", "weging_convergentie")):
            path = project.work / FIELDWORK / f"{stem}.csv"
            if path.is_file():
                weights[name] = pd.read_csv(path, encoding="utf-8-sig")
    data = ReportData(title=project.title, as_of=as_of, e_text=e_text, progress=prog, over_time=over, rates=rates,
                      interviewers=checks.table, backcheck_count=len(checks.backcheck),
                      backcheck_seed=checks.seed, z_threshold=checks.z_threshold, weights=weights, notes=notes)
    out = project.work / FIELDWORK
    disp = dispositions.assign(date=dispositions["date"].dt.strftime("%Y-%m-%d"))
    _write_csv(disp, out / "disposities.csv", encoding="utf-8-sig")  # one row per sample unit: CSV only
    write_report(rates, out / "respons", "respons")
    write_report(prog, out / "voortgang", "voortgang")
    _write_csv(over.assign(datum=over["datum"].astype(str)), out / "voortgang_per_dag.csv", encoding="utf-8-sig")
    write_report(checks.table, out / "interviewers", "interviewers")
    write_report(checks.backcheck.assign(datum=checks.backcheck["datum"].astype(str)), out / "backcheck", "backcheck")
    internal = project.work / "fieldwork_report.html"
    write_text_atomic(internal, render_html(data, internal=True))
    delivered = None
    if deliver:
        delivered = project.cleaned / "fieldwork_report.html"
        write_text_atomic(delivered, render_html(data, internal=False))
        write_report(rates, project.cleaned / "fieldwork_respons", "respons")
        write_report(prog, project.cleaned / "fieldwork_voortgang", "voortgang")
    return FieldworkReport(internal, delivered, as_of, prog, rates, len(checks.table),
                           int(checks.table["gemarkeerd"].sum()) if len(checks.table) else 0,
                           len(checks.backcheck), checks.seed)


def make_demo(project: Project, *, sampled: int, seed: int, force: bool) -> list[Path]:
    """Write realistic demo fieldwork into raw/: sample frame, contact log, web, face-to-face and
    paper exports with planted defects, and their ground truth (demo_truth.csv)."""
    from pipeline.demo.generator import FILES, demo_fieldwork, write_fieldwork

    existing = [project.raw / name for name in FILES.values() if (project.raw / name).exists()]
    if existing and not force:
        raise SidError("demo_exists", "file exists; raw fieldwork data is never overwritten", file=existing[0],
                       fix="Pass --force to replace the demo files.")
    questionnaire = questionnaire_of(project)
    fieldwork = demo_fieldwork(questionnaire, sampled=sampled, seed=seed, key=project.key)
    return write_fieldwork(fieldwork, project.raw)


def _read_stage(project: Project, name: str, producer: str) -> pd.DataFrame:
    path = project.work / name
    if not path.is_file():
        raise SidError("stage_missing", "the previous stage's output is missing", file=path,
                       fix=f"Run `{producer}` first (or `sid run`).")
    return pd.read_parquet(path)


def _write_parquet(frame: pd.DataFrame, target: Path) -> None:
    with atomic_path(target) as tmp:
        frame.to_parquet(tmp, index=False)


def _write_csv(frame: pd.DataFrame, target: Path, **options) -> None:
    """UTF-8 CSV, written by Arrow's CSV writer when the frame is all text (the big logs: several
    times faster than pandas), else by pandas; the same file either way."""
    with atomic_path(target) as tmp:
        if not options and len(frame) > 10_000 and all(
                pd.api.types.is_string_dtype(frame[c]) for c in frame.columns):
            try:
                import pyarrow as pa
                import pyarrow.csv as pacsv

                table = pa.Table.from_pandas(frame.astype("string"), preserve_index=False)
                pacsv.write_csv(table, tmp, pacsv.WriteOptions(quoting_style="needed"))
                return
            except (pa.ArrowInvalid, pa.ArrowTypeError, ValueError):
                pass  # e.g. a column of mixed types: pandas below
        frame.to_csv(tmp, index=False, lineterminator="\n", **options)
