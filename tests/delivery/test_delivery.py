"""The delivery package on the demo data: no planted PII anywhere, the key nowhere, and the
codebook (HTML, XLSX), the DDI XML and the CSV/Parquet copies all agree with the .sav."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pyreadstat
import pytest
from conftest import demo_delivery
from typer.testing import CliRunner

from cli import app

DEMO_KEY = "DEMO-KEY-not-secret-sid2026"


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    return demo_delivery(tmp_path_factory)


@pytest.fixture(scope="module")
def sav(root):
    data, meta = pyreadstat.read_sav(str(root / "cleaned" / "sid2026.sav"), user_missing=True)
    return data, meta


def readable_text(path: Path) -> str:
    """Everything a person could read in a delivered file, read with the format's own library."""
    if path.suffix == ".sav":
        data, meta = pyreadstat.read_sav(str(path))
        labels = [t for v in meta.variable_value_labels.values() for t in v.values()]
        return "\n".join([data.to_csv(), *map(str, meta.column_labels), *labels, *meta.notes])
    if path.suffix == ".parquet":
        return pd.read_parquet(path).to_csv() + str(pq.read_schema(path).metadata)
    if path.suffix == ".xlsx":
        wb = openpyxl.load_workbook(path, read_only=True)
        text = "\n".join(str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True)
                         for v in row if v is not None)
        wb.close()
        return text
    return path.read_text(encoding="utf-8", errors="replace")


@pytest.fixture(scope="module")
def delivered_text(root) -> dict[str, str]:
    return {p.name: readable_text(p) for p in sorted((root / "cleaned").iterdir()) if p.is_file()}


# --- privacy ---------------------------------------------------------------------------------------

@pytest.mark.slow
def test_every_planted_pii_is_gone(root, delivered_text):
    truth = pd.read_csv(root / "raw" / "demo_truth.csv", dtype=str, keep_default_na=False)
    planted = truth[truth["defect"] == "pii_in_open_answer"]
    assert len(planted) >= 30
    ingested = pd.read_parquet(root / "work" / "ingested.parquet").set_index("sample_id")
    secrets = set()
    for row in planted.itertuples():
        answer = str(ingested.loc[row.sample_id, row.variable])
        secrets |= set(re.findall(r"[\w.+-]+@[\w.-]+\.\w+", answer))
        secrets |= {re.sub(r"\D", "", m) for m in re.findall(r"\+?\d[\d\s./-]{7,}\d", answer)}
    assert len(secrets) >= 40
    sample = pd.read_csv(root / "raw" / "steekproef.csv", dtype=str)
    ids = set(sample["sample_id"])
    emails = set(sample["email"].dropna())
    numbers = {re.sub(r"\D", "", v) for c in ("rijksregisternummer", "telefoon") for v in sample[c].dropna()}
    for name, text in delivered_text.items():
        digits = {re.sub(r"\D", "", t) for t in re.findall(r"\+?\d[\d\s./-]{6,}\d", text)}
        words = set(re.findall(r"[\w.+-]+@[\w.-]+\.\w+|S\d{7}", text))
        assert not {s for s in secrets if "@" in s} & words, name
        assert not {s for s in secrets if "@" not in s} & digits, name
        assert not numbers & digits, name
        assert not (emails | ids) & words, name
        assert DEMO_KEY not in text, name
    scrubbed = pd.read_csv(root / "cleaned" / "pii_scrubbed.csv")
    assert list(scrubbed.columns) == ["variable", "tag", "description", "answers_scrubbed"]
    assert set(scrubbed["tag"]) >= {"[E-MAIL]", "[RRN]", "[TEL]"}


@pytest.mark.slow
def test_the_key_appears_in_no_output(root):
    for folder in ("cleaned", "work"):
        for path in (root / folder).rglob("*"):
            if path.is_file():
                assert DEMO_KEY.encode() not in path.read_bytes(), path
    manifest = json.loads((root / "cleaned" / "manifest.json").read_text(encoding="utf-8"))
    assert '"[weggelaten]"' in manifest["config"]


@pytest.mark.slow
def test_no_identifier_column_in_the_data(sav, root):
    data, meta = sav
    forbidden = {"sample_id", "rijksregisternummer", "telefoon", "email", "voornaam", "familienaam",
                 "straat", "huisnummer", "postcode"}
    assert not forbidden & set(meta.column_names)
    assert meta.column_names[0] == "respondent_id"
    assert data["respondent_id"].str.fullmatch(r"R[0-9a-f]{16}").all()
    assert not forbidden & set(pd.read_csv(root / "cleaned" / "sid2026.csv", nrows=0).columns)


