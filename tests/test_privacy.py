"""The privacy boundary: keyed pseudonyms, where the key may come from, and the PII scrub."""

import json
import re
import stat
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest
from conftest import TINY_SURVEY_TOML
from stdnum.be import bis, nn
from typer.testing import CliRunner

from cli import app
from pipeline.delivery.verify import verify_delivery
from pipeline.errors import SidError
from pipeline.privacy import find_pii, pseudonym_secret, pseudonymise, scrub, scrub_cells, scrub_frame, scrub_table
from pipeline.survey.project import PrivacySettings, load_project

REAL_KEY = "a-real-secret-key-0123456789abcdef"


def register_number(birth: str, serial: str, after_2000: bool = False) -> str:
    """A national register number with valid check digits (97 - base mod 97, '2' prefixed from 2000)."""
    base = int(("2" if after_2000 else "") + birth + serial)
    return f"{birth}{serial}{97 - base % 97:02d}"


def test_register_number_helper_agrees_with_stdnum():
    assert nn.is_valid(register_number("850101", "123"))
    assert nn.is_valid(register_number("050317", "245", after_2000=True))
    assert bis.is_valid(register_number("854101", "123"))  # month + 40: BIS number


# --- pseudonyms and the key --------------------------------------------------------------------

def test_pseudonyms_are_keyed_stable_and_distinct():
    keys = pd.Series(["S0000001", "S0000002", "S0000001"])
    a = pseudonymise(keys, b"key-one-0123456789")
    assert a.tolist() == pseudonymise(keys, b"key-one-0123456789").tolist()  # stable across reruns
    assert a[0] == a[2] and a[0] != a[1]
    assert all(re.fullmatch(r"R[0-9a-f]{16}", x) for x in a)
    assert set(a).isdisjoint(pseudonymise(keys, b"key-two-0123456789"))  # the key matters
    assert not any("S000000" in x for x in a)


def test_key_from_environment_then_file_then_demo(tmp_path, monkeypatch):
    monkeypatch.delenv("SID_TEST_KEY", raising=False)
    key_file = tmp_path / "sid.key"
    key_file.write_text("file-key-0123456789abcdef\n", encoding="utf-8")
    settings = PrivacySettings(key_env="SID_TEST_KEY", key_file=key_file, demo_key="DEMO-KEY-x")
    assert pseudonym_secret(settings) == b"file-key-0123456789abcdef"
    monkeypatch.setenv("SID_TEST_KEY", REAL_KEY)
    assert pseudonym_secret(settings) == REAL_KEY.encode()
    monkeypatch.delenv("SID_TEST_KEY")
    assert pseudonym_secret(PrivacySettings(key_env="SID_TEST_KEY", demo_key="DEMO-KEY-x")) == b"DEMO-KEY-x"


@pytest.mark.parametrize("settings, env, code", [
    (PrivacySettings(key_env="SID_TEST_KEY"), None, "key_missing"),
    (PrivacySettings(key_env="SID_TEST_KEY"), "too-short", "key_invalid"),
    (PrivacySettings(key_env="SID_TEST_KEY"), "DEMO-KEY-used-for-real-fieldwork", "key_invalid"),
    (PrivacySettings(key_env="SID_TEST_KEY", demo_key="not-labelled-as-demo"), None, "key_invalid"),
    (PrivacySettings(key_env="SID_TEST_KEY", key_file=Path("/nonexistent/sid.key")), None, "key_missing"),
])
def test_key_refused_without_revealing_it(settings, env, code, monkeypatch):
    monkeypatch.delenv("SID_TEST_KEY", raising=False)
    if env:
        monkeypatch.setenv("SID_TEST_KEY", env)
    with pytest.raises(SidError) as err:
        pseudonym_secret(settings)
    assert err.value.code == code and err.value.exit_code == 2
    if env:
        assert env not in str(err.value)
    if settings.demo_key:
        assert settings.demo_key not in str(err.value)


def _private_project(tiny_project: Path, privacy: str) -> Path:
    (tiny_project / "sid.toml").write_text(TINY_SURVEY_TOML + "\n[privacy]\n" + privacy, encoding="utf-8")
    return tiny_project


