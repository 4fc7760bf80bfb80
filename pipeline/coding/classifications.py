"""Standard classifications for coding: ISO 3166-1 countries, ISO 639 languages, NIS municipalities
(Statbel REFNIS), ISCO-08 occupations (ILO structure file) and ISCED 2011 levels of degrees.

A classification is data: the valid codes with a Dutch label, and the names (in several languages,
with aliases and misspellings people type) that point to a code. Matching lives in coding.py."""

from __future__ import annotations

import gettext
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Iterable, Mapping

import pandas as pd
import pycountry

from pipeline.errors import ErrorCode, SidError
from pipeline.survey.project import KINDS  # noqa: F401  (C.KINDS in plan and coding)

# Languages whose country and language names are read from pycountry's translations (the form's
# languages and the languages respondents of the survey write in).
NAME_LANGUAGES = ("nl", "fr", "en", "de", "tr", "ar", "pl", "ro", "es", "it", "pt")
ISCED_LEVELS = {
    "0": "Onderwijs voor jonge kinderen (ISCED 0)", "1": "Lager onderwijs (ISCED 1)",
    "2": "Lager secundair onderwijs (ISCED 2)", "3": "Hoger secundair onderwijs (ISCED 3)",
    "4": "Postsecundair niet-tertiair onderwijs (ISCED 4)", "5": "Kortlopend tertiair onderwijs (ISCED 5)",
    "6": "Bachelor of gelijkwaardig (ISCED 6)", "7": "Master of gelijkwaardig (ISCED 7)",
    "8": "Doctoraat of gelijkwaardig (ISCED 8)",
}
# Names matched only exactly: ESCO's 21,000 occupation titles would give chance fuzzy matches
EXACT_ONLY = frozenset({"occupation name"})
_MARKS = re.compile(r"[\u0300-\u036f\u064b-\u065f\u0640]")  # Latin accents, Arabic vowel marks, tatweel
_LETTERS = str.maketrans({"ı": "i", "ł": "l", "ø": "o", "ß": "ss", "æ": "ae", "œ": "oe", "đ": "d",
                          "ð": "d", "þ": "th", "ħ": "h", "_": " "})


_NORMALISED: dict[str, str] = {}  # text -> normalised, this process: a classification's names are normalised
_NORMALISED_MAX = 250_000  # when it is read (exact-only names) and again for its names (name_frame)


def normalise(values: pd.Series) -> pd.Series:
    """Case, accents, punctuation and whitespace folded away: 'Belgïe ' and 'belgie' are equal.
    Letters of other scripts (Arabic, Cyrillic) are kept. Vectorised; text seen before in this
    process is looked up (each text is normalised on its own, so the result is the same)."""
    plain = values.astype("string").fillna("").to_numpy(dtype=object).tolist()
    known = {}
    for t in dict.fromkeys(plain):
        if (found := _NORMALISED.get(t)) is not None:
            known[t] = found
    todo = [t for t in dict.fromkeys(plain) if t not in known]
    if todo:
        fresh = dict(zip(todo, _normalise(pd.Series(todo, dtype="string")).tolist()))
        if len(_NORMALISED) + len(fresh) > _NORMALISED_MAX:  # (a bound on the memory it holds)
            _NORMALISED.clear()
        _NORMALISED.update(fresh)
        known |= fresh
    return pd.Series([known[t] for t in plain], index=values.index, name=values.name, dtype=object)


def _normalise(text: pd.Series) -> pd.Series:
    text = text.str.normalize("NFKD").str.replace(_MARKS, "", regex=True)
    text = text.str.lower().str.translate(_LETTERS)
    text = text.str.replace(r"[^\w\s]", " ", regex=True).str.replace(r"\s+", " ", regex=True).str.strip()
    return text.astype(object)


# (pattern, replacement, text the pattern cannot match without: the replacement is skipped then)
_SOUNDS = [(re.compile(p), r, needle) for p, r, needle in (
    (r"ck", "k", "ck"), (r"ph", "f", "ph"), (r"th", "t", "th"), (r"qu", "k", "qu"), (r"c(?!h)", "k", "c"),
    (r"dt\b", "t", "dt"), (r"d\b", "t", "d"), (r"ij", "i", "ij"), (r"y", "i", "y"), (r"j", "i", "j"),
    (r"oe", "u", "oe"), (r"ou", "u", "ou"), (r"ie\b", "i", "ie"), (r"([a-z])\1+", r"\1", ""))]


