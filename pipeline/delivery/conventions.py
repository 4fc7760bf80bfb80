"""The SPSS conventions ABB's analysts expect, applied to the dictionary the form gives: derived
codes as labelled numbers, measurement levels by rule, coded variables after their source, short
variable labels, display widths from the data, weights F w.4, and the file's documents
(docs/spss.md says each)."""

from __future__ import annotations

import functools
import gettext
import re
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import pycountry

from pipeline import __version__
from pipeline.delivery import spss
from pipeline.delivery.export import SpssDictionary, SpssVariable
from pipeline.delivery.labels import ISCED_LEVELS, LabelTexts
from pipeline.survey.questionnaire import Questionnaire

MAX_LABEL = 80  # characters of a variable label in the .sav; the full text stays in the codebook/DDI
MAX_DISPLAY_WIDTH = 40
MAX_CATEGORIES = 30  # a text column of the sample with at most this many values is a category
WEIGHT_DECIMALS = 4
ORDERED_KINDS = ("education",)  # classifications whose codes are ordered (ISCED levels)
_DIGITS = re.compile(r"^-?\d{1,15}$")


@dataclass(frozen=True)
class Conventions:
    """What the conventions need to know beyond the dictionary: the coded columns (column →
    classification kind, and the column each goes after), the weights, the key, the documents."""

    key: str
    coded: Mapping[str, str] = field(default_factory=dict)  # coded column → kind (country, language, ...)
    anchors: Mapping[str, str] = field(default_factory=dict)  # coded column → the column it follows
    weights: tuple[str, ...] = ()  # the weight for analysis first
    occupation_titles: Mapping[str, Mapping[int, str]] = field(default_factory=dict)  # lang → ISCO code → title
    notes: tuple[str, ...] = ()  # document lines after the title (a demo, ids not pseudonymised)
    sps_name: str = ""


def language_number(code: str) -> int:
    """An ISO 639-3 (or 639-5) code as a number, reversibly: letters a=1 … z=26 in base 27
    ('ara' = 1×729 + 18×27 + 1 = 1216). ISO 639 has no numeric codes; this one is documented."""
    code = code.strip().lower()
    return sum((ord(ch) - 96) * 27 ** (len(code) - 1 - i) for i, ch in enumerate(code))


def country_number(alpha2: str) -> int | None:
    """The ISO 3166-1 numeric code of an alpha-2 code (BE → 56). The user-assigned codes XA–XZ
    (XK: Kosovo) take 900–925, in the range ISO 3166-1 leaves to users (900–999); None otherwise."""
    code = alpha2.strip().upper()
    if re.fullmatch(r"X[A-Z]", code):
        return 900 + ord(code[1]) - ord("A")
    country = pycountry.countries.get(alpha_2=code) if re.fullmatch(r"[A-Z]{2}", code) else None
    return int(country.numeric) if country is not None else None


def country_name(alpha2: str, lang: str, known: Mapping = {}) -> str:
    """The country's name in `lang` (pycountry's translations); a user-assigned code: `known`'s label."""
    country = pycountry.countries.get(alpha_2=alpha2)
    if country is None:
        return known.get(alpha2, alpha2)
    return _translation("iso3166-1", lang).gettext(country.name)


def language_name(alpha3: str, lang: str) -> str | None:
    item = pycountry.languages.get(alpha_3=alpha3) or pycountry.language_families.get(alpha_3=alpha3)
    if item is None:
        return None
    domain = "iso639-3" if item in pycountry.languages else "iso639-5"
    return _translation(domain, lang).gettext(item.name)


@functools.lru_cache(maxsize=None)
def _translation(domain: str, lang: str) -> gettext.NullTranslations:
    return gettext.translation(domain, pycountry.LOCALES_DIR, languages=[lang], fallback=True)


