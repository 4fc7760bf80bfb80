"""`sid validate`: the last stage's frame checked against the form, rules.yaml and the quality
thresholds; failures (naming respondents) to work/, the per-rule summary also to cleaned/."""

from __future__ import annotations

import difflib
import hashlib
import json
import pickle
import shutil
from dataclasses import replace

import pandas as pd

from pipeline import workdir
from pipeline.errors import ErrorCode, SidError
from pipeline.files import atomic_path
from pipeline.privacy import delivery_privacy, scrub_cells, scrub_table
from pipeline.rerun.records import RECORDS, current_artifact
from pipeline.survey.project import Project
from pipeline.survey.questionnaire import Questionnaire
from pipeline.tables import write_report
from pipeline.validation.judged import FormChecks, kept_calculates, routed, with_kept_calculates
from pipeline.validation.people import for_people
from pipeline.validation.rosters import combined, validate_rosters
from pipeline.validation.validate import ValidationReport, form_checks, load_rules, validate


def run_validate(project: Project, questionnaire: Questionnaire, frame: pd.DataFrame | None = None,
                 rosters: dict[str, pd.DataFrame] | None = None, basis: str | None = None,
                 fresh: bool = False) -> ValidationReport:
    """`rosters`: the roster rows beside `frame` (name → frame); by default those ingest left in work/.
    `basis`: what `frame` is made from (`sid run`: the cleaning's fingerprint, pipeline/rerun), so that the
    checks that do not depend on the rules are kept in work/ for the next validation of the same frame
    (a rerun after a change of the rules judges only the rules again); None: everything judged, nothing kept;
    `fresh` (`sid run --fresh`): everything judged, and kept."""
    privacy = delivery_privacy(project)  # cleaned/ gets the failures: no key, nothing written
    if frame is None:
        frame = workdir.read_stage(project, current_artifact(project, "code", "ingest"), "sid ingest")
    settings = project.validate
    rules = load_rules(settings.rules, questionnaire) if settings.rules else ()
    frame = frame.reset_index(drop=True)
    held = _held(project, basis, settings, len(frame), fresh)
    form = held[1] if held is not None else None
    if form is None:
        derived, asked = routed(frame, questionnaire)  # the calculates, once for the main checks and the rosters'
        form = replace(form_checks(frame, questionnaire, project.key, settings, asked),
                       calculates=kept_calculates(derived, questionnaire))
        if held is not None:
            _keep(project, held[0], form)
    else:  # the calculates kept with them: no routing pass (the rules and the rosters' checks read them)
        derived = with_kept_calculates(frame, form.calculates)
    report = validate(frame, questionnaire, key=project.key, rules=rules, quality=settings,
                      accepted=dict(settings.accept), derived=derived, form=form)
    notes: tuple[str, ...] = ()
    if questionnaire.rosters:
        if rosters is None:
            rosters = {r.name: pd.read_parquet(project.work / workdir.roster_file(r.name))
                       for r in questionnaire.rosters if (project.work / workdir.roster_file(r.name)).is_file()}
        extra, notes = validate_rosters(frame, rosters, questionnaire, key=project.key, rules=rules,
                                        accepted=dict(settings.accept), derived=derived)
        both = combined([report, extra], dict(settings.accept))
        report = replace(report, failures=both.failures, summary=both.summary)
    check_accepted(project, report)
    report = replace(report, notes=project.unconfigured() + notes)
    people = for_people(project.ui_language, questionnaire, project.language)
    write_report(report.failures, project.work / workdir.VALIDATION_FAILURES, "failures", people=people)
    write_report(report.summary, project.work / workdir.VALIDATION_SUMMARY, "summary", people=people)
    # Per respondent: every row in the CSV; in the workbook only the respondents flagged by a
    # quality check (a person reviews those; a million-row workbook helps nobody).
    flagged = report.failures.loc[report.failures["rule"].str.startswith("quality:"), "respondent"]
    write_report(report.quality, project.work / workdir.QUALITY, "quality",
                 xlsx_rows=report.quality["respondent"].isin(flagged), people=people)
    summary = scrub_table(report.summary)
    if summary.equals(report.summary):  # nothing to scrub (as a rule): the files just written, copied
        for suffix in (".csv", ".xlsx"):
            name = workdir.VALIDATION_SUMMARY + suffix
            with atomic_path(project.cleaned / name) as tmp:
                shutil.copyfile(project.work / name, tmp)
    else:
        write_report(summary, project.cleaned / workdir.VALIDATION_SUMMARY, "summary", people=people)
    # The failures name respondents: as the delivery names them, their values scrubbed.
    failures = report.failures.assign(respondent=privacy.ids(report.failures["respondent"]))
    write_report(scrub_cells(failures, ["value"]), project.cleaned / workdir.VALIDATION_FAILURES, "failures",
                 people=people)
    return report


def check_accepted(project: Project, report: ValidationReport) -> None:
    """Every rule in validate.accept is a rule that was checked: a typo accepts nothing."""
    known = list(report.summary["rule"])
    for name, _ in project.validate.accept:
        if name not in known:
            close = difflib.get_close_matches(name, known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise SidError(ErrorCode.CONFIG_INVALID, f"validate.accept: no rule is called {name!r}{hint}",
                           file=project.file, fix="Use a rule name from the rules file or the validation summary.")


CHECKS = "validate_checks.pickle"  # in work/stages/: the last FormChecks with what they were judged on
CHECKS_FORMAT = 1


def _held(project: Project, basis: str | None, settings, rows: int, fresh: bool = False
          ) -> tuple[str, FormChecks | None] | None:
    """(the key of this validation's FormChecks, those kept in work/ under that key, or None); None
    without a basis. The key: the basis, the [validate] settings, the key variable and this format;
    kept checks of another number of `rows` than the frame's are judged again."""
    if basis is None:
        return None
    key = hashlib.sha256(json.dumps([CHECKS_FORMAT, basis, repr(settings), project.key]).encode()).hexdigest()
    if fresh:
        return key, None
    try:  # written by sid itself, in the project's private work/; anything unreadable is judged again
        with open(project.work / RECORDS / CHECKS, "rb") as fh:
            kept = pickle.load(fh)
        found = kept["form"] if kept["key"] == key and isinstance(kept["form"], FormChecks) else None
        if found is not None and (len(found.quality) != rows or any(len(c) != rows for _, c in found.calculates)):
            found = None
    except Exception:  # noqa: BLE001
        found = None
    return key, found


def _keep(project: Project, key: str, form: FormChecks) -> None:
    folder = project.work / RECORDS
    folder.mkdir(parents=True, exist_ok=True)
    with atomic_path(folder / CHECKS) as tmp:
        with open(tmp, "wb") as fh:
            pickle.dump({"key": key, "form": form}, fh, protocol=pickle.HIGHEST_PROTOCOL)
