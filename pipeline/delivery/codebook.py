"""The codebook of the delivery (HTML and XLSX), built from the SAME metadata as the .sav.

Source of every fact: the SpssDictionary export wrote the .sav from (names, labels, formats, value
labels, user-missing), the questionnaire (question text in every form language, routing condition,
calculate expressions of derived variables) and the frame the .sav holds (frequencies). The DDI
file (pipeline/delivery/ddi.py) is written from the same `Codebook`."""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.delivery import spss
from pipeline.delivery.export import SpssDictionary, SpssVariable
from pipeline.delivery.labels import YES, LabelTexts, label_texts
from pipeline.files import write_text_atomic
from pipeline.survey.questionnaire import Language, Questionnaire, Variable
from pipeline.tables import excel_safe, write_workbook

# Frozen column names of the codebook tables (Dutch: ABB reads them). `vraag_<taal>` columns
# follow `label`, one per form language.
VARIABLE_COLUMNS = ["positie", "variabele", "bron", "label", "type", "formaat", "meetniveau",
                    "ontbrekende_codes", "routing", "afleiding", "module", "geldig", "ontbrekend",
                    "leeg", "verschillend", "minimum", "maximum", "gemiddelde"]
# procent: of all respondents; geldig_procent: of the valid answers (no missing code), empty for a missing code
VALUE_COLUMNS = ["variabele", "code", "label", "ontbrekend", "aantal", "procent", "geldig_procent"]
MRSET_COLUMNS = ["set", "label", "variabelen"]
# the `bestanden` sheet: the data files and how they link (sleutels: the id, then the instance numbers)
# (a roster file's sheets are named by `file_sheets` from the rosters in this order, not written in cells)
FILE_COLUMNS = ["bestand", "roster", "rijen", "variabelen", "sleutels", "gekoppeld_aan", "aantal_variabele"]


@dataclass(frozen=True)
class Codebook:
    title: str
    sav_name: str
    rows: int
    language: str  # language code of the .sav labels, e.g. "nl"
    languages: tuple[str, ...]  # all form language codes, e.g. ("nl", "fr", "en")
    documents: tuple[str, ...]
    variables: pd.DataFrame  # VARIABLE_COLUMNS + vraag_<taal> after "label"
    values: pd.DataFrame  # VALUE_COLUMNS + label_<taal> after "label"
    mrsets: pd.DataFrame  # MRSET_COLUMNS
    texts: LabelTexts | None = None  # sid's own words in the codebook's language (headings, yes/no, types)
    linked: tuple[LinkedFile, ...] = ()  # the roster files beside the main file, each with its own codebook

    def text(self, key: str, **fields: str) -> str:
        return (self.texts or label_texts(self.language)).text(key, **fields)


@dataclass(frozen=True)
class LinkedFile:
    """A roster file of the delivery: its codebook, its keys (the id, then the instance numbers),
    the file its rows belong to and the count variable in the main file."""

    codebook: Codebook
    keys: tuple[str, ...]
    parent: str
    count: str
    roster: str


def file_sheets(rosters: list[str]) -> list[tuple[str, str]]:
    """The XLSX sheet names (variables, values) of each roster file, in the order of `rosters` (the
    `bestanden` sheet's): at most 31 characters, unique."""
    out, used = [], {"variabelen", "waarden", "meerkeuzesets", "over", "bestanden"}
    for i, roster in enumerate(rosters, start=1):
        names = []
        for head in ("variabelen", "waarden"):
            name = f"{head}_{roster}"[:31]
            if name in used:
                name = f"{head}_{i}"
            used.add(name)
            names.append(name)
        out.append(tuple(names))
    return out


def files_table(codebook: Codebook) -> pd.DataFrame:
    """One row per delivered data file: its roster, rows, keys, the file it links to, its count variable."""
    rows = [(codebook.sav_name, "", codebook.rows, len(codebook.variables), codebook.variables["variabele"].iloc[0]
             if len(codebook.variables) else "", "", "")]
    for f in codebook.linked:
        rows.append((f.codebook.sav_name, f.roster, f.codebook.rows, len(f.codebook.variables), " ".join(f.keys),
                     f.parent, f.count))
    return pd.DataFrame(rows, columns=FILE_COLUMNS)


def is_missing(code: float, declared: list) -> bool:
    for entry in declared:
        if isinstance(entry, dict):
            if entry["lo"] <= code <= entry["hi"]:
                return True
        elif float(entry) == code:
            return True
    return False


