"""The project file `sid.toml`: which survey, which form, which sources, where outputs go.

Each key of sid.toml is a dataclass field below, made with `setting()`: its type, its default and
its check are declared here, once; `pipeline.survey.project_file` reads the file against them.
docs/sid-toml.md describes every key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pipeline.survey.project_file import (
    ProjectFile,
    file_name,
    known_encoding,
    outside,
    regex,
    setting,
    top_level_keys,
    verbatim,
    xlsform,
)
from pipeline.survey.rosters import WIDE_DEFAULT, wide_rule_ok

# The standard classifications a [coding.variables] entry may name (pipeline/coding/classifications.py).
MODES = ("web", "capi", "papi")  # modes of collection of a fieldwork export (DESIGN.md)
UI_LANGUAGES = ("nl", "en")  # what sid's terminal speaks
KINDS = ("country", "language", "municipality", "occupation", "education")

SOURCE_FORMATS = ("csv", "xlsx", "sav", "parquet")
KEY_CASES = ("keep", "upper")  # ingest.key_case
FORMAT_OF_SUFFIX = {"zsav": "sav", "pq": "parquet"}  # other suffixes are their format

# The tables of the keys that are not read from a table of their own dataclass (setting(tables=...)).
SURVEY = ("survey",)
PATHS = ("paths",)
ROSTER_LAYOUTS = ("odk", "kobo", "wide")  # ingest/rosters.py
EXPORT = ("sources",)  # the keys of a fieldwork export only: [sample] and [contacts] name a plain file


@dataclass(frozen=True)
class MissingCode:
    """One missing-value code of the scheme: in sid.toml, [missing] <role> = { code, label }."""

    role: str
    code: int = setting(test=lambda code: code < 0, expect="{value!r} must be a negative whole number",
                        fix="Missing codes must not collide with answer codes.")
    label: str = setting()


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


def _at_least_one(value: float) -> bool:
    return value >= 1


def _format_of(path: Path) -> str:
    suffix = path.suffix.lower().lstrip(".")
    return FORMAT_OF_SUFFIX.get(suffix, suffix)


@dataclass(frozen=True)
class Source:
    """One input file named in sid.toml: a fieldwork export, the sample frame or the contact log."""

    name: str = setting(derive=lambda values: values["path"].stem, tables=EXPORT)  # [sample] is "sample"
    path: Path = setting()
    format: str = setting(derive=lambda values: _format_of(values["path"]),
                          test=lambda fmt: fmt in SOURCE_FORMATS, expect="{value!r} is not a supported format",
                          fix=f"Use one of: {', '.join(SOURCE_FORMATS)}.")
    mode: str | None = setting(None, tables=EXPORT, test=lambda mode: mode in MODES,
                               expect="{value!r} is not a mode of collection", fix=f"Use one of: {', '.join(MODES)}.")
    encoding: str | None = setting(None, read=known_encoding)  # None: detected (BOM, else UTF-8, else Windows-1252)
    delimiter: str | None = setting(None, read=verbatim)  # None: detected
    sheet: str | None = setting(None)  # xlsx: sheet name (default: the first visible one; hidden ones only by name)
    header_row: int = setting(1, test=lambda row: row >= 1,  # the header's line: title lines above it are skipped
                              expect="must be a whole number >= 1 (the line of the header)")
    rename: tuple[tuple[str, str], ...] = setting(  # source column → form variable
        (), expect='must be a table of "source column" = "variable"', tables=EXPORT)
    separator: str = setting("/", read=verbatim, tables=EXPORT)  # between group names and the question name in headers
    instance: str | None = setting(None, tables=EXPORT)  # column identifying the record (e.g. meta/instanceID)
    submitted: str | None = setting(None, tables=EXPORT)  # column with the submission time (latest wins among equals)
    dayfirst: bool = setting(True, tables=EXPORT)  # dates like 02/03/2026 are 2 March
    decimal: str = setting(".", test=lambda mark: mark in (".", ","), expect='must be "." or ","',
                           tables=EXPORT)  # decimal mark of numbers written as text
    empty: tuple[str, ...] = setting(  # texts that mean an empty cell, e.g. ["n/a"] (legacy KoboCAT exports)
        (), expect='must be a list of texts, e.g. ["n/a"]', tables=EXPORT)
    absent: tuple[str, ...] = setting(  # required questions this mode does not ask: -3 for its records
        (), expect="must be a list of variable names", tables=EXPORT)
    recode: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = setting(  # variable → { "file code" = "form code" }
        (), expect='must be a table of variable = {{ "file code" = "form code" }}', tables=EXPORT)
    # Rosters (docs/sources.md "Rosters"): how the repeats' rows come with this export, if at all.
    roster_layout: str | None = setting(None, tables=EXPORT, test=lambda layout: layout in ROSTER_LAYOUTS,
                                        expect="{value!r} is not a roster layout",
                                        fix=f"Use one of: {', '.join(ROSTER_LAYOUTS)}.")
    roster_files: tuple[tuple[str, Path], ...] = setting(  # odk: roster → its CSV (default <main>-<roster>.csv)
        (), expect='must be a table of roster = "file"', tables=EXPORT)
    roster_sheets: tuple[tuple[str, str], ...] = setting(  # kobo: roster → its sheet (default: the roster's name)
        (), expect='must be a table of roster = "sheet"', tables=EXPORT)
    roster_wide: str = setting(  # wide: how an instance's column is named (docs/sources.md "Rosters")
        WIDE_DEFAULT, read=verbatim, tables=EXPORT, test=wide_rule_ok,
        expect="{value!r} is not a wide naming rule",
        fix='Write it with {variable} and {n} once each and {roster} at most once, e.g. "{variable}_{n}".')
    # Bounds (docs/robustness.md): a garbage or hostile file fails in seconds, not after hours.
    max_size_mb: int = setting(2048, test=_at_least_one, expect="must be a whole number of MB >= 1")
    max_line_kb: int = setting(  # text exports: the longest line (a record) in KB
        1024, test=_at_least_one, expect="must be a whole number of KB >= 1")
    max_unpacked_mb: int = setting(  # xlsx: what the workbook's parts unpack to, checked before reading
        512, test=_at_least_one, expect="must be a whole number of MB >= 1")
    max_ratio: int = setting(  # xlsx: unpacked size / packed size of any part (a zip bomb is ~1000)
        200, test=_at_least_one, expect="must be a whole number >= 1")


@dataclass(frozen=True)
class SampleFrame:
    """The sample frame: a file (the keys of a Source it takes), its key column, its identifiers."""

    source: Source
    key: str = setting()  # default: the survey key
    identifiers: tuple[str, ...] = setting(  # direct identifiers: never joined to the answers, never delivered
        (), expect="must be a list of column names")


@dataclass(frozen=True)
class IngestSettings:
    """Ingest: which interviews are complete, which duplicate wins, which keys are tests."""

    complete_if: str | None = setting(None)  # expression; default: the form's last required, unrouted question answered
    mode_priority: tuple[str, ...] = setting(
        ("capi", "papi", "web"), expect='must be a list of modes, e.g. ["capi", "papi", "web"]',
        test=lambda modes: set(modes) <= set(MODES))
    test_key_pattern: str = setting(r"^(?i:test)", read=regex)
    key_case: str = setting("keep", test=lambda case: case in KEY_CASES,  # keys: NFKC, trimmed, then this
                            expect='must be "keep" or "upper"')


# A speeder: an interview shorter than this share of the median duration of all interviews.
# Validation flags them ([validate]) and cleaning excludes them ([clean]); one default for both.
SPEEDER_RATIO = 0.33


def _threshold(default: float) -> Any:
    """A [validate] threshold: a number >= 0."""
    return setting(default, test=lambda value: value >= 0, expect="must be a non-negative number")


@dataclass(frozen=True)
class ValidateSettings:
    """Validation: the consistency rules, the data-quality thresholds, failures accepted with a reason."""

    rules: Path | None = setting(None)  # YAML file of consistency rules
    speeder_ratio: float = _threshold(SPEEDER_RATIO)  # flagged below this share of the median duration
    straightline_min_items: int = _threshold(4)
    max_item_nonresponse: float = _threshold(0.30)
    max_dont_know: float = _threshold(0.30)
    # 'weet niet' is judged only for respondents asked at least this many questions that offer it
    min_dont_know_questions: int = _threshold(10)
    accept: tuple[tuple[str, str], ...] = setting(  # rule name → written reason for accepting its failures
        (), expect='must be a table of rule = "written reason"')


@dataclass(frozen=True)
class CleanSettings:
    """Cleaning: the correction rules and which of the standard steps run."""

    corrections: Path | None = setting(None)  # YAML file of correction rules, applied in order
    exclude_breakoffs: bool = setting(True)
    exclude_speeders: bool = setting(True)
    speeder_ratio: float = setting(SPEEDER_RATIO, test=lambda ratio: 0 <= ratio <= 1, expect="must be a number between 0 and 1")
    invalid: bool = setting(True)
    routing: bool = setting(True)
    not_asked_answered: str = setting("not_applicable", test=lambda how: how in ("not_applicable", "keep"),
                                      expect='must be "not_applicable" or "keep"')
    derive: bool = setting(True)


@dataclass(frozen=True)
class PrivacySettings:
    """Pseudonymous respondent ids: HMAC-SHA256 of the key with a secret kept outside the project."""

    key_env: str = setting("SID_PSEUDONYM_KEY")
    key_file: Path | None = setting(None, read=outside)
    demo_key: str | None = setting(  # only for demo projects: a key that is not secret
        None, test=lambda key: key.startswith("DEMO-KEY-"),
        expect='a demo key must start with "DEMO-KEY-" (it is not secret)',
        fix="Use demo_key only for the bundled demo; real surveys take the key from privacy.key_env or "
            "privacy.key_file.")
    respondent_id: str = setting("respondent_id")
    # false: the delivery names respondents by the survey key itself; only with a `reason`, which
    # the file label, the .sav's documents, README.txt and the manifest then state.
    pseudonymise: bool = setting(True)
    reason: str | None = setting(None)


@dataclass(frozen=True)
class FieldworkSettings:
    """Fieldwork monitoring: targets per origin group, AAPOR `e`, interviewer checks, back-checks."""

    targets: tuple[tuple[str, int], ...] = setting(  # origin group → completes wanted
        (), test=lambda targets: all(wanted > 0 for _, wanted in targets),
        expect="must be a table of origin group = completes wanted", fix="e.g. targets = { BE = 750, MA = 750 }")
    group: str = setting("stratum", expect="must be a non-empty text (a sample-frame column)")  # origin group
    municipality: str = setting(  # sample-frame column for rates per municipality
        "gemeente", expect="must be a non-empty text (a sample-frame column)")
    e: str | float = setting(  # eligible share among unknowns: a number or "proportional"
        "proportional", test=lambda e: e == "proportional" or (not isinstance(e, str) and 0 <= e <= 1),
        expect='must be "proportional" or a number between 0 and 1')
    z_threshold: float = setting(  # |robust z| beyond which an interviewer is flagged
        3.5, test=lambda z: z > 0, expect="must be a positive number")
    min_interviews: int = setting(5, test=_at_least_one, expect="must be a positive number")  # fewer: listed only
    backcheck_share: float = setting(  # share of each interviewer's interviews to re-contact
        0.10, test=lambda share: 0 <= share <= 1, expect="must be a positive number between 0 and 1")
    backcheck_seed: int = setting(2026, test=lambda seed: seed >= 0, expect="must be a whole number >= 0")


@dataclass(frozen=True)
class WeightSettings:
    """Design weights, nonresponse adjustment within strata, raking to population margins."""

    population: Path = setting()  # reference table: variabele, categorie, populatie
    stratum: str = setting("stratum")  # sample-frame column with the design strata
    margins: tuple[str, ...] = setting(  # raking margins: `variabele` values of the table
        ("stratum",), test=bool, expect='must be a list of margin names, e.g. ["stratum", "provincie"]')
    trim: float = setting(  # cap at trim × the stratum's median weight, then rake again; 0: no trimming
        0.0, test=lambda trim: trim == 0 or trim > 1, expect="must be 0 (no trimming) or a factor above 1")
    tolerance: float = setting(  # largest relative margin error accepted
        1e-10, test=lambda tolerance: 0 < tolerance < 0.01, expect="must be a number between 0 and 0.01")
    max_iter: int = setting(500, test=_at_least_one, expect="must be a whole number >= 1")  # raking iterations a pass
    trim_cycles: int = setting(50, test=_at_least_one, expect="must be a whole number >= 1")  # trim-and-rake cycles


def _inside(default: Path | None = None) -> Any:
    """A [coding] key: a file or folder inside the project."""
    return setting(default, expect="must be a path inside the project")


@dataclass(frozen=True)
class CodingSettings:
    """Coding of open and other-specify answers: code frames, fuzzy threshold, classifications."""

    codeframes: Path = _inside(Path("schemas/codeframes"))  # one code frame per variable: <variable>.csv
    fuzzy_threshold: float = setting(  # 0-100: rapidfuzz score from which a match is coded automatically
        75.0, test=lambda score: 0 < score <= 100, expect="must be a number above 0 and at most 100")
    reference_date: date = setting(date(2026, 1, 1))  # date of answers without an interview date (NIS codes valid then)
    countries: Path | None = _inside()  # aliases for country names (Belgian usage, nationalities)
    languages: Path | None = _inside()  # aliases for language names
    municipalities: Path | None = _inside()  # Statbel REFNIS file (or a subset in its format)
    successors: Path | None = _inside()  # ended NIS code -> the municipality that replaced it, and since when
    postcodes: Path | None = _inside()  # bpost postcodes and deelgemeenten with the NIS code of their municipality
    occupations: Path | None = _inside()  # ILO ISCO-08 structure file (.xlsx or .csv)
    occupation_names: Path | None = _inside()  # occupation titles (name, code) -> their ISCO-08 unit group
    education: Path | None = _inside()  # table of degrees -> ISCED 2011 level
    variables: tuple[tuple[str, str], ...] = setting(  # text variable -> classification
        (), test=lambda variables: all(kind in KINDS for _, kind in variables),
        expect="must be a table of text variable = classification", fix=f"Classifications: {', '.join(KINDS)}.")


@dataclass(frozen=True)
class ExportSettings:
    """The delivery's label languages and sid's own labels per language (docs/spss.md)."""

    languages: tuple[str, ...] = setting(  # the .sav in the first, a label syntax file per other
        (), test=lambda langs: len(set(langs)) == len(langs), expect="must be a list of language codes, each once",
        fix='e.g. languages = ["nl", "fr", "en"]')
    labels: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = setting(  # [export.labels.<lang>] key = text
        (), expect="must be a table per language of label key = text",
        fix='e.g. [export.labels.en] dont_know = "don\'t know" (keys: pipeline/delivery/labels.py)')


@dataclass(frozen=True)
class TablesSettings:
    """`sid report tables` (and part of `sid run`): weighted tables of the delivery (docs/delivery.md)."""

    breakdowns: tuple[str, ...] = setting(  # labelled variables of the .sav to split every question by
        ("stratum",), expect='must be a list of variable names, e.g. ["stratum", "modus", "geslacht"]')
    weight: str = setting("gewicht", expect="must be a variable of the delivery (the weight)")
    strata: str = setting("stratum", expect="must be a variable of the delivery (the weights' strata)")
    min_n: int = setting(30, test=lambda n: n >= 1, expect="must be a whole number >= 1")  # smaller base: suppressed


@dataclass(frozen=True)
class DemoSettings:
    """`sid demo`: the random seed and the size of the sample it generates."""

    seed: int = setting(2026)
    sampled: int = setting(12000, test=lambda n: n >= 60, expect="must be a whole number >= 60")  # about 37% complete
    project: bool = setting(False)  # a demo project: may use privacy.demo_key; its deliveries are marked DEMO


@dataclass(frozen=True)
class Project:
    """A survey project: its [survey] and [paths] keys, and a dataclass per other table of sid.toml."""

    root: Path
    file: Path
    name: str = setting(read=file_name, tables=SURVEY)
    title: str = setting(derive=lambda values: values["name"], tables=SURVEY)
    form: Path = setting(read=xlsform, tables=SURVEY)
    language: str | None = setting(None, tables=SURVEY, kw_only=True)  # None: the form's default
    ui_language: str = setting("nl", tables=SURVEY, kw_only=True, test=lambda v: v in UI_LANGUAGES,
                               expect="{value!r} is not a language of sid's terminal",
                               fix=f"Use one of: {', '.join(UI_LANGUAGES)}.")  # terminal text and numbers
    key: str = setting(tables=SURVEY)
    missing: MissingScheme
    sources: tuple[Source, ...]
    raw: Path = setting(Path("raw"), tables=PATHS)
    cleaned: Path = setting(Path("cleaned"), tables=PATHS)
    work: Path = setting(Path("work"), tables=PATHS)
    demo: DemoSettings = field(default_factory=DemoSettings)
    sample: SampleFrame | None = None
    contacts: Source | None = None
    ingest: IngestSettings = field(default_factory=IngestSettings)
    validate: ValidateSettings = field(default_factory=ValidateSettings)
    clean: CleanSettings = field(default_factory=CleanSettings)
    privacy: PrivacySettings | None = None
    fieldwork: FieldworkSettings | None = None
    weight: WeightSettings | None = None
    coding: CodingSettings | None = None
    export: ExportSettings = field(default_factory=ExportSettings)
    tables: TablesSettings | None = None

    @property
    def schemas(self) -> Path:
        """The survey's definition (form, rules, code frames): always `schemas/` of the project."""
        return self.root / "schemas"

    def unconfigured(self) -> tuple[str, ...]:
        """Warnings about rule files in schemas/ that sid.toml does not name (so they are not used)."""
        found = []
        for key, configured, name in (("validate.rules", self.validate.rules, "rules.yaml"),
                                   ("clean.corrections", self.clean.corrections, "corrections.yaml")):
            if configured is None and (self.schemas / name).is_file():
                section, field_name = key.split(".")
                found.append(f"schemas/{name} is not used: set {field_name} = \"schemas/{name}\" under "
                             f"[{section}] in sid.toml ({key})")
        return tuple(found)

    @property
    def sav_path(self) -> Path:
        return self.cleaned / f"{self.name}.sav"

    @property
    def sps_path(self) -> Path:
        return self.cleaned / f"{self.name}.sps"


