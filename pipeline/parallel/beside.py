"""Work done beside the main line of a stage, on a second core: a forked process that sees the data as they
were when it started (the copy-on-write snapshot fork gives), does its part and hands back its result. Used
by ingest (the fieldwork exports, and a wide roster's instances, two at a time, `in_order`; work/ingested.parquet
beside the reports and the next stage),
coding (the variables matched two at a time), cleaning (work/cleaned.parquet beside the logs), `sid run` (the
validation beside weighting, the fieldwork report and the export: rerun/records.py `Plan.beside`) and the export
(the CSV and Parquet copies beside the .sav and the codebooks; the weighted tables once the .sav is in place).

`beside(fn, *args, what=...)` starts `fn(*args)` in a child process and is a context manager; `job.result()`
waits for it and returns its result or raises its exception in this process (with the child's traceback as a
note). When the block raises, the child is killed and reaped before the exception goes on, so nothing of a
failed run goes on writing. The child dies with its parent (Linux's parent-death signal), so a run killed
(kill -9, a power cut) leaves no process behind that holds the project lock or writes into the staging folder.

The child prints nothing of its own (what a library warns goes to stderr through writers of its own) and
never runs the parent's exit handlers (it leaves by `os._exit`). A fault-injection
kill (pipeline/faults, `SID_FAULT_AT`) in the child kills the whole run, as a power cut would.

Where fork is not what the system offers (Windows, macOS), where only one core is usable, or with
`SID_PROCESSES=1`, `fn` runs in this process when its result is asked for: the same files, one after the
other. Fork is safe here because the libraries the children use (pandas, NumPy, Arrow, pyreadstat) register
their own after-fork handlers or hold no threads, and the children touch no terminal display, lock or log."""

from __future__ import annotations

import ctypes
import gc
import os
import pickle
import signal
import struct
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from pipeline import faults, lock

ENV = "SID_PROCESSES"  # 1: everything in one process (no helpers); unset: a helper when two cores are usable


def available() -> bool:
    """Whether work can go to a second process: Linux (fork), two usable cores, not switched off."""
    setting = os.environ.get(ENV, "").strip()
    if setting == "1":
        return False
    if not sys.platform.startswith("linux") or not hasattr(os, "fork"):
        return False
    if setting.isdigit() and int(setting) > 1:
        return True
    return len(os.sched_getaffinity(0)) >= 2


