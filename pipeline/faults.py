"""Fault injection for the robustness tests: `SID_FAULT_AT=<checkpoint>` makes the process kill
itself with SIGKILL when it reaches that checkpoint, as a power cut or `kill -9` would.

Checkpoints are named after the stage that has just finished (e.g. "ingest", "export") or a write
in progress ("sav.tmp"). Unset (always, outside tests), a checkpoint costs one dict lookup."""

from __future__ import annotations

import os
import signal


def checkpoint(name: str) -> None:
    if os.environ.get("SID_FAULT_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
