"""Choices that are not on the choices sheet: select_one_from_file / select_multiple_from_file read
the CSV or XML file beside the form; select_one_external reads its list from the form's
`external_choices` sheet (the one pyxform requires and writes to itemsets.csv for the form app)."""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, Mapping, Sequence

# (name, labels by language, the other columns: what a choice_filter's bare names refer to)
Listed = tuple[str, dict[str, str], dict[str, str]]


def read_choice_file(form: Path, itemset: str, parameters: Mapping[str, str],
                     default_language: str = "default") -> list[Listed] | None:
    """Each choice in the file `itemset` beside the form, read with the columns the question's
    `parameters` name (value=, label=; default name and label, as ODK); labels per language from
    `label::<language>` columns. None when the file is missing or holds no such column (the question
    is then delivered as text)."""
    path = form.parent / itemset
    value, label = parameters.get("value", "name"), parameters.get("label", "label")
    if not path.is_file():
        return None
    if path.suffix.lower() == ".csv":
        rows = _csv_rows(path)
    elif path.suffix.lower() == ".xml":  # <root><item><name>…</name><label>…</label></item></root>
        rows = [{child.tag: (child.text or "") for child in item} for item in ET.parse(path).getroot()]
    else:
        return None
    return _listed(rows, value, label, default_language)


def external_choices(list_name: str, sheet: Sequence[Mapping[str, Any]] | None,
                     default_language: str = "default") -> list[Listed] | None:
    """The choices of select_one_external list `list_name` on the form's external_choices sheet; None
    when the sheet does not hold it (pyxform refuses such a form, so this is a safeguard)."""
    rows = [{_header(k): ("" if v is None else str(v)) for k, v in row.items()} for row in sheet or []]
    mine = [row for row in rows if _list_name(row) == list_name]
    return _listed(mine, "name", "label", default_language) if mine else None


def _header(key: Any) -> str:
    """XLSForm's own headers in any case (pyxform reads `NAME`, `LABEL::EN` alike); others as written
    (a choice_filter names them)."""
    key = str(key).strip()
    own, _, language = key.partition("::")
    if own.lower() in ("list_name", "list name", "name", "label"):
        return own.lower() + (f"::{language}" if language else "")
    return key


def _list_name(row: Mapping[str, str]) -> str:
    return next((str(v).strip() for k, v in row.items() if k.lower().replace(" ", "_") == "list_name"), "")


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _listed(rows: list[dict[str, str]], value: str, label: str, default_language: str) -> list[Listed] | None:
    if not rows or value not in rows[0]:
        return None
    out = []
    for row in rows:
        name = str(row.get(value) or "").strip()
        if not name:
            continue
        labels = {k.split("::", 1)[1].strip(): str(v).strip() for k, v in row.items()
                  if k and k.lower().startswith(f"{label.lower()}::") and v and str(v).strip()}
        if not labels:
            labels = {default_language: str(row.get(label) or name).strip()}
        columns = {str(k): str(v or "") for k, v in row.items()
                   if k and k not in (value, "list_name", "list name") and not k.lower().startswith("label")}
        out.append((name, labels, columns))
    return out
