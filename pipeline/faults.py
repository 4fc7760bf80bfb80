"""Fault injection for the robustness tests: `SID_FAULT_AT=<checkpoint>` makes the process kill
itself with SIGKILL when it reaches that checkpoint, as a power cut or `kill -9` would.

Checkpoints are named after the stage that has just finished (e.g. "ingest", "export") or a file
written but not yet renamed into place ("write:<file name>", in pipeline/files.atomic_path).
`SID_FAULT_TRACE=<file>` appends the name of every checkpoint reached to that file, so the tests
find every checkpoint (new stages included) by running once. `SID_FAULT_FILL=<checkpoint>` with
`SID_FAULT_FILLER=<file>` fills the disk instead (writes that file until the device is full), so
the writes after that checkpoint meet a full disk. Unset (always, outside tests), a checkpoint
costs three dict lookups."""

from __future__ import annotations

import os
import signal


def checkpoint(name: str) -> None:
    trace = os.environ.get("SID_FAULT_TRACE")
    if trace:
        with open(trace, "a", encoding="utf-8") as fh:
            fh.write(name + "\n")
    if os.environ.get("SID_FAULT_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
    if os.environ.get("SID_FAULT_FILL") == name:
        _fill(os.environ["SID_FAULT_FILLER"])


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
