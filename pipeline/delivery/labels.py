"""Every label of the delivery that the form does not give, in each label language: the missing
codes, the pseudonymous id, the sample-frame columns, the weights, the coded variables, the
documents. One table (nl, fr, en), overridable per language in sid.toml ([export.labels.<lang>])."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pipeline.delivery.prose import PROSE
from pipeline.errors import ErrorCode, SidError
from pipeline.ingest.ingest import SAMPLE_PREFIX
from pipeline.survey.project import MissingScheme, Project
from pipeline.survey.questionnaire import Language, Questionnaire, Variable
from pipeline.weighting.weights import WEIGHT, WEIGHT_POPULATION

LANGUAGES = ("nl", "fr", "en")

# key → {language: text}; `{…}` fields are filled in by `LabelTexts.text`.
TEXTS: dict[str, dict[str, str]] = {
    # missing-value codes, by their role in [missing]
    "dont_know": {"nl": "weet niet", "fr": "ne sait pas", "en": "don't know"},
    "refused": {"nl": "wil niet antwoorden", "fr": "refuse de répondre", "en": "refused"},
    "not_applicable": {"nl": "niet van toepassing", "fr": "sans objet", "en": "not applicable"},
    "invalid": {"nl": "ongeldig", "fr": "non valide", "en": "invalid"},
    "no_answer": {"nl": "geen antwoord", "fr": "pas de réponse", "en": "no answer"},
    # value labels sid gives
    "not_selected": {"nl": "niet gekozen", "fr": "non choisi", "en": "not selected"},
    "selected": {"nl": "gekozen", "fr": "choisi", "en": "selected"},
    "no": {"nl": "nee", "fr": "non", "en": "no"},
    "yes": {"nl": "ja", "fr": "oui", "en": "yes"},
    # variable labels sid gives
    "pseudonym": {"nl": "Respondentnummer (pseudoniem)", "fr": "Numéro de répondant (pseudonyme)",
                  "en": "Respondent number (pseudonym)"},
    "start": {"nl": "Starttijd van het interview", "fr": "Heure de début de l'entretien",
              "en": "Start time of the interview"},
    "end": {"nl": "Eindtijd van het interview", "fr": "Heure de fin de l'entretien",
            "en": "End time of the interview"},
    "today": {"nl": "Datum van het interview", "fr": "Date de l'entretien", "en": "Date of the interview"},
    "deviceid": {"nl": "Toestel-id", "fr": "Identifiant de l'appareil", "en": "Device id"},
    "calculated": {"nl": "berekend: {expression}", "fr": "calculé : {expression}",
                   "en": "calculated: {expression}"},
    "sample": {"nl": "Uit de steekproef: {column}", "fr": "De l'échantillon : {column}",
               "en": "From the sample: {column}"},
    WEIGHT: {"nl": "Gewicht (design × non-respons × raking, getrimd; gemiddelde 1)",
             "fr": "Pondération (plan × non-réponse × calage, écrêtée ; moyenne 1)",
             "en": "Weight (design × nonresponse × raking, trimmed; mean 1)"},
    WEIGHT_POPULATION: {"nl": "Gewicht (design × non-respons × raking, getrimd; som = populatie)",
                        "fr": "Pondération (plan × non-réponse × calage, écrêtée ; somme = population)",
                        "en": "Weight (design × nonresponse × raking, trimmed; sum = population)"},
    # coded variables: '<question> – <classification>'
    "country": {"nl": "land (ISO 3166-1)", "fr": "pays (ISO 3166-1)", "en": "country (ISO 3166-1)"},
    "language": {"nl": "taal (ISO 639-3)", "fr": "langue (ISO 639-3)", "en": "language (ISO 639-3)"},
    "municipality": {"nl": "gemeente (NIS-code)", "fr": "commune (code INS)", "en": "municipality (NIS code)"},
    "occupation": {"nl": "beroep (ISCO-08)", "fr": "profession (CITP-08)", "en": "occupation (ISCO-08)"},
    "municipality_historic": {"nl": "NIS-code vóór een fusie",
                              "fr": "code INS avant une fusion",
                              "en": "NIS code before a merger"},
    "occupation_major": {"nl": "beroep, hoofdgroep (ISCO-08, 1 cijfer)",
                         "fr": "profession, grand groupe (CITP-08, 1 chiffre)",
                         "en": "occupation, major group (ISCO-08, 1 digit)"},
    "education": {"nl": "onderwijsniveau (ISCED 2011)", "fr": "niveau d'éducation (CITE 2011)",
                  "en": "level of education (ISCED 2011)"},
    # documents of the .sav
    "doc_form": {"nl": "Vragenlijst {form} versie {version}", "fr": "Questionnaire {form} version {version}",
                 "en": "Questionnaire {form} version {version}"},
    "doc_period": {"nl": "Veldwerk van {first} tot {last}", "fr": "Terrain du {first} au {last}",
                   "en": "Fieldwork from {first} to {last}"},
    "doc_language": {"nl": "Labels in taal: {language}", "fr": "Étiquettes en langue : {language}",
                     "en": "Labels in language: {language}"},
    "doc_made": {"nl": "Gemaakt met sid {version}", "fr": "Produit avec sid {version}",
                 "en": "Made with sid {version}"},
    "doc_weight": {"nl": "Weging: WEIGHT BY {weight}. (percentages en gemiddelden voor de populatie);",
                   "fr": "Pondération : WEIGHT BY {weight}. (pourcentages et moyennes de la population) ;",
                   "en": "Weighting: WEIGHT BY {weight}. (population percentages and means);"},
    "doc_weight_total": {"nl": "{weight} geeft populatietotalen. Ongewogen n: WEIGHT OFF.",
                         "fr": "{weight} donne des totaux de population. n non pondéré : WEIGHT OFF.",
                         "en": "{weight} gives population totals. Unweighted n: WEIGHT OFF."},
    "doc_round": {"nl": "Gewogen aantallen als gehele getallen: CROSSTABS ... /COUNT=ROUND CELL.",
                  "fr": "Effectifs pondérés entiers : CROSSTABS ... /COUNT=ROUND CELL.",
                  "en": "Weighted counts as whole numbers: CROSSTABS ... /COUNT=ROUND CELL."},
    "doc_missing": {"nl": "Ontbrekende waarden (user-missing):", "fr": "Valeurs manquantes (user-missing) :",
                    "en": "Missing values (user-missing):"},
    "doc_mrsets": {"nl": "Meerkeuzevragen: run {sps} voor de MR-sets.",
                   "fr": "Questions à choix multiple : exécutez {sps} pour les ensembles MR.",
                   "en": "Multiple-choice questions: run {sps} for the MR sets."},
    # privacy notices (the .sav's file label and documents, README.txt)
    "privacy_prefix": {"nl": "NIET GEPSEUDONIMISEERD", "fr": "NON PSEUDONYMISÉ", "en": "NOT PSEUDONYMISED"},
    "privacy_demo": {"nl": "DEMO-levering: gemaakt met demodata, niet voor analyse of archivering.",
                     "fr": "Livraison DEMO : faite avec des données de démonstration, ni pour l'analyse ni "
                           "pour l'archivage.",
                     "en": "DEMO delivery: made with demo data, not for analysis or archiving."},
    "privacy_demo_key": {"nl": "DEMO-sleutel: de pseudoniemen zijn gemaakt met een publieke sleutel en dus terug "
                               "te rekenen naar het steekproefnummer.",
                         "fr": "Clé DEMO : les pseudonymes sont faits avec une clé publique et permettent donc de "
                               "retrouver le numéro d'échantillon.",
                         "en": "DEMO key: the pseudonyms are made with a public key and so can be traced back to "
                               "the sample number."},
    "privacy_not_pseudonymised": {"nl": "Niet gepseudonimiseerd: {reason}", "fr": "Non pseudonymisé : {reason}",
                                  "en": "Not pseudonymised: {reason}"},
    "privacy_id_own": {"nl": "{column}: het eigen respondentnummer van het veldwerkbureau, NIET gepseudonimiseerd "
                             "({reason}).",
                       "fr": "{column} : le numéro de répondant propre à l'institut de terrain, NON pseudonymisé "
                             "({reason}).",
                       "en": "{column}: the fieldwork agency's own respondent number, NOT pseudonymised ({reason})."},
    "privacy_id_demo": {"nl": "{column}: een pseudoniem respondentnummer (HMAC-SHA256 van het steekproefnummer) met "
                              "de publieke DEMO-sleutel: niet geheim, dus omkeerbaar.",
                        "fr": "{column} : un numéro de répondant pseudonyme (HMAC-SHA256 du numéro d'échantillon) "
                              "avec la clé DEMO publique : pas secrète, donc réversible.",
                        "en": "{column}: a pseudonymous respondent number (HMAC-SHA256 of the sample number) with "
                              "the public DEMO key: not secret, so reversible."},
    "privacy_id_secret": {"nl": "{column}: een pseudoniem respondentnummer (HMAC-SHA256 van het steekproefnummer "
                                "met een geheime sleutel die bij het veldwerkbureau blijft).",
                          "fr": "{column} : un numéro de répondant pseudonyme (HMAC-SHA256 du numéro d'échantillon "
                                "avec une clé secrète qui reste chez l'institut de terrain).",
                          "en": "{column}: a pseudonymous respondent number (HMAC-SHA256 of the sample number with "
                                "a secret key that stays with the fieldwork agency)."},
    # the .sps beside the .sav
    "sps_made": {"nl": "Syntax bij {sav} (gemaakt met sid {version}).",
                 "fr": "Syntaxe pour {sav} (produite avec sid {version}).",
                 "en": "Syntax for {sav} (made with sid {version})."},
    "sps_how": {"nl": "Open eerst het .sav-bestand; deze syntax definieert de meerkeuzevragen",
                "fr": "Ouvrez d'abord le fichier .sav ; cette syntaxe définit les questions à choix",
                "en": "Open the .sav file first; this syntax defines the multiple-choice questions"},
    "sps_sets": {"nl": "(select_multiple) als multiple-response sets: 1 = gekozen.",
                 "fr": "multiple (select_multiple) comme ensembles à réponses multiples : 1 = choisi.",
                 "en": "(select_multiple) as multiple-response sets: 1 = selected."},
    # the label syntax of another language (<survey>_labels_<lang>.sps)
    "labels_head": {"nl": "Labels in het {language} voor {sav}.", "fr": "Étiquettes en {language} pour {sav}.",
                    "en": "Labels in {language} for {sav}."},
    "labels_how": {"nl": "Open eerst het .sav-bestand (en {sps}), run dan deze syntax.",
                   "fr": "Ouvrez d'abord le fichier .sav (et {sps}), puis exécutez cette syntaxe.",
                   "en": "Open the .sav file first (and run {sps}), then run this syntax."},
    **PROSE,  # README.txt, codebooks, DDI, tables (delivery/prose.py)
}

# ISCED 2011 levels (UNESCO), for the ISCED variable's value labels in every language.
ISCED_LEVELS: dict[int, dict[str, str]] = {
    0: {"nl": "Onderwijs voor jonge kinderen", "fr": "Éducation de la petite enfance", "en": "Early childhood education"},
    1: {"nl": "Lager onderwijs", "fr": "Enseignement primaire", "en": "Primary education"},
    2: {"nl": "Lager secundair onderwijs", "fr": "Premier cycle du secondaire", "en": "Lower secondary education"},
    3: {"nl": "Hoger secundair onderwijs", "fr": "Deuxième cycle du secondaire", "en": "Upper secondary education"},
    4: {"nl": "Postsecundair niet-tertiair onderwijs", "fr": "Post-secondaire non supérieur",
        "en": "Post-secondary non-tertiary education"},
    5: {"nl": "Kort hoger onderwijs", "fr": "Enseignement supérieur de cycle court", "en": "Short-cycle tertiary education"},
    6: {"nl": "Bachelor of gelijkwaardig", "fr": "Licence ou équivalent", "en": "Bachelor's or equivalent"},
    7: {"nl": "Master of gelijkwaardig", "fr": "Master ou équivalent", "en": "Master's or equivalent"},
    8: {"nl": "Doctoraat of gelijkwaardig", "fr": "Doctorat ou équivalent", "en": "Doctoral or equivalent"},
}

UNLABELLED = ("start", "end", "today", "deviceid")
# the codebook's yes/no (its `ontbrekend` column) and kinds of variable, in any language: readers accept each
YES = frozenset(TEXTS["yes"].values())
NO = frozenset(TEXTS["no"].values())
KINDS = {text: kind for kind in ("numeric", "string", "datetime") for text in TEXTS[f"kind_{kind}"].values()}


def media_type(type_text: str) -> str | None:
    """The media type (image, audio, …) a codebook type names in any language, else None."""
    for template in TEXTS["type_media"].values():
        head, tail = template.split("{type}")
        head = head.replace("{kind} ", "")  # "(media, bestandsnaam: "
        if head in type_text and type_text.endswith(tail):
            return type_text.rsplit(head, 1)[1].removesuffix(tail)
    return None


@dataclass(frozen=True)
class LabelTexts:
    """sid's own texts in one language (`code`), with the project's overrides applied."""

    code: str
    texts: Mapping[str, str]

    def text(self, key: str, **fields: str) -> str:
        return self.texts[key].format(**fields)

    def missing_labels(self, missing: MissingScheme) -> dict[int, str]:
        """Missing code → label: [missing] gives the Dutch label, the table the others."""
        return {c.code: (c.label if self.code == "nl" and c.role not in self.overridden
                         else self.texts.get(c.role, c.label)) for c in missing.codes}

    @property
    def overridden(self) -> frozenset[str]:
        return frozenset(k for k in self.texts if self.texts[k] != _table_text(k, self.code))

    @property
    def selected(self) -> tuple[str, str]:
        return self.texts["not_selected"], self.texts["selected"]


def delivery_texts(project: Project, questionnaire: Questionnaire) -> LabelTexts:
    """sid's texts in the delivery's language: [export] languages' first, else the project's."""
    return label_texts(delivery_language(project, questionnaire).code, project.export.labels)


def delivery_language(project: Project, questionnaire: Questionnaire) -> Language:
    """The label language of the delivered .sav: [export] languages' first, else the project's."""
    return questionnaire.language(project.export.languages[0] if project.export.languages else project.language)


def _table_text(key: str, code: str) -> str:
    row = TEXTS[key]
    return row.get(code, row["en"])


def label_texts(code: str, overrides: Iterable[tuple[str, Iterable[tuple[str, str]]]] = ()) -> LabelTexts:
    """The table in language `code` (a language sid has no row for: English), then the overrides
    of sid.toml's [export.labels.<code>] (pairs of key, text)."""
    texts = {key: _table_text(key, code) for key in TEXTS}
    for lang, pairs in overrides:
        unknown = sorted(set(dict(pairs)) - set(TEXTS))
        if unknown:
            raise SidError(ErrorCode.CONFIG_INVALID, f"export.labels.{lang}.{unknown[0]} is not a label of sid",
                           fix=f"Use one of: {', '.join(TEXTS)}.")
        if lang == code:
            texts.update(dict(pairs))
    return LabelTexts(code, texts)


