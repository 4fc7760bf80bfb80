"""The delivery staged beside cleaned/ and swapped in as a whole, and the proof that a folder
sid replaces is one it wrote: a staging folder holds a marker with its run id, a delivery its
manifest (listing every file). Used by `sid run` and `sid export` (pipeline/run.py)."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from pipeline import workdir
from pipeline.delivery.manifest import write_manifest
from pipeline.errors import ErrorCode, SidError
from pipeline.faults import checkpoint
from pipeline.files import recover_directory, replace_directory
from pipeline.lock import ensure_folder
from pipeline.survey.project import Project

STAGING_MARKER = ".sid-staging"  # in a staging folder: the run id of the run that made it


@contextmanager
def staged_delivery(project: Project, run_id: str) -> Iterator[Project]:
    """The project with cleaned/ pointing at a new staging folder beside it (same file system);
    when the block ends without error the manifest is written and the staging folder replaces
    cleaned/ in one step. A block that fails leaves cleaned/ as it was and removes its staging."""
    cleaned = project.cleaned
    recover_directory(cleaned)
    _check_replaceable(cleaned)
    ensure_folder(cleaned.parent, "paths.cleaned")
    for stale in cleaned.parent.glob(f".{cleaned.name}.partial-*"):  # left by a killed run
        if (stale / STAGING_MARKER).is_file():
            shutil.rmtree(stale)
    stage = cleaned.with_name(f".{cleaned.name}.partial-{run_id}")
    stage.mkdir()
    try:
        _write_marker(stage / STAGING_MARKER, run_id)
        yield dataclasses.replace(project, cleaned=stage)
        write_manifest(project, stage, run_id)
        checkpoint("manifest")
        for hidden in cleaned.glob(".*") if cleaned.is_dir() else ():
            if hidden.is_file() and not hidden.name.endswith(".tmp"):  # e.g. .gitkeep: not ours, carried over
                shutil.copy2(hidden, stage / hidden.name)
        # One atomic exchange: cleaned/ is either the whole previous delivery or the whole new one.
        _check_replaceable(cleaned)
        replace_directory(stage, cleaned)
        (cleaned / STAGING_MARKER).unlink(missing_ok=True)  # a delivery now, proved by its manifest
        checkpoint("deliver")
    except BaseException:
        if stage.is_dir():
            shutil.rmtree(stage, ignore_errors=True)
        raise


def _write_marker(marker: Path, run_id: str) -> None:
    try:
        marker.write_text(run_id + "\n", encoding="utf-8")
    except OSError as exc:  # a full disk fails on close, without the file's name: give it
        if exc.filename is None:
            exc.filename = str(marker)
        raise


def visible_files(folder: Path) -> list[Path]:
    """The files below `folder`, none hidden or in a hidden folder (as the manifest lists them)."""
    return sorted(p for p in folder.rglob("*") if p.is_file()
                  and not any(part.startswith(".") for part in p.relative_to(folder).parts))


def remove_parts(project: Project) -> None:
    """work/delivery/ is taken into a delivery (or superseded by one): remove it."""
    parts = project.work / workdir.DELIVERY_PARTS
    if parts.is_dir():
        shutil.rmtree(parts)


def is_delivery(folder: Path) -> bool:
    """A folder sid delivered: its manifest.json (written by sid) lists every visible file in it."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        listed = {entry["path"] for entry in manifest["outputs"]} | {"manifest.json"}
        return "sid_version" in manifest and all(
            p.relative_to(folder).as_posix() in listed for p in visible_files(folder))
    except (OSError, ValueError, KeyError, TypeError):
        return False


def _check_replaceable(cleaned: Path) -> None:
    """cleaned/ may be replaced: absent, empty (hidden files aside, e.g. .gitkeep) or a delivery
    sid wrote, and writable throughout (a read-only previous delivery could be swapped out but
    not removed)."""
    if not cleaned.exists():
        return
    if not cleaned.is_dir():
        raise SidError(ErrorCode.NOT_A_FOLDER, "paths.cleaned must be a folder, but this is a file", file=cleaned,
                       fix="Move the file away or set paths.cleaned in sid.toml to a folder.")
    if visible_files(cleaned) and not is_delivery(cleaned):
        raise SidError(ErrorCode.FOLDER_NOT_OURS, "holds files that are not a sid delivery (no manifest.json "
                       "of sid listing them); sid replaces this folder as a whole", file=cleaned,
                       fix="Move those files elsewhere, or set paths.cleaned in sid.toml to a folder of its own.")
    for folder in [cleaned.parent, cleaned, *(p for p in cleaned.rglob("*") if p.is_dir())]:
        if not os.access(folder, os.W_OK | os.X_OK):
            raise SidError(ErrorCode.ACCESS_DENIED, "the previous delivery cannot be replaced: this folder is "
                           "read-only", file=folder,
                           fix="Make it writable (chmod -R u+w) or move it away, then run again; it is unchanged.")
