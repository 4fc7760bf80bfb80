"""`sid verify DIR`: what ABB runs on receipt, from the delivery folder alone (no project needed).

Checks: manifest.json is intact; every file's size and sha256 match it; no file is missing or
added; the .sav agrees with the codebook (XLSX, HTML, DDI) and the CSV/Parquet copies; no
identifier column; no personal data (the scrub's own detectors) in the text of any file.
Findings name the file and the kind of problem, never a personal value."""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pyreadstat

from pipeline.delivery.codebook_read import (
    code_text,
    codebook_files,
    codebook_from_ddi,
    codebook_from_html,
    codebook_from_xlsx,
    file_stamp,
    parse_html,
    parse_xml,
    xlsx_rows,
)
from pipeline.delivery.definition import required_files
from pipeline.delivery.manifest import manifest_digest
from pipeline.delivery.rosters import Link, link_problems
from pipeline.errors import ErrorCode, SidError
from pipeline.files import sha256
from pipeline.ingest.ingest import SAMPLE_PREFIX
from pipeline.pii import find_pii, number_tags

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
    warning: bool = False  # reported, does not fail the delivery (ids delivered as they are, with a reason)


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
        return pd.DataFrame([(c.check, "FOUT" if not c.ok else "WAARSCHUWING" if c.warning else "OK", c.file, c.detail)
                             for c in self.checks],
                            columns=["controle", "resultaat", "bestand", "toelichting"])


def verify_delivery(folder: str | Path, allow_demo: bool = False) -> VerifyReport:
    """Every check of the delivery in `folder`; a DEMO delivery fails unless `allow_demo`."""
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
        checks += _rosters(folder, sav, files)
    checks += _privacy(manifest, allow_demo)
    own_ids = _own_ids(manifest)
    checks += _identifier_columns(files, _forbidden_names(manifest) - own_ids)
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
        "value_labels": {n: {code_text(k): t for k, t in meta.variable_value_labels.get(n, {}).items()}
                         for n in meta.column_names},
        "missing": {n: meta.missing_ranges.get(n, []) for n in meta.column_names},
        "string": {n for n, t in meta.original_variable_types.items() if t.startswith("A")},
    }


def _in_missing(code: str, ranges: list) -> bool:
    try:
        x = float(code)
    except ValueError:  # a text code is never in a numeric missing range
        return False
    return any(float(r["lo"]) <= x <= float(r["hi"]) for r in ranges)


def _rosters(folder: Path, sav: Path, files: dict[str, Path]) -> list[Check]:
    """Each roster file (the codebook's `bestanden` sheet names them and their keys): the same
    checks against the codebooks and copies as the main file, then its links to the main file."""
    book = files.get("codebook.xlsx")
    others = sorted(n for n, p in files.items() if p.suffix.lower() == ".sav" and p != sav)
    try:
        table = codebook_files(book) if book is not None else pd.DataFrame()
    except Exception as exc:
        return [Check("koppeling", False, "codebook.xlsx", f"blad bestanden onleesbaar ({type(exc).__name__})")]
    described = list(table["bestand"].iloc[1:]) if len(table) else []
    out = [Check("koppeling", False, name, "rosterbestand niet beschreven in codebook.xlsx (blad bestanden)")
           for name in others if name not in described]
    for row in table.iloc[1:].to_dict("records") if len(table) else ():
        name = row["bestand"]
        if name not in files:
            out.append(Check("koppeling", False, name, "ontbreekt (staat in codebook.xlsx, blad bestanden)"))
            continue
        out += _agreement(files[name], files, part=name)
        link = Link(name, tuple(row["sleutels"].split()), row["gekoppeld_aan"], row["aantal_variabele"])
        problems = link_problems(folder, sav.name, link)
        out.append(Check("koppeling", not problems, name, "; ".join(problems) if problems else
                         f"elke rij heeft een ouder, {link.count} klopt, volgnummers 1..n"))
    return out


def _agreement(sav: Path, files: dict[str, Path], part: str = "") -> list[Check]:
    """The .sav against every codebook and its CSV/Parquet copies; `part` names a roster file
    (its part of the codebooks), "" the main file."""
    try:
        sav_dict = _sav_dictionary(sav)
    except Exception as exc:  # pyreadstat's own errors for a damaged file
        return [Check(".sav = codeboek", False, sav.name, f".sav onleesbaar ({type(exc).__name__})")]
    out = []
    readers = {".xlsx": codebook_from_xlsx, ".html": codebook_from_html, ".xml": codebook_from_ddi}
    found = False
    for name, path in files.items():
        reader = readers.get(path.suffix.lower())
        if reader is None or not (name.startswith("codebook") or name.endswith("_ddi.xml")):
            continue
        found = True
        try:
            book = reader(path, part)
        except Exception as exc:
            out.append(Check(".sav = codeboek", False, name, f"onleesbaar ({type(exc).__name__})"))
            continue
        # codebook_<lang>: another label language of the same file (its labels are in <survey>_labels_<lang>.sps)
        problems = _compare(sav_dict, book, labels=not re.match(r"codebook_[a-z]{2,3}\.", name))
        out.append(Check(".sav = codeboek", not problems, name, (f"{part}: " if part else "") +
                         "; ".join(problems[:3]) + (f" (en {len(problems) - 3} meer)" if len(problems) > 3 else "")
                         if problems else (f"{part}: " if part else "")
                         + f"{len(sav_dict['names'])} variabelen, labels en codes gelijk"))
    if not found:
        out.append(Check(".sav = codeboek", False, part, "geen codeboek (codebook.xlsx/.html) in de levering"))
    for name, path in files.items():
        if path.suffix.lower() in (".csv", ".parquet") and path.stem == sav.stem:
            try:
                columns = (list(pd.read_csv(path, nrows=0).columns) if path.suffix.lower() == ".csv"
                           else _parquet_columns(path))
            except Exception as exc:
                out.append(Check(".sav = kopie", False, name, f"onleesbaar ({type(exc).__name__})"))
                continue
            if path.suffix.lower() == ".parquet":  # companion `<name>_code` columns hold the missing codes
                names = set(sav_dict["names"])
                columns = [c for c in columns if not (c.endswith("_code") and c not in names
                                                      and c.removesuffix("_code") in names)]
            same = columns == sav_dict["names"]
            out.append(Check(".sav = kopie", same, name, "zelfde variabelen als het .sav" if same
                             else "andere variabelen dan het .sav"))
    return out


