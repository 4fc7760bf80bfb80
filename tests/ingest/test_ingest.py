"""Ingest of several fieldwork sources: mapping, typing, duplicates and the reconciliation."""

import codecs

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from conftest import TINY_CHOICES, TINY_PRIVACY_TOML, TINY_SURVEY, write_xlsform
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from cli import app
from pipeline.ingest.ingest import PROBLEM_COLUMNS, RECONCILIATION_COLUMNS, ingest, typed_frame
from pipeline.ingest.sources import map_columns, read_table
from pipeline.survey.project import Source, load_project
from pipeline.survey.questionnaire import load_questionnaire

TOML = """[survey]
name = "multi"
form = "schemas/form.xlsx"
key = "resp_id"

[[sources]]
name = "web"
path = "raw/web.csv"
mode = "web"
instance = "meta/instanceID"
submitted = "_submission_time"

[[sources]]
name = "capi"
path = "raw/capi.sav"
mode = "capi"

[[sources]]
name = "papi"
path = "raw/papi.xlsx"
mode = "papi"
sheet = "invoer"
rename = { "Nummer" = "resp_id" }

[sample]
path = "raw/sample.csv"
key = "resp_id"
identifiers = ["naam", "telefoon"]
""" + TINY_PRIVACY_TOML

WEB = (
    "start,end,resp_id,persoon/geboortejaar,persoon/werk,persoon/tevreden,persoon/geboorteland,"
    "persoon/talen,persoon/talen/nl,persoon/talen/ar,persoon/talen/other,persoon/talen_anders,leeftijd,"
    "meta/instanceID,_submission_time\n"
    # R1 on the web, complete
    "2026-03-02T10:00:00.000+01:00,2026-03-02T10:31:00.000+01:00,R1,1980,1,4,BE,nl,1,0,0,,46,uuid:a,2026-03-02T09:31:05Z\n"
    # R2 broke off on the web, then completed face to face
    "2026-03-03T11:00:00.000+01:00,,R2,1999,,,,,,,,,27,uuid:b,2026-03-03T10:10:00Z\n"
    # R3 submitted twice, identical
    "2026-04-04T09:15:00.000+02:00,2026-04-04T09:50:00.000+02:00,R3,1975,1,-1,other,ar,0,1,0,,51,uuid:c,2026-04-04T07:50:00Z\n"
    "2026-04-04T09:15:00.000+02:00,2026-04-04T09:50:00.000+02:00,R3,1975,1,-1,other,ar,0,1,0,,51,uuid:d,2026-04-04T07:55:00Z\n"
    # a tester
    "2026-03-01T08:00:00.000+01:00,2026-03-01T08:05:00.000+01:00,TEST01,2000,1,1,BE,nl,1,0,0,,26,uuid:e,2026-03-01T07:05:00Z\n"
    # not in the sample, and a birth year that is no number
    "2026-03-05T08:00:00.000+01:00,2026-03-05T08:35:00.000+01:00,R9,19x8,0,,MA,nl ar,1,1,0,,,uuid:f,2026-03-05T07:35:00Z\n"
)
SAMPLE = "resp_id;stratum;naam;telefoon;geboortejaar\nR1;BE;Janssens;0470 12 34 56;1980\nR2;MA;Benali;0486 11 22 33;1999\nR3;TR;Yılmaz;0499 99 88 77;1975\nR4;PL;Kowalska;0477 00 00 00;1990\n"


def write_capi(path):
    frame = pd.DataFrame({
        "resp_id": ["R2"], "start": pd.to_datetime(["2026-03-20 14:00:00"]),
        "end": pd.to_datetime(["2026-03-20 14:40:00"]), "geboortejaar": [1999.0], "werk": [0.0],
        "tevreden": [np.nan], "geboorteland": ["MA"], "talen_nl": [1.0], "talen_ar": [1.0],
        "talen_other": [1.0], "talen_anders": ["Berbers"], "leeftijd": [27.0],
    })
    pyreadstat.write_sav(frame, str(path), variable_value_labels={"werk": {1: "ja", 0: "nee"}})


