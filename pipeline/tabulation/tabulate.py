"""Weighted tables of the delivery: every labelled question by each breakdown (origin group, …),
the weighted valid % with the unweighted n, design-based 95 % intervals (svy, Taylor
linearisation with the weights' strata) and cells with too small a base suppressed."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.delivery.spss import missing_mask
from pipeline.errors import ErrorCode, SidError

TABLE_COLUMNS = ["module", "variabele", "vraag", "uitsplitsing", "groep", "code", "label", "n", "basis",
                 "procent", "ondergrens", "bovengrens", "onderdrukt"]
TOTAL = "totaal"


@dataclass(frozen=True)
class Question:
    """A labelled variable of the .sav to tabulate: its valid codes (labels) and its module."""

    name: str
    label: str
    module: str
    codes: dict[float, str]


@dataclass(frozen=True)
class Tables:
    frame: pd.DataFrame  # TABLE_COLUMNS, one row per question × breakdown × group × code
    breakdowns: tuple[str, ...]
    weight: str
    strata: str
    min_n: int


def valid_values(column: pd.Series, missing: list) -> pd.Series:
    """The column with its declared missing codes as NaN (valid answers only)."""
    return column.mask(missing_mask(column, missing))


def tabulate(data: pd.DataFrame, questions: list[Question], breakdowns: dict[str, pd.Series], *, weight: str,
             strata: str, min_n: int) -> Tables:
    """`data`: the valid answers (missing codes already NaN), the weight and the strata columns;
    `breakdowns`: name → the group label of each respondent. Pure; svy does the estimation."""
    # svy and polars take ~0.9 s to import: only when tables are made (as in weighting/weights.py).
    import polars as pl  # ~0.9 s to import with svy: only when tables are made
    import svy  # (as above)

    for column in (weight, strata):
        if column not in data.columns:
            raise SidError(ErrorCode.CONFIG_INVALID, f"tables: the delivery has no column {column!r}",
                           fix="Set [tables] weight and strata to the delivered weight and stratum variables.")
    names = [q.name for q in questions]
    rows = []
    for breakdown, groups in ({TOTAL: pd.Series(TOTAL, index=data.index)} | breakdowns).items():
        frame = pd.DataFrame({n: data[n].astype("float64") for n in names})
        frame["_w"] = data[weight].astype("float64")
        frame["_s"] = data[strata].astype(str)
        frame["_g"] = groups.astype(str).to_numpy()
        frame = frame[frame["_w"].notna() & (frame["_w"] > 0) & groups.notna().to_numpy()]
        sample = svy.Sample(data=pl.from_pandas(frame), design=svy.Design(stratum="_s", wgt="_w"))
        estimates = sample.estimation.prop(names, by="_g", drop_nulls=True)
        for question, estimate in zip(questions, estimates):
            rows.append(_rows(question, breakdown, estimate.to_polars().to_pandas(), frame, min_n))
    out = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=TABLE_COLUMNS)
    return Tables(out[TABLE_COLUMNS], tuple(breakdowns), weight, strata, min_n)


def _rows(question: Question, breakdown: str, estimate: pd.DataFrame, frame: pd.DataFrame, min_n: int) -> pd.DataFrame:
    """One row per group × valid code: the estimate, counts from the data (vectorised)."""
    answered = frame[frame[question.name].notna()]
    counts = answered.groupby(["_g", question.name]).size()
    bases = answered.groupby("_g").size()
    estimate = estimate.rename(columns={"_g": "groep", question.name: "code"})
    grid = pd.MultiIndex.from_product([sorted(bases.index), sorted(question.codes)], names=["groep", "code"])
    out = pd.DataFrame(index=grid).reset_index()
    out = out.merge(estimate[["groep", "code", "est", "lci", "uci"]], on=["groep", "code"], how="left")
    out["n"] = [int(counts.get((g, c), 0)) for g, c in zip(out["groep"], out["code"])]
    out["basis"] = out["groep"].map(bases).astype(int)
    out["onderdrukt"] = out["basis"] < min_n
    for source, target in (("est", "procent"), ("lci", "ondergrens"), ("uci", "bovengrens")):
        value = (100 * out[source].astype("float64")).round(1)
        value = value.where(out["n"] > 0, 0.0)  # a code nobody gave: 0 %, svy lists no row for it
        out[target] = value.mask(out["onderdrukt"])
    out["label"] = out["code"].map(question.codes)
    out["module"], out["variabele"], out["vraag"], out["uitsplitsing"] = (
        question.module, question.name, question.label, breakdown)
    return out


def weighted_percent(values: np.ndarray, weights: np.ndarray, code: float) -> float:
    """The weighted valid % of `code` among the non-NaN `values` (for checks and the codebook)."""
    valid = ~np.isnan(values)
    return float(100 * weights[valid & (values == code)].sum() / weights[valid].sum())
