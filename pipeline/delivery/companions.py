"""The rest of the delivery beside the .sav: CSV and Parquet copies of the data, the codebook
(HTML, XLSX), the DDI-Codebook XML, the reconciliation summary and a README for ABB.

Everything is written into the (staged) delivery folder `project.cleaned` before the manifest."""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from pipeline.delivery.codebook import Codebook, build_codebook, write_codebook_html, write_codebook_xlsx
from pipeline.delivery.ddi import write_ddi
from pipeline.delivery.spss import code_text, missing_mask
from pipeline.files import atomic_path, sha256, write_text_atomic
from pipeline.privacy import DeliveryPrivacy, scrub_table
from pipeline.survey.project import Project
from pipeline.survey.questionnaire import Language, Questionnaire
from pipeline.tables import excel_safe, write_report

CODEBOOK_HTML = "codebook.html"
CODEBOOK_XLSX = "codebook.xlsx"
RECONCILIATION = "reconciliation_summary"
README = "README.txt"
RECONCILIATION_COLUMNS = ["bron", "status", "reden", "records"]


def ddi_name(project: Project) -> str:
    return f"{project.name}_ddi.xml"


@dataclass(frozen=True)
class DeliveryFiles:
    codebook: Codebook
    files: tuple[Path, ...]


def codebook_names(lang: str) -> tuple[str, str]:
    """The codebook's files in another label language: codebook_<lang>.html and .xlsx."""
    return f"codebook_{lang}.html", f"codebook_{lang}.xlsx"


def write_delivery(project: Project, questionnaire: Questionnaire, exported, language: Language,
                   privacy: DeliveryPrivacy, others: tuple = ()) -> DeliveryFiles:
    """`exported` is the ExportResult (with the dictionary and the frame the .sav holds); `others`
    the (language, dictionary) of each other label language: a codebook each."""
    folder = project.cleaned
    data, dictionary = exported.data, exported.dictionary
    codebook = build_codebook(dictionary, questionnaire, data, language=language,
                              sav_name=project.sav_path.name)
    written = [write_data_csv(data, folder / f"{project.name}.csv"),
               write_data_parquet(data, dictionary, folder / f"{project.name}.parquet")]
    write_codebook_html(codebook, folder / CODEBOOK_HTML)
    write_codebook_xlsx(codebook, folder / CODEBOOK_XLSX)
    write_ddi(codebook, folder / ddi_name(project), study_id=project.name, sav_sha256=sha256(project.sav_path))
    written += [folder / CODEBOOK_HTML, folder / CODEBOOK_XLSX, folder / ddi_name(project)]
    for other, other_dictionary in others:
        book = build_codebook(other_dictionary, questionnaire, data, language=other, sav_name=project.sav_path.name)
        html, xlsx = codebook_names(other.code)
        write_codebook_html(book, folder / html)
        write_codebook_xlsx(book, folder / xlsx)
        written += [folder / html, folder / xlsx]
    written += write_reconciliation_summary(project)
    write_text_atomic(folder / README, readme_text(project, codebook, privacy))
    written.append(folder / README)
    return DeliveryFiles(codebook, tuple(written))


def write_data_csv(data: pd.DataFrame, target: Path) -> Path:
    """UTF-8, comma, point decimals, header row; whole numbers without decimals; dates ISO 8601.
    Open answers that start like a formula (= + - @ tab CR) get a leading ' so Excel shows them as
    text (the .sav and the Parquet keep them unchanged). Written with Arrow (column-wise, fast)."""
    texts = [c for c in data.columns if not (pd.api.types.is_numeric_dtype(data[c])
                                             or pd.api.types.is_datetime64_any_dtype(data[c]))]
    table = pa.Table.from_pandas(data, preserve_index=False)
    safe = excel_safe(data[texts]) if texts else None
    columns = []
    for name, column in zip(table.column_names, table.columns):
        if name in texts:
            column = pa.array(safe[name].astype(object), type=pa.string(), from_pandas=True)
        elif pa.types.is_floating(column.type):
            try:  # codes as 1 and -3, not 1.0 and -3.0; a column with fractions stays as it is
                column = pc.cast(column, pa.int64())
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                pass
        elif pa.types.is_timestamp(column.type):
            seconds = pc.cast(pc.cast(column, pa.timestamp("s"), safe=False), pa.string())  # "2026-03-02 10:00:00"
            column = pc.replace_substring(seconds, " ", "T", max_replacements=1)
        columns.append(column)
    table = pa.table(columns, names=table.column_names)
    with atomic_path(target) as tmp:
        pacsv.write_csv(table, tmp, pacsv.WriteOptions(quoting_style="needed"))
    return target


