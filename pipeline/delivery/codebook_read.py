"""Reading a delivered codebook back (XLSX, HTML, DDI) for `sid verify`: variables, labels,
formats, value labels and missing codes, and every text a person could read in it."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pandas as pd

from pipeline.delivery import spss
from pipeline.delivery.codebook import file_sheets
from pipeline.delivery.ddi import NS, XML_LANG
from pipeline.delivery.labels import YES


def code_text(value) -> str:
    """A code as text: numbers in one form (1, 1.0 and '1' alike); text codes ('MA') as they are."""
    try:
        return spss.code_text(float(value))
    except (TypeError, ValueError):
        return str(value)


@lru_cache(maxsize=8)
def xlsx_rows(path: Path, stamp: tuple) -> dict[str, list[tuple]]:
    """Every sheet's rows, read once per verify (`stamp`: size and mtime, so a changed file is read again)."""
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}
    finally:
        wb.close()


def file_stamp(path: Path) -> tuple:
    st = path.stat()
    return (st.st_size, st.st_mtime_ns)


def _sheet_frame(rows: list[tuple]) -> pd.DataFrame:
    """Text frame of a codebook sheet, without the ' that Excel-safe writing put before formula-like text."""
    header = [str(h) for h in rows[0]]
    frame = pd.DataFrame([["" if v is None else str(v) for v in r] for r in rows[1:]], columns=header)
    return frame.apply(lambda s: s.str.replace(r"^'(?=[=+\-@\t\r])", "", regex=True))


def codebook_files(path: Path) -> pd.DataFrame:
    """The `bestanden` sheet of codebook.xlsx (delivery/codebook.py FILE_COLUMNS): the data files
    and how they link; empty when the delivery has one data file."""
    sheets = xlsx_rows(path, file_stamp(path))
    return _sheet_frame(sheets["bestanden"]) if "bestanden" in sheets else pd.DataFrame()


def codebook_from_xlsx(path: Path, file: str = "") -> dict:
    """The main file's variables (`file` ""), or a roster file's (its .sav name: its own sheets)."""
    sheets = xlsx_rows(path, file_stamp(path))
    names = ("variabelen", "waarden")
    if file:
        files = codebook_files(path)
        rosters = list(files["roster"].iloc[1:]) if len(files) else []
        at = list(files["bestand"].iloc[1:]).index(file) if file in list(files["bestand"].iloc[1:]) else None
        if at is None:
            raise KeyError(f"{file} not in the codebook")
        names = file_sheets(rosters)[at]
    variables, values = _sheet_frame(sheets[names[0]]), _sheet_frame(sheets[names[1]])
    labelled = values[values["label"] != ""]
    value_labels, missing = {}, {}
    for name, group in labelled.groupby("variabele", sort=False):
        value_labels[name] = dict(zip(group["code"].map(code_text), group["label"]))
        missing[name] = set(group.loc[group["ontbrekend"].isin(YES), "code"].map(code_text))
    return {"names": list(variables["variabele"]), "labels": dict(zip(variables["variabele"], variables["label"])),
            "formats": dict(zip(variables["variabele"], variables["formaat"])),
            "value_labels": value_labels, "missing": missing}


class _CodebookHTML(HTMLParser):
    """Reads the overview table and the value tables of codebook.html."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []  # every text node (for the PII check)
        # per data file ("" the main file, else a roster file's <article data-bestand>): overview rows, value rows
        self.files: dict[str, tuple[list[list[str]], dict[str, list[list[str]]]]] = {"": ([], {})}
        self.overview, self.values = self.files[""]
        self._file = ""
        self._table = None  # "overzicht" | "waarden" | None
        self._section = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._in_body = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "article" and "data-bestand" in attrs:
            self._file = attrs["data-bestand"]
            self.files.setdefault(self._file, ([], {}))
        elif tag == "section" and "data-variabele" in attrs:
            self._section = attrs["data-variabele"]
        elif tag == "table":
            self._table = "overzicht" if str(attrs.get("id", "")).startswith("overzicht") else (
                "waarden" if attrs.get("class") == "waarden" else None)
        elif tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._table and self._in_body:
            self._row = []
        elif tag == "td" and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            overview, values = self.files[self._file]
            if self._table == "overzicht":
                overview.append(self._row)
            elif self._table == "waarden" and self._section:
                values.setdefault(self._section, []).append(self._row)
            self._row = None
        elif tag == "tbody":
            self._in_body = False
        elif tag == "table":
            self._table = None
        elif tag == "section":
            self._section = None
        elif tag == "article":
            self._file = ""

    def handle_data(self, data):
        if data.strip():
            self.texts.append(data)
        if self._cell is not None:
            self._cell.append(data)


@lru_cache(maxsize=4)
def parse_html(path: Path, stamp: tuple) -> _CodebookHTML:
    parser = _CodebookHTML()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    parser.close()
    return parser


def codebook_from_html(path: Path, file: str = "") -> dict:
    """The main file's variables (`file` ""), or a roster file's (its .sav name)."""
    parser = parse_html(path, file_stamp(path))
    overview, values = parser.files.get(file, ([], {}))
    names = [row[1] for row in overview]
    value_labels, missing = {}, {}
    for name, rows in values.items():
        labelled = [r for r in rows if r[1] != ""]
        value_labels[name] = {code_text(r[0]): r[1] for r in labelled}
        missing[name] = {code_text(r[0]) for r in labelled if r[-4] in YES}  # ..., ontbrekend, aantal, %, geldig %
    return {"names": names, "labels": {row[1]: row[2] for row in overview},
            "formats": {row[1]: row[4] for row in overview},
            "value_labels": value_labels, "missing": missing}


@lru_cache(maxsize=4)
def parse_xml(path: Path, stamp: tuple) -> ET.Element:
    return ET.parse(path).getroot()


def codebook_from_ddi(path: Path, file: str = "") -> dict:
    """The variables of the main file (`file` "": the first fileDscr) or of a roster file (its .sav name)."""
    ns = {"d": NS}
    root = parse_xml(path, file_stamp(path))
    names, labels, value_labels, missing, formats = [], {}, {}, {}, {}
    described = root.findall("d:fileDscr", ns)
    chosen = next((f for f in described if not file or f.findtext("d:fileTxt/d:fileName", namespaces=ns) == file),
                  None)
    if chosen is None:
        raise KeyError(f"{file} not in the DDI")
    fid = chosen.get("ID")
    for var in root.iterfind("d:dataDscr/d:var", ns):
        if fid not in (var.get("files") or "").split():
            continue
        name = var.get("name")
        names.append(name)
        labl = var.find("d:labl", ns)
        labels[name] = (labl.text or "") if labl is not None else ""
        fmt = var.find("d:varFormat", ns)
        formats[name] = (fmt.text or "") if fmt is not None else ""
        for cat in var.iterfind("d:catgry", ns):
            code = cat.findtext("d:catValu", default="", namespaces=ns)
            label = next((l.text or "" for l in cat.iterfind("d:labl", ns) if l.get(XML_LANG) is None), "")
            if label:
                value_labels.setdefault(name, {})[code_text(code)] = label
                if cat.get("missing") == "Y":
                    missing.setdefault(name, set()).add(code_text(code))
    rows = chosen.findtext("d:fileTxt/d:dimensns/d:caseQnty", namespaces=ns)
    return {"names": names, "labels": labels, "formats": formats, "value_labels": value_labels,
            "missing": missing, "rows": rows}
