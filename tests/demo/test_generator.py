"""`sid demo` fieldwork: the raw files as ingest will see them, and the planted defects.

The form is a small SID-like XLSForm written here (metadata group, nationality questions, a
routed work block, two answer grids, open and other-specify texts), so the tests do not depend
on the bundled questionnaire; one test also runs on schemas/questionnaire.xlsx when present.
"""

from __future__ import annotations

import io
import re

import numpy as np
import openpyxl
import pandas as pd
import pyreadstat
import pytest
from conftest import EN, NL, REPO, c, pspp_dictionary, q, write_xlsform

from pipeline.demo import tables as T
from pipeline.demo.generator import DEFECTS, FILES, OUTCOMES, ROSTER_DEFECTS, STRATA, demo_fieldwork, write_fieldwork
from pipeline.errors import ErrorCode, SidError
from pipeline.survey.expressions import evaluate
from pipeline.survey.questionnaire import load_questionnaire

SAMPLED, SEED = 480, 7
LANDS = [("BE", "België"), ("MA", "Marokko"), ("TR", "Turkije"), ("PL", "Polen"), ("RO", "Roemenië"),
         ("CD", "Congo (DRC)"), ("NL", "Nederland"), ("FR", "Frankrijk"), ("other", "Ander land"),
         ("-1", "weet niet")]


def group(name: str, label: str) -> dict:
    return {"type": "begin_group", "name": name, f"label::{NL}": label, f"label::{EN}": label}


END = {"type": "end_group"}
SURVEY = [
    {"type": "start", "name": "start"}, {"type": "end", "name": "end"},
    group("metadata", "Metadata"),
    q("text", "sample_id", "Steekproefnummer", required="yes"),
    q("select_one modus", "modus", "Modus", required="yes"),
    q("select_one itaal", "interviewtaal", "Interviewtaal", required="yes"),
    q("integer", "interviewer_id", "Interviewernummer", relevant="${modus} = 2",
      constraint=". >= 100 and . <= 999", required="yes"),
    END,
    group("persoon", "Persoon"),
    q("select_one geslacht", "geslacht", "Geslacht", required="yes"),
    q("integer", "geboortejaar", "Geboortejaar", constraint=". >= 1941 and . <= 2011", required="yes"),
    q("select_one land", "geboorteland", "Geboorteland"),
    q("text", "geboorteland_anders", "Ander geboorteland", relevant="${geboorteland} = 'other'"),
    q("integer", "aankomstjaar", "Jaar van aankomst", relevant="${geboorteland} != 'BE'",
      constraint=". >= ${geboortejaar} and . <= 2026"),
    q("select_one land", "nationaliteit", "Huidige nationaliteit"),
    q("select_one land", "nationaliteit_geboorte", "Nationaliteit bij geboorte"),
    q("select_one land", "nationaliteit_vader", "Eerste nationaliteit vader"),
    q("select_one land", "nationaliteit_moeder", "Eerste nationaliteit moeder"),
    END,
    group("werk_g", "Werk"),
    q("select_one jn", "werk", "Betaald werk?", required="yes"),
    q("text", "beroep", "Beroep", relevant="${werk} = 1"),
    q("select_one tevr", "tevreden", "Tevreden", relevant="${werk} = 1", measure="ordinal"),
    q("decimal", "uren", "Uren per week", relevant="${werk} = 1", constraint=". >= 1 and . <= 80"),
    q("select_one contract", "contract", "Contract", relevant="${werk} = 1"),
    q("text", "contract_anders", "Ander contract", relevant="${contract} = 96"),
    q("select_one jn", "leiding", "Leidinggevend?", relevant="${werk} = 1"),
    q("integer", "n_ondergeschikten", "Hoeveel mensen?", relevant="${leiding} = 1",
      constraint=". >= 1 and . <= 500"),
    q("select_one jn", "budget", "Eigen budget?", relevant="${n_ondergeschikten} >= 10"),
    END,
    group("taal_g", "Taal"),
    q("select_multiple taal", "talen", "Thuistalen"),
    q("text", "talen_anders", "Andere taal", relevant="selected(${talen}, 'other')"),
    END,
    group("vertrouwen", "Vertrouwen"),
    *[q("select_one schaal", f"vertrouwen_{x}", f"Vertrouwen in {x}")
      for x in ("politie", "justitie", "parlement", "media", "onderwijs")],
    END,
    group("contact", "Contacten"),
    *[q("select_one freq", f"contact_{x}", f"Contact met {x}") for x in ("buren", "collegas", "familie", "vrienden")],
    END,
    q("text", "opmerkingen", "Opmerkingen"),
    {"type": "calculate", "name": "leeftijd", "calculate": "2026 - ${geboortejaar}"},
]
CHOICES = [
    c("modus", "1", "web"), c("modus", "2", "face-to-face"), c("modus", "3", "papier"),
    *[c("itaal", k, v) for k, v in [("nl", "Nederlands"), ("fr", "Frans"), ("en", "Engels"), ("tr", "Turks"),
                                   ("ar", "Arabisch"), ("pl", "Pools"), ("ro", "Roemeens")]],
    c("geslacht", "1", "man"), c("geslacht", "2", "vrouw"),
    *[c("land", k, v) for k, v in LANDS],
    c("jn", "1", "ja"), c("jn", "0", "nee"), c("jn", "-2", "wil niet antwoorden"),
    c("contract", "1", "vast"), c("contract", "2", "tijdelijk"), c("contract", "96", "ander"),
    *[c("tevr", str(i), t) for i, t in enumerate(["zeer ontevreden", "ontevreden", "neutraal", "tevreden",
                                                   "zeer tevreden"], 1)],
    c("tevr", "-1", "weet niet"),
    *[c("taal", k, v) for k, v in [("nl", "Nederlands"), ("fr", "Frans"), ("ar", "Arabisch"), ("tr", "Turks"),
                                   ("pl", "Pools"), ("ro", "Roemeens"), ("ln", "Lingala"), ("other", "Andere"),
                                   ("-1", "weet niet")]],
    *[c("schaal", str(i), str(i)) for i in range(11)], c("schaal", "-1", "weet niet"),
    *[c("freq", str(i), t) for i, t in enumerate(["dagelijks", "wekelijks", "maandelijks", "minder", "nooit"], 1)],
    c("freq", "-1", "weet niet"),
]
GRIDS = [[f"vertrouwen_{x}" for x in ("politie", "justitie", "parlement", "media", "onderwijs")],
         [f"contact_{x}" for x in ("buren", "collegas", "familie", "vrienden")]]
