"""Coding: open and other-specify answers to codes of a code frame or a standard classification,
matched once per distinct normalised verbatim; other-specify answers that name one of the
question's own choices are back-coded to it. What needs a person goes to the coders' worklist."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import partial
from types import MappingProxyType
from typing import Mapping

import numpy as np
import pandas as pd

from pipeline.cleaning.clean import LOG_COLUMNS, diff_log
from pipeline.coding import classifications as C
from pipeline.coding.classifications import Classification, normalise, sound_key
from pipeline.coding.dates import answer_dates, as_of
from pipeline.coding.frames import FrameEntry, match_keys
from pipeline.coding.plan import Target, _is_missing_name, plan
from pipeline.coding.worklist import NORMALISED, WORKLIST_COLUMNS, with_suggestions, worklist_rows
from pipeline.parallel.beside import in_order
from pipeline.survey.project import CodingSettings
from pipeline.survey.questionnaire import Questionnaire

MATCH_COLUMNS = ["variable", "verbatim", "normalised", "answers", "code", "label", "status", "method",
                 "score", "suggestions"]
COVERAGE_COLUMNS = ["variable", "classification", "answers", "distinct", "exact", "fuzzy", "back_coded",
                    "open", "open_distinct"]
STATUSES = ("exact", "fuzzy", "back_coded", "open")
_CHUNK = 1000  # distinct verbatims scored at once (memory: chunk × candidates scores)
_OWN_LIST_THRESHOLD = 90.0  # a form's own answer labels are short phrases: fuzzy only when very close
_MIN_LENGTH_RATIO = 0.7  # 'eglise' is no misspelling of 'lise': lengths must be comparable


@dataclass(frozen=True)
class CodedVariable:
    """Metadata of a coded column, for the SPSS export and the codebook."""

    name: str
    source: str
    parent: str | None
    classification: str
    title: str
    label: str
    numeric: bool
    value_labels: Mapping[str, str]


@dataclass(frozen=True)
class CodingResult:
    matches: pd.DataFrame  # MATCH_COLUMNS: one row per variable and distinct normalised verbatim
    log: pd.DataFrame  # clean.LOG_COLUMNS: cells changed by back-coding (parent recoded, text emptied)
    coverage: pd.DataFrame  # COVERAGE_COLUMNS: respondents per status, per variable
    worklist: pd.DataFrame  # what coders get (open and fuzzy), see worklist.WORKLIST_COLUMNS
    variables: tuple[CodedVariable, ...]

    def labels(self) -> dict[str, str]:
        """Dutch variable labels of the coded columns (export(labels=...))."""
        return {v.name: v.label for v in self.variables}

    def value_labels(self) -> dict[str, dict]:
        """Value labels of the coded columns (export(value_labels=...)): numbers for NIS, ISCO
        and ISCED codes, text for ISO codes."""
        out = {}
        for v in self.variables:
            out[v.name] = {(float(c) if v.numeric else c): t for c, t in v.value_labels.items()}
        return out


# --- the stage ----------------------------------------------------------------------------------

def code(frame: pd.DataFrame, questionnaire: Questionnaire, *, key: str, targets: tuple[Target, ...],
         frames: Mapping[str, Mapping[str, FrameEntry]], threshold: float = 75.0,
         reference: date | None = None, progress=None, suggestions: bool = True) -> tuple[pd.DataFrame, CodingResult]:
    """Code every target variable of `frame`; pure (the frame is not changed). `progress` hears
    each variable as it starts (its name, its position, of how many); variables matched by a helper
    process (parallel/beside.py) are not heard.

    `frames` holds each variable's code frame: normalised verbatim -> entry. Matching runs on the
    distinct normalised verbatims only; the codes reach respondents through one vectorised map.
    With `reference`, NIS codes are those valid on the interview date (else on `reference`), and
    the code named, where it differs, goes to the companion column `<column>_historisch`. Without
    `suggestions` the worklist's suggestion columns are left to `suggested` (`sid run` makes them beside the
    stages after coding: pipeline/coding/stage.py)."""
    out = frame.reset_index(drop=True)  # copy-on-write: columns assigned below leave `frame` as it was
    before = frame.reset_index(drop=True)
    missing_names = _missing_candidates(questionnaire)
    matches, coverage, work, variables, touched = [], [], [], [], set()
    shared = _shared_frames(targets, frames)
    when = answer_dates(out, questionnaire, reference) if reference is not None else None
    prepare = partial(_prepared, before=before, shared=shared, frames=frames, missing_names=missing_names,
                      threshold=threshold, key=key, questionnaire=questionnaire, suggestions=suggestions)
    ready = None  # each variable's matching and worklist, made beforehand when no variable writes what another reads
    if _independent(targets):  # two at a time where a second core is usable (parallel/beside.py)
        announce = (lambda item: progress(f"coding {item[1].source}", item[0], len(targets))) if progress else None
        ready = in_order(lambda item: prepare(item[1], out), list(enumerate(targets)),
                         what="the coding of open answers", announce=announce)
    for done, target in enumerate(targets):
        if progress and ready is None:
            progress(f"coding {target.source}", done, len(targets))
        if target.source not in out.columns:
            continue
        per_answer, table, worked = ready[done] if ready is not None else prepare(target, out)
        codes = per_answer.map(dict(zip(table["normalised"], table["code"])))
        status = per_answer.map(dict(zip(table["normalised"], table["status"])))
        if target.parent is not None and target.parent in out.columns:
            back = _back_code(out, target, codes)
            status = status.mask(back, "back_coded")
            table = _back_coded_status(table, target)
            touched |= {target.parent, target.source}
        if target.column:
            out[target.column], extra = _companions(target, _coded_column(out, target, codes), when)
            variables.append(_metadata(target, out[target.column], questionnaire))
            for name, values, label, labeller in extra:
                out[name] = values
                variables.append(_metadata(target, values, questionnaire, name, label, labeller))
        matches.append(table.assign(variable=target.source))
        coverage.append(_coverage(target, table, status))
        work.append(worked)
    columns = [key, *sorted(touched)]
    log = (diff_log(before[columns], out[columns], key, "coding", "back_coding") if touched
           else pd.DataFrame(columns=LOG_COLUMNS))
    match_frame = (pd.concat(matches, ignore_index=True)[MATCH_COLUMNS] if matches
                   else pd.DataFrame(columns=MATCH_COLUMNS))
    cover = pd.DataFrame(coverage, columns=COVERAGE_COLUMNS)
    worklist = (pd.concat(work, ignore_index=True) if work else
                pd.DataFrame(columns=WORKLIST_COLUMNS if suggestions else [*WORKLIST_COLUMNS, NORMALISED]))
    return out, CodingResult(match_frame, log[LOG_COLUMNS].reset_index(drop=True), cover,
                             worklist, tuple(variables))


def _prepared(target: Target, out: pd.DataFrame, *, before: pd.DataFrame, shared: dict, frames, missing_names,
              threshold: float, key: str, questionnaire: Questionnaire, suggestions: bool = True) -> tuple | None:
    """One variable's distinct answers matched: (the normalised answer per respondent, the match table, its
    worklist rows); None when the data lack the variable. `out`: the frame as coding has
    it so far."""
    if target.source not in out.columns:
        return None
    text = out[target.source].astype("string")
    present = (text.notna() & (text.str.strip() != "")).fillna(False).to_numpy(dtype=bool)
    raw_counts = text[present].value_counts(sort=False)
    keys = match_keys(pd.Series(raw_counts.index.to_numpy(dtype=object)))
    table = _distinct(raw_counts, keys)
    candidates = _candidates(target, frames.get(target.source, {}), shared.get(target.kind, {}), missing_names)
    table = _match(table, candidates, target.classification, threshold,
                   {str(c): t for c, t in questionnaire.missing.labels.items()})
    per_answer = pd.Series(pd.NA, index=out.index, dtype=object)
    per_answer[present] = text[present].map(dict(zip(raw_counts.index, keys))).to_numpy(dtype=object)
    backed = target.parent is not None and target.parent in out.columns
    worked = worklist_rows(before, target, _back_coded_status(table, target) if backed else table, per_answer, key,
                           questionnaire, candidates if suggestions else None)
    return per_answer, table, worked


def suggested(worklist: pd.DataFrame, questionnaire: Questionnaire, targets: tuple[Target, ...],
              frames: Mapping[str, Mapping[str, FrameEntry]]) -> pd.DataFrame:
    """The worklist of `code(..., suggestions=False)` with its suggestions: the same rows, in the same order,
    as `code` makes with them."""
    if NORMALISED not in worklist.columns:
        return worklist
    names = candidate_names(questionnaire, targets, frames, only=set(worklist["variable"]))
    by_source = {t.source: t for t in targets}
    parts = [with_suggestions(rows, by_source[source], names[source], questionnaire)
             for source, rows in worklist.groupby("variable", sort=False)]
    return (pd.concat(parts, ignore_index=True) if parts else worklist.reindex(columns=WORKLIST_COLUMNS))


def _independent(targets: tuple[Target, ...]) -> bool:
    """Whether no variable's coding writes a column another variable's coding reads (its text, its parent
    question): then each can be matched from the data as they came in, in any order."""
    for i, target in enumerate(targets):
        written = {target.column, *(name for name, _ in target.companions)} - {None, ""}
        if target.parent is not None:
            written |= {target.parent, target.source}
        for j, other in enumerate(targets):
            if i != j and written & {other.source, other.parent}:
                return False
    return True


def _distinct(raw_counts: pd.Series, keys: pd.Series) -> pd.DataFrame:
    """One row per normalised verbatim: its number of answers and its most frequent spelling."""
    frame = pd.DataFrame({"verbatim": raw_counts.index.to_numpy(dtype=object),
                          "n": raw_counts.to_numpy(), "normalised": keys.to_numpy(dtype=object)})
    frame = frame[frame["normalised"] != ""]
    frame = frame.sort_values(["normalised", "n", "verbatim"], ascending=[True, False, True], kind="stable")
    grouped = frame.groupby("normalised", sort=True)
    return pd.DataFrame({"normalised": grouped["verbatim"].first().index.to_numpy(dtype=object),
                         "verbatim": grouped["verbatim"].first().to_numpy(dtype=object),
                         "answers": grouped["n"].sum().to_numpy()})


def _missing_candidates(questionnaire: Questionnaire) -> pd.DataFrame:
    """'weet niet', 'wil niet antwoorden' ... typed in a text are the survey's missing codes."""
    rows = [(label, str(code)) for code, label in questionnaire.missing.labels.items()]
    rows += [("weet ik niet", str(questionnaire.missing.code("dont_know"))),
             ("geen idee", str(questionnaire.missing.code("dont_know"))),
             ("ne sais pas", str(questionnaire.missing.code("dont_know"))),
             ("don't know", str(questionnaire.missing.code("dont_know")))]
    frame = pd.DataFrame(rows, columns=["name", "code"])
    return pd.DataFrame({"normalised": normalise(frame["name"]), "code": frame["code"], "method": "missing"})


