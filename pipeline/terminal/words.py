"""The words sid's terminal prints, in each language of `[survey] ui_language` (nl, en)."""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {  # key: (nl, en)
    # stages of `sid run` and what each did, in one figure
    "stage.ingest": ("inlezen", "ingest"),
    "stage.code": ("coderen", "code"),
    "stage.clean": ("opschonen", "clean"),
    "stage.validate": ("valideren", "validate"),
    "stage.weight": ("wegen", "weight"),
    "stage.report": ("veldwerkrapport", "fieldwork report"),
    "stage.export": ("levering", "delivery"),
    "what.interviews_kept": ("interviews behouden", "interviews kept"),
    "what.answers_open": ("antwoorden voor de codeurs", "answers left for the coders"),
    "what.cells_changed": ("cellen gewijzigd", "cells changed"),
    "what.errors": ("fouten", "errors"),
    "stage.reused": ("ongewijzigd, hergebruikt", "unchanged, reused"),
    "what.weighted": ("respondenten gewogen", "respondents weighted"),
    "what.interviewers": ("interviewers", "interviewers"),
    "what.variables": ("variabelen in het SPSS-bestand", "variables in the SPSS file"),
    "run.done": ("klaar in {seconds} s; levering: {folder} ({sav})",
                 "done in {seconds} s; delivery: {folder} ({sav})"),
    "run.exit0": ("exitcode 0: geen fouten na het opschonen", "exit code 0: no errors after cleaning"),
    "run.exit1": ("exitcode 1: {errors} fout(en) na het opschonen, zie work/validation_failures.xlsx",
                  "exit code 1: {errors} error(s) after cleaning, see work/validation_failures.xlsx"),
    # ingest
    "ingest.title": ("Inlezen", "Ingest"),
    "col.source": ("bron", "source"), "col.file": ("bestand", "file"), "col.rows": ("rijen", "rows"),
    "col.kept": ("behouden", "kept"), "col.merged": ("samengevoegd", "merged"),
    "col.excluded": ("uitgesloten", "excluded"), "col.problems": ("problemen", "problems"),
    "total": ("totaal", "total"),
    "ingest.not_kept": ("niet behouden: {reasons}  (work/reconciliation.csv)",
                        "not kept: {reasons}  (work/reconciliation.csv)"),
    "ingest.unmapped": ("{source}: {n} kolom(men) niet in de vragenlijst (metadata van het platform, niet "
                        "gebruikt): {shown}", "{source}: {n} column(s) not in the form (platform metadata, not "
                        "used): {shown}"),
    "ingest.problems": ("{n} cellen of regels kwamen niet aan zoals geschreven; wat ermee gebeurde en waarom: "
                        "work/ingest_problems.csv",
                        "{n} cells or lines did not arrive as written; listed with what was done and why in "
                        "work/ingest_problems.csv"),
    # export
    "export.sav": ("SPSS-bestand {path}  ({rows} respondenten, {columns} variabelen)",
                   "SPSS file {path}  ({rows} respondents, {columns} variables)"),
    "export.sps": ("Syntax {path}  (meervoudige-antwoordsets)", "Syntax {path}  (multiple-response sets)"),
    "export.renamed": ("  hernoemd voor SPSS: {old} → {new}", "  renamed for SPSS: {old} → {new}"),
    "warning": ("waarschuwing", "warning"),
    # cleaning
    "clean.title": ("Opschonen: {n} cellen gewijzigd", "Cleaning: {n} cells changed"),
    "col.step": ("stap", "step"), "col.rule": ("regel", "rule"), "col.cells": ("cellen", "cells"),
    "clean.excluded": ("uitgesloten respondenten: {reasons}", "excluded respondents: {reasons}"),
    "clean.roster_excluded": ("rosterrijen mee uitgesloten met hun respondent: {rows} (work/roster_exclusions.csv)",
                              "roster rows excluded with their respondent: {rows} (work/roster_exclusions.csv)"),
    # form
    "form.head": ("{title}  formulier {form_id} versie {version}; talen: {languages}",
                  "{title}  form {form_id} version {version}; languages: {languages}"),
    "form.module": ("Module {module}: {n} variabelen", "Module {module}: {n} variables"),
    "form.top": ("(zonder groep)", "(top level)"),
    "col.name": ("naam", "name"), "col.type": ("type", "type"), "col.label": ("label", "label"),
    "col.routing": ("routing", "routing"),
    "form.total": ("{n} variabelen; {routed} met routing; labels in SPSS: {language}",
                   "{n} variables; {routed} routed; labels shown in SPSS: {language}"),
    # validation
    "validation.title": ("Validatie: {errors} fouten, {warnings} waarschuwingen ({failing} van {rules} regels "
                         "falen)", "Validation: {errors} errors, {warnings} warnings ({failing} of {rules} rules "
                         "fail)"),
    "col.severity": ("ernst", "severity"), "col.fails": ("fout", "fails"), "col.items": ("items", "items"),
    "col.description": ("omschrijving", "description"),
    "severity.error": ("fout", "error"), "severity.warning": ("waarschuwing", "warning"),
    "severity.accepted": ("aanvaard", "accepted"),
    "validation.more": ("... en nog {n} regels die falen", "... and {n} more failing rules"),
    "validation.details": ("Details: work/validation_failures.xlsx (één rij per fout), "
                           "work/validation_summary.xlsx, work/quality.xlsx",
                           "Details: work/validation_failures.xlsx (one row per failure), "
                           "work/validation_summary.xlsx, work/quality.xlsx"),
    # weights
    "weight.title": ("Gewichten (finaal: geraked en getrimd)", "Weights (final: raked and trimmed)"),
    "col.stratum": ("stratum", "stratum"), "col.n": ("n", "n"), "col.min": ("min", "min"),
    "col.max": ("max", "max"), "col.cv": ("CV", "CV"), "col.deff": ("deff (Kish)", "deff (Kish)"),
    "col.efficiency": ("efficiëntie", "efficiency"), "col.n_eff": ("n eff.", "n eff."),
    "weight.converged": ("raking geconvergeerd", "raking converged"),
    "weight.not_converged": ("raking niet geconvergeerd", "raking not converged"),
    "weight.line": ("{state}: grootste relatieve afwijking van een marge {error} na {cycles} trim-rake-"
                    "cyclus/cycli; gewichten in work/weighted.parquet, work/weights.csv",
                    "{state}: largest relative margin error {error} after {cycles} trim-rake cycle(s); "
                    "weights in work/weighted.parquet, work/weights.csv"),
    # fieldwork
    "fieldwork.title": ("Veldwerk: stand op {day}", "Fieldwork: as of {day}"),
    "col.group": ("groep", "group"), "col.target": ("doel", "target"), "col.complete": ("volledig", "complete"),
    "col.usable": ("bruikbaar", "usable"),
    "basis.verzameld": ("verzameld", "as collected"), "basis.bruikbaar": ("bruikbaar", "usable"),
    "col.pct_target": ("% doel", "% target"), "col.to_do": ("nog te doen", "to do"),
    "fieldwork.interviewers": ("interviewers: {n}, gemarkeerd: {flagged}; controlelijst: {backcheck} "
                               "respondenten (seed {seed})", "interviewers: {n}, flagged: {flagged}; back-check "
                               "list: {backcheck} respondents (seed {seed})"),
    "fieldwork.report": ("Rapport {path}  (tabellen in work/fieldwork/)", "Report {path}  (tables in work/fieldwork/)"),
    "fieldwork.delivered": ("Versie voor de levering {path}  (zonder interviewerdetail)",
                            "Delivery version {path}  (without interviewer detail)"),
    # coding
    "coding.title": ("Codering: antwoorden per variabele", "Coding: answers per variable"),
    "coding.caption": ("n antwoorden (verschillende teksten); exact gecodeerd, bij benadering (na te kijken), "
                       "teruggecodeerd naar een keuze van de vraag; open: voor de codeurs",
                       "n answers (distinct texts); coded exactly, fuzzy (to review), back-coded to one of the "
                       "question's choices; open: left for the coders"),
    "col.variable": ("variabele", "variable"), "col.distinct": ("versch.", "distinct"),
    "col.exact": ("exact", "exact"), "col.fuzzy": ("benaderd", "fuzzy"), "col.back": ("terug", "back"),
    "col.open": ("open", "open"), "col.open_distinct": ("open versch.", "open dist."),
    "coding.worklist": ("werklijst: work/coding_worklist.xlsx ({open} antwoorden te coderen, {review} "
                        "benaderde codes na te kijken); teruggecodeerde cellen: work/coding_log.csv",
                        "worklist: work/coding_worklist.xlsx ({open} answers to code, {review} fuzzy matches "
                        "to review); back-coded cells: work/coding_log.csv"),
    "coding.merged": ("{variable}: {n} code(s) toegevoegd aan het codeerkader",
                      "{variable}: {n} code(s) merged into its code frame"),
    "coding.kappa": ("Overeenstemming tussen codeurs (Cohen's kappa)", "Agreement between coders (Cohen's kappa)"),
    "col.agreement": ("overeenstemming", "agreement"), "col.kappa": ("kappa", "kappa"),
    "coding.refused": ("Werklijst geweigerd, niets ingelezen: {path}", "Worklist refused, nothing imported: {path}"),
    "col.sheet": ("blad", "sheet"), "col.row": ("rij", "row"), "col.column": ("kolom", "column"),
    "col.problem": ("probleem", "problem"),
}
