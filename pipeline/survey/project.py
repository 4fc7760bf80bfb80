"""The project file `sid.toml`: which survey, which form, which sources, where outputs go."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pipeline.errors import SidError

# The standard classifications a [coding.variables] entry may name (pipeline/coding/classifications.py).
KINDS = ("country", "language", "municipality", "occupation", "education")

PROJECT_FILE = "sid.toml"
SOURCE_FORMATS = ("csv", "xlsx", "sav", "parquet")
MISSING_ROLES = ("dont_know", "refused", "not_applicable", "invalid", "no_answer")


@dataclass(frozen=True)
class MissingCode:
    role: str
    code: int
    label: str


@dataclass(frozen=True)
class MissingScheme:
    """The survey's missing-value codes, declared user-missing in SPSS."""

    codes: tuple[MissingCode, ...]

    def code(self, role: str) -> int:
        return next(c.code for c in self.codes if c.role == role)

    @property
    def values(self) -> tuple[int, ...]:
        return tuple(c.code for c in self.codes)

    @property
    def labels(self) -> dict[int, str]:
        return {c.code: c.label for c in self.codes}


SID_MISSING = MissingScheme(
    (
        MissingCode("dont_know", -1, "weet niet"),
        MissingCode("refused", -2, "wil niet antwoorden"),
        MissingCode("not_applicable", -3, "niet van toepassing"),
        MissingCode("invalid", -4, "ongeldig"),
        MissingCode("no_answer", -9, "geen antwoord"),
    )
)


@dataclass(frozen=True)
class Source:
    """One input file named in sid.toml: a fieldwork export, the sample frame or the contact log."""

    name: str
    path: Path
    format: str
    mode: str | None = None
    encoding: str | None = None  # None: detected (BOM, else UTF-8, else Windows-1252)
    delimiter: str | None = None  # None: detected
    sheet: str | None = None  # xlsx: sheet name (default: the first)
    rename: tuple[tuple[str, str], ...] = ()  # source column → form variable
    separator: str = "/"  # between group names and the question name in column headers
    instance: str | None = None  # column identifying the record in this source (e.g. meta/instanceID)
    submitted: str | None = None  # column with the submission time (latest wins among equals)
    dayfirst: bool = True  # dates like 02/03/2026 are 2 March


@dataclass(frozen=True)
class SampleFrame:
    source: Source
    key: str
    identifiers: tuple[str, ...]  # direct identifiers: never joined to the answers, never delivered


@dataclass(frozen=True)
class IngestSettings:
    complete_if: str | None = None  # expression; default: the form's last required, unrouted question answered
    mode_priority: tuple[str, ...] = ("capi", "papi", "web")
    test_key_pattern: str = r"^(?i:test)"


@dataclass(frozen=True)
class ValidateSettings:
    rules: Path | None = None  # YAML file of consistency rules
    speeder_ratio: float = 0.33
    straightline_min_items: int = 4
    max_item_nonresponse: float = 0.30
    max_dont_know: float = 0.30
    accept: tuple[tuple[str, str], ...] = ()  # rule name → written reason for accepting its failures


@dataclass(frozen=True)
class CleanConfig:
    corrections: Path | None = None  # YAML file of correction rules, applied in order
    exclude_breakoffs: bool = True
    exclude_speeders: bool = True
    speeder_ratio: float = 0.33
    invalid: bool = True
    routing: bool = True
    not_asked_answered: str = "not_applicable"  # or "keep"
    derive: bool = True


@dataclass(frozen=True)
class PrivacySettings:
    """Pseudonymous respondent ids: HMAC-SHA256 of the key with a secret kept outside the project."""

    key_env: str = "SID_PSEUDONYM_KEY"
    key_file: Path | None = None
    demo_key: str | None = None  # only for demo projects: a key that is not secret
    respondent_id: str = "respondent_id"


@dataclass(frozen=True)
class FieldworkSettings:
    """Fieldwork monitoring: targets per origin group, AAPOR `e`, interviewer checks, back-checks."""

    targets: tuple[tuple[str, int], ...] = ()  # origin group → completes wanted
    group: str = "stratum"  # sample-frame column with the origin group
    municipality: str = "gemeente"  # sample-frame column for rates per municipality
    e: str | float = "proportional"  # eligible share among unknowns: a number or "proportional"
    z_threshold: float = 3.5  # |robust z| beyond which an interviewer is flagged
    min_interviews: int = 5  # fewer completes: listed, not flagged
    backcheck_share: float = 0.10  # share of each interviewer's interviews to re-contact
    backcheck_seed: int = 2026