def _shared_frames(targets, frames) -> dict[str, dict[str, str]]:
    """Codes of all code frames per standard classification: 'Morokko' coded for one country
    question is known for the others too."""
    out: dict[str, dict[str, str]] = {}
    for target in targets:
        if target.kind in C.KINDS:
            for norm, entry in frames.get(target.source, {}).items():
                if not _is_missing_name(entry.code):
                    out.setdefault(target.kind, {}).setdefault(norm, entry.code)
    return out


def _candidates(target: Target, own: Mapping[str, FrameEntry], shared: Mapping[str, str],
                missing: pd.DataFrame) -> pd.DataFrame:
    """Names that point to a code, most trusted first: the variable's own code frame, the
    parent's choice labels (back-coding), the classification, other frames of the same
    classification, the missing-value labels."""
    parts = [pd.DataFrame({"normalised": list(own), "code": [e.code for e in own.values()], "method": "frame"})]
    if target.parent is not None and target.kind in C.KINDS:
        parts.append(_choice_label_names(target))
    names = target.classification.name_frame()
    parts.append(names.assign(method="label") if target.kind.startswith("choices:") else names)
    parts.append(pd.DataFrame({"normalised": list(shared), "code": list(shared.values()), "method": "frame"}))
    parts.append(missing)
    frame = pd.concat(parts, ignore_index=True)
    frame = frame[frame["normalised"].astype(str) != ""].drop_duplicates("normalised", keep="first")
    todo = frame["key"].isna().to_numpy() if "key" in frame.columns else np.ones(len(frame), bool)
    keys = frame["key"].to_numpy(dtype=object, copy=True) if "key" in frame.columns else np.empty(len(frame), object)
    keys[todo] = sound_key(frame["normalised"][todo]).to_numpy(dtype=object)  # the classification's are cached
    return frame.assign(key=keys)