def parquet_frame(data: pd.DataFrame, dictionary) -> pd.DataFrame:
    """The data as Python and R users want them: missing codes as nulls; a labelled variable as a
    categorical of its labels (ordered when ordinal, the categories in code order); where a column
    held missing codes, the codes themselves in a companion column `<name>_code` right after it."""
    columns: dict[str, pd.Series] = {}
    for v in dictionary.variables:
        column = data[v.name]
        if v.kind != "numeric":
            columns[v.name] = column
            continue
        missing = missing_mask(column, v.missing)
        valid_labels = {c: t for c, t in v.value_labels.items() if not _is_missing_code(c, v.missing)}
        values = column.mask(missing)
        if valid_labels and v.measure != "scale" and values.dropna().isin(list(valid_labels)).all():
            codes = sorted(valid_labels)
            labels = [valid_labels[c] for c in codes]
            if len(set(labels)) == len(labels):
                columns[v.name] = pd.Categorical(values.map(valid_labels), categories=labels,
                                                 ordered=v.measure == "ordinal")
            else:  # two codes with one label: a categorical would merge them, keep the numbers
                columns[v.name] = values
        else:
            columns[v.name] = values
        if missing.any():
            columns[f"{v.name}_code"] = column.astype("Int64") if (column.dropna() % 1 == 0).all() else column
    return pd.DataFrame(columns, index=data.index)


def _is_missing_code(code, ranges: list) -> bool:
    if isinstance(code, str):
        return False
    return any((float(r["lo"]) <= code <= float(r["hi"])) if isinstance(r, dict) else code == float(r)
               for r in ranges)


def write_data_parquet(data: pd.DataFrame, dictionary, target: Path) -> Path:
    """The .sav's variables as `parquet_frame` gives them (categoricals, missing codes as nulls,
    companion `<name>_code` columns); each .sav field also carries its label, value labels and
    missing codes as metadata (`sid` key, JSON)."""
    table = pa.Table.from_pandas(parquet_frame(data, dictionary), preserve_index=False)
    fields = []
    for f in table.schema:
        if f.name not in {v.name for v in dictionary.variables}:
            fields.append(f)
            continue
        v = dictionary[f.name]
        meta = {"label": v.label, "value_labels": {(k if isinstance(k, str) else code_text(k)): t
                                                  for k, t in v.value_labels.items()},
                "missing": v.missing, "spss_format": v.format, "measure": v.measure}
        fields.append(f.with_metadata({"sid": json.dumps(meta, ensure_ascii=False)}))
    table = table.cast(pa.schema(fields, metadata={**(table.schema.metadata or {}),
                                                   b"sid_file_label": dictionary.file_label.encode()}))
    with atomic_path(target) as tmp:
        pq.write_table(table, tmp)
    return target


def reconciliation_summary(reconciliation: pd.DataFrame) -> pd.DataFrame:
    """Counts per source, status and reason; no keys, no sample ids."""
    rec = reconciliation.fillna("")
    out = (rec.groupby(["source", "status", "reason"], sort=True).size()
           .reset_index(name="records"))
    out.columns = RECONCILIATION_COLUMNS
    total = pd.DataFrame([{"bron": "totaal", "status": s, "reden": "", "records": int(n)}
                          for s, n in rec["status"].value_counts().sort_index().items()])
    return pd.concat([out, total], ignore_index=True)[RECONCILIATION_COLUMNS]


def write_reconciliation_summary(project: Project) -> list[Path]:
    path = project.work / "reconciliation.csv"
    if not path.is_file():
        return []
    rec = pd.read_csv(path, dtype=str, keep_default_na=False)
    return write_report(scrub_table(reconciliation_summary(rec)), project.cleaned / RECONCILIATION, "afstemming")