PII = re.compile(r"(?:\+32|0032|\b0)\d?[\d\s/.]{7,}\d|[\w.]+@[\w.]+\.\w+|\b\d\d\.?\d\d\.?\d\d-?\d{3}\.?\d\d\b")


@pytest.fixture(scope="module")
def form(tmp_path_factory):
    path = write_xlsform(tmp_path_factory.mktemp("form") / "sid.xlsx", SURVEY, CHOICES,
                         {"form_id": "sidmini", "form_title": "SID mini", "version": "1", "default_language": NL})
    return load_questionnaire(path)


@pytest.fixture(scope="module")
def fw(form):
    return demo_fieldwork(form, sampled=SAMPLED, seed=SEED)


@pytest.fixture(scope="module")
def raw(fw, tmp_path_factory):
    folder = tmp_path_factory.mktemp("raw")
    paths = write_fieldwork(fw, folder)
    assert sorted(p.name for p in paths) == sorted(FILES.values())
    return folder


def read_csv(path, **options) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, **options)


# --- determinism --------------------------------------------------------------------------------

def test_same_seed_same_bytes_other_seed_other_data(form, raw, tmp_path):
    again = tmp_path / "again"
    write_fieldwork(demo_fieldwork(form, sampled=SAMPLED, seed=SEED), again)
    for name in FILES.values():
        assert (raw / name).read_bytes() == (again / name).read_bytes(), name
    other = tmp_path / "other"
    write_fieldwork(demo_fieldwork(form, sampled=SAMPLED, seed=SEED + 1), other)
    for name in FILES.values():
        if name != FILES["summary"]:
            assert (raw / name).read_bytes() != (other / name).read_bytes(), name


# --- the sample frame ---------------------------------------------------------------------------