def missing_text(declared: list, texts: LabelTexts | None = None) -> str:
    parts = []
    for entry in declared:
        if isinstance(entry, dict):
            parts.append((texts or label_texts("nl")).text("range", lo=spss.code_text(entry["lo"]),
                                                           hi=spss.code_text(entry["hi"])))
        else:
            parts.append(spss.code_text(float(entry)))
    return ", ".join(parts)


def build_codebook(dictionary: SpssDictionary, questionnaire: Questionnaire, data: pd.DataFrame, *,
                   language: str | Language, sav_name: str, texts: LabelTexts | None = None,
                   figures: dict | None = None) -> Codebook:
    """One row per .sav variable (in .sav order) and one per code; frequencies from `data`
    (the frame the .sav was written from). Loops over variables and codes, never over rows.
    `figures`: a dict kept by the caller for the codebooks of one `data` in several label
    languages: each variable's counts and summary are computed once (they depend on its data,
    kind, format, codes and missing values, never on the labels' language)."""
    figures = {} if figures is None else figures
    form_lang = questionnaire.language(language)
    texts = texts or label_texts(form_lang.code)
    yes, no = texts.text("yes"), texts.text("no")
    langs = [(lang.code, lang.column) for lang in questionnaire.label_languages]
    n = len(data)
    var_rows, value_rows = [], []
    form = {fv.name: fv for fv in questionnaire}
    for pos, v in enumerate(dictionary.variables, start=1):
        column = data[v.name]
        form_var = form.get(v.source)
        choice = _indicator_choice(v, form_var, dictionary)
        questions = {f"vraag_{code}": _question(form_var, choice, full) for code, full in langs}
        row = {"positie": pos, "variabele": v.name, "bron": v.source, "label": v.label, **questions,
               "type": _type_text(v, form_var, texts), "formaat": v.format, "meetniveau": v.measure,
               "ontbrekende_codes": missing_text(v.missing, texts),
               "routing": (form_var.routing or "") if form_var else "",
               "afleiding": (form_var.calculate or "") if form_var else "",
               "module": "/".join(form_var.group) if form_var else ""}
        key = (v.name, v.kind, v.format, repr(v.missing), tuple(v.value_labels))
        if key not in figures:
            counts = _counts(v, column)
            figures[key] = (_summary(v, column, counts), counts)
        summary, counts = figures[key]
        row.update(summary)
        var_rows.append(row)
        if v.kind != "numeric":
            if v.value_labels:  # a text-coded variable (e.g. ISO country codes from coding)
                _text_codes(v, counts, n, langs, value_rows, no)
            continue
        codes = list(v.value_labels)
        if _categorical(v):  # unlabelled values of a coded variable are listed too
            codes += sorted(c for c in counts if c not in v.value_labels)
        choice_labels = _choice_labels(form_var)
        n_valid = sum(int(c) for code, c in counts.items() if not is_missing(code, v.missing))
        for code in sorted(codes, key=lambda c: (is_missing(c, v.missing), c if c >= 0 else -c)):
            count = int(counts.get(code, 0))
            other = {f"label_{lc}": _code_label(v, choice, choice_labels, code, full, lc)
                     for lc, full in langs}
            value_rows.append({"variabele": v.name, "code": _code_text(code),
                               "label": v.value_labels.get(code, ""), **other,
                               "ontbrekend": yes if is_missing(code, v.missing) else no,
                               "aantal": count, "procent": round(100 * count / n, 1) if n else 0.0,
                               "geldig_procent": (None if is_missing(code, v.missing) else
                                                  round(100 * count / n_valid, 1) if n_valid else 0.0)})
    q_cols = [f"vraag_{c}" for c, _ in langs]
    l_cols = [f"label_{c}" for c, _ in langs]
    var_cols = VARIABLE_COLUMNS[:4] + q_cols + VARIABLE_COLUMNS[4:]
    val_cols = VALUE_COLUMNS[:3] + l_cols + VALUE_COLUMNS[3:]
    mrsets = pd.DataFrame([(s.name, s.label, " ".join(s.variables)) for s in dictionary.mrsets],
                          columns=MRSET_COLUMNS)
    return Codebook(
        title=dictionary.file_label, sav_name=sav_name, rows=n, language=form_lang.code,
        languages=tuple(c for c, _ in langs), documents=dictionary.documents,
        variables=pd.DataFrame(var_rows, columns=var_cols),
        values=pd.DataFrame(value_rows, columns=val_cols), mrsets=mrsets, texts=texts)


