"""Code-frame entries and the keys verbatims are matched and stored under (used by coding and
the coders' worklist alike, so neither imports the other)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from pipeline.coding.classifications import normalise
from pipeline.privacy import scrub_values


@dataclass(frozen=True)
class FrameEntry:
    verbatim: str
    code: str
    coder: str
    date: str



def match_keys(verbatims: pd.Series) -> pd.Series:
    """The key a verbatim is matched and stored under: personal data scrubbed (so code frames in
    schemas/ never hold a phone number), then normalised. Call it on distinct values."""
    return normalise(scrubbed(verbatims))


def scrubbed(verbatims: pd.Series) -> pd.Series:
    """Distinct verbatims with e-mail addresses, phone and register numbers replaced by tags."""
    values = verbatims.astype(object)
    mapping, _ = scrub_values(values)
    return values.map(lambda v: mapping.get(v, v)) if mapping else values  # distinct values only
