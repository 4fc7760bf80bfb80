"""cleaned/manifest.json: sha256 of every input and delivered file, the config and package versions."""

from __future__ import annotations

import hashlib
import json
import platform
import re
from importlib import metadata
from pathlib import Path

from pipeline import __version__
from pipeline.files import sha256, write_text_atomic
from pipeline.privacy import delivery_privacy
from pipeline.rerun import digests
from pipeline.survey.project import Project

PACKAGES = ("pandas", "numpy", "pandera", "pyreadstat", "pyxform", "openpyxl", "pyarrow", "typer",
            "python-stdnum", "phonenumbers")


def write_manifest(project: Project, folder: Path | None = None, run_id: str | None = None) -> dict:
    """Write manifest.json into the delivery folder (default cleaned/). Delivered files are listed
    relative to that folder, so `sid verify` works wherever ABB unpacks the delivery; inputs
    relative to the project."""
    folder = project.cleaned if folder is None else folder
    inputs = _inputs(project)
    outputs = sorted(p for p in folder.rglob("*")
                     if p.is_file() and p.relative_to(folder) != Path("manifest.json")
                     and not any(part.startswith(".") for part in p.relative_to(folder).parts))

    cache = digests.cache_folder(project.work)

    def entry(path, base, owned=False):  # a file read this run and unchanged since (raw exports, parts): not again
        return {"path": path.relative_to(base).as_posix(), "sha256": digests.digest(path, cache, owned=owned),
                "bytes": path.stat().st_size}

    manifest = {
        "survey": project.name,
        "sid_version": __version__,
        "run_id": run_id,  # the run that made the delivery (its lock and staging folder)
        "python": platform.python_version(),
        "packages": {name: _version(name) for name in PACKAGES},
        # What the delivery does with ids, as the run did it: `sid verify` fails a demo delivery
        # (unless --allow-demo) and warns about ids that are not pseudonymised.
        "privacy": delivery_privacy(project).manifest_entry,
        "config_sha256": sha256(project.file),
        # The config as text, without the value of a demo key (keys never belong in a delivery).
        "config": _config_text(project),
        "inputs": [entry(p, project.root) for p in inputs if p.is_file()],
        "outputs": [entry(p, folder, owned=True) for p in outputs],  # written by this run
    }
    manifest["manifest_sha256"] = manifest_digest(manifest)  # `sid verify` notices a changed manifest
    write_text_atomic(folder / "manifest.json",
                      json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return manifest


def _inputs(project: Project) -> list[Path]:
    """Every file the delivered data depend on: sid.toml, the form, the exports, the sample frame
    and contact log, rules and corrections, the weights' population table, the coding's code frames
    and classification files."""
    inputs = [project.file, project.form, *(s.path for s in project.sources)]
    inputs += [p for p in (project.sample.source.path if project.sample else None,
                           project.contacts.path if project.contacts else None,
                           project.validate.rules, project.clean.corrections,
                           project.weight.population if project.weight else None) if p is not None]
    if project.coding is not None:
        coding = project.coding
        inputs += sorted(coding.codeframes.glob("*.csv")) if coding.codeframes.is_dir() else []
        inputs += [p for p in (coding.countries, coding.languages, coding.municipalities, coding.successors,
                               coding.postcodes, coding.occupations, coding.occupation_names, coding.education)
                   if p is not None]
    return inputs


def _config_text(project: Project) -> str:
    text = re.sub(r'(?m)^(\s*demo_key\s*=\s*).*$', r'\1"[weggelaten]"',
                  project.file.read_text(encoding="utf-8"))
    if project.privacy is not None and project.privacy.demo_key:  # also in an inline table
        text = text.replace(project.privacy.demo_key, "[weggelaten]")
    return text


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def manifest_digest(manifest: dict) -> str:
    """sha256 of the manifest's content without its own digest (catches a changed manifest)."""
    body = {k: v for k, v in manifest.items() if k != "manifest_sha256"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()
