"""The interview exports as the fieldwork systems write them — web (KoboToolbox CSV), face to
face (tablet SPSS .sav), paper (keyed-in Excel) — and the writing of all seven demo files
(write_fieldwork), byte-identical for the same data."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from csv import QUOTE_ALL
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

import numpy as np
import pandas as pd
import pyreadstat
from openpyxl import Workbook

from pipeline.delivery.spss import MAX_VALUE_LABEL_BYTES, MAX_VARIABLE_LABEL_BYTES, clip_bytes, unique_spss_names
from pipeline.demo.form import TODAY, num_text
from pipeline.demo.state import SOURCES, Build
from pipeline.files import atomic_path
from pipeline.survey.parts import is_rank_part
from pipeline.survey.questionnaire import Questionnaire

FILES = MappingProxyType({
    "sample": "steekproef.csv", "contacts": "contactpogingen.csv", "web": "web_kobo.csv",
    "capi": "capi_tablet.sav", "papi": "papi_ingevoerd.xlsx", "truth": "demo_truth.csv",
    "summary": "demo_truth_summary.csv",
})
_ZIP_TIME = (2026, 7, 1, 9, 0, 0)


@dataclass(frozen=True, eq=False)
class CapiMeta:
    """What the .sav declares besides the data: labels, value labels, measures, formats and the
    user-missing values (the SID missing codes, -9 to -1, as one range: as the tablets declare them)."""

    column_labels: Mapping[str, str]
    value_labels: Mapping[str, Mapping[float, str]]
    measures: Mapping[str, str]
    formats: Mapping[str, str]
    renamed: Mapping[str, str] = field(default_factory=dict)  # SPSS name → form name (the form's is no SPSS name)
    missing: Mapping[str, tuple] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True, eq=False)
class Fieldwork:
    """The demo fieldwork: each frame exactly as its file holds it (see pipeline.demo.generator).

    ``records`` has every interview record in the form's internal representation (as
    ``demo_responses`` gives it, defects included) with ``_source`` (web/capi/papi) and ``_row``
    (1-based row in that source's file): the answers behind the three exports.
    """

    sample: pd.DataFrame
    contacts: pd.DataFrame
    web: pd.DataFrame
    capi: pd.DataFrame
    papi: pd.DataFrame
    truth: pd.DataFrame
    summary: pd.DataFrame
    records: pd.DataFrame
    capi_meta: CapiMeta
    key: str = "sample_id"
    seed: int = 2026
    rosters: Mapping[str, pd.DataFrame] = field(default_factory=dict)   # file name → a roster's web file
    members: pd.DataFrame | None = None   # the roster's rows (pipeline.demo.roster.make_roster), or None


def _uuids(rng: np.random.Generator, n: int) -> np.ndarray:
    """Random version-4 UUIDs as text, from the seeded generator."""
    raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    hexd = np.frombuffer(b"0123456789abcdef", dtype="S1")
    nibbles = np.empty((n, 32), dtype="S1")
    nibbles[:, 0::2] = hexd[raw >> 4]
    nibbles[:, 1::2] = hexd[raw & 15]
    out = np.full((n, 36), b"-", dtype="S1")
    for lo, hi, at in ((0, 8, 0), (8, 12, 9), (12, 16, 14), (16, 20, 19), (20, 32, 24)):
        out[:, at:at + hi - lo] = nibbles[:, lo:hi]
    return np.ascontiguousarray(out).view("S36").ravel().astype(str)


def _text(series: pd.Series) -> np.ndarray:
    """Text values as an object array; missing → ''."""
    s = series.astype(object)
    return np.where(pd.isna(s).to_numpy(), "", s.to_numpy()).astype(object)


def _brussels_iso(series: pd.Series) -> np.ndarray:
    """Naive Brussels local datetimes → ``2026-03-02T10:00:00.000+01:00``; NaT → ''."""
    local = pd.to_datetime(series).dt.tz_localize("Europe/Brussels", nonexistent="shift_forward", ambiguous=True)
    wall = local.dt.tz_localize(None)
    hours = ((wall - local.dt.tz_convert("UTC").dt.tz_localize(None)) / pd.Timedelta(hours=1)).to_numpy()
    text = np.datetime_as_string(wall.to_numpy("datetime64[s]"), unit="s").astype(object)
    sign = np.where(hours < 0, "-", "+")
    offset = np.char.mod("%02d:00", np.abs(np.nan_to_num(hours)).astype(int)).astype(object)
    out = text + ".000" + sign.astype(object) + offset
    out[np.isnan(hours)] = ""
    return out


def _to_utc(series: pd.Series) -> pd.Series:
    s = pd.to_datetime(series)
    return s.dt.tz_localize("Europe/Brussels", nonexistent="shift_forward", ambiguous=True) \
        .dt.tz_convert("UTC").dt.tz_localize(None)


def _tokens_contain(values: pd.Series, option: str) -> np.ndarray:
    padded = " " + values.fillna("").astype(str) + " "
    return padded.str.contains(f" {option} ", regex=False).to_numpy(bool)


def _sanitise_option(name: str) -> str:
    return re.sub(r"[^0-9A-Za-z_]", "_", name.replace("-", "m"))


def number_rows(b: Build) -> None:
    """Give every record its submission time, uuid and row in its source's file (web by
    submission, capi by start, papi by key), and sort the records by source and row."""
    R, r = b.R, b.rng_export
    n = len(R)
    end = R[b.form.end.name] if b.form.end is not None else pd.Series(pd.NaT, index=R.index)
    finished = pd.to_datetime(R["_start"]) + pd.to_timedelta(np.round(R["_minutes"].fillna(30) * 60), unit="s")
    finished = pd.to_datetime(end).fillna(finished)
    submitted = _to_utc(finished) + pd.to_timedelta(r.integers(2, 300, size=n), unit="s")
    copies = R["_copy_of"].to_numpy() >= 0
    if copies.any():
        original = pd.Series(submitted.to_numpy(), index=R["_rec"].to_numpy())
        later = original.reindex(R.loc[copies, "_copy_of"].to_numpy()).to_numpy()
        delay = pd.to_timedelta(r.integers(120, 3 * 86400, size=int(copies.sum())), unit="s")
        submitted[copies] = later + delay.to_numpy()
    R = R.copy()
    R["_submitted"] = submitted.dt.floor("s").to_numpy()
    R["_uuid"] = _uuids(r, n)
    R["_row"] = 0
    for source, sort in (("web", ["_submitted", "_rec"]), ("capi", ["_start", "_rec"]), ("papi", [b.key, "_rec"])):
        sel = R.index[R["_source"] == source]
        ordered = R.loc[sel].sort_values(sort, kind="stable").index
        R.loc[ordered, "_row"] = np.arange(1, len(ordered) + 1)
    order = np.lexsort((R["_row"].to_numpy(), pd.Categorical(R["_source"], categories=SOURCES).codes))
    b.R = R.iloc[order].reset_index(drop=True)


def render_web(b: Build) -> pd.DataFrame:
    """web_kobo.csv: the web records as KoboToolbox exports them with the export dialog's defaults
    (XML values and headers, group names not included, select_multiple as its column and 0/1
    option columns, then Kobo's metadata columns; formpack's `schema/fields.py`)."""
    f, R = b.form, b.R[b.R["_source"] == "web"].reset_index(drop=True)
    cols: dict[str, np.ndarray] = {}
    for v in f.q:
        path = v.name
        s = R[v.name]
        if is_rank_part(v):  # a rank: the ordered choices in one column, 'b a c', as ODK stores it
            if v.part_of[1] == 0:
                ranked = [R[f"{v.part_of[0]}_{i + 1}"] for i in range(len(v.choices.names))]
                texts = [num_text(pd.to_numeric(p_, errors="coerce")) if v.kind == "numeric" else _text(p_)
                         for p_ in ranked]
                joined = texts[0]
                for text in texts[1:]:
                    joined = np.where(text != "", joined + " " + text, joined)
                cols[v.part_of[0]] = pd.Series(joined, dtype=object).str.strip().to_numpy()
            continue
        if v.type in ("start", "end", "datetime"):
            cols[path] = _brussels_iso(s)
        elif v.type in ("date", "today"):
            cols[path] = _text(pd.to_datetime(s).dt.strftime("%Y-%m-%d"))
        elif v.kind == "multi":
            cols[path] = _text(s)
            answered = s.notna().to_numpy()
            for option in v.choices.names:
                flag = np.where(_tokens_contain(s, option), "1", "0").astype(object)
                flag[~answered] = ""
                cols[f"{path}/{option}"] = flag
        elif v.kind == "numeric":
            cols[path] = num_text(pd.to_numeric(s, errors="coerce"))
        else:
            cols[path] = _text(s)
    n = len(R)
    if b.key not in f.vars:  # a key that is no question of the form: the export carries it anyway
        cols = {b.key: _text(R[b.key]), **cols}
    uuid = R["_uuid"].to_numpy().astype(object)
    base = 480_000_000 + int(b.rng_export.integers(0, 1_000_000))
    cols["_id"] = (base + np.cumsum(b.rng_export.integers(1, 40, size=n))).astype(str).astype(object)
    cols["_uuid"] = uuid
    cols["_submission_time"] = _text(pd.to_datetime(R["_submitted"]).dt.strftime("%Y-%m-%dT%H:%M:%S"))
    cols["_validation_status"] = np.full(n, "", dtype=object)
    cols["_notes"] = np.full(n, "", dtype=object)
    cols["_status"] = np.full(n, "submitted_via_web", dtype=object)
    cols["_submitted_by"] = np.full(n, "", dtype=object)
    cols["__version__"] = np.full(n, "vSiD2026aLq7KxPb3Tm", dtype=object)
    cols["_tags"] = np.full(n, "", dtype=object)
    cols["_index"] = np.arange(1, n + 1).astype(str).astype(object)
    return pd.DataFrame(cols)


def render_capi(b: Build) -> tuple[pd.DataFrame, CapiMeta]:
    """capi_tablet.sav: the face-to-face records and their SPSS metadata, as the tablets export them."""
    f, R = b.form, b.R[b.R["_source"] == "capi"].reset_index(drop=True)
    lang = _dutch(b.q)
    cols, labels, values, measures, formats, missing = {}, {}, {}, {}, {}, {}
    for v in f.q:
        s = R[v.name]
        label = clip_bytes(v.label(lang) or v.name, MAX_VARIABLE_LABEL_BYTES)
        if v.kind == "multi":
            answered = s.notna().to_numpy()
            for option in v.choices.choices:
                name = f"{v.name}_{_sanitise_option(option.name)}"
                flag = _tokens_contain(s, option.name).astype(float)
                flag[~answered] = np.nan
                cols[name] = flag
                labels[name] = clip_bytes(f"{v.label(lang)}: {option.label(lang)}", MAX_VARIABLE_LABEL_BYTES)
                measures[name], formats[name] = "nominal", "F1.0"
            continue
        labels[v.name] = label
        if v.kind == "datetime":
            cols[v.name] = pd.to_datetime(s).astype("datetime64[ns]")
            measures[v.name] = "scale"
            formats[v.name] = "DATETIME20" if v.type in ("start", "end", "datetime") else "DATE11"
        elif v.kind == "numeric":
            cols[v.name] = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float)
            measures[v.name] = v.measure if v.type == "select_one" else "scale"
            if v.type == "select_one" and v.choices is not None:
                values[v.name] = {float(c.name): clip_bytes(c.label(lang), MAX_VALUE_LABEL_BYTES)
                                  for c in v.choices.choices}
                measures[v.name] = v.measure
            codes = b.q.missing.values
            missing[v.name] = ({"lo": float(min(codes)), "hi": float(max(codes))},)
            whole = np.nan_to_num(cols[v.name]) == np.trunc(np.nan_to_num(cols[v.name]))
            formats[v.name] = "F8.0" if whole.all() and v.type != "decimal" else "F8.2"
        else:
            cols[v.name] = _text(s)
            measures[v.name] = "nominal"
    if b.key not in f.vars:
        cols = {b.key: _text(R[b.key]), **cols}
        labels[b.key], measures[b.key] = b.key, "nominal"
    # A tablet writes valid SPSS names ('label-test' → label_test); sid.toml's rename maps them back.
    legal = dict(zip(cols, unique_spss_names(cols)))
    renamed = {new: old for old, new in legal.items() if new != old}
    cols = {legal[c]: v for c, v in cols.items()}
    labels, values, measures, formats, missing = ({legal[c]: v for c, v in d.items()}
                                                  for d in (labels, values, measures, formats, missing))
    frame = pd.DataFrame(cols)
    meta = CapiMeta(MappingProxyType(labels), MappingProxyType(values),
                    MappingProxyType(measures), MappingProxyType(formats), renamed=MappingProxyType(renamed),
                    missing=MappingProxyType(missing))
    return frame, meta


def render_papi(b: Build) -> pd.DataFrame:
    """papi_ingevoerd.xlsx: the paper questionnaires as keyed in (codes as printed on paper)."""
    f, R = b.form, b.R[b.R["_source"] == "papi"].reset_index(drop=True)
    cols: dict[str, np.ndarray] = {}
    for v in f.q:
        s = R[v.name]
        if v is f.end or v.type == "calculate":
            continue
        if v.name == b.key:
            cols["Steekproefnr"] = _text(s)
            continue
        if v is f.start:
            cols["Datum invulling"] = _text(pd.to_datetime(s).dt.strftime("%d/%m/%Y"))
            continue
        header = v.name.upper()
        if v.kind == "datetime":
            cols[header] = _text(pd.to_datetime(s).dt.strftime("%d/%m/%Y"))
        elif v.type in ("select_one", "select_multiple") and v.choices is not None:
            codes = {name: str(code) for name, code in v.choices.codes.items()}
            text = pd.Series(num_text(pd.to_numeric(s, errors="coerce")) if v.kind == "numeric"
                             else _text(s), dtype=object)
            if v.kind == "multi":
                uniq = pd.unique(text)
                mapped = {t: " ".join(codes.get(tok, tok) for tok in t.split()) for t in uniq}
                coded = text.map(mapped)
            else:
                coded = text.map(codes).fillna(text)
            out = coded.to_numpy().astype(object)
            single = pd.Series(out).str.fullmatch(r"-?\d+").fillna(False).to_numpy()
            out[single] = pd.Series(out[single]).astype(np.int64).to_numpy()
            out[out == ""] = None
            cols[header] = out
        elif v.kind == "numeric":
            x = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float)
            out = np.full(len(x), None, dtype=object)
            whole = ~np.isnan(x) & (x == np.trunc(x))
            out[whole] = x[whole].astype(np.int64)
            frac = ~np.isnan(x) & ~whole
            out[frac] = x[frac]
            cols[header] = out
        else:
            out = _text(s)
            out[out == ""] = None
            cols[header] = out
    if b.key not in f.vars:
        cols = {"Steekproefnr": _text(R[b.key]), **cols}
    return pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in cols.items()})


def _dutch(q: Questionnaire) -> str:
    """The form's Dutch label language, else its default one (the tablets' labels)."""
    try:
        return q.language("nl").column
    except Exception:
        return q.default_language


# ---------------------------------------------------------------------------------------------
# Writing the files
# ---------------------------------------------------------------------------------------------

def write_fieldwork(fieldwork: Fieldwork, raw_dir: Path) -> list[Path]:
    """Write the seven files into raw_dir, each atomically; return their paths."""
    raw_dir = Path(raw_dir)
    raw_dir.mkdir(parents=True, exist_ok=True)
    paths = []

    def csv(frame: pd.DataFrame, name: str, **options) -> None:
        target = raw_dir / name
        with atomic_path(target) as tmp:
            frame.to_csv(tmp, index=False, **options)
        paths.append(target)

    csv(fieldwork.sample, FILES["sample"], encoding="utf-8-sig", lineterminator="\n")
    csv(fieldwork.contacts, FILES["contacts"], encoding="cp1252", sep=";", lineterminator="\r\n")
    # As formpack's to_csv writes it and kpi serves it: `;`, every field quoted, CRLF, UTF-8 without BOM.
    csv(fieldwork.web, FILES["web"], encoding="utf-8", sep=";", quoting=QUOTE_ALL, lineterminator="\r\n")
    paths.append(_write_sav(fieldwork.capi, fieldwork.capi_meta, raw_dir / FILES["capi"]))
    paths.append(_write_xlsx(fieldwork.papi, raw_dir / FILES["papi"]))
    for name, frame in fieldwork.rosters.items():   # a repeat sheet of Kobo's XLSX export, as CSV
        csv(frame, name, encoding="utf-8", sep=";", quoting=QUOTE_ALL, lineterminator="\r\n")
    csv(fieldwork.truth, FILES["truth"], encoding="utf-8", lineterminator="\n")
    csv(fieldwork.summary, FILES["summary"], encoding="utf-8", lineterminator="\n")
    return paths


def _write_sav(frame: pd.DataFrame, meta: CapiMeta, target: Path) -> Path:
    with atomic_path(target) as tmp:
        pyreadstat.write_sav(
            frame, str(tmp), file_label="SID 2026 CAPI tablets",
            column_labels=dict(meta.column_labels),
            variable_value_labels={k: dict(v) for k, v in meta.value_labels.items()},
            variable_measure=dict(meta.measures), variable_format=dict(meta.formats),
            missing_ranges={k: list(v) for k, v in meta.missing.items()},
        )
        # the header's creation date and time (bytes 92-108): fixed, for identical files
        with open(tmp, "r+b") as fh:
            fh.seek(92)
            fh.write(TODAY.strftime("%d %b %y").encode("ascii") + b"09:00:00")
    return target


def _column_letters(n: int) -> list[str]:
    letters = []
    for i in range(1, n + 1):
        name = ""
        while i:
            i, rem = divmod(i - 1, 26)
            name = chr(65 + rem) + name
        letters.append(name)
    return letters


def _sheet_xml(frame: pd.DataFrame) -> bytes:
    """The worksheet part, built column-wise: numbers as numbers, text as inline strings,
    empty cells left out."""
    n = len(frame)
    rownum = pd.Series(np.arange(2, n + 2).astype(str), dtype=object)
    body = pd.Series("", index=range(n), dtype=object)

    def escape(text: pd.Series) -> pd.Series:
        return text.str.replace("&", "&amp;", regex=False).str.replace("<", "&lt;", regex=False) \
            .str.replace(">", "&gt;", regex=False)

    letters = _column_letters(len(frame.columns))
    header = "".join(f'<c r="{a}1" t="inlineStr"><is><t>{escape(pd.Series([str(h)])).iloc[0]}</t></is></c>'
                     for a, h in zip(letters, frame.columns))
    for letter, col in zip(letters, frame.columns):
        s = pd.Series(frame[col].to_numpy(dtype=object), dtype=object)
        present = s.notna() & (s != "")
        number = present & s.map(type).isin([int, float, np.int64, np.float64])
        text = s.where(present, "").astype(str)
        ref = '<c r="' + letter + rownum
        cell = np.where(number, ref + '"><v>' + text + "</v></c>",
                        ref + '" t="inlineStr"><is><t xml:space="preserve">' + escape(text) + "</t></is></c>")
        body = body + np.where(present, cell, "")
    rows = '<row r="' + rownum + '">' + body + "</row>"
    xml = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           f'<dimension ref="A1:{letters[-1] if letters else "A"}{n + 1}"/><sheetData>'
           f'<row r="1">{header}</row>' + "".join(rows.tolist()) + "</sheetData></worksheet>")
    return xml.encode("utf-8")


def _write_xlsx(frame: pd.DataFrame, target: Path) -> Path:
    """The keyed-in paper questionnaires as an Excel workbook: openpyxl makes the workbook,
    the sheet's cells are written column-wise (fast for many rows); fixed timestamps inside so
    that the same data give the same bytes."""
    wb = Workbook(write_only=True)
    wb.properties.creator = "invoer PAPI"
    wb.properties.created = dt.datetime(2026, 7, 1, 9, 0, 0)
    wb.create_sheet("invoer")
    buffer = io.BytesIO()
    wb.save(buffer)
    stamp = "2026-07-01T09:00:00Z"
    with atomic_path(target) as tmp:
        with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as src, \
                zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as out:
            for item in src.infolist():
                data = src.read(item.filename)
                if item.filename == "docProps/core.xml":
                    data = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)",
                                  lambda m: m.group(1) + stamp.encode() + m.group(3), data)
                if item.filename == "xl/worksheets/sheet1.xml":
                    data = _sheet_xml(frame)
                info = zipfile.ZipInfo(item.filename, date_time=_ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o600 << 16
                out.writestr(info, data)
    return target
