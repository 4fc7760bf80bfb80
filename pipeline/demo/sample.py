"""The sample: who was drawn from the national register and what became of each unit in the
fieldwork (the plan the interviews and the contact log follow), and the sample frame
steekproef.csv with names, addresses, national register numbers, phone numbers and e-mail
addresses."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.demo import tables as T
from pipeline.demo.defects import wanted
from pipeline.demo.form import STRATA, Form, digits, numeric_bounds, pick, values_of
from pipeline.demo.state import Build
from pipeline.survey.expressions import ExpressionError

RESPONSE = {"BE": 0.40, "MA": 0.35, "TR": 0.36, "PL": 0.37, "RO": 0.37, "CD": 0.40}
WEB_SHARE = {"BE": 0.63, "MA": 0.50, "TR": 0.50, "PL": 0.57, "RO": 0.54, "CD": 0.56}
PAPI_SHARE = 0.05
INVITATION = pd.Timestamp("2026-03-02")   # first invitation letters
N_INTERVIEWERS = 40

# The sample frame's columns that identify a person (sid.toml's [sample] identifiers for the demo).
IDENTIFIERS = ("voornaam", "familienaam", "straat", "huisnummer", "postcode", "rijksregisternummer",
               "telefoon", "email")


def plan_units(b: Build) -> None:
    """The sampled units (`b.units`): stratum, sample id, disposition (completed web, face to
    face or paper; the web break-offs and cross-mode duplicates; refusal, non-contact ...), the
    days of their contact attempts, municipality and interviewer; and `b.completes`."""
    rng, n = b.rng_units, b.n
    sizes = np.full(6, n // 6)
    sizes[: n % 6] += 1
    stratum = rng.permutation(np.repeat(np.arange(6), sizes))
    cats = ("web", "capi", "papi", "refusal", "noncontact", "other", "unknown", "ineligible")
    thresholds = []
    for s, size in zip(STRATA, sizes):
        c = int(round(RESPONSE[s] * size))
        papi = int(round(PAPI_SHARE * c))
        web = int(round(WEB_SHARE[s] * c))
        capi = c - web - papi
        inel, unk = int(round(0.03 * size)), int(round(0.025 * size))
        rest = size - c - inel - unk
        refusal, other = int(round(0.45 * rest)), int(round(0.18 * rest))
        thresholds.append(np.cumsum([web, capi, papi, refusal, rest - refusal - other, other, unk, inel]))
    thresholds = np.array(thresholds)
    order = np.lexsort((rng.random(n), stratum))
    rank = np.empty(n, dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    rank[order] = np.arange(n) - np.repeat(starts, sizes)
    cat_index = (rank[:, None] >= thresholds[stratum]).sum(axis=1)
    cat = np.asarray(cats, dtype=object)[cat_index]
    completes = b.completes = int(np.isin(cat, ("web", "capi", "papi")).sum())
    # Web break-offs later seen complete face to face; other web break-offs.
    capi_units = np.flatnonzero(cat == "capi")
    n_dup = min(wanted("duplicate_cross_mode", completes), max(len(capi_units) // 3, 0))
    cat[rng.choice(capi_units, size=n_dup, replace=False)] = "dup"
    non = np.flatnonzero(np.isin(cat, ("refusal", "noncontact")))
    n_bo = min(wanted("break_off", completes), len(non) // 2)
    cat[rng.choice(non, size=n_bo, replace=False)] = "breakoff"

    u = pd.DataFrame({"stratum": np.asarray(STRATA, dtype=object)[stratum], "cat": cat})
    # sample ids: spread over S0000001-S9999999, assigned in random order
    width = max(7, len(str(n)))
    step = max((10 ** width - 1) // n, 1)
    numbers = 1 + np.arange(n) * step + rng.integers(0, step, size=n)
    u["sample_id"] = ("S" + digits(rng.permutation(numbers), width)).to_numpy()
    # attempts: web phase (letters), face-to-face visits
    p = rng.choice(3, size=n, p=[0.6, 0.3, 0.1])
    n_web = np.full(n, 3)
    n_capi = np.zeros(n, dtype=np.int64)
    web_last = np.full(n, "", dtype=object)
    capi_last = np.full(n, "", dtype=object)
    resp_day = np.zeros(n, dtype=np.int64)
    visits3 = rng.choice([1, 2, 3], size=n, p=[0.5, 0.3, 0.2])
    visits2 = rng.choice([1, 2], size=n, p=[0.6, 0.4])
    web_refusal = rng.random(n) < 0.2
    letter_back = rng.random(n) < 0.5

    def put(arr: np.ndarray, mask: np.ndarray, value) -> None:
        arr[mask] = value[mask] if isinstance(value, np.ndarray) else value

    web_day = 14 * p + rng.integers(0, 13, size=n)    # after the letter, reminder 1 or reminder 2
    p_dup = np.minimum(p, 1)
    k = rng.integers(1, 3, size=n)
    plan = (  # category (and sub-case) → web attempts, last web outcome, its day, visits, last visit outcome
        (cat == "web", p + 1, "1.1", web_day, None, None),
        (cat == "breakoff", p + 1, "2.12", web_day, None, None),     # 1.2 or 2.12: set at the cut
        (cat == "papi", 3, "1.1", 28 + rng.integers(3, 25, size=n), None, None),
        (cat == "dup", p_dup + 1, "2.12", 14 * p_dup + rng.integers(0, 13, size=n), visits2, "1.1"),
        (cat == "capi", None, None, None, visits3, "1.1"),
        ((cat == "refusal") & web_refusal, k, "2.11", 14 * (k - 1) + rng.integers(1, 11, size=n), None, None),
        ((cat == "refusal") & ~web_refusal, None, None, None, visits3, "2.11"),
        (cat == "noncontact", None, None, None, 3, "2.20"),
        (cat == "other", None, None, None, visits2, "2.30"),
        (cat == "unknown", None, None, None, visits2, "3.10"),
        ((cat == "ineligible") & letter_back, 1, "4.10", rng.integers(4, 21, size=n), None, None),
        ((cat == "ineligible") & ~letter_back, None, None, None, 1, "4.10"),
    )
    for mask, webs, web_out, day, visits, visit_out in plan:
        for arr, value in ((n_web, webs), (web_last, web_out), (resp_day, day), (n_capi, visits),
                           (capi_last, visit_out)):
            if value is not None:
                put(arr, mask, value)
    u["n_web"], u["n_capi"], u["web_last"], u["capi_last"] = n_web, n_capi, web_last, capi_last
    u["resp_day"] = resp_day
    u["d0"] = INVITATION + pd.to_timedelta(rng.integers(0, 3, size=n), unit="D")
    u["capi_first"] = rng.integers(42, 96, size=n)
    u["gap"] = rng.integers(2, 10, size=n)
    # municipality by origin group
    weights = np.array([m[4] for m in T.MUNICIPALITIES], dtype=float)
    muni = np.empty(n, dtype=np.int64)
    for j in range(6):
        sel = stratum == j
        muni[sel] = rng.choice(len(weights), size=int(sel.sum()), p=weights[:, j] / weights[:, j].sum())
    u["muni"] = muni
    u["interviewer"] = _interviewers(b.form, muni, rng)
    b.units = u


def _interviewer_ids(form: Form) -> np.ndarray:
    """~40 interviewer numbers that satisfy the form's constraint on interviewer_id."""
    var = form.interviewer
    lo, hi = numeric_bounds(var) if var is not None else (None, None)
    lo = 100.0 if lo is None else float(np.ceil(lo))
    hi = np.inf if hi is None else float(np.floor(hi))
    start = lo + 1 if lo % 100 == 0 and lo + N_INTERVIEWERS <= hi else lo
    ids = np.arange(N_INTERVIEWERS) + start
    ids = ids[ids <= hi]
    if var is not None and var.constraint and len(ids):
        try:
            ok = values_of(var.constraint, pd.DataFrame({var.name: ids.astype(float)}), current=var.name)
            ids = ids[ok.astype(bool)]
        except ExpressionError:
            pass
    return ids if len(ids) else np.arange(101, 101 + N_INTERVIEWERS, dtype=float)


