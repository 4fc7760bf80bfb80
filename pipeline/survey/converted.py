"""The questionnaire as pyxform converted it, kept by checksum: once per process, and in work/
between commands (pyxform takes most of a second to read and convert a survey-sized form; every
command needs the form). The key is the form's SHA-256 with pyxform's version, so a changed form
(or another pyxform) is converted again; the cache holds only what pyxform returned for the form,
never anything derived from other files (choice files are read each time)."""

from __future__ import annotations

import hashlib
import json
from importlib.metadata import version
from pathlib import Path
from typing import Any

from pipeline.files import write_cache

FORMAT = 2  # of the cached file; a change of what is kept bumps it
_IN_PROCESS: dict[str, str] = {}  # key → the converted form as JSON (parsed afresh per load: no shared mutable state)


def form_key(path: Path) -> str:
    """The cache key of a form file: its bytes' SHA-256, pyxform's version and this cache's format."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return f"{digest}:pyxform-{version('pyxform')}:{FORMAT}"  # its version without importing it (~0.5 s)


def cached_form(key: str, cache: Path | None) -> dict[str, Any] | None:
    """The converted form for `key`, from this process or from the `cache` file; None when neither
    holds it (or the file is unreadable, or for another key)."""
    text = _IN_PROCESS.get(key)
    if text is None and cache is not None and cache.is_file():
        try:
            stored = json.loads(cache.read_text(encoding="utf-8"))
        except (OSError, ValueError):  # damaged or half-copied: convert again
            return None
        if not isinstance(stored, dict) or stored.get("key") != key or not isinstance(stored.get("form"), dict):
            return None
        text = json.dumps(stored["form"])
        _IN_PROCESS[key] = text
    return json.loads(text) if text is not None else None


def keep_form(key: str, form: dict[str, Any], cache: Path | None) -> None:
    """Remember the converted form for this process and, when the cache's folder exists (work/ of a
    project that has run a writing command), in the cache file (atomically). A form whose conversion
    does not survive JSON unchanged is not cached."""
    text = json.dumps(form)
    if json.loads(text) != form:
        return
    _IN_PROCESS[key] = text
    if cache is not None:
        write_cache(cache, json.dumps({"key": key, "form": form}).encode("utf-8"))
