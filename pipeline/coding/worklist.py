"""Code frames on disk (schemas/codeframes/<variable>.csv) and the coders' Excel worklist: written
by `sid code`, read back by `sid code --import`, which checks every code before the frames change."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd

from pipeline.coding.frames import FrameEntry, match_keys, scrubbed
from pipeline.coding.suggest import SUGGESTIONS, suggest
from pipeline.errors import ErrorCode, SidError
from pipeline.files import atomic_path, zip_bomb
from pipeline.survey.questionnaire import Questionnaire
from pipeline.tables import excel_unquote

FRAME_COLUMNS = ["verbatim", "code", "coder", "date"]
# The coder's columns first (what they read, the code with its dropdown, their name and remark),
# then the suggestions, then the context; a second coder's columns last, out of the first's sight.
WORKLIST_COLUMNS = ["status", "frequency", "verbatim", "code", "coder", "remark", "suggestion_1", "suggestion_2",
                    "suggestion_3", "automatic_code", "variable", "question", "context", "backcoding", "code_2",
                    "coder_2"]
# Column headers in the workbook (the coders read Dutch); import accepts these and the machine names.
HEADERS = {"frequency": "aantal", "verbatim": "antwoord", "code": "code", "coder": "codeur",
           "remark": "opmerking", "suggestion_1": "suggestie 1", "suggestion_2": "suggestie 2",
           "suggestion_3": "suggestie 3", "automatic_code": "code van sid", "variable": "variabele",
           "question": "vraag", "context": "context", "backcoding": "terugcoderen", "code_2": "code 2",
           "coder_2": "codeur 2"}
CODES_COLUMNS = ["variables", "classification", "code", "label", "choice"]
CODES_HEADERS = {"variables": "variabelen", "classification": "classificatie", "code": "code", "label": "label",
                 "choice": "keuze in de lijst"}
KAPPA_COLUMNS = ["variable", "items", "agreement", "kappa"]
PROBLEM_COLUMNS = ["sheet", "row", "column", "problem"]
SHEETS = {"open": "coderen", "fuzzy": "nakijken"}
_INSTRUCTIONS = (
    "Werklijst voor de codeurs (gemaakt door sid code).",
    "Blad 'coderen': antwoorden die sid niet kon coderen, één rij per verschillend antwoord met het aantal "
    "respondenten. Kies per rij een code in de keuzelijst van de kolom code en vul uw naam in bij codeur.",
    "Blad 'nakijken': antwoorden die sid bij benadering codeerde; de code van sid staat in 'code van sid'. "
    "Neem ze over of verbeter ze in code, met uw naam in codeur.",
    "De suggesties tonen de drie best passende codes met hun score tussen haakjes [0-100]; u mag een "
    "suggestie in code plakken. In code mag ook alleen de code staan (bv. MA of -4).",
    "Geldige codes per variabele, met de ontbrekende waarden, staan in het blad 'codes'. Ontbrekende waarden: "
    "-1 weet niet, -2 wil niet antwoorden, -4 ongeldig (niet te coderen, bv. 'test').",
    "Terugcoderen: noemt het antwoord een keuze van de vraag zelf, kies dan die code; sid zet het antwoord "
    "terug op die keuze (zie kolom terugcoderen).",
    "Dubbel coderen (overeenstemming): een tweede codeur vult 'code 2' en 'codeur 2' voor dezelfde rijen, "
    "zonder code te bekijken. sid code --import geeft dan Cohen's kappa per variabele.",
    "Rijen zonder code blijven open. Lees de lijst in met: sid code --import work/coding_worklist.xlsx",
)
_CHOICE = re.compile(r"^(\S+)(?:\s+\((.*)\))?(?:\s+\[\d+\])?$")  # 'MA (Marokko) [92]', a pasted suggestion


@dataclass(frozen=True)
class ImportResult:
    rows: dict[str, int]  # variable -> entries written into its code frame
    kappa: pd.DataFrame  # KAPPA_COLUMNS
    frames: tuple[Path, ...]


class ImportRefused(SidError):
    """A worklist with bad rows: nothing is imported. `problems` lists every offending cell."""

    def __init__(self, path: Path, problems: pd.DataFrame) -> None:
        self.problems = problems
        first = problems.iloc[0]
        super().__init__(ErrorCode.WORKLIST_INVALID, f"{len(problems)} row(s) refused, nothing imported; first: "
                         f"{first['problem']}", file=path, sheet=first["sheet"], row=int(first["row"]),
                         column=first["column"], fix="Correct the listed rows and import the file again.")


# --- code frames --------------------------------------------------------------------------------

def frame_path(folder: Path, variable: str) -> Path:
    return folder / f"{variable}.csv"


def read_codeframes(folder: Path, targets) -> dict[str, dict[str, object]]:
    """Each target's code frame (a missing file is an empty frame), keyed by normalised verbatim;
    a code that is not valid for the variable is an error naming the file and row."""

    frames: dict[str, dict[str, object]] = {}
    for target in targets:
        path = frame_path(folder, target.source)
        if not path.is_file():
            frames[target.source] = {}
            continue
        table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        missing = [c for c in FRAME_COLUMNS if c not in table.columns]
        if missing:
            raise SidError(ErrorCode.CODEFRAME_INVALID, f"column {missing[0]!r} is missing", file=path, row=1,
                           fix=f"A code frame has the columns {', '.join(FRAME_COLUMNS)}.")
        codes = table["code"].map(lambda c: clean_code(c, target))  # distinct entries, not respondents
        bad = [i for i, c in enumerate(codes) if not valid_code(c, target)]
        if bad:
            raise SidError(ErrorCode.CODEFRAME_INVALID, f"code {table['code'].iloc[bad[0]]!r} is not a code of "
                           f"{target.classification.title}", file=path, row=bad[0] + 2, column="code",
                           fix="Correct the code (see the 'codes' sheet of the worklist).")
        keys = match_keys(table["verbatim"])
        frames[target.source] = {k: FrameEntry(v, c, coder, d) for k, v, c, coder, d in
                                 zip(keys, table["verbatim"], codes, table["coder"], table["date"]) if k}
    return frames


def write_codeframe(folder: Path, variable: str, entries: Mapping[str, object]) -> Path:
    path = frame_path(folder, variable)

    table = pd.DataFrame([(e.verbatim, e.code, e.coder, e.date) for e in entries.values()], columns=FRAME_COLUMNS)
    table["verbatim"] = scrubbed(table["verbatim"])  # schemas/ is shared: never personal data
    table = table.sort_values(["verbatim", "code"], kind="stable")
    with atomic_path(path) as tmp:
        table.to_csv(tmp, index=False, encoding="utf-8", lineterminator="\n")
    return path


def clean_code(value, target) -> str:
    """A code as typed in Excel, in the classification's form: '5120.0' -> '5120', 'ma' -> 'MA',
    NIS codes of four digits get their leading zero back."""
    text = str(value).strip()
    text = re.sub(r"^'", "", text)
    text = re.sub(r"^(-?\d+)\.0+$", r"\1", text)
    kind = target.classification.kind
    if kind == "country":
        return text.upper()
    if kind == "language":
        return text.lower()
    if kind == "municipality" and re.fullmatch(r"\d{4}", text):
        return text.zfill(5)
    if kind == "occupation" and re.fullmatch(r"\d{3}", text):
        return text.zfill(4)
    return text


def typed_code(value: str, target) -> tuple[str, str | None]:
    """The code in a worklist's code cell: typed ('MA', 44021.0), chosen from the dropdown
    ('MA (Marokko)') or a pasted suggestion ('MA (Marokko) [92]'); with a problem when the label
    beside it is not that code's label (which of the two did the coder mean?)."""
    match = _CHOICE.match(value.strip())
    if match is None:
        return clean_code(value, target), None
    code, label = clean_code(match.group(1), target), match.group(2)
    if label is None or re.fullmatch(r"-\d+", code) or not valid_code(code, target):
        return code, None
    expected = target.classification.label(code)
    if label.strip() != expected:
        return code, f"{value!r}: the label is not that of code {code} ({expected}); keep one of the two"
    return code, None


