"""Survey weights: design weights, a nonresponse adjustment within strata, raking to population
margins with trimming, and their diagnostics.

1. Design weight of every sample unit: d = N_h / n_h (stratum population from the reference
   table in schemas/, n_h the units drawn in stratum h).
2. Nonresponse adjustment within strata (svy ``weighting.adjust``): the weight of units of
   unknown eligibility goes to the units of known eligibility, then that of eligible
   nonrespondents to the respondents. Respondents are the units in the cleaned data; a
   completed interview removed in cleaning counts as a nonrespondent.
3. Raking (svy ``weighting.rake``) of the respondents to the margins of the reference table
   (e.g. origin group, age group × sex, province). With `trim`, weights above trim × their
   stratum's median are cut (svy ``weighting.trim``, the excess spread within the stratum) and
   the weights raked again, until both hold; the last step is always a rake, so every margin is
   met to `tolerance`.
4. The delivered weights: ``gewicht`` (mean 1 over the respondents, for analyses in SPSS) and
   ``gewicht_populatie`` (sums to the population).

The stage is pure: frames in, a new frame and a WeightResult out.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.errors import ErrorCode, SidError
from pipeline.ingest.ingest import SAMPLE_PREFIX
from pipeline.survey.project import WeightSettings

WEIGHT = "gewicht"
WEIGHT_POPULATION = "gewicht_populatie"
WEIGHT_LABELS = {
    WEIGHT: "Gewicht (design × non-respons × raking, getrimd; gemiddelde 1)",
    WEIGHT_POPULATION: "Gewicht (design × non-respons × raking, getrimd; som = populatie)",
}
POPULATION_COLUMNS = ("variabele", "categorie", "populatie")
PROVINCES = (  # NIS code prefix → province (arrondissement codes before the 2025 mergers)
    ("11", "Antwerpen"), ("12", "Antwerpen"), ("13", "Antwerpen"), ("21", "Brussel"),
    ("23", "Vlaams-Brabant"), ("24", "Vlaams-Brabant"), ("25", "Waals-Brabant"),
    ("3", "West-Vlaanderen"), ("4", "Oost-Vlaanderen"), ("5", "Henegouwen"), ("6", "Luik"),
    ("7", "Limburg"), ("8", "Luxemburg"), ("9", "Namen"),
)
_SEX = {"1": "man", "2": "vrouw"}
_BAND = re.compile(r"^\s*(\d+)\s*-\s*(\d+)\s+(man|vrouw)\s*$")


@dataclass(frozen=True)
class WeightResult:
    weights: pd.DataFrame  # per respondent: key, stratum, design, nonresponse, raked, gewicht ...
    margins: pd.DataFrame  # per margin category: target, achieved (raked), relative error
    diagnostics: pd.DataFrame  # per stage and stratum: n, min, max, mean, CV, deff, efficiency
    convergence: pd.DataFrame  # per trim-rake cycle: max margin error, weights above the bound
    converged: bool
    max_margin_error: float
    cycles: int


def read_population(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise SidError(ErrorCode.POPULATION_MISSING, "reference table not found", file=path,
                       fix="Set weight.population in sid.toml to a CSV with variabele, categorie, populatie.")
    table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    missing = [c for c in POPULATION_COLUMNS if c not in table.columns]
    if missing:
        raise SidError(ErrorCode.POPULATION_INVALID, f"column(s) {', '.join(missing)} missing", file=path, row=1,
                       fix="The table needs the columns variabele, categorie, populatie.")
    numbers = pd.to_numeric(table["populatie"].str.replace(" ", "", regex=False), errors="coerce")
    bad = numbers.isna() | (numbers <= 0)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise SidError(ErrorCode.POPULATION_INVALID, f"populatie {table['populatie'].iloc[i]!r} is not a positive number",
                       file=path, row=i + 2, column="populatie")
    out = pd.DataFrame({"variabele": table["variabele"].str.strip(), "categorie": table["categorie"].str.strip(),
                        "populatie": numbers.astype(float)})
    dup = out.duplicated(["variabele", "categorie"])
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise SidError(ErrorCode.POPULATION_INVALID, f"{out['variabele'].iloc[i]} {out['categorie'].iloc[i]!r} "
                       "appears twice", file=path, row=i + 2)
    return out


def _column(frame: pd.DataFrame, name: str) -> pd.Series | None:
    """A sample-frame column in the joined data: as named, or prefixed `steekproef_` where it
    clashed with an answer (the frame's value is the register's, so it wins)."""
    for col in (f"{SAMPLE_PREFIX}{name}", name):
        if col in frame.columns:
            return frame[col]
    return None


def _text(series: pd.Series) -> pd.Series:
    """Codes as text without a trailing .0 (1.0 → "1")."""
    text = series.astype("string").str.strip()
    return text.str.replace(r"\.0$", "", regex=True)


def margin_values(frame: pd.DataFrame, margin: str, categories: list[str], settings: WeightSettings,
                  reference_year: int) -> pd.Series:
    """Each respondent's category of a margin: `stratum` (the design stratum), `provincie`
    (from the NIS code), `leeftijd_geslacht` (age band of the categories × sex, from the
    sample frame's birth year and sex), or any other column of the data, as text."""
    if margin == "stratum":
        values = _column(frame, settings.stratum)
    elif margin == "provincie":
        nis = _column(frame, "nis_code")
        if nis is None:
            values = None
        else:
            nis = _text(nis).str.zfill(5)
            values = pd.Series(pd.NA, index=frame.index, dtype="string")
            for prefix, province in sorted(PROVINCES, key=lambda p: -len(p[0])):
                values = values.mask(values.isna() & nis.str.startswith(prefix), province)
    elif margin == "leeftijd_geslacht":
        year, sex = _column(frame, "geboortejaar"), _column(frame, "geslacht")
        bands = [_BAND.match(c) for c in categories]
        if year is None or sex is None or not all(bands):
            values = None
        else:
            age = reference_year - pd.to_numeric(year, errors="coerce")
            sex_text = _text(sex).map(_SEX)
            values = pd.Series(pd.NA, index=frame.index, dtype="string")
            for band, category in zip(bands, categories):
                lo, hi, s = int(band.group(1)), int(band.group(2)), band.group(3)
                values = values.mask((age >= lo) & (age <= hi) & (sex_text == s), category)
    else:
        values = frame[margin] if margin in frame.columns else None
        if values is not None:
            values = _text(values)
    if values is None:
        raise SidError(ErrorCode.WEIGHT_MARGIN, f"margin {margin!r}: the data lack the columns it is made from",
                       fix="Check weight.margins and the sample frame (stratum, nis_code, geboortejaar, geslacht).")
    return _text(values).astype(object)


def _kish(w: np.ndarray) -> dict[str, float]:
    w = w[np.isfinite(w)]
    n = len(w)
    if not n:
        return {"n": 0, "som": 0.0, "min": np.nan, "max": np.nan, "gemiddelde": np.nan, "cv": np.nan,
                "deff_kish": np.nan, "efficientie": np.nan, "n_effectief": np.nan}
    mean = w.mean()
    cv = w.std(ddof=0) / mean if mean else np.nan
    deff = 1 + cv ** 2
    return {"n": n, "som": float(w.sum()), "min": float(w.min()), "max": float(w.max()),
            "gemiddelde": float(mean), "cv": float(cv), "deff_kish": float(deff),
            "efficientie": float(1 / deff), "n_effectief": float(n / deff)}


def diagnostics(weights: pd.DataFrame, stages: dict[str, str], stratum: str = "stratum") -> pd.DataFrame:
    """Kish design effect (1 + CV²), efficiency (1/deff), effective n, min, max, CV per weighting
    stage, overall and per stratum."""
    rows = []
    for label, column in stages.items():
        w = weights[column].to_numpy(dtype=float)
        rows.append({"stap": label, "stratum": "totaal", **_kish(w)})
        for h, part in weights.groupby(stratum, sort=True)[column]:
            rows.append({"stap": label, "stratum": h, **_kish(part.to_numpy(dtype=float))})
    return pd.DataFrame(rows)


def weight(frame: pd.DataFrame, sample: pd.DataFrame, dispositions: pd.DataFrame | None,
           population: pd.DataFrame, settings: WeightSettings, *, key: str, sample_key: str = "sample_id",
           reference_year: int | None = None) -> tuple[pd.DataFrame, WeightResult]:
    """Weights for the respondents in `frame` (the cleaned data, sample-frame columns joined).
    `sample` is the sample frame (all units drawn), `dispositions` the final dispositions
    (pipeline.fieldwork.dispositions; None: every unit not in `frame` counts as an eligible nonrespondent).
    Ages for `leeftijd_geslacht` are `reference_year` (default: the year of the first interview)
    minus the birth year."""
    # svy and polars take ~0.9 s to import; imported here, only when weights are computed.
    from svy.errors.base_errors import SvyError

    try:
        return _weight(frame, sample, dispositions, population, settings, key=key, sample_key=sample_key,
                       reference_year=reference_year)
    except SvyError as exc:  # e.g. a stratum without respondents: one readable line
        message = " ".join(str(exc).split())[:300]
        raise SidError(ErrorCode.WEIGHT_FAILED, f"weighting failed: {message}", file=settings.population,
                       fix="Check that every stratum and margin category has respondents.") from None


def _weight(frame: pd.DataFrame, sample: pd.DataFrame, dispositions: pd.DataFrame | None,
            population: pd.DataFrame, settings: WeightSettings, *, key: str, sample_key: str,
            reference_year: int | None) -> tuple[pd.DataFrame, WeightResult]:
    import polars as pl  # ~0.9 s to import with svy: only when weights are computed
    import svy  # (as above)

    strata_pop = population[population["variabele"] == "stratum"].set_index("categorie")["populatie"]
    if strata_pop.empty:
        raise SidError(ErrorCode.POPULATION_INVALID, "the reference table has no rows with variabele = stratum",
                       fix="Add the population of every stratum (design weights need it).")
    if settings.stratum not in sample.columns:
        raise SidError(ErrorCode.WEIGHT_STRATUM, f"the sample frame has no column {settings.stratum!r}",
                       fix="Set weight.stratum in sid.toml.")
    units = pd.DataFrame({"unit": sample[sample_key].astype(str).str.strip().to_numpy(),
                          "stratum": _text(sample[settings.stratum]).to_numpy()})
    unknown = sorted(set(units["stratum"]) - set(strata_pop.index))
    if unknown:
        raise SidError(ErrorCode.POPULATION_INVALID, f"stratum {unknown[0]!r} of the sample frame has no population",
                       fix="Add it to the reference table (variabele = stratum).")
    n_h = units.groupby("stratum").size()
    units["design"] = units["stratum"].map(strata_pop / n_h).astype(float)

    respondents = frame[key].astype(str).str.strip()
    outside = ~respondents.isin(set(units["unit"]))
    if outside.any():
        raise SidError(ErrorCode.WEIGHT_SAMPLE, f"{int(outside.sum())} respondent(s) are not in the sample frame, "
                       f"e.g. {respondents[outside].iloc[0]!r}", fix="Weights need every respondent's stratum.")
    status = pd.Series("nr", index=units.index, dtype=object)
    if dispositions is not None:
        category = units["unit"].map(dispositions.set_index("sample_id")["category"])
        status[category.isin(["UH", "UO"]).to_numpy()] = "uk"
        status[(category == "NE").to_numpy()] = "in"
    status[units["unit"].isin(set(respondents)).to_numpy()] = "rr"
    units["status"] = status.to_numpy()
    empty = sorted(set(units["stratum"]) - set(units.loc[units["status"] == "rr", "stratum"]))
    if empty:
        raise SidError(ErrorCode.WEIGHT_SAMPLE, f"stratum {empty[0]!r} has no respondents",
                       fix="Weights need interviews in every stratum (or merge strata in the sample frame and table).")

    # -- nonresponse adjustment within strata (svy) -------------------------------------------
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = svy.Sample(data=pl.from_pandas(units), design=svy.Design(stratum="stratum", wgt="design"))
        s = s.weighting.adjust(resp_status="status", cells="stratum", wgt_name="nonresponse",
                               unknown_to_inelig=True, respondents_only=True)
    adjusted = s.data.to_pandas()[["unit", "nonresponse"]].set_index("unit")["nonresponse"]

    # -- raking with trimming (svy) ------------------------------------------------------------
    if reference_year is None:
        start = pd.to_datetime(frame["start"], errors="coerce") if "start" in frame.columns else None
        reference_year = int(start.min().year) if start is not None and start.notna().any() \
            else pd.Timestamp.today().year
    data = pd.DataFrame({"unit": respondents.to_numpy(), "stratum": respondents.map(
        units.set_index("unit")["stratum"]).to_numpy()})
    data["design"] = data["unit"].map(units.set_index("unit")["design"]).to_numpy()
    data["nonresponse"] = data["unit"].map(adjusted).to_numpy()
    total = float(strata_pop.sum())
    controls: dict[str, dict[str, float]] = {}
    names: dict[str, str] = {}
    for i, margin in enumerate(settings.margins):
        rows = population[population["variabele"] == margin]
        if rows.empty:
            raise SidError(ErrorCode.POPULATION_INVALID, f"margin {margin!r} has no rows in the reference table",
                           fix="Add them, or remove the margin from weight.margins.")
        target = rows.set_index("categorie")["populatie"]
        if abs(target.sum() / total - 1) > 0.005:
            raise SidError(ErrorCode.POPULATION_INVALID, f"margin {margin!r} sums to {target.sum():,.0f}, the strata to "
                           f"{total:,.0f}", fix="Every margin must describe the same population (within 0.5%).")
        target = target * (total / target.sum())  # the same total for every margin, exactly
        column = f"m{i}"
        names[column] = margin
        values = margin_values(frame.reset_index(drop=True), margin, list(target.index), settings, reference_year)
        data[column] = values.to_numpy()
        lost = data[column].isna() | ~data[column].isin(set(target.index))
        if lost.any():
            example = frame[key].iloc[int(np.flatnonzero(lost.to_numpy())[0])]
            raise SidError(ErrorCode.WEIGHT_MARGIN, f"{int(lost.sum())} respondent(s) fit no category of margin "
                           f"{margin!r}, e.g. {example!r}", fix="Complete the reference table's categories.")
        empty = sorted(set(target.index) - set(data[column]))
        if empty:
            raise SidError(ErrorCode.WEIGHT_MARGIN, f"no respondent in category {empty[0]!r} of margin {margin!r}",
                           fix="Merge that category with a neighbour in the reference table.")
        controls[column] = {str(k): float(v) for k, v in target.items()}

    cycles = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s = svy.Sample(data=pl.from_pandas(data), design=svy.Design(stratum="stratum", wgt="nonresponse"))
        step = 0
        s = s.weighting.rake(controls=controls, tol=settings.tolerance, max_iter=settings.max_iter,
                             wgt_name=f"rk{step}", on_nonconvergence="warn")
        current = f"rk{step}"
        for step in range(1, settings.trim_cycles + 1 if settings.trim else 1):
            now = s.data.to_pandas()  # (once per cycle: the conversion from polars is most of a cycle's check)
            w = now[[current, "stratum"]]
            bound = w.groupby("stratum")[current].transform("median") * settings.trim
            above = int((w[current] > bound * (1 + 1e-6)).sum())
            cycles.append({"cyclus": step, "max_margefout": _max_error(now, current, controls),
                           "gewichten_boven_grens": above,
                           "max_verhouding_tot_grens": float((w[current] / bound).max())})
            if not above:
                break
            s = s.weighting.trim(upper=svy.Threshold("median", settings.trim), by="stratum",
                                 wgt_name=f"tr{step}", on_nonconvergence="ignore")
            s = s.weighting.rake(controls=controls, tol=settings.tolerance, max_iter=settings.max_iter,
                                 wgt_name=f"rk{step}", on_nonconvergence="warn")
            current = f"rk{step}"
    raked = s.data.to_pandas()
    max_error = _max_error(raked, current, controls)
    if not cycles:
        cycles.append({"cyclus": 1, "max_margefout": max_error, "gewichten_boven_grens": 0,
                       "max_verhouding_tot_grens": np.nan})
    elif cycles[-1]["gewichten_boven_grens"]:  # the last rake after the last trim
        w = raked[[current, "stratum"]]
        bound = w.groupby("stratum")[current].transform("median") * settings.trim
        cycles.append({"cyclus": len(cycles) + 1, "max_margefout": max_error,
                       "gewichten_boven_grens": int((w[current] > bound * (1 + 1e-6)).sum()),
                       "max_verhouding_tot_grens": float((w[current] / bound).max())})
    converged = max_error <= settings.tolerance * 10 and cycles[-1]["gewichten_boven_grens"] == 0

    final = raked[current].to_numpy(dtype=float)
    out_weights = data[["unit", "stratum", "design", "nonresponse"]].rename(columns={"unit": key})
    out_weights["raked"] = final
    out_weights[WEIGHT_POPULATION] = final
    out_weights[WEIGHT] = final / final.mean()
    margins = []
    for column, target in controls.items():
        achieved = pd.Series(final).groupby(data[column].to_numpy()).sum()
        for category, value in target.items():
            got = float(achieved.get(category, 0.0))
            margins.append({"marge": names[column], "categorie": category, "doel": value,
                            "bereikt": got, "relatieve_fout": abs(got - value) / value,
                            "respondenten": int((data[column] == category).sum())})
    diag = diagnostics(out_weights, {"design": "design", "non-respons": "nonresponse",
                                     "raking (getrimd)": "raked"})
    result = WeightResult(out_weights, pd.DataFrame(margins), diag, pd.DataFrame(cycles),
                          converged, max_error, len(cycles))
    weighted = frame.copy()
    weighted[WEIGHT] = out_weights[WEIGHT].to_numpy()
    weighted[WEIGHT_POPULATION] = final
    return weighted, result


def _max_error(data: pd.DataFrame, column: str, controls: dict[str, dict[str, float]]) -> float:
    worst = 0.0
    for margin, target in controls.items():
        achieved = data.groupby(margin)[column].sum()
        for category, value in target.items():
            worst = max(worst, abs(float(achieved.get(category, 0.0)) - value) / value)
    return worst