def _interviewers(form: Form, muni: np.ndarray, rng) -> np.ndarray:
    """Each municipality has 2-4 interviewers of the pool; busy ones get more addresses."""
    ids = _interviewer_ids(form)
    k = len(T.MUNICIPALITIES)
    pools = np.stack([rng.permutation(len(ids))[:4] for _ in range(k)])
    share = rng.dirichlet(np.ones(4) * 1.5, size=k)
    which = (rng.random(len(muni))[:, None] > np.cumsum(share[muni], axis=1)).sum(axis=1)
    return ids[pools[muni, np.minimum(which, 3)]]


def make_sample_frame(b: Build) -> None:
    """The sample frame from the national register (`b.sample`, steekproef.csv), agreeing with
    the interviews on sex and birth year; and `b.pii`, its contact data by unit."""
    u, rng, n = b.units, b.rng_frame, b.n
    f = b.form
    sex = rng.choice([1, 2], size=n)
    year = np.clip(np.round(rng.triangular(1941, 1985, 2011, size=n)), 1941, 2011).astype(np.int64)
    main = b.R[b.R["_cat"] != "dup_web"]
    unit = main["_unit"].to_numpy()
    if f.sex is not None:
        answer = main[f.sex.name].to_numpy(dtype=float)
        ok = np.isin(answer, [1.0, 2.0])
        sex[unit[ok]] = answer[ok].astype(np.int64)
    if f.birth is not None:
        answer = main[f.birth.name].to_numpy(dtype=float)
        ok = ~np.isnan(answer)
        year[unit[ok]] = np.clip(answer[ok], 1941, 2011).astype(np.int64)
    stratum = u["stratum"].to_numpy()
    muni = u["muni"].to_numpy()
    table = T.MUNICIPALITIES
    nis = np.array([m[0] for m in table], dtype=object)[muni]
    gemeente = np.array([m[1] for m in table], dtype=object)[muni]
    postcode = np.array([m[2] for m in table], dtype=object)[muni]
    zone = np.array([m[3] for m in table], dtype=object)[muni]
    first = np.empty(n, dtype=object)
    family = np.empty(n, dtype=object)
    for s in STRATA:
        for g in (1, 2):
            sel = (stratum == s) & (sex == g)
            first[sel] = pick(rng, T.FIRST_NAMES[s][g - 1], int(sel.sum()))
            family[sel] = pick(rng, T.FAMILY_NAMES[s][g - 1], int(sel.sum()))
    brussels = pd.Series(nis).str.startswith("21").to_numpy()
    street = np.where(brussels, pick(rng, T.STREETS_BRUSSELS, n), pick(rng, T.STREETS_FLANDERS, n))
    number = pd.Series(rng.integers(1, 240, size=n)).astype(str)
    suffix = pick(rng, ["", "", "", "", "", "A", "B", " bus 1", " bus 2", " bus 3", " bus 12"], n)
    huisnummer = (number + pd.Series(suffix)).to_numpy()
    rrn = _national_numbers(year, sex, rng)
    phone = _phones(zone, rng)
    email = _emails(first, family, year, rng)
    frame = pd.DataFrame({
        "sample_id": u["sample_id"].to_numpy(), "nis_code": nis, "gemeente": gemeente,
        "stratum": stratum, "geslacht": sex, "geboortejaar": year, "voornaam": first,
        "familienaam": family, "straat": street, "huisnummer": huisnummer, "postcode": postcode,
        "rijksregisternummer": rrn, "telefoon": phone, "email": email,
    })
    b.pii = frame[["telefoon", "email", "rijksregisternummer", "gemeente"]].copy()
    b.sample = frame.sort_values("sample_id", kind="stable").reset_index(drop=True)


