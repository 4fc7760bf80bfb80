"""`sid report tables`: the delivered .sav read as ABB reads it, every labelled question by each
breakdown, written as work/tabellen.html and .xlsx (and into the delivery by `sid run`)."""

from __future__ import annotations

import ctypes
import os
import pickle
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyreadstat

from pipeline import workdir
from pipeline.delivery.labels import delivery_texts
from pipeline.errors import ErrorCode, SidError
from pipeline.survey.project import Project, TablesSettings
from pipeline.survey.questionnaire import Questionnaire, questionnaire_of
from pipeline.tabulation.render import write_html, write_xlsx
from pipeline.tabulation.tabulate import Question, Tables, tabulate, valid_values


@dataclass(frozen=True)
class TablesResult:
    tables: Tables
    html: Path
    xlsx: Path


def questions_of(meta, questionnaire: Questionnaire, exclude: set[str], other: str = "overige") -> list[Question]:
    """Every nominal or ordinal variable with labelled valid codes; a 0/1 indicator of a
    multiple-choice question only as its 'selected' row. `other`: the module of the variables
    outside any group."""
    form = {v.name: v for v in questionnaire}
    out = []
    for name, label in zip(meta.column_names, meta.column_labels):
        labels = meta.variable_value_labels.get(name, {})
        missing = meta.missing_ranges.get(name, [])
        valid = {float(c): t for c, t in labels.items() if not isinstance(c, str) and not _declared_missing(c, missing)}
        if name in exclude or not valid or meta.variable_measure.get(name) not in ("nominal", "ordinal"):
            continue
        source = next((name[:i] for i in range(len(name), 0, -1) if name[:i] in form), None)
        module = "/".join(form[source].group) if source else ""
        module = module or other  # sample-frame and coded columns outside any group
        if set(valid) == {0.0, 1.0} and source and form[source].type == "select_multiple":
            valid = {1.0: valid[1.0]}
        out.append(Question(name, label or name, module, valid))
    return out


def _declared_missing(code, missing: list) -> bool:
    """Whether a code is one of the declared missing values or ranges (as `valid_values` reads them)."""
    code = float(code)
    return any(float(r["lo"]) <= code <= float(r["hi"]) if isinstance(r, dict) else code == float(r)
               for r in missing)


def run_tables(project: Project, questionnaire: Questionnaire, *, folder: Path | None = None) -> TablesResult:
    """Tables of the delivered .sav (`folder`: the delivery, default cleaned/) into work/, or with
    `folder` given by `sid run`, into that (staged) delivery."""
    settings = project.tables or TablesSettings()
    source = (folder or project.cleaned) / project.sav_path.name
    if not source.is_file():
        raise SidError(ErrorCode.CONFIG_INVALID, f"no delivery to tabulate: {source} does not exist",
                       fix="Run `sid run` (or `sid export`) first.")
    data, meta = pyreadstat.read_sav(str(source), user_missing=True)
    missing = meta.missing_ranges
    breakdowns = {}
    for name in settings.breakdowns:
        labels = meta.variable_value_labels.get(name)
        if name not in data.columns or not labels:
            raise SidError(ErrorCode.CONFIG_INVALID, f"tables.breakdowns: {name!r} is not a labelled variable "
                           f"of {source.name}", file=project.file, fix="Name labelled variables of the delivery.")
        breakdowns[name] = valid_values(data[name], missing.get(name, [])).map(labels)
    texts = delivery_texts(project, questionnaire)  # the language of the .sav's labels
    questions = questions_of(meta, questionnaire, {settings.weight, settings.strata, *settings.breakdowns},
                             texts.text("tab_other_module"))
    valid = pd.DataFrame({q.name: valid_values(data[q.name], missing.get(q.name, [])) for q in questions})
    for column in (settings.weight, settings.strata):
        if column in data.columns:
            valid[column] = data[column]
    tables = tabulate(valid, questions, breakdowns, weight=settings.weight, strata=settings.strata,
                      min_n=settings.min_n)
    target = folder or project.work
    title = texts.text("tab_title", title=meta.file_label or project.title)
    html = write_html(tables, title, target / f"{workdir.TABLES}.html", texts)
    xlsx = write_xlsx(tables, target / f"{workdir.TABLES}.xlsx", texts)
    return TablesResult(tables, html, xlsx)


