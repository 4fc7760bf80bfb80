"""Fault injection for the robustness tests: `SID_FAULT_AT=<checkpoint>` makes the process kill
itself with SIGKILL when it reaches that checkpoint, as a power cut or `kill -9` would.

Checkpoints are named after the stage that has just finished (e.g. "ingest", "export") or a file
written but not yet renamed into place ("write:<file name>", in pipeline/files.atomic_path).
`SID_FAULT_TRACE=<file>` appends the name of every checkpoint reached to that file, so the tests
find every checkpoint (new stages included) by running once. Unset (always, outside tests), a
checkpoint costs two dict lookups."""

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