def valid_code(code: str, target) -> bool:
    return bool(code) and (target.classification.valid(code) or re.fullmatch(r"-\d+", code) is not None)


# --- the worklist -------------------------------------------------------------------------------

def worklist_rows(frame: pd.DataFrame, target, table: pd.DataFrame, per_answer: pd.Series, key: str,
                  questionnaire: Questionnaire, candidates: pd.DataFrame | None) -> pd.DataFrame:
    """Rows for the coders: the open and the fuzzy-coded distinct verbatims of one variable, with
    their frequency, an example respondent's context and the three best-matching codes of
    `candidates` (names -> codes, most trusted first: code frame, labels, classification).
    `candidates` None: the suggestions are left to `with_suggestions` (the rows keep their normalised
    verbatim in a column NORMALISED for it): `sid run` makes them beside the stages after coding."""
    todo = table[table["status"].isin(["open"]) | (table["method"] == "fuzzy")]
    if todo.empty:
        return pd.DataFrame(columns=WORKLIST_COLUMNS if candidates is not None else [*WORKLIST_COLUMNS, NORMALISED])
    var = questionnaire[target.source]
    refs = [r for r in re.findall(r"\$\{([^}]+)\}", var.routing or "") if r in frame.columns]
    context_vars = list(dict.fromkeys(([target.parent] if target.parent else []) + refs))
    first = per_answer.dropna()
    first = first[first.isin(set(todo["normalised"]))]
    first = first[~first.duplicated()]  # the first respondent with each verbatim
    example = frame.loc[first.index, [key, *context_vars]]  # one row per distinct verbatim
    text = example[key].astype(str).to_numpy(dtype=object)
    for i, col in enumerate(context_vars):
        values = np.array([_show(v) for v in example[col].to_numpy(dtype=object)], dtype=object)
        text = text + (": " if i == 0 else "; ") + f"{col}=" + values
    contexts = dict(zip(first.to_numpy(dtype=object), text))
    missing = {str(c): t for c, t in questionnaire.missing.labels.items()}
    shown = {c: code_with_label(c, target, missing) for c in set(todo["code"]) if c}
    fuzzy = (todo["method"] == "fuzzy").to_numpy()
    lang = next((lg.column for lg in questionnaire.label_languages if lg.code == "nl"), questionnaire.default_language)
    rows = pd.DataFrame({
        "status": np.where(fuzzy, "fuzzy", "open"),
        "frequency": todo["answers"].to_numpy(),
        "verbatim": scrubbed(todo["verbatim"]).to_numpy(dtype=object),
        "code": "", "coder": "", "remark": "",
        **{f"suggestion_{i + 1}": "" for i in range(SUGGESTIONS)},
        "automatic_code": np.where(fuzzy, todo["code"].map(lambda c: shown.get(c, "")), ""),
        "variable": target.source,
        "question": var.label(lang),
        "context": todo["normalised"].map(contexts).fillna("").to_numpy(dtype=object),
        "backcoding": _backcoding_hint(target),
        "code_2": "", "coder_2": "",
        NORMALISED: todo["normalised"].to_numpy(dtype=object),
    }).sort_values(["status", "variable", "frequency", "verbatim"], ascending=[False, True, False, True],
                   kind="stable")
    return rows if candidates is None else with_suggestions(rows, target, candidates, questionnaire)


