"""Export: the labelled SPSS file (.sav) and its companion syntax (.sps), checked after writing."""

from __future__ import annotations

import errno
import os
import re
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline import __version__
from pipeline.delivery import spss
from pipeline.delivery.labels import LabelTexts, label_texts, variable_label
from pipeline.errors import ErrorCode, SidError
from pipeline.files import atomic_path, write_text_atomic
from pipeline.survey.questionnaire import Language, Questionnaire, Variable


# Labels for columns the form gives no label (metadata and calculates).
@dataclass(frozen=True)
class SpssVariable:
    """One column of the .sav as it is meant to be: the contract the read-back is checked against."""

    name: str
    source: str
    label: str
    kind: str  # numeric | string | datetime
    format: str
    measure: str
    value_labels: dict[float, str] = field(default_factory=dict)
    missing: list = field(default_factory=list)
    display_width: int = 0  # Data View column width; 0: SPSS's default


@dataclass(frozen=True)
class MultipleResponseSet:
    name: str
    label: str
    variables: tuple[str, ...]


@dataclass(frozen=True)
class SpssDictionary:
    variables: tuple[SpssVariable, ...]
    file_label: str
    documents: tuple[str, ...]
    mrsets: tuple[MultipleResponseSet, ...]
    renamed: dict[str, str] = field(default_factory=dict)  # wanted name → SPSS name, where they differ

    def __getitem__(self, name: str) -> SpssVariable:
        return next(v for v in self.variables if v.name == name)


@dataclass(frozen=True)
class ExportResult:
    sav: Path
    sps: Path
    rows: int
    columns: int
    renamed: dict[str, str]
    warnings: tuple[str, ...]
    # What the .sav holds (codes, indicators) and its dictionary: the codebook and DDI use both.
    dictionary: SpssDictionary | None = field(default=None, repr=False, compare=False)
    data: pd.DataFrame | None = field(default=None, repr=False, compare=False)


