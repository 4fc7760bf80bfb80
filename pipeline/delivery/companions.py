"""The rest of the delivery beside the .sav: CSV and Parquet copies of the data, the codebook
(HTML, XLSX), the DDI-Codebook XML, the reconciliation summary and a README for ABB.

Everything is written into the (staged) delivery folder `project.cleaned` before the manifest."""

from __future__ import annotations

import json
import math
import textwrap
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from pipeline import workdir
from pipeline.delivery.codebook import (
    Codebook,
    LinkedFile,
    build_codebook,
    write_codebook_html,
    write_codebook_xlsx,
)
from pipeline.delivery.ddi import write_ddi
from pipeline.delivery.labels import LabelTexts, label_texts
from pipeline.delivery.rosters import join_syntax
from pipeline.delivery.spss import code_text
from pipeline.files import atomic_path, write_text_atomic
from pipeline.parallel.beside import Job
from pipeline.privacy import DeliveryPrivacy, scrub_table
from pipeline.rerun import digests
from pipeline.survey.project import Project
from pipeline.survey.questionnaire import Language, Questionnaire
from pipeline.tables import excel_safe, write_report

CODEBOOK_HTML = "codebook.html"
CODEBOOK_XLSX = "codebook.xlsx"
RECONCILIATION = "reconciliation_summary"
README = "README.txt"
RECONCILIATION_COLUMNS = ["bron", "status", "reden", "records"]


def ddi_name(project: Project) -> str:
    return f"{project.name}_ddi.xml"


@dataclass(frozen=True)
class DeliveryFiles:
    codebook: Codebook
    files: tuple[Path, ...]


def codebook_names(lang: str) -> tuple[str, str]:
    """The codebook's files in another label language: codebook_<lang>.html and .xlsx."""
    return f"codebook_{lang}.html", f"codebook_{lang}.xlsx"


def write_delivery(project: Project, questionnaire: Questionnaire, exported, language: Language,
                   privacy: DeliveryPrivacy, others: tuple = (), texts: LabelTexts | None = None,
                   rosters: tuple = (), copies: Job | None = None, coming: tuple[str, ...] = ()) -> DeliveryFiles:
    """`exported` is the ExportResult (with the dictionary and the frame the .sav holds); `others`
    the (language, dictionary, texts) of each other label language: a codebook each. `texts`: sid's
    own words in the delivery's first language (README, codebook headings). `rosters`: the roster
    files written (delivery/rosters.py RosterExport): copies of each, and a part of every codebook.
    `copies`: the main file's Parquet copy (`write_data_parquet`) being written beside this
    (parallel/beside.py): the CSV copy is written here last; None: both copies written here first.
    `coming`: the names (or their beginnings) of files another stage adds to this delivery after this
    (`sid run`'s validation summary, pipeline/run.py): the README names them, and the copies."""
    texts = texts or label_texts(language.code)
    folder = project.cleaned
    data, dictionary = exported.data, exported.dictionary

    # the counts and summaries of each data file, computed for the first language, kept for the others
    figures: dict[str, dict] = {name: {} for name in (project.sav_path.name, *(r.sav.name for r in rosters))}

    def linked(position: int | None, lang: Language, lang_texts: LabelTexts) -> tuple[LinkedFile, ...]:
        out = []
        for r in rosters:  # position: which of the other languages (None: the first)
            book_dictionary = r.dictionary if position is None else r.others[position][1]
            book = build_codebook(book_dictionary, r.questionnaire, r.data, language=lang, sav_name=r.sav.name,
                                  texts=lang_texts, figures=figures[r.sav.name])
            out.append(LinkedFile(book, r.keys, r.parent, r.count, r.roster.name))  # keys: id, instance numbers
        return tuple(out)

    # the copies first, unless a second process writes the Parquet copy beside this (their memory is given
    # back before the codebooks; in a thread they were ~15 % faster but peaked higher, docs/performance.md)
    if copies is None or not copies.running:
        main = (write_copies(data, dictionary, folder / project.name) if copies is None else
                [write_data_csv(data, folder / f"{project.name}.csv"), copies.result()])
    written = _write_roster_copies(rosters)
    codebook = build_codebook(dictionary, questionnaire, data, language=language,
                              sav_name=project.sav_path.name, texts=texts, figures=figures[project.sav_path.name])
    codebook = replace(codebook, linked=linked(None, language, texts))
    write_codebook_html(codebook, folder / CODEBOOK_HTML)
    write_codebook_xlsx(codebook, folder / CODEBOOK_XLSX)
    written_by_us = partial(digests.digest, folder=digests.cache_folder(project.work), owned=True)  # read once a run
    write_ddi(codebook, folder / ddi_name(project), study_id=project.name, sav_sha256=written_by_us(project.sav_path),
              digests={r.sav.name: written_by_us(r.sav) for r in rosters})
    written += [folder / CODEBOOK_HTML, folder / CODEBOOK_XLSX, folder / ddi_name(project)]
    for position, (other, other_dictionary, other_texts) in enumerate(others):
        book = build_codebook(other_dictionary, questionnaire, data, language=other,
                              sav_name=project.sav_path.name, texts=other_texts, figures=figures[project.sav_path.name])
        book = replace(book, linked=linked(position, other, other_texts))
        html, xlsx = codebook_names(other.code)
        write_codebook_html(book, folder / html)
        write_codebook_xlsx(book, folder / xlsx)
        written += [folder / html, folder / xlsx]
    written += write_reconciliation_summary(project)
    if copies is not None:  # the copies are written after the README (the CSV) or beside it (the Parquet): named
        coming = (*coming, f"{project.name}.csv", f"{project.name}.parquet")
    write_text_atomic(folder / README, readme_text(project, codebook, privacy, texts, rosters, coming))
    written.append(folder / README)
    if copies is not None and copies.running:  # the CSV copy while the helper finishes the Parquet copy
        main = [write_data_csv(data, folder / f"{project.name}.csv"), copies.result()]
    return DeliveryFiles(codebook, tuple(main + written))


