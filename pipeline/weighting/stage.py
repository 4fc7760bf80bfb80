"""`sid weight`: weights for the cleaned respondents ([weight] in sid.toml) from the sample frame,
the dispositions and the population margins."""

from __future__ import annotations

import pandas as pd

from pipeline import workdir
from pipeline.errors import ErrorCode, SidError
from pipeline.fieldwork.stage import sample_and_dispositions
from pipeline.privacy import scrub_table
from pipeline.survey.project import Project
from pipeline.survey.questionnaire import Questionnaire
from pipeline.tables import headers_in, write_report
from pipeline.weighting.weights import WeightResult, read_population, weight


def run_weight(project: Project, questionnaire: Questionnaire,
               frame: pd.DataFrame | None = None) -> tuple[pd.DataFrame, WeightResult]:
    """work/weighted.parquet, the weights per respondent in work/weights.csv, the diagnostics in
    work/fieldwork/ and cleaned/."""
    if project.weight is None:
        raise SidError(ErrorCode.CONFIG_INVALID, "no [weight] section", file=project.file,
                       fix="Configure the weights in sid.toml (see docs/sid-toml.md).")
    if frame is None:
        frame = workdir.read_stage(project, workdir.CLEANED, "sid clean")
    sample, dispositions = sample_and_dispositions(project)
    weighted, result = weight(frame, sample, dispositions, read_population(project.weight.population),
                              project.weight, key=project.key)
    workdir.write_parquet(weighted, project.work / workdir.WEIGHTED)
    workdir.write_csv(result.weights, project.work / workdir.WEIGHTS)
    tables = {"diagnostics": result.diagnostics, "margins": result.margins, "convergence": result.convergence}
    for name, stem in workdir.WEIGHT_REPORTS.items():
        write_report(tables[name], workdir.fieldwork_dir(project) / stem, stem[:31], people=headers_in(project.ui_language))
        write_report(scrub_table(tables[name]), project.cleaned / stem, stem[:31])  # through the gate
    return weighted, result