@dataclass(frozen=True)
class WeightSettings:
    """Design weights, nonresponse adjustment within strata, raking to population margins."""

    population: Path  # reference table: variabele, categorie, populatie
    stratum: str = "stratum"  # sample-frame column with the design strata
    margins: tuple[str, ...] = ("stratum",)  # raking margins: `variabele` values of the table
    trim: float = 0.0  # cap at trim × the stratum's median weight, then rake again; 0: no trimming
    tolerance: float = 1e-10  # largest relative margin error accepted
    max_iter: int = 500  # raking iterations per pass
    trim_cycles: int = 50  # trim-and-rake-again cycles at most


@dataclass(frozen=True)
class CodingSettings:
    """Coding of open and other-specify answers: code frames, fuzzy threshold, classifications."""

    codeframes: Path  # folder with one code frame per variable: <variable>.csv
    fuzzy_threshold: float = 75.0  # 0-100: rapidfuzz score from which a match is coded automatically
    reference_date: date = date(2026, 1, 1)  # municipality names point to the NIS code valid then
    countries: Path | None = None  # aliases for country names (Belgian usage, nationalities)
    languages: Path | None = None  # aliases for language names
    municipalities: Path | None = None  # Statbel REFNIS file (or a subset in its format)
    occupations: Path | None = None  # ILO ISCO-08 structure file (.xlsx or .csv)
    education: Path | None = None  # table of degrees -> ISCED 2011 level
    variables: tuple[tuple[str, str], ...] = ()  # text variable -> classification


@dataclass(frozen=True)
class DemoSettings:
    seed: int = 2026
    sampled: int = 12000  # sample units; about 37% complete an interview


@dataclass(frozen=True)
class Project:
    root: Path
    file: Path
    name: str
    title: str
    form: Path
    language: str
    key: str
    missing: MissingScheme
    sources: tuple[Source, ...]
    raw: Path
    cleaned: Path
    work: Path
    demo: DemoSettings = field(default_factory=DemoSettings)
    sample: SampleFrame | None = None
    contacts: Source | None = None
    ingest: IngestSettings = field(default_factory=IngestSettings)
    validate: ValidateSettings = field(default_factory=ValidateSettings)
    clean: CleanConfig = field(default_factory=CleanConfig)
    privacy: PrivacySettings | None = None
    fieldwork: FieldworkSettings | None = None
    weight: WeightSettings | None = None
    coding: CodingSettings | None = None

    @property
    def sav_path(self) -> Path:
        return self.cleaned / f"{self.name}.sav"

    @property
    def sps_path(self) -> Path:
        return self.cleaned / f"{self.name}.sps"


# Allowed keys per table: a typo in sid.toml is an error, not a silently ignored setting.
_KEYS = {
    "": {"survey", "missing", "sources", "paths", "demo", "sample", "contacts", "ingest", "validate",
         "clean", "privacy", "fieldwork", "weight", "coding"},
    "coding": {"codeframes", "fuzzy_threshold", "reference_date", "countries", "languages",
               "municipalities", "occupations", "education", "variables"},
    "fieldwork": {"targets", "group", "municipality", "e", "z_threshold", "min_interviews",
                  "backcheck_share", "backcheck_seed"},
    "weight": {"population", "stratum", "margins", "trim", "tolerance", "max_iter", "trim_cycles"},
    "clean": {"corrections", "exclude_breakoffs", "exclude_speeders", "speeder_ratio", "invalid",
              "routing", "not_asked_answered", "derive"},
    "privacy": {"key_env", "key_file", "demo_key", "respondent_id"},
    "validate": {"rules", "speeder_ratio", "straightline_min_items", "max_item_nonresponse",
                 "max_dont_know", "accept"},
    "survey": {"name", "title", "form", "language", "key"},
    "paths": {"raw", "cleaned", "work"},
    "source": {"name", "path", "format", "mode", "encoding", "delimiter", "sheet", "rename",
               "separator", "instance", "submitted", "dayfirst"},
    "sample": {"path", "format", "encoding", "delimiter", "sheet", "key", "identifiers"},
    "contacts": {"path", "format", "encoding", "delimiter", "sheet"},
    "ingest": {"complete_if", "mode_priority", "test_key_pattern"},
    "missing": set(MISSING_ROLES),
    "missing_code": {"code", "label"},
    "demo": {"seed", "sampled"},
}