def test_sample_frame_layout_and_identifiers(raw):
    from stdnum.be import nn  # python-stdnum: the reference check of national register numbers

    data = (raw / FILES["sample"]).read_bytes()
    assert data.startswith(b"\xef\xbb\xbfsample_id,nis_code,gemeente,stratum,geslacht,geboortejaar,voornaam,"
                           b"familienaam,straat,huisnummer,postcode,rijksregisternummer,telefoon,email\n")
    frame = read_csv(raw / FILES["sample"], encoding="utf-8-sig")
    assert len(frame) == SAMPLED and frame["sample_id"].is_unique
    assert frame["sample_id"].str.fullmatch(r"S\d{7}").all()
    assert list(frame["sample_id"]) == sorted(frame["sample_id"])
    assert (frame["stratum"].value_counts() == SAMPLED // 6).all() and set(frame["stratum"]) == set(STRATA)
    towns = {m[0]: (m[1], m[2]) for m in T.MUNICIPALITIES}
    assert frame["nis_code"].isin(list(towns)).all()
    assert (frame["gemeente"] == frame["nis_code"].map(lambda x: towns[x][0])).all()
    assert (frame["postcode"] == frame["nis_code"].map(lambda x: towns[x][1])).all()
    assert frame["geslacht"].isin(["1", "2"]).all()
    year = frame["geboortejaar"].astype(int)
    assert year.between(1941, 2011).all()
    rrn = frame["rijksregisternummer"]
    assert rrn.str.fullmatch(r"\d{11}").all() and rrn.is_unique
    assert rrn.map(nn.is_valid).all()
    assert (rrn.str[:2] == (year % 100).astype(str).str.zfill(2)).all()
    assert ((rrn.str[6:9].astype(int) % 2 == 1) == (frame["geslacht"] == "1")).all()
    assert (rrn[year >= 2000].str[:2].astype(int) <= 11).all()
    phone = frame["telefoon"]
    belgian = phone.str.fullmatch(r"(\+32 4\d\d \d\d \d\d \d\d|04\d\d/\d\d\.\d\d\.\d\d|04\d\d \d\d \d\d \d\d"
                                  r"|\+324\d{8}|0032 4\d\d \d\d \d\d \d\d|0\d \d{3} \d\d \d\d|0\d\d \d\d \d\d \d\d)")
    assert (belgian | (phone == "")).all() and (phone != "").mean() > 0.7
    assert (frame["email"].str.fullmatch(r"[a-z0-9.]+@[a-z0-9.]+\.[a-z]+") | (frame["email"] == "")).all()
    assert frame["voornaam"].str.len().gt(0).all() and frame["familienaam"].str.len().gt(0).all()


# --- the contact log ----------------------------------------------------------------------------

def test_contact_log_is_belgian_excel_csv(raw, fw):
    data = (raw / FILES["contacts"]).read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf")
    text = data.decode("cp1252")
    assert text.startswith("sample_id;poging;datum;modus;interviewer_id;uitkomst\r\n")
    log = read_csv(io.StringIO(text), sep=";")
    assert list(log.columns) == ["sample_id", "poging", "datum", "modus", "interviewer_id", "uitkomst"]
    assert set(log["sample_id"]) == set(fw.sample["sample_id"])
    attempt = log["poging"].astype(int)
    assert attempt.between(1, 6).all()
    per_unit = log.groupby("sample_id")["poging"].apply(lambda s: list(s.astype(int)))
    assert per_unit.map(lambda a: a == list(range(1, len(a) + 1))).all()
    assert log["datum"].str.fullmatch(r"\d\d/\d\d/2026").all()
    dates = pd.to_datetime(log["datum"], format="%d/%m/%Y")
    assert (dates.groupby(log["sample_id"]).diff().dropna() >= pd.Timedelta(0)).all()
    assert log["modus"].isin(["web", "capi", "papi"]).all()
    assert ((log["interviewer_id"] == "") == (log["modus"] != "capi")).all()
    assert log.loc[log["modus"] == "capi", "interviewer_id"].str.fullmatch(r"\d{3,4}").all()
    assert log["uitkomst"].isin(list(OUTCOMES)).all()
    assert log["uitkomst"].str.fullmatch(r"\d\.\d+").all()


def test_last_attempt_matches_the_interview(fw):
    log = fw.contacts
    last = log.groupby("sample_id").tail(1).set_index("sample_id")
    rec = fw.records
    truth = fw.truth
    iv_wrong = set(truth.loc[truth["variable"] == "interviewer_id", "sample_id"])
    capi = rec[rec["_source"] == "capi"]
    assert (last.loc[capi["sample_id"], "modus"] == "capi").all()
    assert (last.loc[capi["sample_id"], "uitkomst"] == "1.1").all()
    assert (last.loc[capi["sample_id"], "datum"].to_numpy() == capi["start"].dt.strftime("%d/%m/%Y").to_numpy()).all()
    ok = ~capi["sample_id"].isin(iv_wrong)
    assert (last.loc[capi.loc[ok, "sample_id"], "interviewer_id"].to_numpy()
            == capi.loc[ok, "interviewer_id"].astype(int).astype(str).to_numpy()).all()
    papi = rec[rec["_source"] == "papi"]
    assert (last.loc[papi["sample_id"], ["modus", "uitkomst"]] == ["papi", "1.1"]).all().all()
    assert (last.loc[papi["sample_id"], "datum"].to_numpy() == papi["start"].dt.strftime("%d/%m/%Y").to_numpy()).all()
    web = rec[(rec["_source"] == "web") & rec["end"].notna() & rec["sample_id"].str.startswith("S")]
    web = web.drop_duplicates("sample_id")
    assert (last.loc[web["sample_id"], ["modus", "uitkomst"]] == ["web", "1.1"]).all().all()
    assert (last.loc[web["sample_id"], "datum"].to_numpy() == web["start"].dt.strftime("%d/%m/%Y").to_numpy()).all()
    broke = rec[(rec["_source"] == "web") & rec["end"].isna() & ~rec["sample_id"].isin(capi["sample_id"])]
    assert last.loc[broke["sample_id"], "uitkomst"].isin(["1.2", "2.12"]).all()
    complete = rec.loc[(rec["end"].notna() | (rec["_source"] == "papi")) & rec["sample_id"].str.startswith("S"),
                       "sample_id"]
    assert set(last.index[last["uitkomst"] == "1.1"]) == set(complete)


def test_response_and_modes_as_configured(fw):
    log = fw.contacts
    final = log.groupby("sample_id")["uitkomst"].last()
    completes = int((final == "1.1").sum())
    assert abs(completes / SAMPLED - 0.375) < 0.02
    rec = fw.records
    real = rec[rec["sample_id"].str.startswith("S")].drop_duplicates(["sample_id", "_source"])
    done = real[real["end"].notna() | (real["_source"] == "papi")].drop_duplicates("sample_id")
    assert len(done) == completes
    share = done["_source"].value_counts(normalize=True)
    assert abs(share["web"] - 0.55) < 0.05 and abs(share["capi"] - 0.40) < 0.05 and abs(share["papi"] - 0.05) < 0.02
    by_group = done.merge(fw.sample[["sample_id", "stratum"]], on="sample_id")["stratum"].value_counts()
    assert by_group.min() >= 0.8 * by_group.max()
    interviewers = rec.loc[rec["_source"] == "capi", "interviewer_id"].dropna()
    assert 15 <= interviewers.nunique() <= 40


# --- the three exports --------------------------------------------------------------------------

def test_kobo_export_layout(raw, fw, form):
    """As formpack's to_csv writes it with the export dialog's defaults: `;`, every field quoted,
    CRLF, UTF-8 without BOM, XML names without group names."""
    data = (raw / FILES["web"]).read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf") and data.startswith(b'"start";"end";')
    lines = data.split(b"\r\n")
    assert lines[-1] == b"" and all(line.startswith(b'"') and line.endswith(b'"') for line in lines[:-1])
    web = read_csv(raw / FILES["web"], encoding="utf-8", sep=";")
    cols = list(web.columns)
    assert cols[:4] == ["start", "end", "sample_id", "modus"]
    assert "geboortejaar" in cols and "opmerkingen" in cols and "leeftijd" in cols
    assert not [c for c in cols if "/" in c and c.split("/")[0] not in form.names]  # no group names
    options = [f"talen/{o}" for o in form["talen"].choices.names]
    at = cols.index("talen")
    assert cols[at + 1: at + 1 + len(options)] == options
    assert cols[-10:] == ["_id", "_uuid", "_submission_time", "_validation_status", "_notes",
                          "_status", "_submitted_by", "__version__", "_tags", "_index"]
    assert (web["modus"] == "1").all() and (web["interviewer_id"] == "").all()
    assert web["_index"].tolist() == [str(i) for i in range(1, len(web) + 1)]
    assert web["_uuid"].is_unique
    assert web["_uuid"].str.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}").all()
    assert web["_submission_time"].str.fullmatch(r"2026-\d\d-\d\dT\d\d:\d\d:\d\d").all()
    assert list(web["_submission_time"]) == sorted(web["_submission_time"])
    stamp = r"2026-\d\d-\d\dT\d\d:\d\d:\d\d\.000\+0[12]:00"
    assert web["start"].str.fullmatch(stamp).all()
    assert (web["end"].str.fullmatch(stamp) | (web["end"] == "")).all()
    summer = pd.to_datetime(web["start"].str[:19]) >= pd.Timestamp("2026-03-29 03:00")
    assert (web.loc[summer, "start"].str.endswith("+02:00")).all()
    assert (web.loc[~summer, "start"].str.endswith("+01:00")).all()
    answered = web["talen"] != ""
    for option in form["talen"].choices.names:
        flag = web[f"talen/{option}"]
        assert (flag[~answered] == "").all()
        chosen = (" " + web["talen"] + " ").str.contains(f" {option} ", regex=False)
        assert (flag[answered] == np.where(chosen[answered], "1", "0")).all()
    assert web["geboortejaar"].str.fullmatch(r"\d{4}|").all()
    assert len(web) == (fw.records["_source"] == "web").sum()


