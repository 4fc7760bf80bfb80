"""Choices of select_one_from_file / select_multiple_from_file: the CSV or XML file beside the form."""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Mapping


def read_choice_file(form: Path, itemset: str, parameters: Mapping[str, str]) -> list[tuple[str, str]] | None:
    """(name, label) of each choice in the file `itemset` beside the form, read with the columns
    the question's `parameters` name (value=, label=; default name and label, as ODK). None when
    the file is missing or holds no such column (the question is then delivered as text)."""
    path = form.parent / itemset
    value, label = parameters.get("value", "name"), parameters.get("label", "label")
    if not path.is_file():
        return None
    if path.suffix.lower() == ".csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
    elif path.suffix.lower() == ".xml":  # <root><item><name>…</name><label>…</label></item></root>
        rows = [{child.tag: (child.text or "") for child in item} for item in ET.parse(path).getroot()]
    else:
        return None
    if not rows or value not in rows[0]:
        return None
    return [(str(row[value]).strip(), str(row.get(label) or row[value]).strip())
            for row in rows if str(row.get(value) or "").strip()]
