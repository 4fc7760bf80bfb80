"""The delivered demo data and metadata are what the reference run gave (the layout before the
stage folders): the .sav's data, labels, value labels, missing values, formats and MR sets, and
the CSV and Parquet copies, compared as checksums of their content, not of file bytes.

A change that is meant to alter the delivery regenerates the reference on purpose:
    python tests/end_to_end/delivery_fingerprint.py cleaned/ > tests/end_to_end/reference_delivery.json
after `sid run` in the repository's root, and says why in its commit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import demo_delivery
from delivery_fingerprint import delivery_fingerprint

REFERENCE = Path(__file__).with_name("reference_delivery.json")


@pytest.mark.slow
def test_demo_delivery_matches_the_reference_run(tmp_path_factory):
    cleaned = demo_delivery(tmp_path_factory) / "cleaned"
    expected = json.loads(REFERENCE.read_text(encoding="utf-8"))
    got = json.loads(json.dumps(delivery_fingerprint(cleaned, "sid2026")))
    for part in ("sav", "csv", "parquet"):
        assert got[part]["rows"] == expected[part]["rows"], part
        changed = {c for c in expected[part]["data"].keys() | got[part]["data"].keys()
                   if expected[part]["data"].get(c) != got[part]["data"].get(c)}
        assert not changed, f"{part}: columns whose values changed: {sorted(changed)}"
    assert got == expected