def candidate_names(questionnaire: Questionnaire, targets: tuple[Target, ...],
                    frames: Mapping[str, Mapping[str, FrameEntry]], only=None) -> dict[str, pd.DataFrame]:
    """Per target variable (of those named in `only`, if given) the names that point to a code, most trusted
    first (what the matching and the worklist's suggestions use): `normalised`, `code`, `method`, `key`."""
    shared, missing = _shared_frames(targets, frames), _missing_candidates(questionnaire)
    return {t.source: _candidates(t, frames.get(t.source, {}), shared.get(t.kind, {}), missing) for t in targets
            if only is None or t.source in only}


def _choice_label_names(target: Target) -> pd.DataFrame:
    """The form's labels of the parent's choices (every language), so that 'Marokko' is choice
    MA whatever the classification calls it."""
    frame = pd.DataFrame(list(target.label_names), columns=["name", "code"])
    return pd.DataFrame({"normalised": normalise(frame["name"]), "code": frame["code"], "method": "label"})


def _match(table: pd.DataFrame, candidates: pd.DataFrame, cls: Classification, threshold: float,
           missing_labels: Mapping[str, str] = MappingProxyType({})) -> pd.DataFrame:
    """Exact on the normalised verbatim, then fuzzy (rapidfuzz ratio on the text and on its sound
    key, the better of the two) above `threshold`, unless two codes score equally."""
    table = table.copy()
    exact = candidates.set_index("normalised")
    hit = pd.Series(exact.index.get_indexer(table["normalised"]) >= 0, index=table.index)  # unique names
    found = exact.reindex(table["normalised"])
    code = found["code"].to_numpy(dtype=object)
    ambiguous_exact = hit.to_numpy() & (pd.Series(code).fillna("") == "").to_numpy()
    table["code"] = np.where(hit & ~ambiguous_exact, code, "")
    table["method"] = np.where(hit & ~ambiguous_exact, found["method"].to_numpy(dtype=object), "")
    table["score"] = np.where(hit & ~ambiguous_exact, 100.0, 0.0)
    table["suggestions"] = ""
    todo = np.flatnonzero(table["code"].to_numpy() == "")
    usable = candidates[(candidates["code"].astype(str) != "")
                        & ~candidates["method"].isin(list(C.EXACT_ONLY))].reset_index(drop=True)
    if len(todo) and len(usable):
        codes, code_index = np.unique(usable["code"].astype(str).to_numpy(), return_inverse=True)
        order = np.argsort(code_index, kind="stable")
        starts = np.searchsorted(code_index[order], np.arange(len(codes)))
        cand_norm = usable["normalised"].to_numpy(dtype=object)[order]
        cand_key = usable["key"].to_numpy(dtype=object)[order]
        cand_len = np.array([len(t) for t in cand_norm], dtype=np.float32)[None, :]
        queries = table["normalised"].to_numpy(dtype=object)[todo]
        query_keys = sound_key(pd.Series(queries)).to_numpy(dtype=object)
        best_code = np.empty(len(todo), dtype=object)
        best_score = np.zeros(len(todo))
        suggestions = np.empty(len(todo), dtype=object)
        from rapidfuzz import fuzz, process  # here: a `sid run` that reuses the coding never imports it

        for lo in range(0, len(todo), _CHUNK):
            hi = min(lo + _CHUNK, len(todo))
            scores = np.maximum(
                process.cdist(queries[lo:hi], cand_norm, scorer=fuzz.ratio, dtype=np.float32, workers=-1),
                process.cdist(query_keys[lo:hi], cand_key, scorer=fuzz.ratio, dtype=np.float32, workers=-1))
            q_len = np.array([len(t) for t in queries[lo:hi]], dtype=np.float32)[:, None]
            scores[np.minimum(q_len, cand_len) < _MIN_LENGTH_RATIO * np.maximum(q_len, cand_len)] = 0
            per_code = np.maximum.reduceat(scores, starts, axis=1)  # best score of each code
            top = np.argsort(-per_code, axis=1, kind="stable")[:, :3]
            top_scores = np.take_along_axis(per_code, top, axis=1)
            best_code[lo:hi] = codes[top[:, 0]]
            best_score[lo:hi] = top_scores[:, 0]
            tie = top_scores[:, 0] == top_scores[:, 1] if top.shape[1] > 1 else np.zeros(hi - lo, bool)
            best_code[lo:hi][tie] = ""
            for i in range(hi - lo):  # three suggestions per distinct verbatim
                suggestions[lo + i] = " | ".join(
                    f"{codes[j]} {missing_labels.get(codes[j]) or _with_parents(cls, codes[j])} ({s:.0f})"
                    for j, s in zip(top[i], top_scores[i]) if s > 0)
        accept = (best_score >= max(threshold, _OWN_LIST_THRESHOLD if cls.kind.startswith("choices:") else 0)) \
            & (best_code != "") & ~ambiguous_exact[todo]  # a name of two codes is for a coder to choose
        idx_accept = todo[accept]
        table.loc[table.index[idx_accept], "code"] = best_code[accept]
        table.loc[table.index[idx_accept], "method"] = "fuzzy"
        table.loc[table.index[todo], "score"] = np.round(best_score, 1)
        table.loc[table.index[todo], "suggestions"] = suggestions
    if ambiguous_exact.any() and "candidates" in found.columns:  # a name of two municipalities (Deurne): both are the suggestions
        both = found["candidates"].fillna("").to_numpy(dtype=object)[ambiguous_exact]
        table.loc[table.index[ambiguous_exact], "suggestions"] = [
            " | ".join(f"{c} {_with_parents(cls, c)} (100)" for c in b.split("|") if c) for b in both]
        table.loc[table.index[ambiguous_exact], "method"] = found["method"].to_numpy(dtype=object)[ambiguous_exact]
    table["status"] = np.select([table["code"] == "", table["method"] == "fuzzy"], ["open", "fuzzy"], "exact")
    table["label"] = [(missing_labels.get(c) or cls.label(c)) if c else "" for c in table["code"]]
    return table