def spss_frame(frame: pd.DataFrame, questionnaire: Questionnaire, *, language: str | Language, key: str,
               title: str, labels: dict[str, str] | None = None, value_labels: dict[str, dict] | None = None,
               notes: tuple[str, ...] = (), texts: LabelTexts | None = None
               ) -> tuple[pd.DataFrame, SpssDictionary, tuple[str, ...]]:
    """The frame as SPSS will hold it (numeric codes, 0/1 indicators) and its dictionary.

    Pure: `frame` (answers in the form's own terms) is not changed. Returns also the warnings
    (labels or texts cut to SPSS limits). `notes` are document lines after the title (what the
    delivery is: a demo, ids not pseudonymised).
    """
    extra_labels = dict(labels or {})  # `labels` is reused below for value labels
    language = questionnaire.language(language)
    lang = language.column
    texts = texts or label_texts(language.code)
    not_selected, selected = texts.selected
    missing = questionnaire.missing
    missing_labels = texts.missing_labels(missing)
    warnings: list[str] = list(questionnaire.warnings)  # form constructs delivered as text

    # Column plan: the key first, then form variables in form order, then any other columns.
    form_names = [v.name for v in questionnaire if v.name in frame.columns and v.name != key]
    # Columns starting with "_" are sid's own bookkeeping (provenance), not survey data.
    other = [c for c in frame.columns if c != key and c not in questionnaire and not str(c).startswith("_")]
    plan: list[tuple[str, Variable | None]] = []
    if key in frame.columns:
        plan.append((key, questionnaire[key] if key in questionnaire else None))
    plan += [(n, questionnaire[n]) for n in form_names] + [(c, None) for c in other]

    columns: dict[str, pd.Series] = {}
    specs: list[dict] = []  # wanted name + everything but the final SPSS name
    mr_specs: list[tuple[str, str, list[int]]] = []

    def label_of(text: str, name: str) -> str:
        cut = spss.clip_bytes(text, spss.MAX_VARIABLE_LABEL_BYTES)
        if cut != text:
            warnings.append(f"{name}: variable label cut to {spss.MAX_VARIABLE_LABEL_BYTES} bytes")
        return cut

    def value_labels_of(labels: dict[float, str], name: str) -> dict[float, str]:
        out = {}
        for code, text in labels.items():
            cut = spss.clip_bytes(text, spss.MAX_VALUE_LABEL_BYTES)
            if cut != text:
                warnings.append(f"{name}: value label of {code:g} cut to {spss.MAX_VALUE_LABEL_BYTES} bytes")
            out[code] = cut
        return out

    for name, var in plan:
        series = frame[name]
        if var is None:
            kind = _kind_of(series)
            columns[name] = _as_kind(series, kind)
            coded = (value_labels or {}).get(name)  # codes added outside the form (coding): nominal
            if coded is not None and kind == "numeric":
                codes = {float(c): t for c, t in coded.items()}
                specs.append(dict(wanted=name, source=name, label=extra_labels.get(name, ""), kind=kind,
                                  measure="nominal", value_labels=value_labels_of(codes, name),
                                  missing=spss.missing_declaration(
                                      missing.values, [c for c in codes if c not in missing.values])))
                continue
            specs.append(dict(wanted=name, source=name, label=extra_labels.get(name, ""), kind=kind, measure=
                              "scale" if kind != "string" else "nominal",
                              value_labels={str(c): t for c, t in coded.items()} if coded else {}, missing=[]))
            continue
        label = label_of(variable_label(var, lang, texts), name)
        if var.type == "select_multiple":
            codes = var.choices.codes
            start = len(specs)
            text = series.astype("string")
            answered = text.notna() & (text.str.strip() != "")
            lone_missing = text.str.strip().map(
                {str(c): float(c) for c in missing.values}).astype("float64")
            for choice in var.choices.choices:
                pattern = rf"(?:^| ){re.escape(choice.name)}(?: |$)"
                hit = text.str.contains(pattern, regex=True).fillna(False).astype(bool)
                col = np.where(hit, 1.0, 0.0)
                col = np.where(answered, col, np.nan)
                col = np.where(lone_missing.notna(), lone_missing, col)
                columns[f"{name}\x00{choice.name}"] = pd.Series(col, index=frame.index)
                labels = {0.0: not_selected, 1.0: selected} | {float(c): t for c, t in missing_labels.items()}
                specs.append(dict(
                    wanted=f"{name}_{'m' + choice.name[1:] if choice.name.startswith('-') else choice.name}",
                    source=name,
                    label=label_of(f"{variable_label(var, lang, texts)}: {choice.label(lang)}", f"{name}/{choice.name}"),
                    kind="numeric", measure="nominal", indicator=True,
                    value_labels=value_labels_of(labels, name),
                    missing=spss.missing_declaration(missing.values, [0, 1]),
                ))
            # The set counts answers: the don't-know and refusal dummies are not among its categories.
            missing_names = {str(c) for c in missing.values}
            counted = [start + i for i, c in enumerate(var.choices.choices) if c.name not in missing_names]
            if len(counted) >= 2:  # a set holds at least two variables (MRSETS)
                mr_specs.append((name, label, counted))
            continue
        if var.kind == "numeric" or (var.type == "select_one"):
            if var.type == "select_one":
                codes = dict(var.choices.codes)
                codes.update({str(c): c for c in missing.values})
                values = _codes_of(series, codes, var)
                labels = {float(c): t for c, t in missing_labels.items()}
                labels |= {float(codes[c.name]): c.label(lang) for c in var.choices.choices}
                valid = [float(codes[c.name]) for c in var.choices.choices]
            else:
                values = pd.to_numeric(series, errors="coerce").astype("float64")
                labels = {float(c): t for c, t in missing_labels.items()}
                valid = []
            columns[name] = values
            specs.append(dict(wanted=name, source=name, label=label, kind="numeric",
                              measure=var.measure, value_labels=value_labels_of(labels, name),
                              missing=spss.missing_declaration(
                                  missing.values, [c for c in valid if c not in missing.values])))
            continue
        if var.kind == "datetime":
            columns[name] = pd.to_datetime(series, errors="coerce")
            specs.append(dict(wanted=name, source=name, label=label, kind="datetime",
                              measure="scale", value_labels={}, missing=[],
                              format="DATE11" if var.type in ("date", "today") else "DATETIME20"))
            continue
        columns[name] = _as_kind(series, "string")
        specs.append(dict(wanted=name, source=name, label=label, kind="string",
                          measure="nominal", value_labels={}, missing=[]))

    # Form variables keep their names; generated indicator names give way on a clash.
    order = sorted(range(len(specs)), key=lambda i: specs[i].get("indicator", False))
    ordered_names = spss.unique_spss_names(specs[i]["wanted"] for i in order)
    names = [""] * len(specs)
    for i, n in zip(order, ordered_names):
        names[i] = n
    # copy=False: the columns as they are (most are new arrays already), not one more consolidated copy
    data = pd.DataFrame(dict(zip(names, columns.values())), index=frame.index, copy=False).reset_index(drop=True)
    variables = []
    for spss_name, spec in zip(names, specs):
        column = data[spss_name]
        if spec["kind"] == "string":
            column, cut = _clip_strings(column)
            if cut:
                warnings.append(f"{spss_name}: {cut} text(s) longer than {spss.MAX_STRING_BYTES} bytes cut")
                data[spss_name] = column
            fmt = f"A{spss.string_width(column)}"
        elif spec["kind"] == "datetime":
            fmt = spec.get("format", "DATETIME20")
        else:
            fmt = spss.numeric_format(column, spec["value_labels"].keys())
        variables.append(SpssVariable(
            name=spss_name, source=spec["source"], label=spec["label"], kind=spec["kind"],
            format=fmt, measure=spec["measure"], value_labels=spec["value_labels"],
            missing=spec["missing"]))
    mrsets = tuple(
        MultipleResponseSet(name="$" + spss.spss_name(name)[:63],
                            label=label, variables=tuple(names[i] for i in idx))
        for name, label, idx in mr_specs)
    title_cut = spss.clip_bytes(title, spss.MAX_FILE_LABEL_BYTES)
    documents = tuple(spss.clip_bytes(line, spss.MAX_DOCUMENT_LINE_BYTES) for line in (
        f"{title}",
        *(line for note in notes for line in textwrap.wrap(note, 76)),  # whole, over several lines
        texts.text("doc_form", form=questionnaire.form_id, version=str(questionnaire.version)),
        texts.text("doc_language", language=lang),
        texts.text("doc_made", version=__version__),
    ))
    renamed = {s["wanted"]: n for s, n in zip(specs, names) if s["wanted"] != n}
    dictionary = SpssDictionary(tuple(variables), title_cut, documents, mrsets, renamed)
    return data, dictionary, tuple(warnings)