def _percent(value) -> str:
    return "" if value is None or pd.isna(value) else f"{value:.1f}"


def _counts(v: SpssVariable, column: pd.Series) -> dict | None:
    """How often each value occurs: numeric codes (float keys) of a numeric variable, the texts
    of a text-coded one; None for other variables (no value rows)."""
    if v.kind == "numeric":
        counted = _labelled_counts(v, column)
        if counted is not None:
            return counted
        found = column.value_counts(dropna=True)
        return dict(zip(found.index.astype(float), found.to_numpy()))
    if v.value_labels:
        found = column.astype("string").fillna("").value_counts()
        return {str(k): int(c) for k, c in found.items() if str(k) != ""}
    return None


_FEW_CODES = 16  # a coded variable with at most this many labels is counted code by code


def _labelled_counts(v: SpssVariable, column: pd.Series) -> dict | None:
    """The counts of a float64 column whose values are all among its few labelled codes, counted
    code by code (numpy, one comparison each); None for any other column (value_counts counts it).
    The same counts as value_counts gives, the codes seen with their count (order aside)."""
    codes = list(v.value_labels)
    if column.dtype != np.dtype("float64") or not _categorical(v) or len(codes) > _FEW_CODES \
            or not all(type(c) is float for c in codes):
        return None
    x = column.to_numpy()
    found = {}
    for code in codes:
        n = int(np.count_nonzero(x == code))
        if n:
            found[code] = n
    if sum(found.values()) != len(x) - int(np.count_nonzero(np.isnan(x))):
        return None  # a value without a label: value_counts finds it
    return found


def _text_codes(v: SpssVariable, counts: dict[str, int], n: int, langs, value_rows: list, no: str) -> None:
    """Value rows of a string variable with value labels: each labelled code and each other
    code found, with its frequency (`counts`, of `_counts`; the label is the same in every language)."""
    codes = list(dict.fromkeys([*map(str, v.value_labels), *sorted(counts)]))
    n_valid = sum(counts.values())
    for code in codes:
        count = counts.get(code, 0)
        label = v.value_labels.get(code, "")
        value_rows.append({"variabele": v.name, "code": code, "label": label,
                           **{f"label_{lc}": label for lc, _ in langs},
                           "ontbrekend": no, "aantal": count,
                           "procent": round(100 * count / n, 1) if n else 0.0,
                           "geldig_procent": round(100 * count / n_valid, 1) if n_valid else 0.0})


def _indicator_choice(v: SpssVariable, form_var: Variable | None, dictionary: SpssDictionary):
    """For a 0/1 indicator of a select_multiple question: its choice."""
    if form_var is None or form_var.type != "select_multiple":
        return None
    members = next((s.variables for s in dictionary.mrsets if v.name in s.variables), ())
    if v.name not in members:
        return None
    return form_var.choices.choices[members.index(v.name)]


def _question(form_var: Variable | None, choice, full: str) -> str:
    if form_var is None:
        return ""
    text = form_var.labels.get(full, "")
    if choice is not None and text:
        text = f"{text}: {choice.labels.get(full, choice.name)}"
    return text


def _choice_labels(form_var: Variable | None) -> dict[float, dict[str, str]]:
    """Code → labels per language of a select_one question's choices."""
    if form_var is None or form_var.type != "select_one" or form_var.choices is None:
        return {}
    codes = form_var.choices.codes
    return {float(codes[c.name]): dict(c.labels) for c in form_var.choices.choices}


def _code_label(v, choice, choice_labels, code, full, lc) -> str:
    if choice is not None and code in (0.0, 1.0):
        return label_texts(lc).selected[int(code)]
    if code in choice_labels:
        return choice_labels[code].get(full, "")
    return v.value_labels.get(code, "")  # missing codes: one label (sid.toml), every language