class Job:
    """A call running beside this process (or, without a helper, waiting to be run by `result`)."""

    def __init__(self, fn: Callable, args: tuple, kwargs: dict, what: str) -> None:
        self.what = what
        self._call = (fn, args, kwargs)
        self._pid: int | None = None
        self._reader: threading.Thread | None = None
        self._message: bytearray | None = None
        self._done = False
        self._value: Any = None

    @property
    def running(self) -> bool:
        """Whether a second process runs it (False: `result` will run it here)."""
        return self._pid is not None

    def start(self) -> None:
        read, write = os.pipe()
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:  # the child: never returns into the caller's code
            os.close(read)
            _child(self._call, write, parent)
        os.close(write)
        self._pid, self._call = pid, None  # its arguments are the helper's now (not held here: their memory)
        # Its answer is read as soon as it comes, by a thread of this process: the helper leaves (and its
        # memory with it) when its work is done, not when this process gets round to asking for its result.
        self._reader = threading.Thread(target=self._receive_from, args=(read,), daemon=True,
                                        name=f"sid helper: {self.what}")
        self._reader.start()

    def _receive_from(self, pipe: int) -> None:
        try:
            with os.fdopen(pipe, "rb") as fh:
                self._message = _receive(fh)
        except OSError:  # (the helper killed mid-answer: as no answer)
            self._message = None

    def result(self) -> Any:
        """The call's result (once); its exception is raised here."""
        if self._done:
            return self._value
        self._done = True
        if self._pid is None:  # no helper: run it now, here
            fn, args, kwargs = self._call
            self._call = None
            self._value = fn(*args, **kwargs)
            return self._value
        self._call = None
        self._reader.join()
        message, self._message, self._reader = self._message, None, None
        _, status = os.waitpid(self._pid, 0)
        self._pid = None
        if message is None:  # killed before it could answer (out of memory, kill -9)
            raise RuntimeError(f"the process writing {self.what} stopped without a result ({_status_text(status)}); "
                               f"if it stops again, the machine may be short of memory: {ENV}=1 writes everything "
                               "in one process")
        kind, payload = pickle.loads(message)
        del message
        if kind == "ok":
            self._value = payload
            return payload
        raise _exception(payload)

    def stop(self) -> None:
        """Kill the child (if it runs) and reap it (a child that has answered is a zombie until reaped: its
        pid is not given to another process before that)."""
        if self._pid is not None:
            try:
                os.kill(self._pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(self._pid, 0)
            self._pid = None
        if self._reader is not None:  # the pipe's end: the reader sees it and closes its side
            self._reader.join()
            self._reader, self._message = None, None
        self._done, self._call = True, None


class Later:
    """A stage's result once the job still writing its last work/ outputs has finished: the third item a stage
    gives rerun/records.py's `Plan.run`, which records the stage then. `combine(result, the job's result)` makes
    the stage's result (else it is `result` itself); `soon`: the job is waited for when the next stage's own work
    is done (ingest's frame written to work/ beside cleaning), else when the run's stages are all done (coding's
    worklist beside the rest)."""

    def __init__(self, job: Job, result: Any, combine: Callable | None = None, soon: bool = False) -> None:
        self.job, self.value, self.combine, self.soon = job, result, combine, soon

    def result(self) -> Any:
        done = self.job.result()
        return self.combine(self.value, done) if self.combine is not None else self.value

    def stop(self) -> None:
        self.job.stop()


@contextmanager
def beside(fn: Callable, *args, what: str, **kwargs) -> Iterator[Job]:
    """`fn(*args, **kwargs)` in a forked process while the block runs (see the module's text). Leaving the
    block waits for it (and raises its exception); an exception in the block kills it first."""
    job = Job(fn, args, kwargs, what)
    if available():
        job.start()
    try:
        yield job
    except BaseException:
        job.stop()
        raise
    job.result()


def in_order(fn: Callable, items, *, what: str, announce: Callable | None = None) -> list:
    """`[fn(item) for item in items]`, the items shared between this process and a helper: each takes the next
    item not yet taken (this process the first), so a slow item does not hold up the others. Every item is
    tried, and the exception of the first item that failed is raised, as one process going through them in
    order would raise it. `announce(item)` is called here before this process starts an item (the helper's are
    not announced: it never prints)."""
    items = list(items)
    if len(items) < 2 or not available():
        return [_announced(fn, item, announce) for item in items]
    import multiprocessing  # its shared counter: imported only where two processes share items

    counter = multiprocessing.Value("l", 0)

    def take() -> int:
        with counter.get_lock():
            taken = counter.value
            counter.value = taken + 1
        return taken

    def work(here: bool) -> dict[int, tuple]:
        done = {}
        while (index := take()) < len(items):
            try:
                done[index] = ("ok", _announced(fn, items[index], announce if here else None))
            except Exception as exc:  # noqa: BLE001 - kept for its turn (an interrupt ends everything at once)
                done[index] = ("error", exc if here else _portable(exc))
        return done

    first = take()  # this process starts with the first item, the helper with the second
    with beside(work, False, what=what) as helper:
        try:
            mine = {first: ("ok", _announced(fn, items[first], announce))}
        except Exception as exc:  # noqa: BLE001 - as in work()
            mine = {first: ("error", exc)}
        mine.update(work(True))
        theirs = helper.result()
    out = []
    for index in range(len(items)):
        kind, value = mine[index] if index in mine else theirs[index]
        if kind == "error":
            raise value if index in mine else _exception(value)
        out.append(value)
    return out


def _announced(fn: Callable, item, announce: Callable | None):
    if announce is not None:
        announce(item)
    return fn(item)


def _child(call: tuple, pipe: int, parent: int) -> None:
    """Run the call in the forked child, send ("ok", result) or ("error", exception) and leave."""
    code = 0
    try:
        gc.freeze()  # the parent's objects are never traversed: their pages stay shared
        _die_with(parent)
        faults.helper_of(parent)
        lock.close_held()
        _own_streams()
        fn, args, kwargs = call
        try:
            message = pickle.dumps(("ok", fn(*args, **kwargs)), protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException as exc:  # noqa: BLE001 - everything goes back to the parent
            message = pickle.dumps(("error", _portable(exc)), protocol=pickle.HIGHEST_PROTOCOL)
        with os.fdopen(pipe, "wb") as fh:
            fh.write(_LENGTH.pack(len(message)))
            fh.write(message)
    except BaseException:  # noqa: BLE001 - nothing may run on in the child
        code = 1
    finally:
        for stream in (sys.stdout, sys.stderr):  # what it wrote (warnings), then out without exit handlers
            try:
                stream.flush()
            except Exception:  # noqa: BLE001 - leaving all the same
                pass
        os._exit(code)


_LENGTH = struct.Struct("<Q")  # the message's length, sent first: the parent reads it into one buffer


def _receive(fh) -> bytearray | None:
    """The child's whole message (None when it ended before sending all of it)."""
    head = fh.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        return None
    message = bytearray(_LENGTH.unpack(head)[0])
    view, got = memoryview(message), 0
    while got < len(message):
        n = fh.readinto(view[got:])
        if not n:
            return None
        got += n
    return message


def _own_streams() -> None:
    """New Python writers on the same stdout and stderr: another thread of the parent (the terminal's progress
    display) may have held the old ones' locks at the fork, and a warning written here would wait forever."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        try:
            fd = stream.fileno()
        except (AttributeError, OSError, ValueError):  # a test's capture without a file: nothing to inherit
            continue
        setattr(sys, name, open(os.dup(fd), "w", encoding=getattr(stream, "encoding", None) or "utf-8",
                                errors="backslashreplace", closefd=True))


def _die_with(parent: int) -> None:
    """Ask Linux to kill this process when its parent dies (prctl PR_SET_PDEATHSIG); if the parent has died
    already, die now."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG = 1
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:
        os._exit(1)


def _portable(exc: BaseException) -> tuple:
    """An exception as the parent can rebuild it: pickled whole when that round-trips, else its class, args
    and attributes (SidError's keyword-only arguments do not pickle), with the child's traceback."""
    text = "".join(traceback.format_exception(exc))
    try:
        whole = pickle.dumps(exc, protocol=pickle.HIGHEST_PROTOCOL)
        pickle.loads(whole)
        return "pickled", whole, text
    except Exception:  # noqa: BLE001 - any failure: the other forms
        pass
    try:
        parts = pickle.dumps((type(exc), exc.args, dict(getattr(exc, "__dict__", {}))),
                             protocol=pickle.HIGHEST_PROTOCOL)
        pickle.loads(parts)
        return "parts", parts, text
    except Exception:  # noqa: BLE001
        return "text", f"{type(exc).__name__}: {exc}", text


def _exception(payload: tuple) -> BaseException:
    form, body, text = payload
    if form == "pickled":
        exc = pickle.loads(body)
    elif form == "parts":
        cls, args, attributes = pickle.loads(body)
        exc = cls.__new__(cls)
        exc.args = args
        exc.__dict__.update(attributes)
    else:
        exc = RuntimeError(body)
    exc.add_note("in the helper process:\n" + text)
    return exc


def _status_text(status: int) -> str:
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        return f"killed by signal {number}, {signal.Signals(number).name}"
    return f"exit status {os.waitstatus_to_exitcode(status)}"
