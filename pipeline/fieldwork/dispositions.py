"""Final AAPOR dispositions from the contact log, and the AAPOR outcome rates.

Every sample unit gets one final disposition from its attempts by fixed priority rules
(docs/fieldwork.md):

    complete (I) > partial (P) > not eligible (NE) > refusal / break-off (R) > other (O)
    > non-contact (NC) > unknown eligibility (UH, UO)

The final disposition is the category of highest priority over all attempts; among attempts
of that category the latest one gives the code, the date, the mode and the interviewer. A unit
of the sample frame without any attempt (yet) is "not attempted" (3.11, UH).

The rates follow the AAPOR Standard Definitions (RR1-RR6, COOP1-COOP4, REF1-REF3, CON1-CON3),
with `e`, the estimated share of eligible units among those of unknown eligibility, either a
fixed number or "proportional" (CASRO): (I+P+R+NC+O) / (I+P+R+NC+O+NE) over the whole sample,
stated in every table.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.errors import ErrorCode, SidError

CATEGORIES = ("I", "P", "R", "NC", "O", "UH", "UO", "NE")
# priority: lower is stronger
PRIORITY = {"I": 0, "P": 1, "NE": 2, "R": 3, "O": 4, "NC": 5, "UH": 6, "UO": 7}
CATEGORY_LABELS = {
    "I": "volledig interview", "P": "gedeeltelijk interview", "R": "weigering of afgebroken",
    "NC": "geen contact", "O": "andere reden (ziek, taal ...)",
    "UH": "onbekend of in aanmerking (adres)", "UO": "onbekend of in aanmerking (andere)",
    "NE": "niet in de doelgroep",
}
NOT_ATTEMPTED = "3.11"
LOG_COLUMNS = ("sample_id", "poging", "datum", "modus", "interviewer_id", "uitkomst")
_CODE = re.compile(r"^\s*([1-4])\.(\d{1,3})\s*$")
RATES = ("RR1", "RR2", "RR3", "RR4", "RR5", "RR6", "COOP1", "COOP2", "COOP3", "COOP4",
         "REF1", "REF2", "REF3", "CON1", "CON2", "CON3")


def category_of(codes: pd.Series) -> pd.Series:
    """AAPOR category of disposition codes such as 1.1, 2.11, 3.19, 4.10 (text).

    1.1 I; 1.2 P; 2.1x R (refusal, break-off); 2.2x NC; 2.3x and other 2.x O;
    3.1x UH; other 3.x UO; 4.x NE. Anything else is None. Worked out once per distinct code
    (a contact log repeats a few dozen codes over all its attempts)."""
    which, distinct = pd.factorize(codes.astype("string"), use_na_sentinel=True)
    known = _categories(pd.Series(distinct, dtype="string"))
    out = np.where(which >= 0, known[np.maximum(which, 0)] if len(known) else "", "")
    return pd.Series(np.where(out == "", None, out), index=codes.index, dtype=object)


def _categories(codes: pd.Series) -> np.ndarray:
    """category_of's categories of `codes` (text), '' where none."""
    parts = codes.str.extract(_CODE.pattern)
    major = parts[0].fillna("").to_numpy(dtype=object)
    minor = parts[1].fillna("")
    first = minor.str[:1].to_numpy(dtype=object)
    minor = minor.to_numpy(dtype=object)
    out = np.select(
        [(major == "1") & (minor == "1"), (major == "1") & (minor == "2"),
         (major == "2") & (first == "1"), (major == "2") & (first == "2"), major == "2",
         (major == "3") & (first == "1"), major == "3", major == "4"],
        ["I", "P", "R", "NC", "O", "UH", "UO", "NE"], default="")
    return np.asarray(out, dtype=object)


