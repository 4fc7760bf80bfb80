"""Suggestions for the coders' worklist: the codes whose names (the code frame's labels, the
classification's names, earlier codings) best match a verbatim, by rapidfuzz token-set and
partial ratio on normalised text.

Against a large list (the demo's 66 open occupations × 38,000 occupation titles) most names are
never near the top: `suggest` bounds each name's score from above with two cheap measures, scores
a few of the best-bounded names exactly to learn the score a name must reach, then scores exactly
only the names whose bound reaches it. The scores, codes and order are those of scoring every
name (`suggest_all`, kept for small lists and for text the bounds do not cover)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process
from rapidfuzz.distance import LCSseq

SUGGESTIONS = 3  # per verbatim
_CHUNK = 1000  # verbatims scored at once (memory: chunk × candidate names scores)
_BOUND_CHUNK = 200  # verbatims bounded at once (a few float arrays of chunk × names)
_PRUNE_FROM = 500_000  # verbatims × names from which bounding pays
_PROBE = 20  # names per verbatim scored exactly to learn the score to reach
_MARGIN = 0.5  # bounds are compared with this slack (float rounding of two formulas of one score)


def suggest(queries, candidates: pd.DataFrame, n: int = SUGGESTIONS) -> tuple[np.ndarray, np.ndarray]:
    """The `n` best codes for each normalised verbatim in `queries` and their scores (0-100).

    `candidates` has the columns `normalised` (a name, normalised like the verbatims) and `code`,
    most trusted first; a code scores as its best-matching name, equal scores keep that order.
    Rows with fewer than `n` codes scoring above 0 are padded with '' and 0."""
    queries = np.asarray(queries, dtype=object)
    prepared = _prepare(candidates)
    if prepared is None or not len(queries):
        return _empty(len(queries), n)
    names = prepared[0]
    if len(queries) * len(names) < _PRUNE_FROM or not _plain(queries) or not _plain(names):
        return _all(queries, prepared, n)
    return _bounded(queries, prepared, n)


def suggest_all(queries, candidates: pd.DataFrame, n: int = SUGGESTIONS) -> tuple[np.ndarray, np.ndarray]:
    """`suggest` by scoring every name against every verbatim (the reference of the bounded path)."""
    queries = np.asarray(queries, dtype=object)
    prepared = _prepare(candidates)
    if prepared is None or not len(queries):
        return _empty(len(queries), n)
    return _all(queries, prepared, n)


def _empty(rows: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    return np.full((rows, n), "", dtype=object), np.zeros((rows, n), dtype=np.float64)


def _prepare(candidates: pd.DataFrame):
    """The usable names grouped by code (first seen = most trusted first), each name's code
    number, the first name of each code, and the codes; None when no name has a code."""
    usable = candidates[candidates["code"].astype(str) != ""]
    if not len(usable):
        return None
    code_index, codes = pd.factorize(usable["code"].astype(str), sort=False)  # first seen = most trusted
    order = np.argsort(code_index, kind="stable")
    starts = np.searchsorted(code_index[order], np.arange(len(codes)))
    names = usable["normalised"].astype(str).to_numpy(dtype=object)[order]
    return names, code_index[order], starts, np.asarray(codes, dtype=object)


def _plain(texts: np.ndarray) -> bool:
    """Every text non-empty, its words separated by single spaces (as `normalise` leaves them):
    then the words rapidfuzz splits on are Python's, which the bounds assume."""
    return all(t and t == " ".join(t.split()) for t in texts)


def _all(queries: np.ndarray, prepared, n: int) -> tuple[np.ndarray, np.ndarray]:
    names, _, starts, codes = prepared
    codes_out, scores_out = _empty(len(queries), n)
    k = min(n, len(codes))
    for lo in range(0, len(queries), _CHUNK):
        hi = min(lo + _CHUNK, len(queries))
        # Token sets match word order and extra words ('Morokko' ~ 'Marokko (Koninkrijk)'); the
        # partial ratio adds a word's stem inside a longer label ('Familie' ~ 'regroupement familial').
        # The token-set ratio is symmetric: scored names × verbatims (transposed back), each name is
        # split into tokens once per chunk instead of once per verbatim (~20 % less time, the same
        # scores).
        scores = _score(names, queries[lo:hi])
        per_code = np.maximum.reduceat(scores, starts, axis=1)  # the best name of each code
        top = np.argsort(-per_code, axis=1, kind="stable")[:, :k]
        top_scores = np.take_along_axis(per_code, top, axis=1)
        found = top_scores > 0
        codes_out[lo:hi, :k] = np.where(found, codes[top], "")
        scores_out[lo:hi, :k] = np.where(found, np.round(top_scores), 0)
    return codes_out, scores_out


