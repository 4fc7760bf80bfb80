"""Every label of the delivery that the form does not give, in each label language: the missing
codes, the pseudonymous id, the sample-frame columns, the weights, the coded variables, the
documents. One table (nl, fr, en), overridable per language in sid.toml ([export.labels.<lang>])."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pipeline.errors import ErrorCode, SidError
from pipeline.ingest.ingest import SAMPLE_PREFIX
from pipeline.survey.project import MissingScheme
from pipeline.survey.questionnaire import Questionnaire, Variable
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
    "occupation_major": {"nl": "beroep, hoofdgroep (ISCO-08, 1 cijfer)", "fr": "profession, grand groupe (CITP-08, 1 chiffre)",
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
    # README.txt
    "readme_rows": {"nl": "Levering van de opgeschoonde data: {rows} respondenten, {variables} variabelen.",
                    "fr": "Livraison des données nettoyées : {rows} répondants, {variables} variables.",
                    "en": "Delivery of the cleaned data: {rows} respondents, {variables} variables."},
    "readme_files": {"nl": "Bestanden", "fr": "Fichiers", "en": "Files"},
    "readme_more": {"nl": "Verder: {files}.", "fr": "En outre : {files}.", "en": "Also: {files}."},
    "readme_sav": {"nl": "De data voor SPSS, met variabele- en waardelabels in de eerste taal van de levering; de "
                         "documenten (DISPLAY DOCUMENTS) zeggen welk gewicht en hoe te gebruiken.",
                   "fr": "Les données pour SPSS, avec étiquettes de variables et de valeurs dans la première langue "
                         "de la livraison ; les documents (DISPLAY DOCUMENTS) disent quelle pondération utiliser et "
                         "comment.",
                   "en": "The data for SPSS, with variable and value labels in the delivery's first language; the "
                         "documents (DISPLAY DOCUMENTS) say which weight to use and how."},
    "readme_sps": {"nl": "Syntax bij het .sav-bestand: de meerkeuzevragen als multiple-response sets.",
                   "fr": "Syntaxe pour le fichier .sav : les questions à choix multiple comme ensembles MR.",
                   "en": "Syntax for the .sav file: the multiple-choice questions as multiple-response sets."},
    "readme_labels": {"nl": "Per andere taal: syntax die hetzelfde .sav-bestand van labels in die taal voorziet.",
                      "fr": "Par autre langue : une syntaxe qui donne au même fichier .sav les étiquettes de cette "
                            "langue.",
                      "en": "Per other language: syntax that gives the same .sav file the labels in that language."},
    "readme_codebooks": {"nl": "Per andere taal: het codeboek met de labels in die taal (.html en .xlsx).",
                         "fr": "Par autre langue : le livre de codes avec les étiquettes de cette langue (.html et "
                               ".xlsx).",
                         "en": "Per other language: the codebook with the labels in that language (.html and .xlsx)."},
    "readme_csv": {"nl": "Dezelfde data als tekst (UTF-8, komma, codes zoals in het .sav).",
                   "fr": "Les mêmes données en texte (UTF-8, virgule, codes comme dans le .sav).",
                   "en": "The same data as text (UTF-8, comma, codes as in the .sav)."},
    "readme_parquet": {"nl": "Dezelfde data voor R (arrow) en Python (pandas): labels als categorieën, ontbrekende "
                             "codes als null (de codes in <variabele>_code).",
                       "fr": "Les mêmes données pour R (arrow) et Python (pandas) : étiquettes comme catégories, "
                             "codes manquants comme null (les codes dans <variable>_code).",
                       "en": "The same data for R (arrow) and Python (pandas): labels as categories, missing codes "
                             "as null (the codes in <variable>_code)."},
    "readme_codebook": {"nl": "Het codeboek om te lezen: elke variabele met de vraagtekst in elke taal van de "
                              "vragenlijst, type, codes en labels, frequenties (ook van de ontbrekende codes), de "
                              "routing en de berekening van afgeleide variabelen.",
                        "fr": "Le livre de codes à lire : chaque variable avec le texte de la question dans chaque "
                              "langue du questionnaire, type, codes et étiquettes, fréquences (aussi des codes "
                              "manquants), le filtrage et le calcul des variables dérivées.",
                        "en": "The codebook to read: every variable with its question text in each language of the "
                              "questionnaire, type, codes and labels, frequencies (of the missing codes too), the "
                              "routing and how derived variables are calculated."},
    "readme_codebook_xlsx": {"nl": "Hetzelfde codeboek in Excel (bladen variabelen, waarden, meerkeuzesets, over).",
                             "fr": "Le même livre de codes dans Excel (une feuille pour les variables, les "
                                   "valeurs, les ensembles MR et la description du fichier).",
                             "en": "The same codebook in Excel (a sheet each for the variables, the values, the MR "
                                   "sets and what the file is)."},
    "readme_ddi": {"nl": "Hetzelfde codeboek als DDI-Codebook 2.5 (voor archivering).",
                   "fr": "Le même livre de codes en DDI-Codebook 2.5 (pour l'archivage).",
                   "en": "The same codebook as DDI-Codebook 2.5 (for archiving)."},
    "readme_cleaning_log": {"nl": "Elke cel die bij het opschonen veranderde (stap, regel, respondent, variabele, "
                                  "oud, nieuw).",
                            "fr": "Chaque cellule modifiée au nettoyage (étape, règle, répondant, variable, ancien, "
                                  "nouveau).",
                            "en": "Every cell that cleaning changed (step, rule, respondent, variable, old, new)."},
    "readme_validation": {"nl": "Het validatierapport per regel (.csv en .xlsx); validation_failures: elke "
                                "resterende fout of waarschuwing.",
                          "fr": "Le rapport de validation par règle (.csv et .xlsx) ; validation_failures : chaque "
                                "erreur ou avertissement restant.",
                          "en": "The validation report per rule (.csv and .xlsx); validation_failures: every error "
                                "or warning left."},
    "readme_reconciliation": {"nl": "Hoeveel records per bron behouden, samengevoegd of uitgesloten werden en waarom "
                                    "(.csv en .xlsx; aantallen, geen steekproefnummers).",
                              "fr": "Combien d'enregistrements par source ont été gardés, fusionnés ou exclus, et "
                                    "pourquoi (.csv et .xlsx ; des nombres, pas de numéros d'échantillon).",
                              "en": "How many records per source were kept, merged or excluded, and why (.csv and "
                                    ".xlsx; counts, no sample numbers)."},
    "readme_pii": {"nl": "Per variabele hoeveel open antwoorden persoonsgegevens bevatten die vervangen werden "
                         "(aantallen, nooit de gegevens zelf).",
                   "fr": "Par variable, combien de réponses ouvertes contenaient des données personnelles remplacées "
                         "(des nombres, jamais les données elles-mêmes).",
                   "en": "Per variable, how many open answers held personal data that were replaced (counts, never "
                         "the data themselves)."},
    "readme_manifest": {"nl": "De sha256-controlesom van elk bestand van deze levering.",
                        "fr": "La somme de contrôle sha256 de chaque fichier de cette livraison.",
                        "en": "The sha256 checksum of every file of this delivery."},
    "readme_fieldwork": {"nl": "Het veldwerkrapport (één bestand, zonder interviewerdetails): voortgang per "
                               "herkomstgroep, AAPOR-responscijfers per groep en modus, de weging.",
                         "fr": "Le rapport de terrain (un fichier, sans détail des enquêteurs) : avancement par "
                               "groupe d'origine, taux de réponse AAPOR par groupe et mode, la pondération.",
                         "en": "The fieldwork report (one file, without interviewer detail): progress per origin "
                               "group, AAPOR response rates per group and mode, the weighting."},
    "readme_rates": {"nl": "De AAPOR-responscijfers (RR1-RR6, COOP, REF, CON) per herkomstgroep, gemeente en modus, "
                           "op de volledige interviews zoals verzameld en op de bruikbare (.csv en .xlsx).",
                     "fr": "Les taux AAPOR (RR1-RR6, COOP, REF, CON) par groupe d'origine, commune et mode, sur les "
                           "entretiens complets tels que collectés et sur les utilisables (.csv et .xlsx).",
                     "en": "The AAPOR rates (RR1-RR6, COOP, REF, CON) per origin group, municipality and mode, on "
                           "the complete interviews as collected and on the usable ones (.csv and .xlsx)."},
    "readme_progress": {"nl": "De voortgang per herkomstgroep tegenover de doelen (.csv en .xlsx).",
                        "fr": "L'avancement par groupe d'origine par rapport aux objectifs (.csv et .xlsx).",
                        "en": "Progress per origin group against the targets (.csv and .xlsx)."},
    "readme_weights": {"nl": "De weging: diagnostiek (design-effect van Kish, efficiëntie, min/max/CV), de marges "
                             "tegenover de populatie en de convergentie (.csv en .xlsx).",
                       "fr": "La pondération : diagnostic (effet de plan de Kish, efficacité, min/max/CV), les "
                             "marges par rapport à la population et la convergence (.csv et .xlsx).",
                       "en": "The weighting: diagnostics (Kish design effect, efficiency, min/max/CV), the margins "
                             "against the population and the convergence (.csv and .xlsx)."},
    "readme_tables": {"nl": "Gewogen tabellen: elke vraag per uitsplitsing, gewogen geldig % met ongewogen n en "
                            "95 %-intervallen (.html en .xlsx).",
                      "fr": "Tableaux pondérés : chaque question par ventilation, % valide pondéré avec n non "
                            "pondéré et intervalles à 95 % (.html et .xlsx).",
                      "en": "Weighted tables: every question by breakdown, weighted valid % with unweighted n and "
                            "95 % intervals (.html and .xlsx)."},
    "readme_privacy": {"nl": "Privacy", "fr": "Confidentialité", "en": "Privacy"},
    "readme_no_ids": {"nl": "Namen, adressen, rijksregisternummers, telefoonnummers, e-mailadressen en "
                            "steekproefnummers zitten niet in deze levering; de koppeltabel blijft bij het "
                            "veldwerkbureau.",
                      "fr": "Les noms, adresses, numéros de registre national, numéros de téléphone, adresses "
                            "e-mail et numéros d'échantillon ne sont pas dans cette livraison ; la table de "
                            "correspondance reste chez l'institut de terrain.",
                      "en": "Names, addresses, national register numbers, telephone numbers, e-mail addresses and "
                            "sample numbers are not in this delivery; the key table stays with the fieldwork "
                            "agency."},
    "readme_no_ids_plain": {"nl": "Namen, adressen, rijksregisternummers, telefoonnummers en e-mailadressen zitten "
                                  "niet in deze levering.",
                            "fr": "Les noms, adresses, numéros de registre national, numéros de téléphone et "
                                  "adresses e-mail ne sont pas dans cette livraison.",
                            "en": "Names, addresses, national register numbers, telephone numbers and e-mail "
                                  "addresses are not in this delivery."},
    "readme_scrubbed": {"nl": "In open antwoorden zijn persoonsgegevens vervangen door een label: [RRN] "
                              "rijksregisternummer, [BIS] BIS-nummer, [IBAN] bankrekeningnummer, [TEL] "
                              "telefoonnummer, [E-MAIL] e-mailadres, [URL] webadres. Een telefoon- of "
                              "rijksregisternummer dat als getal in een numerieke vraag werd ingevuld, is bij het "
                              "opschonen ongeldig (-4) gemaakt (stap personal_data in cleaning_log.csv).",
                        "fr": "Dans les réponses ouvertes, les données personnelles sont remplacées par une "
                              "étiquette : [RRN] numéro de registre national, [BIS] numéro BIS, [IBAN] numéro de "
                              "compte, [TEL] numéro de téléphone, [E-MAIL] adresse e-mail, [URL] adresse web. Un "
                              "numéro de téléphone ou de registre national saisi comme nombre dans une question "
                              "numérique a été rendu non valide (-4) au nettoyage (étape personal_data dans "
                              "cleaning_log.csv).",
                        "en": "In open answers, personal data are replaced by a tag: [RRN] national register "
                              "number, [BIS] BIS number, [IBAN] bank account number, [TEL] telephone number, "
                              "[E-MAIL] e-mail address, [URL] web address. A telephone or national register number "
                              "typed as a number into a numeric question was made invalid (-4) in cleaning (step "
                              "personal_data in cleaning_log.csv)."},
    "readme_missing": {"nl": "Ontbrekende waarden", "fr": "Valeurs manquantes", "en": "Missing values"},
    "readme_missing_how": {"nl": "In SPSS gedeclareerd als user-missing; tekstvariabelen zijn leeg als er geen "
                                 "antwoord is. In de CSV-bestanden begint een open antwoord dat met = + - of @ begint "
                                 "met een ' (zodat Excel het niet als formule uitvoert); het .sav en het "
                                 "Parquet-bestand bevatten het ongewijzigd.",
                           "fr": "Déclarées user-missing dans SPSS ; les variables texte sont vides sans réponse. "
                                 "Dans les fichiers CSV, une réponse ouverte qui commence par = + - ou @ commence "
                                 "par un ' (pour qu'Excel ne l'exécute pas comme formule) ; le .sav et le fichier "
                                 "Parquet la contiennent telle quelle.",
                           "en": "Declared user-missing in SPSS; text variables are empty when there is no answer. "
                                 "In the CSV files an open answer that starts with = + - or @ starts with a ' (so "
                                 "that Excel does not run it as a formula); the .sav and the Parquet file hold it "
                                 "unchanged."},
    "readme_check": {"nl": "Controle bij ontvangst", "fr": "Contrôle à la réception", "en": "Checking on receipt"},
    "readme_verify": {"nl": "sid verify <deze map>", "fr": "sid verify <ce dossier>", "en": "sid verify <this folder>"},
    "readme_verify_what": {"nl": "controleert de controlesommen uit manifest.json, dat er geen bestanden ontbreken "
                                 "of bij gekomen zijn, dat het .sav overeenkomt met het codeboek (variabelen, labels, "
                                 "codes), en dat er geen identificerende kolom en geen persoonsgegeven "
                                 "(rijksregister-, BIS-, telefoon-, rekeningnummer, e-mail- of webadres) in een "
                                 "bestand staat. Exitcode 0 = in orde, 1 = niet in orde.",
                           "fr": "vérifie les sommes de contrôle de manifest.json, qu'aucun fichier ne manque ni "
                                 "ne s'est ajouté, que le .sav correspond au livre de codes (variables, étiquettes, "
                                 "codes), et qu'aucune colonne identifiante ni donnée personnelle (numéro de registre "
                                 "national, BIS, téléphone, compte, adresse e-mail ou web) n'est dans un fichier. "
                                 "Code de sortie 0 = en ordre, 1 = pas en ordre.",
                           "en": "checks the checksums in manifest.json, that no file is missing or was added, "
                                 "that the .sav matches the codebook (variables, labels, codes), and that no "
                                 "identifying column and no personal data (national register, BIS, telephone or "
                                 "account number, e-mail or web address) is in any file. Exit code 0 = in order, "
                                 "1 = not in order."},
    # the codebook (HTML) and the DDI
    "cb_title": {"nl": "Codeboek", "fr": "Livre de codes", "en": "Codebook"},
    "cb_intro": {"nl": "Bestand {file}: {rows} respondenten, {variables} variabelen. Labels in taal {language}; "
                       "vraagteksten in {languages}.",
                 "fr": "Fichier {file} : {rows} répondants, {variables} variables. Étiquettes en langue "
                       "{language} ; textes des questions en {languages}.",
                 "en": "File {file}: {rows} respondents, {variables} variables. Labels in language {language}; "
                       "question texts in {languages}."},
    "cb_overview": {"nl": "Overzicht", "fr": "Vue d'ensemble", "en": "Overview"},
    "cb_variable": {"nl": "Variabele", "fr": "Variable", "en": "Variable"},
    "cb_variables": {"nl": "Variabelen", "fr": "Variables", "en": "Variables"},
    "cb_label": {"nl": "Label", "fr": "Étiquette", "en": "Label"},
    "cb_type": {"nl": "Type", "fr": "Type", "en": "Type"},
    "cb_format": {"nl": "Formaat", "fr": "Format", "en": "Format"},
    "cb_mrsets": {"nl": "Meerkeuzesets", "fr": "Ensembles à réponses multiples", "en": "Multiple-response sets"},
    "cb_set": {"nl": "Set", "fr": "Ensemble", "en": "Set"},
    "cb_question": {"nl": "Vraag ({language})", "fr": "Question ({language})", "en": "Question ({language})"},
    "cb_measure": {"nl": "Meetniveau", "fr": "Niveau de mesure", "en": "Measurement level"},
    "cb_missing_codes": {"nl": "Ontbrekende codes", "fr": "Codes manquants", "en": "Missing codes"},
    "cb_routing": {"nl": "Routing (gesteld als)", "fr": "Filtrage (posée si)", "en": "Routing (asked if)"},
    "cb_derived": {"nl": "Afleiding (berekening)", "fr": "Dérivation (calcul)", "en": "Derivation (calculation)"},
    "cb_module": {"nl": "Module", "fr": "Module", "en": "Module"},
    "cb_valid": {"nl": "Geldig", "fr": "Valides", "en": "Valid"},
    "cb_missing_n": {"nl": "Ontbrekend (codes)", "fr": "Manquants (codes)", "en": "Missing (codes)"},
    "cb_empty": {"nl": "Leeg", "fr": "Vides", "en": "Empty"},
    "cb_distinct": {"nl": "Verschillende antwoorden", "fr": "Réponses distinctes", "en": "Distinct answers"},
    "cb_minimum": {"nl": "Minimum", "fr": "Minimum", "en": "Minimum"},
    "cb_maximum": {"nl": "Maximum", "fr": "Maximum", "en": "Maximum"},
    "cb_mean": {"nl": "Gemiddelde", "fr": "Moyenne", "en": "Mean"},
    "cb_code": {"nl": "Code", "fr": "Code", "en": "Code"},
    "cb_missing": {"nl": "Ontbrekend", "fr": "Manquant", "en": "Missing"},
    "cb_count": {"nl": "Aantal", "fr": "Effectif", "en": "Count"},
    "cb_pct_all": {"nl": "% van allen", "fr": "% de tous", "en": "% of all"},
    "cb_pct_valid": {"nl": "Geldig %", "fr": "% valides", "en": "Valid %"},
    "kind_numeric": {"nl": "numeriek", "fr": "numérique", "en": "numeric"},
    "kind_string": {"nl": "tekst", "fr": "texte", "en": "text"},
    "kind_datetime": {"nl": "datum/tijd", "fr": "date/heure", "en": "date/time"},
    "about_item": {"nl": "gegeven", "fr": "élément", "en": "item"},
    "about_value": {"nl": "waarde", "fr": "valeur", "en": "value"},
    "about_title": {"nl": "titel", "fr": "titre", "en": "title"},
    "about_file": {"nl": "bestand", "fr": "fichier", "en": "file"},
    "about_rows": {"nl": "respondenten", "fr": "répondants", "en": "respondents"},
    "about_variables": {"nl": "variabelen", "fr": "variables", "en": "variables"},
    "about_language": {"nl": "taal van de labels", "fr": "langue des étiquettes", "en": "language of the labels"},
    "about_languages": {"nl": "talen van de vragenlijst", "fr": "langues du questionnaire",
                        "en": "languages of the questionnaire"},
    "about_document": {"nl": "document", "fr": "document", "en": "document"},
    "range": {"nl": "{lo} t/m {hi}", "fr": "{lo} à {hi}", "en": "{lo} to {hi}"},
    "type_outside": {"nl": "{kind} (buiten de vragenlijst)", "fr": "{kind} (hors du questionnaire)",
                     "en": "{kind} (not in the questionnaire)"},
    "type_indicator": {"nl": "{kind} (0/1-indicator van meerkeuzevraag {question})",
                       "fr": "{kind} (indicateur 0/1 de la question à choix multiple {question})",
                       "en": "{kind} (0/1 indicator of multiple-choice question {question})"},
    "type_single": {"nl": "{kind} (enkele keuze, lijst {list})", "fr": "{kind} (choix unique, liste {list})",
                    "en": "{kind} (single choice, list {list})"},
    "type_rank": {"nl": "{kind} (rangschikking {question}: plaats {position}, lijst {list})",
                  "fr": "{kind} (classement {question} : position {position}, liste {list})",
                  "en": "{kind} (ranking {question}: position {position}, list {list})"},
    "type_media": {"nl": "{kind} (media, bestandsnaam: {type})", "fr": "{kind} (média, nom de fichier : {type})",
                   "en": "{kind} (media, file name: {type})"},
    "type_derived": {"nl": "{kind} (afgeleid)", "fr": "{kind} (dérivée)", "en": "{kind} (derived)"},
    "type_form": {"nl": "{kind} ({type})", "fr": "{kind} ({type})", "en": "{kind} ({type})"},
    "ddi_derived": {"nl": "Berekend in de vragenlijst (XLSForm calculate).",
                    "fr": "Calculé dans le questionnaire (XLSForm calculate).",
                    "en": "Calculated in the questionnaire (XLSForm calculate)."},
    "ddi_media": {"nl": "Media: de naam van het bestand dat de vragenlijst-app bewaarde ({type}); "
                        "het bestand zelf is niet geleverd.",
                  "fr": "Média : le nom du fichier que l'application du questionnaire a enregistré ({type}) ; "
                        "le fichier lui-même n'est pas livré.",
                  "en": "Media: the name of the file the form app saved ({type}); the file itself is not delivered."},
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