def _type_text(v: SpssVariable, form_var: Variable | None, texts: LabelTexts) -> str:
    kind = texts.text(f"kind_{v.kind}") if v.kind in ("numeric", "string", "datetime") else v.kind
    if form_var is None:
        return texts.text("type_outside", kind=kind)
    if form_var.type == "select_multiple":
        return texts.text("type_indicator", kind=kind, question=form_var.name)
    if form_var.part_of is not None and form_var.choices is not None:
        return texts.text("type_rank", kind=kind, question=form_var.part_of[0], position=form_var.part_of[1] + 1,
                          list=form_var.choices.name)
    if form_var.type == "select_one":
        return texts.text("type_single", kind=kind, list=form_var.choices.name)
    if form_var.media:  # the file stays with the fieldwork agency; the delivery names it
        return texts.text("type_media", kind=kind, type=form_var.type)
    if form_var.calculate:
        return texts.text("type_derived", kind=kind)
    return texts.text("type_form", kind=kind, type=form_var.type)


def _categorical(v: SpssVariable) -> bool:
    return any(not is_missing(c, v.missing) for c in v.value_labels)


def _summary(v: SpssVariable, column: pd.Series, counts: dict | None = None) -> dict:
    """Valid, missing-coded and empty cells, distinct texts, range and mean. `counts`: the
    column's `_counts`; a coded float64 column's figures are taken from them (every value counted)."""
    empty = {"geldig": 0, "ontbrekend": 0, "leeg": 0, "verschillend": "", "minimum": "",
             "maximum": "", "gemiddelde": ""}
    if v.kind == "numeric" and counts is not None and column.dtype == np.dtype("float64") and _categorical(v):
        present = sum(int(n) for n in counts.values())
        declared = sum(int(n) for code, n in counts.items() if is_missing(code, v.missing))
        return empty | {"geldig": present - declared, "ontbrekend": declared, "leeg": len(column) - present}
    if v.kind == "string":
        text = column.astype("string").fillna("")
        filled = text != ""
        return empty | {"geldig": int(filled.sum()), "leeg": int((~filled).sum()),
                        "verschillend": int(text[filled].nunique())}
    if v.kind == "datetime":
        dates = pd.to_datetime(column, errors="coerce")
        ok = dates.notna()
        fmt = "%Y-%m-%d" if v.format.startswith("DATE") and not v.format.startswith("DATETIME") \
            else "%Y-%m-%d %H:%M:%S"
        return empty | {"geldig": int(ok.sum()), "leeg": int((~ok).sum()),
                        "minimum": dates.min().strftime(fmt) if ok.any() else "",
                        "maximum": dates.max().strftime(fmt) if ok.any() else ""}
    # masks in numpy: one pass per declaration
    values = column if column.dtype == np.dtype("float64") else pd.to_numeric(column, errors="coerce").astype("float64")
    x = values.to_numpy(dtype="float64", na_value=np.nan)
    sysmis = np.isnan(x)
    declared = np.zeros(len(x), dtype=bool)
    for entry in v.missing:
        if isinstance(entry, dict):
            declared |= (x >= entry["lo"]) & (x <= entry["hi"])
        else:
            declared |= x == float(entry)
    keep = ~sysmis & ~declared
    out = empty | {"geldig": int(keep.sum()), "ontbrekend": int(declared.sum()), "leeg": int(sysmis.sum())}
    if out["geldig"] and not _categorical(v):
        valid = values[keep]
        out |= {"minimum": _number(valid.min()), "maximum": _number(valid.max()),
                "gemiddelde": round(float(valid.mean()), 2)}
    return out


def _number(x: float):
    return int(x) if float(x).is_integer() else round(float(x), 4)


def _code_text(code: float) -> str:
    return spss.code_text(code)


# --- writers ------------------------------------------------------------------------------------

