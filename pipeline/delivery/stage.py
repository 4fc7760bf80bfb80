"""`sid export`: the cleaned (or weighted) frame through the privacy gate into the delivery:
the labelled .sav and .sps, CSV and Parquet copies, codebook, DDI, README for ABB."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import replace

import pandas as pd

from pipeline import workdir
from pipeline.coding.coding import export_metadata
from pipeline.coding.plan import Target, plan
from pipeline.delivery import conventions as spss_conventions
from pipeline.delivery import rosters as roster_files
from pipeline.delivery import translations
from pipeline.delivery.companions import write_data_parquet, write_delivery
from pipeline.delivery.export import ExportResult, mrsets_syntax, spss_frame, write_sav
from pipeline.delivery.labels import (
    LabelTexts,
    added_labels,
    coded_label,
    delivery_language,
    delivery_texts,
    label_texts,
)
from pipeline.errors import ErrorCode, SidError
from pipeline.files import write_text_atomic
from pipeline.parallel.beside import beside
from pipeline.privacy import DeliveryPrivacy, delivery_privacy, free_text_columns, scrub_frame, scrub_media
from pipeline.rerun.records import current_artifact
from pipeline.survey.project import Project
from pipeline.survey.questionnaire import Language, Questionnaire
from pipeline.weighting.weights import WEIGHT, WEIGHT_POPULATION


def delivery_frame(project: Project, frame: pd.DataFrame, privacy: DeliveryPrivacy) -> tuple[pd.DataFrame, str]:
    """The frame as ABB may receive it: the respondent key replaced by its pseudonym (the
    crosswalk stays in work/), or kept as it is with `pseudonymise = false`. Returns the frame and
    the name of its id column."""
    if not privacy.pseudonymised:
        return frame, project.key
    rid = privacy.id_column
    ids = privacy.ids(frame[project.key])
    workdir.write_csv(pd.DataFrame({rid: ids, project.key: frame[project.key]}), project.work / workdir.CROSSWALK)
    # copy=False: the other columns are shared with `frame`, not copied (copy-on-write keeps it unchanged)
    out = pd.DataFrame({rid: ids.to_numpy(), **{c: frame[c] for c in frame.columns if c != project.key}},
                       index=frame.index, copy=False)
    return out, rid


def run_export(project: Project, questionnaire: Questionnaire,
               frame: pd.DataFrame | Callable[[], pd.DataFrame] | None = None,
               then: Callable[[], object] | None = None, coming: tuple[str, ...] = ()) -> ExportResult:
    """The delivery's files from the cleaned (or weighted) `frame` (None: read from work/). The Parquet copy is
    written beside the rest by a helper process (pipeline/parallel/beside.py) from the moment the .sav is in
    place, the CSV copy here after the codebooks; `then`, work that needs only the written .sav (`sid run`'s
    weighted tables), likewise beside from that moment. Both have finished when this returns. `coming`: files another
    stage adds to the delivery after this (companions.write_delivery). `frame` handed over as a function
    that gives it: held by the export alone, which lets it go once the SPSS frame is made (peak memory)."""
    with ExitStack() as jobs:
        return _run_export(project, questionnaire, frame, then, jobs, coming)


def _run_export(project: Project, questionnaire: Questionnaire,
                frame: pd.DataFrame | Callable[[], pd.DataFrame] | None,
                then: Callable[[], object] | None, jobs: ExitStack, coming: tuple[str, ...] = ()) -> ExportResult:
    privacy = delivery_privacy(project)  # no key: refuse before anything is read or written
    if callable(frame):
        frame = frame()
    if frame is None:  # the weighted data when `sid weight` weighted the current cleaned data
        name = current_artifact(project, "weight", "clean")
        if name == workdir.CLEANED and project.weight is not None and (project.work / workdir.WEIGHTED).is_file():
            raise SidError(ErrorCode.STAGE_MISSING, "the weights in work/ are of an earlier cleaning",
                           file=project.work / workdir.WEIGHTED, fix="Run `sid weight` first (or `sid run`).")
        frame = workdir.read_stage(project, name, "sid clean")
    # the rosters' rows of the delivered respondents, and their counts in the main file
    rosters, roster_warnings = roster_files.delivered_rosters(project, questionnaire, frame)
    frame = roster_files.with_counts(frame, rosters, project.key, questionnaire)
    delivered, key = delivery_frame(project, frame, privacy)
    if project.sample is not None:  # identifiers are never joined; never delivered either way
        delivered = delivered.drop(columns=[c for c in project.sample.identifiers if c in delivered.columns])
    media = scrub_media(delivered, questionnaire)  # a file name a person chose may name someone
    scrubbed = scrub_frame(media.frame, free_text_columns(delivered, questionnaire, exclude=[key]))
    delivered = scrubbed.frame
    counts = pd.concat([scrubbed.counts, media.counts], ignore_index=True) if len(media.counts) else scrubbed.counts
    workdir.write_csv(counts, project.cleaned / workdir.PII_SCRUBBED)
    # resolved once: the .sav, codebook, DDI ([export] languages: the first; the others relabel it)
    language = delivery_language(project, questionnaire)
    texts = delivery_texts(project, questionnaire)
    targets = plan(questionnaire, project.coding, cache=project.work) if project.coding is not None else ()
    conventions = _conventions(project, targets, delivered, key)
    # the coded columns' codes (and their classification's labels, relabelled per language): found once
    coded = (export_metadata(project.coding, questionnaire, delivered, targets)[1]
             if project.coding is not None else None)
    data, dictionary, warnings = labelled_dictionary(project, questionnaire, delivered, key, privacy, language,
                                                     texts, conventions, targets, coded)
    frame = None  # the SPSS frame is made: the cleaned data let go, and the delivered answers unless another
    if not project.export.languages[1:]:  # language's labels are made from them (peak memory of the export)
        delivered = media = scrubbed = None
    exported = _export(project, data, dictionary, warnings, privacy, texts)
    data = None
    # the Parquet copy by a helper once the .sav is written; the CSV copy here once the codebooks and README are
    # (the longer copy beside the codebooks, the shorter where this process would wait; from after the .sav, not
    # before it: `sid run`'s validation helper has then mostly ended, and the two peaks do not meet:
    # docs/performance.md, session 33; a helper each was no faster on two cores and peaked higher, session 32)
    copies = jobs.enter_context(beside(write_data_parquet, exported.data, exported.dictionary,
                                       project.cleaned / f"{project.name}.parquet", what="the Parquet copy"))
    if then is not None:
        jobs.enter_context(beside(then, what="the weighted tables"))
    exported = replace(exported, warnings=exported.warnings + roster_warnings)
    # label files and codebooks of other languages are made anew (a previous delivery's are not kept)
    current = {roster_files.sav_name(project.name, level.roster) for level in rosters}
    for stale in [*project.cleaned.glob(f"{project.name}_labels_*.sps"), *project.cleaned.glob("codebook_*.*"),
                  *roster_files.stale_files(project.cleaned, project.name, current)]:
        stale.unlink()
    others = []
    for code in project.export.languages[1:]:  # the same file, relabelled: one syntax file per language
        other = questionnaire.language(code)
        other_texts = label_texts(other.code, project.export.labels)
        data, dictionary, _ = labelled_dictionary(project, questionnaire, delivered, key, privacy, other,
                                                  other_texts, conventions, targets, coded)
        translations.same_data(exported.data, data, other.code)
        text = translations.label_syntax(exported.dictionary, dictionary, lang=other.code, language=other.column,
                                         sav_name=project.sav_path.name, sps_name=project.sps_path.name,
                                         texts=other_texts)
        translations.write_label_syntax(project.cleaned / translations.labels_name(project.name, other.code), text)
        others.append((other, dictionary, other_texts))
    exports, scrubbed, warnings = [], [counts], []
    for level in rosters:  # one .sav per roster level, by the same code as the main file
        roster_export, roster_scrubbed, roster_warnings = _export_roster(project, questionnaire, level, key, privacy,
                                                                         language, texts, conventions)
        exports.append(roster_export)
        scrubbed.append(roster_scrubbed)
        warnings += [w for w in roster_warnings if w not in exported.warnings]
    if exports:
        workdir.write_csv(pd.concat(scrubbed, ignore_index=True), project.cleaned / workdir.PII_SCRUBBED)
        exported = replace(exported, warnings=exported.warnings + tuple(dict.fromkeys(warnings)))
    # the copies and codebooks are made from the SPSS frame: the answers (and another language's frame) let go
    frame = delivered = media = data = None
    write_delivery(project, questionnaire, exported, language, privacy, others=tuple(others), texts=texts,
                   rosters=tuple(exports), copies=copies, coming=coming)
    return exported


def _export_roster(project: Project, questionnaire: Questionnaire, level: roster_files.RosterRows, key: str,
                   privacy: DeliveryPrivacy, language: Language, texts: LabelTexts,
                   conventions: spss_conventions.Conventions
                   ) -> tuple[roster_files.RosterExport, pd.DataFrame, tuple[str, ...]]:
    """A roster level's .sav (keys first: the id as in the main file, the instance numbers), its
    .sps and its label syntax per other language; returns also what the scrub changed in it and
    the warnings (labels cut, questions loaded as text)."""
    roster = level.roster
    form = roster_files.level_questionnaire(questionnaire, roster)
    rows = level.frame.drop(columns=[c for c in level.frame.columns if str(c).startswith("_")])
    if privacy.pseudonymised:  # the same pseudonym as in the main file (the crosswalk is the main file's)
        rows = pd.concat([pd.DataFrame({key: privacy.ids(rows[project.key]).to_numpy()}, index=rows.index),
                          rows.drop(columns=[project.key])], axis=1)
    media = scrub_media(rows, form)
    scrubbed = scrub_frame(media.frame, free_text_columns(rows, form, exclude=[key]))
    counts = pd.concat([scrubbed.counts, media.counts], ignore_index=True)
    counts["variable"] = roster.name + "." + counts["variable"].astype(str)
    sav = project.cleaned / roster_files.sav_name(project.name, roster)
    parent = (project.sav_path.name if roster.parent is None
              else roster_files.sav_name(project.name, roster.parent))
    keys = (key, *level.keys)
    named = replace(project, title=f"{project.title} – {roster.name}")
    rules = replace(conventions, coded={}, anchors={}, weights=(), sps_name=sav.with_suffix(".sps").name)

    def dictionary_in(lang: Language, lang_texts: LabelTexts):
        numbers = {r.number_column: lang_texts.text("roster_number", roster=r.name)
                   for r in roster_files.ancestry(questionnaire.rosters, roster.name)}
        note = lang_texts.text("doc_roster", roster=roster.name, sav=parent, keys=" ".join(keys[:-1]))
        data, dictionary, warnings = labelled_dictionary(named, form, scrubbed.frame, key, privacy, lang, lang_texts,
                                                         rules, (), None, extra=numbers, notes=(note,))
        return (*roster_files.ordered(data, dictionary, [dictionary.renamed.get(k, k) for k in keys]), warnings)

    data, dictionary, warnings = dictionary_in(language, texts)
    written = write_sav(data, dictionary, sav)  # names the file already
    title = privacy.label_prefix(texts.text) + named.title
    join = roster_files.join_syntax(project.sav_path.name, sav.name, keys)
    write_text_atomic(sav.with_suffix(".sps"), mrsets_syntax(dictionary, sav.name, title, texts)
                      + "\n" + "".join(f"* {line}\n" for line in join.splitlines()), encoding="utf-8")
    others = []
    for code in project.export.languages[1:]:
        other = questionnaire.language(code)
        other_texts = label_texts(other.code, project.export.labels)
        other_data, other_dictionary, _ = dictionary_in(other, other_texts)
        translations.same_data(data, other_data, other.code)
        text = translations.label_syntax(dictionary, other_dictionary, lang=other.code, language=other.column,
                                         sav_name=sav.name, sps_name=sav.with_suffix(".sps").name, texts=other_texts)
        translations.write_label_syntax(project.cleaned / translations.labels_name(sav.stem, other.code), text)
        others.append((other, other_dictionary, other_texts))
    return roster_files.RosterExport(
        roster=roster, sav=sav, sps=sav.with_suffix(".sps"), keys=tuple(dictionary.renamed.get(k, k) for k in keys),
        parent=parent, count=roster_files.count_name(roster), data=data, dictionary=dictionary,
        questionnaire=form, others=tuple(others)), counts, tuple(f"{sav.name}: {w}" for w in warnings) + written


def _conventions(project: Project, targets: tuple[Target, ...], delivered: pd.DataFrame, key: str
                 ) -> spss_conventions.Conventions:
    """The coded columns (kind, the column each follows) and the weights (the documents' notes are
    added per label language)."""
    coded, anchors = {}, {}
    for target in targets:
        if target.column and target.column in delivered.columns:
            coded[target.column] = target.kind
            anchors[target.column] = target.source if target.source in delivered.columns else target.parent
            for name, _ in target.companions:  # after the coded column, in the order coding adds them
                if name in delivered.columns:
                    coded[name], anchors[name] = target.kind, target.column
    return spss_conventions.Conventions(
        key=key, coded=coded, anchors={c: a for c, a in anchors.items() if a},
        weights=tuple(w for w in (WEIGHT, WEIGHT_POPULATION) if w in delivered.columns),
        occupation_titles=_occupation_titles(project), sps_name=project.sps_path.name)


def _occupation_titles(project: Project) -> dict[str, dict[int, str]]:
    """ISCO-08 titles from the structure file for the English and French labels: its 'Title EN'
    (ILO) and 'Title FR' (ESCO) columns; French falls back to English where a title is missing."""
    path = project.coding.occupations if project.coding is not None else None
    if path is None or path.suffix.lower() != ".csv" or not path.is_file():
        return {}
    table = pd.read_csv(path, dtype=str)
    if not {"ISCO 08 Code", "Title EN"} <= set(table.columns):
        return {}
    # the unit groups (4 digits) and the major groups (1 digit) that coding delivers; as numbers
    # the other levels would collide with them ('01' and '1')
    table = table[table["ISCO 08 Code"].str.len().isin([1, 4])]
    codes = table["ISCO 08 Code"].astype(int)
    english = dict(zip(codes, table["Title EN"]))
    french = table["Title FR"].fillna(table["Title EN"]) if "Title FR" in table.columns else table["Title EN"]
    return {"en": english, "fr": dict(zip(codes, french))}


def _export(project: Project, data: pd.DataFrame, dictionary, warnings: tuple[str, ...], privacy: DeliveryPrivacy,
            texts: LabelTexts) -> ExportResult:
    """The .sav (and its .sps) of the SPSS frame and its dictionary (`labelled_dictionary`)."""
    warnings += write_sav(data, dictionary, project.sav_path)
    title = privacy.label_prefix(texts.text) + project.title
    write_text_atomic(project.sps_path, mrsets_syntax(dictionary, project.sav_path.name, title, texts),
                      encoding="utf-8")
    return ExportResult(sav=project.sav_path, sps=project.sps_path, rows=len(data), columns=data.shape[1],
                        renamed=dictionary.renamed, warnings=warnings, dictionary=dictionary, data=data)


def labelled_dictionary(project: Project, questionnaire: Questionnaire, delivered: pd.DataFrame, key: str,
                        privacy: DeliveryPrivacy, language: Language, texts: LabelTexts,
                        conventions: spss_conventions.Conventions, targets: tuple[Target, ...],
                        value_labels: dict | None, extra: dict[str, str] | None = None, notes: tuple[str, ...] = ()):
    """The frame as the .sav holds it and its dictionary in one label language; `extra` labels
    columns sid adds (a roster's instance numbers), `notes` are document lines after the privacy notices."""
    labels = added_labels(delivered.columns, questionnaire, pseudonym=key if privacy.pseudonymised else None,
                          texts=texts)
    labels.update(roster_files.count_labels(project, questionnaire.rosters, delivered.columns, texts))
    labels.update(extra or {})
    for target in targets:  # coded columns: labelled in this language (conventions.apply)
        if target.column and target.column in delivered.columns:
            question = questionnaire[target.parent or target.source].label(language.column)
            labels[target.column] = coded_label(question, target.kind, texts)
            labels.update({name: coded_label(question, kind, texts)
                           for name, kind in target.companions if name in delivered.columns})
    notes = privacy.notices(texts.text) + tuple(notes)  # in this label language
    data, dictionary, warnings = spss_frame(delivered, questionnaire, language=language, key=key,
                                            title=privacy.label_prefix(texts.text) + project.title, labels=labels,
                                            value_labels=value_labels, notes=notes, texts=texts)
    data, dictionary = spss_conventions.apply(data, dictionary, questionnaire, replace(conventions, notes=notes),
                                              texts)
    return data, dictionary, warnings