def _with_parents(cls: Classification, code: str) -> str:
    """'7112 Metselaars e.d. [7 > 71 > 711]': an ISCO unit group with the groups above it."""
    parents = cls.parents(code) if cls.groups else []
    return cls.label(code) + (f" [{' > '.join(c for c, _ in parents)}]" if parents else "")


def _back_code(out: pd.DataFrame, target: Target, codes: pd.Series) -> np.ndarray:
    """Recode the parent to the choice the text names, empty the text; in place on `out` (the
    stage's own copy). Returns which respondents were back-coded."""
    choice = codes.map(target.backcodes)
    parent = out[target.parent]
    if target.parent_multi:
        tokens = parent.astype("string").fillna("")
        other_re = r"(?:^| )(?:" + "|".join(re.escape(o) for o in target.others) + r")(?= |$)"
        has_other = tokens.str.contains(other_re, regex=True).fillna(False).to_numpy(dtype=bool)
    else:
        values = parent.astype("string").str.replace(r"\.0$", "", regex=True)
        has_other = values.isin(list(target.others)).fillna(False).to_numpy(dtype=bool)
    back = choice.notna().to_numpy() & has_other
    if not back.any():
        return back
    if target.parent_multi:
        kept = tokens[back].str.replace(other_re, "", regex=True).str.split()
        new = [" ".join(sorted(set(t) | {c}, key=_order(target))) for t, c in zip(kept, choice[back])]
        out[target.parent] = parent.astype(object).where(~back, pd.Series(new, index=parent.index[back]))
    elif pd.api.types.is_numeric_dtype(parent):
        out[target.parent] = parent.where(~back, pd.to_numeric(choice, errors="coerce"))
    else:
        out[target.parent] = parent.astype(object).where(~back, choice)
    out[target.source] = out[target.source].mask(back)  # the verbatim stays in the code frame and log
    return back


