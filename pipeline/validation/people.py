"""The validation reports as people read them in Excel: headers in the UI language, codes with
their labels ('3 (geen partner)'), numbers rounded. The CSVs keep the frozen machine columns."""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pandas as pd

from pipeline.survey.questionnaire import Questionnaire
from pipeline.tables import headers_in

SEVERITIES = {"error": ("fout", "error"), "warning": ("waarschuwing", "warning"),
              "accepted": ("aanvaard", "accepted")}
_PAIR = re.compile(r"(\w+)=([^;,\s]+)")
_WHOLE = re.compile(r"^(-?\d+)\.0+$")


def for_people(language: str, questionnaire: Questionnaire | None = None,
               label_language: str | None = None) -> Callable[[pd.DataFrame], pd.DataFrame]:
    """What write_report(people=...) applies to a report frame before it goes into the workbook."""
    which = 0 if language == "nl" else 1

    def view(frame: pd.DataFrame) -> pd.DataFrame:
        out = frame.copy()
        if "value" in out.columns and "variable" in out.columns and questionnaire is not None:
            out["value"] = readable_values(out, questionnaire, label_language)
        if "severity" in out.columns:
            out["severity"] = out["severity"].map(lambda s: SEVERITIES.get(s, (s, s))[which])
        for col in ("item_nonresponse", "dont_know"):
            if col in out.columns:
                out[col] = (100 * out[col].astype(float)).round(1)
        for col, digits in (("duration_min", 1), ("duration_ratio", 2)):
            if col in out.columns:
                out[col] = out[col].astype(float).round(digits)
        return headers_in(language)(out)

    return view


def readable_values(failures: pd.DataFrame, questionnaire: Questionnaire, language: str | None) -> pd.Series:
    """Failure values with the label of their code: '3.0' of partner -> '3 (geen partner)',
    'partner=3.0' -> 'partner=3 (geen partner)'; whole numbers without '.0'. Worked out once per
    distinct (variable, value)."""
    lang = questionnaire.language(language).column
    labels = {v.name: {c.name: c.label(lang) for c in v.choices.choices}
              for v in questionnaire if v.choices is not None}
    missing = {str(c): t for c, t in questionnaire.missing.labels.items()}

    def code(variable: str, text: str) -> str:
        text = _WHOLE.sub(r"\1", text)
        label = labels.get(variable, {}).get(text) or (missing.get(text) if re.fullmatch(r"-\d+", text) else None)
        return f"{text} ({label})" if label else text

    def shown(variable: str, value: str) -> str:
        if "=" in value:
            return _PAIR.sub(lambda m: f"{m[1]}={code(m[1], m[2])}", value)
        return code(variable, value)

    keys = failures[["variable", "value"]].fillna("").astype(str)
    distinct = keys.drop_duplicates()
    distinct = distinct.assign(shown=[shown(v, x) for v, x in distinct.itertuples(index=False)])
    merged = keys.merge(distinct, on=["variable", "value"], how="left")
    values = failures["value"].astype(object)
    return pd.Series(np.where(values.isna(), values, merged["shown"].to_numpy(dtype=object)), index=failures.index)
