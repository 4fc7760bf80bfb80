"""Fault injection for the robustness tests: `SID_FAULT_AT=<checkpoint>` makes the process kill
itself with SIGKILL when it reaches that checkpoint, as a power cut or `kill -9` would.

Checkpoints are named after the stage that has just finished (e.g. "ingest", "export") or a file
written but not yet renamed into place ("write:<file name>", in pipeline/files.atomic_path).
`SID_FAULT_TRACE=<file>` appends the name of every checkpoint reached to that file, so the tests
find every checkpoint (new stages included) by running once. `SID_FAULT_FILL=<checkpoint>` with
`SID_FAULT_FILLER=<file>` fills the disk instead (writes that file until the device is full), so
the writes after that checkpoint meet a full disk. `SID_FAULT_HOLD=<checkpoint>` with
`SID_FAULT_RELEASE=<file>` makes the process wait there until that file exists (so a test can
hold a run at a known point, e.g. "locked", while others start). Unset (always, outside tests),
a checkpoint costs four dict lookups."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

HOLD_LIMIT_S = 600  # a held run never waits longer than this, whatever the test does


def checkpoint(name: str) -> None:
    trace = os.environ.get("SID_FAULT_TRACE")
    if trace:
        with open(trace, "a", encoding="utf-8") as fh:
            fh.write(name + "\n")
    if os.environ.get("SID_FAULT_AT") == name:
        if _PARENT is not None:  # a helper: the whole run dies, as in a power cut
            os.kill(_PARENT, signal.SIGKILL)
        os.kill(os.getpid(), signal.SIGKILL)
    if os.environ.get("SID_FAULT_FILL") == name:
        _fill(os.environ["SID_FAULT_FILLER"])
    if os.environ.get("SID_FAULT_HOLD") == name:
        _hold(Path(os.environ["SID_FAULT_RELEASE"]))


def _hold(release: Path) -> None:
    """Wait until the file `release` exists (at most HOLD_LIMIT_S)."""
    deadline = time.monotonic() + HOLD_LIMIT_S
    while not release.exists() and time.monotonic() < deadline:
        time.sleep(0.05)


def _fill(path: str) -> None:
    """Write `path` until the device holds no more (ENOSPC), and leave it there."""
    block = b"\0" * (1 << 16)
    with open(path, "ab", buffering=0) as fh:
        try:
            while True:
                fh.write(block)
        except OSError:
            pass
        try:  # the last partial block
            while True:
                fh.write(b"\0" * 512)
        except OSError:
            pass


_PARENT: int | None = None  # in a helper process (pipeline/parallel/beside.py): the run's process


def helper_of(parent: int) -> None:
    """This process is a helper of the run `parent`: a fault-injection kill here kills the run too."""
    global _PARENT
    _PARENT = parent