@contextmanager
def _disk_full_as_os_error(tmp: Path, target: Path) -> Iterator[None]:
    """pyreadstat says only "Unable to write data" when the disk is full: the error the user can
    act on (disk full, naming the file), when the device has no room left."""
    import pyreadstat  # here: a `sid run` that reuses the export never imports it

    try:
        yield
    except pyreadstat.ReadstatError:
        if os.statvfs(tmp.parent).f_bavail == 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(target)) from None
        raise
    except OSError as exc:  # the writer's own full disk names its temporary file: the user knows the target
        if exc.errno == errno.ENOSPC and exc.filename == str(tmp):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(target)) from None
        raise


def sav_options(dictionary: SpssDictionary) -> dict:
    """pyreadstat.write_sav's arguments for the dictionary (uncompressed: row compression is not used)."""
    return dict(
        file_label=dictionary.file_label,
        column_labels={v.name: v.label for v in dictionary.variables},
        variable_value_labels={v.name: v.value_labels for v in dictionary.variables if v.value_labels},
        missing_ranges={v.name: v.missing for v in dictionary.variables if v.missing},
        variable_measure={v.name: v.measure for v in dictionary.variables},
        variable_format={v.name: v.format for v in dictionary.variables},
        variable_display_width={v.name: v.display_width for v in dictionary.variables if v.display_width},
        note=list(dictionary.documents),
    )