def test_capi_sav_readable_with_labels(raw, fw):
    frame, meta = pyreadstat.read_sav(str(raw / FILES["capi"]))
    assert len(frame) == (fw.records["_source"] == "capi").sum() > 0
    assert meta.variable_value_labels["modus"] == {1.0: "web", 2.0: "face-to-face", 3.0: "papier"}
    assert meta.variable_value_labels["tevreden"][-1.0] == "weet niet"
    assert (frame["modus"] == 2).all()
    assert "talen" not in frame.columns
    assert [c for c in frame.columns if c.startswith("talen_") and c != "talen_anders"] == \
        ["talen_nl", "talen_fr", "talen_ar", "talen_tr", "talen_pl", "talen_ro", "talen_ln", "talen_other", "talen_m1"]
    flags = frame[["talen_nl", "talen_m1"]].stack().dropna()
    assert set(flags.unique()) <= {0.0, 1.0}
    assert frame["geboorteland"].isin([k for k, _ in LANDS] + ["", "XX"]).all()
    assert pd.api.types.is_datetime64_any_dtype(frame["start"]) and frame["end"].notna().all()
    assert meta.original_variable_types["start"].startswith("DATETIME")
    assert frame["interviewer_id"].notna().all()
    assert meta.column_names_to_labels["geboortejaar"] == "Geboortejaar"
    assert meta.variable_measure["tevreden"] == "ordinal"
    assert list(frame["start"]) == sorted(frame["start"])
    # the tablets declare the SID missing codes user-missing: read with them kept, -1 stays -1
    kept, declared = pyreadstat.read_sav(str(raw / FILES["capi"]), user_missing=True, usecols=["tevreden"])
    assert declared.missing_ranges["tevreden"] == [{"lo": -9.0, "hi": -1.0}]
    assert (kept["tevreden"] == -1).sum() > 0 and not (frame["tevreden"] < 0).any()