def sound_key(normalised: pd.Series) -> pd.Series:
    """A rough Dutch/French sound key of normalised text: 'Gend' and 'Gent', 'Marocco' and
    'Marokko', 'Turkiye' and 'Turkije' get the same key. Used only to score fuzzy matches.
    The replacements in turn (Python's re, as pandas' str.replace applies them; one pandas call
    per replacement cost more than the replacing itself), each only on the texts that hold its
    literal text (a substring test costs a tenth of a regular expression's)."""
    out = normalised.astype("string").fillna("").to_numpy(dtype=object).tolist()
    for pattern, repl, needle in _SOUNDS:  # each replacement on the texts holding its literal text
        for i in [i for i, text in enumerate(out) if needle in text] if needle else range(len(out)):
            out[i] = pattern.sub(repl, out[i])
    return pd.Series(out, index=normalised.index, dtype=object)


@dataclass(frozen=True)
class Classification:
    """Valid codes with their Dutch label, and the names that point to a code (most trusted first)."""

    kind: str
    title: str  # e.g. "ISO 3166-1 alpha-2", shown in labels and reports
    labels: Mapping[str, str]  # code -> Dutch label
    names: tuple[tuple[str, str, int], ...]  # (name as written, code, tier): lower tiers are trusted more
    numeric: bool = False  # codes are numbers in the data (NIS, ISCO, ISCED) or text (ISO)
    validity: Mapping[str, tuple[date, date]] = field(default_factory=lambda: MappingProxyType({}))
    successors: Mapping[str, tuple[str, date]] = field(default_factory=lambda: MappingProxyType({}))
    via: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))  # 'name\tcode' -> 'postcode'...
    groups: Mapping[str, Mapping[str, str]] = field(default_factory=lambda: MappingProxyType({}))  # ISCO levels
    _cache: dict = field(default_factory=dict, compare=False, repr=False, hash=False)

    def valid(self, code: str) -> bool:
        return code in self.labels

    def label(self, code: str) -> str:
        return self.labels.get(code, code)

    def parents(self, code: str) -> list[tuple[str, str]]:
        """The groups above an ISCO unit group, broadest first: [('2', label), ('22', ...), ...]."""
        return [(code[:n], self.groups[str(n)][code[:n]]) for n in range(1, len(code))
                if code[:n] in self.groups.get(str(n), {})]

    def name_frame(self) -> pd.DataFrame:
        """One row per normalised name: the code it points to, or '' when it is ambiguous (two
        codes in its most trusted tier, e.g. 'licence' in Belgium and in France; `candidates`
        lists them, 'Deurne' is in Antwerpen and in Diest). Aliases come before pycountry's names,
        so 'Congo' is the Democratic Republic, as in Belgium. `method` says how a name points to
        its code where that is not the classification's own name (a postcode, a deelgemeente)."""
        if "names" in self._cache:
            return self._cache["names"]
        frame = pd.DataFrame(list(self.names), columns=["name", "code", "tier"])
        frame["normalised"] = normalise(frame["name"])
        frame = frame[frame["normalised"] != ""]
        best = frame.groupby("normalised")["tier"].transform("min")
        frame = frame[frame["tier"] == best].drop_duplicates(["normalised", "code"])
        several = frame["normalised"].duplicated(keep=False)
        both = frame[several].groupby("normalised")["code"].agg(lambda c: "|".join(sorted(c)))
        frame = frame.assign(code=frame["code"].where(~several, "")).drop_duplicates("normalised")
        norm, codes = frame["normalised"].to_numpy(dtype=object), frame["code"].to_numpy(dtype=object)
        out = pd.DataFrame({"normalised": norm, "code": codes})
        both, via = both.to_dict(), dict(self.via)  # plain dicts and arrays: Series.get per name was slow
        out["candidates"] = [both.get(n, "") for n in norm]
        out["method"] = [via.get(f"{n}\t{c}", "classification") for n, c in zip(norm, codes)]
        out["key"] = sound_key(out["normalised"])
        self._cache["names"] = out
        return out

    def code_of_name(self) -> Mapping[str, str]:
        """normalised name -> its code ('' when ambiguous), as `name_frame` has them; built once."""
        if "code_of_name" not in self._cache:
            frame = self.name_frame()
            self._cache["code_of_name"] = dict(zip(frame["normalised"].to_numpy(dtype=object),
                                                   frame["code"].to_numpy(dtype=object)))
        return self._cache["code_of_name"]


