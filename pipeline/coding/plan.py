"""The coding plan: which text variables are coded, with which classification, and how an
other-specify text relates to its select question (its 'other' choices, its choices' codes)."""

from __future__ import annotations

import hashlib
import pickle
import re
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

import pandas as pd
import pycountry

from pipeline.coding import classifications as C
from pipeline.coding.classifications import Classification, normalise
from pipeline.errors import ErrorCode, SidError
from pipeline.files import write_cache
from pipeline.rerun.pickled import dumps
from pipeline.survey.project import CodingSettings
from pipeline.survey.questionnaire import Questionnaire, Variable
from pipeline.survey.syntax import BinOp, Call, ExpressionError, Literal, Node, Var, parse, walk

SUFFIX = {"country": "iso", "language": "iso", "municipality": "nis", "occupation": "isco",
          "education": "isced"}
TITLE_NL = {"country": "land (ISO 3166-1)", "language": "taal (ISO 639-3)",
            "municipality": "gemeente (NIS-code)", "occupation": "beroep (ISCO-08)",
            "education": "onderwijsniveau (ISCED 2011)"}
_OTHER_NAMES = ("other", "96", "97", "99")


# classification kind → the companion columns coding adds beside the coded one: (suffix, the key
# of their label in delivery/labels.py). The NIS code as named before a merger; ISCO's major group.
COMPANIONS: dict[str, tuple[tuple[str, str], ...]] = {
    "municipality": (("_historisch", "municipality_historic"),),
    "occupation": (("1", "occupation_major"),),
}


@dataclass(frozen=True)
class Target:
    """One text variable to code: its classification, the select question it specifies (if
    any), and the column that receives the codes."""

    source: str
    classification: Classification
    parent: str | None = None
    parent_multi: bool = False
    others: tuple[str, ...] = ()  # the parent's choices that ask for the text ('other')
    choice_codes: Mapping[str, str] = field(default_factory=dict)  # parent choice -> classification code
    column: str | None = None  # the coded column added to the frame
    combined: bool = False  # column holds the parent's choices mapped + the coded texts
    label: str = ""  # Dutch variable label of `column`
    label_names: tuple[tuple[str, str], ...] = ()  # the parent's choice labels -> their code

    @property
    def kind(self) -> str:
        return self.classification.kind

    @property
    def companions(self) -> tuple[tuple[str, str], ...]:
        """The columns coding adds beside `column`, as (name, label key): the NIS code as named
        before a merger (`<column>_historisch`), the ISCO-08 major group (`<column>1`)."""
        if not self.column:
            return ()
        return tuple((self.column + suffix, key) for suffix, key in COMPANIONS.get(self.kind, ()))

    @property
    def backcodes(self) -> dict[str, str]:
        """Classification code -> the parent choice it back-codes to (not 'other', not missing)."""
        out: dict[str, str] = {}
        for choice, code in self.choice_codes.items():
            if choice not in self.others and not _is_missing_name(choice):
                out.setdefault(code, choice)
        return out


_LOADED: dict[tuple, Classification] = {}  # classifications read in this process, by their files' contents
KEPT = "classification_{kind}.pickle"  # in work/: the last classification of a kind read, with its key
_KEPT_FORMAT = 1  # of the kept file; a change of what is kept bumps it


def load_classification(kind: str, settings: CodingSettings, cache: Path | None = None) -> Classification:
    """The classification of `kind` as the project configures it, read once per process for the
    same files (keyed by their SHA-256 and the reference date: a changed file is read again).
    Classifications are immutable; their match tables are built once and shared. `cache`: a
    folder (the project's work/) where the classification is kept with its match tables between
    commands, under a key of its files' checksums, sid's code and the packages' versions (reading
    and normalising ISCO's 38,000 titles and pycountry's names in eleven languages takes a second)."""
    key = (kind, settings.reference_date, *(
        (name, hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else str(path))
        for name in _FILES if (path := getattr(settings, name)) is not None))
    if key not in _LOADED:
        kept = cache / KEPT.format(kind=kind) if cache is not None else None
        stored = _disk_key(key) if kept is not None else None
        found = _kept(kept, stored) if kept is not None else None
        if found is None:
            found = _read_classification(kind, settings)
            if kept is not None:
                found.code_of_name()  # (and name_frame): the match tables, kept with it
                write_cache(kept, dumps({"format": _KEPT_FORMAT, "key": stored, "classification": found}))
        _LOADED[key] = found
    return _LOADED[key]