# --- the package -----------------------------------------------------------------------------------

EXPECTED = {"sid2026.sav", "sid2026.sps", "sid2026.csv", "sid2026.parquet", "codebook.html",
            "codebook.xlsx", "sid2026_ddi.xml", "cleaning_log.csv", "validation_summary.csv",
            "validation_summary.xlsx", "reconciliation_summary.csv", "reconciliation_summary.xlsx",
            "pii_scrubbed.csv", "README.txt", "manifest.json"}


@pytest.mark.slow
def test_package_is_complete_and_in_the_manifest(root):
    cleaned = root / "cleaned"
    names = {p.name for p in cleaned.iterdir() if p.is_file() and not p.name.startswith(".")}
    assert EXPECTED <= names
    manifest = json.loads((cleaned / "manifest.json").read_text(encoding="utf-8"))
    assert {o["path"] for o in manifest["outputs"]} == names - {"manifest.json"}
    readme = (cleaned / "README.txt").read_text(encoding="utf-8")
    for name in ("sid2026.sav", "codebook.html", "sid2026_ddi.xml", "manifest.json", "sid verify"):
        assert name in readme


@pytest.mark.slow
def test_reconciliation_summary_counts_without_ids(root):
    summary = pd.read_csv(root / "cleaned" / "reconciliation_summary.csv", dtype=str, keep_default_na=False,
                          encoding="utf-8-sig")
    assert list(summary.columns) == ["bron", "status", "reden", "records"]
    rec = pd.read_csv(root / "work" / "reconciliation.csv", dtype=str, keep_default_na=False)
    totals = summary[summary["bron"] == "totaal"].set_index("status")["records"].astype(int)
    assert totals.to_dict() == rec["status"].value_counts().to_dict()
    text = (root / "cleaned" / "reconciliation_summary.csv").read_text(encoding="utf-8-sig")
    assert not set(rec["key"]) & set(re.findall(r"[\w-]+", text))


@pytest.mark.slow
def test_csv_and_parquet_hold_the_sav_data(sav, root):
    data, meta = sav
    csv = pd.read_csv(root / "cleaned" / "sid2026.csv", keep_default_na=False, dtype=str)
    parquet = pd.read_parquet(root / "cleaned" / "sid2026.parquet")
    names = list(meta.column_names)
    assert list(csv.columns) == [c for c in parquet.columns if c in names] == names
    companions = [c for c in parquet.columns if c not in names]
    assert companions and all(c.endswith("_code") and c.removesuffix("_code") in names for c in companions)
    assert len(csv) == len(parquet) == len(data)
    numeric = [n for n, t in meta.original_variable_types.items() if t.startswith("F")]
    for name in numeric:  # the codes: in the companion where missing codes occur, else behind the labels
        if f"{name}_code" in parquet:
            codes = parquet[f"{name}_code"].astype("float64")
        elif isinstance(parquet[name].dtype, pd.CategoricalDtype):
            back = {t: c for c, t in meta.variable_value_labels[name].items()}
            codes = parquet[name].astype(object).map(back).astype("float64")
        else:
            codes = parquet[name].astype("float64")
        pd.testing.assert_series_equal(codes.reset_index(drop=True), data[name].astype("float64"),
                                       check_names=False)
    schema = pq.read_schema(root / "cleaned" / "sid2026.parquet")
    labels = dict(zip(meta.column_names, meta.column_labels))
    for field in schema:
        if field.name in names:
            meta_json = json.loads(field.metadata[b"sid"])
            assert meta_json["label"] == (labels[field.name] or "")


# --- codebook --------------------------------------------------------------------------------------

def xlsx_sheet(path: Path, sheet: str) -> pd.DataFrame:
    wb = openpyxl.load_workbook(path, read_only=True)
    rows = list(wb[sheet].iter_rows(values_only=True))
    wb.close()
    return pd.DataFrame(rows[1:], columns=rows[0])