def parse_contacts(table: pd.DataFrame, *, file=None, until: pd.Timestamp | None = None,
                   dayfirst: bool = True) -> pd.DataFrame:
    """The contact log as typed columns: sample_id, attempt, date, mode, interviewer_id, code,
    category. Attempts after `until` (a date) are left out: the log as it was that day."""
    missing = [c for c in LOG_COLUMNS if c not in table.columns]
    if missing:
        raise SidError(ErrorCode.SOURCE_COLUMNS, f"the contact log lacks column(s) {', '.join(missing)}",
                       file=file, row=1, fix=f"The log needs: {';'.join(LOG_COLUMNS)}.")
    text = table["datum"].astype("string").str.strip()
    date = pd.to_datetime(text, format="%d/%m/%Y" if dayfirst else "%m/%d/%Y", errors="coerce")
    iso = date.isna() & text.str.match(r"^\d{4}-\d{2}-\d{2}").fillna(False).astype(bool)
    if iso.any():  # 2026-03-05 (and a time after it) is year-month-day, whatever `dayfirst` says
        date[iso] = pd.to_datetime(text[iso], format="ISO8601", errors="coerce")
    other = date.isna() & text.notna()
    if other.any():  # e.g. a time after the date: parsed one by one
        date[other] = pd.to_datetime(text[other], dayfirst=dayfirst, errors="coerce", format="mixed")
    bad = date.isna()
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise SidError(ErrorCode.CONTACTS_INVALID, f"date {table['datum'].iloc[i]!r} is not a date",
                       file=file, row=i + 2, column="datum", fix="Use dd/mm/yyyy.")
    code = table["uitkomst"].astype("string").str.strip().str.replace(",", ".", regex=False)
    category = category_of(code)
    bad = category.isna()
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise SidError(ErrorCode.CONTACTS_INVALID, f"outcome {table['uitkomst'].iloc[i]!r} is not an AAPOR "
                       "disposition code", file=file, row=i + 2, column="uitkomst",
                       fix="Use codes like 1.1, 1.2, 2.11, 2.20, 2.30, 3.10, 3.19, 4.10.")
    attempt = pd.to_numeric(table["poging"], errors="coerce")
    log = pd.DataFrame({
        "sample_id": table["sample_id"].astype("string").str.strip().astype(object),
        "attempt": attempt.fillna(0).astype("int64"),
        "date": date.dt.normalize(),
        "mode": table["modus"].astype("string").str.strip().str.lower().fillna("").astype(object),
        "interviewer_id": table["interviewer_id"].astype("string").str.strip().fillna("").astype(object),
        "code": code.astype(object),
        "category": category,
    })
    if until is not None:
        log = log[log["date"] <= pd.Timestamp(until)]
    return log.reset_index(drop=True)


def final_dispositions(log: pd.DataFrame, sample: pd.DataFrame | None = None,
                       key: str = "sample_id") -> pd.DataFrame:
    """One row per sample unit: its final code, category, date, mode and interviewer (the attempt
    that decided it, by the priority rules), and the number of attempts. With the sample frame,
    units without attempts are "not attempted" (3.11, UH) and units in the log but not in the
    frame are left out (they were not drawn)."""
    ranked = log.assign(_rank=log["category"].map(PRIORITY))
    ranked = ranked.sort_values(["sample_id", "_rank", "date", "attempt"],
                                ascending=[True, True, False, False], kind="stable")
    final = ranked.drop_duplicates("sample_id", keep="first").set_index("sample_id")
    attempts = log.groupby("sample_id").size()
    out = pd.DataFrame({
        "sample_id": final.index.to_numpy(),
        "code": final["code"].to_numpy(), "category": final["category"].to_numpy(),
        "date": final["date"].to_numpy(), "mode": final["mode"].to_numpy(),
        "interviewer_id": final["interviewer_id"].to_numpy(),
        "attempts": attempts.reindex(final.index).to_numpy(),
    })
    if sample is not None:
        ids = sample[key].astype(str).str.strip()
        design = sample.drop(columns=[key]).assign(sample_id=ids.to_numpy())
        out = design.merge(out, on="sample_id", how="left", validate="one_to_one")
        never = out["category"].isna()
        out.loc[never, "code"] = NOT_ATTEMPTED
        out.loc[never, "category"] = "UH"
        out.loc[never, ["mode", "interviewer_id"]] = ""
        out["attempts"] = out["attempts"].fillna(0).astype("int64")
        out = out[["sample_id", *[c for c in out.columns if c != "sample_id"]]]
    out["label"] = out["category"].map(CATEGORY_LABELS)
    return out.reset_index(drop=True)


@dataclass(frozen=True)
class Eligibility:
    """`e`: a fixed share, or "proportional" (estimated from the units of known eligibility)."""

    method: str = "proportional"
    value: float | None = None

    def estimate(self, counts: pd.Series) -> float:
        if self.method != "proportional":
            return float(self.value)
        eligible = sum(counts.get(c, 0) for c in ("I", "P", "R", "NC", "O"))
        known = eligible + counts.get("NE", 0)
        return eligible / known if known else 1.0


def counts_of(categories: pd.Series) -> pd.Series:
    return categories.value_counts().reindex(list(CATEGORIES), fill_value=0)


