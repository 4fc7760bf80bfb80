"""`sid verify DIR`: what ABB runs on receipt, from the delivery folder alone (no project needed).

Checks: manifest.json is intact; every file's size and sha256 match it; no file is missing or
added; the .sav agrees with the codebook (XLSX, HTML, DDI) and the CSV/Parquet copies; no
identifier column; no personal data (the scrub's own detectors) in the text of any file.
Findings name the file and the kind of problem, never a personal value."""

from __future__ import annotations

import hashlib
import json
import tomllib
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pyreadstat

from pipeline.delivery.ddi import NS, XML_LANG
from pipeline.delivery.definition import required_files
from pipeline.errors import ErrorCode, SidError
from pipeline.files import sha256
from pipeline.ingest.ingest import SAMPLE_PREFIX
from pipeline.privacy import find_pii

MANIFEST = "manifest.json"
# Column names that are direct identifiers, whatever the project's config says (compared in
# lower case, a `steekproef_` prefix ignored). The config's sample.identifiers are added.
IDENTIFIER_COLUMNS = frozenset({
    "rijksregisternummer", "rijksregisternr", "rrn", "insz", "bisnummer", "nationaal_nummer",
    "telefoon", "telefoonnummer", "gsm", "gsmnummer", "email", "e_mail", "emailadres", "e-mail",
    "voornaam", "familienaam", "achternaam", "naam", "straat", "huisnummer", "adres",
    "geboortedatum", "sample_id", "steekproefnummer", "steekproefnr",
})


@dataclass(frozen=True)
class Check:
    check: str  # which check (Dutch)
    ok: bool
    file: str  # the file concerned, relative to the folder ("" for the whole delivery)
    detail: str


