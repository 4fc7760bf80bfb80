"""Questions delivered as several variables: a geopoint (`lat lon alt acc` as the form app
stores it) becomes four numeric variables `<q>_latitude`, `<q>_longitude`, `<q>_altitude` and
`<q>_accuracy`, each with the question's routing and a label per language. Ingest fills them from
the export's own columns (KoboToolbox `_<q>_latitude` … `_<q>_precision`, ODK Central
`<q>-Latitude` …) or splits the combined text (docs/spss.md).

A rank (`odk:rank`: the app stores every choice, in the order the respondent put them, as one
space-separated list `b a c`) becomes one coded variable per position `<q>_1` … `<q>_k` (k = the
number of choices), each labelled with the choices and "rank i" in its variable label; ingest
splits the list (ODK Central and KoboToolbox export it in one column) or reads the positions'
own columns."""

from __future__ import annotations

import re
from dataclasses import replace
from types import MappingProxyType
from typing import Any

Variable = Any  # survey/questionnaire.py's Variable (which imports this module)

GEOPOINT_PARTS = ("latitude", "longitude", "altitude", "accuracy")
# Each part's words per label language (by the language's code); other languages get English.
_WORDS = {"nl": ("breedtegraad", "lengtegraad", "hoogte (m)", "nauwkeurigheid (m)"),
          "fr": ("latitude", "longitude", "altitude (m)", "précision (m)"),
          "en": ("latitude", "longitude", "altitude (m)", "accuracy (m)")}
# The names exports give the parts (lower case): KoboToolbox, ODK Central, plain.
_EXPORT_NAMES = ("_{q}_{part}", "{q}-{part}", "{q}_{part}", "{q}/{part}")
_KOBO_PRECISION = "precision"  # KoboToolbox calls the accuracy 'precision'
_RANK_WORD = {"nl": "rang", "fr": "rang", "en": "rank", "de": "Rang"}  # other languages: English
_CODE = re.compile(r"\(([A-Za-z]{2,3})\)\s*$")


def geopoint_parts(v: Variable) -> list[Variable]:
    """The four numeric variables of geopoint question `v` (scale; lat/lon required if `v` is)."""
    out = []
    for i, part in enumerate(GEOPOINT_PARTS):
        labels = {}
        for column, text in v.labels.items():
            match = _CODE.search(column)
            words = _WORDS.get((match.group(1) if match else column).lower(), _WORDS["en"])
            labels[column] = f"{text}: {words[i]}"
        out.append(replace(v, name=f"{v.name}_{part}", type="decimal", measure="scale", part_of=(v.name, i),
                           labels=MappingProxyType(labels or {"default": f"{v.name}: {part}"}),
                           required=v.required and i < 2, constraint=None))
    return out


def rank_parts(v: Variable) -> list[Variable]:
    """The k coded variables of rank question `v`, one per position (`<q>_1` is the first choice)."""
    out = []
    for i in range(len(v.choices.choices)):
        labels = {}
        for column, text in v.labels.items():
            match = _CODE.search(column)
            word = _RANK_WORD.get((match.group(1) if match else column).lower(), _RANK_WORD["en"])
            labels[column] = f"{text}: {word} {i + 1}"
        out.append(replace(v, name=f"{v.name}_{i + 1}", type="select_one", part_of=(v.name, i), constraint=None,
                           labels=MappingProxyType(labels or {"default": f"{v.name}: rank {i + 1}"})))
    return out


def is_rank_part(v: Variable) -> bool:
    """One position of a rank (the other parts, a geopoint's, hold no choices)."""
    return v.part_of is not None and v.choices is not None


def export_names(question: str, part: str) -> tuple[str, ...]:
    """The column names (lower case) an export may give part `part` of geopoint `question`."""
    names = [pattern.format(q=question, part=part).lower() for pattern in _EXPORT_NAMES]
    if part == "accuracy":
        names += [pattern.format(q=question, part=_KOBO_PRECISION).lower() for pattern in _EXPORT_NAMES]
    return tuple(names)


def split_geopoint(text: Any, index: int) -> str | None:
    """Part `index` of a geopoint or a rank as the form app stores it ('50.85 4.35 12.0 5.0', 'b a c');
    None when absent."""
    if not isinstance(text, str):
        return None
    pieces = text.split()
    return pieces[index] if len(pieces) > index else None
