"""`sid export`: the cleaned (or weighted) frame through the privacy gate into the delivery:
the labelled .sav and .sps, CSV and Parquet copies, codebook, DDI, README for ABB."""

from __future__ import annotations

import pandas as pd

from pipeline import workdir
from pipeline.coding.coding import export_metadata
from pipeline.delivery.companions import write_delivery
from pipeline.delivery.export import ExportResult, export
from pipeline.delivery.labels import added_labels
from pipeline.privacy import DeliveryPrivacy, delivery_privacy, free_text_columns, scrub_frame
from pipeline.survey.project import Project
from pipeline.survey.questionnaire import Questionnaire


def delivery_frame(project: Project, frame: pd.DataFrame, privacy: DeliveryPrivacy) -> tuple[pd.DataFrame, str]:
    """The frame as ABB may receive it: the respondent key replaced by its pseudonym (the
    crosswalk stays in work/), or kept as it is with `pseudonymise = false`. Returns the frame and
    the name of its id column."""
    if not privacy.pseudonymised:
        return frame, project.key
    rid = privacy.id_column
    ids = privacy.ids(frame[project.key])
    workdir.write_csv(pd.DataFrame({rid: ids, project.key: frame[project.key]}), project.work / workdir.CROSSWALK)
    out = pd.concat([pd.DataFrame({rid: ids.to_numpy()}, index=frame.index),
                     frame.drop(columns=[project.key])], axis=1)
    return out, rid


def run_export(project: Project, questionnaire: Questionnaire, frame: pd.DataFrame | None = None) -> ExportResult:
    privacy = delivery_privacy(project)  # no key: refuse before anything is read or written
    if frame is None:  # the weighted data when `sid weight` ran after the last `sid clean`
        frame = workdir.read_stage(project, workdir.newest(project, workdir.WEIGHTED, workdir.CLEANED), "sid clean")
    delivered, key = delivery_frame(project, frame, privacy)
    if project.sample is not None:  # identifiers are never joined; never delivered either way
        delivered = delivered.drop(columns=[c for c in project.sample.identifiers if c in delivered.columns])
    scrubbed = scrub_frame(delivered, free_text_columns(delivered, questionnaire, exclude=[key]))
    delivered = scrubbed.frame
    workdir.write_csv(scrubbed.counts, project.cleaned / workdir.PII_SCRUBBED)
    labels = added_labels(delivered.columns, questionnaire, pseudonym=key if privacy.pseudonymised else None)
    value_labels = None
    if project.coding is not None:  # coded columns: Dutch labels and the classification's codes
        coded_labels, value_labels = export_metadata(project.coding, questionnaire, delivered)
        labels.update(coded_labels)
    language = questionnaire.language(project.language)  # resolved once: the .sav, codebook, DDI
    exported = export(delivered, questionnaire, sav=project.sav_path, sps=project.sps_path,
                      language=language, key=key, title=privacy.label_prefix + project.title, labels=labels,
                      value_labels=value_labels, notes=privacy.notices)
    write_delivery(project, questionnaire, exported, language, privacy)
    return exported