def load_project(root: str | Path = ".") -> Project:
    """Read and check `<root>/sid.toml`; every problem is a SidError naming the key."""
    doc = ProjectFile.open(root)
    doc.check_keys(doc.data, top_level_keys(Project), "")
    survey = doc.values(Project, "survey")
    paths = doc.values(Project, "paths")
    _check_roles(doc, paths)
    project = Project(
        root=doc.root, file=doc.file, **survey, **paths,
        **doc.sections(
            Project,
            missing=doc.missing(SID_MISSING, "missing"),
            sources=doc.sources(Source, "sources"),
            sample=doc.file_table("sample", Source, SampleFrame, key=survey["key"]),
            contacts=doc.file_table("contacts", Source),
        ),
    )
    _check_privacy(doc, project)
    _check_inputs(doc, project)
    return project


def _check_privacy(doc: ProjectFile, project: Project) -> None:
    """The [privacy] keys that depend on each other or on [demo]."""
    privacy = project.privacy
    if privacy is None:
        return
    if privacy.demo_key and not project.demo.project:
        raise doc.fail("privacy.demo_key", "a demo key is only accepted in a demo project ([demo] project = true)",
                       fix="Create a real key with `sid key new` and set privacy.key_file to the file it writes.")
    if not privacy.pseudonymise and not (privacy.reason or "").strip():
        raise doc.fail("privacy.reason", "is required when pseudonymise = false",
                       fix="Say why the delivery may hold the survey's own ids; the delivery states it.")
    if privacy.pseudonymise and privacy.reason:
        raise doc.fail("privacy.reason", "is only for pseudonymise = false",
                       fix="Remove it, or set pseudonymise = false if the ids are really to be delivered.")


