"""The household roster in the layouts of the demo's three exports (see pipeline.demo.roster):
KoboToolbox's repeat sheet for the web, wide ``<question>_<k>`` columns in the tablets' .sav and
in the keyed-in paper sheet; and the planted orphan rows of the repeat sheet."""

from __future__ import annotations

from types import MappingProxyType

import numpy as np
import pandas as pd

from pipeline.delivery.spss import MAX_VALUE_LABEL_BYTES, MAX_VARIABLE_LABEL_BYTES, clip_bytes
from pipeline.demo.exports import CapiMeta, _dutch, _text, _uuids
from pipeline.demo.form import num_text
from pipeline.demo.roster import RosterForm, _draw
from pipeline.demo.state import Build

KOBO_SUBMISSION = ("_id", "_uuid", "_submission_time", "_validation_status", "_notes", "_status",
                   "_submitted_by", "__version__", "_tags")
ORPHAN_PARENTS = 2   # submissions gone from the main export whose members stay in the repeat sheet


def roster_file(rf: RosterForm) -> str:
    return f"web_kobo_{rf.name}.csv"


def render_web_roster(b: Build, rf: RosterForm, members: pd.DataFrame,
                      web: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The repeat sheet of Kobo's XLSX export (as CSV) and the truth rows of its orphans."""
    own = members[members["_source"] == "web"].copy()
    own["_parent_index"] = own["_row"].astype(int)
    orphans = _orphans(b, rf, web)
    rows = pd.concat([own, orphans], ignore_index=True)
    cols: dict[str, np.ndarray] = {}
    for f in rf.fields:
        s = rows[f.name] if f.name in rows.columns else pd.Series(np.nan, index=rows.index)
        numeric = f.type in ("integer", "decimal") or (f.choices is not None and f.choices.numeric)
        cols[f.name] = num_text(pd.to_numeric(s, errors="coerce")) if numeric else _text(s)
    n = len(rows)
    cols["_index"] = np.arange(1, n + 1).astype(str).astype(object)
    cols["_parent_table_name"] = np.full(n, b.q.title[:31], dtype=object)
    cols["_parent_index"] = rows["_parent_index"].astype(int).astype(str).to_numpy(dtype=object)
    parent = web.set_index(web["_index"].astype(int))
    for name in KOBO_SUBMISSION:
        value = parent[name].reindex(rows["_parent_index"].astype(int)).to_numpy(dtype=object)
        if name in orphans.columns:
            is_orphan = rows["_orphan"].fillna(False).to_numpy(bool)
            value[is_orphan] = rows.loc[is_orphan, name].to_numpy(dtype=object)
        cols[f"_submission_{name}"] = value
    frame = pd.DataFrame(cols)
    at = np.flatnonzero(rows["_orphan"].fillna(False).to_numpy(bool))
    truth = pd.DataFrame({
        "defect": "roster_orphan", "sample_id": "", "source": "web", "row": at + 1, "variable": "",
        "detail": [f"row {i + 1} of {roster_file(rf)}: _submission__uuid {frame.loc[i, '_submission__uuid']} and "
                   f"_parent_index {frame.loc[i, '_parent_index']} match no submission of web_kobo.csv" for i in at],
        "cleaning": ""})
    return frame, truth


def _orphans(b: Build, rf: RosterForm, web: pd.DataFrame) -> pd.DataFrame:
    """The members of ORPHAN_PARENTS web submissions that are not in the main export: households
    drawn like the others from web records, under a new _index, _id and _uuid."""
    rng = np.random.default_rng(b.seeds.spawn(1)[0])
    count = pd.to_numeric(b.R[rf.count], errors="coerce")
    R = b.R[(b.R["_source"] == "web").to_numpy() & count.between(1, 3).to_numpy()]
    if not len(R):
        return pd.DataFrame(columns=["_parent_index", "_orphan"])
    picked = R.iloc[rng.permutation(len(R))[:ORPHAN_PARENTS]]
    drawn = _draw(b, rf, picked, rng)
    parent = dict(zip(picked["_rec"], len(web) + 1 + np.arange(len(picked)) * 3 + rng.integers(0, 3, len(picked))))
    drawn["_parent_index"] = drawn["_rec"].map(parent).to_numpy()
    last = int(web["_id"].astype(int).max()) if len(web) else 480_000_000
    ids = {p: str(last + 7 * (i + 1)) for i, p in enumerate(sorted(parent.values()))}
    uuids = dict(zip(sorted(parent.values()), _uuids(rng, len(parent))))
    drawn["_id"] = drawn["_parent_index"].map(ids)
    drawn["_uuid"] = drawn["_parent_index"].map(uuids)
    drawn["_orphan"] = True
    return drawn.drop(columns=["_rec"])


def wide(b: Build, rf: RosterForm, members: pd.DataFrame, frame: pd.DataFrame, source: str, *,
         paper: bool) -> tuple[pd.DataFrame, dict[str, dict]]:
    """`frame` (the capi or papi export) with the roster's wide columns after the count's place,
    and their SPSS metadata (labels, value labels, measures, formats, missing) for the .sav."""
    own = members[members["_source"] == source]
    slots = int(own["instance"].max()) if len(own) else 0
    n = len(frame)
    lang = _dutch(b.q)
    cols: dict[str, np.ndarray] = {}
    meta: dict[str, dict] = {k: {} for k in ("labels", "values", "measures", "formats", "missing")}
    codes = b.q.missing.values
    for k in range(1, slots + 1):
        slot = own[own["instance"] == k]
        row = slot["_row"].astype(int).to_numpy() - 1
        for f in rf.fields:
            name = f"{f.name}_{k}".upper() if paper else f"{f.name}_{k}"
            values = slot[f.name] if f.name in slot.columns else pd.Series(np.nan, index=slot.index)
            numeric = f.type in ("integer", "decimal") or (f.choices is not None and f.choices.numeric)
            if paper:
                out = np.full(n, None, dtype=object)
                if f.choices is not None:
                    text = num_text(pd.to_numeric(values, errors="coerce")) if f.choices.numeric else _text(values)
                    out[row] = [f.choices.codes.get(t) if t else None for t in text]
                else:
                    x = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
                    out[row] = [None if np.isnan(v) else int(v) if v == int(v) else v for v in x]
                cols[name] = out
                continue
            label = f.labels.get(lang) or next(iter(f.labels.values()), f.name)
            head = rf.label.get(lang) or rf.name
            meta["labels"][name] = clip_bytes(f"{head} {k}: {label}", MAX_VARIABLE_LABEL_BYTES)
            if numeric:
                out = np.full(n, np.nan)
                out[row] = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
                meta["measures"][name] = "nominal" if f.choices is not None else "scale"
                meta["formats"][name] = "F8.0"
                meta["missing"][name] = ({"lo": float(min(codes)), "hi": float(max(codes))},)
                if f.choices is not None:
                    meta["values"][name] = {float(c.name): clip_bytes(c.label(lang), MAX_VALUE_LABEL_BYTES)
                                            for c in f.choices.choices}
            else:
                out = np.full(n, "", dtype=object)
                out[row] = _text(values)
                meta["measures"][name] = "nominal"
            cols[name] = out
    return _insert_after(b, rf, frame, cols, paper), meta


def _insert_after(b: Build, rf: RosterForm, frame: pd.DataFrame, cols: dict, paper: bool) -> pd.DataFrame:
    """The wide columns where the repeat sits in the form: after the count, or (paper: no
    calculates) after the last column before it."""
    names = list(b.form.names)
    before = names[: names.index(rf.count) + 1]
    headers = [n.upper() if paper else n for n in before]
    at = max((list(frame.columns).index(h) for h in headers if h in frame.columns), default=len(frame.columns) - 1)
    left, right = frame.iloc[:, : at + 1], frame.iloc[:, at + 1:]
    return pd.concat([left, pd.DataFrame(cols, index=frame.index), right], axis=1)


def with_capi_meta(meta: CapiMeta, extra: dict[str, dict]) -> CapiMeta:
    def merged(old, new):
        return MappingProxyType({**old, **new})
    return CapiMeta(merged(meta.column_labels, extra["labels"]), merged(meta.value_labels, extra["values"]),
                    merged(meta.measures, extra["measures"]), merged(meta.formats, extra["formats"]),
                    renamed=meta.renamed, missing=merged(meta.missing, extra["missing"]))