def write_papi(path):
    frame = pd.DataFrame({"Nummer": ["R4"], "GEBOORTEJAAR": ["1990"], "WERK": ["1"], "TEVREDEN": ["5"],
                          "GEBOORTELAND": ["BE"], "TALEN": ["nl"], "LEEFTIJD": ["36"],
                          "START": ["12/05/2026"]})
    with pd.ExcelWriter(path) as writer:
        frame.to_excel(writer, sheet_name="invoer", index=False)


@pytest.fixture
def multi(tmp_path):
    root = tmp_path / "multi"
    write_xlsform(root / "schemas" / "form.xlsx", TINY_SURVEY, TINY_CHOICES)
    raw = root / "raw"
    raw.mkdir()
    (raw / "web.csv").write_bytes(codecs.BOM_UTF8 + WEB.encode("utf-8"))
    (raw / "sample.csv").write_bytes(SAMPLE.replace("ı", "i").encode("cp1252"))
    write_capi(raw / "capi.sav")
    write_papi(raw / "papi.xlsx")
    (root / "sid.toml").write_text(TOML)
    return root


@pytest.fixture
def ingested(multi):
    project = load_project(multi)
    return ingest(project, load_questionnaire(project.form))


def test_every_raw_record_accounted_for(ingested):
    _, result = ingested
    rec = result.reconciliation
    assert list(rec.columns) == RECONCILIATION_COLUMNS
    assert rec[["source", "row", "key", "status", "respondent", "reason"]].values.tolist() == [
        ["web", 1, "R1", "kept", "R1", ""],
        ["web", 2, "R2", "merged", "R2", "duplicate_cross_mode"],
        ["web", 3, "R3", "kept", "R3", ""],  # the first submission wins
        ["web", 4, "R3", "merged", "R3", "double_submission"],
        ["web", 5, "TEST01", "excluded", "", "test_interview"],
        ["web", 6, "R9", "excluded", "", "not_in_sample"],
        ["capi", 1, "R2", "kept", "R2", ""],
        ["papi", 1, "R4", "kept", "R4", ""],
    ]
    assert rec["record"].iloc[3] == "uuid:d"
    web, capi, papi = result.sources
    assert (web.rows, web.kept, web.merged, web.excluded) == (6, 2, 2, 2)
    assert (capi.rows, capi.kept, papi.rows, papi.kept) == (1, 1, 1, 1)
    assert web.encoding == "utf-8-sig" and web.delimiter == ","


def test_answers_mapped_and_typed_from_every_layout(ingested):
    frame, _ = ingested
    frame = frame.set_index("resp_id")
    assert list(frame.index) == ["R1", "R2", "R3", "R4"]
    assert frame.loc["R2", "talen"] == "nl ar other"  # assembled from SAV indicators
    assert frame.loc["R2", "talen_anders"] == "Berbers"
    assert frame.loc["R2", "_source"] == "capi"
    assert frame.loc["R1", "talen"] == "nl"
    assert frame.loc["R1", "start"] == pd.Timestamp("2026-03-02 10:00:00")  # Brussels time
    assert frame.loc["R3", "end"] == pd.Timestamp("2026-04-04 09:50:00")  # summer time
    assert frame.loc["R4", "start"] == pd.Timestamp("2026-05-12")  # day first
    assert frame.loc["R4", "geboortejaar"] == 1990.0
    assert frame.loc["R3", "geboorteland"] == "other"
    assert frame["werk"].dtype == "float64"


def test_sample_frame_joined_without_identifiers(ingested):
    frame, _ = ingested
    assert frame["stratum"].tolist() == ["BE", "MA", "TR", "PL"]
    assert frame["steekproef_geboortejaar"].tolist() == ["1980", "1999", "1975", "1990"]
    assert "naam" not in frame.columns and "telefoon" not in frame.columns