def _comma_variants(name: str) -> list[str]:
    """'Congo, Democratische Republiek' is also written 'Democratische Republiek Congo'."""
    out = [name]
    if ", " in name:
        head, tail = name.split(", ", 1)
        out.append(f"{tail} {head}")
    return out


def _read_aliases(path: Path | None, kind: str) -> list[tuple[str, str]]:
    if path is None:
        return []
    frame = _read_table(path, kind)
    _require(frame, ("code", "name"), path)
    return [(n, c, 0) for n, c in zip(frame["name"].astype(str), frame["code"].astype(str).str.strip())]


def countries(aliases: Path | None = None) -> Classification:
    """ISO 3166-1 alpha-2 codes; Dutch labels; names in the survey's languages from pycountry,
    after the aliases file (Belgian usage, nationality adjectives, codes like XK for Kosovo)."""
    alias_rows = _read_aliases(aliases, "country")
    translations = {lang: gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang],
                                              fallback=True) for lang in NAME_LANGUAGES}
    labels: dict[str, str] = {}
    names: list[tuple[str, str]] = list(alias_rows)
    for country in pycountry.countries:
        code = country.alpha_2
        labels[code] = translations["nl"].gettext(country.name)
    for lang in NAME_LANGUAGES:
        tier = 1 if lang == "nl" else 2
        for country in pycountry.countries:
            for attr in ("common_name", "name", "official_name"):
                english = getattr(country, attr, None)
                if english:
                    names += [(n, country.alpha_2, tier)
                              for n in _comma_variants(translations[lang].gettext(english))]
    for name, code, _ in alias_rows:  # user-assigned codes (XK) become valid through the alias file
        labels.setdefault(code, name)
    names += [(c, c, 3) for c in labels]  # a typed code ('MA') is itself a name
    return Classification("country", "ISO 3166-1 alpha-2", MappingProxyType(labels), tuple(names))


def languages(aliases: Path | None = None) -> Classification:
    """ISO 639-3 codes (ISO 639-5 for language families such as ber, Berber languages); Dutch
    labels from pycountry's translations or the aliases file. Every ISO 639-3 language is valid;
    names are read for the languages with a two-letter code, the families and the aliases (the
    7,900 rare languages would only give false fuzzy matches)."""
    alias_rows = _read_aliases(aliases, "language")
    translations = {lang: gettext.translation("iso639-3", pycountry.LOCALES_DIR, languages=[lang],
                                              fallback=True) for lang in NAME_LANGUAGES}
    labels: dict[str, str] = {}
    names: list[tuple[str, str]] = list(alias_rows)
    alias_label = {}
    for name, code, _ in alias_rows:
        alias_label.setdefault(code, name)
    common = []
    for lang in list(pycountry.languages) + list(pycountry.language_families):
        code = lang.alpha_3
        dutch = translations["nl"].gettext(lang.name)
        labels[code] = alias_label.get(code) if dutch == lang.name and code in alias_label else dutch
        if hasattr(lang, "alpha_2") or lang in pycountry.language_families or code in alias_label:
            common.append(lang)
            names.append((lang.alpha_3, code, 3))
            if hasattr(lang, "alpha_2"):
                names.append((lang.alpha_2, code, 3))
    for lang in NAME_LANGUAGES:
        for item in common:
            names += [(n, item.alpha_3, 1 if lang == "nl" else 2)
                      for n in _comma_variants(translations[lang].gettext(item.name))]
    for name, code, _ in alias_rows:
        labels.setdefault(code, name)
    return Classification("language", "ISO 639-3", MappingProxyType(labels), tuple(names))


