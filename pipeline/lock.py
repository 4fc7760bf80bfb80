"""One writing command per project at a time: an fcntl lock on work/.sid.lock that names its holder.

The kernel releases the lock when its holder ends, however it ends (kill -9 included), so a lock is
never left behind; the holder's pid and start time stay in the file only when it did not end
normally, and the next command takes over with a note. Commands that only read (`sid form`,
`sid verify`, `sid report fieldwork`) take no lock.
"""

from __future__ import annotations

import fcntl
import os
import secrets
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Iterator

from pipeline.errors import ErrorCode, SidError
from pipeline.faults import checkpoint

LOCK_FILE = ".sid.lock"
_HELD: set[int] = set()  # the file descriptors of the locks this process holds


def close_held() -> None:
    """In a forked helper (pipeline/parallel/beside.py): close its copies of the parent's lock files, so that
    the lock is the parent's alone and ends with it, whatever becomes of the helper."""
    for fd in list(_HELD):
        try:
            os.close(fd)
        except OSError:
            pass
    _HELD.clear()


@dataclass(frozen=True)
class RunLock:
    """The lock held by this command: its run id (which names its staging folder) and, when it
    took over from a command that died holding the project, a note saying so."""

    run_id: str
    path: Path
    note: str | None = None


def new_run_id() -> str:
    """Unique per run: the start time, the pid and random bits (two runs in one second differ)."""
    return f"{datetime.now():%Y%m%dT%H%M%S}-{os.getpid()}-{secrets.token_hex(4)}"


def ensure_folder(path: Path, key: str) -> None:
    """Make the folder `path` (the sid.toml key `key` names it); a file in its place is an error."""
    if path.exists() and not path.is_dir():
        raise SidError(ErrorCode.NOT_A_FOLDER, f"{key} must be a folder, but this is a file", file=path,
                       fix=f"Move the file away or set {key} in sid.toml to a folder.")
    path.mkdir(parents=True, exist_ok=True)


@contextmanager
def project_lock(work: Path) -> Iterator[RunLock]:
    """Hold the project's write lock (in the folder `work`) for the duration of the block."""
    ensure_folder(work, "paths.work")
    path = work / LOCK_FILE
    if path.is_dir():
        raise SidError(ErrorCode.NOT_A_FOLDER, "the lock file is a folder", file=path,
                       fix="Remove that folder and run again.")
    with open(path, "a+", encoding="utf-8") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid, started = _holder(fh)
            for _ in range(20):  # the holder writes its pid right after taking the lock
                if pid != "?":
                    break
                time.sleep(0.05)
                pid, started = _holder(fh)
            raise SidError(ErrorCode.PROJECT_BUSY,
                           f"another sid run (pid {pid}, started {started}) is writing this project",
                           file=path, fix="Wait until it has finished, then run again.") from None
        pid, started = _holder(fh)
        note = None
        if pid != "?":  # left by a command that ended without releasing (killed, power cut)
            note = (f"took over the lock of an earlier sid run (pid {pid}, started {started}) that ended "
                    "without finishing; its unfinished files are discarded")
        run_id = new_run_id()
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid={os.getpid()}\nstarted={datetime.now():%Y-%m-%d %H:%M:%S}\nrun={run_id}\n")
        fh.flush()
        checkpoint("locked")
        _HELD.add(fh.fileno())
        try:
            yield RunLock(run_id, path, note)
        finally:
            _HELD.discard(fh.fileno())
            fh.seek(0)
            fh.truncate()  # ended normally: nothing to take over
            fh.flush()
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def _holder(fh) -> tuple[str, str]:
    """The pid and start time written by the lock's holder ("?" when the file is empty)."""
    fh.seek(0)
    fields = dict(line.split("=", 1) for line in fh.read().splitlines() if "=" in line)
    return fields.get("pid", "?"), fields.get("started", "?")