def _disk_key(key: tuple) -> str:
    from pipeline.rerun.fingerprint import packages, sid_version  # (pycountry's names, pandas' frames)

    return hashlib.sha256(repr((key, sid_version(), sorted(packages().items()))).encode()).hexdigest()


def _kept(path: Path, key: str | None) -> Classification | None:
    """The classification kept in `path` under `key`; None when there is none, it is unreadable or for
    another key (then it is read from its files again)."""
    try:  # written by sid itself, in the project's private work/ (as the stages' records)
        with open(path, "rb") as fh:
            stored = pickle.load(fh)
    except Exception:  # noqa: BLE001 - missing, damaged, of another sid: read the files again
        return None
    if (not isinstance(stored, dict) or stored.get("format") != _KEPT_FORMAT or stored.get("key") != key
            or not isinstance(stored.get("classification"), Classification)):
        return None
    return stored["classification"]


_FILES = ("countries", "languages", "municipalities", "successors", "postcodes", "occupations",
          "occupation_names", "education")


def _read_classification(kind: str, settings: CodingSettings) -> Classification:
    if kind == "country":
        return C.countries(settings.countries)
    if kind == "language":
        return C.languages(settings.languages)
    files = {"municipality": settings.municipalities, "occupation": settings.occupations,
             "education": settings.education}
    path = files.get(kind)
    if path is None:
        raise SidError(ErrorCode.CONFIG_INVALID, f"coding: no {kind} classification file configured",
                       fix=f"Set [coding] {_SETTING[kind]} in sid.toml.")
    if kind == "municipality":
        return C.municipalities(path, settings.reference_date, settings.successors, settings.postcodes)
    if kind == "occupation":
        return C.occupations(path, settings.occupation_names)
    return C.education(path)


_SETTING = {"municipality": "municipalities", "occupation": "occupations", "education": "education"}


