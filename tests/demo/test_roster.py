"""The bundled form's household roster in the demo: every layout written (Kobo's repeat sheet as
CSV, wide in the tablets' .sav and the keyed-in sheet), members = the count except the planted
mismatches, the planted defects found in the files exactly where the truth says."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from pipeline.demo.generator import FILES, ROSTER_DEFECTS, demo_fieldwork, write_fieldwork
from pipeline.demo.roster import roster_form
from pipeline.survey.questionnaire import load_questionnaire

REPO = Path(__file__).resolve().parents[2]
FORM = REPO / "schemas" / "questionnaire.xlsx"
FIELDS = ("hg_relatie", "hg_geslacht", "hg_geboortejaar", "hg_geboorteland")
KOBO_LINKS = ["_index", "_parent_table_name", "_parent_index", "_submission__id", "_submission__uuid"]


@pytest.fixture(scope="module")
def form():
    return load_questionnaire(FORM)


@pytest.fixture(scope="module")
def raw(form, tmp_path_factory):
    folder = tmp_path_factory.mktemp("raw")
    fw = demo_fieldwork(form, sampled=1500, seed=11)
    paths = write_fieldwork(fw, folder)
    assert sorted(p.name for p in paths) == sorted([*FILES.values(), "web_kobo_huisgenoten.csv"])
    return folder


def read(raw):
    web = pd.read_csv(raw / FILES["web"], sep=";", dtype=str, keep_default_na=False)
    sheet = pd.read_csv(raw / "web_kobo_huisgenoten.csv", sep=";", dtype=str, keep_default_na=False)
    capi, meta = pyreadstat.read_sav(str(raw / FILES["capi"]), user_missing=True)
    papi = pd.read_excel(raw / FILES["papi"], sheet_name="invoer")
    truth = pd.read_csv(raw / FILES["truth"], dtype={"row": int}, keep_default_na=False)
    return web, sheet, capi, meta, papi, truth


def planted(truth, defect, source=None):
    t = truth[truth["defect"] == defect]
    return set(zip(t["source"], t["row"])) if source is None else set(t.loc[t["source"] == source, "row"])


def test_the_form_declares_the_roster_and_sid_loads_the_rest(form):
    rf = roster_form(form)
    assert rf is not None and rf.name == "huisgenoten" and rf.count == "aantal_huisgenoten"
    assert tuple(f.name for f in rf.fields) == FIELDS
    assert all(set(f.labels) == set(form.languages) for f in rf.fields)   # nl, fr, en like the rest
    assert form["aantal_huisgenoten"].calculate == "${hh_grootte} - 1"
    assert not any(name.startswith("hg_") for name in form.names)   # a level of its own: one note
    assert [w for w in form.warnings if "huisgenoten" in w and "is a roster" in w]


def test_web_repeat_sheet_links_to_its_submission_as_kobo_does(raw):
    web, sheet, *_ = read(raw)
    assert list(sheet.columns) == [*FIELDS, *KOBO_LINKS, "_submission__submission_time",
                                   "_submission__validation_status", "_submission__notes", "_submission__status",
                                   "_submission__submitted_by", "_submission___version__", "_submission__tags"]
    assert sheet["_index"].astype(int).tolist() == list(range(1, len(sheet) + 1))
    parents = web.set_index("_uuid")
    linked = sheet[sheet["_submission__uuid"].isin(parents.index)]
    assert (linked["_parent_index"].to_numpy() == parents.loc[linked["_submission__uuid"], "_index"].to_numpy()).all()
    assert (linked["_submission__id"].to_numpy() == parents.loc[linked["_submission__uuid"], "_id"].to_numpy()).all()
    # members = the count for every submission (Kobo keeps repeat_count on the web)
    members = linked.groupby("_submission__uuid").size().reindex(parents.index, fill_value=0)
    count = pd.to_numeric(parents["aantal_huisgenoten"], errors="coerce").fillna(0).astype(int)
    assert (members == count).all()


def test_orphans_are_the_planted_ones(raw):
    web, sheet, *_, truth = read(raw)
    orphan = ~sheet["_submission__uuid"].isin(web["_uuid"]) & ~sheet["_parent_index"].isin(web["_index"])
    rows = set(np.flatnonzero(orphan.to_numpy()) + 1)
    assert rows and rows == planted(truth, "roster_orphan", "web")
    assert (truth.loc[truth["defect"] == "roster_orphan", "sample_id"] == "").all()


def wide_members(frame, prefix_case=str.lower):
    slots = sorted(int(c.rsplit("_", 1)[1]) for c in frame.columns if c.lower().startswith("hg_relatie_"))
    return slots, pd.DataFrame({k: frame[prefix_case(f"hg_relatie_{k}")].notna() for k in slots})


@pytest.mark.parametrize("source", ["capi", "papi"])
def test_wide_layouts_count_the_members_except_the_mismatches(raw, source):
    web, sheet, capi, meta, papi, truth = read(raw)
    frame, case = (capi, str.lower) if source == "capi" else (papi, str.upper)
    slots, filled = wide_members(frame, case)
    assert slots == list(range(1, len(slots) + 1)) and len(slots) >= 5
    for field in FIELDS:
        assert all(case(f"{field}_{k}") in frame.columns for k in slots)
    # filled slots are contiguous from 1
    n = filled.sum(axis=1)
    assert (filled.cumsum(axis=1).max(axis=1) == n).all() and all(filled.iloc[i, :v].all() for i, v in n.items())
    size = pd.to_numeric(frame[case("hh_grootte")], errors="coerce")
    expected = (size - 1).where((size - 1).between(0, 30), 0).fillna(0)
    off = set(np.flatnonzero((n != expected).to_numpy()) + 1)
    mismatch = planted(truth, "roster_count_mismatch", source)
    other = set(truth.loc[(truth["source"] == source) & (truth["variable"] == "hh_grootte"), "row"])
    assert mismatch <= off and off <= mismatch | other
    if source == "capi":
        assert meta.column_names_to_labels["hg_relatie_2"] == "Huisgenoot 2: Wat is deze persoon van u?"
        assert meta.variable_value_labels["hg_relatie_1"][2.0] == "Zoon of dochter"


def test_children_born_after_the_respondent_except_the_planted(raw):
    web, sheet, capi, meta, papi, truth = read(raw)
    found = set()
    for source, frame, case in (("capi", capi, str.lower), ("papi", papi, str.upper)):
        slots, _ = wide_members(frame, case)
        own = pd.to_numeric(frame[case("geboortejaar")], errors="coerce")
        for k in slots:
            child = pd.to_numeric(frame[case(f"hg_relatie_{k}")], errors="coerce") == 2
            born = pd.to_numeric(frame[case(f"hg_geboortejaar_{k}")], errors="coerce")
            found |= {(source, i + 1) for i in np.flatnonzero((child & (born <= own)).to_numpy())}
    assert found == planted(truth, "roster_child_older")
    parents = web.set_index("_uuid")
    linked = sheet[sheet["_submission__uuid"].isin(parents.index)]
    own = pd.to_numeric(parents.loc[linked["_submission__uuid"], "geboortejaar"], errors="coerce").to_numpy()
    born = pd.to_numeric(linked["hg_geboortejaar"]).to_numpy()
    child = linked["hg_relatie"].to_numpy() == "2"
    assert not (child & (born <= own)).any()   # Kobo's constraint holds on the web


def test_members_are_plausible(raw):
    web, sheet, *_ = read(raw)
    parents = web.set_index("_uuid")
    linked = sheet[sheet["_submission__uuid"].isin(parents.index)]
    own = pd.to_numeric(parents.loc[linked["_submission__uuid"], "geboortejaar"], errors="coerce").to_numpy()
    born = pd.to_numeric(linked["hg_geboortejaar"]).to_numpy()
    relation = linked["hg_relatie"].to_numpy()
    known = ~np.isnan(own)
    assert ((born >= 1920) & (born <= 2026)).all()
    assert (np.abs(born - own)[known & (relation == "1")] <= 8).all()               # partner
    gap = (own - born)[known & (relation == "3") & (born > 1920)]                   # parent
    assert ((gap >= 18) & (gap <= 45)).all()
    assert set(linked["hg_geslacht"]) <= {"1", "2", "3", "-1"}
    assert linked["hg_geboorteland"].isin(["BE", "MA", "TR", "PL", "RO", "CD"]).mean() > 0.9
    assert set(relation) == {"1", "2", "3", "4", "5", "6"}


def test_the_truth_summary_lists_the_roster_kinds(raw):
    summary = pd.read_csv(raw / FILES["summary"], keep_default_na=False)
    assert list(summary["defect"])[-3:] == list(ROSTER_DEFECTS)
    assert (summary.set_index("defect").loc[list(ROSTER_DEFECTS), "instances"] >= 3).all()


def test_sid_demo_never_overwrites_a_roster_file(tmp_path):
    from conftest import copy_demo_project
    from typer.testing import CliRunner

    from cli import app

    root = copy_demo_project(tmp_path / "p", raw=False)
    (root / "raw").mkdir()
    kept = root / "raw" / "web_kobo_huisgenoten.csv"
    kept.write_text("fieldwork nobody may lose\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["--project", str(root), "demo", "--size", "600"])
    assert result.exit_code == 2 and "never overwritten" in result.output, result.output
    assert kept.read_text(encoding="utf-8") == "fieldwork nobody may lose\n"
    assert not (root / "raw" / FILES["web"]).exists()
    forced = CliRunner().invoke(app, ["--project", str(root), "demo", "--size", "600", "--force"])
    assert forced.exit_code == 0, forced.output
    assert pd.read_csv(kept, sep=";").columns[0] == "hg_relatie"


def test_sid_ingest_reads_every_member_of_the_demo(raw, tmp_path):
    """The demo project's sid.toml (web: Kobo's repeat sheet as CSV; capi/papi: wide `hg_relatie_<n>`)
    on the demo's files: every member of a kept respondent is a row of roster_huisgenoten.parquet,
    with the answers the file holds; every other member row is a line of ingest_problems.csv, the
    planted orphans with 'its parent is not in the main file'; no wide column is 'not in the form'."""
    import shutil

    from typer.testing import CliRunner

    from cli import app

    root = tmp_path / "project"
    shutil.copytree(raw, root / "raw")
    shutil.copytree(REPO / "schemas", root / "schemas")
    shutil.copy(REPO / "sid.toml", root / "sid.toml")
    result = CliRunner().invoke(app, ["--project", str(root), "ingest"])
    assert result.exit_code == 0, result.output
    assert "hg_" not in result.output.lower()
    web, sheet, capi, meta, papi, truth = read(raw)
    roster = pd.read_parquet(root / "work" / "roster_huisgenoten.parquet")
    problems = pd.read_csv(root / "work" / "ingest_problems.csv", dtype=str, keep_default_na=False)
    rec = pd.read_csv(root / "work" / "reconciliation.csv", dtype=str, keep_default_na=False)
    kept = {s: set(rows.loc[rows["status"] == "kept", "row"].astype(int)) for s, rows in rec.groupby("source")}
    excluded = problems[problems["action"] == "row excluded"]

    # web: the repeat sheet's rows, by their parent's row in web_kobo.csv
    parent_row = sheet["_parent_index"].map(dict(zip(web["_index"], range(1, len(web) + 1))))
    members = parent_row.dropna().astype(int)
    expected = int(members.isin(kept["web"]).sum())
    got = roster[roster["_source"] == "web:huisgenoten"]
    assert len(got) == expected and expected > 0
    gone = excluded[excluded["source"] == "web:huisgenoten"]
    assert len(got) + len(gone) == len(sheet)  # every row of the sheet: delivered or listed
    assert set(gone["row"].astype(int)) == set(range(1, len(sheet) + 1)) - set(got["_row"])
    orphans = gone[gone["reason"].str.startswith("its parent is not in")]
    assert set(orphans["row"].astype(int)) == planted(truth, "roster_orphan", "web")
    row = got.iloc[0]
    raw_row = sheet.iloc[int(row["_row"]) - 1]
    assert (row["hg_relatie"], row["hg_geboortejaar"]) == (float(raw_row["hg_relatie"]),
                                                           float(raw_row["hg_geboortejaar"]))

    # capi and papi: a member is a filled slot of hg_<field>_<k>
    for source, frame, case in (("capi", capi, str.lower), ("papi", papi, str.upper)):
        slots, filled = wide_members(frame, case)
        for field in FIELDS[1:]:  # a member with any answer, not only its relation
            filled |= pd.DataFrame({k: frame[case(f"{field}_{k}")].notna() & frame[case(f"{field}_{k}")].astype(
                str).str.strip().ne("") for k in slots})
        per_row = filled.sum(axis=1).to_numpy()
        got = roster[roster["_source"] == source]
        rows = np.arange(1, len(frame) + 1)
        assert len(got) == int(per_row[np.isin(rows, list(kept[source]))].sum()) and len(got) > 0
        gone = excluded[excluded["source"] == source]
        assert len(got) + len(gone) == int(per_row.sum())
        sizes = got.groupby("_main_row").size()
        assert sizes.to_dict() == dict(zip(sizes.index, per_row[sizes.index.to_numpy() - 1]))
        first = got.iloc[0]
        assert first["hg_geboortejaar"] == float(frame[case(f"hg_geboortejaar_{int(first['huisgenoten_nr'])}")]
                                                 .iloc[int(first["_main_row"]) - 1])