def test_key_file_inside_the_project_is_refused(tiny_project):
    (tiny_project / "sid.key").write_text(REAL_KEY, encoding="utf-8")
    _private_project(tiny_project, 'key_file = "sid.key"\n')
    with pytest.raises(SidError, match="outside the project"):
        load_project(tiny_project)


def test_demo_key_must_be_labelled(tiny_project):
    _private_project(tiny_project, 'demo_key = "my-secret-looking-key-123"\n')
    with pytest.raises(SidError, match="DEMO-KEY-"):
        load_project(tiny_project)
    _private_project(tiny_project, 'demo_key = "DEMO-KEY-tiny"\n[demo]\nproject = true\n')
    assert load_project(tiny_project).privacy.demo_key == "DEMO-KEY-tiny"


def test_demo_key_only_in_a_demo_project(tiny_project, monkeypatch):
    """A project not marked `[demo] project = true` may not use a demo key, not even as a fallback."""
    monkeypatch.delenv("SID_PSEUDONYM_KEY", raising=False)
    _private_project(tiny_project, 'demo_key = "DEMO-KEY-tiny"\n')
    result = CliRunner().invoke(app, ["--project", str(tiny_project), "run"])
    assert result.exit_code == 2, result.output
    assert result.stderr.strip() == (
        f"sid: error: {tiny_project / 'sid.toml'}: privacy.demo_key: a demo key is only accepted in a demo "
        "project ([demo] project = true). Create a real key with `sid key new` and set privacy.key_file "
        "to the file it writes.")
    assert not (tiny_project / "cleaned").exists()


def test_without_privacy_nothing_is_delivered(tiny_project, monkeypatch):
    """No [privacy]: `sid run`, `sid clean` and `sid export` stop before writing and say how to make a key."""
    (tiny_project / "sid.toml").write_text(TINY_SURVEY_TOML, encoding="utf-8")
    for command in ("run", "clean", "export"):
        result = CliRunner().invoke(app, ["--project", str(tiny_project), command])
        assert result.exit_code == 2, (command, result.output)
        assert "no [privacy] table: refusing to deliver respondent ids" in result.stderr
        assert "`sid key new`" in result.stderr
        assert not (tiny_project / "cleaned").exists(), command


def test_no_key_no_delivery(tiny_project, monkeypatch):
    """A survey without a key: `sid run` and `sid export` exit 2 and cleaned/ stays as it was."""
    monkeypatch.delenv("SID_PSEUDONYM_KEY", raising=False)
    _private_project(tiny_project, 'key_env = "SID_PSEUDONYM_KEY"\n')
    cleaned = tiny_project / "cleaned"
    cleaned.mkdir()
    (cleaned / "previous.txt").write_text("the previous delivery", encoding="utf-8")
    result = CliRunner().invoke(app, ["--project", str(tiny_project), "run"])
    assert result.exit_code == 2, result.output
    assert "no pseudonymisation key" in result.output and "SID_PSEUDONYM_KEY" in result.output
    assert sorted(p.name for p in cleaned.iterdir()) == ["previous.txt"]
    assert not (tiny_project / "work" / "crosswalk.csv").exists()
    # `sid export` alone, after ingest and clean ran with the key: still refused, nothing written.
    monkeypatch.setenv("SID_PSEUDONYM_KEY", REAL_KEY)
    for command in ("ingest", "clean"):
        CliRunner().invoke(app, ["--project", str(tiny_project), command])
    monkeypatch.delenv("SID_PSEUDONYM_KEY")
    before = {p.name: p.read_bytes() for p in cleaned.iterdir()}
    result = CliRunner().invoke(app, ["--project", str(tiny_project), "export"])
    assert result.exit_code == 2, result.output
    assert "no pseudonymisation key" in result.output
    assert {p.name: p.read_bytes() for p in cleaned.iterdir()} == before
    assert not (tiny_project / "work" / "crosswalk.csv").exists()