def write_sav(data: pd.DataFrame, dictionary: SpssDictionary, target: Path) -> tuple[str, ...]:
    """Write the .sav atomically; the temporary file is read back and checked before it replaces
    the target, so a mismatch never reaches cleaned/. The data are written by the vectorised writer
    (pipeline/delivery/savwriter.py, ReadStat's dictionary); where it stands aside, pyreadstat writes
    the file whole and the one warning returned says why."""
    # pyreadstat writes a datetime64[s] column as 1970-01-01 throughout: the same instants in microseconds
    seconds = [c for c, t in data.dtypes.items() if isinstance(t, np.dtype) and t == np.dtype("datetime64[s]")]
    if seconds:
        data = data.assign(**{c: data[c].astype("datetime64[us]") for c in seconds})
    with atomic_path(target) as tmp, _disk_full_as_os_error(tmp, target):
        from pipeline.delivery import savwriter  # pyreadstat: imported when a .sav is written or checked

        reason = savwriter.write_sav(data, tmp, **sav_options(dictionary))
        # pyreadstat may not report a failed write: a full disk then shows as a file it cannot read back
        problems = check_sav(tmp, dictionary, data)
        if problems:
            raise SidError(ErrorCode.EXPORT_MISMATCH, "the written SPSS file differs from its definition: "
                           + "; ".join(problems[:5]), file=target,
                           fix="This is a bug in sid; please report it with the form.")
    return (f"{target.name}: written by pyreadstat ({reason})",) if reason else ()


def check_sav(path: Path, dictionary: SpssDictionary, data: pd.DataFrame | None = None) -> list[str]:
    """Compare a .sav's metadata with what was meant and, given the frame written, its case count
    and a sample of its cases with the frame; one text per difference."""
    import pyreadstat  # here: a `sid run` that reuses the export never imports it

    _, meta = pyreadstat.read_sav(str(path), metadataonly=True, user_missing=True)
    problems = []
    wanted = [v.name for v in dictionary.variables]
    if list(meta.column_names) != wanted:
        problems.append(f"variables {list(meta.column_names)[:5]}... != {wanted[:5]}...")
        return problems
    if (meta.file_label or "") != dictionary.file_label:
        problems.append(f"file label {meta.file_label!r}")
    labels = dict(zip(meta.column_names, meta.column_labels))
    for v in dictionary.variables:
        if (labels.get(v.name) or "") != v.label:
            problems.append(f"{v.name}: label {labels.get(v.name)!r} != {v.label!r}")
        got_values = meta.variable_value_labels.get(v.name, {})
        if {(k if isinstance(k, str) else float(k)): t for k, t in got_values.items()} != v.value_labels:
            problems.append(f"{v.name}: value labels differ")
        if _missing_key(meta.missing_ranges.get(v.name, [])) != _missing_key(v.missing):
            problems.append(f"{v.name}: missing values {meta.missing_ranges.get(v.name)} != {v.missing}")
        if meta.variable_measure.get(v.name) != v.measure:
            problems.append(f"{v.name}: measure {meta.variable_measure.get(v.name)} != {v.measure}")
        if v.display_width and meta.variable_display_width.get(v.name) != v.display_width:
            problems.append(f"{v.name}: display width {meta.variable_display_width.get(v.name)} != {v.display_width}")
        if meta.original_variable_types.get(v.name) != v.format:
            problems.append(f"{v.name}: format {meta.original_variable_types.get(v.name)} != {v.format}")
    if data is not None:
        from pipeline.delivery import savwriter  # pyreadstat with it, as above

        problems += savwriter.sample_problems(path, data, meta.number_rows)
    return problems


