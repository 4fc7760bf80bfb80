"""Defects planted in the answers and times of complete interviews: routing violations, values
out of range, impossible values, answers inconsistent with the sample frame, unknown codes,
misspelt places, personal data in open answers, straight-liners and speeders. Each change is
checked to break only what it means to break (defects.check)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from pipeline.demo import tables as T
from pipeline.demo.defects import add_truth, apply_change, candidates, check, frame_of, spread, wanted
from pipeline.demo.form import STRATA, asked_where, digits, num_text, numeric_bounds, pick, values_of
from pipeline.demo.state import SOURCES, Build
from pipeline.survey.questionnaire import Variable

_BOUND_REF = re.compile(r"\.\s*(>=|>|<=|<)\s*\$\{(\w+)\}")


def plant_record_defects(b: Build) -> None:
    """Plant each kind in clean complete records, noting a kind that falls short."""
    total = b.completes
    plans = (
        ("routing_violation", _routing_violation),
        ("out_of_range", _out_of_range),
        ("impossible_value", _impossible_value),
        ("inconsistent_answer", _inconsistent_answer),
        ("unknown_code", _unknown_code),
        ("misspelt_place", _misspelt_place),
        ("pii_in_open_answer", _pii),
        ("straightliner", _straightliner),
        ("speeder", _speeder),
    )
    for defect, plant in plans:
        k = wanted(defect, total)
        done = plant(b, k)
        if done < k:
            b.notes[defect].append(f"planted {done} of {k} wanted")


def _routing_violation(b: Build, k: int) -> int:
    """A question answered although its relevant is false (in face-to-face and paper records)."""
    f = b.form
    targets = [v for v in f.questions if v.routing and v.type in ("select_one", "integer", "decimal", "text",
                                                                      "select_multiple")
               and not f.direct[v.name]]
    if not targets:
        b.notes["routing_violation"].append("the form has no routed question nobody else depends on")
        return 0
    targets = [targets[i] for i in b.rng_defects.permutation(len(targets))]

    def one(v: Variable, want: int) -> int:
        rows = candidates(b, ("papi", "capi"))
        rows = rows[np.argsort(b.R["_source"].to_numpy()[rows] != "papi", kind="stable")]
        before = frame_of(b, rows)
        rows, before = rows[~asked_where(v, before)], before[~asked_where(v, before)].reset_index(drop=True)
        donors = b.R[v.name].dropna()
        if not len(rows) or not len(donors):
            return 0
        after = before.copy()
        after[v.name] = donors.to_numpy()[b.rng_defects.integers(0, len(donors), size=len(rows))]
        ok = check(b, before, after, {v.name}, violate={v.name})
        chosen = apply_change(b, rows, after, ok, want, {v.name})
        add_truth(b, "routing_violation", chosen, v.name,
                  f"answered although not relevant: {v.routing}")
        return len(chosen)
    return spread(b, k, targets, one)


def _out_of_range(b: Build, k: int) -> int:
    """A number breaking its range constraint (1890 for a birth year, a 10x typo)."""
    f = b.form
    def usable(v):   # an upper bound to exceed, or a year to put in the 19th century
        lo, hi = numeric_bounds(v)
        return hi is not None or (lo is not None and lo >= 1800)
    targets = [v for v in f.q if v.type in ("integer", "decimal") and v.name != f.key and usable(v)]
    if not targets:
        b.notes["out_of_range"].append("the form has no numeric question with a range constraint")
        return 0

    def one(v: Variable, want: int) -> int:
        sources = ("capi",) if f.interviewer is not None and v.name == f.interviewer.name else ("capi", "papi")
        rows = candidates(b, sources)
        before = frame_of(b, rows)
        present = before[v.name].notna().to_numpy() & asked_where(v, before)
        rows, before = rows[present], before[present].reset_index(drop=True)
        if not len(rows):
            return 0
        lo, hi = numeric_bounds(v)
        old = before[v.name].to_numpy(dtype=float)
        r = b.rng_defects
        if lo is not None and lo >= 1800:       # a year: 1890 and the like
            new = lo - r.integers(25, 70, size=len(rows))
        elif v is f.interviewer and lo is not None and lo >= 10:
            new = np.floor(lo / 10) + r.integers(1, 9, size=len(rows))   # 12 for 120
        elif hi is not None:
            new = np.where(old * 10 > hi, old * 10, hi + 1 + r.integers(0, 20, size=len(rows)))
        else:
            new = lo - 1 - r.integers(0, 20, size=len(rows))
        if v.type == "integer":
            new = np.round(new)
        after = before.copy()
        after[v.name] = new.astype(float)
        ok = check(b, before, after, {v.name}, violate={v.name})
        ok &= ~values_of(v.constraint, f.recalc(after.copy()), current=v.name).astype(bool)
        chosen = apply_change(b, rows, after, ok, want, {v.name})
        values = pd.Series(num_text(b.R.loc[chosen, v.name].to_numpy(dtype=float)), dtype=object)
        add_truth(b, "out_of_range", chosen, v.name, values + f" violates constraint {v.constraint}")
        return len(chosen)
    targets.sort(key=lambda v: (v is not f.birth, v is not f.interviewer))
    return spread(b, k, targets, one)


def _impossible_value(b: Build, k: int) -> int:
    """A value impossible given another answer: the form's cross-question constraint broken
    (e.g. year of arrival before the year of birth)."""
    f = b.form
    pairs = []
    for v in f.questions:
        if v.type in ("integer", "decimal") and v.constraint:
            for op, other in _BOUND_REF.findall(v.constraint):
                if other in f.vars:
                    pairs.append((v, op, other))
    if not pairs and f.birth is not None:   # no such rule in the form: a year before birth
        pairs = [(v, ">=", f.birth.name) for v in f.questions
                 if v.type == "integer" and v is not f.birth and "jaar" in v.name.lower()]
    if not pairs:
        b.notes["impossible_value"].append("the form has no question constrained by another answer "
                                           "(such as a year of arrival after the year of birth)")
        return 0

    def one(pair, want: int) -> int:
        v, op, other = pair
        in_form_rule = bool(v.constraint and "${" + other + "}" in v.constraint)
        rows = candidates(b, ("capi", "papi") if in_form_rule else SOURCES)
        before = frame_of(b, rows)
        present = before[v.name].notna().to_numpy() & before[other].notna().to_numpy() & asked_where(v, before)
        rows, before = rows[present], before[present].reset_index(drop=True)
        if not len(rows):
            return 0
        ref = before[other].to_numpy(dtype=float)
        step = b.rng_defects.integers(1, 12, size=len(rows)).astype(float)
        new = ref - step if op in (">=", ">") else ref + step
        lo, hi = numeric_bounds(v)
        after = before.copy()
        after[v.name] = new
        ok = check(b, before, after, {v.name}, violate={v.name})
        if lo is not None:
            ok &= new >= lo
        if hi is not None:
            ok &= new <= hi
        chosen = apply_change(b, rows, after, ok, want, {v.name})
        value = pd.Series(num_text(b.R.loc[chosen, v.name].to_numpy(dtype=float)), dtype=object)
        bound = pd.Series(num_text(b.R.loc[chosen, other].to_numpy(dtype=float)), dtype=object)
        word = "<" if op in (">=", ">") else ">"
        add_truth(b, "impossible_value", chosen, v.name,
                  f"{v.name} " + value + f" {word} {other} " + bound + f" (constraint {v.constraint})")
        return len(chosen)
    return spread(b, k, pairs, one)


def _inconsistent_answer(b: Build, k: int) -> int:
    """Answers that contradict the sample frame: birth year off by more than one, the other
    sex, an origin group (from the nationality answers) other than the stratum."""
    f = b.form
    variants = []
    if f.birth is not None:
        variants.append("birth")
    if f.sex is not None and f.sex.choices is not None and {"1", "2"} <= set(f.sex.choices.names):
        variants.append("sex")
    if f.origin:
        variants.append("origin")
    if not variants:
        b.notes["inconsistent_answer"].append("the form has no birth year, sex or nationality questions")
        return 0
    frame_year = b.sample.set_index("sample_id")["geboortejaar"]
    frame_sex = b.sample.set_index("sample_id")["geslacht"]

    def one(variant: str, want: int) -> int:
        rows = candidates(b)
        before = frame_of(b, rows)
        r = b.rng_defects
        after = before.copy()
        ids = before[b.key].to_numpy()
        if variant == "birth":
            v = f.birth.name
            present = before[v].notna().to_numpy()
            shift = r.integers(2, 11, size=len(rows)) * np.where(r.random(len(rows)) < 0.5, -1, 1)
            after[v] = before[v].to_numpy(dtype=float) + shift
            changed = {v}
            ok = present & (np.abs(after[v].to_numpy(dtype=float) - frame_year.reindex(ids).to_numpy()) > 1)
        elif variant == "sex":
            v = f.sex.name
            old = before[v].to_numpy(dtype=float)
            present = np.isin(old, [1.0, 2.0])
            after[v] = np.where(old == 1.0, 2.0, 1.0)
            changed = {v}
            ok = present & (after[v].to_numpy(dtype=float) != frame_sex.reindex(ids).to_numpy())
        else:
            v = f.origin[0]
            stratum = b.R.loc[rows, "_stratum"].to_numpy()
            choices = f.vars[v].choices.names
            others = np.array([g for g in STRATA if g != "BE" and g in choices], dtype=object)
            idx = r.integers(0, len(others), size=len(rows))
            new = np.where(others[idx] == stratum, others[(idx + 1) % len(others)], others[idx])
            after[v] = new
            changed = {v}
            ok = np.array(after[v].notna().to_numpy())
        ok &= check(b, before, after, changed, violate={"origin"})
        if variant == "origin":
            ok &= f.origin_of(f.recalc(after.copy())) != b.R.loc[rows, "_stratum"].to_numpy()
        chosen = apply_change(b, rows, after, ok, want, changed)
        rec = b.R.loc[chosen]
        ids = rec[b.key].to_numpy()
        if variant in ("birth", "sex"):
            register = (frame_year if variant == "birth" else frame_sex).reindex(ids).to_numpy(dtype=float)
            detail = (f"{v} " + pd.Series(num_text(rec[v].to_numpy(dtype=float)), dtype=object)
                      + "; sample frame " + pd.Series(num_text(register), dtype=object))
        else:
            detail = ("origin from nationality answers " + pd.Series(f.origin_of(rec), dtype=object)
                      + "; stratum " + pd.Series(rec["_stratum"].to_numpy(), dtype=object))
        add_truth(b, "inconsistent_answer", chosen, v, detail)
        return len(chosen)
    return spread(b, k, variants, one)


def _unknown_code(b: Build, k: int) -> int:
    """A select_one answer that is not a code of its list (7 on a 1-5 scale, 'XX')."""
    f = b.form
    targets = [v for v in f.questions if v.type == "select_one" and v.choices is not None]
    if not targets:
        b.notes["unknown_code"].append("the form has no select_one question")
        return 0
    targets.sort(key=lambda v: bool(f.direct[v.name]))
    targets = targets[: max(6, len(targets) // 3)]

    def one(v: Variable, want: int) -> int:
        rows = candidates(b, ("capi", "papi"))
        before = frame_of(b, rows)
        present = before[v.name].notna().to_numpy() & asked_where(v, before)
        rows, before = rows[present], before[present].reset_index(drop=True)
        if not len(rows):
            return 0
        r = b.rng_defects
        codes = list(v.choices.codes.values())
        top = max([x for x in codes if x < 90] or codes)   # past the scale, not past 96 'other'
        while any(top + d in codes for d in (1, 2, 3)):
            top += 1
        source = b.R.loc[rows, "_source"].to_numpy()
        after = before.copy()
        if v.choices.numeric:
            after[v.name] = (top + r.integers(1, 4, size=len(rows))).astype(float)
        else:
            numeric = (top + r.integers(1, 4, size=len(rows))).astype(str)
            after[v.name] = np.where(source == "papi", numeric, "XX")
        ok = check(b, before, after, {v.name}, violate={v.name})
        chosen = apply_change(b, rows, after, ok, want, {v.name})
        values = b.R.loc[chosen, v.name]
        shown = pd.Series(num_text(values.to_numpy(dtype=float)) if v.choices.numeric
                          else values.astype(str).to_numpy(), dtype=object)
        add_truth(b, "unknown_code", chosen, v.name, shown + f" is not a code of list {v.choices.name}")
        return len(chosen)
    return spread(b, k, targets, one)


def _misspelt_place(b: Build, k: int) -> int:
    """Misspelt country names in other-specify texts (the respondent chose 'other country'
    and typed a country of the list, misspelt); misspelt municipality texts."""
    f = b.form
    targets = []
    countries = {c.name: c for c in f.country}
    for v in f.questions:
        if v.type != "text":
            continue
        if f.text_kind(v) == "country":
            targets.append(("country", v, countries[f.specifies(v)]))
        elif f.text_kind(v) == "place" and not v.routing:
            targets.append(("place", v, None))
    if not targets:
        b.notes["misspelt_place"].append("the form has no other-specify country text or municipality text")
        return 0

    def one(target, want: int) -> int:
        kind, v, select = target
        rows = candidates(b)
        before = frame_of(b, rows)
        r = b.rng_defects
        after = before.copy()
        if kind == "country":
            # the choice that makes the text relevant ('other')
            trigger = None
            for name in select.choices.names:
                if name in STRATA:
                    continue
                probe = before.head(1).copy()
                probe[select.name] = name
                if len(probe) and asked_where(v, probe)[0]:
                    trigger = name
                    break
            if trigger is None:
                return 0
            old = before[select.name].astype(object).to_numpy()
            country = np.where(np.isin(old, STRATA), old, b.R.loc[rows, "_stratum"].to_numpy())
            text = np.empty(len(rows), dtype=object)
            for g in STRATA:
                sel = country == g
                text[sel] = pick(r, T.MISSPELLINGS[g], int(sel.sum()))
            after[select.name] = trigger
            after[v.name] = text
            changed = {select.name, v.name}
            ok = check(b, before, after, changed, violate=set())
            detail_of = f"' typed for a country of the list after choosing '{trigger}'"
        else:
            town = b.pii.set_index(b.units["sample_id"]).reindex(before[b.key])["gemeente"]
            lookup = {t: str(r.choice(m)) for t, m in T.PLACE_MISSPELLINGS.items()}   # per town
            after[v.name] = town.map(lookup).to_numpy()
            changed = {v.name}
            ok = after[v.name].notna().to_numpy() & asked_where(v, before)
            ok &= check(b, before, after, changed)
            country = town.to_numpy()
            detail_of = "' typed for the municipality"
        chosen = apply_change(b, rows, after, ok, want, changed)
        typed = pd.Series(b.R.loc[chosen, v.name].astype(str).to_numpy(), dtype=object)
        meant = pd.Series(country[np.flatnonzero(ok)[:want]], dtype=object)
        add_truth(b, "misspelt_place", chosen, v.name, "'" + typed + detail_of + " (" + meant + ")")
        return len(chosen)
    return spread(b, k, targets, one)


def plant_coding_variants(b: Build) -> None:
    """Planted after every other defect, with a random stream of their own (the last one spawned),
    so that the other defects and the files' row order are what they were without them."""
    k = wanted("coding_variant", b.completes)
    done = _coding_variant(b, k, np.random.default_rng(b.seeds.spawn(1)[0]))
    if done < k:
        b.notes["coding_variant"].append(f"planted {done} of {k} wanted")