def load_project(root: str | Path = ".") -> Project:
    """Read and check `<root>/sid.toml`; every problem is a SidError naming the key."""
    root = Path(root).resolve()
    file = root / PROJECT_FILE
    if not root.is_dir():
        raise SidError("project_missing", f"project folder {root} does not exist",
                       fix="Pass an existing folder with --project.")
    if not file.is_file():
        raise SidError("project_missing", f"no {PROJECT_FILE} in {root}",
                       fix="Run sid in a survey project folder or pass --project DIR.")
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise SidError("config_invalid", f"not UTF-8 text ({exc.reason})", file=file,
                       fix="Save sid.toml as UTF-8.") from None
    except tomllib.TOMLDecodeError as exc:
        raise SidError("config_invalid", f"not valid TOML: {exc}", file=file,
                       fix="Fix the syntax at that line.") from None
    return _build(root, file, data)


def _build(root: Path, file: Path, data: dict[str, Any]) -> Project:
    def fail(key: str, message: str, fix: str | None = None) -> SidError:
        return SidError("config_invalid", f"{key}: {message}", file=file,
                        fix=fix or f"Correct {key} in sid.toml (every key is described in docs/sid-toml.md).")

    def check_keys(table: dict[str, Any], allowed: set[str], where: str) -> None:
        unknown = sorted(set(table) - allowed)
        if unknown:
            raise fail(f"{where}{unknown[0]}", "unknown key",
                       fix=f"Allowed here: {', '.join(sorted(allowed))}.")

    def table(value: Any, key: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise fail(key, "must be a table")
        return value

    def text(tbl: dict[str, Any], key: str, where: str, default: str | None = None) -> str:
        value = tbl.get(key, default)
        if value is None:
            raise fail(f"{where}{key}", "is required")
        if not isinstance(value, str) or not value.strip():
            raise fail(f"{where}{key}", "must be a non-empty text")
        return value

    def inside(path_text: str, key: str) -> Path:
        path = (root / path_text).resolve()
        if not path.is_relative_to(root):
            raise fail(key, f"path {path_text!r} points outside the project folder",
                       fix="Use a path inside the project.")
        return path

    check_keys(data, _KEYS[""], "")
    survey = table(data.get("survey", {}), "survey")
    check_keys(survey, _KEYS["survey"], "survey.")
    name = text(survey, "name", "survey.")
    if not name.replace("_", "").replace("-", "").isalnum() or not name.isascii():
        raise fail("survey.name", f"{name!r} must use only letters, digits, - and _",
                   fix="It becomes the file name of the delivered .sav.")

    paths = table(data.get("paths", {}), "paths")
    check_keys(paths, _KEYS["paths"], "paths.")
    raw = inside(text(paths, "raw", "paths.", "raw"), "paths.raw")
    cleaned = inside(text(paths, "cleaned", "paths.", "cleaned"), "paths.cleaned")
    work = inside(text(paths, "work", "paths.", "work"), "paths.work")

    form = inside(text(survey, "form", "survey."), "survey.form")
    if form.suffix.lower() not in (".xlsx", ".xls"):
        raise fail("survey.form", f"{form.name} is not an XLSForm workbook (.xlsx)")

    missing = _missing_scheme(table(data.get("missing", {}), "missing"), fail, check_keys)

    def source(src: dict[str, Any], where: str, default_name: str | None = None) -> Source:
        path = inside(text(src, "path", where), f"{where}path")
        fmt = src.get("format", path.suffix.lower().lstrip("."))
        if fmt not in SOURCE_FORMATS:
            raise fail(f"{where}format", f"{fmt!r} is not a supported format",
                       fix=f"Use one of: {', '.join(SOURCE_FORMATS)}.")
        rename = src.get("rename", {})
        if not isinstance(rename, dict) or not all(isinstance(v, str) for v in rename.values()):
            raise fail(f"{where}rename", 'must be a table of "source column" = "variable"')
        for opt in ("encoding", "delimiter", "sheet", "mode", "instance", "submitted", "separator"):
            if opt in src and (not isinstance(src[opt], str) or not src[opt]):
                raise fail(f"{where}{opt}", "must be a non-empty text")
        if src.get("encoding"):
            import codecs

            try:
                codecs.lookup(src["encoding"])
            except LookupError:
                raise fail(f"{where}encoding", f"unknown encoding {src['encoding']!r}",
                           fix="Use e.g. utf-8, utf-8-sig or cp1252.") from None
        if not isinstance(src.get("dayfirst", True), bool):
            raise fail(f"{where}dayfirst", "must be true or false")
        return Source(
            name=text(src, "name", where, default_name or path.stem), path=path, format=fmt,
            mode=src.get("mode"), encoding=src.get("encoding"), delimiter=src.get("delimiter"),
            sheet=src.get("sheet"), rename=tuple(rename.items()), separator=src.get("separator", "/"),
            instance=src.get("instance"), submitted=src.get("submitted"),
            dayfirst=src.get("dayfirst", True),
        )

    raw_sources = data.get("sources", [])
    if not isinstance(raw_sources, list):
        raise fail("sources", "must be an array of tables: [[sources]]")
    sources = []
    for i, src in enumerate(raw_sources, start=1):
        where = f"sources[{i}]."
        src = table(src, f"sources[{i}]")
        check_keys(src, _KEYS["source"], where)
        sources.append(source(src, where))
    names = [s.name for s in sources]
    if len(set(names)) != len(names):
        raise fail("sources", "source names must be unique")

    sample = None
    if "sample" in data:
        tbl = table(data["sample"], "sample")
        check_keys(tbl, _KEYS["sample"], "sample.")
        identifiers = tbl.get("identifiers", [])
        if not isinstance(identifiers, list) or not all(isinstance(i, str) for i in identifiers):
            raise fail("sample.identifiers", "must be a list of column names")
        sample = SampleFrame(
            source({k: v for k, v in tbl.items() if k not in ("key", "identifiers")}, "sample.", "sample"),
            key=text(tbl, "key", "sample.", text(survey, "key", "survey.")),
            identifiers=tuple(identifiers))
    contacts = None
    if "contacts" in data:
        tbl = table(data["contacts"], "contacts")
        check_keys(tbl, _KEYS["contacts"], "contacts.")
        contacts = source(tbl, "contacts.", "contacts")

    ingest_tbl = table(data.get("ingest", {}), "ingest")
    check_keys(ingest_tbl, _KEYS["ingest"], "ingest.")
    priority = ingest_tbl.get("mode_priority", list(IngestSettings.mode_priority))
    if not isinstance(priority, list) or not all(isinstance(m, str) for m in priority):
        raise fail("ingest.mode_priority", 'must be a list of modes, e.g. ["capi", "papi", "web"]')
    pattern = ingest_tbl.get("test_key_pattern", IngestSettings.test_key_pattern)
    try:
        import re

        re.compile(pattern)
    except (re.error, TypeError) as exc:
        raise fail("ingest.test_key_pattern", f"not a valid regular expression ({exc})") from None
    ingest_settings = IngestSettings(
        complete_if=ingest_tbl.get("complete_if"), mode_priority=tuple(priority),
        test_key_pattern=pattern)

    demo_tbl = table(data.get("demo", {}), "demo")
    check_keys(demo_tbl, _KEYS["demo"], "demo.")
    demo = DemoSettings(**demo_tbl)
    if not isinstance(demo.seed, int) or not isinstance(demo.sampled, int) or demo.sampled < 60:
        raise fail("demo", "seed and sampled must be whole numbers (sampled >= 60)")

    vtbl = table(data.get("validate", {}), "validate")
    check_keys(vtbl, _KEYS["validate"], "validate.")
    defaults = ValidateSettings()
    numbers = {}
    for opt in ("speeder_ratio", "max_item_nonresponse", "max_dont_know", "straightline_min_items"):
        value = vtbl.get(opt, getattr(defaults, opt))
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise fail(f"validate.{opt}", "must be a non-negative number")
        numbers[opt] = value
    accept = vtbl.get("accept", {})
    if not isinstance(accept, dict) or not all(isinstance(v, str) and v.strip() for v in accept.values()):
        raise fail("validate.accept", 'must be a table of rule = "written reason"')
    validate = ValidateSettings(
        rules=inside(text(vtbl, "rules", "validate."), "validate.rules") if "rules" in vtbl else None,
        accept=tuple(accept.items()), **numbers)

    ctbl = table(data.get("clean", {}), "clean")
    check_keys(ctbl, _KEYS["clean"], "clean.")
    flags = {}
    for opt in ("exclude_breakoffs", "exclude_speeders", "invalid", "routing", "derive"):
        value = ctbl.get(opt, getattr(CleanConfig, opt))
        if not isinstance(value, bool):
            raise fail(f"clean.{opt}", "must be true or false")
        flags[opt] = value
    ratio = ctbl.get("speeder_ratio", CleanConfig.speeder_ratio)
    if isinstance(ratio, bool) or not isinstance(ratio, (int, float)) or not 0 <= ratio <= 1:
        raise fail("clean.speeder_ratio", "must be a number between 0 and 1")
    answered = ctbl.get("not_asked_answered", "not_applicable")
    if answered not in ("not_applicable", "keep"):
        raise fail("clean.not_asked_answered", 'must be "not_applicable" or "keep"')
    clean = CleanConfig(
        corrections=inside(text(ctbl, "corrections", "clean."), "clean.corrections")
        if "corrections" in ctbl else None,
        speeder_ratio=float(ratio), not_asked_answered=answered, **flags)

    privacy = None
    if "privacy" in data:
        ptbl = table(data["privacy"], "privacy")
        check_keys(ptbl, _KEYS["privacy"], "privacy.")
        key_file = None
        if "key_file" in ptbl:
            key_file = Path(text(ptbl, "key_file", "privacy.")).expanduser()
            key_file = key_file if key_file.is_absolute() else (root / key_file).resolve()
            if key_file.is_relative_to(root):
                raise fail("privacy.key_file", "the key file must lie outside the project folder",
                           fix="Keep the key where the delivery can never include it.")
        demo_key = ptbl.get("demo_key")
        if demo_key is not None and (not isinstance(demo_key, str) or not demo_key.startswith("DEMO-KEY-")):
            raise fail("privacy.demo_key", 'a demo key must start with "DEMO-KEY-" (it is not secret)',
                       fix="Use demo_key only for the bundled demo; real surveys take the key from "
                           "privacy.key_env or privacy.key_file.")
        privacy = PrivacySettings(
            key_env=text(ptbl, "key_env", "privacy.", "SID_PSEUDONYM_KEY"), key_file=key_file,
            demo_key=ptbl.get("demo_key"),
            respondent_id=text(ptbl, "respondent_id", "privacy.", "respondent_id"))

    fieldwork = _fieldwork(data, fail, check_keys, table) if "fieldwork" in data else None
    weight = None
    if "weight" in data:
        wtbl = table(data["weight"], "weight")
        check_keys(wtbl, _KEYS["weight"], "weight.")
        margins = wtbl.get("margins", ["stratum"])
        if not isinstance(margins, list) or not margins or not all(isinstance(m, str) and m for m in margins):
            raise fail("weight.margins", 'must be a list of margin names, e.g. ["stratum", "provincie"]')
        numbers = {}
        for opt, low in (("trim", 0), ("tolerance", 0), ("max_iter", 1), ("trim_cycles", 1)):
            value = wtbl.get(opt, getattr(WeightSettings, opt))
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < low \
                    or (opt == "tolerance" and not 0 < value < 0.01) or (opt == "trim" and 0 < value <= 1):
                raise fail(f"weight.{opt}", {"trim": "must be 0 (no trimming) or a factor above 1",
                                             "tolerance": "must be a number between 0 and 0.01",
                                             "max_iter": "must be a whole number >= 1",
                                             "trim_cycles": "must be a whole number >= 1"}[opt])
            numbers[opt] = int(value) if opt in ("max_iter", "trim_cycles") else float(value)
        weight = WeightSettings(
            population=inside(text(wtbl, "population", "weight."), "weight.population"),
            stratum=text(wtbl, "stratum", "weight.", "stratum"), margins=tuple(margins), **numbers)

    return Project(
        root=root, file=file, name=name,
        title=text(survey, "title", "survey.", name),
        form=form,
        language=text(survey, "language", "survey.", "nl"),
        key=text(survey, "key", "survey."),
        missing=missing, sources=tuple(sources),
        raw=raw, cleaned=cleaned, work=work, demo=demo,
        sample=sample, contacts=contacts, ingest=ingest_settings, validate=validate,
        clean=clean, privacy=privacy, fieldwork=fieldwork, weight=weight,
        coding=_coding(data, fail, check_keys, table, inside) if "coding" in data else None,
    )


def _fieldwork(data: dict[str, Any], fail, check_keys, table) -> FieldworkSettings:
    tbl = table(data["fieldwork"], "fieldwork")
    check_keys(tbl, _KEYS["fieldwork"], "fieldwork.")
    targets = tbl.get("targets", {})
    if not isinstance(targets, dict) or not all(
            isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in targets.values()):
        raise fail("fieldwork.targets", "must be a table of origin group = completes wanted",
                   fix="e.g. targets = { BE = 750, MA = 750 }")
    values: dict[str, Any] = {}
    for opt in ("group", "municipality"):
        if opt in tbl and (not isinstance(tbl[opt], str) or not tbl[opt].strip()):
            raise fail(f"fieldwork.{opt}", "must be a non-empty text (a sample-frame column)")
        values[opt] = tbl.get(opt, getattr(FieldworkSettings, opt))
    e = tbl.get("e", "proportional")
    if e != "proportional" and (isinstance(e, bool) or not isinstance(e, (int, float)) or not 0 <= e <= 1):
        raise fail("fieldwork.e", 'must be "proportional" or a number between 0 and 1')
    checks = {"z_threshold": (0, None), "min_interviews": (1, None), "backcheck_share": (0, 1)}
    for opt, (low, high) in checks.items():
        value = tbl.get(opt, getattr(FieldworkSettings, opt))
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < low \
                or (high is not None and value > high) or (opt == "z_threshold" and value == 0):
            raise fail(f"fieldwork.{opt}", "must be a positive number" + (
                " between 0 and 1" if high else ""))
        values[opt] = int(value) if opt == "min_interviews" else float(value)
    seed = tbl.get("backcheck_seed", FieldworkSettings.backcheck_seed)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise fail("fieldwork.backcheck_seed", "must be a whole number >= 0")
    return FieldworkSettings(targets=tuple(targets.items()), e=e if e == "proportional" else float(e),
                             backcheck_seed=seed, **values)


def _coding(data: dict[str, Any], fail, check_keys, table, inside) -> CodingSettings:
    tbl = table(data["coding"], "coding")
    check_keys(tbl, _KEYS["coding"], "coding.")
    paths: dict[str, Any] = {}
    for opt in ("codeframes", "countries", "languages", "municipalities", "occupations", "education"):
        if opt in tbl:
            if not isinstance(tbl[opt], str) or not tbl[opt].strip():
                raise fail(f"coding.{opt}", "must be a path inside the project")
            paths[opt] = inside(tbl[opt], f"coding.{opt}")
    paths.setdefault("codeframes", inside("schemas/codeframes", "coding.codeframes"))
    threshold = tbl.get("fuzzy_threshold", CodingSettings.fuzzy_threshold)
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0 < threshold <= 100:
        raise fail("coding.fuzzy_threshold", "must be a number above 0 and at most 100")
    reference = tbl.get("reference_date", CodingSettings.reference_date)
    if isinstance(reference, str):
        try:
            reference = date.fromisoformat(reference)
        except ValueError:
            raise fail("coding.reference_date", f"{reference!r} is not a date like 2026-03-01") from None
    if not isinstance(reference, date) or isinstance(reference, datetime):
        raise fail("coding.reference_date", "must be a date like 2026-03-01")
    variables = tbl.get("variables", {})
    if not isinstance(variables, dict) or not all(v in KINDS for v in variables.values()):
        raise fail("coding.variables", 'must be a table of text variable = classification',
                   fix=f"Classifications: {', '.join(KINDS)}.")
    return CodingSettings(fuzzy_threshold=float(threshold), reference_date=reference,
                          variables=tuple(variables.items()), **paths)


def _missing_scheme(tbl: dict[str, Any], fail, check_keys) -> MissingScheme:
    check_keys(tbl, _KEYS["missing"], "missing.")
    codes = []
    for default in SID_MISSING.codes:
        entry = tbl.get(default.role, {})
        if not isinstance(entry, dict):
            raise fail(f"missing.{default.role}", "must be a table like { code = -1, label = \"weet niet\" }")
        check_keys(entry, _KEYS["missing_code"], f"missing.{default.role}.")
        code = entry.get("code", default.code)
        label = entry.get("label", default.label)
        if not isinstance(code, int) or code >= 0:
            raise fail(f"missing.{default.role}.code", f"{code!r} must be a negative whole number",
                       fix="Missing codes must not collide with answer codes.")
        if not isinstance(label, str) or not label:
            raise fail(f"missing.{default.role}.label", "must be a non-empty text")
        codes.append(MissingCode(default.role, code, label))
    values = [c.code for c in codes]
    if len(set(values)) != len(values):
        raise fail("missing", "each missing-value role needs its own code")
    return MissingScheme(tuple(codes))