def _national_numbers(year: np.ndarray, sex: np.ndarray, rng) -> np.ndarray:
    """YYMMDDSSSCC: birth date, day counter (odd men, even women), mod-97 check digits."""
    n = len(year)
    jan1 = pd.to_datetime(pd.Series(year.astype(str)) + "-01-01")
    length = np.where((year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0)), 366, 365)
    birth = jan1 + pd.to_timedelta(np.floor(rng.random(n) * length).astype(np.int64), unit="D")
    yy, mm, dd = year % 100, birth.dt.month.to_numpy(), birth.dt.day.to_numpy()
    frame = pd.DataFrame({"d": birth.to_numpy(), "s": sex, "r": rng.random(n)})
    rank = frame.sort_values("r").groupby(["d", "s"]).cumcount().reindex(frame.index).to_numpy()
    offset = (yy * 37 + mm * 11 + dd * 3) % 150
    counter = 2 * (offset + rank) + np.where(sex == 1, 1, 2)
    base = yy.astype(np.int64) * 10_000_000 + mm * 100_000 + dd * 1_000 + counter
    check = 97 - (np.where(year >= 2000, 2_000_000_000 + base, base) % 97)
    return (digits(base, 9) + digits(check, 2)).to_numpy()


def _phones(zone: np.ndarray, rng) -> np.ndarray:
    """Mobile numbers in the ways people write them, some landlines (by telephone zone); 18 % empty."""
    n = len(zone)
    prefix = pick(rng, T.MOBILE_PREFIXES, n)
    d = [digits(rng.integers(0, 100, size=n), 2).to_numpy() for _ in range(3)]
    p = pd.Series(prefix)
    a, b, c = (pd.Series(x) for x in d)
    style = rng.choice(6, size=n, p=[0.25, 0.2, 0.2, 0.1, 0.05, 0.2])
    forms = [
        "+32 " + p + " " + a + " " + b + " " + c,
        "0" + p + "/" + a + "." + b + "." + c,
        "0" + p + " " + a + " " + b + " " + c,
        "+32" + p + a + b + c,
        "0032 " + p + " " + a + " " + b + " " + c,
    ]
    z = pd.Series(zone)
    local = digits(rng.integers(0, 10 ** 7, size=n), 7)
    landline = np.where(z.str.len() == 1, "0" + z + " " + local.str[:3] + " " + local.str[3:5] + " " + local.str[5:],
                        "0" + z + " " + local.str[1:3] + " " + local.str[3:5] + " " + local.str[5:])
    out = np.select([style == i for i in range(5)], [f.to_numpy() for f in forms], landline).astype(object)
    out[rng.random(n) < 0.18] = ""
    return out