def _order(target: Target):
    rank = {c: i for i, c in enumerate(target.choice_codes)}
    return lambda name: rank.get(name, len(rank))


def _back_coded_status(table: pd.DataFrame, target: Target) -> pd.DataFrame:
    table = table.copy()
    table.loc[table["code"].isin(list(target.backcodes)), "status"] = "back_coded"
    return table


def _coded_column(out: pd.DataFrame, target: Target, codes: pd.Series) -> pd.Series:
    """The codes per respondent; for a single choice question its choices mapped to the
    classification, the coded text where the answer was 'other'. Empty where nothing to code."""
    if target.combined:
        parent = out[target.parent].astype("string").str.replace(r"\.0$", "", regex=True)
        mapped = parent.map(dict(target.choice_codes))
        values = mapped.astype(object).where(mapped.notna(), codes)
    else:
        values = codes
    values = values.astype(object).where(values.notna() & (values != ""), None)
    if target.classification.numeric:
        return pd.to_numeric(values, errors="coerce").astype("float64")
    return values.astype("string").fillna("").astype(object)


def _companions(target: Target, column: pd.Series, when: pd.Series | None) -> tuple[pd.Series, list]:
    """The coded column as of each answer's date, and the columns that come with it as
    (name, values, label, labeller): the NIS code named where it was replaced by then
    (`<column>_historisch`), the ISCO-08 major group of the unit group (`<column>1`)."""
    cls, extra = target.classification, []
    if cls.kind == "municipality" and when is not None:
        column, historic = as_of(column, when, cls)
        extra.append((target.companions[0][0], historic,
                      f"{target.label} – historische NIS-code zoals genoemd (vóór een fusie)", cls.label))
    if cls.kind == "occupation" and cls.groups.get("1"):
        major = column.where(column < 0, np.floor(column / 1000))
        extra.append((target.companions[0][0], major, f"{target.label} – hoofdgroep (1 cijfer)",
                      lambda c: cls.groups["1"].get(c, c)))
    return column, extra