def test_type_problems_name_source_row_and_column(ingested):
    _, result = ingested
    assert list(result.problems.columns) == PROBLEM_COLUMNS
    assert result.problems.values.tolist() == [
        ["web", 6, "persoon/geboortejaar", "19x8", "numeric", "set missing", "not a number"],
        ["web", 6, "resp_id", "R9", "a key of the sample", "record excluded", "not in the sample; nearest sample key 'R1'"]]


def test_cli_ingest_writes_work_files_and_summary(multi):
    result = CliRunner().invoke(app, ["--project", str(multi), "ingest"])
    assert result.exit_code == 0, result.output
    assert "test_interview 1" in result.output
    rec = pd.read_csv(multi / "work" / "reconciliation.csv")
    assert len(rec) == 8
    run = CliRunner().invoke(app, ["--project", str(multi), "run"])
    assert run.exit_code == 0, run.output
    data, _ = pyreadstat.read_sav(str(multi / "cleaned" / "multi.sav"))
    crosswalk = pd.read_csv(multi / "work" / "crosswalk.csv", dtype=str)  # pseudonym -> key, in work/
    assert data["respondent_id"].map(dict(crosswalk.values)).tolist() == ["R1", "R2", "R3", "R4"]
    assert "resp_id" not in data.columns and "_source" not in data.columns and "naam" not in data.columns


def test_raw_files_untouched(multi):
    before = {p.name: p.read_bytes() for p in (multi / "raw").iterdir()}
    assert CliRunner().invoke(app, ["--project", str(multi), "run"]).exit_code == 0
    assert {p.name: p.read_bytes() for p in (multi / "raw").iterdir()} == before


def _bad(multi, name, content: bytes, *expected):
    (multi / "raw" / name).write_bytes(content)
    result = CliRunner().invoke(app, ["--project", str(multi), "run"])
    assert result.exit_code == 2, result.output
    line = result.output.strip()
    assert "\n" not in line and "Traceback" not in line
    assert str(multi / "raw" / name) in line
    for text in expected:
        assert text in line
    assert not (multi / "cleaned").exists()


def test_empty_file(multi):
    _bad(multi, "web.csv", b"", "the file is empty")


def test_truncated_sav(multi):
    data = (multi / "raw" / "capi.sav").read_bytes()
    _bad(multi, "capi.sav", data[: len(data) // 2], "cannot read as sav")


def test_unreadable_xlsx(multi):
    _bad(multi, "papi.xlsx", b"PK\x03\x04garbage", "cannot read as xlsx")


def test_missing_key_column(multi):
    _bad(multi, "web.csv", WEB.replace("resp_id", "respondent").encode(), "respondent key column 'resp_id' is missing")


def test_ragged_csv_names_the_line(multi):
    _bad(multi, "web.csv", (WEB + "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r\n").encode(), "row 8")


def test_wrong_declared_encoding(multi):
    text = (multi / "sid.toml").read_text().replace('path = "raw/web.csv"', 'path = "raw/web.csv"\nencoding = "utf-8"')
    (multi / "sid.toml").write_text(text)
    _bad(multi, "web.csv", WEB.replace("R1", "Ré").encode("cp1252"), "cannot decode as utf-8")


def test_detected_semicolons_and_cp1252(multi):
    (multi / "raw" / "web.csv").write_bytes(WEB.replace(",", ";").replace("uuid:a", "uuid:é").encode("cp1252"))
    project = load_project(multi)
    frame, result = ingest(project, load_questionnaire(project.form))
    assert (result.sources[0].encoding, result.sources[0].delimiter) == ("cp1252", ";")
    assert result.sources[0].kept == 2


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(0, 9), st.sampled_from(["web", "capi"]), st.booleans()),
                min_size=1, max_size=30))