def _emails(first: np.ndarray, family: np.ndarray, year: np.ndarray, rng) -> np.ndarray:
    """E-mail addresses made of the names (and birth year); 35 % empty."""
    def fold(names: np.ndarray) -> pd.Series:
        s = pd.Series(names).str.lower()
        for a, b in (("ł", "l"), ("ı", "i"), ("ø", "o"), ("ß", "ss"), ("'", ""), (" ", ""), ("-", "")):
            s = s.str.replace(a, b, regex=False)
        return s.str.normalize("NFKD").str.encode("ascii", "ignore").str.decode("ascii")
    fi, fa = fold(first), fold(family)
    n = len(first)
    style = rng.choice(4, size=n, p=[0.45, 0.2, 0.2, 0.15])
    yy = digits(year % 100, 2)
    local = np.select([style == 0, style == 1, style == 2],
                      [(fi + "." + fa).to_numpy(), (fi.str[0] + "." + fa).to_numpy(), (fi + yy).to_numpy()],
                      (fa + fi.str[:1] + digits(rng.integers(1, 100, size=n), 2)).to_numpy())
    out = (pd.Series(local) + "@" + pd.Series(pick(rng, T.MAIL_DOMAINS, n))).to_numpy().astype(object)
    out[rng.random(n) < 0.35] = ""
    return out
