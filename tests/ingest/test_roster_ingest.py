"""Roster rows from the layouts the tools export: ODK Central's CSV per repeat (KEY/PARENT_KEY),
KoboToolbox's XLSX sheet per repeat (_index/_parent_index), and wide columns (`child_1_age`).

The ODK fixture is the nested-repeat export of getodk/central-backend's own CSV test
(test/unit/data/csv.js, "should handle nested repeats, with PARENT_KEY/KEY"): a main record
with children, each child with toys. The Kobo fixture follows formpack's export
(kobo/formpack, src/formpack/reporting/export.py: `_index` per section, `_parent_table_name`,
`_parent_index` naming the parent sheet's `_index`; the main sheet's `_index` counts from 1)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from conftest import q, write_xlsform

from pipeline.ingest.rosters import linked_rosters, wide_column
from pipeline.ingest.sources import read_table
from pipeline.survey.project import Source
from pipeline.survey.questionnaire import load_questionnaire

ODK_MAIN = """SubmissionDate,meta-instanceID,name,age,KEY,SubmitterID,SubmitterName,AttachmentsPresent,AttachmentsExpected,Status,ReviewState,DeviceID,Edits,FormVersion
2018-01-01T00:00:00.000Z,one,Alice,30,one,,,0,0,,,,0,version
2018-01-01T00:00:00.000Z,two,Bob,34,two,,,0,0,,,,0,version
2018-01-01T00:00:00.000Z,three,Chelsea,38,three,,,0,0,,,,0,version
"""
ODK_CHILD = """name,age,PARENT_KEY,KEY
Billy,4,two,two/children/child[1]
Blaine,6,two,two/children/child[2]
Baker,7,two,two/children/child[3]
Candace,2,three,three/children/child[1]
"""
ODK_TOY = """name,PARENT_KEY,KEY
R2-D2,two/children/child[1],two/children/child[1]/toy[1]
BB-8,two/children/child[2],two/children/child[2]/toy[1]
Porg plushie,two/children/child[2],two/children/child[2]/toy[2]
Millennium Falcon,three/children/child[1],three/children/child[1]/toy[1]
X-Wing,three/children/child[1],three/children/child[1]/toy[2]
Pod racer,three/children/child[1],three/children/child[1]/toy[3]
"""


@pytest.fixture
def multirepeat(tmp_path) -> Path:
    """central-backend's `multirepeat` form as an XLSForm: name, age; group children with repeat
    child (name, age), nested repeat toy (name)."""
    return write_xlsform(tmp_path / "multirepeat.xlsx", [
        q("text", "name", "Naam"), q("integer", "age", "Leeftijd"),
        {"type": "begin_group", "name": "children", "label::Nederlands (nl)": "Kinderen"},
        q("begin_repeat", "child", "Kind"), q("text", "name", "Naam kind"), q("integer", "age", "Leeftijd kind"),
        q("begin_repeat", "toy", "Speelgoed"), q("text", "name", "Naam speelgoed"), q("end_repeat", ""),
        q("end_repeat", ""), {"type": "end_group", "name": ""},
    ], [])


def _csv(tmp_path: Path, name: str, text: str, separator: str = "-") -> tuple[Source, object]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    source = Source(path.stem, path, "csv", separator=separator)
    return source, read_table(source)


def test_odk_central_nested_repeats(tmp_path, multirepeat):
    form = load_questionnaire(multirepeat)
    source, main = _csv(tmp_path, "multirepeat.csv", ODK_MAIN)
    _, child = _csv(tmp_path, "multirepeat-child.csv", ODK_CHILD)
    _, toy = _csv(tmp_path, "multirepeat-toy.csv", ODK_TOY)
    rows = linked_rosters("odk", main.frame, main.frame["name"], {"child": child, "toy": toy}, form, source, "resp")
    kids = rows["child"].frame
    assert list(kids.columns) == ["resp", "child_nr", "name", "age", "_source", "_row", "_main_row"]
    assert kids["resp"].tolist() == ["Bob", "Bob", "Bob", "Chelsea"]
    assert kids["child_nr"].tolist() == [1, 2, 3, 1]
    assert kids["age"].tolist() == [4.0, 6.0, 7.0, 2.0]
    assert kids["_main_row"].tolist() == [2, 2, 2, 3]
    assert rows["child"].problems.empty
    toys = rows["toy"].frame
    assert list(toys.columns[:4]) == ["resp", "child_nr", "toy_nr", "name"]
    assert toys["child_nr"].tolist() == [1, 2, 2, 1, 1, 1]
    assert toys["toy_nr"].tolist() == [1, 1, 2, 1, 2, 3]
    assert toys["_main_row"].tolist() == [2, 2, 2, 3, 3, 3]
    assert rows["toy"].problems.empty


def test_roster_question_named_like_the_key_is_refused(tmp_path, multirepeat):
    """The child's own `name` would overwrite the respondent key `name` in the child's frame: refused."""
    from pipeline.errors import SidError

    form = load_questionnaire(multirepeat)
    source, main = _csv(tmp_path, "multirepeat.csv", ODK_MAIN)
    _, child = _csv(tmp_path, "multirepeat-child.csv", ODK_CHILD)
    with pytest.raises(SidError, match="survey.key"):
        linked_rosters("odk", main.frame, main.frame["name"], {"child": child}, form, source, "name")


def test_odk_key_from_the_main_file(tmp_path, multirepeat):
    """The respondent key is the main file's (here derived from its KEY), the child's name is kept."""
    form = load_questionnaire(multirepeat)
    source, main = _csv(tmp_path, "multirepeat.csv", ODK_MAIN)
    _, child = _csv(tmp_path, "multirepeat-child.csv", ODK_CHILD)
    kids = linked_rosters("odk", main.frame, main.frame["SubmissionDate"].str[:4] + main.frame["KEY"],
                          {"child": child}, form, source, "resp")["child"].frame
    assert kids["resp"].tolist() == ["2018two"] * 3 + ["2018three"]
    assert kids["name"].tolist() == ["Billy", "Blaine", "Baker", "Candace"]


def test_odk_orphans_reported_not_dropped_silently(tmp_path, multirepeat):
    form = load_questionnaire(multirepeat)
    source, main = _csv(tmp_path, "multirepeat.csv", ODK_MAIN)
    _, child = _csv(tmp_path, "multirepeat-child.csv", ODK_CHILD + "Dora,9,four,four/children/child[1]\n")
    _, toy = _csv(tmp_path, "multirepeat-toy.csv",
                  ODK_TOY + "Ball,four/children/child[1],four/children/child[1]/toy[1]\n")
    rows = linked_rosters("odk", main.frame, main.frame["KEY"], {"child": child, "toy": toy}, form, source, "resp")
    assert len(rows["child"].frame) == 4 and len(rows["toy"].frame) == 6
    (orphan,) = rows["child"].problems.itertuples()
    assert (orphan.source, orphan.row, orphan.column, orphan.value, orphan.action) == (
        "multirepeat:child", 5, "PARENT_KEY", "four", "row excluded")
    (toy_orphan,) = rows["toy"].problems.itertuples()  # its parent child row was excluded: reported too
    assert (toy_orphan.row, toy_orphan.value) == (7, "four/children/child[1]")


def test_odk_bad_cell_listed_with_the_roster_file_row(tmp_path, multirepeat):
    form = load_questionnaire(multirepeat)
    source, main = _csv(tmp_path, "multirepeat.csv", ODK_MAIN)
    _, child = _csv(tmp_path, "multirepeat-child.csv", ODK_CHILD.replace("Blaine,6", "Blaine,zes"))
    rows = linked_rosters("odk", main.frame, main.frame["KEY"], {"child": child}, form, source, "resp")
    assert pd.isna(rows["child"].frame["age"][1])
    problem = rows["child"].problems.iloc[0]
    assert (problem["row"], problem["column"], problem["value"]) == (2, "age", "zes")


def _kobo_workbook(path: Path, orphan: bool = False) -> Path:
    """A KoboToolbox XLSX export of the multirepeat form (formpack's layout, group separator "/")."""
    wb = openpyxl.Workbook()
    main = wb.active
    main.title = "multirepeat"
    main.append(["name", "age", "_id", "_uuid", "_submission_time", "_index"])
    for i, (name, age, uuid) in enumerate([("Alice", 30, "u-1"), ("Bob", 34, "u-2"), ("Chelsea", 38, "u-3")], 1):
        main.append([name, age, 100 + i, uuid, "2018-01-01T00:00:00", i])
    child = wb.create_sheet("child")
    child.append(["children/child/name", "children/child/age", "_index", "_parent_table_name", "_parent_index",
                  "_submission__id", "_submission__uuid"])
    for i, (name, age, parent) in enumerate([("Billy", 4, 2), ("Blaine", 6, 2), ("Baker", 7, 2), ("Candace", 2, 3)]
                                            + ([("Dora", 9, 4)] if orphan else []), 1):
        child.append([name, age, i, "multirepeat", parent, 100 + parent, f"u-{parent}"])
    toy = wb.create_sheet("toy")
    toy.append(["children/child/toy/name", "_parent_table_name", "_parent_index", "_submission__id",
                "_submission__uuid"])
    for name, parent, sub in [("R2-D2", 1, 2), ("BB-8", 2, 2), ("Porg plushie", 2, 2), ("Millennium Falcon", 4, 3),
                              ("X-Wing", 4, 3), ("Pod racer", 4, 3)]:
        toy.append([name, "child", parent, 100 + sub, f"u-{sub}"])
    wb.save(path)
    return path


def _kobo(path: Path):
    source = Source("kobo", path, "xlsx", sheet="multirepeat")
    return source, read_table(source), {name: read_table(Source("kobo", path, "xlsx", sheet=name))
                                        for name in ("child", "toy")}


def test_kobo_xlsx_sheets(tmp_path, multirepeat):
    form = load_questionnaire(multirepeat)
    source, main, tables = _kobo(_kobo_workbook(tmp_path / "kobo.xlsx"))
    rows = linked_rosters("kobo", main.frame, main.frame["name"], tables, form, source, "resp")
    kids, toys = rows["child"].frame, rows["toy"].frame
    assert kids["resp"].tolist() == ["Bob", "Bob", "Bob", "Chelsea"]
    assert kids["child_nr"].tolist() == [1, 2, 3, 1] and kids["age"].tolist() == [4.0, 6.0, 7.0, 2.0]
    assert kids["name"].tolist() == ["Billy", "Blaine", "Baker", "Candace"]
    assert toys[["resp", "child_nr", "toy_nr"]].values.tolist() == [
        ["Bob", 1, 1], ["Bob", 2, 1], ["Bob", 2, 2], ["Chelsea", 1, 1], ["Chelsea", 1, 2], ["Chelsea", 1, 3]]
    assert toys["name"].tolist()[3:] == ["Millennium Falcon", "X-Wing", "Pod racer"]


def test_kobo_orphan_reported(tmp_path, multirepeat):
    form = load_questionnaire(multirepeat)
    source, main, tables = _kobo(_kobo_workbook(tmp_path / "kobo.xlsx", orphan=True))
    rows = linked_rosters("kobo", main.frame, main.frame["name"], tables, form, source, "resp")
    assert len(rows["child"].frame) == 4
    (orphan,) = rows["child"].problems.itertuples()
    assert (orphan.row, orphan.column, orphan.value, orphan.action) == (5, "_parent_index", "4", "row excluded")


def test_kobo_sheet_without_link_column_is_refused(tmp_path, multirepeat):
    from pipeline.errors import SidError

    form = load_questionnaire(multirepeat)
    path = _kobo_workbook(tmp_path / "kobo.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["child"].delete_cols(5)  # _parent_index
    wb.save(path)
    source, main, tables = _kobo(path)
    with pytest.raises(SidError, match="_parent_index"):
        linked_rosters("kobo", main.frame, main.frame["name"], tables, form, source, "resp")


def test_wide_layout_nested(tmp_path, multirepeat):
    """Keyed in wide: child_<n>_<variable>, child_<n>_toy_<m>_<variable>; empty instances are not rows."""
    form = load_questionnaire(multirepeat)
    path = tmp_path / "papi.csv"
    path.write_text("resp,name,age,child_1_name,child_1_age,child_2_name,child_2_age,"
                    "child_1_toy_1_name,child_1_toy_2_name,child_2_toy_1_name\n"
                    "r1,Alice,30,,,,,,,\n"
                    "r2,Bob,34,Billy,4,Blaine,6,R2-D2,,BB-8\n"
                    "r3,Chelsea,38,Candace,2,,,Falcon,X-Wing,Ghost\n", encoding="utf-8")
    source = Source("papi", path, "csv")
    main = read_table(source)
    rows = linked_rosters("wide", main.frame, main.frame["resp"], {}, form, source, "resp")
    kids = rows["child"].frame
    assert kids[["resp", "child_nr", "name", "age"]].values.tolist() == [
        ["r2", 1, "Billy", 4.0], ["r2", 2, "Blaine", 6.0], ["r3", 1, "Candace", 2.0]]
    toys = rows["toy"].frame
    assert toys[["resp", "child_nr", "toy_nr", "name"]].values.tolist() == [
        ["r2", 1, 1, "R2-D2"], ["r2", 2, 1, "BB-8"], ["r3", 1, 1, "Falcon"], ["r3", 1, 2, "X-Wing"]]
    (orphan,) = rows["toy"].problems.itertuples()  # Ghost: toy of child 2 of r3, who has no answer
    assert (orphan.row, orphan.value, orphan.action) == (3, "2/1", "row excluded")


def test_wide_instances_typed_two_at_a_time_as_one_by_one(tmp_path, multirepeat, monkeypatch):
    """The instances of a wide roster are typed by this process and a helper (parallel/beside.py in_order): the
    same rows, and the same problems in the same order (instance by instance), as in one process."""
    form = load_questionnaire(multirepeat)
    path = tmp_path / "papi.csv"
    path.write_text("resp,name,age,child_1_name,child_1_age,child_2_name,child_2_age,child_3_name,child_3_age\n"
                    "r1,Alice,30,Ann,x,,,Cid,3\n"
                    "r2,Bob,34,Billy,4,Blaine,six,,\n"
                    "r3,Chelsea,38,Candace,2,Cleo,1.5.0,Cy,seven\n", encoding="utf-8")
    source = Source("papi", path, "csv")
    main = read_table(source)
    out = {}
    for processes in ("1", "2"):
        monkeypatch.setenv("SID_PROCESSES", processes)
        out[processes] = linked_rosters("wide", main.frame, main.frame["resp"], {}, form, source, "resp")["child"]
    pd.testing.assert_frame_equal(out["1"].frame, out["2"].frame)
    pd.testing.assert_frame_equal(out["1"].problems, out["2"].problems)
    assert out["2"].frame[["resp", "child_nr"]].values.tolist() == [
        ["r1", 1], ["r1", 3], ["r2", 1], ["r2", 2], ["r3", 1], ["r3", 2], ["r3", 3]]
    assert out["2"].problems["column"].tolist() == ["child_1_age", "child_2_age", "child_2_age", "child_3_age"]


def test_wide_naming_rule():
    from pipeline.survey.rosters import Roster

    hh, kid = Roster("hh", None, None, (), ("hh",)), Roster("kid", "hh", 2, (), ("hh", "kid"))
    assert wide_column((hh,), "age").match("HH_12_age").groups() == ("12",)
    assert wide_column((hh, kid), "age").match("hh_1_kid_3_age").groups() == ("1", "3")
    assert wide_column((hh,), "age").match("hh_1_kid_3_age") is None


def test_unknown_layout(tmp_path, multirepeat):
    form = load_questionnaire(multirepeat)
    source, main = _csv(tmp_path, "multirepeat.csv", ODK_MAIN)
    with pytest.raises(ValueError, match="layout"):
        linked_rosters("csv", main.frame, main.frame["KEY"], {}, form, source, "resp")


def _roster_project(tmp_path: Path, layout: str, children: str, extra_toml: str = "") -> Path:
    """The tiny project with a household roster (ODK Central's layout: KEY in the main CSV)."""
    from conftest import TINY_CHOICES, TINY_SURVEY, TINY_TOML

    root = tmp_path / "tiny"
    write_xlsform(root / "schemas" / "form.xlsx", [
        *TINY_SURVEY, q("begin_repeat", "lid", "Gezinslid"), q("text", "lid_naam", "Naam"),
        q("integer", "lid_jaar", "Geboortejaar"), q("end_repeat", "")], TINY_CHOICES)
    (root / "raw").mkdir()
    (root / "raw" / "answers.csv").write_text(
        "resp_id,start,end,geboortejaar,werk,tevreden,geboorteland,talen,talen_anders,leeftijd,KEY\n"
        "R1,2026-03-02T10:00:00,2026-03-02T10:31:00,1980,1,4,BE,nl,,46,uuid:a\n"
        "R2,2026-03-03T11:00:00,2026-03-03T11:25:10,1999,0,,MA,nl ar other,Berbers,27,uuid:b\n"
        "R2,2026-03-03T11:00:00,2026-03-03T11:25:10,1999,0,,MA,nl ar other,Berbers,27,uuid:c\n", encoding="utf-8")
    (root / "raw" / "answers-lid.csv").write_text(children, encoding="utf-8")
    (root / "sid.toml").write_text(TINY_TOML.replace(
        'path = "raw/answers.csv"\n', f'path = "raw/answers.csv"\ninstance = "KEY"\nroster_layout = "{layout}"\n'
        + extra_toml), encoding="utf-8")
    return root


def test_sid_ingest_writes_the_roster(tmp_path):
    from typer.testing import CliRunner

    from cli import app

    root = _roster_project(tmp_path, "odk", "lid_naam,lid_jaar,PARENT_KEY,KEY\n"
                           "Ann,1982,uuid:a,uuid:a/lid[1]\nBen,2010,uuid:a,uuid:a/lid[2]\n"
                           "Cas,1999,uuid:b,uuid:b/lid[1]\nDirk,1960,uuid:c,uuid:c/lid[1]\n"
                           "Els,1970,uuid:z,uuid:z/lid[1]\n")
    result = CliRunner().invoke(app, ["--project", str(root), "ingest"])
    assert result.exit_code == 0, result.output
    lid = pd.read_parquet(root / "work" / "roster_lid.parquet")
    reconciliation = pd.read_csv(root / "work" / "reconciliation.csv")
    kept_b = reconciliation.loc[reconciliation["status"] == "kept", "record"].tolist()
    assert set(kept_b) >= {"uuid:a"} and len(kept_b) == 2
    kept_r2 = "Cas" if "uuid:b" in kept_b else "Dirk"  # the double submission's kept record brings its roster
    assert lid[["resp_id", "lid_nr", "lid_naam"]].values.tolist() == [
        ["R1", 1, "Ann"], ["R1", 2, "Ben"], ["R2", 1, kept_r2]]
    assert lid["lid_jaar"].tolist()[:2] == [1982.0, 2010.0]
    problems = pd.read_csv(root / "work" / "ingest_problems.csv").fillna("")
    roster_problems = problems[problems["source"] == "answers:lid"]
    assert sorted(roster_problems["row"].tolist()) == [3 if kept_r2 == "Dirk" else 4, 5]
    assert set(roster_problems["action"]) == {"row excluded"}
    assert roster_problems["reason"].str.contains("merged|excluded|not in the main file").all()


def test_sid_ingest_without_roster_layout_writes_no_roster(tmp_path):
    from typer.testing import CliRunner

    from cli import app

    root = _roster_project(tmp_path, "odk", "lid_naam,lid_jaar,PARENT_KEY,KEY\n")
    assert CliRunner().invoke(app, ["--project", str(root), "ingest"]).exit_code == 0
    assert (root / "work" / "roster_lid.parquet").is_file()
    toml = (root / "sid.toml").read_text(encoding="utf-8").replace('roster_layout = "odk"\n', "")
    (root / "sid.toml").write_text(toml, encoding="utf-8")
    result = CliRunner().invoke(app, ["--project", str(root), "ingest"])  # the earlier run's roster is removed
    assert result.exit_code == 0, result.output
    assert not list((root / "work").glob("roster_*"))


def test_sid_ingest_missing_roster_file_is_reported(tmp_path):
    from typer.testing import CliRunner

    from cli import app

    root = _roster_project(tmp_path, "odk", "")
    (root / "raw" / "answers-lid.csv").unlink()
    result = CliRunner().invoke(app, ["--project", str(root), "ingest"])
    assert result.exit_code == 0, result.output
    problems = pd.read_csv(root / "work" / "ingest_problems.csv")
    (row,) = problems[problems["source"] == "answers:lid"].itertuples()
    assert row.action == "none read" and "answers-lid.csv" in row.reason


def test_sid_ingest_kobo_sheets(tmp_path):
    """A KoboToolbox XLSX export: the main sheet first, the repeat's sheet named after it (default)."""
    import csv
    import io

    from typer.testing import CliRunner

    from cli import app

    root = _roster_project(tmp_path, "kobo", "")
    lines = list(csv.reader(io.StringIO((root / "raw" / "answers.csv").read_text(encoding="utf-8"))))
    wb = openpyxl.Workbook()
    main = wb.active
    main.title = "tiny"
    main.append([*lines[0][:-1], "_uuid", "_index"])
    for i, line in enumerate(lines[1:], 1):
        main.append([*line[:-1], line[-1], i])
    lid = wb.create_sheet("lid")
    lid.append(["lid/lid_naam", "lid/lid_jaar", "_parent_table_name", "_parent_index", "_submission__uuid"])
    uuids = {1: "uuid:a", 2: "uuid:b", 3: "uuid:c", 9: "uuid:z"}
    for row in [("Ann", 1982, 1), ("Ben", 2010, 1), ("Cas", 1999, 2), ("Dirk", 1960, 3), ("Els", 1970, 9)]:
        lid.append([*row[:2], "tiny", row[2], uuids[row[2]]])
    wb.save(root / "raw" / "answers.xlsx")
    toml = (root / "sid.toml").read_text(encoding="utf-8").replace("raw/answers.csv", "raw/answers.xlsx")
    (root / "sid.toml").write_text(toml.replace('instance = "KEY"', 'instance = "_uuid"'), encoding="utf-8")
    result = CliRunner().invoke(app, ["--project", str(root), "ingest"])
    assert result.exit_code == 0, result.output
    lid_rows = pd.read_parquet(root / "work" / "roster_lid.parquet")
    assert lid_rows[["resp_id", "lid_nr", "lid_naam"]].values.tolist()[:2] == [["R1", 1, "Ann"], ["R1", 2, "Ben"]]
    reconciliation = pd.read_csv(root / "work" / "reconciliation.csv")
    kept = set(reconciliation.loc[reconciliation["status"] == "kept", "record"])
    kept_r2 = "Cas" if "uuid:b" in kept else "Dirk"
    assert lid_rows[["resp_id", "lid_naam"]].values.tolist()[2:] == [["R2", kept_r2]]
    problems = pd.read_csv(root / "work" / "ingest_problems.csv")
    excluded = problems[(problems["source"] == "answers:lid") & (problems["action"] == "row excluded")]
    assert sorted(excluded["row"]) == [4 if kept_r2 == "Cas" else 3, 5]


def test_unknown_roster_layout_in_sid_toml(tmp_path):
    from typer.testing import CliRunner

    from cli import app

    root = _roster_project(tmp_path, "sav", "lid_naam,lid_jaar,PARENT_KEY,KEY\n")
    result = CliRunner().invoke(app, ["--project", str(root), "ingest"])
    assert result.exit_code == 2 and "roster_layout" in result.output and "odk, kobo, wide" in result.output
    assert not (root / "work" / "ingested.parquet").exists()


def test_odk_central_three_levels(tmp_path):
    """central-backend's "briefcase replicated test: nested-repeats": repeats g1 > g2 > g3, one submission."""
    form = load_questionnaire(write_xlsform(tmp_path / "nested-repeats.xlsx", [
        q("begin_repeat", "g1", "G1"), q("text", "t1", "T1"), q("begin_repeat", "g2", "G2"), q("text", "t2", "T2"),
        q("begin_repeat", "g3", "G3"), q("text", "t3", "T3"), q("end_repeat", ""), q("end_repeat", ""),
        q("end_repeat", "")], []))
    uuid = "uuid:0a1b861f-a5fd-4f49-846a-78dcf06cfc1b"
    source, main = _csv(tmp_path, "nested-repeats.csv", "SubmissionDate,meta-instanceID,KEY,SubmitterID,SubmitterName,"
                        "AttachmentsPresent,AttachmentsExpected,Status,ReviewState,DeviceID,Edits,FormVersion\n"
                        f"2018-02-01T11:35:19.178Z,{uuid},{uuid},,,0,0,,,,0,\n")
    _, g1 = _csv(tmp_path, "nested-repeats-g1.csv", "t1,PARENT_KEY,KEY\n" + "".join(
        f"some text {i},{uuid},{uuid}/g1[{i}]\n" for i in (1, 2, 3)))
    _, g2 = _csv(tmp_path, "nested-repeats-g2.csv", "t2,PARENT_KEY,KEY\n" + "".join(
        f"some text {a}.{b},{uuid}/g1[{a}],{uuid}/g1[{a}]/g2[{b}]\n" for a, b in ((1, 1), (1, 2), (2, 1), (3, 1))))
    _, g3 = _csv(tmp_path, "nested-repeats-g3.csv", "t3,PARENT_KEY,KEY\n" + "".join(
        f"some text {a}.1.{c},{uuid}/g1[{a}]/g2[1],{uuid}/g1[{a}]/g2[1]/g3[{c}]\n"
        for a, c in ((1, 1), (3, 1), (3, 2), (3, 3), (3, 4))))
    rows = linked_rosters("odk", main.frame, main.frame["KEY"], {"g1": g1, "g2": g2, "g3": g3}, form, source, "resp")
    assert rows["g2"].frame[["g1_nr", "g2_nr", "t2"]].values.tolist() == [
        [1, 1, "some text 1.1"], [1, 2, "some text 1.2"], [2, 1, "some text 2.1"], [3, 1, "some text 3.1"]]
    g3_rows = rows["g3"].frame
    assert list(g3_rows.columns[:5]) == ["resp", "g1_nr", "g2_nr", "g3_nr", "t3"]
    assert g3_rows[["g1_nr", "g2_nr", "g3_nr"]].values.tolist() == [[1, 1, 1], [3, 1, 1], [3, 1, 2], [3, 1, 3],
                                                                    [3, 1, 4]]
    # the text says where each row came from: "some text a.b.c" is instance (a, b, c)
    assert (g3_rows["t3"] == "some text " + g3_rows["g1_nr"].astype(str) + "." + g3_rows["g2_nr"].astype(str)
            + "." + g3_rows["g3_nr"].astype(str)).all()
    assert set(g3_rows["resp"]) == {uuid} and all(r.problems.empty for r in rows.values())


def test_sid_ingest_wide_from_a_tablet_sav(tmp_path):
    """A tablet .sav with the roster in wide columns (lid_<n>_<question>), numbers stored as numbers."""
    import pyreadstat
    from typer.testing import CliRunner

    from cli import app

    root = _roster_project(tmp_path, "wide", "")
    main = pd.read_csv(root / "raw" / "answers.csv").drop(columns=["KEY", "start", "end"]).iloc[:2]
    main["lid_1_lid_naam"], main["lid_1_lid_jaar"] = ["Ann", ""], [1982.0, float("nan")]
    main["lid_2_lid_naam"], main["lid_2_lid_jaar"] = ["", "Cas"], [float("nan"), 1999.0]
    pyreadstat.write_sav(main, root / "raw" / "capi.sav")
    toml = (root / "sid.toml").read_text(encoding="utf-8").replace("raw/answers.csv", "raw/capi.sav")
    (root / "sid.toml").write_text(toml.replace('instance = "KEY"\n', 'absent = ["start", "end"]\n'),
                                   encoding="utf-8")
    result = CliRunner().invoke(app, ["--project", str(root), "ingest"])
    assert result.exit_code == 0, result.output
    lid = pd.read_parquet(root / "work" / "roster_lid.parquet")
    assert lid[["resp_id", "lid_nr", "lid_naam", "lid_jaar"]].values.tolist() == [
        ["R1", 1, "Ann", 1982.0], ["R2", 2, "Cas", 1999.0]]
    assert lid["_row"].tolist() == [1, 2]  # the respondent's row in the .sav


def test_main_file_without_its_link_column_is_refused(tmp_path):
    from typer.testing import CliRunner

    from cli import app

    root = _roster_project(tmp_path, "odk", "lid_naam,lid_jaar,PARENT_KEY,KEY\n")
    answers = root / "raw" / "answers.csv"
    answers.write_text(answers.read_text(encoding="utf-8").replace(",KEY\n", ",ID\n"), encoding="utf-8")
    toml = root / "sid.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('instance = "KEY"', 'instance = "ID"'), encoding="utf-8")
    result = CliRunner().invoke(app, ["--project", str(root), "ingest"])
    assert result.exit_code == 2 and "'KEY'" in result.output, result.output
    assert not (root / "work" / "ingested.parquet").exists()


def test_kobo_layout_refuses_a_sav(tmp_path):
    import pyreadstat
    from typer.testing import CliRunner

    from cli import app

    root = _roster_project(tmp_path, "kobo", "")
    main = pd.read_csv(root / "raw" / "answers.csv").drop(columns=["start", "end"])
    pyreadstat.write_sav(main, root / "raw" / "answers.sav")
    toml = root / "sid.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("raw/answers.csv", "raw/answers.sav")
                    .replace('instance = "KEY"\n', 'absent = ["start", "end"]\n'), encoding="utf-8")
    result = CliRunner().invoke(app, ["--project", str(root), "ingest"])
    assert result.exit_code == 2 and "XLSX or CSV" in result.output, result.output


# formpack's own expectation for its nested_grouped_repeatable fixture (tests/test_exports.py,
# test_nested_repeats_with_xls_types): the main section with `_index` (it has repeats), then a
# section per repeat with `_index` when it has a nested repeat, `_parent_table_name`, `_parent_index`.
BIRDS_MAIN = ('"start";"end";"_uuid";"_index"\n'
              '"2017-12-27T15:53:26.000-05:00";"2017-12-27T15:58:20.000-05:00";"u-1";"1"\n'
              '"2017-12-27T15:58:20.000-05:00";"2017-12-27T15:58:50.000-05:00";"u-2";"2"\n')
BIRDS = {
    "group_tree": ("What_kind_of_tree_is_this;_index;_parent_table_name;_parent_index;_submission__uuid",
                   [("pine", 1, 1), ("spruce", 2, 1), ("maple", 3, 2)]),
    "group_nest": ("How_high_above_the_ground_is_the_nest;How_many_eggs_are_in_the_nest;_index;_parent_table_name;"
                   "_parent_index", [(13, 3, 1, 1), (15, 1, 2, 1), (10, 2, 3, 2), (23, 1, 4, 3)]),
    "group_egg": ("Describe_the_egg;_parent_table_name;_parent_index",
                  [("brown and speckled; medium", 1), ("brown and speckled; large; cracked", 1),
                   ("light tan; small", 1), ("cream-colored", 2), ("reddish-brown; medium", 3),
                   ("reddish-brown; small", 3), ("grey and speckled", 4)]),
}
PARENT_TABLE = {"group_tree": "Bird nest survey with nested repeatable groups", "group_nest": "group_tree",
                "group_egg": "group_nest"}
TREE_UUID = {1: "u-1", 2: "u-2"}


@pytest.fixture
def birds(tmp_path) -> Path:
    """formpack's nested_grouped_repeatable form as an XLSForm: tree > nest > egg."""
    return write_xlsform(tmp_path / "birds.xlsx", [
        q("begin_repeat", "group_tree", "Tree"), q("text", "What_kind_of_tree_is_this", "Tree kind"),
        q("begin_repeat", "group_nest", "Nest"), q("integer", "How_high_above_the_ground_is_the_nest", "High"),
        q("integer", "How_many_eggs_are_in_the_nest", "Eggs"),
        q("begin_repeat", "group_egg", "Egg"), q("text", "Describe_the_egg", "Egg"), q("end_repeat", ""),
        q("end_repeat", ""), q("end_repeat", "")], [])


def _bird_csvs(tmp_path: Path, main: str = BIRDS_MAIN) -> tuple[Source, object, dict]:
    """formpack's expected sections written as Kobo CSV (`;`, every cell quoted), one per repeat."""
    def cell(v):
        return '"' + str(v).replace('"', '""') + '"'
    source, table = _csv(tmp_path, "birds.csv", main)
    tables = {}
    for name, (header, rows) in BIRDS.items():
        lines = [";".join(cell(h) for h in header.split(";"))]
        for row in rows:
            *values, parent = row
            if name == "group_tree":
                values = [values[0], values[1], PARENT_TABLE[name], parent, TREE_UUID[parent]]
            else:
                values = [*values, PARENT_TABLE[name], parent]
            lines.append(";".join(cell(v) for v in values))
        tables[name] = _csv(tmp_path, f"birds_{name}.csv", "\n".join(lines) + "\n")[1]
    return source, table, tables


def test_kobo_csv_per_repeat_nested(tmp_path, birds):
    """Kobo's sections as CSV files (formpack's own expected rows): linked by _index/_parent_index."""
    form = load_questionnaire(birds)
    source, main, tables = _bird_csvs(tmp_path)
    rows = linked_rosters("kobo", main.frame, main.frame["_uuid"], tables, form, source, "resp")
    trees, nests, eggs = rows["group_tree"].frame, rows["group_nest"].frame, rows["group_egg"].frame
    assert trees[["resp", "group_tree_nr", "What_kind_of_tree_is_this"]].values.tolist() == [
        ["u-1", 1, "pine"], ["u-1", 2, "spruce"], ["u-2", 1, "maple"]]
    assert nests[["resp", "group_tree_nr", "group_nest_nr", "How_many_eggs_are_in_the_nest"]].values.tolist() == [
        ["u-1", 1, 1, 3.0], ["u-1", 1, 2, 1.0], ["u-1", 2, 1, 2.0], ["u-2", 1, 1, 1.0]]
    # every nest holds as many eggs as it says it does
    per_nest = eggs.groupby(["resp", "group_tree_nr", "group_nest_nr"]).size()
    said = nests.set_index(["resp", "group_tree_nr", "group_nest_nr"])["How_many_eggs_are_in_the_nest"]
    assert per_nest.to_dict() == said.astype(int).to_dict()
    assert eggs.loc[eggs["group_nest_nr"] == 2, "Describe_the_egg"].tolist() == ["cream-colored"]
    assert all(r.problems.empty for r in rows.values())


def test_kobo_csv_main_without_index_links_by_uuid(tmp_path, birds):
    """A main CSV without `_index`: the first level is linked by `_submission__uuid` → `_uuid`;
    a row whose uuid is in no submission is reported, not dropped silently."""
    form = load_questionnaire(birds)
    main = BIRDS_MAIN.replace(';"_index"', "").replace(';"1"', "").replace(';"2"', "")
    source, table, tables = _bird_csvs(tmp_path, main)
    assert "_index" not in table.frame.columns
    orphan = tables["group_tree"].frame.iloc[[0]].assign(_submission__uuid="u-9", _index="4")
    tables["group_tree"] = replace(tables["group_tree"], frame=pd.concat([tables["group_tree"].frame, orphan],
                                                                         ignore_index=True))
    rows = linked_rosters("kobo", table.frame, table.frame["_uuid"], {"group_tree": tables["group_tree"]},
                          form, source, "resp")
    trees = rows["group_tree"].frame
    assert trees[["resp", "group_tree_nr"]].values.tolist() == [["u-1", 1], ["u-1", 2], ["u-2", 1]]
    (problem,) = rows["group_tree"].problems.itertuples()
    assert (problem.row, problem.column, problem.value, problem.action) == (4, "_submission__uuid", "u-9",
                                                                            "row excluded")


def test_sid_ingest_kobo_csv(tmp_path):
    """sid ingest with a Kobo CSV main file and a CSV per repeat named in roster_files."""
    from typer.testing import CliRunner

    from cli import app

    root = _roster_project(tmp_path, "kobo", "", 'roster_files = { lid = "raw/kobo_lid.csv" }\n')
    answers = root / "raw" / "answers.csv"
    answers.write_text(answers.read_text(encoding="utf-8").replace(",KEY\n", ",_index\n").replace(
        "uuid:a", "1").replace("uuid:b", "2").replace("uuid:c", "3"), encoding="utf-8")
    toml = root / "sid.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace('instance = "KEY"', 'instance = "_index"'),
                    encoding="utf-8")
    (root / "raw" / "kobo_lid.csv").write_text(
        '"lid_naam";"lid_jaar";"_index";"_parent_table_name";"_parent_index"\n'
        '"Ann";"1982";"1";"form";"1"\n"Bo";"2010";"2";"form";"1"\n"Cas";"1999";"3";"form";"2"\n'
        '"Dirk";"1960";"4";"form";"3"\n"Eva";"1950";"5";"form";"7"\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["--project", str(root), "ingest"])
    assert result.exit_code == 0, result.output
    lid = pd.read_parquet(root / "work" / "roster_lid.parquet")
    assert lid[["resp_id", "lid_nr", "lid_naam", "lid_jaar"]].values.tolist() == [
        ["R1", 1, "Ann", 1982.0], ["R1", 2, "Bo", 2010.0], ["R2", 1, "Cas", 1999.0]]
    problems = pd.read_csv(root / "work" / "ingest_problems.csv", dtype=str)
    gone = problems[problems["source"] == "answers:lid"]
    assert sorted(gone["row"].astype(int)) == [4, 5]  # Dirk: his record was merged; Eva: no parent


def test_wide_rule_variable_then_number_nested_any_case(tmp_path, multirepeat):
    """`{variable}_{n}` as tablet systems and keyed-in sheets write it: NAME_2, nested name_2_1
    (the instance numbers outermost first); the main questionnaire's name/age stay its own."""
    form = load_questionnaire(multirepeat)
    child, toy = form.rosters
    assert wide_column((child,), "age", "{variable}_{n}").match("AGE_12").groups() == ("12",)
    assert wide_column((child, toy), "name", "{variable}_{n}").match("name_2_1").groups() == ("2", "1")
    assert wide_column((child,), "name", "{variable}_{n}").match("name_2_1") is None
    assert wide_column((child,), "age", "{variable}__{n}").match("age__3").groups() == ("3",)  # another separator
    path = tmp_path / "papi.csv"
    path.write_text("resp,NAME,AGE,NAME_1,AGE_1,NAME_2,AGE_2,NAME_1_1,NAME_1_2,NAME_2_1\n"
                    "r1,Alice,30,,,,,,,\n"
                    "r2,Bob,34,Billy,4,Blaine,6,R2-D2,,BB-8\n"
                    "r3,Chelsea,38,Candace,2,,,Falcon,X-Wing,Ghost\n", encoding="utf-8")
    source = Source("papi", path, "csv", roster_wide="{variable}_{n}")
    main = read_table(source)
    rows = linked_rosters("wide", main.frame, main.frame["resp"], {}, form, source, "resp")
    assert rows["child"].frame[["resp", "child_nr", "name", "age"]].values.tolist() == [
        ["r2", 1, "Billy", 4.0], ["r2", 2, "Blaine", 6.0], ["r3", 1, "Candace", 2.0]]
    assert rows["toy"].frame[["resp", "child_nr", "toy_nr", "name"]].values.tolist() == [
        ["r2", 1, 1, "R2-D2"], ["r2", 2, 1, "BB-8"], ["r3", 1, 1, "Falcon"], ["r3", 1, 2, "X-Wing"]]
    assert rows["toy"].problems["value"].tolist() == ["2/1"]  # Ghost: its child has no answer


def test_wide_column_that_is_also_a_main_question_is_refused(tmp_path):
    """With `{variable}_{n}`, a main question `lid_naam_1` would be read as member 1's lid_naam: an error."""
    from pipeline.errors import SidError

    path = write_xlsform(tmp_path / "form.xlsx", [
        q("text", "lid_naam_1", "Naam eerste contact"),
        q("begin_repeat", "lid", "Gezinslid"), q("text", "lid_naam", "Naam"), q("end_repeat", "")], [])
    form = load_questionnaire(path)
    data = tmp_path / "papi.csv"
    data.write_text("resp,lid_naam_1,lid_naam_2\nr1,Ann,Bo\n", encoding="utf-8")
    source = Source("papi", data, "csv", roster_wide="{variable}_{n}")
    main = read_table(source)
    with pytest.raises(SidError, match="lid_naam_1"):
        linked_rosters("wide", main.frame, main.frame["resp"], {}, form, source, "resp")


def test_wide_rule_in_sid_toml_is_checked(tmp_path):
    from typer.testing import CliRunner

    from cli import app

    root = _roster_project(tmp_path, "wide", "", 'roster_wide = "{variable}"\n')
    result = CliRunner().invoke(app, ["--project", str(root), "ingest"])
    assert result.exit_code == 2 and "roster_wide" in result.output, result.output


def test_sid_ingest_wide_sav_declared_missing_like_a_main_column(tmp_path):
    """A tablet .sav, roster columns `lid_jaar_<n>` (roster_wide), 99 'weet niet' declared user-missing
    on a roster column and on a main column: both become the project's code for 'weet niet' (-1),
    each listed; the wide columns are no longer 'not in the questionnaire'."""
    import pyreadstat
    from typer.testing import CliRunner

    from cli import app

    root = _roster_project(tmp_path, "wide", "", 'roster_wide = "{variable}_{n}"\n')
    main = pd.read_csv(root / "raw" / "answers.csv").drop(columns=["KEY", "start", "end"]).iloc[:2]
    main["geboortejaar"] = [1980.0, 99.0]
    main["lid_naam_1"], main["lid_jaar_1"] = ["Ann", ""], [99.0, float("nan")]
    main["lid_naam_2"], main["lid_jaar_2"] = ["", "Cas"], [float("nan"), 1999.0]
    labels = {c: {99.0: "weet niet"} for c in ("geboortejaar", "lid_jaar_1", "lid_jaar_2")}
    pyreadstat.write_sav(main, root / "raw" / "capi.sav", variable_value_labels=labels,
                         missing_ranges={c: [99.0] for c in labels})
    toml = (root / "sid.toml").read_text(encoding="utf-8").replace("raw/answers.csv", "raw/capi.sav")
    (root / "sid.toml").write_text(toml.replace('instance = "KEY"\n', 'absent = ["start", "end"]\n'),
                                   encoding="utf-8")
    result = CliRunner().invoke(app, ["--project", str(root), "ingest"])
    assert result.exit_code == 0, result.output
    assert "lid_" not in result.output  # no wide column listed as not in the questionnaire
    lid = pd.read_parquet(root / "work" / "roster_lid.parquet")
    assert lid[["resp_id", "lid_nr", "lid_naam", "lid_jaar"]].values.tolist() == [
        ["R1", 1, "Ann", -1.0], ["R2", 2, "Cas", 1999.0]]
    main_out = pd.read_parquet(root / "work" / "ingested.parquet").set_index("resp_id")
    assert main_out.loc["R2", "geboortejaar"] == -1.0
    problems = pd.read_csv(root / "work" / "ingest_problems.csv", dtype=str)
    said = problems[problems["value"].isin(["99", "99.0"])]
    assert sorted(said["column"]) == ["geboortejaar", "lid_jaar_1"] and (said["action"] == "recoded to -1").all()


def test_sid_ingest_recode_of_a_roster_question(tmp_path):
    """A source's recode naming a roster question applies to its roster file's column (each cell
    listed), and is no error for the main file, which has no such column."""
    from typer.testing import CliRunner

    from cli import app

    root = _roster_project(tmp_path, "odk", "lid_naam,lid_jaar,PARENT_KEY,KEY\n"
                           "Ann,1982,uuid:a,uuid:a/lid[1]\nBen,1882,uuid:a,uuid:a/lid[2]\n",
                           'recode = { lid_jaar = { "1882" = "1982" } }\n')
    result = CliRunner().invoke(app, ["--project", str(root), "ingest"])
    assert result.exit_code == 0, result.output
    lid = pd.read_parquet(root / "work" / "roster_lid.parquet")
    assert lid[["lid_naam", "lid_jaar"]].values.tolist() == [["Ann", 1982.0], ["Ben", 1982.0]]
    problems = pd.read_csv(root / "work" / "ingest_problems.csv", dtype=str).fillna("")
    (said,) = problems[problems["source"] == "answers:lid"].itertuples()
    assert (said.row, said.column, said.value, said.action) == ("2", "lid_jaar", "1882", "recoded to 1982")