def write_codebook_xlsx(codebook: Codebook, target: Path) -> None:
    """Sheets `variabelen`, `waarden`, `meerkeuzesets`, `over`; text cells are Excel-safe and never
    formulas."""
    t = codebook.text
    about = pd.DataFrame([(t("about_title"), codebook.title), (t("about_file"), codebook.sav_name),
                          (t("about_rows"), codebook.rows), (t("about_variables"), len(codebook.variables)),
                          (t("about_language"), codebook.language),
                          (t("about_languages"), ", ".join(codebook.languages)),
                          *[(t("about_document"), d) for d in codebook.documents]],
                         columns=[t("about_item"), t("about_value")]).astype({t("about_value"): str})
    sheets = [("variabelen", codebook.variables), ("waarden", codebook.values),
              ("meerkeuzesets", codebook.mrsets), ("over", about)]
    if codebook.linked:  # a roster file: its variables and values on sheets of their own
        sheets.append(("bestanden", files_table(codebook)))
        for f, (var_sheet, value_sheet) in zip(codebook.linked, file_sheets([f.roster for f in codebook.linked])):
            sheets += [(var_sheet, f.codebook.variables), (value_sheet, f.codebook.values)]
    write_workbook(target, [(name, excel_safe(frame)) for name, frame in sheets])


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Arial,sans-serif;margin:2em;color:#222;max-width:70em}
h1{font-size:1.6em} h2{font-size:1.3em;margin-top:2em;border-bottom:1px solid #ccc}
h3{font-size:1.05em;margin:1.6em 0 .3em} code{font-family:Consolas,monospace;font-size:.95em}
table{border-collapse:collapse;margin:.4em 0 1em} th,td{border:1px solid #ccc;padding:.2em .5em;
text-align:left;vertical-align:top} th{background:#f2f2f2} td.n{text-align:right}
tr.ontbrekend td{color:#777} dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1em;margin:.3em 0}
dt{font-weight:600} dd{margin:0} section.variabele{border-top:1px solid #eee}
"""


def _by_variable(values: pd.DataFrame) -> dict[str, list[dict]]:
    """The value rows per variable (one to_dict for the whole table, not one per variable)."""
    grouped: dict[str, list[dict]] = {}
    for rec in values.to_dict("records"):
        grouped.setdefault(rec["variabele"], []).append(rec)
    return grouped


by_variable = _by_variable


def write_codebook_html(codebook: Codebook, target: Path) -> None:
    """One self-contained HTML file (inline CSS, no scripts, no links out), headings in the codebook's
    language (delivery/labels.py). A roster file gets an <article data-bestand> of its own after the
    main file's, with its keys and the file it links to."""
    e = html.escape
    t = codebook.text
    out = ["<!DOCTYPE html>", f'<html lang="{e(codebook.language)}"><head><meta charset="utf-8">',
           f"<title>{e(t('cb_title'))} {e(codebook.title)}</title><style>{_CSS}</style></head><body>",
           f"<h1>{e(t('cb_title'))}: {e(codebook.title)}</h1>"]
    if codebook.linked:
        out.append(f'<h2>{e(t("cb_files"))}</h2><table id="bestanden"><thead><tr><th>{e(t("cb_file"))}</th>'
                   f'<th>{e(t("cb_rows"))}</th><th>{e(t("cb_keys"))}</th><th>{e(t("cb_linked"))}</th>'
                   f'<th>{e(t("cb_count_variable"))}</th></tr></thead><tbody>')
        for row in files_table(codebook).itertuples(index=False):
            out.append(f"<tr><td><code>{e(row.bestand)}</code></td><td class=\"n\">{row.rijen}</td>"
                       f"<td><code>{e(row.sleutels)}</code></td><td><code>{e(row.gekoppeld_aan)}</code></td>"
                       f"<td><code>{e(row.aantal_variabele)}</code></td></tr>")
        out.append("</tbody></table>")
    out += _file_html(codebook, "")
    for f in codebook.linked:
        stem = Path(f.codebook.sav_name).stem
        out.append(f'<article class="bestand" id="bestand-{e(stem)}" data-bestand="{e(f.codebook.sav_name)}">')
        out.append(f"<h2>{e(t('cb_file'))} <code>{e(f.codebook.sav_name)}</code></h2>")
        out.append(f"<p>{e(t('ddi_roster', roster=f.roster, parent=f.parent, keys=' '.join(f.keys[:-1])))}</p>")
        out += _file_html(f.codebook, f"{stem}-")
        out.append("</article>")
    out.append("</body></html>")
    write_text_atomic(target, "\n".join(out) + "\n")


def _file_html(codebook: Codebook, prefix: str) -> list[str]:
    """The introduction, overview, MR sets and variables of one data file; `prefix` keeps the
    element ids of a roster file apart from the main file's."""
    e = html.escape
    vars_ = codebook.variables
    values = _by_variable(codebook.values)
    q_cols = [f"vraag_{c}" for c in codebook.languages]
    t = codebook.text
    intro = "cb_intro_roster" if prefix else "cb_intro"  # a roster file counts rows, not respondents
    out = ["<p>" + e(t(intro, file="\x00", rows=str(codebook.rows), variables=str(len(vars_)),
                       language="\x01", languages=", ".join(codebook.languages))).replace(
               "\x00", f"<code>{e(codebook.sav_name)}</code>").replace(
               "\x01", f"<code>{e(codebook.language)}</code>") + "</p>",
           f"<h2>{e(t('cb_overview'))}</h2>", f'<table id="overzicht{"-" + e(prefix[:-1]) if prefix else ""}">'
           f'<thead><tr><th>#</th><th>{e(t("cb_variable"))}</th>'
           f"<th>{e(t('cb_label'))}</th><th>{e(t('cb_type'))}</th><th>{e(t('cb_format'))}</th></tr></thead><tbody>"]
    for row in vars_.itertuples(index=False):
        out.append(f'<tr><td class="n">{row.positie}</td><td><a href="#var-{e(prefix)}{e(row.variabele)}">'
                   f"<code>{e(row.variabele)}</code></a></td><td>{e(row.label)}</td>"
                   f"<td>{e(row.type)}</td><td>{e(row.formaat)}</td></tr>")
    out.append("</tbody></table>")
    if len(codebook.mrsets):
        sets = "meerkeuzesets" + ("-" + e(prefix[:-1]) if prefix else "")
        out.append(f'<h2>{e(t("cb_mrsets"))}</h2><table id="{sets}"><thead><tr><th>{e(t("cb_set"))}</th>'
                   f"<th>{e(t('cb_label'))}</th><th>{e(t('cb_variables'))}</th></tr></thead><tbody>")
        for s in codebook.mrsets.itertuples(index=False):
            out.append(f"<tr><td><code>{e(s.set)}</code></td><td>{e(s.label)}</td>"
                       f"<td><code>{e(s.variabelen)}</code></td></tr>")
        out.append("</tbody></table>")
    out.append(f"<h2>{e(t('cb_variables'))}</h2>")
    records = vars_.to_dict("records")
    code_facts = ("routing", "afleiding")
    for rec in records:
        name = rec["variabele"]
        out.append(f'<section class="variabele" id="var-{e(prefix)}{e(name)}" data-variabele="{e(name)}">')
        out.append(f'<h3><code>{e(name)}</code> <span class="label">{e(rec["label"])}</span></h3><dl>')
        for col, lc in zip(q_cols, codebook.languages):
            if rec[col]:
                out.append(f'<dt>{e(t("cb_question", language=lc))}</dt><dd lang="{e(lc)}">{e(rec[col])}</dd>')
        facts = [("type", "cb_type"), ("formaat", "cb_format"), ("meetniveau", "cb_measure"),
                 ("ontbrekende_codes", "cb_missing_codes"), ("routing", "cb_routing"), ("afleiding", "cb_derived"),
                 ("module", "cb_module"), ("geldig", "cb_valid"), ("ontbrekend", "cb_missing_n"),
                 ("leeg", "cb_empty"), ("verschillend", "cb_distinct"), ("minimum", "cb_minimum"),
                 ("maximum", "cb_maximum"), ("gemiddelde", "cb_mean")]
        for column, key in facts:
            value = rec[column]
            if value not in ("", None) and not (isinstance(value, float) and np.isnan(value)):
                tag = "code" if column in code_facts else "span"
                out.append(f"<dt>{e(t(key))}</dt><dd><{tag}>{e(str(value))}</{tag}></dd>")
        out.append("</dl>")
        if name in values:
            head = "".join(f"<th>{e(t('cb_label'))} ({e(lc)})</th>" for lc in codebook.languages
                           if lc != codebook.language)
            out.append(f'<table class="waarden"><thead><tr><th>{e(t("cb_code"))}</th><th>{e(t("cb_label"))}</th>{head}'
                       f"<th>{e(t('cb_missing'))}</th><th>{e(t('cb_count'))}</th><th>{e(t('cb_pct_all'))}</th>"
                       f"<th>{e(t('cb_pct_valid'))}</th></tr></thead><tbody>")
            for val in values[name]:
                others = "".join(f'<td lang="{e(lc)}">{e(val[f"label_{lc}"])}</td>' for lc in codebook.languages
                                 if lc != codebook.language)
                cls = ' class="ontbrekend"' if val["ontbrekend"] in YES else ""
                out.append(f'<tr{cls}><td class="n">{e(val["code"])}</td><td>{e(val["label"])}</td>'
                           f'{others}<td>{e(val["ontbrekend"])}</td><td class="n">{val["aantal"]}</td>'
                           f'<td class="n">{val["procent"]:.1f}</td>'
                           f'<td class="n">{_percent(val["geldig_procent"])}</td></tr>')
            out.append("</tbody></table>")
        out.append("</section>")
    return out