def rates(counts: pd.Series | dict, e: float) -> dict[str, float]:
    """The AAPOR outcome rates from category counts (I, P, R, NC, O, UH, UO, NE) and e.
    Formulas as in the AAPOR Standard Definitions; a rate with a zero denominator is NaN."""
    c = {k: float(counts.get(k, 0)) for k in CATEGORIES}
    I, P, R, NC, O = c["I"], c["P"], c["R"], c["NC"], c["O"]
    U = c["UH"] + c["UO"]

    def div(a: float, b: float) -> float:
        return a / b if b else float("nan")

    base = (I + P) + (R + NC + O)
    contacted = (I + P) + R + O
    return {
        "RR1": div(I, base + U), "RR2": div(I + P, base + U),
        "RR3": div(I, base + e * U), "RR4": div(I + P, base + e * U),
        "RR5": div(I, base), "RR6": div(I + P, base),
        "COOP1": div(I, (I + P) + R + O), "COOP2": div(I + P, (I + P) + R + O),
        "COOP3": div(I, (I + P) + R), "COOP4": div(I + P, (I + P) + R),
        "REF1": div(R, base + U), "REF2": div(R, base + e * U), "REF3": div(R, base),
        "CON1": div(contacted, contacted + NC + U), "CON2": div(contacted, contacted + NC + e * U),
        "CON3": div(contacted, contacted + NC),
    }


RATE_COLUMNS = ("breakdown", "group", "units", *CATEGORIES, "e", *RATES)
EXCLUDED_CODE = "2.30"  # a complete whose interview cleaning excluded: an eligible non-interview, other (O)
BASES = ("verzameld", "bruikbaar")  # completes as collected; usable completes after cleaning


def usable_dispositions(dispositions: pd.DataFrame, excluded: Mapping[str, str]) -> pd.DataFrame:
    """The dispositions after cleaning: a complete (I) whose interview cleaning excluded
    (`excluded`: sample id → reason, e.g. a speeder) gave no usable interview, so it counts as an
    eligible non-interview of category O (code 2.30), its reason in `uitgesloten`. Other units
    are as collected: a partial or break-off that cleaning excluded was no complete anyway."""
    out = dispositions.copy()
    reason = out["sample_id"].astype(str).map(dict(excluded))
    hit = (out["category"] == "I") & reason.notna()
    out["uitgesloten"] = reason.where(hit)
    out.loc[hit, "category"] = "O"
    out.loc[hit, "code"] = EXCLUDED_CODE
    if "label" in out.columns:
        out.loc[hit, "label"] = "volledig interview, uitgesloten bij het opschonen"
    return out


def rates_on_both(dispositions: pd.DataFrame, excluded: Mapping[str, str], eligibility: Eligibility,
                  by: dict[str, str] | None = None) -> pd.DataFrame:
    """The rate table twice, column `basis`: on the completes as collected ("verzameld") and on the
    usable completes after cleaning ("bruikbaar", the interviews the data and the weights hold).
    One `e` for both (reclassifying a complete as O leaves the eligible share unchanged)."""
    e = Eligibility("fixed", eligibility.estimate(counts_of(dispositions["category"])))
    tables = [rate_table(d, e, by).assign(basis=basis) for basis, d in
              zip(BASES, (dispositions, usable_dispositions(dispositions, excluded)))]
    table = pd.concat(tables, ignore_index=True)
    return table[["basis", *RATE_COLUMNS]]


def rate_table(dispositions: pd.DataFrame, eligibility: Eligibility,
               by: dict[str, str] | None = None) -> pd.DataFrame:
    """Rates overall (breakdown "totaal") and per value of each column in `by`
    (breakdown name → column). One `e` for every row: estimated over the whole sample."""
    overall = counts_of(dispositions["category"])
    e = eligibility.estimate(overall)
    rows = [{"breakdown": "totaal", "group": "totaal", "units": int(overall.sum()),
             **overall.astype(int).to_dict(), "e": e, **rates(overall, e)}]
    for name, column in (by or {}).items():
        if column not in dispositions.columns:
            continue
        table = pd.crosstab(dispositions[column].fillna("").astype(str).replace("", "(geen)"),
                            dispositions["category"]).reindex(columns=list(CATEGORIES), fill_value=0)
        for group, counts in table.iterrows():
            rows.append({"breakdown": name, "group": group, "units": int(counts.sum()),
                         **counts.astype(int).to_dict(), "e": e, **rates(counts, e)})
    return pd.DataFrame(rows, columns=list(RATE_COLUMNS))