def sample_label(column: str, texts: LabelTexts) -> str:
    return texts.text("sample", column=column.removeprefix(SAMPLE_PREFIX))


def added_labels(columns: Iterable[str], questionnaire: Questionnaire, *, pseudonym: str | None,
                 texts: LabelTexts) -> dict[str, str]:
    """Labels for the delivered columns that are not questions of the form. `pseudonym` names the
    pseudonymous id column (None when the key is delivered as it is)."""
    columns = list(columns)
    labels = {c: sample_label(c, texts) for c in columns if c not in questionnaire and not c.startswith("_")}
    if pseudonym is not None:
        labels[pseudonym] = texts.text("pseudonym")
    labels.update({c: texts.text(c) for c in (WEIGHT, WEIGHT_POPULATION) if c in columns})
    return labels


def variable_label(var: Variable, lang: str, texts: LabelTexts) -> str:
    """A form variable's label in `lang` (the form's label column); for a question the form leaves
    unlabelled, what it is (the interview's start, a calculation) or at least its name."""
    text = var.label(lang)
    if text:
        return text
    if var.type in UNLABELLED:
        return texts.text(var.type)
    if var.calculate:
        return texts.text("calculated", expression=var.calculate)
    return var.name


def coded_label(question: str, kind: str, texts: LabelTexts) -> str:
    """A coded variable's label: its question, then what it is coded in."""
    return f"{question} – {texts.text(kind)}"
