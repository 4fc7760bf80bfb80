"""cleaned/manifest.json (pipeline/delivery/manifest.py) for the tiny project: every checksum
recomputed with hashlib, paths relative (delivered files to the delivery folder, inputs to the
project), the config copied without the demo key, and the manifest's own digest."""

from __future__ import annotations

import hashlib
import json
from importlib import metadata
from pathlib import Path

import pytest
from conftest import TINY_SURVEY_TOML

from pipeline import __version__
from pipeline.delivery.manifest import PACKAGES, write_manifest
from pipeline.delivery.verify import manifest_digest
from pipeline.survey.project import load_project

DEMO_KEY = "DEMO-KEY-tiny-not-secret"
EXTRA_TOML = f"""
[sample]
path = "raw/steekproef.csv"
key = "resp_id"
identifiers = ["naam"]

[validate]
rules = "schemas/rules.yaml"

[clean]
corrections = "schemas/corrections.yaml"

[demo]
project = true

[privacy]
demo_key = "{DEMO_KEY}"
"""


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def project(tiny_project):
    root = tiny_project
    (root / "sid.toml").write_text(TINY_SURVEY_TOML + EXTRA_TOML, encoding="utf-8")
    (root / "raw" / "steekproef.csv").write_bytes("resp_id;naam\r\nR1;Céline\r\n".encode("cp1252"))
    (root / "schemas" / "rules.yaml").write_text("rules: []\n", encoding="utf-8")
    (root / "schemas" / "corrections.yaml").write_text("corrections: []\n", encoding="utf-8")
    cleaned = root / "cleaned"
    (cleaned / "extra").mkdir(parents=True)
    (cleaned / "tiny.sav").write_bytes(bytes(range(256)) * 40)
    (cleaned / "codebook.html").write_text("<!DOCTYPE html><p>Codeboek</p>\n", encoding="utf-8")
    (cleaned / "extra" / "gewichten.csv").write_text("respondent_id,gewicht\nRa,1.5\n", encoding="utf-8")
    (cleaned / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")  # hidden: not part of the delivery
    (cleaned / "manifest.json").write_text("{}", encoding="utf-8")  # the previous manifest
    return load_project(root)


def test_every_delivered_file_with_its_sha256_and_size(project):
    manifest = write_manifest(project)
    cleaned = project.cleaned
    assert [o["path"] for o in manifest["outputs"]] == ["codebook.html", "extra/gewichten.csv", "tiny.sav"]
    for entry in manifest["outputs"]:
        path = cleaned / entry["path"]
        assert entry["sha256"] == sha(path), entry["path"]
        assert entry["bytes"] == path.stat().st_size
    assert json.loads((cleaned / "manifest.json").read_text(encoding="utf-8")) == manifest


def test_inputs_relative_to_the_project_with_their_sha256(project):
    manifest = write_manifest(project)
    root = project.root
    paths = [i["path"] for i in manifest["inputs"]]
    assert paths == ["sid.toml", "schemas/form.xlsx", "raw/answers.csv", "raw/steekproef.csv",
                     "schemas/rules.yaml", "schemas/corrections.yaml"]
    for entry in manifest["inputs"]:
        assert not Path(entry["path"]).is_absolute() and ".." not in Path(entry["path"]).parts
        assert entry["sha256"] == sha(root / entry["path"]), entry["path"]
        assert entry["bytes"] == (root / entry["path"]).stat().st_size
    assert manifest["config_sha256"] == sha(project.file)
    assert str(root) not in json.dumps(manifest)  # nothing points into this machine's folders


def test_a_delivery_folder_elsewhere_lists_its_own_files(project, tmp_path):
    staging = tmp_path / ".cleaned.partial"
    staging.mkdir()
    (staging / "tiny.csv").write_text("respondent_id\nRa\n", encoding="utf-8")
    manifest = write_manifest(project, staging)
    assert [o["path"] for o in manifest["outputs"]] == ["tiny.csv"]
    assert manifest["outputs"][0]["sha256"] == sha(staging / "tiny.csv")
    assert (staging / "manifest.json").is_file()
    assert json.loads((project.cleaned / "manifest.json").read_text(encoding="utf-8")) == {}  # untouched


def test_config_without_the_demo_key_and_versions(project):
    manifest = write_manifest(project)
    text = (project.cleaned / "manifest.json").read_text(encoding="utf-8")
    assert DEMO_KEY not in text
    assert 'demo_key = "[weggelaten]"' in manifest["config"]
    assert manifest["config"] == project.file.read_text(encoding="utf-8").replace(DEMO_KEY, "[weggelaten]")
    assert manifest["survey"] == "tiny" and manifest["sid_version"] == __version__
    assert set(manifest["packages"]) == set(PACKAGES)
    assert manifest["packages"]["pandas"] == metadata.version("pandas")


def test_demo_key_in_an_inline_table_is_left_out_too(project):
    toml = (f'privacy = {{ demo_key = "{DEMO_KEY}", respondent_id = "rid" }}\ndemo = {{ project = true }}\n'
            + TINY_SURVEY_TOML)
    project.file.write_text(toml, encoding="utf-8")
    manifest = write_manifest(load_project(project.root))
    assert DEMO_KEY not in json.dumps(manifest)
    assert manifest["config_sha256"] == sha(project.file)  # the checksum is of the file as it is


def test_manifest_digest_covers_the_content(project):
    manifest = write_manifest(project)
    assert manifest["manifest_sha256"] == manifest_digest(manifest)
    body = {k: v for k, v in manifest.items() if k != "manifest_sha256"}
    assert manifest["manifest_sha256"] == hashlib.sha256(
        json.dumps(body, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()
    changed = dict(manifest, outputs=[dict(manifest["outputs"][0], sha256="0" * 64), *manifest["outputs"][1:]])
    assert manifest_digest(changed) != manifest["manifest_sha256"]


def test_same_files_give_the_same_manifest(project):
    first = write_manifest(project)
    second = write_manifest(project)  # the manifest just written is not listed in the next one
    assert first == second
    (project.cleaned / "tiny.sav").write_bytes(b"changed")
    third = write_manifest(project)
    sav = next(o for o in third["outputs"] if o["path"] == "tiny.sav")
    assert sav == {"path": "tiny.sav", "sha256": hashlib.sha256(b"changed").hexdigest(), "bytes": 7}
    assert third["manifest_sha256"] != first["manifest_sha256"]


def test_the_population_table_used_for_the_weights_is_an_input(project):
    root = project.root
    (root / "schemas" / "populatie.csv").write_text("variabele,categorie,populatie\nstratum,BE,1000\n",
                                                    encoding="utf-8")
    project.file.write_text(project.file.read_text(encoding="utf-8")
                            + '\n[weight]\npopulation = "schemas/populatie.csv"\n', encoding="utf-8")
    manifest = write_manifest(load_project(root))
    assert "schemas/populatie.csv" in [i["path"] for i in manifest["inputs"]]
