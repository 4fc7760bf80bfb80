"""The questionnaire: an XLSForm read through pyxform into an immutable model."""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any, Iterator, Mapping

from pipeline import workdir
from pipeline.errors import ErrorCode, SidError
from pipeline.files import zip_bomb
from pipeline.survey.choice_files import external_choices, read_choice_file
from pipeline.survey.converted import cached_form, form_key, keep_form
from pipeline.survey.form_checks import check_cycles, check_expressions, row_of_value
from pipeline.survey.parts import geopoint_parts, rank_parts
from pipeline.survey.project import SID_MISSING, MissingScheme, Project
from pipeline.survey.rosters import Roster, repeat_count
from pipeline.survey.syntax import COLLECTED_FUNCTIONS, functions
from pipeline.survey.types import (
    DATETIME_TYPES,
    DEFAULT_MEASURE,
    MEASURES,
    MEDIA_TYPES,
    NUMERIC_TYPES,
    calculate_type,
    sid_type,
)
from pipeline.survey.unjudgeable import conditions_of, question_names, uses_any, without_unjudgeable

_ROW = re.compile(r"^\s*\[row\s*:\s*(\d+)\]\s*")
_LANG_CODE = re.compile(r"\(([A-Za-z-]+)\)\s*$")

# a repeat is a level of its own (survey/rosters.py), never columns of the main file
ROSTER_NOTE = "is a roster: not in the main file; delivered as a file of its own when a source reads it (roster_layout)"


def _frozen(mapping: Mapping[str, str] | None) -> Mapping[str, str]:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True)
class Language:
    """A label language of the form: its column (`label::<column>`, e.g. "Nederlands (nl)") and
    its code (the code in brackets, else the column's name in lower case: "nl")."""

    column: str
    code: str

    @classmethod
    def of(cls, column: str) -> Language:
        match = _LANG_CODE.search(column)
        return cls(column, (match.group(1) if match else column).lower())


@dataclass(frozen=True)
class Choice:
    name: str
    labels: Mapping[str, str]
    columns: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))  # other columns (choice_filter)

    def label(self, language: str) -> str:
        return self.labels.get(language) or next(iter(self.labels.values()), self.name)


@dataclass(frozen=True)
class ChoiceList:
    name: str
    choices: tuple[Choice, ...]

    @cached_property
    def numeric(self) -> bool:
        """True when every choice name is a whole number (then names are the codes)."""
        return all(_is_int(c.name) for c in self.choices)

    @cached_property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.choices)

    @cached_property
    def codes(self) -> Mapping[str, int]:
        """Numeric code of each choice: whole-number names are their own code; other names
        (``BE``, ``other``) get 1, 2, 3 ... in the order of the choices sheet, skipping codes
        already taken. Stable as long as the list's order is not changed."""
        taken = {int(c.name) for c in self.choices if _is_int(c.name)}
        codes: dict[str, int] = {}
        nxt = 1
        for c in self.choices:
            if _is_int(c.name):
                codes[c.name] = int(c.name)
                continue
            while nxt in taken:
                nxt += 1
            codes[c.name] = nxt
            taken.add(nxt)
        return MappingProxyType(codes)


