"""The texts of the delivery's documents in nl/fr/en: README.txt, the codebooks, the DDI notes and
the weighted tables. Part of sid's one label table (delivery/labels.py `TEXTS`, which adds them to
the .sav's labels and documents); overridable per language like every entry there."""

# key → {language: text}; `{…}` fields are filled in by `LabelTexts.text`.
PROSE: dict[str, dict[str, str]] = {
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
    "readme_cleaning_log": {"nl": "Elke cel die bij het opschonen veranderde (stap, regel, respondent, roster, "
                                  "instantie, variabele, oud, nieuw); roster en instantie zijn leeg voor de "
                                  "hoofdvragenlijst.",
                            "fr": "Chaque cellule modifiée au nettoyage (étape, règle, répondant, roster, instance, "
                                  "variable, ancien, nouveau) ; roster et instance sont vides pour le questionnaire "
                                  "principal.",
                            "en": "Every cell that cleaning changed (step, rule, respondent, roster, instance, "
                                  "variable, old, new); roster and instance are empty for the main questionnaire."},
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
    # the weighted tables (tabulation/render.py), in the delivery's first language
    "tab_title": {"nl": "Tabellen: {title}", "fr": "Tableaux : {title}", "en": "Tables: {title}"},
    "tab_intro": {"nl": "Gewogen geldige percentages (weging {weight}, strata {strata}); in elke cel het "
                        "95%-betrouwbaarheidsinterval (design-based) en n als tooltip; cellen met een basis onder "
                        "{min_n} respondenten zijn onderdrukt (–). Klik op een kolomkop om te sorteren.",
                  "fr": "Pourcentages valides pondérés (pondération {weight}, strates {strata}) ; dans chaque cellule, "
                        "l'intervalle de confiance à 95 % (selon le plan) et n en info-bulle ; les cellules dont la "
                        "base compte moins de {min_n} répondants sont masquées (–). Cliquez sur un en-tête de "
                        "colonne pour trier.",
                  "en": "Weighted valid percentages (weight {weight}, strata {strata}); each cell shows the "
                        "design-based 95% confidence interval and n as a tooltip; cells with a base under {min_n} "
                        "respondents are suppressed (–). Click a column heading to sort."},
    "tab_by": {"nl": "Naar {breakdown}", "fr": "Selon {breakdown}", "en": "By {breakdown}"},
    "tab_variable": {"nl": "Variabele", "fr": "Variable", "en": "Variable"},
    "tab_question": {"nl": "Vraag", "fr": "Question", "en": "Question"},
    "tab_answer": {"nl": "Antwoord", "fr": "Réponse", "en": "Answer"},
    "tab_total": {"nl": "Totaal", "fr": "Total", "en": "Total"},
    "tab_other_module": {"nl": "overige", "fr": "autres", "en": "other"},
    "tab_suppressed": {"nl": "basis te klein", "fr": "base trop petite", "en": "base too small"},
    "tab_tip": {"nl": "95%-interval {lo}–{hi}; n = {n} van {base}",
                "fr": "intervalle à 95 % {lo}–{hi} ; n = {n} sur {base}",
                "en": "95% interval {lo}–{hi}; n = {n} of {base}"},
    "ddi_media": {"nl": "Media: de naam van het bestand dat de vragenlijst-app bewaarde ({type}); "
                        "het bestand zelf is niet geleverd.",
                  "fr": "Média : le nom du fichier que l'application du questionnaire a enregistré ({type}) ; "
                        "le fichier lui-même n'est pas livré.",
                  "en": "Media: the name of the file the form app saved ({type}); the file itself is not delivered."},
    # rosters: one file per roster level, linked to the main file (delivery/rosters.py)
    "roster_count": {"nl": "Aantal {roster} in het bestand {file}", "fr": "Nombre de {roster} dans le fichier {file}",
                     "en": "Number of {roster} in the file {file}"},
    "roster_number": {"nl": "Volgnummer binnen {roster}", "fr": "Numéro d'ordre dans {roster}",
                      "en": "Instance number within {roster}"},
    "doc_roster": {"nl": "Eén rij per instantie van {roster}; koppel aan {sav} op {keys}.",
                   "fr": "Une ligne par occurrence de {roster} ; à joindre à {sav} par {keys}.",
                   "en": "One row per instance of {roster}; join to {sav} by {keys}."},
    "readme_roster": {"nl": "Eén rij per instantie van {roster} (sleutels {keys}); {count} in {sav} telt de rijen "
                            "per respondent. Ook als .sps, .csv en .parquet.",
                      "fr": "Une ligne par occurrence de {roster} (clés {keys}) ; {count} dans {sav} compte les lignes par "
                            "répondant. Aussi en .sps, .csv et .parquet.",
                      "en": "One row per instance of {roster} (keys {keys}); {count} in {sav} counts the rows per respondent. "
                            "Also as .sps, .csv and .parquet."},
    "readme_join": {"nl": "Een rosterbestand koppelen aan het hoofdbestand (SPSS of PSPP)",
                    "fr": "Joindre un fichier de roster au fichier principal (SPSS ou PSPP)",
                    "en": "Joining a roster file to the main file (SPSS or PSPP)"},
    "readme_join_how": {"nl": "Beide bestanden gesorteerd op {id}; elke rij van het rosterbestand krijgt de variabelen "
                              "van haar respondent:",
                        "fr": "Les deux fichiers triés par {id} ; chaque ligne du fichier de roster reçoit les "
                              "variables de son répondant :",
                        "en": "Both files sorted by {id}; each row of the roster file gets its respondent's "
                              "variables:"},
    "cb_intro_roster": {"nl": "Bestand {file}: {rows} rijen, {variables} variabelen. Labels in taal {language}; "
                              "vraagteksten in {languages}.",
                        "fr": "Fichier {file} : {rows} lignes, {variables} variables. Étiquettes en langue "
                              "{language} ; textes des questions en {languages}.",
                        "en": "File {file}: {rows} rows, {variables} variables. Labels in language {language}; "
                              "question texts in {languages}."},
    "cb_files": {"nl": "Bestanden en koppeling", "fr": "Fichiers et liens", "en": "Files and links"},
    "cb_file": {"nl": "Bestand", "fr": "Fichier", "en": "File"},
    "cb_keys": {"nl": "Sleutels", "fr": "Clés", "en": "Keys"},
    "cb_linked": {"nl": "Gekoppeld aan", "fr": "Lié à", "en": "Linked to"},
    "cb_count_variable": {"nl": "Aantal-variabele", "fr": "Variable de comptage", "en": "Count variable"},
    "cb_rows": {"nl": "Rijen", "fr": "Lignes", "en": "Rows"},
    "ddi_roster": {"nl": "Eén rij per instantie van {roster}; gekoppeld aan {parent} op {keys}.",
                   "fr": "Une ligne par occurrence de {roster} ; lié à {parent} par {keys}.",
                   "en": "One row per instance of {roster}; linked to {parent} by {keys}."},
}