def _parquet_columns(path: Path) -> list[str]:
    return list(pq.read_schema(path).names)


def _compare(sav: dict, book: dict, labels: bool = True) -> list[str]:
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
        if labels and book["labels"].get(name, "") != sav["labels"][name]:
            problems.append(f"{name}: ander label")
        if "formats" in book and book["formats"].get(name) != sav["formats"].get(name):
            problems.append(f"{name}: ander formaat")
        got = book["value_labels"].get(name, {})
        if (got if labels else set(got)) != (sav["value_labels"][name] if labels else set(sav["value_labels"][name])):
            problems.append(f"{name}: andere codes of waardelabels")
        if "missing" in book:
            flagged = book["missing"].get(name, set())
            wanted = {c for c in sav["value_labels"][name] if _in_missing(c, sav["missing"][name])}
            if flagged != wanted:
                problems.append(f"{name}: andere ontbrekende codes")
    return problems


# --- identifiers and personal data -------------------------------------------------------------

def _privacy(manifest: dict, allow_demo: bool) -> list[Check]:
    """What the manifest says the run did with ids: a demo delivery fails unless allowed; ids
    delivered without pseudonyms (`pseudonymise = false`, with a reason) are a warning."""
    privacy = manifest.get("privacy")
    if not isinstance(privacy, dict):
        return [Check("pseudoniemen", False, MANIFEST, "manifest.json zegt niet hoe respondenten benoemd worden")]
    out = []
    if privacy.get("demo") or privacy.get("sleutel") == "DEMO-sleutel (publiek)":
        what = "DEMO-levering" + (" met de publieke DEMO-sleutel (pseudoniemen omkeerbaar)"
                                  if privacy.get("sleutel") == "DEMO-sleutel (publiek)" else "")
        out.append(Check("geen demo", allow_demo, MANIFEST, what + (": toegestaan met --allow-demo" if allow_demo
                                                                    else ": geen echte levering")))
    if privacy.get("gepseudonimiseerd") is False:
        out.append(Check("pseudoniemen", True, MANIFEST, f"{privacy.get('respondent_id')}: niet gepseudonimiseerd: "
                         f"{privacy.get('reden')}", warning=True))
    else:
        out.append(Check("pseudoniemen", True, MANIFEST, f"{privacy.get('respondent_id')}: pseudoniemen"))
    return out


def _own_ids(manifest: dict) -> set[str]:
    """The id column of a delivery that says it is not pseudonymised: warned about, not failed."""
    privacy = manifest.get("privacy")
    if isinstance(privacy, dict) and privacy.get("gepseudonimiseerd") is False:
        return {str(privacy.get("respondent_id", "")).lower()}
    return set()


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
        sheets = xlsx_rows(path, file_stamp(path))
        return sorted({v for rows in sheets.values() for row in rows for v in row if isinstance(v, str)})
    if suffix in (".html", ".htm"):
        return parse_html(path, file_stamp(path)).texts
    if suffix == ".xml":
        root = parse_xml(path, file_stamp(path))
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


def identifier_numbers(path: Path) -> dict[str, int]:
    """In the data of a .sav: how many distinct numbers are identifiers (a phone or register number
    typed into a numeric question), by tag; the cleaning's personal_data step makes them -4."""
    if path.suffix.lower() != ".sav":
        return {}
    _, meta = pyreadstat.read_sav(str(path), metadataonly=True)
    numeric = [n for n, t in meta.original_variable_types.items() if t.startswith("F")]  # not dates
    if not numeric:
        return {}
    data, _ = pyreadstat.read_sav(str(path), usecols=numeric)
    distinct = pd.Series(pd.unique(data.to_numpy().ravel()))
    return number_tags(distinct).value_counts().to_dict()


def _pii(files: dict[str, Path]) -> list[Check]:
    out = []
    for name, path in files.items():
        try:
            found = find_pii(file_texts(path))
            for tag, n in identifier_numbers(path).items():
                found[tag] = found.get(tag, 0) + n
        except Exception as exc:
            out.append(Check("geen persoonsgegevens", False, name, f"niet te lezen ({type(exc).__name__})"))
            continue
        if found:
            kinds = ", ".join(f"{tag} {n}x" for tag, n in sorted(found.items()))
            out.append(Check("geen persoonsgegevens", False, name, f"persoonsgegevens gevonden: {kinds}"))
    return out or [Check("geen persoonsgegevens", True, "", f"{len(files)} bestanden doorzocht")]