def _metadata(target: Target, column: pd.Series, questionnaire: Questionnaire, name: str | None = None,
              label: str | None = None, labeller=None) -> CodedVariable:
    cls = target.classification
    if cls.numeric:
        used = sorted({str(int(v)) for v in column.dropna().unique()})
    else:
        used = sorted({str(v) for v in column.unique() if v})
    labeller = labeller or cls.label
    labels = {c: labeller(c) for c in used if not _is_missing_name(c)}
    labels |= {str(c): t for c, t in questionnaire.missing.labels.items()}
    return CodedVariable(name or target.column, target.source, target.parent, cls.kind, cls.title,
                         label or target.label, cls.numeric, MappingProxyType(labels))


def _coverage(target: Target, table: pd.DataFrame, status: pd.Series) -> tuple:
    counts = status.value_counts()
    return (target.source, target.classification.title, int(status.notna().sum()), len(table),
            *(int(counts.get(s, 0)) for s in STATUSES), int((table["status"] == "open").sum()))


def export_metadata(settings: CodingSettings, questionnaire: Questionnaire, frame: pd.DataFrame,
                    targets: tuple[Target, ...] | None = None) -> tuple[dict[str, str], dict[str, dict]]:
    """Dutch variable labels and value labels of the coded columns present in `frame`, for
    export(labels=..., value_labels=...) when the export runs on its own (sid export); `targets`:
    the coding plan when the caller has it already (else it is made here)."""
    variables = []
    for t in plan(questionnaire, settings) if targets is None else targets:
        if t.column and t.column in frame.columns:
            variables.append(_metadata(t, frame[t.column], questionnaire))
            variables += [_metadata(t, frame[name], questionnaire, name, label, labeller)
                          for name, _, label, labeller in _companions(t, frame[t.column], None)[1]
                          if name in frame.columns]
            historic = t.companions[0][0] if t.kind == "municipality" else None
            if t.kind == "municipality" and historic in frame.columns:
                variables.append(_metadata(t, frame[historic], questionnaire, historic,
                                           f"{t.label} – historische NIS-code zoals genoemd (vóór een fusie)"))
    result = CodingResult(pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), tuple(variables))
    return result.labels(), result.value_labels()