@pytest.mark.slow
def test_codebook_xlsx_matches_the_sav(sav, root):
    data, meta = sav
    path = root / "cleaned" / "codebook.xlsx"
    variables = xlsx_sheet(path, "variabelen")
    values = xlsx_sheet(path, "waarden")
    assert variables["variabele"].tolist() == list(meta.column_names)
    labels = dict(zip(meta.column_names, meta.column_labels))
    assert dict(zip(variables["variabele"], variables["label"].fillna(""))) == \
        {n: labels[n] or "" for n in meta.column_names}
    assert dict(zip(variables["variabele"], variables["formaat"])) == meta.original_variable_types
    for lang in ("nl", "fr", "en"):  # question text in every form language
        assert variables.loc[variables["variabele"] == "werk_tevreden", f"vraag_{lang}"].iloc[0]
    labelled = values[values["label"].notna() & (values["label"] != "")]
    for name, group in labelled.groupby("variabele"):
        got = {_code(c): lab for c, lab in zip(group["code"], group["label"])}
        assert got == {_code(k): t for k, t in meta.variable_value_labels.get(name, {}).items()}, name
    assert set(labelled["variabele"]) == set(meta.variable_value_labels)
    # Frequencies include the missing codes and add up to the respondents (with the empty cells).
    coded = variables[variables["variabele"].isin(values["variabele"])]
    for row in coded.itertuples():
        counts = values.loc[values["variabele"] == row.variabele]
        categorical = (counts["ontbrekend"] == "nee").any()
        if categorical:
            assert counts["aantal"].sum() + int(row.leeg) == len(data), row.variabele
        column = data[row.variabele]
        for code, n in zip(counts["code"], counts["aantal"]):
            hits = (column == _code(code)) if pd.api.types.is_numeric_dtype(column) else (column == str(code))
            assert hits.sum() == n, (row.variabele, code)
    # routing and derivations come from the form
    routed = variables.set_index("variabele")
    assert routed.loc["werk_tevreden", "routing"]
    assert routed.loc["leeftijd", "afleiding"] == "2026 - ${geboortejaar}"
    # sample-frame columns appear with the labels the .sav has
    assert routed.loc["stratum", "label"] == "Uit de steekproef: stratum"


class Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.sections, self.overview, self.links = [], [], [], []
        self._row, self._cell, self._table = None, None, None
        self._file = None  # a roster file's <article data-bestand>: its sections are not the main file's

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        self.links += [v for k, v in attrs.items() if k in ("href", "src") and v]
        if tag == "article":
            self._file = attrs.get("data-bestand")
        if tag == "section" and self._file is None:
            self.sections.append(attrs.get("data-variabele"))
        if tag == "table":
            self._table = attrs.get("id")
        if tag == "tr" and self._table == "overzicht":
            self._row = []
        if tag == "td" and self._row is not None:
            self._cell = ""

    def handle_endtag(self, tag):
        if tag == "td" and self._row is not None:
            self._row.append(self._cell)
            self._cell = None
        if tag == "tr" and self._row is not None:
            if self._row:
                self.overview.append(self._row)
            self._row = None
        if tag == "table":
            self._table = None
        if tag == "article":
            self._file = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data


@pytest.mark.slow
def test_codebook_html_is_self_contained_and_matches_the_sav(sav, root):
    _, meta = sav
    text = (root / "cleaned" / "codebook.html").read_text(encoding="utf-8")
    parser = Collect()
    parser.feed(text)
    assert "script" not in parser.tags and "link" not in parser.tags and "style" in parser.tags
    assert all(link.startswith("#") for link in parser.links)  # no network, only anchors
    assert parser.sections == list(meta.column_names)
    labels = dict(zip(meta.column_names, meta.column_labels))
    assert [r[1] for r in parser.overview] == list(meta.column_names)
    assert {r[1]: r[2] for r in parser.overview} == {n: labels[n] or "" for n in meta.column_names}
    assert "<h2>Variabelen</h2>" in text and "Codeboek" in text
    assert 'lang="fr"' in text and 'lang="en"' in text


# --- DDI -------------------------------------------------------------------------------------------

NS = {"d": "ddi:codebook:2_5"}
# The order of <var>'s children in DDI-Codebook 2.5 (codebook.xsd, varType), and of <catgry>'s.
VAR_SEQUENCE = ["location", "labl", "imputation", "security", "embargo", "respUnit", "anlysUnit", "qstn",
                "valrng", "invalrng", "undocCod", "universe", "TotlResp", "sumStat", "txt", "stdCatgry",
                "catgryGrp", "catgry", "codInstr", "verStmt", "concept", "derivation", "varFormat",
                "geoMap", "catLevel", "notes"]
CATGRY_SEQUENCE = ["catValu", "labl", "txt", "catStat", "mrow"]
CODEBOOK_SEQUENCE = ["docDscr", "stdyDscr", "fileDscr", "dataDscr", "otherMat"]


