"""`sid report tables`: the delivered .sav read as ABB reads it, every labelled question by each
breakdown, written as work/tabellen.html and .xlsx (and into the delivery by `sid run`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyreadstat

from pipeline import workdir
from pipeline.delivery.labels import delivery_texts
from pipeline.errors import ErrorCode, SidError
from pipeline.survey.project import Project, TablesSettings
from pipeline.survey.questionnaire import Questionnaire
from pipeline.tabulation.render import write_html, write_xlsx
from pipeline.tabulation.tabulate import Question, Tables, tabulate, valid_values


@dataclass(frozen=True)
class TablesResult:
    tables: Tables
    html: Path
    xlsx: Path


def questions_of(meta, questionnaire: Questionnaire, exclude: set[str], other: str = "overige") -> list[Question]:
    """Every nominal or ordinal variable with labelled valid codes; a 0/1 indicator of a
    multiple-choice question only as its 'selected' row. `other`: the module of the variables
    outside any group."""
    form = {v.name: v for v in questionnaire}
    out = []
    for name, label in zip(meta.column_names, meta.column_labels):
        labels = meta.variable_value_labels.get(name, {})
        missing = meta.missing_ranges.get(name, [])
        valid = {float(c): t for c, t in labels.items() if not isinstance(c, str) and not _declared_missing(c, missing)}
        if name in exclude or not valid or meta.variable_measure.get(name) not in ("nominal", "ordinal"):
            continue
        source = next((name[:i] for i in range(len(name), 0, -1) if name[:i] in form), None)
        module = "/".join(form[source].group) if source else ""
        module = module or other  # sample-frame and coded columns outside any group
        if set(valid) == {0.0, 1.0} and source and form[source].type == "select_multiple":
            valid = {1.0: valid[1.0]}
        out.append(Question(name, label or name, module, valid))
    return out


def _declared_missing(code, missing: list) -> bool:
    """Whether a code is one of the declared missing values or ranges (as `valid_values` reads them)."""
    code = float(code)
    return any(float(r["lo"]) <= code <= float(r["hi"]) if isinstance(r, dict) else code == float(r)
               for r in missing)


def run_tables(project: Project, questionnaire: Questionnaire, *, folder: Path | None = None) -> TablesResult:
    """Tables of the delivered .sav (`folder`: the delivery, default cleaned/) into work/, or with
    `folder` given by `sid run`, into that (staged) delivery."""
    settings = project.tables or TablesSettings()
    source = (folder or project.cleaned) / project.sav_path.name
    if not source.is_file():
        raise SidError(ErrorCode.CONFIG_INVALID, f"no delivery to tabulate: {source} does not exist",
                       fix="Run `sid run` (or `sid export`) first.")
    data, meta = pyreadstat.read_sav(str(source), user_missing=True)
    missing = meta.missing_ranges
    breakdowns = {}
    for name in settings.breakdowns:
        labels = meta.variable_value_labels.get(name)
        if name not in data.columns or not labels:
            raise SidError(ErrorCode.CONFIG_INVALID, f"tables.breakdowns: {name!r} is not a labelled variable "
                           f"of {source.name}", file=project.file, fix="Name labelled variables of the delivery.")
        breakdowns[name] = valid_values(data[name], missing.get(name, [])).map(labels)
    texts = delivery_texts(project, questionnaire)  # the language of the .sav's labels
    questions = questions_of(meta, questionnaire, {settings.weight, settings.strata, *settings.breakdowns},
                             texts.text("tab_other_module"))
    valid = pd.DataFrame({q.name: valid_values(data[q.name], missing.get(q.name, [])) for q in questions})
    for column in (settings.weight, settings.strata):
        if column in data.columns:
            valid[column] = data[column]
    tables = tabulate(valid, questions, breakdowns, weight=settings.weight, strata=settings.strata,
                      min_n=settings.min_n)
    target = folder or project.work
    title = texts.text("tab_title", title=meta.file_label or project.title)
    html = write_html(tables, title, target / f"{workdir.TABLES}.html", texts)
    xlsx = write_xlsx(tables, target / f"{workdir.TABLES}.xlsx", texts)
    return TablesResult(tables, html, xlsx)