def short_label(text: str, limit: int = MAX_LABEL) -> str:
    """A variable label of at most `limit` characters: remarks in brackets dropped first, then cut
    at a word with '…'."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    plain = " ".join(re.sub(r"\s*\([^()]*\)", "", text).split())
    if plain and len(plain) <= limit:
        return plain
    cut = plain[: limit - 1]
    if " " in cut[limit // 2:]:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,;:–-") + "…"


def apply(data: pd.DataFrame, dictionary: SpssDictionary, questionnaire: Questionnaire, conventions: Conventions,
          texts: LabelTexts) -> tuple[pd.DataFrame, SpssDictionary]:
    """The frame and dictionary after the conventions; pure. Data change only in type (a text
    code becomes its number, a digit string its number): the values are the same."""
    data = data.copy(deep=False)  # copy-on-write: columns are replaced, the caller's frame never changes
    missing = questionnaire.missing
    missing_labels = {float(c): t for c, t in texts.missing_labels(missing).items()}
    form = {v.name: v for v in questionnaire}
    variables = {v.name: v for v in dictionary.variables}
    dropped: set[str] = set()
    lang_column = _label_column(questionnaire, texts.code)

    def numeric(v: SpssVariable, values: pd.Series, labels: dict[float, str], measure: str) -> SpssVariable:
        data[v.name] = values.astype("float64")
        valid = sorted(labels)
        labels = dict(sorted(labels.items())) | missing_labels
        return replace(v, kind="numeric", measure=measure, value_labels=labels,
                       missing=spss.missing_declaration(missing.values, valid),
                       format=spss.numeric_format(data[v.name], labels.keys()))

    # 1. Text codes of a standard → their numbers, labelled in the delivery's language.
    for v in dictionary.variables:
        if v.kind != "string" or v.name == conventions.key:
            continue
        derived = v.source not in form or form[v.source].calculate or v.name in conventions.coded
        if not derived:
            continue  # open answers, media, ids stay text
        text = data[v.name].astype("string").fillna("").str.strip()
        codes = text[(text != "") & ~text.isin([str(c) for c in missing.values])]
        kind = conventions.coded.get(v.name)
        found = set(codes.unique())  # each distinct code is looked up once, not each respondent's
        if kind is None and found and all(pycountry.countries.get(alpha_2=c) is not None for c in found):
            kind = "country"
        if kind == "country" and all(country_number(c) is not None for c in found):
            distinct = sorted(found)
            to_number = {c: float(country_number(c)) for c in distinct}
            labels = {to_number[c]: country_name(c, texts.code, v.value_labels) for c in distinct}
        elif kind == "language" and codes.str.fullmatch(r"[a-z]{3}").all():
            distinct = sorted(found)
            to_number = {c: float(language_number(c)) for c in distinct}
            labels = {to_number[c]: f"{language_name(c, texts.code) or v.value_labels.get(c, c)} ({c})"
                      for c in distinct}
        elif len(codes) and codes.str.fullmatch(_DIGITS.pattern).all():
            to_number = {c: float(c) for c in found}
            labels = _form_labels(v.name, form, set(to_number.values()), lang_column)
        else:
            continue
        to_number |= {str(c): float(c) for c in missing.values}
        values = text.map(to_number).astype("float64")  # '' → system-missing
        measure = "nominal" if labels else "scale"
        variables[v.name] = numeric(v, values, labels, measure)

    # 2. A text column that names the codes of another (gemeente beside nis_code) becomes its labels.
    for v in dictionary.variables:
        if v.name == conventions.key:  # the respondent id is never a label of anything
            continue
        target = _names_of_codes(variables[v.name], data, variables, form, missing.values)
        if target is None:
            continue
        pairs = data[[target, v.name]].drop_duplicates()
        pairs = pairs[pairs[target].notna() & ~pairs[target].isin([float(c) for c in missing.values])]
        variables[target] = replace(variables[target], measure="nominal", value_labels=dict(
            sorted(zip(pairs[target].astype(float), pairs[v.name].astype(str)))) | missing_labels)
        dropped.add(v.name)

    # 3. Other text categories of the sample (few values) → numbers 1, 2, … in sorted order.
    for v in dictionary.variables:
        v = variables[v.name]
        if v.kind != "string" or v.source in form or v.name in dropped or v.name == conventions.key \
                or v.value_labels:
            continue
        text = data[v.name].astype("string").fillna("").str.strip()
        distinct = sorted(set(text[text != ""].unique()))  # the distinct texts, not one per respondent
        if 0 < len(distinct) <= MAX_CATEGORIES:
            to_number = {c: float(i) for i, c in enumerate(distinct, start=1)}
            variables[v.name] = numeric(v, text.map(to_number), {to_number[c]: c for c in distinct}, "nominal")

    # 4. Coded classifications labelled in the delivery's language; measurement levels by rule.
    for name, v in list(variables.items()):
        kind = conventions.coded.get(name)
        if kind == "education" and v.kind == "numeric":
            labels = {c: (f"{ISCED_LEVELS[int(c)][texts.code if texts.code in ISCED_LEVELS[0] else 'en']} "
                          f"(ISCED {int(c)})" if c >= 0 and int(c) in ISCED_LEVELS else t)
                      for c, t in v.value_labels.items()}
            v = replace(v, value_labels=labels)
        elif kind == "occupation" and texts.code in conventions.occupation_titles:
            titles = conventions.occupation_titles[texts.code]
            v = replace(v, value_labels={c: titles.get(int(c), t) if c >= 0 else t for c, t in v.value_labels.items()})
        v = replace(v, measure=_measure(v, kind, form, conventions, data, missing.values))
        if v.measure == "nominal" and v.kind == "numeric" and _is_flag(v, data, missing.values, form):
            v = replace(v, value_labels={0.0: texts.text("no"), 1.0: texts.text("yes")} | v.value_labels,
                        missing=spss.missing_declaration(missing.values, [0.0, 1.0]))
        if v.kind == "numeric" and v.value_labels:  # sid's own missing labels, in this language
            v = replace(v, value_labels={c: missing_labels.get(c, t) for c, t in v.value_labels.items()})
        if name in conventions.weights:
            v = replace(v, format=_weight_format(data[name]))
        variables[name] = v

    # 5. Order: each coded variable directly after its source (after the other answers of its question).
    order = [v.name for v in dictionary.variables if v.name not in dropped]
    for name, anchor in conventions.anchors.items():
        if name in order and anchor in order and name != anchor:
            order.remove(name)
            order.insert(order.index(anchor) + 1, name)

    # 6. Short labels, display widths from the data.
    final = []
    for name in order:
        v = variables[name]
        final.append(replace(v, label=short_label(v.label), display_width=_display_width(v)))
    mrsets = tuple(replace(s, label=short_label(s.label)) for s in dictionary.mrsets)
    documents = _documents(dictionary, questionnaire, conventions, texts, data)
    return (data[order],
            replace(dictionary, variables=tuple(final), mrsets=mrsets, documents=documents))


def _label_column(questionnaire: Questionnaire, code: str) -> str:
    try:
        return questionnaire.language(code).column
    except Exception:  # a delivery language the form has no labels in: its first language
        return questionnaire.label_languages[0].column


def _form_labels(name: str, form: Mapping, codes: set[float], lang_column: str) -> dict[float, str]:
    """Labels for a sample-frame number from the form question of the same name (geslacht for
    steekproef_geslacht) when its choices cover every code; else none (a plain number)."""
    question = form.get(name.split("_", 1)[-1])
    if question is None or question.type != "select_one":
        return {}
    labels = {}
    for choice in question.choices.choices:
        try:
            labels[float(choice.name)] = choice.label(lang_column)
        except ValueError:
            return {}
    return labels if codes <= set(labels) else {}


def _names_of_codes(v: SpssVariable, data: pd.DataFrame, variables: Mapping[str, SpssVariable],
                    form: Mapping, missing: tuple[int, ...]) -> str | None:
    """The whole-number code column of the sample whose values `v`'s texts name one to one (the
    municipality's name beside its NIS code), if any."""
    if v.kind != "string" or v.source in form or v.value_labels:
        return None
    text = data[v.name].astype("string").fillna("")
    for other in variables.values():
        if other.name == v.name or other.kind != "numeric" or other.source in form \
                or any(c not in missing for c in other.value_labels):
            continue
        pairs = pd.DataFrame({"code": data[other.name], "name": text})
        pairs = pairs[pairs["code"].notna() & (pairs["name"] != "")]
        if not len(pairs) or not (pairs["code"] == pairs["code"].round()).all():
            continue
        if pairs["code"].nunique() == len(pairs):  # no code shared by two respondents: no classification,
            continue  # just two columns that happen to be one to one (a handful of respondents)
        if pairs.groupby("code")["name"].nunique().max() == 1 and pairs.groupby("name")["code"].nunique().max() == 1:
            return other.name
    return None