def _score(names: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """queries × names: the mean of the token-set ratio and the partial ratio (float32)."""
    return (process.cdist(names, queries, scorer=fuzz.token_set_ratio, dtype=np.float32, workers=-1).T
            + process.cdist(queries, names, scorer=fuzz.partial_ratio, dtype=np.float32, workers=-1)) / 2


def _bounded(queries: np.ndarray, prepared, n: int) -> tuple[np.ndarray, np.ndarray]:
    """`_all`'s result, scoring exactly only the names whose upper bound can reach a verbatim's top `n`.

    Bounds (both verified against the exact scores in tests/coding/test_suggest.py):
    - token-set ratio: 100 when the two share a word; else it is the ratio of their sorted
      distinct words joined (rapidfuzz's definition), a cheap score computed as such;
    - partial ratio: a window of the longer text has at most L characters in common subsequence
      with the shorter, L that of the whole longer text (a cheap, bit-parallel length), so its
      ratio is at most 200·L / (len(shorter) + L).
    A verbatim's `n`-th best code among a few probed names (exact scores) is a score its top `n`
    reach; a name whose bound stays below it cannot enter them, nor change the order above it."""
    names, name_code, _, codes = prepared
    codes_out, scores_out = _empty(len(queries), n)
    index = _NameIndex(names)
    for lo in range(0, len(queries), _BOUND_CHUNK):
        part = queries[lo:lo + _BOUND_CHUNK]
        token, partial = index.bounds(part)
        for row, (query, bound) in enumerate(zip(part, (token + partial) / 2)):
            probe = np.argpartition(-bound, _PROBE)[:_PROBE] if len(bound) > _PROBE else np.arange(len(bound))
            reach = _nth_best(_score(names[probe], np.array([query], dtype=object))[0], name_code[probe], n)
            todo = np.flatnonzero((bound >= reach - _MARGIN) & (bound > 0))
            scores = _score(names[todo], np.array([query], dtype=object))[0]
            best: dict[int, float] = {}
            for code, score in zip(name_code[todo].tolist(), scores.tolist()):
                if score > best.get(code, -1.0):
                    best[code] = score
            top = sorted((c for c, s in best.items() if s > 0), key=lambda c: (-best[c], c))[:n]
            codes_out[lo + row, :len(top)] = codes[top] if top else []
            scores_out[lo + row, :len(top)] = np.round(np.array([best[c] for c in top], dtype=np.float32))
    return codes_out, scores_out


class _NameIndex:
    """What the bounds need of the names, made once per list: their sorted distinct words, the
    names of each word, their lengths."""

    def __init__(self, names: np.ndarray) -> None:
        self.names = names
        self.words = np.array([" ".join(sorted(set(t.split()))) for t in names], dtype=object)
        self.by_word: dict[str, list[int]] = {}
        for i, t in enumerate(names):
            for word in set(t.split()):
                self.by_word.setdefault(word, []).append(i)
        self.lengths = np.fromiter((len(t) for t in names), dtype=np.float64, count=len(names))

    def bounds(self, part: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per verbatim of `part` and name: the token-set bound and the partial-ratio bound
        (`_bounded`); their mean bounds the score."""
        token = process.cdist([" ".join(sorted(set(q.split()))) for q in part], self.words, scorer=fuzz.ratio,
                              dtype=np.float64, workers=-1)
        common = process.cdist(part, self.names, scorer=LCSseq.similarity, dtype=np.int32,
                               workers=-1).astype(np.float64)
        for row, query in enumerate(part):
            token[row, [i for word in set(query.split()) for i in self.by_word.get(word, ())]] = 100.0
        shorter = np.minimum(self.lengths[None, :], np.array([len(q) for q in part], dtype=np.float64)[:, None])
        partial = 200.0 * common / np.maximum(shorter + common, 1)
        return token, partial


def _nth_best(scores: np.ndarray, code: np.ndarray, n: int) -> float:
    """The `n`-th best code's score among these names (0 when fewer than `n` codes score)."""
    best = pd.Series(scores).groupby(code).max().sort_values(ascending=False)
    best = best[best > 0]
    return float(best.iloc[n - 1]) if len(best) >= n else 0.0
