"""The delivery of rosters (issue 16 point 4): one .sav per roster level keyed by the respondent's
pseudonym and the instance numbers, a count variable in the main file, CSV/Parquet copies, a part
of every codebook and a fileDscr per file in the DDI, `sid verify` on each file and its links,
and the documented MATCH FILES syntax run in GNU PSPP.

The project: a family form with a roster of children (name, sex, birth year) and, nested in it, a
roster of schools (level), keyed in wide (`kind_1_kind_naam`, `kind_1_school_2_school_niveau`:
docs/sources.md's naming rule), delivered in Dutch and English."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import openpyxl
import pandas as pd
import pyreadstat
import pytest
from conftest import TINY_PRIVACY_TOML, c, demo_delivery, pspp_dictionary, q, run_pspp, write_xlsform
from typer.testing import CliRunner

from cli import app
from pipeline.delivery.rosters import join_syntax
from pipeline.delivery.verify import manifest_digest, verify_delivery
from pipeline.files import sha256
from pipeline.survey.project import load_project

SURVEY = [
    {"type": "start", "name": "start"}, {"type": "end", "name": "end"},
    q("text", "resp_id", "Respondentnummer", "Respondent number", required="yes"),
    q("integer", "geboortejaar", "Geboortejaar", "Year of birth"),
    q("integer", "n_kind", "Hoeveel kinderen heeft u?", "How many children?"),
    q("begin_repeat", "kind", "Kind", "Child", repeat_count="${n_kind}"),
    q("text", "kind_naam", "Voornaam van het kind", "Child's first name"),
    q("select_one sex", "kind_geslacht", "Geslacht van het kind", "Child's sex"),
    q("integer", "kind_jaar", "Geboortejaar van het kind", "Child's year of birth"),
    q("begin_repeat", "school", "School", "School"),
    q("select_one niveau", "school_niveau", "Niveau van de school", "Level of the school", measure="ordinal"),
    q("end_repeat", ""),
    q("end_repeat", ""),
]
CHOICES = [c("sex", "1", "jongen", "boy"), c("sex", "2", "meisje", "girl"),
           c("niveau", "1", "lager", "primary"), c("niveau", "2", "secundair", "secondary")]
WIDE = ["kind_1_kind_naam", "kind_1_kind_geslacht", "kind_1_kind_jaar", "kind_1_school_1_school_niveau",
        "kind_1_school_2_school_niveau", "kind_2_kind_naam", "kind_2_kind_geslacht", "kind_2_kind_jaar",
        "kind_2_school_1_school_niveau"]
ANSWERS = ("resp_id,start,end,geboortejaar,n_kind," + ",".join(WIDE) + "\n"
           "R1,2026-03-02T10:00:00,2026-03-02T10:31:00,1980,2,Anna,2,2010,1,2,Bram,1,2012,1\n"
           "R2,2026-03-03T11:00:00,2026-03-03T11:25:10,1999,0,,,,,,,,,\n"
           "R3,2026-03-04T09:15:00,2026-03-04T09:50:00,1975,1,Chris,1,-1,,,,,,\n"
           "R4,2026-03-05T09:15:00,2026-03-05T09:50:00,1968,1,Dina,2,1995,2,,,,,\n")
TOML = """[survey]
name = "gezin"
title = "Gezinstoets"
form = "schemas/form.xlsx"
language = "nl"
key = "resp_id"

[export]
languages = ["nl", "en"]