def _measure(v: SpssVariable, kind: str | None, form: Mapping, conventions: Conventions, data: pd.DataFrame,
             missing: tuple[int, ...]) -> str:
    """Ids and codes nominal, ordered classifications ordinal, 0/1 flags nominal; the form's
    ordinal stays ordinal; numbers scale."""
    if v.kind != "numeric":
        return v.measure
    if v.name == conventions.key or v.name.endswith("_id") or kind in ORDERED_KINDS:
        return "nominal" if kind not in ORDERED_KINDS else "ordinal"
    if v.measure == "ordinal":
        return "ordinal"
    if any(c not in missing for c in v.value_labels) or kind is not None:
        return "nominal"
    if _is_flag(v, data, missing, form):
        return "nominal"
    return v.measure


def _is_flag(v: SpssVariable, data: pd.DataFrame, missing: tuple[int, ...], form: Mapping) -> bool:
    """A derived 0/1 variable (a calculate, a sample column), not a question's own number."""
    question = form.get(v.source)
    if question is not None and not question.calculate:
        return False
    if v.name in data and any(c not in missing and c not in (0.0, 1.0) for c in v.value_labels):
        return False
    values = data[v.name]
    valid = values[values.notna() & ~values.isin([float(c) for c in missing])]
    return len(valid) > 0 and bool(valid.isin([0.0, 1.0]).all())