@dataclass(frozen=True)
class Variable:
    """One question (or calculate) of the form: what the data column holds and how it is asked."""

    name: str
    type: str
    row: int
    group: tuple[str, ...] = ()
    labels: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    hints: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    choices: ChoiceList | None = None
    relevant: str | None = None
    constraint: str | None = None
    constraint_message: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    required: bool = False
    calculate: str | None = None
    measure: str = "nominal"
    read_only: bool = False
    group_relevant: tuple[str, ...] = ()  # relevant conditions of the enclosing groups, outermost first
    data_type: str | None = None  # the form's bind::type, e.g. "string" for a calculate giving text
    # (for a calculate without one: "string" when its expression gives text, see survey/types.py)
    keep_collected: bool = False  # a calculate over questions sid does not hold (in a repeat)
    bounds: tuple[float, float, float] | None = None  # a range question's start, end and step
    choice_filter: str | None = None  # which choices are offered, from the answers (e.g. `${provincie}=prov`)
    part_of: tuple[str, int] | None = None  # one of a geopoint's or a rank's variables: (question, part index)
    over_roster: str | None = None  # a constraint dropped for counting a roster: judged by validation/rosters.py

    @property
    def routing(self) -> str | None:
        """The full condition under which the question is asked: its groups' and its own."""
        parts = [*self.group_relevant, *([self.relevant] if self.relevant else [])]
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else " and ".join(f"({p})" for p in parts)

    @property
    def media(self) -> bool:
        """The answer is the name of a file the form app saved (a photo, signature, recording, upload)."""
        return self.type in MEDIA_TYPES

    @property
    def kind(self) -> str:
        """How the answers are held in a frame: numeric, string, multi or datetime."""
        if self.type == "select_multiple":
            return "multi"
        if self.type == "select_one":
            return "numeric" if self.choices is not None and self.choices.numeric else "string"
        if self.type == "calculate" and self.data_type in ("string", "date", "dateTime"):
            return "string" if self.data_type == "string" else "datetime"
        if self.type in NUMERIC_TYPES:
            return "numeric"
        if self.type in DATETIME_TYPES:
            return "datetime"
        return "string"

    @property
    def collected(self) -> bool:
        """A calculate whose value is the moment of collection (now, once, uuid, random) or that the
        form app computed from what sid does not hold (a repeat's instances, count(), position(),
        pulldata() from a file on the device): sid keeps the collected value and never computes it."""
        return bool(self.type == "calculate" and self.calculate
                    and (self.keep_collected or functions(self.calculate) & COLLECTED_FUNCTIONS))

    def label(self, language: str) -> str:
        return self.labels.get(language) or next(iter(self.labels.values()), "")


@dataclass(frozen=True)
class Questionnaire:
    path: Path
    form_id: str
    title: str
    version: str
    default_language: str
    languages: tuple[str, ...]
    variables: tuple[Variable, ...]
    missing: MissingScheme = SID_MISSING
    warnings: tuple[str, ...] = ()  # constructs loaded as text: one line each, naming the row
    rosters: tuple[Roster, ...] = ()  # the repeats, each a level (survey/rosters.py); not in `variables`

    def __iter__(self) -> Iterator[Variable]:
        return iter(self.variables)

    def __len__(self) -> int:
        return len(self.variables)

    def __getitem__(self, name: str) -> Variable:
        for v in self.variables:
            if v.name == name:
                return v
        raise KeyError(name)

    def __contains__(self, name: object) -> bool:
        return any(v.name == name for v in self.variables)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(v.name for v in self.variables)

    @property
    def label_languages(self) -> tuple[Language, ...]:
        return tuple(Language.of(column) for column in self.languages)

    def language(self, wanted: str | Language | None = None) -> Language:
        """The form's label language for `wanted`: a column name or a language code. None: the
        delivery language, the form's default_language, else its only language, else its first."""
        if isinstance(wanted, Language):
            return wanted
        if wanted is None:
            found = [lang for lang in self.label_languages
                     if self.default_language in (lang.column, lang.code)]
            return (found or list(self.label_languages))[0]
        for lang in self.label_languages:
            if wanted in (lang.column, lang.code) or lang.code == wanted.lower():
                return lang
        raise SidError(ErrorCode.LANGUAGE_UNKNOWN, f"the form has no labels in language {wanted!r}",
                       file=self.path, sheet="survey",
                       fix=f"Use one of: {', '.join(self.languages)} (or its code in brackets).")


def questionnaire_of(project: Project) -> Questionnaire:
    """The project's questionnaire, with its label language checked (fails early when the form
    lacks the language sid.toml names)."""
    questionnaire = load_questionnaire(project.form, project.missing, cache=project.work / workdir.FORM_CACHE)
    questionnaire.language(project.language)
    return questionnaire


# Bounds of the questionnaire workbook, checked before it is unpacked (docs/robustness.md).
FORM_MAX_UNPACKED, FORM_MAX_RATIO = 64 << 20, 200


def load_questionnaire(path: str | Path, missing: MissingScheme = SID_MISSING, cache: Path | None = None) -> Questionnaire:
    """Parse and check an XLSForm with pyxform; a bad form is one SidError naming sheet and row.
    pyxform's conversion is kept by checksum in the process and in `cache` (survey.converted)."""
    path = Path(path)
    if not path.is_file():
        raise SidError(ErrorCode.FORM_MISSING, "questionnaire file not found", file=path,
                       fix="Check survey.form in sid.toml.")
    if path.suffix.lower() not in (".xlsx", ".xlsm", ".xls"):
        raise SidError(ErrorCode.FORM_UNREADABLE, "not an Excel workbook", file=path,
                       fix="Give the questionnaire as an .xlsx, .xlsm or .xls XLSForm.")
    if path.suffix.lower() != ".xls" and not zipfile.is_zipfile(path):
        raise SidError(ErrorCode.FORM_UNREADABLE, "not a valid .xlsx workbook (damaged, or not made by Excel)",
                       file=path, fix="Open it in Excel and save it again as .xlsx.")
    bomb = zip_bomb(path, FORM_MAX_UNPACKED, FORM_MAX_RATIO) if path.suffix.lower() != ".xls" else None
    if bomb:
        raise SidError(ErrorCode.FORM_UNREADABLE, f"not read: {bomb}", file=path,
                       fix="Open it in Excel and save it again as .xlsx (a questionnaire is a small workbook).")
    key = form_key(path)
    converted = cached_form(key, cache)
    if converted is None:
        converted = _convert(path)
        keep_form(key, converted, cache)
    return _model(path, converted["pyxform"], converted, missing)