@pytest.mark.pspp
def test_pspp_opens_the_capi_file(raw, tmp_path):
    variables, labels, _, _ = pspp_dictionary(raw / FILES["capi"], tmp_path)
    frame, _ = pyreadstat.read_sav(str(raw / FILES["capi"]), metadataonly=True)
    assert list(variables) == list(frame.columns)
    assert labels["modus"] == {1.0: "web", 2.0: "face-to-face", 3.0: "papier"}
    assert variables["start"]["Print Format"].startswith("DATETIME")


def test_papi_workbook_layout(raw, fw, form):
    wb = openpyxl.load_workbook(raw / FILES["papi"], read_only=True)
    assert wb.sheetnames == ["invoer"]
    rows = list(wb["invoer"].iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    expected = ["Datum invulling", "Steekproefnr"] + [
        v.name.upper() for v in form if v.name not in ("start", "end", "sample_id") and v.type != "calculate"]
    assert list(header) == expected
    assert len(body) == (fw.records["_source"] == "papi").sum() > 0
    expected_cells = [tuple(None if v is None or v == "" else v for v in row)
                      for row in fw.papi.itertuples(index=False, name=None)]
    assert body == expected_cells
    papi = pd.DataFrame(body, columns=header)
    assert papi["Datum invulling"].str.fullmatch(r"\d\d/\d\d/2026").all()
    assert (papi["MODUS"] == 3).all() and papi["INTERVIEWER_ID"].isna().all()
    assert list(papi["Steekproefnr"]) == sorted(papi["Steekproefnr"])
    codes = form["talen"].choices.codes
    multi = papi["TALEN"].dropna().astype(str)
    assert multi.str.fullmatch(r"-?\d+( -?\d+)*").all()
    assert {int(t) for t in " ".join(multi).split()} <= set(codes.values())
    land = form["geboorteland"].choices.codes
    keyed = [row[header.index("GEBOORTELAND")] for row in body if row[header.index("GEBOORTELAND")] is not None]
    assert all(type(x) is int for x in keyed)
    assert set(keyed) - set(land.values()) <= {max(land.values()) + k for k in (1, 2, 3)}


# --- the planted defects ------------------------------------------------------------------------

def source_rows(raw):
    web = read_csv(raw / FILES["web"], encoding="utf-8", sep=";")["sample_id"]
    capi = pyreadstat.read_sav(str(raw / FILES["capi"]), usecols=["sample_id"])[0]["sample_id"]
    papi = pd.read_excel(raw / FILES["papi"], sheet_name="invoer", dtype=str)["Steekproefnr"]
    return {"web": list(web), "capi": list(capi), "papi": list(papi)}


def test_every_defect_planted_and_pointing_at_its_record(raw, fw):
    truth = read_csv(raw / FILES["truth"])
    assert list(truth.columns) == ["defect", "sample_id", "source", "row", "variable", "detail", "cleaning"]
    counts = truth["defect"].value_counts()
    assert set(counts.index) == set(DEFECTS)
    assert counts.min() >= 3
    rows = source_rows(raw)
    for record in truth.itertuples():
        assert rows[record.source][int(record.row) - 1] == record.sample_id, record
    summary = read_csv(raw / FILES["summary"])
    assert dict(zip(summary["defect"], summary["instances"].astype(int))) == counts.to_dict()
    completes = (fw.contacts.groupby("sample_id")["uitkomst"].last() == "1.1").sum()
    records = truth.groupby("defect")[["source", "row"]].apply(lambda t: len(t.drop_duplicates()))
    for defect in DEFECTS:  # a chain violation has a row per cell: count its records
        n = records[defect] if defect == "chain_violation" else counts[defect]
        assert n <= max(3, 0.04 * completes) + (counts["duplicate_cross_mode"] if defect == "break_off" else 0)


def planted(fw, defect):
    t = fw.truth[fw.truth["defect"] == defect].reset_index(drop=True)
    rec = fw.records.set_index(["_source", "_row"])
    return t, rec.loc[list(zip(t["source"], t["row"]))].reset_index()


def grids(form) -> list[list[str]]:
    """Runs of >= 4 select_one questions in one group sharing one numeric list (a scale)."""
    out, run = [], []
    for v in list(form) + [None]:
        scale = v is not None and v.type == "select_one" and v.choices.numeric
        if scale and run and v.choices.name == form[run[-1]].choices.name and v.group == form[run[-1]].group:
            run.append(v.name)
            continue
        if len(run) >= 4:
            out.append(run)
        run = [v.name] if scale else []
    return out


def origin(frame: pd.DataFrame, form) -> list[str]:
    """The Flemish definition, spelled out per respondent as a reference implementation."""
    nat = [v.name for v in form if v.type == "select_one" and "BE" in v.choices.names and "nat" in v.name]
    order = sorted(nat, key=lambda n: (0 if "vader" in n else 1 if "moeder" in n
                                       else 2 if ("eerste" in n or "geboorte" in n) else 3))
    out = []
    for row in frame[order].fillna("").astype(str).to_numpy():
        foreign = [x for x in row if x not in ("", "BE") and not x.startswith("-")]
        out.append(foreign[0] if foreign else "BE")
    return out


def minutes(frame):
    return (frame["end"] - frame["start"]).dt.total_seconds() / 60


def check_defects(fw, form):
    rec, sample = fw.records, fw.sample.set_index("sample_id")
    done = rec[rec["end"].notna()]
    median = {s: minutes(done[done["_source"] == s]).median() for s in ("web", "capi")}
    t, r = planted(fw, "routing_violation")
    for var, i in zip(t["variable"], r.index):
        frame = r.loc[[i]]
        assert not evaluate(form[var].routing, frame).iloc[0] and frame[var].notna().iloc[0], var
    for kind in ("out_of_range", "impossible_value"):
        t, r = planted(fw, kind)
        for var, i in zip(t["variable"], r.index):
            assert not evaluate(form[var].constraint, r.loc[[i]], current=var).iloc[0], (kind, var)
    t, r = planted(fw, "inconsistent_answer")
    frame = sample.loc[r["sample_id"]].reset_index()
    found = origin(r, form)
    for i, var in enumerate(t["variable"]):
        if var == "geboortejaar":
            assert abs(r.loc[i, var] - frame.loc[i, "geboortejaar"]) > 1
        elif var == "geslacht":
            assert r.loc[i, var] != frame.loc[i, "geslacht"]
        else:
            assert found[i] != frame.loc[i, "stratum"], var
    t, r = planted(fw, "speeder")
    assert (minutes(r) < r["_source"].map(median) / 3).all()
    t, r = planted(fw, "straightliner")
    for i in r.index:
        assert any(r.loc[[i], g].notna().all(axis=1).iloc[0] and r.loc[[i], g].nunique(axis=1).iloc[0] == 1
                   for g in grids(form))
    t, r = planted(fw, "pii_in_open_answer")
    for var, i in zip(t["variable"], r.index):
        assert PII.search(r.loc[i, var]), r.loc[i, var]
    t, r = planted(fw, "unknown_code")
    for var, i in zip(t["variable"], r.index):
        assert str(r.loc[i, var]).removesuffix(".0") not in form[var].choices.names
    t, r = planted(fw, "misspelt_place")
    wrong = {m for ms in list(T.MISSPELLINGS.values()) + list(T.PLACE_MISSPELLINGS.values()) for m in ms}
    for var, i in zip(t["variable"], r.index):
        assert r.loc[i, var] in wrong
    t, r = planted(fw, "break_off")
    assert r["end"].isna().all() and (r["_source"] == "web").all()
    questions = [v.name for v in form if not (v.group and v.group[0].startswith("meta"))
                 and v.type not in ("calculate", "start", "end") and v.name != "sample_id"]
    for var, i in zip(t["variable"], r.index):
        assert r.loc[i, questions[questions.index(var):]].isna().all()
    t, r = planted(fw, "duplicate_cross_mode")
    assert r["end"].isna().all() and r["sample_id"].isin(rec.loc[rec["_source"] == "capi", "sample_id"]).all()
    t, r = planted(fw, "test_interview")
    assert r["sample_id"].str.fullmatch(r"TEST\d{3,}").all() and not r["sample_id"].isin(sample.index).any()
    t, r = planted(fw, "double_submission")
    web = rec[rec["_source"] == "web"]
    for row in r.itertuples():
        same = web[web["sample_id"] == row.sample_id].drop(columns=["_row"])
        assert len(same) == 2 and same.iloc[0].equals(same.iloc[1])


def check_clean(fw, form):
    """Records without a planted defect pass every check a validator could make."""
    rec = fw.records
    flagged = set(zip(fw.truth["source"], fw.truth["row"]))
    clean = rec[[(s, r) not in flagged for s, r in zip(rec["_source"], rec["_row"])]].reset_index(drop=True)
    assert len(clean) > 0.6 * len(rec)
    for v in form:
        asked = evaluate(v.routing, clean) if v.routing else pd.Series(True, index=clean.index)
        present = clean[v.name].notna()
        assert not (present & ~asked).any(), v.name
        if v.required and v.type != "end":
            assert present[asked].all(), v.name
        if v.constraint:
            assert evaluate(v.constraint, clean, current=v.name)[present].all(), v.name
        if v.type == "select_one":
            assert clean[v.name].dropna().astype(str).str.removesuffix(".0").isin(v.choices.names).all(), v.name
        if v.type == "select_multiple":
            assert set(" ".join(clean[v.name].dropna()).split()) <= set(v.choices.names), v.name
        if v.type == "text" and v.name != "sample_id":
            assert not clean[v.name].dropna().str.contains(PII).any(), v.name
    for grid in grids(form):
        block = clean[grid]
        assert not ((block.notna().sum(axis=1) >= 3) & (block.nunique(axis=1) == 1)).any(), grid
    timed = clean[clean["end"].notna()]
    for source in ("web", "capi"):
        m = minutes(timed[timed["_source"] == source])
        assert (m >= m.median() / 3).all()
    sample = fw.sample.set_index("sample_id").loc[clean["sample_id"]]
    assert ((clean["geboortejaar"].to_numpy() - sample["geboortejaar"].to_numpy()).__abs__() <= 1).all()
    binary = clean["geslacht"].isin([1, 2]).to_numpy()
    assert (clean["geslacht"].to_numpy()[binary] == sample["geslacht"].to_numpy()[binary]).all()
    done = (clean["end"].notna() | (clean["_source"] == "papi")).to_numpy()
    assert (np.array(origin(clean[done], form)) == sample["stratum"].to_numpy()[done]).all()
    wrong = {m.lower() for ms in T.MISSPELLINGS.values() for m in ms}
    for v in form:
        if v.type == "text" and v.name.endswith("_anders"):
            assert not clean[v.name].dropna().str.lower().isin(wrong).any(), v.name


def not_asked_answers(row: pd.DataFrame, form, emptied=()) -> set[str]:
    """ODK's routing spelled out for one record: in form order, a question whose relevant is false
    on the answers so far (not-asked answers and `emptied` cells removed) was not asked; the
    answered ones of those."""
    row = row.copy()
    for var in emptied:
        row[var] = np.nan
    found = set()
    for v in form:
        if v.type == "calculate":
            row[v.name] = evaluate(v.calculate, row).to_numpy()
            continue
        if v.name in row and v.routing and not evaluate(v.routing, row).iloc[0]:
            if row[v.name].notna().iloc[0]:
                found.add(v.name)
            row[v.name] = np.nan
    return found


def check_chains(fw, form):
    """Every planted chain violation (and every follow-up of an answer cleaning makes -4) is a
    cell answered though not asked once the answers above it are empty; the truth lists exactly
    those cells of its record, each with -3 (a text: cleared)."""
    truth = fw.truth
    t = truth[truth["defect"] == "chain_violation"]
    rec = fw.records.set_index(["_source", "_row"])
    levels = t["detail"].str.extract(r"^level (\d+):")[0].astype(int)
    assert levels.max() >= 3 and (levels == 2).any()
    assert (t.loc[levels > 1, "detail"].str.contains("answered under")).all()
    invalidated = truth[truth["cleaning"] == "-4"]
    assert set(invalidated["defect"]) <= {"out_of_range", "impossible_value", "unknown_code"}
    assert (truth.loc[truth["defect"].isin(["out_of_range", "unknown_code"]), "cleaning"] == "-4").all()
    for (source, row), cells in t.groupby(["source", "row"]):
        record = rec.loc[[(source, int(row))]].reset_index(drop=True)
        emptied = invalidated.loc[(invalidated["source"] == source) & (invalidated["row"] == row), "variable"]
        assert not_asked_answers(record, form, emptied) == set(cells["variable"]), (source, row)
        for var, action in zip(cells["variable"], cells["cleaning"]):
            assert record[var].notna().iloc[0], var
            assert action == ("cleared" if form[var].type == "text" else "-3"), var
    chains = t[~t["detail"].str.contains("once cleaning makes")]
    assert chains.groupby(["source", "row"]).ngroups >= 3 and (chains["cleaning"] == "cleared").any()
    assert set(truth.loc[truth["defect"] == "routing_violation", "cleaning"]) <= {"-3", "cleared"}


def test_defects_are_what_they_say(fw, form):
    check_defects(fw, form)
    check_chains(fw, form)


def test_clean_records_stay_clean(fw, form):
    check_clean(fw, form)


def test_open_answers_are_multilingual(fw):
    text = " ".join(fw.records[["beroep", "opmerkingen"]].fillna("").to_numpy().ravel())
    assert re.search(r"[\u0600-\u06ff]", text)              # Arabic script
    assert re.search(r"[şğı]", text) and re.search(r"[łąę]", text) and re.search(r"[ţşăî]", text)
    assert re.search(r"[éèàç]", text)


def test_small_and_invalid_sizes(form):
    small = demo_fieldwork(form, sampled=60, seed=1)
    assert len(small.sample) == 60 and len(small.truth) > 0
    with pytest.raises(SidError) as err:
        demo_fieldwork(form, sampled=59, seed=1)
    assert err.value.code == ErrorCode.USAGE and "--size 59" in str(err.value)


def test_bundled_questionnaire_when_present(tmp_path):
    path = REPO / "schemas" / "questionnaire.xlsx"
    if not path.is_file():
        pytest.skip("schemas/questionnaire.xlsx is not there yet")
    form = load_questionnaire(path)
    fw = demo_fieldwork(form, sampled=600, seed=3)
    write_fieldwork(fw, tmp_path)
    missing = fw.summary[fw.summary["instances"] < 3]
    assert (missing["note"] != "").all(), missing
    assert set(fw.truth["defect"]) == set(DEFECTS) | set(ROSTER_DEFECTS), fw.summary   # the form has a roster
    check_defects(fw, form)
    check_chains(fw, form)
    check_clean(fw, form)


def test_demo_for_a_project_without_sources_says_what_to_add(tmp_path):
    """A new project names no fieldwork files yet: `sid demo` writes its files and says in one line
    that the sid.toml tables that read them are missing, then prints them; pasted, they name
    exactly the files written."""
    from conftest import TEST_KEY_ENV
    from typer.testing import CliRunner

    from cli import app
    from pipeline.survey.project import load_project

    write_xlsform(tmp_path / "schemas" / "form.xlsx", SURVEY, CHOICES,
                  {"form_id": "sidmini", "form_title": "SID mini", "version": "1", "default_language": NL})
    toml = (f'[survey]\nname = "mini"\nform = "schemas/form.xlsx"\nkey = "sample_id"\n\n'
            f'[privacy]\nkey_env = "{TEST_KEY_ENV}"\n')
    (tmp_path / "sid.toml").write_text(toml, encoding="utf-8")
    result = CliRunner().invoke(app, ["--project", str(tmp_path), "demo", "--size", "60"])
    assert result.exit_code == 0, result.output
    said, hint = result.output.split("\n\n", 1)[1].split("\n\n", 1)
    assert said == "sid.toml names no fieldwork files ([[sources]]); to run on the demo's, use:"
    (tmp_path / "sid.toml").write_text(toml + "\n" + hint, encoding="utf-8")
    project = load_project(tmp_path)
    written = {tmp_path / "raw" / name for name in FILES.values()}
    assert {s.path for s in project.sources} | {project.sample.source.path, project.contacts.path} <= written
    assert len(project.sources) == 3