# The folders of a project and the key that names each: none may be another or hold another,
# since sid replaces cleaned/ as a whole and writes into work/ (docs/robustness.md).
_ROLE_FIX = ('Give the project folder, raw/, schemas/, work/ and cleaned/ each a folder of their own, '
             'none inside another (the defaults: raw = "raw", work = "work", cleaned = "cleaned").')


def _check_roles(doc: ProjectFile, paths: dict[str, Path]) -> None:
    """[paths] raw, work, cleaned, the project folder and schemas/ are distinct and not nested."""
    roles = [("the project folder", doc.root), ("schemas/", doc.root / "schemas")]
    roles += [(f"paths.{key}", paths[key]) for key in ("raw", "work", "cleaned")]
    for i, (key, path) in enumerate(roles):
        for other, other_path in roles[:i]:
            if path == other_path:
                raise doc.fail(key, f"is the same folder as {other}", _ROLE_FIX)
            if other_path.is_relative_to(path):
                raise doc.fail(key, f"holds {other} ({other_path})", _ROLE_FIX)
            if path.is_relative_to(other_path) and other != "the project folder":
                raise doc.fail(key, f"lies inside {other} ({other_path})", _ROLE_FIX)


def _check_inputs(doc: ProjectFile, project: Project) -> None:
    """No input (form, rules, sources ...) lies in work/ or cleaned/, which sid rewrites."""
    inputs = [("survey.form", project.form), ("validate.rules", project.validate.rules),
              ("clean.corrections", project.clean.corrections)]
    inputs += [(f"sources[{i}].path", s.path) for i, s in enumerate(project.sources, start=1)]
    inputs += [(f"sources[{i}].roster_files.{r}", p) for i, s in enumerate(project.sources, start=1)
               for r, p in s.roster_files]
    inputs += [(f"{name}.path", table.path) for name, table in
               (("sample", project.sample.source if project.sample else None), ("contacts", project.contacts))
               if table is not None]
    for key, path in inputs:
        for role in ("work", "cleaned"):
            if path is not None and path.is_relative_to(getattr(project, role)):
                raise doc.fail(key, f"lies inside paths.{role} ({getattr(project, role)}), which sid rewrites",
                               "Keep inputs in raw/ (fieldwork) or schemas/ (the survey's definition).")
