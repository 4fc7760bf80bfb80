"""work/stages/<stage>.json: what a stage's run left (its fingerprint, the fingerprints it read
from, every output in work/ and every part of the delivery with its SHA-256) and <stage>.pickle:
its result for the terminal. A stage is reused only when its record's fingerprint is the one its
inputs have now and every recorded file is still there with the recorded checksum; a missing,
unreadable or damaged record, output or part means the stage runs again."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field, fields, is_dataclass, replace
from pathlib import Path
from typing import Any, Iterator

from pipeline import workdir
from pipeline.faults import checkpoint
from pipeline.files import atomic_path, write_text_atomic
from pipeline.parallel.beside import Job, available
from pipeline.rerun import digests
from pipeline.rerun.fingerprint import STAGES, fingerprints, own_digest, stage_print, upstream
from pipeline.rerun.pickled import Pickler as _Pickler
from pipeline.rerun.pickled import _proxy  # noqa: F401  (named here by records written before pickled.py)
from pipeline.survey.project import Project

RECORDS = digests.RECORDS  # work/stages/
FORMAT = 1  # of a record; a change of what is recorded bumps it


@dataclass
class Plan:
    """The stages of one `sid run`: their fingerprints now, and (unless `fresh`) which are reused."""

    project: Project
    stages: tuple[str, ...]
    fresh: bool = False
    expressions: tuple[str, ...] = ()  # the form's (fingerprint.form_expressions): whether the day is an input
    prints: dict[str, str] = field(default_factory=dict)
    later: list = field(default_factory=list)  # (stage, job, record) of the stages recorded when their job ends

    def __post_init__(self) -> None:
        self.prints = fingerprints(self.project, self.stages, self.expressions)
        digests.save(digests.cache_folder(self.project.work))  # the inputs' digests, for the next run

    def reused(self, name: str, staged: Project) -> Any | None:
        """The stage's recorded result when it can be reused (its delivery parts are then copied
        into the staged delivery), else None."""
        record = self._matching(name)
        if record is None:
            return None
        sources = _parts_sources(self.project, record)
        intact = sources is not None and outputs_intact(self.project, record)
        result = _load_result(self.project, record) if intact else None
        digests.save(digests.cache_folder(self.project.work))  # what was checked, for the next run
        if result is None:
            return None
        for relative, source in sources.items():
            target = staged.cleaned / relative
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)
            except OSError as exc:  # a full disk: name the file (the copy does not)
                if exc.filename is None:
                    exc.filename = str(target)
                raise
        return result

    def run(self, name: str, call: Callable[[], tuple], staged: Project) -> tuple[Any, Any, bool]:
        """(frame, result, reused): the recorded result (the frame None: the caller reads it from
        work/ when it needs it), or `call`'s (frame, result), recorded; the stage's checkpoint after.
        `call` may give a third item, a job (parallel/beside.py `Later`) still writing the stage's last work/
        outputs: the stage is recorded, with the job's result, once the next stage to run has done its work
        (a `soon` job: ingest's frame) or when the plan's block ends (`with plan:`: coding's worklist), and
        the job stopped if the block fails."""
        result = self.reused(name, staged)
        if result is not None:
            checkpoint(name)
            return None, result, True
        ups = {u: self.prints.get(u, "absent") for u in upstream(self.project, name)}
        with recording(self.project, name, staged.cleaned, self.prints[name], ups) as held:
            frame, result, *later = call()
            self._settle(soon=True)  # the stage before, whose writer ran beside this one: recorded before it
            held["result"], held["later"] = result, later
        if later:
            self.later.append((name, later[0], held["record"]))
        else:
            checkpoint(name)
        return frame, result, False

    def __enter__(self) -> Plan:
        return self

    def __exit__(self, kind, value, traceback) -> None:
        """The stages whose last outputs were still being written are recorded once they are; when the block
        failed, or one of them fails, the others' jobs are stopped (nothing goes on writing into work/)."""
        try:
            if kind is None:
                self._settle(soon=False)
        finally:
            later, self.later = self.later, []
            for _, job, _ in later:
                job.stop()

    def _settle(self, soon: bool) -> None:
        """Wait for the pending stages' jobs and record the stages, in order (`soon`: only as far as the jobs
        that are to be waited for once the next stage's work is done)."""
        while self.later and (not soon or getattr(self.later[0][1], "soon", False)):
            name, job, record = self.later.pop(0)
            record(job.result())
            checkpoint(name)

    @contextmanager
    def beside(self, name: str, call: Callable[[Project], tuple], staged: Project, what: str) -> Iterator[Callable]:
        """The stage `name` run beside the block (pipeline/parallel/beside.py): the block gets a function that
        gives (frame, result, reused, seconds) as `run` would, plus the stage's own seconds. `call(project)`
        is given the staged project with its delivery parts pointed at a hidden folder of the staging
        (`.<name>/`): they are moved into the delivery, and the stage recorded, when its result is asked for,
        so that the stages that run meanwhile record only their own parts. A reused stage, and every stage
        where no helper runs (one core, SID_PROCESSES=1), is run and recorded here and now, as `run` would."""
        started = time.perf_counter()
        if not available() or self.reused_print(name):
            frame, result, reused = self.run(name, lambda: call(staged), staged)
            seconds = time.perf_counter() - started
            yield lambda: (frame, result, reused, seconds)
            return
        (self.project.work / RECORDS / f"{name}.json").unlink(missing_ok=True)  # a stage under way is never reused
        hidden = staged.cleaned / f".{name}"
        hidden.mkdir()
        job = Job(_timed, (call, replace(staged, cleaned=hidden)), {}, what)
        job.start()

        def finish() -> tuple[Any, Any, bool, float]:
            ups = {u: self.prints.get(u, "absent") for u in upstream(self.project, name)}
            with recording(self.project, name, staged.cleaned, self.prints[name], ups) as held:
                (frame, result), seconds = job.result()
                for path in sorted(hidden.rglob("*"), key=lambda p: len(p.parts)):  # folders before their files
                    target = staged.cleaned / path.relative_to(hidden)
                    if path.is_dir():
                        target.mkdir(exist_ok=True)
                    else:
                        os.replace(path, target)
                shutil.rmtree(hidden)
                held["result"] = result
            checkpoint(name)
            return frame, result, False, seconds

        try:
            yield finish
        except BaseException:
            job.stop()
            raise
        job.result()  # (the block asked for it, or its exception is raised here)

    def reused_print(self, name: str) -> bool:
        """Whether the stage's record matches its fingerprint now (`reused` then decides, checking its files)."""
        return self._matching(name) is not None

    def _matching(self, name: str) -> dict | None:
        """The stage's record when it matches the stage's fingerprint now (and the run is not `fresh`)."""
        if self.fresh:
            return None
        record = read_record(self.project, name)
        return record if record is not None and record.get("fingerprint") == self.prints[name] else None


def _timed(call: Callable[[Project], tuple], project: Project) -> tuple[tuple, float]:
    started = time.perf_counter()
    return call(project), time.perf_counter() - started


def stages_of(project: Project) -> tuple[str, ...]:
    """The stages `sid run` runs for this project, in order."""
    return ("ingest", *(("code",) if project.coding is not None else ()), "clean", "validate",
            *(("weight",) if project.weight is not None else ()), *(("report",) if project.fieldwork is not None else ()),
            "export")


@contextmanager
def recording(project: Project, name: str, parts: Path, fingerprint: str | None = None,
              ups: dict[str, str] | None = None) -> Iterator[dict]:
    """Record the stage `name` run inside the block; `parts`: the folder its delivery parts go to.
    Without `fingerprint` (a stage run alone) the fingerprint is made from the records of the
    stages it read from, i.e. from what it actually read."""
    folder = project.work / RECORDS
    (folder / f"{name}.json").unlink(missing_ok=True)  # a stage under way is never reused
    before = _listing(parts)
    held: dict = {}
    yield held
    if ups is None:
        ups = {}
        for u in upstream(project, name):
            record = read_record(project, u)
            ups[u] = record.get("fingerprint", "absent") if record else "absent"
    if fingerprint is None:
        fingerprint = stage_print(name, own_digest(project, STAGES[name]), ups)
    after = _listing(parts)
    delivered = {rel: _digest(project, parts / rel) for rel, stat in after.items() if before.get(rel) != stat}

    def record(result: Any) -> None:
        folder.mkdir(exist_ok=True)
        pickled = folder / f"{name}.pickle"
        with atomic_path(pickled) as tmp:
            with open(tmp, "wb") as fh:
                _Pickler(fh, protocol=pickle.HIGHEST_PROTOCOL).dump(_kept(result))
        outputs = {rel: _digest(project, project.work / rel) for rel in _outputs(project, name)}
        entry = {"format": FORMAT, "stage": name, "fingerprint": fingerprint, "upstream": ups,
                 "outputs": outputs, "parts": delivered, "result": _digest(project, pickled)}
        write_text_atomic(folder / f"{name}.json", json.dumps(entry, indent=1, sort_keys=True) + "\n")

    if held.get("later"):  # its last work/ outputs are still being written: recorded when they are (`record`)
        held["record"] = record
    else:
        record(held.get("result"))


def _kept(result: Any) -> Any:
    """What a record keeps of a result for a rerun's summary: not the export's frame and dictionary."""
    if is_dataclass(result) and {"data", "dictionary"} <= {f.name for f in fields(result)}:
        return replace(result, data=None, dictionary=None)
    return result


def read_record(project: Project, name: str) -> dict | None:
    path = project.work / RECORDS / f"{name}.json"
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("format") != FORMAT or record.get("stage") != name:
        return None
    if not all(isinstance(record.get(k), dict) for k in ("upstream", "outputs", "parts")):
        return None
    return record


def outputs_intact(project: Project, record: dict) -> bool:
    """Every output the record lists is there with its checksum, and no other file matches the
    stage's globs (e.g. a roster an earlier run ingested and this one did not)."""
    present = set(_outputs(project, record["stage"]))
    if present != set(record["outputs"]):
        return False
    return all(_same(project, project.work / rel, digest) for rel, digest in record["outputs"].items())


def current(project: Project, preferred: str, fallback: str) -> str | None:
    """Of two stages where `preferred` reads `fallback`'s output (code after ingest, weight after
    clean): `preferred` when its record was made from `fallback`'s recorded run and its outputs are
    intact, `fallback` when there are records and that is not so, None without any record (a work/
    from before the records: the caller decides)."""
    mine, theirs = read_record(project, preferred), read_record(project, fallback)
    if mine is None and theirs is None:
        return None
    if (mine is not None and theirs is not None and mine["upstream"].get(fallback) == theirs.get("fingerprint")
            and outputs_intact(project, mine)):
        return preferred
    return fallback


def _outputs(project: Project, name: str) -> list[str]:
    found = set()
    for pattern in STAGES[name].outputs:
        found.update(p.relative_to(project.work).as_posix() for p in project.work.glob(pattern)
                     if p.is_file() and not p.name.startswith("."))
    return sorted(found)


def _parts_sources(project: Project, record: dict) -> dict[str, Path] | None:
    """Where each recorded delivery part is found intact: the delivery in cleaned/, or work/delivery/
    (a stage run alone); None when one is in neither."""
    found = {}
    for relative, digest in record["parts"].items():
        for folder in (project.cleaned, project.work / workdir.DELIVERY_PARTS):
            if _same(project, folder / relative, digest):
                found[relative] = folder / relative
                break
        else:
            return None
    return found


def _load_result(project: Project, record: dict) -> Any | None:
    path = project.work / RECORDS / f"{record['stage']}.pickle"
    if not _same(project, path, record.get("result")):
        return None
    try:  # written by sid itself (checksum above), in the project's private work/
        with open(path, "rb") as fh:
            return pickle.load(fh)
    except Exception:  # noqa: BLE001 - any unreadable result: the stage runs again
        return None


def _same(project: Project, path: Path, digest: str | None) -> bool:
    return digest is not None and path.is_file() and _digest(project, path) == digest


def _digest(project: Project, path: Path) -> str:
    """The file's SHA-256, read again unless it is as it was when read before (rerun/digests.py): a file
    of work/ or of the delivery, which this run writes."""
    return digests.digest(path, digests.cache_folder(project.work), owned=True)


def _listing(folder: Path) -> dict[str, tuple[int, int]]:
    if not folder.is_dir():
        return {}
    return {p.relative_to(folder).as_posix(): (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*")
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)}


ARTIFACTS = {"ingest": workdir.INGESTED, "code": workdir.CODED, "clean": workdir.CLEANED,
             "weight": workdir.WEIGHTED}  # the frame each stage hands to the next


def current_artifact(project: Project, preferred: str, fallback: str) -> str:
    """The frame a stage run alone reads: `preferred`'s (e.g. weighted.parquet) when it was made
    from `fallback`'s current output, else `fallback`'s; without records (a work/ from before
    them) the one written last."""
    chosen = current(project, preferred, fallback)
    if chosen is None:
        return workdir.newest(project, ARTIFACTS[preferred], ARTIFACTS[fallback])
    return ARTIFACTS[chosen]


def run_alone(project: Project, name: str, call: Callable[[Project], tuple]) -> tuple:
    """`sid ingest`, `sid code`, `sid clean`, `sid weight`: `call` run on the project as a single
    stage sees it (stage_alone), recorded like a stage of `sid run` (pipeline/rerun), so that the
    next command reads the artifacts that belong together and `sid run` reuses what still holds."""
    alone = stage_alone(project)
    with recording(project, name, alone.cleaned) as held:
        out = call(alone)
        held["result"] = out[1]
    return out


def stage_alone(project: Project) -> Project:
    """The project as a single stage run alone sees it: the parts it would deliver (validation
    summary, cleaning log, weight diagnostics) go to work/delivery/, never into cleaned/."""
    return replace(project, cleaned=project.work / workdir.DELIVERY_PARTS)
