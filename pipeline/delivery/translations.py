"""The delivery in every label language: a label syntax file per other language that relabels the
same .sav in SPSS or PSPP (variable and value labels, MR-set labels, documents)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline import __version__
from pipeline.delivery import spss
from pipeline.delivery.export import SpssDictionary
from pipeline.delivery.labels import LabelTexts, label_texts
from pipeline.errors import ErrorCode, SidError
from pipeline.files import write_text_atomic


def labels_name(survey: str, lang: str) -> str:
    return f"{survey}_labels_{lang}.sps"


def same_data(main: pd.DataFrame, other: pd.DataFrame, lang: str) -> None:
    """The relabelled file must be the same file: the same variables and values in every language."""
    if list(main.columns) != list(other.columns) or not main.equals(other):
        raise SidError(ErrorCode.EXPORT_MISMATCH, f"the data in label language {lang!r} differ from the main .sav",
                       fix="This is a bug in sid; please report it with the form.")


def label_syntax(main: SpssDictionary, other: SpssDictionary, *, lang: str, language: str, sav_name: str,
                 sps_name: str, texts: LabelTexts | None = None) -> str:
    """SPSS syntax that gives the .sav written with `main` the labels of `other` (same variables)."""
    if [v.name for v in main.variables] != [v.name for v in other.variables]:
        raise SidError(ErrorCode.EXPORT_MISMATCH, f"the variables in label language {lang!r} differ from the main .sav",
                       fix="This is a bug in sid; please report it with the form.")
    texts = texts or label_texts(lang)  # sid's words in that language, with the project's overrides
    q = spss.syntax_quote
    lines = [f"* {texts.text('labels_head', language=language, sav=sav_name)}",
             f"* {texts.text('labels_how', sps=sps_name)}",
             f"* sid {__version__}.",
             f"* GET FILE={q(sav_name)}.", "",
             f"FILE LABEL {q(other.file_label)}.", "", "VARIABLE LABELS"]
    labelled = [v for v in other.variables if v.label]
    for i, v in enumerate(labelled):
        lines.append(f"  {'/' if i else ''}{v.name} {q(v.label)}")
    lines[-1] += "."
    coded = [v for v in other.variables if v.value_labels]
    if coded:
        lines += ["", "VALUE LABELS"]
        for i, v in enumerate(coded):
            lines.append(f"  {'/' if i else ''}{v.name}")
            for code, label in v.value_labels.items():
                value = q(code) if isinstance(code, str) else spss.code_text(code)
                lines.append(f"    {value} {q(label)}")
        lines[-1] += "."
    for s in other.mrsets:
        lines += ["", f"MRSETS /MDGROUP NAME={s.name} LABEL={q(spss.clip_bytes(s.label, 240))}",
                  "  CATEGORYLABELS=VARLABELS VALUE=1", "  VARIABLES=" + " ".join(s.variables) + "."]
    lines += ["", "DROP DOCUMENTS.", "ADD DOCUMENT"]
    lines += [f"  {q(line)}" for line in other.documents]
    lines[-1] += "."
    return "\n".join(lines) + "\n"


def write_label_syntax(target: Path, text: str) -> Path:
    write_text_atomic(target, text, encoding="utf-8")
    return target