def test_key_from_environment_pseudonymises_the_delivery(tiny_project, monkeypatch):
    monkeypatch.setenv("SID_PSEUDONYM_KEY", REAL_KEY)
    _private_project(tiny_project, 'key_env = "SID_PSEUDONYM_KEY"\n')
    result = CliRunner().invoke(app, ["--project", str(tiny_project), "run"])
    assert result.exit_code == 0, result.output
    data, _ = pyreadstat.read_sav(str(tiny_project / "cleaned" / "tiny.sav"))
    assert "resp_id" not in data.columns
    crosswalk = pd.read_csv(tiny_project / "work" / "crosswalk.csv", dtype=str)
    assert set(crosswalk["respondent_id"]) == set(data["respondent_id"])
    assert set(crosswalk["resp_id"]) == {"R1", "R2", "R3"}
    for path in (tiny_project / "cleaned").iterdir():  # neither the key nor the sample ids
        text = path.read_bytes()
        assert REAL_KEY.encode() not in text, path.name
        if path.suffix in (".csv", ".html", ".xml", ".txt", ".json", ".sps"):
            assert not re.search(rb"\bR[123]\b", text), path.name
    # `sid export` alone writes the manifest again: the delivery still verifies.
    assert CliRunner().invoke(app, ["--project", str(tiny_project), "export"]).exit_code == 0
    result = CliRunner().invoke(app, ["verify", str(tiny_project / "cleaned")])
    assert result.exit_code == 0, result.output


# --- the scrub -----------------------------------------------------------------------------------

RRN = register_number("850101", "123")
RRN_2000 = register_number("050317", "245", after_2000=True)
BIS = register_number("854101", "123")
NOT_RRN = RRN[:-2] + f"{(int(RRN[-2:]) + 1) % 100:02d}"  # wrong check digits


@pytest.mark.parametrize("text, expected", [
    ("mail me: jan.peeters+sid@telenet.be aub", "mail me: [E-MAIL] aub"),
    ("zie www.voorbeeld.be/pagina of https://example.org/x?y=1", "zie [URL] of [URL]"),
    (f"mijn rijksregisternummer is {RRN}", "mijn rijksregisternummer is [RRN]"),
    (f"nr {RRN[:2]}.{RRN[2:4]}.{RRN[4:6]}-{RRN[6:9]}.{RRN[9:]}", "nr [RRN]"),
    (f"geboren na 2000: {RRN_2000}", "geboren na 2000: [RRN]"),
    (f"BIS {BIS}", "BIS [BIS]"),
    ("rekening BE71 0961 2345 6769 graag", "rekening [IBAN] graag"),
    ("IBAN NL91ABNA0417164300", "IBAN [IBAN]"),
    ("bel 0470 12 34 56", "bel [TEL]"),
    ("bel 0475/26.72.60 of 02 728 84 35", "bel [TEL] of [TEL]"),
    ("gsm +32 476 13 43 22", "gsm [TEL]"),
    ("gsm 0032 468 90 81 68", "gsm [TEL]"),
    ("+32497936506", "[TEL]"),
    ("in Nederland +31 20 123 4567", "in Nederland [TEL]"),
    ("in Londen +44 20 7946 0958", "in Londen [TEL]"),
])
def test_scrub_replaces_pii_by_tags(text, expected):
    out, counts = scrub(pd.DataFrame({"open": [text]}), ["open"])
    assert out["open"].tolist() == [expected]
    assert counts == {"open": 1}


@pytest.mark.parametrize("text", [
    "1980", "2026-03-02", "geboren in 1975, aangekomen in 2001", "0.45678912", "om 10:30 uur",
    "postcode 9000 Gent", "1.250 euro per maand", "3 kinderen", "bouwvakker", "R0123456789abcdef",
    f"een fout nummer {NOT_RRN}", "rekening BE71 0961 2345 6768", "versie 2.5.1", "-3", "",
])
def test_scrub_leaves_other_text_alone(text):
    out, counts = scrub(pd.DataFrame({"open": [text]}), ["open"])
    assert out["open"].tolist() == [text]
    assert counts == {}


