"""Respondent keys: the documented normalisation (NFKC, trimmed, case kept unless upper), and the
nearest sample key for a key that is not in the sample."""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.ingest.fidelity import PROBLEM_COLUMNS
from pipeline.survey.syntax import compile_regex, regex_matches


def normalise_keys(keys: pd.Series, case: str) -> pd.Series:
    """Unicode NFKC (a non-breaking space becomes a space, full-width letters and digits plain
    ones), surrounding whitespace trimmed, upper case if `case` is "upper". Per distinct value."""
    text = keys.astype("string")
    mapping = {u: unicodedata.normalize("NFKC", u).strip() for u in pd.unique(text.dropna())}
    if case == "upper":
        mapping = {u: v.upper() for u, v in mapping.items()}
    changed = {u: v for u, v in mapping.items() if u != v}
    out = text.replace(changed) if changed else text
    return out.astype(object).where(out.notna(), None)


def normalised_key_problems(raw: pd.Series, normalised: pd.Series, source: str, column: str) -> pd.DataFrame:
    """A row for each key the rule changed beyond trimming plain spaces (NFKC or case), so that a
    key that differs between the file and the delivery is never unexplained."""
    stripped = raw.astype("string").str.strip()
    changed = (stripped.notna() & (stripped != pd.Series(normalised, index=raw.index).astype("string"))
               ).fillna(False).to_numpy(dtype=bool)
    where = np.flatnonzero(changed)
    return pd.DataFrame({"source": source, "row": where + 1, "column": column,
                         "value": raw.astype(str).to_numpy()[where], "expected": "key",
                         "action": [f"read as {k!r}" for k in pd.Series(normalised).to_numpy()[where]],
                         "reason": "key rule: Unicode NFKC, trimmed, case as ingest.key_case"},
                        columns=PROBLEM_COLUMNS)


def nearest_key_problems(records: pd.DataFrame, outside: np.ndarray, sample_keys: pd.Series, key: str,
                         column_of: dict[str, str]) -> pd.DataFrame:
    """A problem row for each record excluded as not in the sample, naming the nearest sample key
    (rapidfuzz ratio over the distinct keys outside the sample, not per record)."""
    from rapidfuzz import fuzz, process  # imported when keys are matched, not with ingest's results

    out = records[outside]
    if out.empty:
        return pd.DataFrame(columns=PROBLEM_COLUMNS)
    choices = list(pd.unique(sample_keys.dropna().astype(str)))
    hint = {}
    for k in pd.unique(out[key].astype(str)):
        best = process.extractOne(k, choices, scorer=fuzz.ratio) if choices else None
        hint[k] = (f"not in the sample; nearest sample key {best[0]!r}" if best and best[1] >= 50
                   else "not in the sample; no sample key is near")
    return pd.DataFrame({"source": out["_source"].to_numpy(), "row": out["_row"].to_numpy(),
                         "column": out["_source"].map(column_of).to_numpy(),
                         "value": out[key].astype(str).to_numpy(), "expected": "a key of the sample",
                         "action": "record excluded", "reason": out[key].astype(str).map(hint).to_numpy()},
                        columns=PROBLEM_COLUMNS)


def key_matches(pattern: str, keys: pd.Series) -> np.ndarray:
    """`regex_matches` of the pattern on the keys as text, by Arrow's RE2 (the same engine and
    syntax, in C++ instead of a Python call per key) when every key is text or missing; a missing
    key is False on both paths (and is excluded before as having no key)."""
    compiled = compile_regex(pattern)  # a bad pattern: the same error either way
    try:
        array = pa.array(keys.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
        return pc.fill_null(pc.match_substring_regex(array, pattern), False).to_numpy(zero_copy_only=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, TypeError, ValueError):
        return regex_matches(compiled, keys.astype(str))