NORMALISED = "_normalised"  # of a worklist row whose suggestions are still to be made


def with_suggestions(rows: pd.DataFrame, target, candidates: pd.DataFrame, questionnaire: Questionnaire
                     ) -> pd.DataFrame:
    """`worklist_rows`' rows of one variable (made without `candidates`) with the three best-matching codes of
    `candidates` in the suggestion columns, 'MA (Marokko) [92]' ('' when there is none)."""
    if not len(rows):
        return rows.reindex(columns=WORKLIST_COLUMNS)
    missing = {str(c): t for c, t in questionnaire.missing.labels.items()}
    codes, scores = suggest(rows[NORMALISED].to_numpy(dtype=object), candidates)
    shown = {c: code_with_label(c, target, missing) for c in set(codes.ravel()) if c}
    suggested = {f"suggestion_{i + 1}": pd.Series([f"{shown[c]} [{s:.0f}]" if c else ""
                                                   for c, s in zip(codes[:, i], scores[:, i])], index=rows.index,
                                                  dtype=object) for i in range(SUGGESTIONS)}
    return rows.assign(**suggested)[WORKLIST_COLUMNS]


def code_with_label(code: str, target, missing: Mapping[str, str]) -> str:
    """'MA (Marokko)', '-4 (ongeldig)'; the code alone when it has no label."""
    label = missing.get(code) or target.classification.label(code)
    return f"{code} ({label})" if label and label != code else code