def language_code(name: str) -> str | None:
    """The ISO 639-3 code of a form's choice name ('nl' -> 'nld', 'ber' -> 'ber'), or None."""
    text = name.strip().lower()
    if len(text) == 2:
        found = pycountry.languages.get(alpha_2=text)
    elif len(text) == 3:
        found = pycountry.languages.get(alpha_3=text) or pycountry.language_families.get(alpha_3=text)
    else:
        found = None
    return found.alpha_3 if found is not None else None


def municipalities(path: Path, reference: date, successors: Path | None = None,
                   postcodes: Path | None = None) -> Classification:
    """Municipalities from a file in Statbel's REFNIS format (CD_REFNIS, TX_REFNIS_NL, TX_REFNIS_FR,
    optional TX_REFNIS_DE, DT_VLDT_START, DT_VLDT_END or _STOP; separator | ; , or tab). Every code
    that ever existed is valid; a name points first to the code valid on `reference` (so 'Deinze'
    is 44083 after the 2019 merger), otherwise to its most recent code. `successors` (CD_REFNIS,
    CD_REFNIS_SUCCESSOR, DT_SUCCESSION) says which municipality replaced an ended one; `postcodes`
    (postcode, plaatsnaam, deelgemeente ja/neen, nis) makes postcodes and deelgemeenten names of
    their municipality, trusted less than the municipalities' own names."""
    frame = _read_table(path, "municipality")
    end_col = "DT_VLDT_END" if "DT_VLDT_END" in frame.columns else "DT_VLDT_STOP"
    _require(frame, ("CD_REFNIS", "TX_REFNIS_NL", "TX_REFNIS_FR", "DT_VLDT_START", end_col), path)
    code = frame["CD_REFNIS"].astype(str).str.strip().str.zfill(5)
    frame = frame.assign(CD_REFNIS=code)[code.str.fullmatch(r"\d{5}") & ~code.str.endswith("000")]
    start = _dates(frame["DT_VLDT_START"], path, "DT_VLDT_START")
    end = _dates(frame[end_col].replace("", "31/12/9999"), path, end_col)
    frame = frame.assign(valid_start=start, valid_end=end, valid_now=(start <= pd.Timestamp(reference)) & (end >= pd.Timestamp(reference)))
    frame = frame.sort_values(["valid_now", "valid_end"], ascending=[False, False], kind="stable")
    succession = _successors(successors)
    labels, validity, names = {}, {}, []
    for row in frame.itertuples(index=False):  # a few thousand municipalities, not respondents
        nl = str(row.TX_REFNIS_NL).strip()
        until = "" if row.valid_end.year >= 2262 else f" (tot {row.valid_end.year})"
        since = f" (vanaf {row.valid_start.year})" if row.valid_start.year > 1977 and not until else ""
        labels[row.CD_REFNIS] = f"{nl}{until or since}"
        validity[row.CD_REFNIS] = (row.valid_start.date(), row.valid_end.date())
        for col in ("TX_REFNIS_NL", "TX_REFNIS_FR", "TX_REFNIS_DE"):
            value = getattr(row, col, None)
            if isinstance(value, str) and value.strip():
                # a name that merged away before the successors' table begins (Borgerhout, 1983)
                # is trusted less than the deelgemeente of that name (Antwerpen)
                old = row.valid_end < pd.Timestamp(reference) and row.CD_REFNIS not in succession
                tier = 0 if row.valid_now else 3 if old and postcodes else 1
                # 'Moerbeke' for Statbel's 'Moerbeke (Gent)': the qualifier tells homonyms apart
                names += [(n, row.CD_REFNIS, tier) for n in sorted({value.strip(), re.sub(r"\s*\(.*\)$", "", value.strip())})]
                # 'Molenbeek' for Sint-Jans-Molenbeek / Molenbeek-Saint-Jean: the long part of a
                # compound name, trusted least (a part shared by two municipalities is ambiguous)
                names += [(part, row.CD_REFNIS, 4) for part in value.strip().split("-")
                          if len(part) >= 6 and part.lower() not in ("saint", "sainte") and row.valid_now]
        names.append((row.CD_REFNIS, row.CD_REFNIS, 0))
    via: dict[str, str] = {}
    if postcodes is not None:
        places = _read_table(postcodes, "postcode")
        _require(places, ("postcode", "plaatsnaam", "deelgemeente", "nis"), postcodes)
        places = places[places["nis"].isin(list(labels))]
        deel = places[(places["deelgemeente"].str.lower() == "ja") & ~places["plaatsnaam"].str.contains("\ufffd")]
        names += [(n, c, 2) for n, c in zip(deel["plaatsnaam"], deel["nis"])]
        names += [(p, c, 2) for p, c in zip(places["postcode"], places["nis"])]
        via |= dict.fromkeys(normalise(deel["plaatsnaam"]) + "\t" + deel["nis"].to_numpy(dtype=object), "deelgemeente")
        via |= dict.fromkeys(places["postcode"] + "\t" + places["nis"], "postcode")
    return Classification("municipality", "NIS-code (REFNIS)", MappingProxyType(labels), tuple(names),
                          numeric=True, validity=MappingProxyType(validity),
                          successors=MappingProxyType(succession), via=MappingProxyType(via))