def mrsets_syntax(dictionary: SpssDictionary, sav_name: str, title: str, texts: LabelTexts | None = None) -> str:
    """Companion syntax: a short header (in the delivery's language) and the MRSETS definitions of
    the select_multiple questions."""
    texts = texts or label_texts("nl")
    lines = [
        f"* {title}.",
        f"* {texts.text('sps_made', sav=sav_name, version=__version__)}",
        f"* {texts.text('sps_how')}",
        f"* {texts.text('sps_sets')}",
        f"* GET FILE={spss.syntax_quote(sav_name)}.",
        "",
    ]
    for s in dictionary.mrsets:
        lines.append(f"MRSETS /MDGROUP NAME={s.name} LABEL={spss.syntax_quote(spss.clip_bytes(s.label, 240))}")
        lines.append("  CATEGORYLABELS=VARLABELS VALUE=1")
        lines.append("  VARIABLES=" + s.variables[0])
        lines += [f"    {n}" for n in s.variables[1:]]
        lines[-1] += "."
    if dictionary.mrsets:
        lines += ["", "MRSETS /DISPLAY NAME=ALL."]
    return "\n".join(lines) + "\n"


def export(frame: pd.DataFrame, questionnaire: Questionnaire, *, sav: Path, sps: Path,
           language: str | Language, key: str, title: str, labels: dict[str, str] | None = None,
           value_labels: dict[str, dict] | None = None, notes: tuple[str, ...] = ()) -> ExportResult:
    """Write `sav` and `sps` (atomically, checked) from a frame of answers in the form's terms.
    `labels` gives variable labels for columns that are not in the form (ids, sample design);
    `value_labels` their value labels ({column: {code: label}}; numeric codes make the column nominal
    with the survey's missing codes declared, text codes such as ISO 'MA' stay text)."""
    data, dictionary, warnings = spss_frame(frame, questionnaire, language=language, key=key, title=title,
                                            labels=labels, value_labels=value_labels, notes=notes)
    warnings += write_sav(data, dictionary, sav)
    write_text_atomic(sps, mrsets_syntax(dictionary, sav.name, title), encoding="utf-8")
    return ExportResult(sav=sav, sps=sps, rows=len(data), columns=data.shape[1],
                        renamed=dictionary.renamed, warnings=warnings, dictionary=dictionary, data=data)


def _codes_of(series: pd.Series, codes: dict[str, int], var: Variable) -> pd.Series:
    """Choice names → numeric codes; a name the list does not know is an error."""
    if pd.api.types.is_numeric_dtype(series):
        values = series.astype("float64")
        known = np.array(sorted({float(c) for c in codes.values()}), dtype="float64")
        x = values.to_numpy(dtype="float64", na_value=np.nan)
        unknown = values[~np.isnan(x) & ~np.isin(x, known)]  # (numpy's isin: == per code, as isin's hash)
    else:
        text = series.astype("string").str.strip()
        text = text.mask(text == "")
        values = text.map(codes).astype("float64")
        unknown = text[text.notna() & values.isna()]
    if len(unknown):
        sample = ", ".join(repr(x) for x in pd.unique(unknown)[:5])
        raise SidError(ErrorCode.CODE_UNKNOWN, f"variable {var.name}: {len(unknown)} answer(s) not in choice "
                       f"list {var.choices.name!r}: {sample}",
                       fix="Clean or recode these answers (or add the choice to the form) before export.")
    return values


def _kind_of(series: pd.Series) -> str:
    if pd.api.types.is_datetime64_any_dtype(series):
        return "datetime"
    if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        return "numeric"
    return "string"


def _as_kind(series: pd.Series, kind: str) -> pd.Series:
    if kind == "numeric":
        return pd.to_numeric(series, errors="coerce").astype("float64")
    if kind == "datetime":
        return pd.to_datetime(series, errors="coerce")
    # SID convention: string variables hold empty strings, not missing.
    return series.astype("string").fillna("").astype(object)


def _clip_strings(column: pd.Series) -> tuple[pd.Series, int]:
    too_long = pd.Series(spss.byte_lengths(column) > spss.MAX_STRING_BYTES, index=column.index)
    if not too_long.any():
        return column, 0
    column = column.copy()
    column[too_long] = column[too_long].map(lambda s: spss.clip_bytes(s, spss.MAX_STRING_BYTES))
    return column, int(too_long.sum())


def _missing_key(entries: list) -> list:
    out = []
    for e in entries:
        if isinstance(e, dict):
            out.append(("range", float(e["lo"]), float(e["hi"])))
        else:
            out.append(("value", float(e)))
    return sorted(out)


