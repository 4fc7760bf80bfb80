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
from pipeline.errors import ErrorCode, SidError
from pipeline.files import atomic_path, zip_bomb
from pipeline.survey.questionnaire import Questionnaire
from pipeline.tables import excel_safe, excel_unquote

FRAME_COLUMNS = ["verbatim", "code", "coder", "date"]
WORKLIST_COLUMNS = ["status", "variable", "question", "verbatim", "frequency", "context", "automatic_code",
                    "suggestion_1", "suggestion_2", "suggestion_3", "code", "coder", "code_2", "coder_2",
                    "remark"]
KAPPA_COLUMNS = ["variable", "items", "agreement", "kappa"]
PROBLEM_COLUMNS = ["sheet", "row", "column", "problem"]
SHEETS = {"open": "coderen", "fuzzy": "nakijken"}
_INSTRUCTIONS = (
    "Werklijst voor de codeurs (gemaakt door sid code).",
    "Blad 'coderen': antwoorden die sid niet kon coderen. Vul per rij de kolom code en uw naam in coder.",
    "Blad 'nakijken': antwoorden die sid bij benadering (fuzzy) codeerde; de code van sid staat in "
    "automatic_code. Neem ze over of verbeter ze in code, met uw naam in coder.",
    "De suggesties tonen de drie best passende codes met hun score (0-100).",
    "Geldige codes per variabele staan in het blad 'codes'. Ontbrekende waarden: -1 weet niet, "
    "-2 wil niet antwoorden, -4 ongeldig (niet te coderen, bv. 'test').",
    "Dubbel coderen (overeenstemming): een tweede codeur vult code_2 en coder_2 voor dezelfde rijen, "
    "zonder code te bekijken. sid code --import geeft dan Cohen's kappa per variabele.",
    "Rijen zonder code blijven open. Lees de lijst in met: sid code --import work/coding_worklist.xlsx",
)


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


def valid_code(code: str, target) -> bool:
    return bool(code) and (target.classification.valid(code) or re.fullmatch(r"-\d+", code) is not None)


# --- the worklist -------------------------------------------------------------------------------

def worklist_rows(frame: pd.DataFrame, target, table: pd.DataFrame, per_answer: pd.Series, key: str,
                  questionnaire: Questionnaire) -> pd.DataFrame:
    """Rows for the coders: the open and the fuzzy-coded distinct verbatims of one variable, with
    their frequency, an example respondent's context and the best three suggestions."""
    todo = table[table["status"].isin(["open"]) | (table["method"] == "fuzzy")]
    if todo.empty:
        return pd.DataFrame(columns=WORKLIST_COLUMNS)
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
    suggestions = todo["suggestions"].fillna("").str.split(r" \| ", regex=True)

    fuzzy = (todo["method"] == "fuzzy").to_numpy()
    lang = next((lg.column for lg in questionnaire.label_languages if lg.code == "nl"), questionnaire.default_language)
    return pd.DataFrame({
        "status": np.where(fuzzy, "fuzzy", "open"),
        "variable": target.source,
        "question": var.label(lang),
        "verbatim": scrubbed(todo["verbatim"]).to_numpy(dtype=object),
        "frequency": todo["answers"].to_numpy(),
        "context": todo["normalised"].map(contexts).fillna("").to_numpy(dtype=object),
        "automatic_code": np.where(fuzzy, todo["code"] + " " + todo["label"], ""),
        **{f"suggestion_{i + 1}": suggestions.map(lambda s, i=i: s[i] if len(s) > i else "").to_numpy(dtype=object)
           for i in range(3)},
        "code": "", "coder": "", "code_2": "", "coder_2": "", "remark": "",
    }).sort_values(["status", "variable", "frequency", "verbatim"], ascending=[False, True, False, True],
                   kind="stable")[WORKLIST_COLUMNS]


def _show(value) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def allowed_codes(targets) -> pd.DataFrame:
    """The codes a coder may use, per classification with the variables that use it (the 'codes'
    sheet). Of ISO 639-3 only the languages with a name are listed; every code is accepted."""
    rows = []
    users: dict[int, list] = {}
    for target in targets:
        users.setdefault(id(target.classification), [target.classification]).append(target.source)
    for cls, *variables in users.values():
        named = set(cls.name_frame()["code"]) - {""}
        for code in sorted(named if len(cls.labels) > 2000 else cls.labels):
            rows.append((", ".join(variables), cls.title, code, cls.label(code)))
    return pd.DataFrame(rows, columns=["variables", "classification", "code", "label"])


def write_worklist(worklist: pd.DataFrame, codes: pd.DataFrame, target: Path) -> Path:
    """One workbook: 'coderen' (open), 'nakijken' (fuzzy), 'codes', 'uitleg'. Text that Excel would
    run as a formula is quoted (reports.excel_safe)."""
    with atomic_path(target) as tmp:
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            for status, sheet in SHEETS.items():
                part = excel_safe(worklist[worklist["status"] == status].drop(columns="status"))
                part.to_excel(writer, sheet_name=sheet, index=False)
                ws = writer.sheets[sheet]
                ws.freeze_panes = "D2"
                for i, col in enumerate(part.columns, start=1):
                    width = 12 if col.startswith(("code", "coder")) else 30 if col != "frequency" else 10
                    ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = width
            excel_safe(codes).to_excel(writer, sheet_name="codes", index=False)
            pd.DataFrame({"uitleg": list(_INSTRUCTIONS)}).to_excel(writer, sheet_name="uitleg", index=False)
    return target


# Bounds of a coded worklist, checked before it is unpacked (docs/robustness.md).
WORKLIST_MAX_UNPACKED, WORKLIST_MAX_RATIO = 256 << 20, 200


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
        table = sheets[sheet]
        missing = [c for c in ("variable", "verbatim", "code", "coder") if c not in table.columns]
        if missing:
            problems.append((sheet, 1, missing[0], f"column {missing[0]!r} is missing"))
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
                problems.append((sheet, i, "variable", f"{row.variable!r} is not a coded variable"))
                continue
            checked = {}
            for col, coder_col, value in (("code", "coder", code), ("code_2", "coder_2", code2)):
                if not value:
                    continue
                cleaned = clean_code(value, target)
                if not valid_code(cleaned, target):
                    problems.append((sheet, i, col, f"{value!r} is not a code of {target.classification.title} "
                                                    f"({target.source})"))
                if not str(getattr(row, coder_col)).strip():
                    problems.append((sheet, i, coder_col, f"{col} filled but {coder_col} empty"))
                checked[col] = cleaned
            if not str(row.verbatim).strip():
                problems.append((sheet, i, "verbatim", "verbatim is empty"))
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