def test_scrub_counts_per_variable_and_tag_without_values():
    frame = pd.DataFrame({
        "beroep": ["bakker", "bel 0470 12 34 56", "bel 0470 12 34 56", None, "x@y.be of 0470 12 34 56"],
        "opmerkingen": ["geen", "geen", "geen", "geen", "geen"],
        "leeftijd": [30, 40, 50, 60, 70],
    })
    result = scrub_frame(frame, ["beroep", "opmerkingen", "leeftijd"])
    assert result.frame["beroep"].tolist()[:3] == ["bakker", "bel [TEL]", "bel [TEL]"]
    assert pd.isna(result.frame["beroep"].iloc[3])
    assert result.frame["beroep"].iloc[4] == "[E-MAIL] of [TEL]"
    assert result.frame["leeftijd"].tolist() == [30, 40, 50, 60, 70]
    counts = result.counts.set_index(["variable", "tag"])["answers_scrubbed"].to_dict()
    assert counts == {("beroep", "[TEL]"): 3, ("beroep", "[E-MAIL]"): 1}
    assert result.per_variable == {"beroep": 3}
    assert "0470" not in result.counts.to_csv()
    assert frame["beroep"].iloc[1] == "bel 0470 12 34 56"  # the input is not changed


def test_find_pii_counts_kinds():
    found = find_pii(["bel 0470 12 34 56", f"rrn {RRN}", "x@y.be", "niets", f"bis {BIS}"])
    assert found == {"[TEL]": 1, "[RRN]": 1, "[E-MAIL]": 1, "[BIS]": 1}
    assert find_pii(["[TEL] en [E-MAIL]", "1980", "0.5"]) == {}


# --- ids delivered as they are, on purpose -------------------------------------------------------

REASON = "ABB koppelt zelf met de eigen steekproef (overeenkomst 2026/17)"