def plan(questionnaire: Questionnaire, settings: CodingSettings, cache: Path | None = None) -> tuple[Target, ...]:
    """Every other-specify text (back-coded against its question's choices, and coded with the
    standard its choice list follows) and every text variable named in [coding.variables].
    `cache`: where the classifications are kept between commands (the project's work/)."""
    configured = dict(settings.variables)
    for name, kind in configured.items():
        if name not in questionnaire:
            raise SidError(ErrorCode.CONFIG_INVALID, f"coding.variables: {name!r} is not a variable of the form",
                           fix="Name a text question of the form.")
        if kind not in C.KINDS:
            raise SidError(ErrorCode.CONFIG_INVALID, f"coding.variables.{name}: {kind!r} is not a classification",
                           fix=f"Use one of: {', '.join(C.KINDS)}.")
    loaded: dict[str, Classification] = {}

    def classification(kind: str) -> Classification:
        if kind not in loaded:
            loaded[kind] = load_classification(kind, settings, cache)
        return loaded[kind]

    lang = _dutch(questionnaire)
    targets = []
    for var in questionnaire:
        if var.type != "text":
            continue
        parent = specified_by(var, questionnaire)
        kind = configured.get(var.name) or (_list_kind(parent) if parent is not None else None)
        if parent is None and kind is None:
            continue
        if parent is None:
            cls = classification(kind)
            targets.append(Target(var.name, cls, column=f"{var.name}_{SUFFIX[kind]}",
                                  label=f"{var.label(lang)} – {TITLE_NL[kind]}"))
            continue
        others = _others(var, parent)
        if kind is None:
            codes = {c.name: c.name for c in parent.choices.choices}
            names = [(n, c.name, 0) for c in parent.choices.choices if c.name not in others
                     for n in _label_variants(c, synonyms=False)]
            cls = C.choice_list(parent.choices.name, {c.name: c.label(lang) for c in parent.choices.choices},
                                names)
            targets.append(Target(var.name, cls, parent.name, parent.type == "select_multiple", others,
                                  MappingProxyType(codes)))
            continue
        cls = classification(kind)
        codes = _choice_codes(parent, cls)
        multi = parent.type == "select_multiple"
        column = f"{var.name}_{SUFFIX[kind]}" if multi else f"{parent.name}_{SUFFIX[kind]}"
        label = (f"{var.label(lang)} – {TITLE_NL[kind]}" if multi
                 else f"{parent.label(lang)} – {TITLE_NL[kind]}, met gecodeerde andere antwoorden")
        label_names = tuple((n, codes[c.name]) for c in parent.choices.choices
                            if c.name in codes and c.name not in others and not _is_missing_name(c.name)
                            for n in _label_variants(c))
        targets.append(Target(var.name, cls, parent.name, multi, others, MappingProxyType(codes),
                              column, not multi, label, label_names))
    for target in targets:
        if target.column and target.column in questionnaire:
            raise SidError(ErrorCode.CONFIG_INVALID, f"coding would add column {target.column!r} for "
                           f"{target.source}, but the form already has a variable of that name",
                           file=questionnaire.path, sheet="survey", row=questionnaire[target.column].row,
                           fix="Rename that variable in the form.")
    return tuple(targets)


def coded_columns(questionnaire: Questionnaire, settings: CodingSettings) -> dict[str, str]:
    """The columns coding adds (as `plan` names them, with their companions `<column>1` and
    `<column>_historisch`) → the question whose routing they follow: the select question for a
    column that holds its choices with the coded other answers, else the coded text. No
    classification is read: cleaning uses this to empty a code whose question was not asked."""
    configured = dict(settings.variables)
    out: dict[str, str] = {}
    for var in questionnaire:
        if var.type != "text":
            continue
        parent = specified_by(var, questionnaire)
        kind = configured.get(var.name) or (_list_kind(parent) if parent is not None else None)
        if kind not in SUFFIX:
            continue
        if parent is None or parent.type == "select_multiple":
            column, follows = f"{var.name}_{SUFFIX[kind]}", var.name
        else:
            column, follows = f"{parent.name}_{SUFFIX[kind]}", parent.name
        out[column] = follows
        out |= {column + suffix: follows for suffix, _ in COMPANIONS.get(kind, ())}
    return out


def specified_by(var: Variable, questionnaire: Questionnaire) -> Variable | None:
    """The select question an other-specify text belongs to: `q_anders` (or `q_other` ...) after
    `q` (the longest such name, preferring one its relevant refers to), or the one select
    question its relevant refers to when that names the question's 'other' choice."""
    refs = set(re.findall(r"\$\{([^}]+)\}", var.relevant or ""))
    selects = [v for v in questionnaire if v.choices is not None and v.type in ("select_one", "select_multiple")]
    referenced = [v for v in selects if v.name in refs
                  and any(_other_like(c) for c in v.choices.choices if c.name in _others(var, v))]
    if len(referenced) == 1:
        return referenced[0]
    prefixed = [v for v in selects if var.name.startswith(v.name + "_")]
    return max(prefixed, key=lambda v: len(v.name)) if prefixed else None


def _other_like(choice) -> bool:
    labels = " ".join(choice.labels.values()).lower()
    return choice.name.lower() in _OTHER_NAMES or re.search(r"\b(ander|andere|autre|other)\b", labels) is not None


