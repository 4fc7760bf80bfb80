"""`sid verify DIR` on a demo delivery: passes when fresh; fails, naming the file, after a byte
of any delivered file changes, a file goes missing or is added, the codebook and the .sav
disagree, an identifier column appears or personal data is planted (checksums fixed up, so only
the content checks can catch it)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pyreadstat
import pytest
from conftest import demo_delivery
from stdnum.be import nn
from typer.testing import CliRunner

from cli import app
from pipeline.delivery.verify import identifier_numbers, manifest_digest, verify_delivery
from pipeline.files import sha256

# One file of each kind in the delivery.
KINDS = ["sid2026.sav", "sid2026.sps", "sid2026.csv", "sid2026.parquet", "codebook.html",
         "codebook.xlsx", "sid2026_ddi.xml", "README.txt", "manifest.json"]


@pytest.fixture(scope="module")
def fresh(tmp_path_factory) -> Path:
    return demo_delivery(tmp_path_factory) / "cleaned"


@pytest.fixture
def copy(fresh, tmp_path) -> Path:
    target = tmp_path / "levering"
    shutil.copytree(fresh, target)
    return target


def reseal(folder: Path, name: str) -> None:
    """Fix the manifest after a deliberate change, as a careless (or malicious) sender would."""
    path = folder / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    for entry in manifest["outputs"]:
        if entry["path"] == name:
            entry["sha256"] = sha256(folder / name)
            entry["bytes"] = (folder / name).stat().st_size
    manifest["manifest_sha256"] = manifest_digest(manifest)
    path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def failing(report) -> set[tuple[str, str]]:
    return {(c.check, c.file) for c in report.failures}


@pytest.mark.slow
def test_fresh_delivery_passes(fresh):
    result = CliRunner().invoke(app, ["verify", "--allow-demo", str(fresh)])
    assert result.exit_code == 0, result.output
    assert "PASS" in result.output
    report = verify_delivery(fresh, allow_demo=True)
    assert report.passed
    assert {c.check for c in report.checks} >= {"manifest", "controlesom", "volledig", ".sav = codeboek",
                                                ".sav = kopie", "geen identificatie", "geen persoonsgegevens",
                                                "geen demo", "pseudoniemen"}
    compared = {c.file for c in report.checks if c.check == ".sav = codeboek"}
    assert compared == {"codebook.xlsx", "codebook.html", "sid2026_ddi.xml",  # and per other label language
                        "codebook_fr.html", "codebook_fr.xlsx", "codebook_en.html", "codebook_en.xlsx"}


@pytest.mark.slow
@pytest.mark.parametrize("name", KINDS)
def test_one_changed_byte_fails_naming_the_file(copy, name):
    path = copy / name
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle] = (data[middle] + 1) % 256
    path.write_bytes(bytes(data))
    report = verify_delivery(copy, allow_demo=True)
    assert report.exit_code == 1
    assert name in {c.file for c in report.failures}
    if name != "manifest.json":
        assert ("controlesom", name) in failing(report)


@pytest.mark.slow
@pytest.mark.parametrize("planted, tag", [
    ("stuur het naar jan.peeters@telenet.be aub", "[E-MAIL]"),
    (f"mijn rijksregisternummer is {'850101123'}{97 - 850101123 % 97:02d}", "[RRN]"),
    ("bel me op 0470 12 34 56", "[TEL]"),
])
def test_planted_pii_fails_even_with_a_fixed_checksum(copy, planted, tag):
    digits = "".join(ch for ch in planted if ch.isdigit())
    if tag == "[RRN]":
        assert nn.is_valid(digits)
    log = copy / "cleaning_log.csv"
    with open(log, "a", encoding="utf-8") as fh:
        fh.write(f"opschonen,handmatig,R0000000000000000,opmerkingen,\"{planted}\",\n")
    reseal(copy, "cleaning_log.csv")
    report = verify_delivery(copy, allow_demo=True)
    assert failing(report) == {("geen persoonsgegevens", "cleaning_log.csv")}
    detail = report.failures[0].detail
    assert tag in detail
    assert planted not in detail and (not digits or digits not in detail)  # never the value itself


@pytest.mark.slow
def test_planted_pii_in_a_codebook_cell(copy):
    path = copy / "codebook.xlsx"
    wb = openpyxl.load_workbook(path)
    wb["over"].append(["contact", "vragen? info@veldwerkbureau.be"])
    wb.save(path)
    reseal(copy, "codebook.xlsx")
    report = verify_delivery(copy, allow_demo=True)
    assert ("geen persoonsgegevens", "codebook.xlsx") in failing(report)


@pytest.mark.slow
def test_codebook_that_disagrees_with_the_sav(copy):
    path = copy / "codebook.xlsx"
    wb = openpyxl.load_workbook(path)
    ws = wb["waarden"]
    header = [c.value for c in ws[1]]
    ws.cell(row=2, column=header.index("label") + 1, value="een ander label")
    wb.save(path)
    reseal(copy, "codebook.xlsx")
    report = verify_delivery(copy, allow_demo=True)
    assert failing(report) == {(".sav = codeboek", "codebook.xlsx")}
    assert "waardelabels" in report.failures[0].detail
    result = CliRunner().invoke(app, ["verify", "--allow-demo", str(copy)])
    assert result.exit_code == 1, result.output
    assert "FAIL" in result.output and "codebook.xlsx" in result.output


@pytest.mark.slow
def test_identifier_column_is_caught(copy):
    path = copy / "pii_scrubbed.csv"
    text = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([text[0] + ",rijksregisternummer"] + [t + "," for t in text[1:]]) + "\n",
                    encoding="utf-8")
    reseal(copy, "pii_scrubbed.csv")
    report = verify_delivery(copy, allow_demo=True)
    assert ("geen identificatie", "pii_scrubbed.csv") in failing(report)


@pytest.mark.slow
def test_missing_and_extra_files(copy):
    (copy / "codebook.html").unlink()
    (copy / "steekproef.csv").write_text("sample_id\nS0000001\n", encoding="utf-8")
    report = verify_delivery(copy, allow_demo=True)
    assert ("volledig", "codebook.html") in failing(report)
    assert ("volledig", "steekproef.csv") in failing(report)
    assert ("geen identificatie", "steekproef.csv") not in failing(report)  # not part of the delivery


def test_not_a_delivery_folder_is_bad_usage(tmp_path):
    result = CliRunner().invoke(app, ["verify", str(tmp_path)])
    assert result.exit_code == 2
    assert "manifest.json" in result.output
    result = CliRunner().invoke(app, ["verify", str(tmp_path / "nowhere")])
    assert result.exit_code == 2


def test_raw_ids_fail_unless_the_manifest_says_why(tiny_project):
    """Ids delivered as they are pass with a warning only when the delivery says so (and why); a
    manifest that claims pseudonyms over the same .sav fails, naming the key column."""
    toml = (tiny_project / "sid.toml").read_text(encoding="utf-8")
    (tiny_project / "sid.toml").write_text(toml.split("[privacy]")[0] + '[privacy]\npseudonymise = false\n'
                                           'reason = "ABB koppelt zelf"\n', encoding="utf-8")
    assert CliRunner().invoke(app, ["--project", str(tiny_project), "run"]).exit_code == 0
    cleaned = tiny_project / "cleaned"
    report = verify_delivery(cleaned)
    assert report.passed and [c.detail for c in report.checks if c.warning] == [
        "resp_id: niet gepseudonimiseerd: ABB koppelt zelf"]
    path = cleaned / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["privacy"] |= {"gepseudonimiseerd": True, "reden": None}
    manifest["manifest_sha256"] = manifest_digest(manifest)
    path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    report = verify_delivery(cleaned)
    assert ("geen identificatie", "tiny.sav") in failing(report)
    assert "resp_id" in next(c.detail for c in report.failures if c.file == "tiny.sav")


@pytest.mark.slow
def test_a_demo_delivery_fails_unless_allowed(fresh):
    """The bundled demo (demo data, the public demo key) is marked DEMO: verify fails it, naming
    why, unless --allow-demo."""
    report = verify_delivery(fresh)
    assert failing(report) == {("geen demo", "manifest.json")}
    assert report.failures[0].detail == ("DEMO-levering met de publieke DEMO-sleutel (pseudoniemen omkeerbaar): "
                                         "geen echte levering")
    result = CliRunner().invoke(app, ["verify", str(fresh)])
    assert result.exit_code == 1 and "FAIL" in result.output, result.output
    result = CliRunner().invoke(app, ["verify", "--allow-demo", str(fresh)])
    assert result.exit_code == 0 and "PASS" in result.output, result.output


def test_identifier_numbers_in_the_data_of_a_sav(tmp_path):
    """What the cleaning's personal_data step makes -4, verify catches in a .sav's numbers."""
    frame = pd.DataFrame({"inkomen": [2500.0, 470123456.0, -9.0, 470123456.0],
                          "rrn": [85073100328.0, 1980.0, 1.0, 2.0], "tekst": ["a", "b", "c", "d"]})
    pyreadstat.write_sav(frame, str(tmp_path / "x.sav"))
    assert identifier_numbers(tmp_path / "x.sav") == {"[TEL]": 1, "[RRN]": 1}
    pyreadstat.write_sav(frame.assign(inkomen=2500.0, rrn=-4.0), str(tmp_path / "y.sav"))
    assert identifier_numbers(tmp_path / "y.sav") == {}