def write_copies(data: pd.DataFrame, dictionary, stem: Path) -> list[Path]:
    """The CSV and Parquet copies of the main file (`stem`.csv, .parquet)."""
    return [write_data_csv(data, stem.with_name(stem.name + ".csv")),
            write_data_parquet(data, dictionary, stem.with_name(stem.name + ".parquet"))]


def _write_roster_copies(rosters: tuple) -> list[Path]:
    """The CSV and Parquet copies of each roster file; returns the files of the delivery in their order (a
    roster's .sav and .sps before its copies)."""
    written = []
    for r in rosters:
        written += [r.sav, r.sps, write_data_csv(r.data, r.sav.with_suffix(".csv")),
                    write_data_parquet(r.data, r.dictionary, r.sav.with_suffix(".parquet"))]
    return written


# The copies are written from the SPSS frame a part at a time, so that no second copy of the whole
# data is held beside it: the CSV this many cells of rows at a time, the Parquet table built from
# this many columns at a time.
_BATCH_CELLS = 2_000_000
_BATCH_COLUMNS = 50
_FEW_CODES = 16  # labelled codes found by one comparison each (more: by binary search)


def write_data_csv(data: pd.DataFrame, target: Path) -> Path:
    """UTF-8, comma, point decimals, header row; whole numbers without decimals; dates ISO 8601.
    Open answers that start like a formula (= + - @ tab CR) get a leading ' so Excel shows them as
    text (the .sav and the Parquet keep them unchanged). Written with Arrow (column-wise, fast), in
    batches of rows: the same file as one table written at once, without a copy of the whole data."""
    texts = [c for c in data.columns if not (pd.api.types.is_numeric_dtype(data[c])
                                             or pd.api.types.is_datetime64_any_dtype(data[c]))]
    whole = _whole_number_columns(data)  # judged on the whole column, as one cast of it would
    # looked up once, sliced per batch: float64 columns as numpy arrays (views of the frame's),
    # texts made Excel-safe (cell by cell: the same cells as per batch), the others through pandas
    floats = {name: data[name].to_numpy() for name in data.columns
              if name not in texts and data[name].dtype == np.dtype("float64")}
    rest = [name for name in data.columns if name not in texts and name not in floats]
    safe = excel_safe(data[texts]) if texts else None
    safe_texts = {name: safe[name].astype(object) for name in texts}
    safe = None
    names = [str(c) for c in data.columns]
    rows = max(1, _BATCH_CELLS // max(1, data.shape[1]))
    with atomic_path(target) as tmp:
        writer = None
        for start in range(0, max(len(data), 1), rows):  # one batch for no rows: the header
            stop = start + rows
            others = _csv_columns(data.iloc[start:stop][rest], whole) if rest else {}
            columns = []
            for name in data.columns:
                if name in floats:
                    column = pa.array(floats[name][start:stop], from_pandas=True)
                    if name in whole:  # numpy judged it plainly whole (< 2**53): the safe cast's values
                        column = pc.cast(column, pa.int64(), safe=not whole[name])
                elif name in safe_texts:
                    column = pa.array(safe_texts[name].iloc[start:stop], type=pa.string(), from_pandas=True)
                else:
                    column = others[name]
                columns.append(column)
            table = pa.table(columns, names=names)
            if writer is None:
                writer = pacsv.CSVWriter(tmp, table.schema, write_options=pacsv.WriteOptions(quoting_style="needed"))
            writer.write_table(table)
        writer.close()
    return target


def _whole_number_columns(data: pd.DataFrame) -> dict[str, bool]:
    """The float columns that hold whole numbers only (missing cells aside): written as 1 and -3,
    not 1.0 and -3.0; a column with fractions (or numbers beyond int64) stays as it is. Each with
    True where numpy judged it (float64, every number below 2**53), False where Arrow's cast did."""
    out = {}
    for name in data.columns:
        column = data[name]
        if not pd.api.types.is_float_dtype(column):
            continue
        whole = _plainly_whole(column)
        if whole is not None:  # numpy's answer where it is plain, Arrow's where it is not
            if whole:
                out[name] = True
            continue
        try:  # Arrow's own safe cast decides, as it did for the whole table
            pc.cast(pa.array(column, from_pandas=True), pa.int64())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            continue
        out[name] = False
    return out


def _plainly_whole(column: pd.Series) -> bool | None:
    """Whether a float64 column holds whole numbers only, where numpy can tell as Arrow's safe
    cast to int64 would: True when every number is whole and below 2**53 in size, False when a
    finite one has a fraction; None (Arrow decides) for any other column (infinities, huge numbers,
    other dtypes)."""
    if column.dtype != np.dtype("float64"):
        return None
    x = np.abs(column.to_numpy())
    empty = np.isnan(x)
    whole = np.trunc(x) == x  # False for NaN, True for infinity
    if (~whole & ~empty).any():
        return False
    if ((x < 2.0 ** 53) | empty).all():
        return True
    return None


def _csv_columns(batch: pd.DataFrame, whole: dict) -> dict:
    """The columns of a batch that are neither float64 nor text, as the CSV writes them (through
    pandas' conversion): whole numbers as integers, timestamps as ISO 8601 to the second."""
    numbers = pa.Table.from_pandas(batch, preserve_index=False)
    columns = {}
    for name in batch.columns:
        column = numbers.column(str(name))
        if name in whole:
            column = pc.cast(column, pa.int64())
        elif pa.types.is_timestamp(column.type):
            seconds = pc.cast(pc.cast(column, pa.timestamp("s"), safe=False), pa.string())  # "2026-03-02 10:00:00"
            column = pc.replace_substring(seconds, " ", "T", max_replacements=1)
        columns[name] = column
    return columns


def parquet_frame(data: pd.DataFrame, dictionary, variables=None) -> pd.DataFrame:
    """The data as Python and R users want them: missing codes as nulls; a labelled variable as a
    categorical of its labels (ordered when ordinal, the categories in code order); where a column
    held missing codes, the codes themselves in a companion column `<name>_code` right after it.
    `variables`: those of the dictionary to give (default: all)."""
    columns: dict[str, pd.Series] = {}
    for v in dictionary.variables if variables is None else variables:
        column = data[v.name]
        if v.kind != "numeric":
            columns[v.name] = column
            continue
        x = column.to_numpy(dtype="float64", na_value=np.nan)
        missing = _missing_codes(x, v.missing)
        any_missing = missing.any()
        valid_labels = {c: t for c, t in v.value_labels.items() if not _is_missing_code(c, v.missing)}
        codes = _label_positions(np.where(missing, np.nan, x) if any_missing else x, valid_labels) \
            if valid_labels and v.measure != "scale" else None
        labels = [valid_labels[c] for c in sorted(valid_labels)] if codes is not None else []
        if codes is not None and len(set(labels)) == len(labels):
            columns[v.name] = pd.Categorical.from_codes(codes, categories=labels, ordered=v.measure == "ordinal",
                                                        validate=False)  # -1 to len(labels) - 1 by construction
        else:  # no labels, or two codes with one label (a categorical would merge them): the numbers
            columns[v.name] = column.mask(missing) if any_missing else column
        if any_missing:
            # every number a labelled code or a declared missing value: whole when those are
            whole = codes is not None and _plain_integers([*valid_labels, *v.missing])
            columns[f"{v.name}_code"] = _as_int64(column, x, whole)
    return pd.DataFrame(columns, index=data.index, copy=False)  # the columns themselves, no consolidated copy


def _plain_integers(values: list) -> bool:
    """Whether every value is a whole number below 2**53 in size (a value range: never)."""
    return all(isinstance(c, (int, float)) and not isinstance(c, bool) and math.isfinite(c) and c == int(c)
               and abs(c) < 2 ** 53 for c in values)


def _as_int64(column: pd.Series, x: np.ndarray, whole: bool = False) -> pd.Series:
    """A column of missing codes' companion: nullable Int64 when its numbers are whole, else as it is.
    Built from the numbers where they are whole and safely integers (|x| < 2**53; `whole`: known to
    be so); otherwise (and for a column that is not float64) pandas' own cast decides, as it did."""
    empty = np.isnan(x)
    if whole and column.dtype == np.dtype("float64"):
        return pd.Series(pd.arrays.IntegerArray(np.where(empty, 0, x).astype(np.int64), empty),
                         index=column.index, name=column.name)
    present = x[~empty]
    if not (np.isfinite(present) & (np.trunc(present) == present)).all():  # as `% 1 == 0`, without fmod
        return column
    if column.dtype == np.dtype("float64") and (np.abs(present) < 2.0 ** 53).all():
        return pd.Series(pd.arrays.IntegerArray(np.where(empty, 0, x).astype(np.int64), empty),
                         index=column.index, name=column.name)
    if (np.abs(present) >= 2.0 ** 63).any():  # whole, but beyond an int64 (1e20): kept as the numbers they are
        return column
    return column.astype("Int64")


def _missing_codes(x: np.ndarray, ranges: list) -> np.ndarray:
    """True where `x` holds a user-missing code of its declaration (values, ranges)."""
    mask = np.zeros(len(x), dtype=bool)
    for r in ranges:
        mask |= ((x >= float(r["lo"])) & (x <= float(r["hi"]))) if isinstance(r, dict) else (x == float(r))
    return mask


def _label_positions(x: np.ndarray, labels: dict) -> np.ndarray | None:
    """Each value's position among the labelled codes in code order (-1: empty), or None when a
    value has no label."""
    try:
        codes = np.array(sorted(labels), dtype="float64")
    except (TypeError, ValueError):  # codes that are not numbers
        return None
    empty = np.isnan(x)
    if len(codes) <= _FEW_CODES and len(np.unique(codes)) == len(codes):  # code by code: one comparison each
        at = np.full(len(x), -1, dtype=np.int64)
        found = 0
        for position, code in enumerate(codes):
            hit = x == code
            at[hit] = position
            found += int(np.count_nonzero(hit))
        return at if found == len(x) - int(np.count_nonzero(empty)) else None
    at = np.searchsorted(codes, np.where(empty, codes[0], x))
    at = np.minimum(at, len(codes) - 1)
    if not (empty | (codes[at] == x)).all():
        return None
    return np.where(empty, -1, at).astype(np.int64)


def _is_missing_code(code, ranges: list) -> bool:
    if isinstance(code, str):
        return False
    return any((float(r["lo"]) <= code <= float(r["hi"])) if isinstance(r, dict) else code == float(r)
               for r in ranges)


def write_data_parquet(data: pd.DataFrame, dictionary, target: Path) -> Path:
    """The .sav's variables as `parquet_frame` gives them (categoricals, missing codes as nulls,
    companion `<name>_code` columns); each .sav field also carries its label, value labels and
    missing codes as metadata (`sid` key, JSON). The table is built a batch of variables at a time
    (the same table as from the whole frame at once, without the whole frame converted beside it)."""
    arrays, fields, described = [], [], None
    variables = list(dictionary.variables)
    for start in range(0, max(len(variables), 1), _BATCH_COLUMNS):
        part = pa.Table.from_pandas(parquet_frame(data, dictionary, variables[start:start + _BATCH_COLUMNS]),
                                    preserve_index=False)
        pandas_meta = json.loads(part.schema.metadata[b"pandas"])
        if described is None:
            described = pandas_meta
        else:
            described["columns"] += pandas_meta["columns"]
        arrays += part.columns
        fields += list(part.schema)
        del part
    names = {v.name for v in variables}
    for i, f in enumerate(fields):
        if f.name not in names:
            continue
        v = dictionary[f.name]
        meta = {"label": v.label, "value_labels": {(k if isinstance(k, str) else code_text(k)): t
                                                  for k, t in v.value_labels.items()},
                "missing": v.missing, "spss_format": v.format, "measure": v.measure}
        fields[i] = f.with_metadata({"sid": json.dumps(meta, ensure_ascii=False)})
    schema = pa.schema(fields, metadata={b"pandas": json.dumps(described).encode("utf8"),
                                         b"sid_file_label": dictionary.file_label.encode()})
    table = pa.Table.from_arrays(arrays, schema=schema)
    with atomic_path(target) as tmp:
        pq.write_table(table, tmp)
    return target


def reconciliation_summary(reconciliation: pd.DataFrame) -> pd.DataFrame:
    """Counts per source, status and reason; no keys, no sample ids."""
    rec = reconciliation.fillna("")
    out = (rec.groupby(["source", "status", "reason"], sort=True).size()
           .reset_index(name="records"))
    out.columns = RECONCILIATION_COLUMNS
    total = pd.DataFrame([{"bron": "totaal", "status": s, "reden": "", "records": int(n)}
                          for s, n in rec["status"].value_counts().sort_index().items()])
    return pd.concat([out, total], ignore_index=True)[RECONCILIATION_COLUMNS]


def write_reconciliation_summary(project: Project) -> list[Path]:
    path = project.work / "reconciliation.csv"
    if not path.is_file():
        return []
    rec = pd.read_csv(path, dtype=str, keep_default_na=False)
    return write_report(scrub_table(reconciliation_summary(rec)), project.cleaned / RECONCILIATION, "afstemming")


def readme_text(project: Project, codebook: Codebook, privacy: DeliveryPrivacy, texts: LabelTexts | None = None,
                rosters: tuple = (), coming: tuple[str, ...] = ()) -> str:
    """A short README for ABB in the delivery's first language (sid's label table): what each file
    is, how to check the delivery; what it says about ids comes from what the run did (`privacy`)."""
    texts = texts or label_texts(codebook.language)
    t = texts.text
    name = project.name
    missing = ", ".join(f"{code} {label}" for code, label in texts.missing_labels(project.missing).items())
    files = [
        (f"{name}.sav", t("readme_sav")), (f"{name}.sps", t("readme_sps")),
        (f"{name}_labels_", t("readme_labels")), ("codebook_", t("readme_codebooks")),
        (f"{name}.csv", t("readme_csv")), (f"{name}.parquet", t("readme_parquet")),
        (CODEBOOK_HTML, t("readme_codebook")), (CODEBOOK_XLSX, t("readme_codebook_xlsx")),
        (ddi_name(project), t("readme_ddi")), ("cleaning_log.csv", t("readme_cleaning_log")),
        ("validation_summary", t("readme_validation")), (RECONCILIATION, t("readme_reconciliation")),
        ("pii_scrubbed.csv", t("readme_pii")), ("manifest.json", t("readme_manifest")),
        ("fieldwork_report.html", t("readme_fieldwork")), ("fieldwork_respons", t("readme_rates")),
        ("fieldwork_voortgang", t("readme_progress")), ("weging_", t("readme_weights")),
        (workdir.TABLES, t("readme_tables")),
    ]
    at = next(i for i, (f, _) in enumerate(files) if f == f"{name}.sps") + 1
    files[at:at] = [(r.sav.name, t("readme_roster", roster=r.roster.name, keys=" ".join(r.keys), count=r.count,
                                   sav=project.sav_path.name)) for r in rosters]
    present = {p.name for p in project.cleaned.iterdir() if p.is_file()} | set(coming)
    # the weighted tables are made from the written .sav, after this README: named when configured
    files = [(f, text) for f, text in files if f in (CODEBOOK_HTML, CODEBOOK_XLSX, "manifest.json")
             or any(name.startswith(f) for name in present) or (f == workdir.TABLES and project.tables is not None)]
    described = tuple(f for f, _ in files) + ("validation_failures",) + tuple(r.sav.stem for r in rosters)
    others = sorted(p.name for p in project.cleaned.iterdir() if p.is_file() and not p.name.startswith(".")
                    and p.name != README and not p.name.startswith(described))
    width = max(len(f) for f, _ in files) + 2

    def heading(text: str) -> list[str]:
        return [text, "-" * len(text)]

    lines = [codebook.title, "=" * len(codebook.title), ""]
    for notice in privacy.notices(t):  # first, before anything else: a demo, ids not pseudonymised
        lines += textwrap.wrap(notice, 100) + [""]
    lines += [t("readme_rows", rows=str(codebook.rows), variables=str(len(codebook.variables))), "",
              *heading(t("readme_files"))]
    for file, text in files:
        wrapped = textwrap.wrap(text, 100 - width)
        lines.append(file.ljust(width) + wrapped[0])
        lines += [" " * width + more for more in wrapped[1:]]
    if others:
        lines += ["", t("readme_more", files=", ".join(others))]
    lines += [
        "", *heading(t("readme_privacy")),
        *textwrap.wrap(privacy.id_text(t), 100),
        *textwrap.wrap(t("readme_no_ids" if privacy.pseudonymised else "readme_no_ids_plain"), 100),
        *textwrap.wrap(t("readme_scrubbed"), 100),
        "", *heading(t("readme_missing")),
        f"{missing}.",
        *textwrap.wrap(t("readme_missing_how"), 100),
        *_join_text(project, rosters, t),
        "", *heading(t("readme_check")),
        "    " + t("readme_verify"),
        *textwrap.wrap(t("readme_verify_what"), 100),
    ]
    return "\n".join(lines) + "\n"


def _join_text(project: Project, rosters: tuple, t) -> list[str]:
    """README's section on joining a roster file to the main file: the syntax for the first roster."""
    if not rosters:
        return []
    first = rosters[0]
    heading = t("readme_join")
    return ["", heading, "-" * len(heading), *textwrap.wrap(t("readme_join_how", id=first.keys[0]), 100), "",
            *("    " + line for line in join_syntax(project.sav_path.name, first.sav.name, first.keys).splitlines())]
