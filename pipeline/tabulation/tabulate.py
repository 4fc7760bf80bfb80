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
    `breakdowns`: name → the group label of each respondent. Pure; every question of a breakdown
    is estimated in one vectorised pass (`estimate`: svy's Taylor estimator, same figures)."""
    for column in (weight, strata):
        if column not in data.columns:
            raise SidError(ErrorCode.CONFIG_INVALID, f"tables: the delivery has no column {column!r}",
                           fix="Set [tables] weight and strata to the delivered weight and stratum variables.")
    parts = []
    for breakdown, groups in ({TOTAL: pd.Series(TOTAL, index=data.index)} | breakdowns).items():
        w = data[weight].astype("float64").to_numpy()
        keep = ~np.isnan(w) & (w > 0) & groups.notna().to_numpy()
        stratum = data[strata].astype(str).to_numpy()[keep]
        values = np.column_stack([data[q.name].astype("float64").to_numpy()[keep] for q in questions]) \
            if questions else np.empty((int(keep.sum()), 0))
        parts.append(_breakdown_rows(questions, breakdown, values, w[keep], stratum,
                                     groups.astype(str).to_numpy()[keep], min_n))
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=TABLE_COLUMNS)
    return Tables(out[TABLE_COLUMNS], tuple(breakdowns), weight, strata, min_n)


@dataclass(frozen=True)
class Estimates:
    """Weighted proportions of every (question, valid code) × group: `p`, `se` and `df` are
    arrays (codes × groups), `n` the unweighted count of each cell, `base` (questions × groups)
    the respondents who answered."""

    p: np.ndarray
    se: np.ndarray
    df: np.ndarray
    n: np.ndarray
    base: np.ndarray


def estimate(values: np.ndarray, codes: list[list[float]], weights: np.ndarray, stratum: np.ndarray,
             group: np.ndarray, groups: int) -> Estimates:
    """The weighted share of each code among a question's answers (NaN: not answered) in each
    group, with its Taylor-linearised standard error, for all questions at once. It is the
    estimator of svy's `prop(..., by=group, drop_nulls=True)` under a design of strata and
    weights (each respondent a PSU, with replacement): the group is a domain (zero outside it),
    a stratum's n counts every respondent of the breakdown (a missing answer is a zero weight),
    and the degrees of freedom are the group's answering respondents minus its strata.
    `codes[j]`: the codes of question j whose shares are wanted (sorted); `stratum`, `group`:
    integer codes (0 … groups-1)."""
    rows, questions = values.shape
    strata = int(stratum.max()) + 1 if rows else 0
    n_h = np.bincount(stratum, minlength=strata)
    if (n_h == 1).any():  # as svy refuses without a rule for singleton strata
        raise SidError(ErrorCode.CONFIG_INVALID, "tables: a stratum holds a single weighted respondent, "
                       "its variance cannot be estimated", fix="Set [tables] strata to a variable whose strata "
                       "hold at least two respondents each (or merge the small stratum in the weights).")
    inv = np.where(n_h > 1, 1.0 / np.maximum(n_h - 1, 1), 0.0)  # 1 / (n_h - 1)
    f = n_h * inv  # n_h / (n_h - 1)
    i, j = np.nonzero(~np.isnan(values))  # the answers, long
    y, w, h, g = values[i, j], weights[i], stratum[i], group[i]
    jg = j * groups + g
    cell = jg * strata + h  # question × group × stratum
    size = questions * groups * strata
    w_cell = np.bincount(cell, weights=w, minlength=size).reshape(questions * groups, strata)
    w2_cell = np.bincount(cell, weights=w * w, minlength=size).reshape(questions * groups, strata)
    n_cell = np.bincount(cell, minlength=size).reshape(questions * groups, strata)
    total = w_cell.sum(axis=1)
    base = n_cell.sum(axis=1)
    df = base - (n_cell > 0).sum(axis=1)
    # Codes, numbered over all questions; an answer outside the wanted codes counts in the base only.
    offsets = np.concatenate([[0], np.cumsum([len(c) for c in codes])]).astype(int)
    wanted = pd.MultiIndex.from_arrays([np.repeat(np.arange(questions), np.diff(offsets)),
                                        np.concatenate([np.asarray(c, dtype="float64") for c in codes])
                                        if codes else np.empty(0)])
    k = wanted.get_indexer(pd.MultiIndex.from_arrays([j, y])) if len(wanted) else np.full(len(y), -1)
    hit = k >= 0
    kcell = (k[hit] * groups + g[hit]) * strata + h[hit]
    ksize = len(wanted) * groups * strata
    t = np.bincount(kcell, weights=w[hit], minlength=ksize).reshape(len(wanted), groups, strata)
    a = np.bincount(kcell, weights=w[hit] ** 2, minlength=ksize).reshape(len(wanted), groups, strata)
    n = np.bincount(kcell, minlength=ksize).reshape(len(wanted), groups, strata).sum(axis=2)
    of = np.repeat(np.arange(questions), np.diff(offsets))  # each code's question
    w_jg = w_cell.reshape(questions, groups, strata)[of]  # (codes, groups, strata)
    w2_jg = w2_cell.reshape(questions, groups, strata)[of]
    tot = total.reshape(questions, groups)[of]
    with np.errstate(invalid="ignore", divide="ignore"):
        p = t.sum(axis=2) / tot
        # sum over strata of n_h/(n_h-1) × Σ(z - z̄_h)², z = w (1[y=c] - p) / W in the group, 0 outside
        var = ((1 - 2 * p) * (a * f).sum(axis=2) + p * p * (w2_jg * f).sum(axis=2)
               - (t * t * inv).sum(axis=2) + 2 * p * (t * w_jg * inv).sum(axis=2)
               - p * p * (w_jg * w_jg * inv).sum(axis=2)) / (tot * tot)
    return Estimates(p, np.sqrt(np.maximum(var, 0.0)), df.reshape(questions, groups)[of], n,
                     base.reshape(questions, groups))