def in_schema_order(element, sequence) -> bool:
    positions = [sequence.index(child.tag.split("}")[1]) for child in element]
    return positions == sorted(positions)


@pytest.mark.slow
def test_ddi_has_one_var_per_variable_and_one_catgry_per_code(sav, root):
    _, meta = sav
    tree = ET.parse(root / "cleaned" / "sid2026_ddi.xml")  # well-formed
    book = tree.getroot()
    assert book.tag == "{ddi:codebook:2_5}codeBook" and book.get("version") == "2.5"
    assert in_schema_order(book, CODEBOOK_SEQUENCE)
    every = book.findall("d:dataDscr/d:var", NS)  # of every file: ids unique over the files
    assert len({v.get("ID") for v in every}) == len(every)
    variables = [v for v in every if v.get("files") == "F1"]  # the main file's
    assert [v.get("name") for v in variables] == list(meta.column_names)
    labels = dict(zip(meta.column_names, meta.column_labels))
    for var in variables:
        name = var.get("name")
        assert in_schema_order(var, VAR_SEQUENCE), name
        assert var.findtext("d:labl", namespaces=NS) == (labels[name] or "")
        cats = {}
        for cat in var.findall("d:catgry", NS):
            assert in_schema_order(cat, CATGRY_SEQUENCE), name
            label = next(l.text for l in cat.findall("d:labl", NS)
                         if l.get("{http://www.w3.org/XML/1998/namespace}lang") is None)
            if label:
                cats[_code(cat.findtext("d:catValu", namespaces=NS))] = label
        assert cats == {_code(k): t for k, t in meta.variable_value_labels.get(name, {}).items()}, name
        assert var.find("d:varFormat", NS).text == meta.original_variable_types[name]
    ids = {v.get("ID") for v in variables}
    groups = book.findall("d:dataDscr/d:varGrp", NS)
    assert groups and all(set(g.get("var").split()) <= ids for g in groups)
    assert int(book.findtext("d:fileDscr/d:fileTxt/d:dimensns/d:caseQnty", namespaces=NS)) == meta.number_rows
    derived = next(v for v in variables if v.get("name") == "leeftijd")
    assert derived.findtext("d:derivation/d:drvcmd", namespaces=NS) == "2026 - ${geboortejaar}"
    routed = next(v for v in variables if v.get("name") == "werk_tevreden")
    assert routed.findtext("d:universe", namespaces=NS)
    assert {q.get("{http://www.w3.org/XML/1998/namespace}lang") for q in routed.findall("d:qstn", NS)} == \
        {"nl", "fr", "en"}


# --- Excel safety (a tiny project, fast) -----------------------------------------------------------

def test_formula_like_answers_are_neutralised_for_excel(tiny_project, monkeypatch):
    from conftest import TINY_CSV, TINY_SURVEY_TOML

    monkeypatch.setenv("SID_PSEUDONYM_KEY", "a-real-secret-key-0123456789abcdef")
    (tiny_project / "sid.toml").write_text(TINY_SURVEY_TOML + '\n[privacy]\nkey_env = "SID_PSEUDONYM_KEY"\n',
                                           encoding="utf-8")
    (tiny_project / "raw" / "answers.csv").write_text(TINY_CSV.replace("Berbers", "=1+2"), encoding="utf-8")
    result = CliRunner().invoke(app, ["--project", str(tiny_project), "run"])
    assert result.exit_code == 0, result.output
    cleaned = tiny_project / "cleaned"
    csv = pd.read_csv(cleaned / "tiny.csv", dtype=str, keep_default_na=False)
    assert "'=1+2" in set(csv["talen_anders"])  # Excel shows text, runs nothing
    data, _ = pyreadstat.read_sav(str(cleaned / "tiny.sav"))
    assert "=1+2" in set(data["talen_anders"])  # the .sav and the Parquet keep the answer
    assert "=1+2" in set(pd.read_parquet(cleaned / "tiny.parquet")["talen_anders"])
    assert set(csv["tevreden"]) >= {"-3", "-1"}  # missing codes are numbers, not formulas
    for path in cleaned.glob("*.xlsx"):
        wb = openpyxl.load_workbook(path)
        assert not [c.coordinate for ws in wb.worksheets for row in ws.iter_rows() for c in row
                    if c.data_type == "f"], path.name
    from pipeline.delivery.verify import verify_delivery

    assert verify_delivery(cleaned).passed


def _code(text):
    """A code as the .sav holds it: a number, or text for a string variable's labels ('MA')."""
    try:
        return float(text)
    except (TypeError, ValueError):
        return str(text)