def _successors(path: Path | None) -> dict[str, tuple[str, date]]:
    if path is None:
        return {}
    frame = _read_table(path, "successor")
    _require(frame, ("CD_REFNIS", "CD_REFNIS_SUCCESSOR", "DT_SUCCESSION"), path)
    since = _dates(frame["DT_SUCCESSION"], path, "DT_SUCCESSION")
    return {old.strip().zfill(5): (new.strip().zfill(5), day.date())
            for old, new, day in zip(frame["CD_REFNIS"], frame["CD_REFNIS_SUCCESSOR"], since)}


def occupations(path: Path, synonyms: Path | None = None) -> Classification:
    """ISCO-08 unit groups (four digits) from the ILO structure file (.xlsx or .csv with the
    columns 'ISCO 08 Code' and 'Title EN'; an optional 'Title NL' gives the Dutch labels, an
    optional 'Title FR' more names). The groups above them (1-3 digits) label the parents;
    `synonyms` (name, code) adds occupation titles (ESCO's Dutch and French occupations, the CBS's
    Dutch index) as names of their unit group. Optional columns: label (preferred, alternative or
    index: a preferred title is trusted before the others) and language (Dutch titles are trusted
    before those of other languages, so a word of two languages codes as the Dutch one)."""
    frame = _read_table(path, "occupation")
    _require(frame, ("ISCO 08 Code", "Title EN"), path)
    code = frame["ISCO 08 Code"].astype(str).str.strip().str.replace(r"\.0$", "", regex=True)
    dutch = frame["Title NL"].astype(str).str.strip() if "Title NL" in frame.columns else frame["Title EN"]
    frame = frame.assign(code=code, dutch=dutch.where(dutch != "", frame["Title EN"]).astype(str))
    groups = {str(n): MappingProxyType(dict(zip(level["code"], level["dutch"])))
              for n, level in frame.groupby(frame["code"].str.len()) if 1 <= n <= 3}
    frame = frame[frame["code"].str.fullmatch(r"\d{4}")]
    labels = dict(zip(frame["code"], frame["dutch"]))
    names = [(n, c, 0) for n, c in zip(frame["dutch"], frame["code"])]
    for column in ("Title EN", "Title FR"):
        if column in frame.columns:
            names += [(n, c, 1) for n, c in zip(frame[column].astype(str), frame["code"]) if n.strip()]
    names += [(c, c, 0) for c in frame["code"]]
    # the Dutch and English titles are matched fuzzily too; every other name only exactly: across
    # languages a near spelling is a false friend (Romanian 'asistentă medicală', a nurse, is close
    # to French 'assistants médicaux', 3256), and 39,000 occupation titles give chance matches
    fuzzy = set().union(*(normalise(frame[c]) for c in ("dutch", "Title EN")))
    exact = [(n, c) for n, c in zip(frame.get("Title FR", pd.Series(dtype=str)).astype(str), frame["code"])]
    if synonyms is not None:
        extra = _read_table(synonyms, "occupation")
        _require(extra, ("name", "code"), synonyms)
        extra = extra.assign(code=extra["code"].str.strip())
        extra = extra[extra["code"].isin(list(labels))]
        # an occupation's preferred title before its alternative ones ('boekhouder' is preferred
        # for 3313 and an alternative title in 1211)
        tier = extra["label"].map({"alternative": 2, "index": 2}).fillna(1) if "label" in extra else 1
        tier = pd.Series(tier, index=extra.index).astype(int)
        if "language" in extra:
            tier += extra["language"].str.strip().str.lower().isin(["", "nl"]).map({True: 0, False: 2})
        # (plain arrays: iterating ESCO's 35,000 titles as pandas strings cost more than reading them)
        name, code = extra["name"].to_numpy(dtype=object), extra["code"].to_numpy(dtype=object)
        names += list(zip(name, code, tier.tolist()))
        exact += list(zip(name, code))
    exact = pd.DataFrame(exact, columns=["name", "code"], dtype=object)
    via = {f"{n}\t{c}": "occupation name" for n, c in zip(normalise(exact["name"]), exact["code"]) if n not in fuzzy}
    return Classification("occupation", "ISCO-08", MappingProxyType(labels), tuple(names), numeric=True,
                          groups=MappingProxyType(groups), via=MappingProxyType(via))