def test_reconciliation_invariant_over_random_splits(tmp_path_factory, records):
    """raw records = kept + merged + excluded, per source; each respondent kept exactly once."""
    root = tmp_path_factory.mktemp("prop")
    write_xlsform(root / "schemas" / "form.xlsx", TINY_SURVEY, TINY_CHOICES)
    (root / "raw").mkdir()
    rows = {"web": [], "capi": []}
    for person, mode, complete in records:
        rows[mode].append({"resp_id": f"R{person}" if person else "TEST1", "geboortejaar": "1980",
                           "werk": "1" if complete else "", "geboorteland": "BE",
                           "talen": "nl" if complete else ""})
    for mode, found in rows.items():
        pd.DataFrame(found, columns=["resp_id", "geboortejaar", "werk", "geboorteland", "talen"]).to_csv(
            root / "raw" / f"{mode}.csv", index=False, sep="," if mode == "web" else ";")  # never the same file
    (root / "sid.toml").write_text(
        '[survey]\nname = "p"\nform = "schemas/form.xlsx"\nkey = "resp_id"\n'
        '[ingest]\ncomplete_if = "${talen} != \'\'"\n'
        '[[sources]]\nname = "web"\npath = "raw/web.csv"\nmode = "web"\n'
        '[[sources]]\nname = "capi"\npath = "raw/capi.csv"\nmode = "capi"\n')
    project = load_project(root)
    frame, result = ingest(project, load_questionnaire(project.form))
    for s in result.sources:
        assert s.rows == s.kept + s.merged + s.excluded == len(rows[s.source])
    people = {f"R{p}" for p, _, _ in records if p}
    assert sorted(frame["resp_id"]) == sorted(people)
    rec = result.reconciliation
    assert set(rec.loc[rec["status"] == "merged", "respondent"]) <= people
    # A complete interview is never merged into an incomplete one.
    for person in people:
        complete_any = any(p and f"R{p}" == person and c for p, _, c in records)
        kept = frame.set_index("resp_id").loc[person]
        assert bool(kept["_complete"]) == complete_any


def test_a_geopoint_arrives_as_four_numbers_from_every_export_layout(tmp_path):
    """KoboToolbox writes `_<q>_latitude` … `_<q>_precision` beside the combined text, ODK Central
    `<q>-Latitude` … `<q>-Accuracy`, a tablet or keyed-in file perhaps only the text 'lat lon alt acc'."""
    from conftest import c, q, write_xlsform

    survey = [q("text", "resp_id", "Nummer"), q("geopoint", "plek", "Waar woont u?", required="yes")]
    form = load_questionnaire(write_xlsform(tmp_path / "f.xlsx", survey, [c("x", "1", "x")]))
    assert [(v.name, v.kind, v.required) for v in form][1:] == [
        ("plek_latitude", "numeric", True), ("plek_longitude", "numeric", True),
        ("plek_altitude", "numeric", False), ("plek_accuracy", "numeric", False)]
    assert form["plek_accuracy"].label("nl") == "Waar woont u?: nauwkeurigheid (m)"
    layouts = {
        "kobo": "resp_id;plek;_plek_latitude;_plek_longitude;_plek_altitude;_plek_precision\n"
                "R1;50.85 4.35 12.0 5.0;50.85;4.35;12.0;5.0\n",
        "odk": "resp_id,plek-Latitude,plek-Longitude,plek-Altitude,plek-Accuracy\nR1,50.85,4.35,12.0,5.0\n",
        "text": "resp_id,plek\nR1,50.85 4.35 12.0 5.0\n",
    }
    for name, text in layouts.items():
        path = tmp_path / f"{name}.csv"
        path.write_text(text, encoding="utf-8")
        source = Source(name, path, "csv")
        table = read_table(source)
        typed, _ = typed_frame(table, map_columns(list(table.frame.columns), form, source), form, source, "resp_id")
        got = typed[["plek_latitude", "plek_longitude", "plek_altitude", "plek_accuracy"]].iloc[0].tolist()
        assert got == [50.85, 4.35, 12.0, 5.0], (name, got)