def test_not_pseudonymised_is_said_plainly_everywhere(tiny_project):
    """`pseudonymise = false` with a reason: the ids are delivered, and the file label, the .sav's
    documents, README.txt and the manifest say so; `sid verify` warns and passes."""
    _private_project(tiny_project, f'pseudonymise = false\nreason = "{REASON}"\n')
    result = CliRunner().invoke(app, ["--project", str(tiny_project), "run"])
    assert result.exit_code == 0, result.output
    cleaned = tiny_project / "cleaned"
    data, meta = pyreadstat.read_sav(str(cleaned / "tiny.sav"))
    assert sorted(data["resp_id"]) == ["R1", "R2", "R3"] and "respondent_id" not in data.columns
    assert meta.file_label == "NIET GEPSEUDONIMISEERD: Kleine toetsenquête"
    assert " ".join(meta.notes[1:3]) == f"Niet gepseudonimiseerd: {REASON}"
    readme = (cleaned / "README.txt").read_text(encoding="utf-8")
    assert f"Niet gepseudonimiseerd: {REASON}" in readme
    assert "resp_id: het eigen respondentnummer van het veldwerkbureau, NIET gepseudonimiseerd" in readme
    assert "pseudoniem" not in readme and "koppeltabel" not in readme and "e-mailadressen en steekproefnummers" not in readme
    manifest = json.loads((cleaned / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["privacy"] == {"respondent_id": "resp_id", "gepseudonimiseerd": False, "sleutel": None,
                                   "reden": REASON, "demo": False}
    assert not (tiny_project / "work" / "crosswalk.csv").exists()
    report = verify_delivery(cleaned)
    assert report.passed, report.failures
    warnings = [(c.check, c.detail) for c in report.checks if c.warning]
    assert warnings == [("pseudoniemen", f"resp_id: niet gepseudonimiseerd: {REASON}")]
    result = CliRunner().invoke(app, ["verify", str(cleaned)])
    assert result.exit_code == 0 and "WAARSCHUWING" in result.output, result.output


def test_pseudonymised_readme_and_manifest_say_what_the_run_did(tiny_project):
    result = CliRunner().invoke(app, ["--project", str(tiny_project), "run"])  # the session's test key
    assert result.exit_code == 0, result.output
    cleaned = tiny_project / "cleaned"
    _, meta = pyreadstat.read_sav(str(cleaned / "tiny.sav"), metadataonly=True)
    assert meta.file_label == "Kleine toetsenquête"
    readme = (cleaned / "README.txt").read_text(encoding="utf-8")
    assert "respondent_id: een pseudoniem respondentnummer (HMAC-SHA256 van het steekproefnummer met een " \
           "geheime sleutel" in " ".join(readme.split())
    assert "DEMO" not in readme and "NIET" not in readme
    manifest = json.loads((cleaned / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["privacy"] == {"respondent_id": "respondent_id", "gepseudonimiseerd": True,
                                   "sleutel": "omgevingsvariabele", "reden": None, "demo": False}
    assert verify_delivery(cleaned).passed


@pytest.mark.parametrize("privacy, message", [
    ("pseudonymise = false\n", "privacy.reason: is required when pseudonymise = false"),
    ('pseudonymise = false\nreason = "  "\n', "privacy.reason: must be a non-empty text"),
    ('key_env = "X_KEY"\nreason = "waarom niet"\n', "privacy.reason: is only for pseudonymise = false"),
])
def test_reason_goes_with_pseudonymise_false(tiny_project, privacy, message):
    _private_project(tiny_project, privacy)
    with pytest.raises(SidError, match=re.escape(message)):
        load_project(tiny_project)


# --- sid key new ---------------------------------------------------------------------------------

def test_key_new_writes_a_private_key_outside_the_project(tiny_project, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    result = CliRunner().invoke(app, ["--project", str(tiny_project), "key", "new"])
    assert result.exit_code == 0, result.output
    key_file = tmp_path / "home" / ".sid" / "tiny.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert re.fullmatch(r"[0-9a-f]{64}\n", key_file.read_text(encoding="utf-8"))
    assert result.stdout.splitlines()[-2:] == ["[privacy]", f'key_file = "{key_file}"']
    # The printed line works: the tiny project delivers with that key.
    _private_project(tiny_project, f'key_env = "SID_NO_SUCH_KEY"\nkey_file = "{key_file}"\n')
    result = CliRunner().invoke(app, ["--project", str(tiny_project), "run"])
    assert result.exit_code == 0, result.output
    manifest = json.loads((tiny_project / "cleaned" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["privacy"]["sleutel"] == "sleutelbestand"
    # Never replaced, never inside the project.
    result = CliRunner().invoke(app, ["--project", str(tiny_project), "key", "new"])
    assert result.exit_code == 2 and "already exists" in result.stderr, result.output
    assert key_file.read_text(encoding="utf-8") == key_file.read_text(encoding="utf-8")
    result = CliRunner().invoke(app, ["--project", str(tiny_project), "key", "new", str(tiny_project / "k.key")])
    assert result.exit_code == 2 and "outside the project folder" in result.stderr, result.output
    assert not (tiny_project / "k.key").exists()


def test_report_cells_hold_no_identifier_as_text_or_number():
    """The cleaning log's old/new (numbers written as text) and report tables through the gate."""
    log = pd.DataFrame({"old": ["470123456.0", "85073100328.0", "bel 0470 12 34 56", "2500.0", None, "-9"],
                        "new": ["-4.0", "-4.0", "bel [TEL]", "2500.0", "-3.0", "-9"]})
    out = scrub_cells(log, ["old", "new"])
    assert out["old"].fillna("").tolist() == ["[TEL]", "[RRN]", "bel [TEL]", "2500.0", "", "-9"]
    assert out["new"].tolist() == log["new"].tolist()
    table = pd.DataFrame({"gemeente": ["Gent", "https://gent.be/loket", "info@gent.be"], "RR1": [0.4, 0.5, 0.6]})
    assert scrub_table(table).to_dict("list") == {"gemeente": ["Gent", "[URL]", "[E-MAIL]"], "RR1": [0.4, 0.5, 0.6]}


def test_key_new_is_the_fix_for_a_refused_demo_key(tiny_project, tmp_path, monkeypatch):
    """The error about a demo key outside a demo project says `sid key new`: it works there."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    _private_project(tiny_project, 'demo_key = "DEMO-KEY-tiny"\n')
    result = CliRunner().invoke(app, ["--project", str(tiny_project), "key", "new"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "home" / ".sid" / "tiny.key").is_file()
