"""The SHA-256 of the files every `sid run` checks (raw exports, the form, rules; each stage's recorded
outputs, delivered parts and results), kept between runs in work/stages/digests.json with what the
file system says of each file: size, modification and change times (ns) and inode. A file is read
again whenever one of these differs: writing to a file, replacing or touching it changes its change
time, which no program can set back. A digest is only kept when the file had not changed for
`SETTLED` seconds when it was read, so a file rewritten within the file system's time resolution (with
the same size) is never taken for the one read before (git's "racily clean" rule).

A file this run writes itself (`owned`: work/ and the staged delivery, under the project's lock) is read
once in this process even when it had just changed: nothing but this run writes it, and this run writes
each file to a new one renamed into place (a new inode), so its stamp changes whenever it does. Such a
digest is kept for this process only (not in digests.json): the stage records, the DDI and the manifest
of one run read a new .sav or log once, not three times."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from pipeline.files import sha256, write_text_atomic

RECORDS = "stages"  # work/stages/: the stages' records (records.py) and this cache
CACHE = "digests.json"
FORMAT = 1
SETTLED = 2.0  # seconds: a file changed more recently than this when read is read again next time

_caches: dict[str, dict[str, tuple[list[int], str]]] = {}  # per cache folder: absolute path → (stat, digest)
_dirty: set[str] = set()  # the cache folders with digests not yet written
_owned: dict[str, tuple[list[int], str]] = {}  # absolute path → (stat, digest) of files this run wrote, read unsettled


def cache_folder(work: Path) -> Path:
    """Where the digests of a project are kept: beside the stages' records."""
    return work / RECORDS


def _stamp(stat: os.stat_result) -> list[int]:
    return [stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino]


def digest(path: Path, folder: Path, owned: bool = False) -> str:
    """The SHA-256 of the file `path` (an OSError if it cannot be read), from the cache in `folder`
    (work/stages/) when the file is as it was when last read; `owned`: a file this run writes (see above)."""
    known = _cache(folder)
    key = os.path.abspath(path)
    stat = os.stat(key)
    stamp = _stamp(stat)
    hit = known.get(key) or (_owned.get(key) if owned else None)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    value = sha256(Path(key))
    if time.time_ns() - max(stat.st_mtime_ns, stat.st_ctime_ns) > SETTLED * 1e9:
        known[key] = (stamp, value)
        _dirty.add(os.path.abspath(folder))
    else:
        known.pop(key, None)
        if owned:
            _owned[key] = (stamp, value)
    return value


def _cache(folder: Path) -> dict[str, tuple[list[int], str]]:
    name = os.path.abspath(folder)
    if name in _caches:
        return _caches[name]
    known = _caches[name] = {}
    try:
        held = json.loads((folder / CACHE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return known
    if not isinstance(held, dict) or held.get("format") != FORMAT or not isinstance(held.get("files"), dict):
        return known
    for key, entry in held["files"].items():
        if (isinstance(entry, list) and len(entry) == 2 and isinstance(entry[1], str) and isinstance(entry[0], list)
                and len(entry[0]) == 4 and all(isinstance(n, int) for n in entry[0])):
            known[key] = (entry[0], entry[1])
    return known


def save(folder: Path) -> None:
    """Write what is known to `folder`/digests.json (when it exists and anything was added): only the
    files that are still there as they were read."""
    name = os.path.abspath(folder)
    if name not in _dirty or not folder.is_dir():
        return
    kept = {}
    for key, (stamp, value) in _caches[name].items():
        try:
            if _stamp(os.stat(key)) == stamp:
                kept[key] = [stamp, value]
        except OSError:
            continue
    write_text_atomic(folder / CACHE, json.dumps({"format": FORMAT, "files": kept}, sort_keys=True) + "\n")
    _dirty.discard(name)
