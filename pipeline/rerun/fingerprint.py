"""What each stage of `sid run` reads, and the fingerprint of it: the files (raw exports, the
form and the files beside it, rules, corrections, code frames, classifications, population), the
sid.toml tables the stage's settings come from, the pseudonym key where the stage's outputs carry
pseudonyms, sid's own code and version and the libraries' versions, and the fingerprints of the
stages it reads from. A stage whose fingerprint and recorded outputs match is reused
(pipeline.rerun.records); anything left out here would be reused stale, so when in doubt a stage
reads more (e.g. every file beside the form, as choice files are)."""

from __future__ import annotations

import hashlib
import hmac
import json
import platform
import re
import tomllib
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from pipeline import __version__
from pipeline.privacy import delivery_privacy
from pipeline.rerun import digests
from pipeline.survey.project import Project

PACKAGES = ("pandas", "numpy", "pyarrow", "pyreadstat", "pyxform", "openpyxl", "xlsxwriter", "python-stdnum",
            "phonenumbers", "rapidfuzz", "pycountry", "svy")
SID_CODE = Path(__file__).resolve().parents[1]  # pipeline/: its sources are part of "sid's version"
FORM_SIDE = (".csv", ".xml", ".geojson", ".xlsx", ".xls")  # files beside the form: choice files, external data


@dataclass(frozen=True)
class StageInputs:
    """One stage: the sid.toml tables and input files it reads, whether its outputs carry
    pseudonyms (the key), and the globs of what it leaves in work/."""

    name: str
    tables: tuple[str, ...]
    files: tuple[str, ...]  # kinds of input file, see `_files`
    keyed: bool
    outputs: tuple[str, ...]


COMMON = ("survey", "paths", "missing")  # every stage reads the form through these
STAGES = {s.name: s for s in (
    StageInputs("ingest", COMMON + ("sources", "sample", "ingest"), ("form", "sources", "sample"), False,
                ("ingested.parquet", "ingest_problems.csv", "reconciliation_ingest.csv", "roster_*.parquet")),
    StageInputs("code", COMMON + ("coding",), ("form", "coding"), False,
                ("coded.parquet", "coding_log.csv", "coding_matches.csv", "coding_coverage.*",
                 "coding_worklist.xlsx")),
    StageInputs("clean", COMMON + ("clean", "coding", "privacy", "demo"), ("form", "corrections"), True,
                ("cleaned.parquet", "cleaning_log_private.csv", "exclusions.csv", "reconciliation.csv",
                 "cleaned_roster_*.parquet", "roster_exclusions.csv")),
    StageInputs("validate", COMMON + ("validate", "privacy", "demo", "sources"), ("form", "rules"), True,
                ("validation_failures.*", "validation_summary.*", "quality.*")),
    StageInputs("weight", COMMON + ("weight", "sample", "contacts", "ingest"), ("form", "sample", "contacts",
                                                                                "population"), False,
                ("weighted.parquet", "weights.csv", "fieldwork/weging_*")),
    StageInputs("report", COMMON + ("fieldwork", "sample", "contacts", "ingest", "privacy", "demo"),
                ("form", "sample", "contacts"), False,
                ("fieldwork_report.html", "fieldwork/buiten_steekproef.csv", "fieldwork/disposities.csv",
                 "fieldwork/respons.*", "fieldwork/voortgang.*", "fieldwork/fasen.*", "fieldwork/voortgang_per_dag.csv",
                 "fieldwork/interviewers.*", "fieldwork/backcheck.*")),
    StageInputs("export", COMMON + ("export", "coding", "privacy", "demo", "sample", "tables", "weight"),
                ("form", "coding"), True, ("crosswalk.csv",)),
)}


def upstream(project: Project, stage: str) -> tuple[str, ...]:
    """The stages whose outputs `stage` reads (in `sid run`, as configured)."""
    before_clean = "code" if project.coding is not None else "ingest"
    weighted = ("weight",) if project.weight is not None else ()
    final = weighted or ("clean",)
    return {"ingest": (), "code": ("ingest",), "clean": (before_clean,), "validate": ("clean",),
            "weight": ("clean",), "report": final,
            "export": ("clean", *weighted, *(("report",) if project.fieldwork is not None else ()))}[stage]


DATED = ("ingest", "clean", "validate")  # the stages that evaluate the form's, rules' and corrections' expressions


def fingerprints(project: Project, stages: tuple[str, ...], expressions: tuple[str, ...] = ()) -> dict[str, str]:
    """The fingerprint of each of `stages` (in order: a stage's upstream comes first). `expressions`:
    the form's (relevant, constraint, calculate, choice_filter); when one of them, a rule, a
    correction or sid.toml's complete_if calls today(), the day is an input of the stages that
    evaluate them (a rerun on another day runs them again, as a fresh run would compute anew)."""
    out: dict[str, str] = {}
    settings = _tables(project)
    day = _day() if uses_today(project, expressions) else None
    beside = _beside_form(project)
    for name in stages:
        ups = {u: out.get(u, "absent") for u in upstream(project, name)}
        out[name] = stage_print(name, own_digest(project, STAGES[name], settings, day if name in DATED else None,
                                                 beside), ups)
    return out