def _coding_variant(b: Build, k: int, rng: np.random.Generator) -> int:
    """What coding must know beyond the official names: a deelgemeente, a postcode or a pre-merger
    name typed for the municipality, an occupation's synonym typed for the job (tables.py)."""
    f = b.form
    variants = {"place": T.PLACE_VARIANTS, "job": T.JOB_SYNONYMS}
    targets = [v for v in f.questions if v.type == "text" and f.text_kind(v) in variants]
    if not targets:
        b.notes["coding_variant"].append("the form has no municipality or occupation text")
        return 0

    def one(v: Variable, want: int) -> int:
        rows = candidates(b, rng=rng)
        before = frame_of(b, rows)
        table = variants[f.text_kind(v)]
        pos = np.arange(len(rows)) % len(table)
        after = before.copy()
        after[v.name] = np.array([t[0] for t in table], dtype=object)[pos]
        ok = before[v.name].notna().to_numpy() & asked_where(v, before)
        ok &= check(b, before, after, {v.name})
        chosen = apply_change(b, rows, after, ok, want, {v.name})
        detail = pd.Series([f"'{table[i][0]}' {table[i][1]} ({table[i][2]})" for i in pos[np.flatnonzero(ok)[:want]]],
                           dtype=object)
        add_truth(b, "coding_variant", chosen, v.name, detail)
        return len(chosen)
    return spread(b, k, targets, one)