def _convert(path: Path) -> dict[str, Any]:
    """pyxform's reading of the form: its JSON form and the survey and settings sheets."""
    from pyxform.errors import PyXFormError  # pyxform takes ~0.5 s to import: only when a form
    from pyxform.xls2json_backends import get_xlsform  # is not in the cache (survey/converted.py)
    from pyxform.xls2xform import convert  # (as above)
    try:
        # pyxform's own reader for .xlsx, .xlsm and .xls alike (it keeps empty rows, so a row's
        # position is its row in the workbook); convert() runs all of pyxform's checks.
        sheets = get_xlsform(str(path))
        result = convert(xlsform=str(path))
    except PyXFormError as exc:
        message = str(exc)
        match = _ROW.match(message)
        row = int(match.group(1)) if match else None
        sheet = next((s for s in ("survey", "choices", "settings") if f"'{s}' sheet" in message), None)
        if row is None:  # e.g. "Unknown question type 'integr'.": find the row that says it
            row, sheet = row_of_value(path, message, sheet)
        raise SidError(ErrorCode.FORM_INVALID, _ROW.sub("", message), file=path, sheet=sheet, row=row,
                       fix="Correct the form and run again.") from None
    except Exception as exc:  # openpyxl/zipfile errors for files that are no workbook at all
        raise SidError(ErrorCode.FORM_UNREADABLE, f"cannot read the workbook ({type(exc).__name__}: {exc})",
                       file=path, fix="Save the questionnaire as an .xlsx XLSForm.") from None
    return {"pyxform": result._pyxform, "survey": sheets.survey, "survey_header": sheets.survey_header,
            "settings": sheets.settings, "external_choices": sheets.external_choices}


