"""pickle for sid's own files in the private work/ (a stage's result for a rerun's summary, a classification
read once): the read-only mappings of frozen dataclasses (MappingProxyType) kept as such."""

from __future__ import annotations

import copyreg
import io
import pickle
from types import MappingProxyType
from typing import Any


def _proxy(mapping: dict) -> MappingProxyType:
    return MappingProxyType(mapping)


class Pickler(pickle.Pickler):
    """pickle, with the read-only mappings of the results (frozen dataclasses) kept as such."""

    dispatch_table = {**copyreg.dispatch_table, MappingProxyType: lambda m: (_proxy, (dict(m),))}


def dumps(value: Any) -> bytes:
    buffer = io.BytesIO()
    Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    return buffer.getvalue()