def education(path: Path) -> Classification:
    """ISCED 2011 levels (0-8) of Belgian and foreign degrees: a table with the columns degree,
    country, isced (and a free note)."""
    frame = _read_table(path, "education")
    _require(frame, ("degree", "isced"), path)
    level = frame["isced"].astype(str).str.strip().str.replace(r"\.0$", "", regex=True)
    bad = frame.index[~level.isin(list(ISCED_LEVELS))]
    if len(bad):
        raise SidError(ErrorCode.CLASSIFICATION_INVALID, f"isced {level[bad[0]]!r} is not an ISCED 2011 level 0-8",
                       file=path, row=int(bad[0]) + 2, column="isced")
    names = [(n, c, 0) for n, c in zip(frame["degree"].astype(str), level)]
    names += [(c, c, 1) for c in ISCED_LEVELS]
    return Classification("education", "ISCED 2011", MappingProxyType(dict(ISCED_LEVELS)), tuple(names),
                          numeric=True)


def choice_list(name: str, codes: Mapping[str, str], names: Iterable[tuple[str, str, int]]) -> Classification:
    """A form's own choice list as a classification (for other-specify texts of lists that follow
    no standard): codes are the choice names, names their labels in every language."""
    return Classification(f"choices:{name}", f"keuzelijst {name}", MappingProxyType(dict(codes)),
                          tuple(names), numeric=all(re.fullmatch(r"-?\d+", c) for c in codes))


def _read_table(path: Path, kind: str) -> pd.DataFrame:
    if not path.is_file():
        raise SidError(ErrorCode.CLASSIFICATION_MISSING, f"{kind} classification file not found", file=path,
                       fix="Check the [coding] paths in sid.toml.")
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            return pd.read_excel(path, dtype=str, keep_default_na=False, na_values=[""]).fillna("")  # "NA" is Namibia
        text = path.read_text(encoding="utf-8-sig")
        first = text.splitlines()[0] if text else ""
        sep = max(("|", ";", "\t", ","), key=first.count)
        return pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (UnicodeDecodeError, ValueError, OSError) as exc:
        raise SidError(ErrorCode.CLASSIFICATION_INVALID, f"cannot read the {kind} classification ({exc})",
                       file=path, fix="Save it as UTF-8 CSV or .xlsx.") from None


def _require(frame: pd.DataFrame, columns: tuple[str, ...], path: Path) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise SidError(ErrorCode.CLASSIFICATION_INVALID, f"column {missing[0]!r} is missing", file=path, row=1,
                       fix=f"The file needs the columns {', '.join(columns)}.")


def _dates(values: pd.Series, path: Path, column: str) -> pd.Series:
    text = values.astype(str).str.strip()
    parsed = pd.to_datetime(text.str.replace("9999", "2262", regex=False), dayfirst=True,
                            errors="coerce", format="mixed")
    bad = parsed.isna()
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise SidError(ErrorCode.CLASSIFICATION_INVALID, f"{text.iloc[i]!r} is not a date", file=path,
                       row=i + 2, column=column, fix="Write dates as dd/mm/yyyy.")
    return parsed.where(~text.str.contains("9999"), pd.Timestamp("2262-01-01"))