def _model(path: Path, form: dict[str, Any], sheets: dict[str, Any], missing: MissingScheme) -> Questionnaire:
    rows: dict[str, int] = {}
    for i, row in enumerate(sheets.get("survey", []), start=2):  # pyxform keeps empty rows
        name = next((v for k, v in row.items() if str(k).strip().lower() == "name" and v), None)
        if name:
            rows.setdefault(str(name).strip(), i)
    header = sheets.get("survey_header", [{}])
    columns = header[0].keys() if header and isinstance(header[0], dict) else []
    languages = _label_languages(form, [c.split("::", 1)[1] for c in columns if c.startswith("label::")])
    default_language = form.get("default_language") or (languages[0] if languages else "default")
    if not languages:
        languages = [default_language]

    def labels(value: Any) -> Mapping[str, str]:
        if isinstance(value, dict):
            return _frozen({k: str(v) for k, v in value.items() if v not in (None, "")})
        return _frozen({default_language: str(value)} if value else {})

    variables: list[Variable] = []
    warnings: list[str] = []
    skipped: dict[str, str] = {}  # name → where it is, for questions not delivered (in a repeat, a note)
    rosters: list[Roster] = []

    def walk(children: list[dict[str, Any]], group: tuple[str, ...], conditions: tuple[str, ...],
             variables: list[Variable] = variables, warnings: list[str] = warnings, roster: str | None = None
             ) -> None:
        for item in children:
            kind = item.get("type")
            name = item.get("name", "")
            if kind == "group":
                if not item.get("control", {}).get("bodyless"):  # pyxform's own meta/instanceID
                    own = item.get("bind", {}).get("relevant")
                    walk(item.get("children", []), group + (name,), conditions + ((own,) if own else ()),
                         variables, warnings, roster)
                continue
            if kind in ("repeat", "loop"):  # a roster: its own level, not in the main questionnaire
                inside = question_names(item.get("children", []))
                if roster is None:
                    skipped.update(dict.fromkeys(inside, f"in repeat {name!r}"))
                    warnings.append(f"{path.name}, survey row {rows.get(name, 0)}: {kind} group {name!r} "
                                    f"({len(inside)} question{'s' if len(inside) != 1 else ''}) " + (
                                        ROSTER_NOTE if kind == "repeat" else "is not delivered: sid does not read loops"))
                if kind == "repeat":
                    own = item.get("bind", {}).get("relevant")
                    level: list[Variable] = []
                    notes: list[str] = []  # the level's own: not the main questionnaire's
                    at = len(rosters)
                    walk(item.get("children", []), group + (name,), conditions + ((own,) if own else ()),
                         level, notes, name)
                    calculates = {str(c.get("name")): str(c.get("bind", {}).get("calculate", ""))
                                  for c in children if c.get("type") == "calculate"}
                    rosters.insert(at, Roster(name, roster, repeat_count(item, calculates), tuple(level),
                                              group + (name,), rows.get(name, 0), conditions + ((own,) if own else ()),
                                              tuple(notes)))
                continue
            if name.startswith("reserved_name_for_field_list_labels_"):  # table-list header: no answer
                continue
            # or_other's text: its select's row; a repeat_count's generated calculate: its repeat's row
            row = rows.get(name) or rows.get(name.removesuffix("_other")) or rows.get(name.removesuffix("_count"), 0)
            xls_type = sid_type(kind) if isinstance(kind, str) else ""
            if xls_type is None:  # notes and audits hold no answers
                skipped[name] = f"(a {kind}: no answer is held)"
                continue
            if not xls_type:
                warnings.append(f"{path.name}, survey row {row}: question type {kind!r} of {name!r} has no "
                                "representation in sid; delivered as text")
                xls_type = str(kind)  # its kind is "string": held and delivered as text
            bind = item.get("bind", {})
            data_type = bind.get("type")
            if xls_type == "calculate" and data_type is None and bind.get("calculate"):
                gives_text = {v.name: v.kind != "numeric" for v in [*all_variables, *variables]}
                data_type = calculate_type(bind["calculate"], gives_text)
            measure = item.get("measure") or (
                "nominal" if data_type == "string" else DEFAULT_MEASURE.get(xls_type, "nominal"))
            if measure not in MEASURES:
                raise SidError(ErrorCode.FORM_INVALID, f"measure {measure!r} of {name!r} is not one of "
                               f"{', '.join(MEASURES)}", file=path, sheet="survey",
                               row=row, column="measure")
            choices = None
            if "choices" in item:
                choices = ChoiceList(item.get("list_name", ""), tuple(
                    Choice(str(c["name"]), labels(c.get("label")), _frozen(
                        {str(k): str(v) for k, v in c.items() if k not in ("name", "label") and not isinstance(v, dict)}))
                    for c in item["choices"]))
            elif xls_type == "acknowledge":  # ODK stores "OK" when acknowledged: a one-choice select
                xls_type = "select_one"
                choices = ChoiceList("acknowledge", (Choice("OK", _frozen({default_language: "OK"})),))
            elif xls_type in ("select_one", "select_multiple") and kind != "select one external" \
                    and str(item.get("itemset", "")) in (form.get("choices") or {}):  # randomize=true: left out
                choices = ChoiceList(str(item["itemset"]), tuple(
                    Choice(str(c["name"]), labels(c.get("label"))) for c in form["choices"][str(item["itemset"])]))
            elif xls_type in ("select_one", "select_multiple"):  # ..._from_file, select_one_external
                itemset, external = str(item.get("itemset", "")), kind == "select one external"
                listed = (external_choices(itemset, sheets.get("external_choices"), default_language)
                          if external else read_choice_file(path, itemset, item.get("parameters") or {},
                                                            default_language))
                if listed is None:
                    where = (f"list {itemset!r} of the external_choices sheet" if external else
                             f"the answers to {itemset}, in a repeat" if itemset.startswith("${")
                             else f"{itemset!r} beside the form")
                    warnings.append(f"{path.name}, survey row {row}: the choices of {name!r} ({where}) cannot "
                                    "be read; delivered as text")
                    xls_type = "text"
                else:
                    choices = ChoiceList(Path(itemset).stem, tuple(
                        Choice(n, _frozen(text), _frozen(columns)) for n, text, columns in listed))
            bounds = _range_bounds(path, row, name, item.get("parameters") or {}) if xls_type == "range" else None
            variables.append(Variable(
                name=name, type=xls_type, row=row, group=group, bounds=bounds,
                choice_filter=str(item["choice_filter"]) if item.get("choice_filter") and choices else None,
                labels=labels(item.get("label")), hints=labels(item.get("hint")),
                choices=choices,
                relevant=bind.get("relevant") or None,
                constraint=bind.get("constraint") or None,
                constraint_message=labels(bind.get("jr:constraintMsg")),
                required=str(bind.get("required", "")).strip().lower() in ("yes", "true", "true()"),
                calculate=bind.get("calculate") or None,
                measure=measure,
                read_only=str(bind.get("readonly", item.get("read_only", ""))).lower()
                in ("yes", "true", "true()"),
                group_relevant=conditions,
                data_type=data_type or None,
            ))

    all_variables = variables  # the main level's, for a roster's calculate that refers to them
    walk(form.get("children", []), (), ())
    _expand_parts(variables, skipped)
    rosters = [replace(r, variables=tuple(_expand_parts(list(r.variables), {}))) for r in rosters]
    if skipped or any(uses_any(t, (), COLLECTED_FUNCTIONS) for v in variables for t in conditions_of(v)):
        warned: set[str] = set()
        variables = [without_unjudgeable(path, v, skipped, warnings, warned) for v in variables]
    seen: dict[str, Variable] = {}
    for v in variables:
        other = seen.get(v.name.lower())
        if other is not None:
            raise SidError(ErrorCode.FORM_INVALID, f"variable name {v.name!r} is also used in row {other.row} "
                           "(names must be unique in the whole form, ignoring case, to become SPSS variables)",
                           file=path, sheet="survey", row=v.row, column="name",
                           fix="Rename one of them in the form.")
        seen[v.name.lower()] = v
    check_expressions(path, variables)
    check_cycles(path, variables)
    return Questionnaire(
        path=path, form_id=str(form.get("id_string", "")), title=str(form.get("title", "")),
        version=str(form.get("version", "")), default_language=default_language,
        languages=tuple(languages), variables=tuple(variables), missing=missing, warnings=tuple(warnings),
        rosters=tuple(rosters),
    )


