"""The ground truth of the planted defects: demo_truth.csv, each instance with the file and row
it sits in, and demo_truth_summary.csv, how many of each kind were planted and why a kind fell
short. Run last, once every record has its final row."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.demo.chains import cleaning_action, invalidated
from pipeline.demo.defects import DEFECTS
from pipeline.demo.roster import ROSTER_DEFECTS
from pipeline.demo.state import SOURCES, Build

TRUTH_COLUMNS = ("defect", "sample_id", "source", "row", "variable", "detail", "cleaning")


def ground_truth(b: Build) -> tuple[pd.DataFrame, pd.DataFrame]:
    """demo_truth.csv (one row per planted instance, pointing at its file and row) and
    demo_truth_summary.csv (instances per defect kind, with why a kind fell short)."""
    R = b.R
    truth = pd.concat(b.truth, ignore_index=True) if b.truth else \
        pd.DataFrame(columns=["defect", "_rec", "variable", "detail"])
    where = R.set_index("_rec")
    truth["sample_id"] = where[b.key].reindex(truth["_rec"]).astype(str).to_numpy()
    truth["source"] = where["_source"].reindex(truth["_rec"]).to_numpy()
    truth["row"] = where["_row"].reindex(truth["_rec"]).to_numpy().astype(np.int64)
    # details that need final row numbers
    copies = truth["defect"] == "double_submission"
    original = where["_copy_of"].reindex(truth.loc[copies, "_rec"]).to_numpy()
    truth.loc[copies, "detail"] = ("same interview as web row "
                                   + where["_row"].reindex(original).astype(str).to_numpy()
                                   + ", submitted again with a new _uuid")
    dup = truth["defect"] == "break_off"
    dup_recs = set(where.loc[where["_cat"] == "dup_web"].index)
    capi_row = R[R["_cat"] == "dup"].set_index(b.key)["_row"]
    is_dup = dup & truth["_rec"].isin(dup_recs)
    extra = truth[is_dup].copy()
    extra["defect"] = "duplicate_cross_mode"
    extra["variable"] = ""
    extra["detail"] = ("web break-off; the same person completed face to face: capi row "
                       + capi_row.reindex(extra["sample_id"]).astype(str).to_numpy())
    truth = pd.concat([truth, extra], ignore_index=True)
    truth["defect"] = pd.Categorical(truth["defect"], categories=DEFECTS)
    truth["source"] = pd.Categorical(truth["source"], categories=SOURCES)
    truth = truth.sort_values(["defect", "source", "row", "variable"], kind="stable")
    truth["defect"] = truth["defect"].astype(str)
    truth["source"] = truth["source"].astype(str)
    truth["variable"] = truth["variable"].fillna("").astype(str)
    truth["cleaning"] = _cleaning(b, truth)
    truth = truth[list(TRUTH_COLUMNS)].reset_index(drop=True)
    counts = truth["defect"].value_counts()
    summary = pd.DataFrame({
        "defect": list(DEFECTS),
        "instances": [int(counts.get(d, 0)) for d in DEFECTS],
        "note": ["; ".join(b.notes[d]) for d in DEFECTS],
    })
    return truth, summary


def _cleaning(b: Build, truth: pd.DataFrame) -> np.ndarray:
    """What cleaning must do with each planted cell: -4 (ongeldig) for an invalid answer; -3, or a
    text cleared, for an answer that was not asked (docs/routing.md); empty where cleaning leaves
    the cell as it is (the record is excluded, merged or only reported, or the text is coded)."""
    given = truth["cleaning"] if "cleaning" in truth.columns else pd.Series(np.nan, index=truth.index)
    out = given.astype(object).where(given.notna(), "").to_numpy().copy()
    out[invalidated(b, truth)] = "-4"
    routed = (truth["defect"] == "routing_violation").to_numpy()
    out[routed] = [cleaning_action(b.form.vars[v]) for v in truth["variable"].to_numpy()[routed]]
    return out


def with_roster_truth(b: Build, truth: pd.DataFrame, summary: pd.DataFrame, planted: list[pd.DataFrame],
                      orphans: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The truth and summary with the planted roster defects after the other kinds
    (pipeline.demo.roster): each instance at its record's file and row; an orphan has no record
    (sample_id empty, row = its row in the repeat's CSV)."""
    where = b.R.set_index("_rec")
    rows = pd.concat(planted, ignore_index=True)
    rows["sample_id"] = where[b.key].reindex(rows["_rec"]).astype(str).to_numpy()
    rows["source"] = where["_source"].reindex(rows["_rec"]).to_numpy()
    rows["row"] = where["_row"].reindex(rows["_rec"]).to_numpy().astype(np.int64)
    rows["cleaning"] = ""
    rows = pd.concat([rows[list(TRUTH_COLUMNS)], orphans[list(TRUTH_COLUMNS)]], ignore_index=True)
    order = pd.Categorical(rows["defect"], categories=ROSTER_DEFECTS)
    rows = rows.assign(_order=order.codes).sort_values(["_order", "source", "row", "variable"], kind="stable")
    truth = pd.concat([truth, rows[list(TRUTH_COLUMNS)]], ignore_index=True)
    counts = rows["defect"].value_counts()
    extra = pd.DataFrame({"defect": list(ROSTER_DEFECTS), "instances": [int(counts.get(d, 0)) for d in ROSTER_DEFECTS],
                          "note": ""})
    return truth, pd.concat([summary, extra], ignore_index=True)