def _list_kind(parent: Variable) -> str | None:
    """country for lists of ISO 3166 codes (BE, MA ...), language for lists of ISO 639 codes."""
    names = [c.name for c in parent.choices.choices
             if c.name.lower() not in _OTHER_NAMES and not _is_missing_name(c.name)]
    if names and all(re.fullmatch(r"[A-Z]{2}", n) and pycountry.countries.get(alpha_2=n) for n in names):
        return "country"
    if names and all(re.fullmatch(r"[a-z]{2,3}", n) and C.language_code(n) for n in names):
        return "language"
    return None


def _choice_codes(parent: Variable, cls: Classification) -> dict[str, str]:
    """Each choice of the parent as a code of the classification: the name itself (BE), its ISO
    639-3 code (nl -> nld), or the code its label has in the classification (ISCED table)."""
    choices = parent.choices.choices
    codes: list[str | None] = []
    for choice in choices:
        code = None
        if _is_missing_name(choice.name):
            code = str(int(float(choice.name)))
        elif cls.kind == "country" and cls.valid(choice.name.upper()):
            code = choice.name.upper()
        elif cls.kind == "language":
            code = C.language_code(choice.name)
        codes.append(code)
    # the others by their labels, all normalised at once: the first variant that names a code
    variants = {i: _label_variants(c) for i, c in enumerate(choices) if codes[i] is None}
    if variants:
        lookup = cls.code_of_name()
        flat = normalise(pd.Series([v for vs in variants.values() for v in vs], dtype=object)).tolist()
        at = 0
        for i, vs in variants.items():
            codes[i] = next((lookup[v] for v in flat[at:at + len(vs)] if lookup.get(v)), None)
            at += len(vs)
    return {choice.name: code for choice, code in zip(choices, codes) if code}


def _others(text: Variable, parent: Variable) -> tuple[str, ...]:
    """The choices whose answer asks for the text: those the text's relevant compares the parent
    with (`${parent} = 96`, `selected(${parent}, 'other')`), else the choices named like 'other'."""
    try:
        compared = _compared_with(parse(text.relevant), parent.name) if text.relevant else set()
    except ExpressionError:
        compared = set()
    named = tuple(c.name for c in parent.choices.choices if c.name in compared)
    return named or tuple(c.name for c in parent.choices.choices if c.name.lower() in _OTHER_NAMES)


def _compared_with(node: Node, name: str) -> set[str]:
    """The values that `${name}` is compared with for equality (or `selected`) in an expression."""
    found: set[str] = set()
    for node in walk(node):
        if isinstance(node, BinOp) and node.op == "=":
            found |= {_literal_text(value) for var, value in ((node.left, node.right), (node.right, node.left))
                      if var == Var(name) and isinstance(value, Literal)}
        elif (isinstance(node, Call) and node.name == "selected" and node.args[0] == Var(name)
              and isinstance(node.args[1], Literal)):
            found.add(_literal_text(node.args[1]))
    return found


def _literal_text(literal: Literal) -> str:
    value = literal.value
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _label_variants(choice, synonyms: bool = True) -> list[str]:
    """'Berbers (Tamazight, Tarifit)' is matched as itself, as 'Berbers' and, with `synonyms`
    (lists of languages or countries), as 'Tamazight' and 'Tarifit'. Brackets with examples
    ('bv. bij ouders of familie') are no synonyms."""
    out = []
    for label in choice.labels.values():
        out.append(label)
        head, _, rest = label.partition("(")
        if rest:
            out.append(head)
            inner = rest.rsplit(")", 1)[0]
            if synonyms and not re.match(r"\s*(bv|bijv|p\.? ?ex|e\.?g|ook|y compris|including)\b", inner, re.I):
                out += [p for p in re.split(r",|;|\bof\b|\bou\b|\bor\b", inner) if len(p.strip()) > 2]
    return out


def _is_missing_name(name: str) -> bool:
    return re.fullmatch(r"-\d+", name.strip()) is not None


def _dutch(questionnaire: Questionnaire) -> str:
    try:
        return questionnaire.language("nl").column
    except SidError:
        return questionnaire.default_language