def _backcoding_hint(target) -> str:
    if target.parent is None or not target.backcodes:
        return ""
    codes = list(target.backcodes)
    shown = ", ".join(codes[:8]) + (" ..." if len(codes) > 8 else "")
    return f"code {shown}: het antwoord gaat terug naar die keuze van {target.parent}"


def _show(value) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def allowed_codes(targets, missing: Mapping) -> pd.DataFrame:
    """The codes a coder may use, per classification with the variables that use it (the 'codes'
    sheet): every valid code, then the survey's missing values, each also as the dropdown shows
    it ('MA (Marokko)'). Of ISO 639-3 only the languages with a name are listed; every code is
    accepted."""
    missing = {str(c): str(t) for c, t in missing.items()}
    rows = []
    users: dict[int, list] = {}
    for target in targets:
        users.setdefault(id(target.classification), [target]).append(target.source)
    for first, *variables in users.values():
        cls = first.classification
        named = set(cls.name_frame()["code"]) - {""}
        valid = sorted((named if len(cls.labels) > 2000 else set(cls.labels)) - set(missing))
        for code in [*valid, *missing]:
            label = missing.get(code) or cls.label(code)
            rows.append((", ".join(variables), cls.title, code, label, code_with_label(code, first, missing)))
    return pd.DataFrame(rows, columns=CODES_COLUMNS)


def write_worklist(worklist: pd.DataFrame, codes: pd.DataFrame, target: Path) -> Path:
    """One workbook: 'coderen' (open), 'nakijken' (fuzzy), 'codes', 'uitleg'. Every code cell has a
    dropdown of its variable's codes (a range of the 'codes' sheet); text is stored as text cells,
    so a formula-like answer is shown, never run, and needs no quote. Written with xlsxwriter
    (cells streamed, several times faster than building openpyxl cells)."""
    import xlsxwriter  # here: a `sid run` that reuses the coding never imports it
    import xlsxwriter.exceptions  # (and the helper below) with it
    from xlsxwriter.utility import xl_col_to_name  # with xlsxwriter

    # The rows of each classification in 'codes' are contiguous: one range per classification.
    choice_col = xl_col_to_name(CODES_COLUMNS.index("choice"))
    ranges = {}
    for title, rows in codes.groupby("classification", sort=False).indices.items():
        ranges[title] = f"codes!${choice_col}${rows.min() + 2}:${choice_col}${rows.max() + 2}"
    title_of = {v: t for vs, t in zip(codes["variables"], codes["classification"]) for v in vs.split(", ")}
    with atomic_path(target) as tmp:
        book = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False,
                                              "strings_to_numbers": False})
        styles = {"bold": book.add_format({"bold": True}), "text": book.add_format({"num_format": "@"})}
        for status, sheet in SHEETS.items():
            part = worklist[worklist["status"] == status].drop(columns="status").reset_index(drop=True)
            part["frequency"] = pd.to_numeric(part["frequency"]).astype("int64")
            ws = book.add_worksheet(sheet)
            ws.freeze_panes(1, 2)  # header, frequency and verbatim stay in sight
            _write_table(ws, part, HEADERS, styles)
            for title, rows in part.groupby(part["variable"].map(title_of), sort=False).indices.items():
                cells = []
                for col in ("code", "code_2"):
                    letter = xl_col_to_name(WORKLIST_COLUMNS.index(col) - 1)  # status is the sheet, not a column
                    cells += [f"{letter}{lo}:{letter}{hi}" if hi > lo else f"{letter}{lo}"
                              for lo, hi in _runs(np.asarray(rows) + 2)]
                ws.data_validation(0, 0, 0, 0, {
                    "validate": "list", "source": "=" + ranges[title], "ignore_blank": True, "multi_range": " ".join(cells),
                    "error_type": "warning", "error_title": "Geen code van de lijst",
                    "error_message": "Deze code staat niet in de lijst van deze variabele (blad codes). Toch bewaren?",
                    "input_title": "Code", "input_message": "Kies een code uit de lijst (of typ de code)."})
        ws = book.add_worksheet("codes")
        ws.freeze_panes(1, 0)
        _write_table(ws, codes, CODES_HEADERS, styles)
        ws = book.add_worksheet("uitleg")
        ws.freeze_panes(1, 0)
        _write_table(ws, pd.DataFrame({"uitleg": list(_INSTRUCTIONS)}), {"uitleg": "uitleg"}, styles, filter_=False,
                     widths={"uitleg": 120})
        try:
            book.close()
        except xlsxwriter.exceptions.FileCreateError as exc:  # xlsxwriter wraps the OSError (disk full ...)
            raise (exc.args[0] if exc.args and isinstance(exc.args[0], OSError) else OSError(str(exc))) from None
    return target


