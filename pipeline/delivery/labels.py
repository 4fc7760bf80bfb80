"""Every variable label of the delivery that the form does not give: the pseudonymous id, the
sample-frame columns, the weights. (The form's own labels come from the questionnaire.)"""

from __future__ import annotations

from collections.abc import Iterable

from pipeline.ingest.ingest import SAMPLE_PREFIX
from pipeline.survey.questionnaire import Questionnaire, Variable
from pipeline.weighting.weights import WEIGHT_LABELS

UNLABELLED = {"start": "Starttijd van het interview", "end": "Eindtijd van het interview",
               "today": "Datum van het interview", "deviceid": "Toestel-id"}
SELECTED_LABELS = {"nl": ("niet gekozen", "gekozen"), "fr": ("non choisi", "choisi"),
                   "en": ("not selected", "selected")}
PSEUDONYM_LABEL = "Respondentnummer (pseudoniem)"


def sample_label(column: str) -> str:
    return f"Uit de steekproef: {column.removeprefix(SAMPLE_PREFIX)}"


def added_labels(columns: Iterable[str], questionnaire: Questionnaire, *, pseudonym: str | None) -> dict[str, str]:
    """Labels for the delivered columns that are not questions of the form. `pseudonym` names the
    pseudonymous id column (None when the key is delivered as it is)."""
    columns = list(columns)
    labels = {c: sample_label(c) for c in columns if c not in questionnaire and not c.startswith("_")}
    if pseudonym is not None:
        labels[pseudonym] = PSEUDONYM_LABEL
    labels.update({c: text for c, text in WEIGHT_LABELS.items() if c in columns})
    return labels


def variable_label(var: Variable, lang: str) -> str:
    """A form variable's label in `lang`; for a question the form leaves unlabelled, what it is
    (the interview's start, a calculation) or at least its name."""
    text = var.label(lang)
    if text:
        return text
    if var.type in UNLABELLED:
        return UNLABELLED[var.type]
    if var.calculate:
        return f"berekend: {var.calculate}"
    return var.name
