"""Suggestions for the coders' worklist: the codes whose names (the code frame's labels, the
classification's names, earlier codings) best match a verbatim, by rapidfuzz token-set and
partial ratio on normalised text."""

from __future__ import annotations

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

SUGGESTIONS = 3  # per verbatim
_CHUNK = 1000  # verbatims scored at once (memory: chunk × candidate names scores)


def suggest(queries, candidates: pd.DataFrame, n: int = SUGGESTIONS) -> tuple[np.ndarray, np.ndarray]:
    """The `n` best codes for each normalised verbatim in `queries` and their scores (0-100).

    `candidates` has the columns `normalised` (a name, normalised like the verbatims) and `code`,
    most trusted first; a code scores as its best-matching name, equal scores keep that order.
    Rows with fewer than `n` codes scoring above 0 are padded with '' and 0."""
    queries = np.asarray(queries, dtype=object)
    codes_out = np.full((len(queries), n), "", dtype=object)
    scores_out = np.zeros((len(queries), n), dtype=np.float64)
    usable = candidates[candidates["code"].astype(str) != ""]
    if not len(queries) or not len(usable):
        return codes_out, scores_out
    code_index, codes = pd.factorize(usable["code"].astype(str), sort=False)  # first seen = most trusted
    order = np.argsort(code_index, kind="stable")
    starts = np.searchsorted(code_index[order], np.arange(len(codes)))
    names = usable["normalised"].astype(str).to_numpy(dtype=object)[order]
    codes = np.asarray(codes, dtype=object)
    k = min(n, len(codes))
    for lo in range(0, len(queries), _CHUNK):
        hi = min(lo + _CHUNK, len(queries))
        # Token sets match word order and extra words ('Morokko' ~ 'Marokko (Koninkrijk)'); the
        # partial ratio adds a word's stem inside a longer label ('Familie' ~ 'regroupement familial').
        # The token-set ratio is symmetric: scored names × verbatims (transposed back), each name is
        # split into tokens once per chunk instead of once per verbatim (~20 % less time, the same
        # scores). Every core: the demo's 66 open occupations × 38,000 occupation titles are most
        # of the coding stage.
        scores = (process.cdist(names, queries[lo:hi], scorer=fuzz.token_set_ratio, dtype=np.float32, workers=-1).T
                  + process.cdist(queries[lo:hi], names, scorer=fuzz.partial_ratio, dtype=np.float32,
                                  workers=-1)) / 2
        per_code = np.maximum.reduceat(scores, starts, axis=1)  # the best name of each code
        top = np.argsort(-per_code, axis=1, kind="stable")[:, :k]
        top_scores = np.take_along_axis(per_code, top, axis=1)
        found = top_scores > 0
        codes_out[lo:hi, :k] = np.where(found, codes[top], "")
        scores_out[lo:hi, :k] = np.where(found, np.round(top_scores), 0)
    return codes_out, scores_out