def _pii(b: Build, k: int) -> int:
    """A phone number, e-mail address or national register number in an open answer."""
    f = b.form
    texts = [v for v in f.questions if v.type == "text"]
    if not texts:
        b.notes["pii_in_open_answer"].append("the form has no open (text) question")
        return 0
    preferred = [v for v in texts if f.text_kind(v) in ("comment", "job", "other")] or texts
    preferred.sort(key=lambda v: (f.text_kind(v) != "comment", f.text_kind(v) != "job", bool(v.routing)))
    targets = preferred[:3]
    pii = b.pii.set_index(b.units["sample_id"])

    def one(v: Variable, want: int) -> int:
        rows = candidates(b)
        before = frame_of(b, rows)
        asked = asked_where(v, before)
        rows, before = rows[asked], before[asked].reset_index(drop=True)
        if not len(rows):
            return 0
        r = b.rng_defects
        own = pii.reindex(before[b.key])
        lang = b.R.loc[rows, "_lang"].to_numpy()
        tel = own["telefoon"].to_numpy().astype(object)
        no_tel = tel == ""
        tel[no_tel] = ("04" + digits(r.integers(70, 100, size=int(no_tel.sum())), 2) + " "
                       + digits(r.integers(0, 1_000_000, size=int(no_tel.sum())), 6)).to_numpy()
        mail = own["email"].to_numpy().astype(object)
        no_mail = mail == ""
        mail[no_mail] = "contact" + digits(r.integers(0, 1000, size=int(no_mail.sum())), 3).to_numpy() + "@gmail.com"
        rrn = pd.Series(own["rijksregisternummer"].to_numpy())
        rrn = np.where(r.random(len(rows)) < 0.5, rrn,
                       rrn.str[:2] + "." + rrn.str[2:4] + "." + rrn.str[4:6] + "-" + rrn.str[6:9] + "." + rrn.str[9:])
        out = np.empty(len(rows), dtype=object)
        kind = np.empty(len(rows), dtype=object)
        fill = {"tel": pd.Series(tel, dtype=object), "email": pd.Series(mail, dtype=object),
                "rrn": pd.Series(rrn, dtype=object)}
        for code in T.TEXT_LANGUAGES:
            sel = np.flatnonzero(lang == code)
            templates = T.PII_TEMPLATES.get(code, T.PII_TEMPLATES["nl"])
            which = r.integers(0, len(templates), size=len(sel))
            for j, template in enumerate(templates):
                s = sel[which == j]
                text = pd.Series("", index=range(len(s)), dtype=object)
                for piece in re.split(r"(\{\w+\})", template):
                    name = piece[1:-1] if piece.startswith("{") else None
                    text = text + (fill[name].iloc[s].reset_index(drop=True) if name else piece)
                out[s] = text.to_numpy()
                kind[s] = "+".join(x for x in ("tel", "email", "rrn") if "{" + x + "}" in template)
        after = before.copy()
        after[v.name] = out
        ok = check(b, before, after, {v.name})
        chosen = apply_change(b, rows, after, ok, want, {v.name})
        labels = {"tel": "phone number", "email": "e-mail address", "rrn": "national register number",
                  "tel+email": "phone number and e-mail address"}
        add_truth(b, "pii_in_open_answer", chosen, v.name,
                  pd.Series(kind[np.flatnonzero(ok)[:want]], dtype=object).map(labels).to_numpy())
        return len(chosen)
    return spread(b, k, targets, one)