def _expand_parts(variables: list[Variable], skipped: dict[str, str]) -> list[Variable]:
    """A geopoint or a rank as several variables (survey/parts.py), in place."""
    for v in [v for v in variables if v.type in ("geopoint", "rank")]:
        at = variables.index(v)
        variables[at:at + 1] = geopoint_parts(v) if v.type == "geopoint" else rank_parts(v)
        skipped[v.name] = ("(a geopoint, delivered as its four parts)" if v.type == "geopoint"
                           else "(a rank, delivered as one variable per position)")
    return variables


def _range_bounds(path: Path, row: int, name: str, parameters: Mapping[str, Any]) -> tuple[float, float, float]:
    """start, end and step of a range question (XLSForm's defaults 1, 10, 1)."""
    try:
        start, end, step = (float(parameters.get(k, d)) for k, d in (("start", 1), ("end", 10), ("step", 1)))
    except (TypeError, ValueError):
        raise SidError(ErrorCode.FORM_INVALID, f"the parameters of range question {name!r} are not numbers: "
                       f"{dict(parameters)}", file=path, sheet="survey", row=row, column="parameters",
                       fix="Write them as start=1 end=10 step=1.") from None
    if step <= 0:
        raise SidError(ErrorCode.FORM_INVALID, f"range question {name!r} has step {step:g}; it must be above 0",
                       file=path, sheet="survey", row=row, column="parameters", fix="Give a positive step.")
    return start, end, step


def _label_languages(form: dict[str, Any], in_header: list[str]) -> list[str]:
    """The label languages as pyxform read them (`label::English (en)`, `label:en` ...), in the
    order of the survey sheet's columns; none when every label is a plain `label`."""
    found: list[str] = []
    stack = [form]
    while stack:
        item = stack.pop()
        label = item.get("label")
        if isinstance(label, dict):
            found += [lang for lang in label if lang != "default" and lang not in found]
        choices = item.get("choices") or []
        if isinstance(choices, dict):  # the form's own: {list name: [choice, ...]}
            choices = [c for listed in choices.values() for c in listed]
        stack += reversed([c for c in [*item.get("children", []), *choices] if isinstance(c, dict)])
    order = {lang: i for i, lang in enumerate(in_header)}
    return sorted(found, key=lambda lang: order.get(lang, len(order)))


def _is_int(text: str) -> bool:
    return re.fullmatch(r"-?\d+", text.strip()) is not None