[[sources]]
path = "raw/answers.csv"
roster_layout = "wide"
""" + TINY_PRIVACY_TOML


def family_project(root: Path) -> Path:
    write_xlsform(root / "schemas" / "form.xlsx", SURVEY, CHOICES)
    (root / "raw").mkdir(parents=True)
    (root / "raw" / "answers.csv").write_text(ANSWERS, encoding="utf-8")
    (root / "sid.toml").write_text(TOML, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def family(tmp_path_factory) -> Path:
    """The family project after `sid run`; then cleaning's file for `kind` (work/cleaned_roster_kind.parquet)
    written as cleaning per instance will: R4's child's birth year cleaned to -4, and a row of a
    respondent the delivery does not hold (R9): then `sid export`."""
    root = family_project(tmp_path_factory.mktemp("family") / "gezin")
    result = CliRunner().invoke(app, ["--project", str(root), "run"])
    assert result.exit_code == 0, result.output
    rows = pd.read_parquet(root / "work" / "roster_kind.parquet")
    rows.loc[rows["resp_id"] == "R4", "kind_jaar"] = -4
    extra = rows.iloc[[0]].assign(resp_id="R9")
    pd.concat([rows, extra], ignore_index=True).to_parquet(root / "work" / "cleaned_roster_kind.parquet")
    result = CliRunner().invoke(app, ["--project", str(root), "export"])
    assert result.exit_code == 0, result.output
    return root


def _sav(path: Path):
    return pyreadstat.read_sav(str(path), user_missing=True)


def test_each_roster_level_is_a_sav_keyed_by_the_main_files_id_and_its_instance_numbers(family):
    main, _ = _sav(family / "cleaned" / "gezin.sav")
    kids, meta = _sav(family / "cleaned" / "gezin_kind.sav")
    schools, school_meta = _sav(family / "cleaned" / "gezin_school.sav")
    assert list(kids.columns) == ["respondent_id", "kind_nr", "kind_naam", "kind_geslacht", "kind_jaar"]
    assert list(schools.columns) == ["respondent_id", "kind_nr", "school_nr", "school_niveau"]
    # the same pseudonym as in the main file: R1 (2 children), R3, R4; R9 is not in the delivery
    ids = dict(zip(main["geboortejaar"], main["respondent_id"]))
    assert kids["respondent_id"].tolist() == [ids[1980], ids[1980], ids[1975], ids[1968]]
    assert kids["kind_nr"].tolist() == [1, 2, 1, 1]
    assert kids["kind_naam"].tolist() == ["Anna", "Bram", "Chris", "Dina"]
    assert kids["kind_jaar"].tolist() == [2010, 2012, -1, -4]  # -4: cleaning's file, not the ingested one
    assert schools[["kind_nr", "school_nr", "school_niveau"]].values.tolist() == [
        [1, 1, 1], [1, 2, 2], [2, 1, 1], [1, 1, 2]]
    # labels, value labels, user-missing codes and measures by the main file's code
    labels = dict(zip(meta.column_names, meta.column_labels))
    assert labels["respondent_id"] == "Respondentnummer (pseudoniem)"
    assert labels["kind_nr"] == "Volgnummer binnen kind"
    assert labels["kind_geslacht"] == "Geslacht van het kind"
    assert meta.variable_value_labels["kind_geslacht"][2.0] == "meisje"
    assert meta.variable_value_labels["kind_jaar"][-4.0] == "ongeldig"
    assert meta.missing_ranges["kind_jaar"] == [{"lo": -9.0, "hi": -1.0}]
    assert meta.variable_measure["kind_geslacht"] == "nominal"
    assert school_meta.variable_measure["school_niveau"] == "ordinal"
    assert meta.file_label == "Gezinstoets – kind"
    assert "Eén rij per instantie van kind; koppel aan gezin.sav op respondent_id." in meta.notes
    assert ("Eén rij per instantie van school; koppel aan gezin_kind.sav op respondent_id kind_nr."
            in " ".join(school_meta.notes))  # wrapped over document lines of at most 80 bytes


def test_the_main_file_counts_the_delivered_rows_per_respondent(family):
    main, meta = _sav(family / "cleaned" / "gezin.sav")
    assert main["kind_n"].tolist() == [2, 0, 1, 1]
    assert main["school_n"].tolist() == [3, 0, 0, 1]
    labels = dict(zip(meta.column_names, meta.column_labels))
    assert labels["kind_n"] == "Aantal kind in het bestand gezin_kind.sav"
    english = (family / "cleaned" / "gezin_labels_en.sps").read_text(encoding="utf-8")
    assert "kind_n 'Number of kind in the file gezin_kind.sav'" in english


def test_the_copies_and_the_other_language(family):
    cleaned = family / "cleaned"
    kids, _ = _sav(cleaned / "gezin_kind.sav")
    csv = pd.read_csv(cleaned / "gezin_kind.csv")
    assert list(csv.columns) == list(kids.columns) and csv["kind_jaar"].tolist() == [2010, 2012, -1, -4]
    parquet = pd.read_parquet(cleaned / "gezin_kind.parquet")
    assert parquet["kind_geslacht"].astype(str).tolist() == ["meisje", "jongen", "jongen", "meisje"]
    assert parquet["kind_jaar_code"].tolist() == [2010, 2012, -1, -4]
    english = (cleaned / "gezin_kind_labels_en.sps").read_text(encoding="utf-8")
    assert "kind_geslacht 'Child''s sex'" in english and "'girl'" in english


def test_the_roster_sav_opens_in_pspp_with_its_labels_and_missing_values(family, tmp_path):
    sav = family / "cleaned" / "gezin_kind.sav"
    variables, value_labels, missing, _ = pspp_dictionary(sav, tmp_path)
    assert list(variables) == ["respondent_id", "kind_nr", "kind_naam", "kind_geslacht", "kind_jaar"]
    assert variables["kind_geslacht"]["Label"] == "Geslacht van het kind"
    assert value_labels["kind_geslacht"][2.0] == "meisje"
    assert {-1.0, -4.0, -9.0} <= missing["kind_jaar"]
    # the English label syntax relabels the same file
    code, tables, text = run_pspp(f"SET TVARS=NAMES.\nGET FILE='{sav}'.\n"
                                  f"INCLUDE FILE='{family / 'cleaned' / 'gezin_kind_labels_en.sps'}'.\n"
                                  "DISPLAY DICTIONARY.\n", tmp_path)
    assert code == 0 and "error" not in text.lower(), text
    header, *rows = tables["Variables"]
    assert {r[0]: dict(zip(header, r))["Label"] for r in rows}["kind_geslacht"] == "Child's sex"


def _documented_join(cleaned: Path) -> str:
    """The syntax README.txt shows (indented under its heading)."""
    readme = (cleaned / "README.txt").read_text(encoding="utf-8")
    block = readme.split("Een rosterbestand koppelen aan het hoofdbestand (SPSS of PSPP)", 1)[1]
    lines = block.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("    "))
    end = next(i for i in range(start, len(lines)) if not lines[i].startswith("    "))
    return "\n".join(line[4:] for line in lines[start:end])


def test_the_documented_match_files_joins_a_roster_to_the_main_file_in_pspp(family, tmp_path):
    cleaned = family / "cleaned"
    syntax = _documented_join(cleaned)
    assert "MATCH FILES /FILE=* /TABLE=gezin /BY respondent_id." in syntax
    assert syntax.strip() == join_syntax("gezin.sav", "gezin_kind.sav", ("respondent_id", "kind_nr")).strip()
    work = tmp_path / "join"
    shutil.copytree(cleaned, work)  # the syntax names the files as ABB has them: beside it
    code, tables, text = run_pspp(f"SET TVARS=NAMES.\nCD '{work}'.\n{syntax}\nLIST.\n", work)
    assert code == 0 and "error" not in text.lower(), text
    header, *rows = tables["Data List"]
    joined = pd.DataFrame(rows, columns=header)
    assert len(joined) == 4  # every roster row, none added
    main, _ = _sav(cleaned / "gezin.sav")
    births = dict(zip(main["respondent_id"], main["geboortejaar"]))
    assert {"geboortejaar", "n_kind", "kind_n"} <= set(joined.columns)
    assert [float(b) for b in joined["geboortejaar"]] == [births[r] for r in joined["respondent_id"]]
    assert sorted(joined["kind_naam"]) == ["Anna", "Bram", "Chris", "Dina"]


def test_codebooks_and_ddi_describe_every_file_and_how_they_link(family):
    cleaned = family / "cleaned"
    book = openpyxl.load_workbook(cleaned / "codebook.xlsx", read_only=True)
    assert {"bestanden", "variabelen_kind", "waarden_kind", "variabelen_school", "waarden_school"} <= set(
        book.sheetnames)
    files = list(book["bestanden"].iter_rows(values_only=True))
    assert files[0] == ("bestand", "roster", "rijen", "variabelen", "sleutels", "gekoppeld_aan", "aantal_variabele")
    assert files[2] == ("gezin_kind.sav", "kind", 4, 5, "respondent_id kind_nr", "gezin.sav", "kind_n")
    assert files[3][4:6] == ("respondent_id kind_nr school_nr", "gezin_kind.sav")
    english = openpyxl.load_workbook(cleaned / "codebook_en.xlsx", read_only=True)
    labels = {r[1]: r[3] for r in english["variabelen_kind"].iter_rows(min_row=2, values_only=True)}
    assert labels["kind_geslacht"] == "Child's sex" and labels["kind_nr"] == "Instance number within kind"
    html = (cleaned / "codebook.html").read_text(encoding="utf-8")
    assert 'data-bestand="gezin_kind.sav"' in html and 'id="var-gezin_kind-kind_geslacht"' in html
    ns = {"d": "ddi:codebook:2_5"}
    root = ET.parse(cleaned / "gezin_ddi.xml").getroot()
    described = {f.findtext("d:fileTxt/d:fileName", namespaces=ns): f.get("ID")
                 for f in root.iterfind("d:fileDscr", ns)}
    assert described == {"gezin.sav": "F1", "gezin_kind.sav": "F2", "gezin_school.sav": "F3"}
    by_file: dict[str, list[str]] = {}
    ids = {}
    for var in root.iterfind("d:dataDscr/d:var", ns):
        by_file.setdefault(var.get("files"), []).append(var.get("name"))
        ids[(var.get("files"), var.get("name"))] = var.get("ID")
    assert by_file["F2"] == ["respondent_id", "kind_nr", "kind_naam", "kind_geslacht", "kind_jaar"]
    assert "kind_n" in by_file["F1"] and len(set(ids.values())) == len(ids)  # ids unique over the files
    kid_file = root.find("d:fileDscr[@ID='F2']", ns)
    assert kid_file.find("d:fileTxt/d:fileStrc/d:recGrp", ns).get("keyvar") == " ".join(
        ids[("F2", n)] for n in ("respondent_id", "kind_nr"))
    assert kid_file.findtext("d:fileTxt/d:dimensns/d:caseQnty", namespaces=ns) == "4"


def test_readme_and_manifest_list_the_roster_files(family):
    cleaned = family / "cleaned"
    readme = (cleaned / "README.txt").read_text(encoding="utf-8")
    assert re.search(r"^gezin_kind\.sav +Eén rij per instantie van kind \(sleutels respondent_id kind_nr\)",
                     readme, re.M)
    outputs = {o["path"] for o in json.loads((cleaned / "manifest.json").read_text())["outputs"]}
    roster_files = {f"gezin_kind{ext}" for ext in (".sav", ".sps", ".csv", ".parquet", "_labels_en.sps")}
    assert roster_files <= outputs


def test_verify_passes_the_delivery_with_its_links(family):
    report = verify_delivery(family / "cleaned")
    assert report.passed, report.frame[report.frame["resultaat"] == "FOUT"].to_string()
    links = report.frame[report.frame["controle"] == "koppeling"]
    assert links["bestand"].tolist() == ["gezin_kind.sav", "gezin_school.sav"]


def _planted(family: Path, tmp_path: Path, change) -> pd.DataFrame:
    """A copy of the delivery with gezin_kind.sav's rows changed by `change`; verify's link findings."""
    copy = tmp_path / "levering"
    shutil.copytree(family / "cleaned", copy)
    rows, meta = _sav(copy / "gezin_kind.sav")
    pyreadstat.write_sav(change(rows), str(copy / "gezin_kind.sav"), column_labels=meta.column_labels)
    frame = verify_delivery(copy).frame
    return frame[(frame["controle"] == "koppeling") & (frame["bestand"] == "gezin_kind.sav")]


def test_verify_catches_an_orphan_row(family, tmp_path):
    found = _planted(family, tmp_path, lambda r: r.assign(respondent_id=r["respondent_id"].where(
        r.index != 2, "R0000000000000000")))
    assert found["resultaat"].tolist() == ["FOUT"]
    assert "1 rij(en) zonder respondent in gezin.sav" in found["toelichting"].iloc[0]
    assert "kind_n in gezin.sav klopt niet met het aantal rijen bij 1 respondent(en)" in found["toelichting"].iloc[0]


def test_verify_catches_a_count_mismatch(family, tmp_path):
    found = _planted(family, tmp_path, lambda r: r.drop(index=1))  # R1's second child gone
    assert found["resultaat"].tolist() == ["FOUT"]
    detail = found["toelichting"].iloc[0]
    assert "klopt niet met het aantal rijen bij 1 respondent(en)" in detail and "zonder" not in detail


def test_verify_catches_a_gap_in_the_instance_numbers(family, tmp_path):
    found = _planted(family, tmp_path, lambda r: r.assign(kind_nr=r["kind_nr"].where(r.index != 1, 3)))
    assert found["resultaat"].tolist() == ["FOUT"]
    assert found["toelichting"].iloc[0] == "kind_nr: 1 volgnummer(s) niet 1..n zonder gaten binnen hun ouder"


def test_verify_catches_an_orphan_of_a_nested_roster(family, tmp_path):
    copy = tmp_path / "levering"
    shutil.copytree(family / "cleaned", copy)
    rows, meta = _sav(copy / "gezin_school.sav")
    rows.loc[0, "kind_nr"] = 5  # a school of a child R1 does not have
    pyreadstat.write_sav(rows, str(copy / "gezin_school.sav"), column_labels=meta.column_labels)
    frame = verify_delivery(copy).frame
    found = frame[(frame["controle"] == "koppeling") & (frame["bestand"] == "gezin_school.sav")]
    assert "1 rij(en) zonder ouderrij in gezin_kind.sav" in found["toelichting"].iloc[0]


def test_a_roster_file_the_codebook_does_not_describe_fails(family, tmp_path):
    copy = tmp_path / "levering"
    shutil.copytree(family / "cleaned", copy)
    shutil.copy(copy / "gezin_kind.sav", copy / "gezin_extra.sav")
    manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))  # listed, as if sid wrote it
    manifest["outputs"].append({"path": "gezin_extra.sav", "sha256": sha256(copy / "gezin_extra.sav"),
                                "bytes": (copy / "gezin_extra.sav").stat().st_size})
    manifest["manifest_sha256"] = manifest_digest(manifest)
    (copy / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    frame = verify_delivery(copy).frame
    assert frame[frame["controle"].isin(["manifest", "volledig"])]["resultaat"].eq("OK").all()
    found = frame[(frame["controle"] == "koppeling") & (frame["bestand"] == "gezin_extra.sav")]
    assert found["resultaat"].tolist() == ["FOUT"]


def test_a_delivery_without_rosters_has_no_roster_files_nor_counts(tiny_project):
    assert CliRunner().invoke(app, ["--project", str(tiny_project), "run"]).exit_code == 0
    cleaned = tiny_project / "cleaned"
    assert sorted(p.name for p in cleaned.glob("*.sav")) == ["tiny.sav"]
    _, meta = pyreadstat.read_sav(str(cleaned / "tiny.sav"), metadataonly=True)
    assert not [n for n in meta.column_names if n.endswith("_n")]
    assert "bestanden" not in openpyxl.load_workbook(cleaned / "codebook.xlsx", read_only=True).sheetnames
    ns = {"d": "ddi:codebook:2_5"}
    assert len(ET.parse(cleaned / "tiny_ddi.xml").getroot().findall("d:fileDscr", ns)) == 1


def test_a_roster_no_longer_delivered_leaves_no_file_behind(tmp_path):
    root = family_project(tmp_path / "gezin")
    assert CliRunner().invoke(app, ["--project", str(root), "run"]).exit_code == 0
    assert (root / "cleaned" / "gezin_kind_labels_en.sps").is_file()
    toml = root / "sid.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('roster_layout = "wide"\n', ""), encoding="utf-8")
    result = CliRunner().invoke(app, ["--project", str(root), "run"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (root / "cleaned").glob("gezin_*")) == ["gezin_ddi.xml", "gezin_labels_en.sps"]
    assert verify_delivery(root / "cleaned").passed


def test_a_roster_ingested_but_not_cleaned_stops_the_export_and_delivers_nothing_uncleaned(tmp_path):
    """Never the ingested rows in place of the cleaned ones: without cleaning's file the export stops (exit 2)
    naming the file and the fix, and the previous delivery stays as it was."""
    root = family_project(tmp_path / "gezin")
    assert CliRunner().invoke(app, ["--project", str(root), "run"]).exit_code == 0
    before = (root / "cleaned" / "gezin_kind.sav").read_bytes()
    (root / "work" / "cleaned_roster_kind.parquet").unlink()
    result = CliRunner().invoke(app, ["--project", str(root), "export"])
    assert result.exit_code == 2, result.output
    assert "cleaned_roster_kind.parquet" in result.output and "sid clean" in result.output
    assert (root / "cleaned" / "gezin_kind.sav").read_bytes() == before


def test_sid_export_removes_the_previous_deliverys_roster_files(tmp_path):
    """`sid export` starts from the previous delivery's files: a roster not delivered now leaves none behind."""
    root = family_project(tmp_path / "gezin")
    assert CliRunner().invoke(app, ["--project", str(root), "run"]).exit_code == 0
    for path in (root / "work").glob("roster_*.parquet"):
        path.unlink()
    result = CliRunner().invoke(app, ["--project", str(root), "export"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (root / "cleaned").glob("gezin_*")) == ["gezin_ddi.xml", "gezin_labels_en.sps"]
    _, meta = pyreadstat.read_sav(str(root / "cleaned" / "gezin.sav"), metadataonly=True)
    assert "kind_n" not in meta.column_names
    assert verify_delivery(root / "cleaned").passed


def test_a_roster_nobody_answered_is_an_empty_file_and_zero_counts(tmp_path):
    root = family_project(tmp_path / "gezin")
    answers = root / "raw" / "answers.csv"
    lines = answers.read_text(encoding="utf-8").splitlines()
    answers.write_text("\n".join([lines[0], lines[2]]) + "\n", encoding="utf-8")  # R2 only: no children
    result = CliRunner().invoke(app, ["--project", str(root), "run"])
    assert result.exit_code == 0, result.output
    kids, _ = _sav(root / "cleaned" / "gezin_kind.sav")
    assert len(kids) == 0 and list(kids.columns)[:2] == ["respondent_id", "kind_nr"]
    main, _ = _sav(root / "cleaned" / "gezin.sav")
    assert main["kind_n"].tolist() == [0] and main["school_n"].tolist() == [0]
    assert verify_delivery(root / "cleaned").passed


def test_the_demo_delivers_its_household_roster_and_the_documented_join_runs_in_pspp(tmp_path_factory, tmp_path):
    """The bundled demo: its form's roster `huisgenoten` is delivered as sid2026_huisgenoten.sav when its
    sources say how they hold it (roster_layout); README's MATCH FILES gives every roster row its
    respondent's answers. A demo whose sources do not (yet) read the roster delivers as before."""
    root = demo_delivery(tmp_path_factory)
    cleaned = root / "cleaned"
    _, meta = pyreadstat.read_sav(str(cleaned / "sid2026.sav"), metadataonly=True)
    if not any(s.roster_layout for s in load_project(root).sources):
        assert not list(cleaned.glob("sid2026_huisgenoten*")) and "huisgenoten_n" not in meta.column_names
        return
    rows, roster_meta = pyreadstat.read_sav(str(cleaned / "sid2026_huisgenoten.sav"), user_missing=True)
    assert list(rows.columns[:2]) == ["respondent_id", "huisgenoten_nr"] and len(rows) > 0
    main, _ = pyreadstat.read_sav(str(cleaned / "sid2026.sav"), usecols=["respondent_id", "huisgenoten_n",
                                                                          "geboortejaar"])
    assert rows["respondent_id"].isin(main["respondent_id"]).all()
    counted = main["respondent_id"].map(rows["respondent_id"].value_counts()).fillna(0)
    assert (counted == main["huisgenoten_n"]).all()
    assert roster_meta.missing_ranges["hg_geboortejaar"] == [{"lo": -9.0, "hi": -1.0}]
    work = tmp_path / "levering"
    shutil.copytree(cleaned, work)
    syntax = _documented_join(cleaned)
    assert "MATCH FILES /FILE=* /TABLE=sid2026 /BY respondent_id." in syntax
    code, tables, text = run_pspp(f"CD '{work}'.\n{syntax}\nSAVE OUTFILE='{tmp_path / 'joined.sav'}'.\n", work)
    assert code == 0 and "error" not in text.lower(), text
    joined, _ = pyreadstat.read_sav(str(tmp_path / "joined.sav"),
                                    usecols=["respondent_id", "huisgenoten_nr", "geboortejaar", "huisgenoten_n"])
    assert len(joined) == len(rows)
    births = joined["respondent_id"].map(dict(zip(main["respondent_id"], main["geboortejaar"])))
    assert joined["geboortejaar"].fillna(-99).tolist() == births.fillna(-99).tolist()
    assert (joined.groupby("respondent_id").size() == joined.groupby("respondent_id")["huisgenoten_n"].first()).all()


def test_odk_centrals_nested_repeat_export_is_delivered_as_linked_files(tmp_path):
    """Input nobody here wrote: the nested-repeat CSV export of getodk/central-backend's own test
    (test/unit/data/csv.js, copied in tests/ingest/test_roster_ingest.py), through `sid run`: a
    file per level, the toys keyed by child and toy number, every link checked by `sid verify`."""
    spec = importlib.util.spec_from_file_location("roster_ingest", Path(__file__).parents[1] / "ingest"
                                                  / "test_roster_ingest.py")
    central = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(central)
    ODK_MAIN, ODK_CHILD, ODK_TOY = central.ODK_MAIN, central.ODK_CHILD, central.ODK_TOY
    root = tmp_path / "multirepeat"
    write_xlsform(root / "schemas" / "form.xlsx", [
        q("text", "name", "Naam"), q("integer", "age", "Leeftijd"),
        {"type": "begin_group", "name": "children", "label::Nederlands (nl)": "Kinderen"},
        q("begin_repeat", "child", "Kind"), q("text", "name", "Naam kind"), q("integer", "age", "Leeftijd kind"),
        q("begin_repeat", "toy", "Speelgoed"), q("text", "name", "Naam speelgoed"), q("end_repeat", ""),
        q("end_repeat", ""), {"type": "end_group", "name": ""}], [])
    (root / "raw").mkdir()
    for name, text in (("multirepeat", ODK_MAIN), ("multirepeat-child", ODK_CHILD), ("multirepeat-toy", ODK_TOY)):
        (root / "raw" / f"{name}.csv").write_text(text, encoding="utf-8")
    (root / "sid.toml").write_text(TOML.replace('"gezin"', '"multirepeat"').replace("raw/answers.csv",
                                   "raw/multirepeat.csv").replace('"wide"', '"odk"\nseparator = "-"').replace(
        '"resp_id"', '"KEY"').replace('languages = ["nl", "en"]', 'languages = ["nl"]'), encoding="utf-8")
    result = CliRunner().invoke(app, ["--project", str(root), "run"])
    assert result.exit_code == 0, result.output
    cleaned = root / "cleaned"
    main, _ = _sav(cleaned / "multirepeat.sav")
    kids, _ = _sav(cleaned / "multirepeat_child.sav")
    toys, _ = _sav(cleaned / "multirepeat_toy.sav")
    who = dict(zip(main["respondent_id"], main["name"]))
    assert [(who[r], n, name) for r, n, name in kids[["respondent_id", "child_nr", "name"]].values] == [
        ("Chelsea", 1, "Candace"), ("Bob", 1, "Billy"), ("Bob", 2, "Blaine"), ("Bob", 3, "Baker")]
    toy_rows = toys[["respondent_id", "child_nr", "toy_nr", "name"]].values
    assert [(who[r], c, t, name) for r, c, t, name in toy_rows] == [
        ("Chelsea", 1, 1, "Millennium Falcon"), ("Chelsea", 1, 2, "X-Wing"), ("Chelsea", 1, 3, "Pod racer"),
        ("Bob", 1, 1, "R2-D2"), ("Bob", 2, 1, "BB-8"), ("Bob", 2, 2, "Porg plushie")]
    assert dict(zip(main["name"], main["child_n"])) == {"Alice": 0, "Bob": 3, "Chelsea": 1}
    assert dict(zip(main["name"], main["toy_n"])) == {"Alice": 0, "Bob": 3, "Chelsea": 3}
    report = verify_delivery(cleaned)
    assert report.passed, report.frame[report.frame["resultaat"] == "FOUT"].to_string()