# Bounds of a coded worklist, checked before it is unpacked (docs/robustness.md).
WORKLIST_MAX_UNPACKED, WORKLIST_MAX_RATIO = 256 << 20, 200


def _write_table(ws, frame: pd.DataFrame, headers: Mapping[str, str], styles: Mapping[str, object],
                 filter_: bool = True, widths: Mapping[str, int] | None = None) -> None:
    """A frame as a sheet: bold header with autofilter, widths that fit the content (within
    limits), text as text cells (no formula, no quote prefix), numbers as numbers."""
    numeric = [pd.api.types.is_numeric_dtype(frame[c]) for c in frame.columns]
    for c, col in enumerate(frame.columns):
        lengths = frame[col].astype(str).str.len() if len(frame) else pd.Series([0])
        width = max(len(headers.get(col, col)) + 3, int(lengths.quantile(0.9)) + 2)
        if col in ("code", "code_2") and headers is HEADERS:  # room for a choice: '2 (Gezinshereniging ...)'
            width = 30
        width = (widths or {}).get(col, min(width, 60))
        # empty cells a coder types in are text cells too (codes like 04021); the width in whole
        # characters of Excel's default font (7 pixels each), as stored before
        ws.set_column_pixels(c, c, 7 * width, None if numeric[c] else styles["text"])
        ws.write_string(0, c, headers.get(col, col), styles["bold"])
    for c, col in enumerate(frame.columns):  # cells of the worklist: distinct answers, not respondents
        values = frame[col].to_numpy(dtype=object)
        if numeric[c]:
            for r, value in enumerate(values, start=1):
                if not pd.isna(value):
                    ws.write_number(r, c, int(value))
            continue
        for r, value in enumerate(values, start=1):
            if value is None or value is pd.NA or value == "":
                ws.write_blank(r, c, None, styles["text"])
            else:
                ws.write_string(r, c, str(value), styles["text"])
    if filter_:
        ws.autofilter(0, 0, len(frame), max(len(frame.columns), 1) - 1)


def _runs(rows: np.ndarray) -> list[tuple[int, int]]:
    """Consecutive row numbers as (first, last) pairs."""
    if not len(rows):
        return []
    breaks = np.flatnonzero(np.diff(rows) != 1)
    return list(zip(rows[np.r_[0, breaks + 1]], rows[np.r_[breaks, len(rows) - 1]]))