def logit_interval(p: np.ndarray, se: np.ndarray, df: np.ndarray, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """svy's (and R's svyciprop "logit") interval: on the logit scale with Student's t on the
    design's degrees of freedom; NaN at p = 0 or 1 and without degrees of freedom."""
    from scipy.special import stdtrit  # the t quantile as svy takes it (scipy comes with svy)

    tol = 1e-12
    lower, upper = np.full(p.shape, np.nan), np.full(p.shape, np.nan)
    inner = (df > 0) & (p > tol) & (p < 1 - tol)
    point = inner & (se <= tol)
    lower[point] = upper[point] = p[point]
    ok = inner & ~point
    crit = stdtrit(df[ok].astype("float64"), 1 - alpha / 2)
    scale = se[ok] / (p[ok] * (1 - p[ok]))
    logit = np.log(p[ok] / (1 - p[ok]))
    lower[ok] = 1 / (1 + np.exp(-(logit - crit * scale)))
    upper[ok] = 1 / (1 + np.exp(-(logit + crit * scale)))
    return lower, upper


def _breakdown_rows(questions: list[Question], breakdown: str, values: np.ndarray, weights: np.ndarray,
                    stratum: np.ndarray, labels: np.ndarray, min_n: int) -> pd.DataFrame:
    """One row per question × group (that answered it) × valid code, in that order, groups and
    codes sorted."""
    names, groups = np.unique(labels, return_inverse=True)
    _, strata = np.unique(stratum, return_inverse=True)
    codes = [sorted(q.codes) for q in questions]
    est = estimate(values, codes, weights, strata, groups, len(names))
    lower, upper = logit_interval(est.p, est.se, est.df)
    # the rows: questions × the groups that answered each × its codes
    qj, gg = np.nonzero(est.base > 0)
    count = np.array([len(c) for c in codes], dtype=int)[qj]
    first = np.concatenate([[0], np.cumsum([len(c) for c in codes])])[qj]
    pair = np.repeat(np.arange(len(qj)), count)
    k = first[pair] + np.arange(len(pair)) - np.repeat(np.cumsum(count) - count, count)
    g = gg[pair]
    n = est.n[k, g]
    basis = est.base[qj[pair], g]
    out = pd.DataFrame({"groep": names[g].tolist(), "code": np.concatenate([np.asarray(c, dtype="float64")
                                                                              for c in codes])[k] if codes else []})
    out["n"] = n.astype(int)
    out["basis"] = basis.astype(int)
    out["onderdrukt"] = out["basis"] < min_n
    for source, target in ((est.p, "procent"), (lower, "ondergrens"), (upper, "bovengrens")):
        value = pd.Series((100 * source[k, g]).round(1), index=out.index)
        value = value.where(out["n"] > 0, 0.0)  # a code nobody in the group gave: 0 %
        out[target] = value.mask(out["onderdrukt"])
    question = [questions[x] for x in qj[pair]]
    out["label"] = [q.codes[c] for q, c in zip(question, out["code"].tolist())]
    out["module"] = [q.module for q in question]
    out["variabele"] = [q.name for q in question]
    out["vraag"] = [q.label for q in question]
    out["uitsplitsing"] = breakdown
    return out


def weighted_percent(values: np.ndarray, weights: np.ndarray, code: float) -> float:
    """The weighted valid % of `code` among the non-NaN `values` (for checks and the codebook)."""
    valid = ~np.isnan(values)
    return float(100 * weights[valid & (values == code)].sum() / weights[valid].sum())