def form_expressions(questionnaire) -> tuple[str, ...]:
    """The expressions of the form that sid evaluates (for `fingerprints`)."""
    return tuple(e for v in questionnaire for e in (v.relevant, v.constraint, v.calculate, v.choice_filter,
                                                    *v.group_relevant) if e)


def uses_today(project: Project, expressions: tuple[str, ...]) -> bool:
    texts = list(expressions)
    for path in (project.file, project.validate.rules, project.clean.corrections):  # sid.toml: [ingest] complete_if
        if path is not None and path.is_file():
            texts.append(path.read_text(encoding="utf-8", errors="replace"))
    return any(re.search(r"\btoday\s*\(", text) for text in texts)


def _day() -> str:
    return date.today().isoformat()


def stage_print(name: str, own: str, ups: dict[str, str]) -> str:
    """A stage's fingerprint: what it reads itself and the fingerprints of the stages it reads from."""
    return _digest({"stage": name, "own": own, "upstream": ups})


def own_digest(project: Project, stage: StageInputs, settings: dict | None = None, day: str | None = None,
               beside: list[Path] | None = None) -> str:
    """`beside`: the files beside the form that are its own (`_beside_form`), when the caller has them."""
    settings = _tables(project) if settings is None else settings
    beside = _beside_form(project) if beside is None and "form" in stage.files else beside
    files = {_name(project, p): _file_digest(project, p) for p in _files(project, stage.files, beside)}
    return _digest({"sid": sid_version(), "packages": packages(),
                    "tables": {t: settings.get(t) for t in sorted(set(stage.tables))},
                    "files": files, "key": _key_digest(project) if stage.keyed else None, "day": day})


def _beside_form(project: Project) -> list[Path]:
    """The files beside the form (choice files), but those sid.toml names for a stage."""
    named = {p.resolve() for p in _files(project, ("sources", "sample", "contacts", "population", "rules",
                                                   "corrections", "coding"))}
    return sorted(p for p in project.form.parent.iterdir() if p.is_file() and p.suffix.lower() in FORM_SIDE
                  and p != project.form and p.resolve() not in named)


def _files(project: Project, kinds: tuple[str, ...], beside: list[Path] | None = None) -> list[Path]:
    found: list[Path] = []
    for kind in kinds:
        if kind == "form":  # and the files beside it (choice files), but those sid.toml names for a stage
            found.append(project.form)
            found += _beside_form(project) if beside is None else beside
        elif kind == "sources":
            for source in project.sources:  # the export and the files named after it (a roster's CSV)
                found.append(source.path)
                found += [path for _, path in source.roster_files]
                if source.path.parent.is_dir():
                    found += sorted(p for p in source.path.parent.glob(f"{source.path.stem}*") if p.is_file())
        elif kind == "sample" and project.sample is not None:
            found.append(project.sample.source.path)
        elif kind == "contacts" and project.contacts is not None:
            found.append(project.contacts.path)
        elif kind == "population" and project.weight is not None:
            found.append(project.weight.population)
        elif kind == "rules" and project.validate.rules is not None:
            found.append(project.validate.rules)
        elif kind == "corrections" and project.clean.corrections is not None:
            found.append(project.clean.corrections)
        elif kind == "coding" and project.coding is not None:
            coding = project.coding
            if coding.codeframes.is_dir():
                found += sorted(p for p in coding.codeframes.rglob("*") if p.is_file())
            found += [p for p in (coding.countries, coding.languages, coding.municipalities, coding.successors,
                                  coding.postcodes, coding.occupations, coding.occupation_names, coding.education)
                      if p is not None]
    return list(dict.fromkeys(found))


def _name(project: Project, path: Path) -> str:
    try:
        return path.resolve().relative_to(project.root.resolve()).as_posix()
    except ValueError:
        return str(path.resolve())


def _file_digest(project: Project, path: Path) -> str:
    if not path.is_file():
        return "missing"
    return digests.digest(path.resolve(), digests.cache_folder(project.work))  # read again when its size, times or inode differ


def _tables(project: Project) -> dict:
    """sid.toml's tables as read (keys and values, not comments or layout)."""
    return tomllib.loads(project.file.read_text(encoding="utf-8"))


def _key_digest(project: Project) -> str:
    """Which pseudonym key the delivery uses, as an HMAC of a constant (the key is never written)."""
    privacy = delivery_privacy(project)
    secret = privacy.secret or b""
    mac = hmac.new(secret, b"sid stage fingerprint", hashlib.sha256).hexdigest() if secret else None
    return _digest({"id": privacy.id_column, "pseudonymised": privacy.pseudonymised, "demo": privacy.demo,
                    "source": privacy.key_source, "reason": privacy.reason, "mac": mac})


@lru_cache(maxsize=1)
def sid_version() -> str:
    """sid's version and a digest of its code (an edited sid is a new sid)."""
    digest = hashlib.sha256()
    for path in sorted(SID_CODE.rglob("*.py")):
        digest.update(path.relative_to(SID_CODE).as_posix().encode() + b"\0" + path.read_bytes())
    return f"{__version__}+{digest.hexdigest()[:16]}"


@lru_cache(maxsize=1)
def packages() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _digest(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()