def readme_text(project: Project, codebook: Codebook, privacy: DeliveryPrivacy) -> str:
    """A short README in Dutch for ABB: what each file is, how to check the delivery; what it says
    about ids comes from what the run did (`privacy`)."""
    name = project.name
    missing = ", ".join(f"{c.code} {c.label}" for c in project.missing.codes)
    files = [
        (f"{name}.sav", "De data voor SPSS, met variabele- en waardelabels in de eerste taal van de levering; "
                        "de documenten (DISPLAY DOCUMENTS) zeggen welk gewicht en hoe te gebruiken."),
        (f"{name}.sps", "Syntax bij het .sav-bestand: de meerkeuzevragen als multiple-response sets."),
        (f"{name}_labels_", "Per andere taal: syntax die hetzelfde .sav-bestand van labels in die taal voorziet."),
        ("codebook_", "Per andere taal: het codeboek met de labels in die taal (.html en .xlsx)."),
        (f"{name}.csv", "Dezelfde data als tekst (UTF-8, komma, codes zoals in het .sav)."),
        (f"{name}.parquet", "Dezelfde data voor R (arrow) en Python (pandas): labels als categorieën, "
                            "ontbrekende codes als null (de codes in <variabele>_code)."),
        (CODEBOOK_HTML, "Het codeboek om te lezen: elke variabele met de vraagtekst in elke taal van de "
                        "vragenlijst, type, codes en labels, frequenties (ook van de ontbrekende codes), "
                        "de routing en de berekening van afgeleide variabelen."),
        (CODEBOOK_XLSX, "Hetzelfde codeboek in Excel (bladen variabelen, waarden, meerkeuzesets, over)."),
        (ddi_name(project), "Hetzelfde codeboek als DDI-Codebook 2.5 (voor archivering)."),
        ("cleaning_log.csv", "Elke cel die bij het opschonen veranderde (stap, regel, respondent, "
                             "variabele, oud, nieuw)."),
        ("validation_summary", "Het validatierapport per regel (.csv en .xlsx); validation_failures: "
                               "elke resterende fout of waarschuwing."),
        (RECONCILIATION, "Hoeveel records per bron behouden, samengevoegd of uitgesloten werden en "
                         "waarom (.csv en .xlsx; aantallen, geen steekproefnummers)."),
        ("pii_scrubbed.csv", "Per variabele hoeveel open antwoorden persoonsgegevens bevatten die "
                             "vervangen werden (aantallen, nooit de gegevens zelf)."),
        ("manifest.json", "De sha256-controlesom van elk bestand van deze levering."),
        ("fieldwork_report.html", "Het veldwerkrapport (één bestand, zonder interviewerdetails): "
                                  "voortgang per herkomstgroep, AAPOR-responscijfers per groep en modus, "
                                  "de weging."),
        ("fieldwork_respons", "De AAPOR-responscijfers (RR1-RR6, COOP, REF, CON) per herkomstgroep, "
                              "gemeente en modus (.csv en .xlsx)."),
        ("fieldwork_voortgang", "De voortgang per herkomstgroep tegenover de doelen (.csv en .xlsx)."),
        ("weging_", "De weging: diagnostiek (design-effect van Kish, efficiëntie, min/max/CV), de "
                    "marges tegenover de populatie en de convergentie (.csv en .xlsx)."),
    ]
    present = {p.name for p in project.cleaned.iterdir() if p.is_file()}
    files = [(f, t) for f, t in files if f in (CODEBOOK_HTML, CODEBOOK_XLSX, "manifest.json")
             or any(name.startswith(f) for name in present)]
    described = tuple(f for f, _ in files) + ("validation_failures",)
    others = sorted(p.name for p in project.cleaned.iterdir() if p.is_file() and not p.name.startswith(".")
                    and p.name != README and not p.name.startswith(described))
    width = max(len(f) for f, _ in files) + 2
    lines = [codebook.title, "=" * len(codebook.title), ""]
    for notice in privacy.notices:  # first, before anything else: a demo, ids not pseudonymised
        lines += textwrap.wrap(notice, 100) + [""]
    lines += [f"Levering van de opgeschoonde data: {codebook.rows} respondenten, "
              f"{len(codebook.variables)} variabelen.", "", "Bestanden", "---------"]
    for file, text in files:
        wrapped = textwrap.wrap(text, 100 - width)
        lines.append(file.ljust(width) + wrapped[0])
        lines += [" " * width + more for more in wrapped[1:]]
    if others:
        lines += ["", "Verder: " + ", ".join(others) + "."]
    lines += [
        "",
        "Privacy",
        "-------",
        *textwrap.wrap(privacy.id_text, 100),
        *textwrap.wrap("Namen, adressen, rijksregisternummers, telefoonnummers, e-mailadressen"
                       + (" en steekproefnummers zitten niet in deze levering; de koppeltabel blijft bij "
                          "het veldwerkbureau." if privacy.pseudonymised else " zitten niet in deze levering."), 100),
        "In open antwoorden zijn persoonsgegevens vervangen door een label: [RRN] rijksregisternummer,",
        "[BIS] BIS-nummer, [IBAN] bankrekeningnummer, [TEL] telefoonnummer, [E-MAIL] e-mailadres,",
        "[URL] webadres. Een telefoon- of rijksregisternummer dat als getal in een numerieke vraag",
        "werd ingevuld, is bij het opschonen ongeldig (-4) gemaakt (stap personal_data in cleaning_log.csv).",
        "",
        "Ontbrekende waarden",
        "-------------------",
        f"{missing}.",
        "In SPSS gedeclareerd als user-missing; tekstvariabelen zijn leeg als er geen antwoord is.",
        "In de CSV-bestanden begint een open antwoord dat met = + - of @ begint met een ' (zodat Excel",
        "het niet als formule uitvoert); het .sav en het Parquet-bestand bevatten het ongewijzigd.",
        "",
        "Controle bij ontvangst",
        "----------------------",
        "    sid verify <deze map>",
        "controleert de controlesommen uit manifest.json, dat er geen bestanden ontbreken of bij",
        "gekomen zijn, dat het .sav overeenkomt met het codeboek (variabelen, labels, codes), en dat",
        "er geen identificerende kolom en geen persoonsgegeven (rijksregister-, BIS-, telefoon-,",
        "rekeningnummer, e-mail- of webadres) in een bestand staat. Exitcode 0 = in orde, 1 = niet in orde.",
    ]
    return "\n".join(lines) + "\n"