def _weight_format(values: pd.Series) -> str:
    """F w.4: four decimals, wide enough for the largest weight, at least F8.4."""
    largest = float(np.nanmax(np.abs(values.to_numpy(dtype="float64")))) if values.notna().any() else 0.0
    digits = len(str(int(largest)))
    return f"F{max(8, digits + 1 + WEIGHT_DECIMALS)}.{WEIGHT_DECIMALS}"


def _display_width(v: SpssVariable) -> int:
    """The column width in Data View: the format's width (from the data), within 3..40."""
    width = int(re.match(r"[A-Z]+(\d+)", v.format).group(1)) if re.match(r"[A-Z]+\d+", v.format) else 8
    return min(max(width, 3), MAX_DISPLAY_WIDTH)


def _documents(dictionary: SpssDictionary, questionnaire: Questionnaire, conventions: Conventions,
               texts: LabelTexts, data: pd.DataFrame) -> tuple[str, ...]:
    """Title, notes, questionnaire, fieldwork period, the weight and how to use it, the missing
    codes, the MR sets, the label language and sid's version: each line at most 80 bytes."""
    lines = [dictionary.file_label]
    lines += [line for note in conventions.notes for line in textwrap.wrap(note, 76)]
    lines.append(texts.text("doc_form", form=questionnaire.form_id, version=str(questionnaire.version)))
    dates = [pd.to_datetime(data[n], errors="coerce") for n in ("start", "end", "today") if n in data]
    if dates:
        moments = pd.concat(dates).dropna()
        if len(moments):
            lines.append(texts.text("doc_period", first=f"{moments.min():%Y-%m-%d}",
                                    last=f"{moments.max():%Y-%m-%d}"))
    weights = [w for w in conventions.weights if w in data]
    if weights:
        lines.append(texts.text("doc_weight", weight=weights[0]))
        for other in weights[1:]:
            lines.append(texts.text("doc_weight_total", weight=other))
        lines.append(texts.text("doc_round"))
    lines.append(texts.text("doc_missing"))
    for code, label in texts.missing_labels(questionnaire.missing).items():
        lines.append(f"  {code} = {label}")
    if dictionary.mrsets and conventions.sps_name:
        lines.append(texts.text("doc_mrsets", sps=conventions.sps_name))
    language = _label_column(questionnaire, texts.code)
    lines.append(texts.text("doc_language", language=language))
    lines.append(texts.text("doc_made", version=__version__))
    return tuple(spss.clip_bytes(line, spss.MAX_DOCUMENT_LINE_BYTES) for line in lines)