def _straightliner(b: Build, k: int) -> int:
    """One answer to every question of a grid."""
    f = b.form
    if not f.grids:
        b.notes["straightliner"].append("the form has no grid of 4 or more select_one questions "
                                        "sharing one choice list")
        return 0

    def one(grid: list[str], want: int) -> int:
        rows = candidates(b)
        before = frame_of(b, rows)
        asked = np.all([asked_where(f.vars[g], before) for g in grid], axis=0)
        rows, before = rows[asked], before[asked].reset_index(drop=True)
        if not len(rows):
            return 0
        names = [c for c in f.vars[grid[0]].choices.names if not c.startswith("-")]
        value = pick(b.rng_defects, names, len(rows))
        after = before.copy()
        numeric = f.vars[grid[0]].kind == "numeric"
        for g in grid:
            after[g] = value.astype(float) if numeric else value
        ok = check(b, before, after, set(grid))
        chosen = apply_change(b, rows, after, ok, want, set(grid))
        add_truth(b, "straightliner", chosen, "",
                  f"{len(grid)} questions {' '.join(grid)} all answered "
                  + pd.Series(value[np.flatnonzero(ok)[:want]], dtype=object))
        return len(chosen)
    return spread(b, k, sorted(f.grids, key=len, reverse=True), one)


def _speeder(b: Build, k: int) -> int:
    """An interview ended 3-9 minutes after its start."""
    if b.form.start is None or b.form.end is None:
        b.notes["speeder"].append("the form records no start and end")
        return 0
    rows = candidates(b, ("web", "capi"))[:k]
    minutes = b.rng_defects.uniform(3, 9, size=len(rows))
    start = b.R.loc[rows, b.form.start.name]
    b.R.loc[rows, b.form.end.name] = (start + pd.to_timedelta(np.round(minutes * 60), unit="s")).to_numpy()
    b.R.loc[rows, "_minutes"] = minutes
    b.R.loc[rows, "_clean"] = False
    medians = {s: float(np.median(b.R.loc[b.R["_source"] == s, "_minutes"])) for s in ("web", "capi")}
    median = b.R.loc[rows, "_source"].map(medians).to_numpy(dtype=float)
    add_truth(b, "speeder", rows, "",
              pd.Series(np.char.mod("%.1f", minutes), dtype=object) + " minutes; median of the mode "
              + pd.Series(np.char.mod("%.1f", median), dtype=object))
    return len(rows)