# --- the tables in a process of their own, beside the export (the second core) ------------------

_SERVE = "import sys; from pipeline.tabulation.stage import serve_tables; serve_tables(int(sys.argv[1]), int(sys.argv[2]))"


@contextmanager
def tables_beside(project: Project, *, concurrent: bool = True) -> Iterator[Callable[[], None]]:
    """The weighted tables of `project`'s delivery (`run_tables(..., folder=project.cleaned)`) made
    in a process of their own while the export goes on. The process starts at once (a fresh
    Python running `serve_tables`: no fork of a process that runs Arrow's threads, and unlike
    multiprocessing's "spawn" it never runs the caller's main script again) and imports what it
    needs; calling the yielded `start()` once the .sav is written sets it to work; leaving the block
    waits for it and raises its error as `run_tables` in this process would have (a SidError with
    the same code and text, an OSError with its errno and file). A process that dies without an
    answer (killed) is replaced by `run_tables` in this process, as is a block left without
    `start()`; a block left on an error kills the process. `concurrent=False`: `run_tables` in this
    process at the end of the block."""
    if not concurrent:
        yield lambda: None
        _run_here(project)
        return
    down_read, down_write = os.pipe()  # the project, to the tables process
    up_read, up_write = os.pipe()  # its answer
    try:
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))  # the modules of this process
        # its stderr is not the user's: an error it meets comes back as its answer; one that kills it
        # (a crash, a broken import) is met again, and reported, by `run_tables` in this process
        process = subprocess.Popen([sys.executable, "-c", _SERVE, str(down_read), str(up_write)],
                                   pass_fds=(down_read, up_write), stdin=subprocess.DEVNULL,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    except BaseException:
        for fd in (down_read, down_write, up_read, up_write):
            os.close(fd)
        raise
    os.close(down_read)
    os.close(up_write)
    with os.fdopen(down_write, "wb") as send, os.fdopen(up_read, "rb") as receive:
        started = []

        def start() -> None:
            if not started:
                try:
                    pickle.dump(project, send)
                    send.flush()
                    started.append(True)
                except Exception:  # noqa: BLE001 - the process is gone: the tables are made here, at the end
                    pass

        try:
            yield start
        except BaseException:
            process.kill()
            process.wait()
            raise
        if not started:
            process.kill()
            process.wait()
            _run_here(project)
            return
        try:
            answer = pickle.load(receive)
        except (EOFError, OSError, pickle.UnpicklingError):  # the process died (killed, out of memory)
            answer = None
        process.wait()
    if answer is None:
        _run_here(project)
    elif answer[0] == "sid":
        raise SidError(answer[1], answer[2], **answer[3])
    elif answer[0] == "error":
        raise answer[1]


def _run_here(project: Project) -> None:
    run_tables(project, questionnaire_of(project), folder=project.cleaned)


def serve_tables(receive_fd: int, send_fd: int) -> None:
    """The tables process (`tables_beside`): reads the staged project from `receive_fd`, makes its
    tables, writes its answer to `send_fd`: ("ok",), ("sid", code, message, where) or ("error",
    exception)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: it kills this process
    _die_with_parent()
    with os.fdopen(receive_fd, "rb") as receive:
        try:
            project = pickle.load(receive)
        except EOFError:  # not needed after all
            return
    try:
        _run_here(project)
        answer: tuple = ("ok",)
    except SidError as exc:
        answer = ("sid", exc.code.value, exc.message, {k: getattr(exc, k) for k in
                                                       ("file", "sheet", "row", "column", "fix")})
    except Exception as exc:  # noqa: BLE001 - handed to the parent as it is, raised there
        try:
            pickle.loads(pickle.dumps(exc))
            answer = ("error", exc)
        except Exception:  # noqa: BLE001 - an exception that cannot cross: its type and text
            answer = ("error", RuntimeError(f"{type(exc).__name__}: {exc}"))
    with os.fdopen(send_fd, "wb") as send:
        pickle.dump(answer, send)


def _die_with_parent() -> None:
    """On Linux, the tables process is killed with its parent (a `kill -9` of sid leaves no
    process writing into a staging folder the next run removes)."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