def import_worklist(path: Path, targets, frames: Mapping[str, Mapping[str, object]], folder: Path,
                    today: str) -> ImportResult:
    """Check every coded row of a worklist; refuse the whole file (ImportRefused, frames unchanged)
    when any row is bad, else merge the codes into the code frames (each written atomically)."""

    if not path.is_file():
        raise SidError(ErrorCode.WORKLIST_MISSING, "worklist not found", file=path,
                       fix="Give the path of a worklist written by `sid code`.")
    bomb = zip_bomb(path, WORKLIST_MAX_UNPACKED, WORKLIST_MAX_RATIO)
    if bomb:
        raise SidError(ErrorCode.WORKLIST_INVALID, f"not read: {bomb}", file=path,
                       fix="Give the worklist written by `sid code`, saved again in Excel.")
    try:
        sheets = pd.read_excel(path, sheet_name=None, dtype=str, keep_default_na=False)
    except Exception as exc:  # openpyxl/zipfile errors for a file that is no workbook
        raise SidError(ErrorCode.WORKLIST_INVALID, f"cannot read the workbook ({type(exc).__name__})", file=path,
                       fix="Save the worklist as .xlsx.") from None
    by_name = {t.source: t for t in targets}
    problems, rows = [], []
    for sheet in SHEETS.values():
        if sheet not in sheets:
            continue
        dutch = HEADERS["verbatim"] in sheets[sheet].columns  # worklists before issue 21 had English headers
        table = sheets[sheet].rename(columns={v: k for k, v in HEADERS.items()}) if dutch else sheets[sheet]

        def header(col: str, dutch=dutch) -> str:  # the column as the coder sees it
            return HEADERS.get(col, col) if dutch else col
        missing = [c for c in ("variable", "verbatim", "code", "coder") if c not in table.columns]
        if missing:
            problems.append((sheet, 1, header(missing[0]), f"column {header(missing[0])!r} is missing"))
            continue
        for col in ("code_2", "coder_2"):
            if col not in table.columns:
                table[col] = ""
        for i, row in enumerate(table.itertuples(index=False), start=2):  # worklist rows, not respondents
            code, code2 = str(row.code).strip(), str(row.code_2).strip()
            if not code and not code2:
                continue
            target = by_name.get(str(row.variable).strip())
            if target is None:
                problems.append((sheet, i, header("variable"), f"{row.variable!r} is not a coded variable"))
                continue
            checked = {}
            for col, coder_col, value in (("code", "coder", code), ("code_2", "coder_2", code2)):
                if not value:
                    continue
                cleaned, mismatch = typed_code(value, target)
                if not valid_code(cleaned, target):
                    problems.append((sheet, i, header(col), f"{value!r} is not a code of "
                                                            f"{target.classification.title} ({target.source})"))
                elif mismatch:
                    problems.append((sheet, i, header(col), mismatch))
                if not str(getattr(row, coder_col)).strip():
                    problems.append((sheet, i, header(coder_col),
                                     f"{header(col)} filled but {header(coder_col)} empty"))
                checked[col] = cleaned
            if not str(row.verbatim).strip():
                problems.append((sheet, i, header("verbatim"), f"{header('verbatim')} is empty"))
            rows.append((target.source, str(row.verbatim), checked.get("code", ""), str(row.coder).strip(),
                         checked.get("code_2", ""), str(row.coder_2).strip()))
    if problems:
        raise ImportRefused(path, pd.DataFrame(problems, columns=PROBLEM_COLUMNS))
    coded = pd.DataFrame(rows, columns=["variable", "verbatim", "code", "coder", "code_2", "coder_2"])
    coded["key"] = match_keys(coded["verbatim"]) if len(coded) else pd.Series(dtype=object)
    pairs = []  # (variable, first code, second code) for the agreement
    for r in coded[(coded["code"] != "") & (coded["code_2"] != "")].itertuples(index=False):
        pairs.append((r.variable, r.code, r.code_2))
    merged: dict[str, dict[str, object]] = {}
    counts: dict[str, int] = {}
    for r in coded[coded["code"] != ""].itertuples(index=False):
        entries = merged.setdefault(r.variable, dict(frames.get(r.variable, {})))
        previous = entries.get(r.key)
        if previous is not None and previous.coder != r.coder:  # a second coder's worklist
            pairs.append((r.variable, previous.code, r.code))
        entries[r.key] = FrameEntry(excel_unquote(r.verbatim), r.code, r.coder, today)
        counts[r.variable] = counts.get(r.variable, 0) + 1
    written = tuple(write_codeframe(folder, variable, entries) for variable, entries in sorted(merged.items()))
    return ImportResult(counts, agreement(pd.DataFrame(pairs, columns=["variable", "a", "b"])), written)


def agreement(pairs: pd.DataFrame) -> pd.DataFrame:
    """Cohen's kappa per variable over items coded by two coders: (p_o - p_e) / (1 - p_e)."""
    rows = []
    for variable, part in pairs.groupby("variable", sort=True):
        a, b = part["a"].to_numpy(dtype=object), part["b"].to_numpy(dtype=object)
        rows.append((variable, len(part), float(np.mean(a == b)), cohen_kappa(a, b)))
    return pd.DataFrame(rows, columns=KAPPA_COLUMNS)


def cohen_kappa(a, b) -> float:
    a, b = np.asarray(a, dtype=object), np.asarray(b, dtype=object)
    if len(a) == 0:
        return float("nan")
    observed = float(np.mean(a == b))
    categories = np.unique(np.concatenate([a, b]).astype(str))
    pa = np.array([np.mean(a.astype(str) == c) for c in categories])
    pb = np.array([np.mean(b.astype(str) == c) for c in categories])
    expected = float(np.sum(pa * pb))
    if expected >= 1.0:
        return 1.0 if observed == 1.0 else float("nan")
    return (observed - expected) / (1.0 - expected)