@dataclass(frozen=True)
class VerifyReport:
    folder: Path
    checks: tuple[Check, ...]

    @property
    def passed(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def failures(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if not c.ok)

    @property
    def exit_code(self) -> int:
        return 0 if self.passed else 1

    @property
    def frame(self) -> pd.DataFrame:
        return pd.DataFrame([(c.check, "OK" if c.ok else "FOUT", c.file, c.detail) for c in self.checks],
                            columns=["controle", "resultaat", "bestand", "toelichting"])


def manifest_digest(manifest: dict) -> str:
    """sha256 of the manifest's content without its own digest (catches a changed manifest)."""
    body = {k: v for k, v in manifest.items() if k != "manifest_sha256"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def verify_delivery(folder: str | Path) -> VerifyReport:
    folder = Path(folder)
    if not folder.is_dir():
        raise SidError(ErrorCode.NOT_A_DELIVERY, "not a folder", file=folder,
                       fix="Give the folder of the delivery (with manifest.json).")
    if not (folder / MANIFEST).is_file():
        raise SidError(ErrorCode.NOT_A_DELIVERY, f"no {MANIFEST}: not a sid delivery folder", file=folder,
                       fix="Give the folder of the delivery (the one with manifest.json).")
    checks: list[Check] = []
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        outputs = {o["path"]: o for o in manifest["outputs"]}
    except (ValueError, KeyError, TypeError) as exc:
        return VerifyReport(folder, (Check("manifest", False, MANIFEST,
                                           f"onleesbaar of beschadigd ({type(exc).__name__})"),))
    if manifest.get("manifest_sha256") and manifest_digest(manifest) != manifest["manifest_sha256"]:
        checks.append(Check("manifest", False, MANIFEST, "inhoud gewijzigd (eigen controlesom klopt niet)"))
    else:
        checks.append(Check("manifest", True, MANIFEST, f"{len(outputs)} bestanden vermeld"))
    checks += _checksums(folder, outputs)
    present = {p.relative_to(folder).as_posix(): p for p in sorted(folder.rglob("*"))
               if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
               and p.name != MANIFEST}
    checks += _completeness(present, outputs)
    checks += _required(present, manifest)
    files = {name: present[name] for name in outputs if name in present}
    survey = str(manifest.get("survey", ""))
    sav = files.get(f"{survey}.sav") or next((p for n, p in files.items() if n.endswith(".sav")), None)
    if sav is None:
        checks.append(Check(".sav = codeboek", False, f"{survey}.sav", "geen .sav-bestand in de levering"))
    else:
        checks += _agreement(sav, files)
    checks += _identifier_columns(files, _forbidden_names(manifest))
    checks += _pii(files)
    return VerifyReport(folder, tuple(checks))


# --- checksums and completeness ----------------------------------------------------------------

def _checksums(folder: Path, outputs: dict) -> list[Check]:
    out, good = [], 0
    for name, entry in outputs.items():
        path = folder / name
        if not path.is_file():
            continue  # reported as missing
        if path.stat().st_size != entry.get("bytes") or sha256(path) != entry.get("sha256"):
            out.append(Check("controlesom", False, name, "sha256 verschilt van manifest.json: "
                             "het bestand is gewijzigd of beschadigd"))
        else:
            good += 1
    if not out:
        out.append(Check("controlesom", True, "", f"{good} bestanden ongewijzigd"))
    return out


def _completeness(present: dict, outputs: dict) -> list[Check]:
    out = [Check("volledig", False, name, "ontbreekt (staat in manifest.json)")
           for name in outputs if name not in present]
    out += [Check("volledig", False, name, "bestand staat niet in manifest.json")
            for name in present if name not in outputs]
    return out or [Check("volledig", True, "", "geen ontbrekende of extra bestanden")]


def _required(present: dict, manifest: dict) -> list[Check]:
    """Every file the delivery's definition requires, listed in the manifest or not."""
    try:
        config = tomllib.loads(manifest.get("config", ""))
    except (tomllib.TOMLDecodeError, TypeError):
        return [Check("definitie", False, MANIFEST, "de configuratie in manifest.json is onleesbaar")]
    missing = [name for name in required_files(str(manifest.get("survey", "")), config) if name not in present]
    return [Check("definitie", False, name, "ontbreekt: hoort bij elke levering") for name in missing] or [
        Check("definitie", True, "", "alle verplichte bestanden aanwezig")]


# --- the .sav against the codebook and the copies ----------------------------------------------

def _sav_dictionary(sav: Path) -> dict:
    _, meta = pyreadstat.read_sav(str(sav), metadataonly=True, user_missing=True)
    labels = dict(zip(meta.column_names, meta.column_labels))
    return {
        "names": list(meta.column_names),
        "rows": meta.number_rows,
        "labels": {n: labels.get(n) or "" for n in meta.column_names},
        "formats": dict(meta.original_variable_types),
        "value_labels": {n: {_code(k): t for k, t in meta.variable_value_labels.get(n, {}).items()}
                         for n in meta.column_names},
        "missing": {n: meta.missing_ranges.get(n, []) for n in meta.column_names},
        "string": {n for n, t in meta.original_variable_types.items() if t.startswith("A")},
    }


def _code(value) -> str:
    """A code as text: numbers in one form (1, 1.0 and '1' alike); text codes ('MA') as they are."""
    try:
        return f"{float(value):g}"
    except (TypeError, ValueError):
        return str(value)


def _in_missing(code: str, ranges: list) -> bool:
    try:
        x = float(code)
    except ValueError:  # a text code is never in a numeric missing range
        return False
    return any(float(r["lo"]) <= x <= float(r["hi"]) for r in ranges)


def _agreement(sav: Path, files: dict[str, Path]) -> list[Check]:
    try:
        sav_dict = _sav_dictionary(sav)
    except Exception as exc:  # pyreadstat's own errors for a damaged file
        return [Check(".sav = codeboek", False, sav.name, f".sav onleesbaar ({type(exc).__name__})")]
    out = []
    readers = {".xlsx": _codebook_from_xlsx, ".html": _codebook_from_html, ".xml": _codebook_from_ddi}
    found = False
    for name, path in files.items():
        reader = readers.get(path.suffix.lower())
        if reader is None or not (name.startswith("codebook") or name.endswith("_ddi.xml")):
            continue
        found = True
        try:
            book = reader(path)
        except Exception as exc:
            out.append(Check(".sav = codeboek", False, name, f"onleesbaar ({type(exc).__name__})"))
            continue
        problems = _compare(sav_dict, book)
        out.append(Check(".sav = codeboek", not problems, name,
                         "; ".join(problems[:3]) + (f" (en {len(problems) - 3} meer)" if len(problems) > 3 else "")
                         if problems else f"{len(sav_dict['names'])} variabelen, labels en codes gelijk"))
    if not found:
        out.append(Check(".sav = codeboek", False, "", "geen codeboek (codebook.xlsx/.html) in de levering"))
    for name, path in files.items():
        if path.suffix.lower() in (".csv", ".parquet") and path.stem == sav.stem:
            try:
                columns = (list(pd.read_csv(path, nrows=0).columns) if path.suffix.lower() == ".csv"
                           else _parquet_columns(path))
            except Exception as exc:
                out.append(Check(".sav = kopie", False, name, f"onleesbaar ({type(exc).__name__})"))
                continue
            same = columns == sav_dict["names"]
            out.append(Check(".sav = kopie", same, name, "zelfde variabelen als het .sav" if same
                             else "andere variabelen dan het .sav"))
    return out


def _parquet_columns(path: Path) -> list[str]:
    return list(pq.read_schema(path).names)


def _compare(sav: dict, book: dict) -> list[str]:
    problems = []
    if book["names"] != sav["names"]:
        extra = [n for n in book["names"] if n not in sav["names"]][:3]
        lacking = [n for n in sav["names"] if n not in book["names"]][:3]
        problems.append(f"andere variabelen (codeboek extra: {extra}, ontbrekend: {lacking})"
                        if extra or lacking else "andere volgorde van de variabelen")
        return problems
    if book.get("rows") is not None and int(book["rows"]) != sav["rows"]:
        problems.append(f"{book['rows']} respondenten in het codeboek, {sav['rows']} in het .sav")
    for name in sav["names"]:
        if book["labels"].get(name, "") != sav["labels"][name]:
            problems.append(f"{name}: ander label")
        if "formats" in book and book["formats"].get(name) != sav["formats"].get(name):
            problems.append(f"{name}: ander formaat")
        got = book["value_labels"].get(name, {})
        if got != sav["value_labels"][name]:
            problems.append(f"{name}: andere codes of waardelabels")
        if "missing" in book:
            flagged = book["missing"].get(name, set())
            wanted = {c for c in sav["value_labels"][name] if _in_missing(c, sav["missing"][name])}
            if flagged != wanted:
                problems.append(f"{name}: andere ontbrekende codes")
    return problems


@lru_cache(maxsize=8)
def _xlsx_rows(path: Path, stamp: tuple) -> dict[str, list[tuple]]:
    """Every sheet's rows, read once per verify (`stamp`: size and mtime, so a changed file is read again)."""
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}
    finally:
        wb.close()


def _stamp(path: Path) -> tuple:
    st = path.stat()
    return (st.st_size, st.st_mtime_ns)


def _sheet_frame(rows: list[tuple]) -> pd.DataFrame:
    """Text frame of a codebook sheet, without the ' that Excel-safe writing put before formula-like text."""
    header = [str(h) for h in rows[0]]
    frame = pd.DataFrame([["" if v is None else str(v) for v in r] for r in rows[1:]], columns=header)
    return frame.apply(lambda s: s.str.replace(r"^'(?=[=+\-@\t\r])", "", regex=True))


def _codebook_from_xlsx(path: Path) -> dict:
    sheets = _xlsx_rows(path, _stamp(path))
    variables, values = _sheet_frame(sheets["variabelen"]), _sheet_frame(sheets["waarden"])
    labelled = values[values["label"] != ""]
    value_labels, missing = {}, {}
    for name, group in labelled.groupby("variabele", sort=False):
        value_labels[name] = dict(zip(group["code"].map(_code), group["label"]))
        missing[name] = set(group.loc[group["ontbrekend"] == "ja", "code"].map(_code))
    return {"names": list(variables["variabele"]), "labels": dict(zip(variables["variabele"], variables["label"])),
            "formats": dict(zip(variables["variabele"], variables["formaat"])),
            "value_labels": value_labels, "missing": missing}


class _CodebookHTML(HTMLParser):
    """Reads the overview table and the value tables of codebook.html."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []  # every text node (for the PII check)
        self.overview: list[list[str]] = []
        self.values: dict[str, list[list[str]]] = {}
        self._table = None  # "overzicht" | "waarden" | None
        self._section = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._in_body = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section" and "data-variabele" in attrs:
            self._section = attrs["data-variabele"]
        elif tag == "table":
            self._table = "overzicht" if attrs.get("id") == "overzicht" else (
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
            if self._table == "overzicht":
                self.overview.append(self._row)
            elif self._table == "waarden" and self._section:
                self.values.setdefault(self._section, []).append(self._row)
            self._row = None
        elif tag == "tbody":
            self._in_body = False
        elif tag == "table":
            self._table = None
        elif tag == "section":
            self._section = None

    def handle_data(self, data):
        if data.strip():
            self.texts.append(data)
        if self._cell is not None:
            self._cell.append(data)


@lru_cache(maxsize=4)
def _parse_html(path: Path, stamp: tuple) -> _CodebookHTML:
    parser = _CodebookHTML()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    parser.close()
    return parser


def _codebook_from_html(path: Path) -> dict:
    parser = _parse_html(path, _stamp(path))
    names = [row[1] for row in parser.overview]
    value_labels, missing = {}, {}
    for name, rows in parser.values.items():
        labelled = [r for r in rows if r[1] != ""]
        value_labels[name] = {_code(r[0]): r[1] for r in labelled}
        missing[name] = {_code(r[0]) for r in labelled if r[-3] == "ja"}
    return {"names": names, "labels": {row[1]: row[2] for row in parser.overview},
            "formats": {row[1]: row[4] for row in parser.overview},
            "value_labels": value_labels, "missing": missing}


@lru_cache(maxsize=4)
def _parse_xml(path: Path, stamp: tuple) -> ET.Element:
    return ET.parse(path).getroot()


def _codebook_from_ddi(path: Path) -> dict:
    ns = {"d": NS}
    root = _parse_xml(path, _stamp(path))
    names, labels, value_labels, missing, formats = [], {}, {}, {}, {}
    for var in root.iterfind("d:dataDscr/d:var", ns):
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
                value_labels.setdefault(name, {})[_code(code)] = label
                if cat.get("missing") == "Y":
                    missing.setdefault(name, set()).add(_code(code))
    rows = root.findtext("d:fileDscr/d:fileTxt/d:dimensns/d:caseQnty", namespaces=ns)
    return {"names": names, "labels": labels, "formats": formats, "value_labels": value_labels,
            "missing": missing, "rows": rows}


# --- identifiers and personal data -------------------------------------------------------------

def _forbidden_names(manifest: dict) -> set[str]:
    names = set(IDENTIFIER_COLUMNS)
    try:
        config = tomllib.loads(manifest.get("config", ""))
    except (tomllib.TOMLDecodeError, TypeError):
        return names
    names |= {str(i).lower() for i in config.get("sample", {}).get("identifiers", [])}
    key = config.get("survey", {}).get("key")  # the sample key: the delivery has the pseudonym
    rid = config.get("privacy", {}).get("respondent_id", "respondent_id")
    if key and key != rid:
        names.add(str(key).lower())
    return names


def _columns_of(path: Path) -> list[str]:
    suffix = path.suffix.lower()
    if suffix == ".sav":
        _, meta = pyreadstat.read_sav(str(path), metadataonly=True)
        return list(meta.column_names)
    if suffix == ".parquet":
        return _parquet_columns(path)
    if suffix == ".csv":
        return list(pd.read_csv(path, nrows=0, encoding="utf-8-sig").columns)
    return []


def _identifier_columns(files: dict[str, Path], forbidden: set[str]) -> list[Check]:
    out = []
    for name, path in files.items():
        try:
            columns = _columns_of(path)
        except Exception:
            continue  # unreadable files are reported by the other checks
        hits = sorted({c for c in columns if str(c).lower().removeprefix(SAMPLE_PREFIX) in forbidden
                       or str(c).lower() in forbidden})
        if hits:
            out.append(Check("geen identificatie", False, name, "identificerende kolom(men): " + ", ".join(hits)))
    return out or [Check("geen identificatie", True, "", "geen identificerende kolommen")]


def file_texts(path: Path) -> list[str]:
    """The text a person could read in a delivered file: string cells and labels, text nodes."""
    suffix = path.suffix.lower()
    if suffix == ".sav":
        _, meta = pyreadstat.read_sav(str(path), metadataonly=True)
        strings = [n for n, t in meta.original_variable_types.items() if t.startswith("A")]
        texts = [meta.file_label or "", *[l or "" for l in meta.column_labels], *meta.notes]
        texts += [t for labels in meta.variable_value_labels.values() for t in labels.values()]
        if strings:
            data, _ = pyreadstat.read_sav(str(path), usecols=strings)
            texts += _distinct(data)
        return texts
    if suffix == ".parquet":
        data = pd.read_parquet(path)
        return _distinct(data.select_dtypes(include=["object", "string"]))
    if suffix == ".csv":
        data = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        return list(map(str, data.columns)) + _distinct(data)
    if suffix == ".xlsx":
        sheets = _xlsx_rows(path, _stamp(path))
        return sorted({v for rows in sheets.values() for row in rows for v in row if isinstance(v, str)})
    if suffix in (".html", ".htm"):
        return _parse_html(path, _stamp(path)).texts
    if suffix == ".xml":
        root = _parse_xml(path, _stamp(path))
        return [t for t in root.itertext() if t.strip()]
    if suffix == ".json":
        return list(_json_strings(json.loads(path.read_text(encoding="utf-8"))))
    return path.read_text(encoding="utf-8", errors="replace").splitlines()


def _distinct(frame: pd.DataFrame) -> list[str]:
    out: list[str] = []
    for col in frame.columns:
        values = frame[col].dropna().astype(str)
        out += [v for v in pd.unique(values) if v]
    return out


def _json_strings(value):
    if isinstance(value, str):
        for line in value.splitlines():
            yield line
    elif isinstance(value, dict):
        for v in value.values():
            yield from _json_strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _json_strings(v)


def _pii(files: dict[str, Path]) -> list[Check]:
    out = []
    for name, path in files.items():
        try:
            found = find_pii(file_texts(path))
        except Exception as exc:
            out.append(Check("geen persoonsgegevens", False, name, f"niet te lezen ({type(exc).__name__})"))
            continue
        if found:
            kinds = ", ".join(f"{tag} {n}x" for tag, n in sorted(found.items()))
            out.append(Check("geen persoonsgegevens", False, name, f"persoonsgegevens gevonden: {kinds}"))
    return out or [Check("geen persoonsgegevens", True, "", f"{len(files)} bestanden doorzocht")]
