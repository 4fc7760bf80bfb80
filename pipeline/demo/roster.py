"""The household roster of the demo: the members of each interviewed person's household, drawn
plausibly from the respondent's own answers, written in the layouts the fieldwork tools export,
with planted roster defects.

The roster is the form's first repeat whose ``repeat_count`` is a question or calculate of the
main level (``${aantal_huisgenoten}``) and which asks a relation, a sex and a birth year (found by
choice labels and names); a country of birth and any other select are drawn too. Read from
pyxform's JSON of the form: sid's questionnaire model does not hold repeats yet. A form without
such a repeat gets no roster and the demo is as before.

Layouts:
    web   the repeat sheet of KoboToolbox's XLSX export, as its own CSV beside web_kobo.csv
          (``web_kobo_<repeat>.csv``, the main CSV's dialect). Kobo's export puts each repeat in a
          sheet of its own; the demo keeps the main table as the CSV export sid.toml reads and
          writes the sheet as CSV. Columns: the repeat's questions by XML name (choice names),
          then formpack's ``_index`` (1-based over the sheet), ``_parent_table_name`` (the main
          sheet), ``_parent_index`` (the parent's ``_index`` in web_kobo.csv) and kpi's submission
          columns ``_submission__id``, ``_submission__uuid`` … ``_submission__tags``.
    capi  wide in the tablets' .sav: ``<question>_<k>`` for member k = 1 … the largest household
          of the file, right after the count; labelled ``Huisgenoot k: <label>``, numeric selects
          with value labels, the SID missing codes user-missing; empty slots sysmis / ''.
    papi  wide in the keyed-in sheet: ``<QUESTION>_<k>`` upper case, choices as the codes
          printed on paper (``ChoiceList.codes``), right after the count's place.

Rows per record = the count, a whole number 0-30 (an empty or wilder count: no members), except
the planted defects (ROSTER_DEFECTS, listed in demo_truth.csv after the other kinds):
    roster_orphan           web: member rows whose ``_submission__uuid`` and ``_parent_index``
                            match no submission of web_kobo.csv (the submission left the main
                            export); sample_id empty, row = the row in the repeat's CSV
    roster_count_mismatch   face to face or paper: the count says n, n − 1 members are filled in
    roster_child_older      face to face or paper: a son or daughter born before the respondent
                            (Kobo's constraint on the birth year stops it on the web)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pipeline.demo.answers import ORIGIN_GROUPS
from pipeline.demo.state import Build
from pipeline.survey.questionnaire import Choice, ChoiceList, Questionnaire

ROSTER_DEFECTS = ("roster_orphan", "roster_count_mismatch", "roster_child_older")
MAX_MEMBERS = 30
PARTNER, CHILD, PARENT, SIBLING, RELATIVE, UNRELATED = range(6)
_RELATIONS = ((PARTNER, r"partner|spouse|echtgeno|conjoint"), (CHILD, r"\bson\b|daughter|zoon|dochter|fils|fille"),
              (PARENT, r"father|mother|vader|moeder|père|mère"), (SIBLING, r"brother|sister|broer|zus|frère|sœur"),
              (UNRELATED, r"not related|niet verwant|sans lien"))


@dataclass(frozen=True)
class Field:
    name: str
    type: str                       # pyxform's: "select one", "integer", "text" ...
    labels: dict[str, str]
    choices: ChoiceList | None


@dataclass(frozen=True)
class RosterForm:
    name: str                       # the repeat's name
    label: dict[str, str]
    count: str                      # the main-level variable that counts the members
    fields: tuple[Field, ...]
    relation: str
    sex: str
    birth: str
    country: str | None
    relation_of: dict[str, int]     # choice name → PARTNER … UNRELATED (RELATIVE when unknown)


def roster_form(q: Questionnaire) -> RosterForm | None:
    """The household roster of the form (see the module's text), or None."""
    try:
        from pyxform.xls2xform import convert  # pyxform takes ~0.5 s to import
        form = convert(xlsform=str(q.path))._pyxform
    except Exception:  # the model loaded; a form pyxform cannot read again has no roster for the demo
        return None
    repeat = _first_repeat(form.get("children", []))
    if repeat is None:
        return None
    count = re.fullmatch(r"\s*\$\{(\w+)\}\s*", str(repeat.get("control", {}).get("jr:count", "")))
    if not count or count.group(1) not in q:
        return None
    fields = tuple(_field(c) for c in repeat.get("children", []) if c.get("type") not in ("group", "repeat", "note"))
    selects = [f for f in fields if f.choices is not None]
    relation = next((f for f in selects if any(_relation(c) == CHILD for c in f.choices.choices)), None)
    sex = next((f for f in selects if f is not relation and {"1", "2"} <= set(f.choices.names)
                and re.search(r"geslacht|sex|gender", f.name)), None)
    birth = next((f for f in fields if f.type == "integer" and re.search(r"geboorte|birth|jaar|year", f.name)), None)
    country = next((f for f in selects if set(ORIGIN_GROUPS) <= set(f.choices.names)), None)
    if relation is None or sex is None or birth is None:
        return None
    return RosterForm(repeat["name"], dict(_labels(repeat.get("label"))), count.group(1), fields, relation.name,
                      sex.name, birth.name, country.name if country else None,
                      {c.name: _relation(c) for c in relation.choices.choices})


def _first_repeat(children: list[dict[str, Any]]) -> dict[str, Any] | None:
    for item in children:
        if item.get("type") == "repeat":
            return item
        if item.get("type") == "group":
            found = _first_repeat(item.get("children", []))
            if found is not None:
                return found
    return None


def _labels(value: Any) -> dict[str, str]:
    return {k: str(v) for k, v in value.items()} if isinstance(value, dict) else ({"default": str(value)} if value else {})


def _field(item: dict[str, Any]) -> Field:
    choices = None
    if item.get("choices"):
        choices = ChoiceList(item.get("list_name") or item["name"],
                             tuple(Choice(str(c["name"]), _labels(c.get("label"))) for c in item["choices"]))
    return Field(item["name"], item.get("type", ""), _labels(item.get("label")), choices)


def _relation(choice: Choice) -> int:
    text = " ".join(choice.labels.values()).lower()
    return next((kind for kind, pattern in _RELATIONS if re.search(pattern, text)), RELATIVE)


# ---------------------------------------------------------------------------------------------
# The members
# ---------------------------------------------------------------------------------------------

def make_roster(b: Build, rf: RosterForm) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """The members of every record (one row each: _rec, _source, _row, the key, instance and the
    roster's questions in the form's representation) and the truth of the planted roster defects
    (defect, _rec or a given sample_id/source/row, variable, detail). Run after number_rows."""
    rng = np.random.default_rng(b.seeds.spawn(1)[0])   # a stream of its own: the other parts keep theirs
    R = b.R
    originals = R[R["_copy_of"] < 0]
    members = _draw(b, rf, originals, rng)
    copies = R[R["_copy_of"] >= 0]   # a double submission carries the same household
    if len(copies):
        again = members.merge(copies[["_rec", "_copy_of"]], left_on="_rec", right_on="_copy_of",
                              suffixes=("_orig", ""))
        members = pd.concat([members, again.drop(columns=["_rec_orig", "_copy_of"])], ignore_index=True)
    where = R.set_index("_rec")
    members["_source"] = where["_source"].reindex(members["_rec"]).to_numpy()
    members["_row"] = where["_row"].reindex(members["_rec"]).to_numpy()
    members[b.key] = where[b.key].reindex(members["_rec"]).astype(str).to_numpy()
    members, truth = _plant(b, rf, members, rng)
    members = members.sort_values(["_source", "_row", "instance"], kind="stable").reset_index(drop=True)
    return members, truth


def _draw(b: Build, rf: RosterForm, R: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    count = pd.to_numeric(R[rf.count], errors="coerce").to_numpy(dtype=float)
    ok = ~np.isnan(count) & (count == np.trunc(count)) & (count >= 0) & (count <= MAX_MEMBERS)
    n = np.where(ok, np.nan_to_num(count), 0).astype(int)
    parent = np.repeat(np.arange(len(R)), n)
    instance = np.concatenate([np.arange(1, k + 1) for k in n]) if n.sum() else np.zeros(0, dtype=int)
    m = len(parent)
    birth = pd.to_numeric(R[b.form.birth.name], errors="coerce").to_numpy(dtype=float) if b.form.birth else \
        np.full(len(R), np.nan)
    birth = np.where((birth >= 1900) & (birth <= 2011), birth, 1975.0)[parent]
    sex = pd.to_numeric(R[b.form.sex.name], errors="coerce").to_numpy(dtype=float)[parent] if b.form.sex else \
        np.full(m, np.nan)
    origin = b.form.origin_of(R)[parent] if b.form.origin else np.full(m, "", dtype=object)
    origin = np.where(origin == "", "BE", origin)
    young = birth > 2026 - 25
    first = instance == 1
    draw = rng.random(m)
    kind = np.select(
        [young & first, young, first],
        [np.select([draw < 0.5, draw < 0.7], [PARENT, PARTNER], SIBLING),
         np.select([draw < 0.3, draw < 0.8, draw < 0.9], [PARENT, SIBLING, RELATIVE], UNRELATED),
         np.select([draw < 0.6, draw < 0.85, draw < 0.9], [PARTNER, CHILD, PARENT], RELATIVE)],
        np.select([draw < 0.7, draw < 0.8, draw < 0.88, draw < 0.94], [CHILD, PARENT, SIBLING, RELATIVE], UNRELATED))
    lo = np.select([kind == PARTNER, kind == CHILD, kind == PARENT, kind == SIBLING, kind == RELATIVE],
                   [birth - 8, birth + 18, birth - 45, birth - 10, birth - 50], birth - 20)
    hi = np.select([kind == PARTNER, kind == CHILD, kind == PARENT, kind == SIBLING, kind == RELATIVE],
                   [birth + 8, birth + 45, birth - 18, birth + 10, birth + 40], birth + 20)
    lo, hi = np.clip(lo, 1920, 2026), np.clip(hi, 1920, 2026)
    hi = np.maximum(hi, lo)
    year = np.floor(lo + rng.random(m) * (hi - lo + 1))
    year = np.where(kind == CHILD, np.maximum(year, np.minimum(birth + 1, 2026)), year)
    out = pd.DataFrame({"_rec": R["_rec"].to_numpy()[parent], "instance": instance})
    codes = {kind_: [name for name, k in rf.relation_of.items() if k == kind_] for kind_ in range(6)}
    relation = np.full(m, "", dtype=object)
    for kind_, names in codes.items():
        at = kind == kind_
        fallback = [n_ for n_, k in rf.relation_of.items() if k == RELATIVE] or list(rf.relation_of)
        relation[at] = (names or fallback)[0]
    fields = {f.name: f for f in rf.fields}
    out[rf.relation] = _as_form(fields[rf.relation], relation)
    opposite = np.where(sex == 1, "2", np.where(sex == 2, "1", ""))
    other_sex = np.asarray(["1", "2"], dtype=object)[rng.integers(0, 2, size=m)]
    rare = rng.random(m)
    sex_names = fields[rf.sex].choices.names
    member_sex = np.where((kind == PARTNER) & (opposite != "") & (rng.random(m) < 0.9), opposite, other_sex)
    member_sex = np.where((rare < 0.005) & ("3" in sex_names), "3", member_sex)
    member_sex = np.where((rare > 0.995) & ("-1" in sex_names), "-1", member_sex)
    out[rf.sex] = _as_form(fields[rf.sex], member_sex)
    out[rf.birth] = year
    if rf.country:
        names = np.asarray([c for c in fields[rf.country].choices.names if not c.startswith("-")], dtype=object)
        any_country = names[rng.integers(0, len(names), size=m)]
        c = rng.random(m)
        home = np.select([kind == CHILD, kind == PARTNER, kind == PARENT, kind == SIBLING],
                         [0.8, 0.4, 0.15, 0.2], 0.45)
        country = np.where(c < home, "BE", np.where(c < 0.95, origin, any_country))
        out[rf.country] = _as_form(fields[rf.country], country)
    for f in rf.fields:   # any other select of the roster: a choice at random
        if f.name not in out.columns and f.choices is not None:
            out[f.name] = _as_form(f, np.asarray(f.choices.names, dtype=object)[rng.integers(0, len(f.choices.names), m)])
    return out


def _as_form(f: Field, names: np.ndarray) -> pd.Series:
    """Choice names as the records hold them: numbers for a numeric list, text otherwise."""
    s = pd.Series(names, dtype=object)
    if f.choices is not None and f.choices.numeric:
        return pd.to_numeric(s.replace("", np.nan), errors="coerce").astype(float)
    return s.replace("", np.nan).astype("string")


def _plant(b: Build, rf: RosterForm, members: pd.DataFrame,
           rng: np.random.Generator) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    R = b.R
    flagged = set(pd.concat(b.truth)["_rec"]) if b.truth else set()
    clean = R[R["_clean"].to_numpy() & R["_source"].isin(["capi", "papi"]).to_numpy()
              & ~R["_rec"].isin(flagged).to_numpy() & (R["_copy_of"] < 0).to_numpy()]
    k = max(3, int(round(0.002 * b.completes)))
    truth: list[pd.DataFrame] = []
    size = members.groupby("_rec").size()
    # a count mismatch: the last member left out
    fit = clean[clean["_rec"].map(size).fillna(0).to_numpy() >= 2]
    chosen = _per_source(fit["_rec"].to_numpy(), fit["_source"].to_numpy(), k, rng)
    n = size.reindex(chosen).to_numpy()
    drop = members["_rec"].isin(chosen) & (members["instance"] == members["_rec"].map(size))
    members = members[~drop.to_numpy()].reset_index(drop=True)
    truth.append(pd.DataFrame({"defect": "roster_count_mismatch", "_rec": chosen, "variable": rf.count,
                               "detail": [f"{rf.count} = {c}, yet {c - 1} members in the roster {rf.name}" for c in n]}))
    # a son or daughter born before the respondent
    child = [name for name, kind in rf.relation_of.items() if kind == CHILD]
    rel = members[rf.relation].astype(object).astype(str).str.replace(r"\.0$", "", regex=True)
    is_child = rel.isin(child).to_numpy() & members["_rec"].isin(set(clean["_rec"]) - set(chosen)).to_numpy()
    birth = pd.to_numeric(R.set_index("_rec")[b.form.birth.name], errors="coerce")
    is_child &= members["_rec"].map(birth).between(1900, 2011).to_numpy()
    recs = pd.unique(members.loc[is_child, "_rec"])
    recs = _per_source(recs, R.set_index("_rec")["_source"].reindex(recs).to_numpy(), k, rng)
    at = members.index[is_child & members["_rec"].isin(recs).to_numpy()]
    at = members.loc[at].drop_duplicates("_rec").index
    own = birth.reindex(members.loc[at, "_rec"]).to_numpy()
    members.loc[at, rf.birth] = own - rng.integers(1, 15, size=len(at))
    truth.append(pd.DataFrame({
        "defect": "roster_child_older", "_rec": members.loc[at, "_rec"].to_numpy(), "variable": rf.birth,
        "detail": [f"{rf.name} member {i}: a son or daughter born in {int(y)}, before the respondent ({int(o)})"
                   for i, y, o in zip(members.loc[at, "instance"], members.loc[at, rf.birth], own)]}))
    return members, truth


def _per_source(recs: np.ndarray, sources: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """k of `recs` at random, one of them on paper (the wide sheet) where paper has any."""
    order = rng.permutation(len(recs))
    recs, sources = recs[order], sources[order]
    paper = recs[sources == "papi"][:1]
    return np.concatenate([recs[sources != "papi"][: k - len(paper)], paper])
