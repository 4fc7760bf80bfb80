"""Benchmark: the whole `sid run` against the I/O floor and against GNU PSPP, at survey scale.

    python benchmarks/bench_run.py                       # 10,000×150, 100,000×150, 100,000×500, 1,000,000×150
    python benchmarks/bench_run.py --sizes 100000x500 demo
    python benchmarks/bench_run.py --sizes 100000x500 --compare /path/to/checkout-before   # before/after

For each size N×K it builds a survey project in a temporary folder: a form of K questions (5-point
grids, some routed, integers with ranges, a few open texts), N completed interviews generated from
the form (pipeline.demo.answers), split over a web export (CSV, 70 %) and a face-to-face export (.sav,
30 %). `demo` is the bundled demo project (the survey's own size). Then, in ONE child process per
size and checkout (so that peak memory is that process's own):

* the whole `sid run` (pipeline.run.run_all: ingest → code → clean → validate → weight → export,
  manifest, atomic delivery), with the time of every stage taken from its progress steps, wall and
  CPU seconds (with the helper processes it forks beside the export), and its peak resident memory
  (RSS, sampled every 20 ms, plus the private memory of its helpers while they run; also the peak
  within each stage, so that the stage to cut is named), measured first;
* the I/O floor: reading the same raw files with plain pandas / pyreadstat, and writing the final
  delivered frame with a bare ``pyreadstat.write_sav`` call (no labels, no checks);
* the PSPP peer (benchmarks/pspp_peer.py, generated sizes only): the core of the job as PSPP
  syntax generated from the same form, run with `pspp` on the same raw files; its peak RSS from
  GNU time;
* the in-memory size of the final frame (the delivered .sav read back).

`--compare CHECKOUT` runs that checkout's pipeline too, on a fresh copy of the same project, in the
same session: before and after side by side. It prints one Markdown table (docs/performance.md):
run/floor, run/PSPP (wall, and in brackets CPU seconds against CPU seconds) and RSS/frame per size. Ratios are measured in the same process on the same
machine, so they are meaningful on a shared, noisy machine where seconds are not.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

KEY = "resp_id"
SIZES = ("10000x150", "100000x150", "100000x500", "1000000x150")


# ---------------------------------------------------------------- building the project (parent)

def wide_form(path: Path, variables: int, texts: bool = True) -> Path:
    """K questions: grids of 5-point items (every 10th routed on a filter), integers with a range,
    and (with `texts`) one open text per 50 questions."""
    from conftest import c, q, write_xlsform

    survey = [q("text", KEY, "Respondentnummer", required="yes"), {"type": "start", "name": "start"},
              {"type": "end", "name": "end"}, q("select_one jn", "filter", "Filter", required="yes")]
    for i in range(variables - 4):
        if texts and i % 50 == 49:
            survey.append(q("text", f"t{i}", f"Open vraag {i}"))
        elif i % 5 == 4:
            survey.append(q("integer", f"n{i}", f"Getal {i}", constraint=". >= 0 and . <= 100", required="yes"))
        else:
            survey.append(q("select_one s", f"v{i}", f"Vraag {i}", required="yes", measure="ordinal",
                            relevant="${filter} = 1" if i % 10 == 0 else None))
    choices = [c("jn", "1", "ja"), c("jn", "0", "nee")] + [c("s", str(k), str(k)) for k in range(1, 6)] + [
        c("s", "-1", "weet niet")]
    return write_xlsform(path, survey, choices)


def build_project(root: Path, rows: int, variables: int) -> dict:
    import numpy as np
    import pyreadstat

    from pipeline.demo.answers import demo_responses
    from pipeline.survey.questionnaire import load_questionnaire

    (root / "schemas").mkdir(parents=True)
    (root / "raw").mkdir()
    form = load_questionnaire(wide_form(root / "schemas" / "questionnaire.xlsx", variables))
    frame = demo_responses(form, respondents=rows, seed=1, key=KEY)
    web = np.random.default_rng(2).random(rows) < 0.7
    frame.loc[web].to_csv(root / "raw" / "web.csv", index=False, date_format="%Y-%m-%dT%H:%M:%S")
    capi = frame.loc[~web].copy()
    for col in ("start", "end"):
        capi[col] = capi[col].astype("datetime64[ns]")
    pyreadstat.write_sav(capi, str(root / "raw" / "capi.sav"))
    (root / "sid.toml").write_text(f"""
[survey]
name = "bench"
title = "Benchmark {rows}x{variables}"
form = "schemas/questionnaire.xlsx"
language = "nl"
key = "{KEY}"

[[sources]]
name = "web"
path = "raw/web.csv"
mode = "web"

[[sources]]
name = "capi"
path = "raw/capi.sav"
mode = "capi"

[privacy]
key_env = "SID_BENCH_KEY"
""", encoding="utf-8")
    return {"raw_bytes": sum(p.stat().st_size for p in (root / "raw").iterdir())}


# ---------------------------------------------------------------- measuring (child process)

class PeakRSS:
    """Peak resident memory of this process while a block runs (sampled from /proc every 20 ms), with the
    memory of the helper processes it forks (pipeline/parallel/beside.py) while they run: each child's
    private pages (smaps_rollup's Private_Clean + Private_Dirty; the pages it shares with this process are
    counted once, in this process's RSS)."""

    def __init__(self) -> None:
        self.peak = 0
        self.samples: list[tuple[float, int]] = []  # (perf_counter, RSS): each stage's own peak
        self._stop = threading.Event()

    @staticmethod
    def now() -> int:
        try:
            with open("/proc/self/statm") as fh:
                own = int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except OSError:  # not Linux: ru_maxrss is the best we have
            import resource

            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        return own + sum(PeakRSS._private(pid) for pid in PeakRSS._children())

    @staticmethod
    def _children() -> list[str]:
        pids = []
        for task in Path("/proc/self/task").iterdir():
            try:
                pids += (task / "children").read_text().split()
            except OSError:
                pass
        return pids

    @staticmethod
    def _private(pid: str) -> int:
        """A child's private resident bytes (0 when it has gone)."""
        try:
            text = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            return 0
        return sum(int(line.split()[1]) * 1024 for line in text.splitlines()
                   if line.startswith(("Private_Clean:", "Private_Dirty:")))

    def __enter__(self):
        self.peak = self.now()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            rss = self.now()
            self.samples.append((time.perf_counter(), rss))
            self.peak = max(self.peak, rss)

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.now())


def measure(root: Path, peer: bool = True) -> dict:
    import gc

    import pyreadstat

    from pipeline.run import run_all
    from pipeline.survey.project import load_project

    os.environ.setdefault("SID_BENCH_KEY", "benchmark-key-not-secret")
    os.environ.setdefault("SID_PSEUDONYM_KEY", "benchmark-key-not-secret")  # the demo's sid.toml
    project = load_project(root)
    out: dict = {}

    # The whole run, stage by stage from the progress steps; first, so that its peak RSS is its own.
    marks: list[tuple[str, float]] = []

    def progress(step: str, *_) -> None:
        marks.append((step, time.perf_counter()))

    with PeakRSS() as mem:
        t0, c0, k0 = time.perf_counter(), time.process_time(), _children_cpu()
        result = run_all(project, progress)
        total = time.perf_counter() - t0
    # CPU: this process and the helpers it forked (the export's copies, pipeline/parallel/beside.py)
    out["run"], out["run_cpu"] = total, time.process_time() - c0 + _children_cpu() - k0
    out["run_rss"] = mem.peak
    out["exit_code"] = result.exit_code
    out["stages"] = _stages(marks, t0, t0 + total)
    out["stage_rss"] = _stage_peaks(marks, t0, mem.samples)
    del result
    gc.collect()

    # The I/O floor: read the raw files plainly, write the final frame bare.
    with PeakRSS() as mem:
        t, c = time.perf_counter(), time.process_time()
        raw = read_raw(project)
        out["floor_read"], out["floor_read_cpu"] = time.perf_counter() - t, time.process_time() - c
    out["floor_read_rss"] = mem.peak
    del raw
    gc.collect()
    final, _ = pyreadstat.read_sav(str(project.sav_path))
    out["frame_bytes"] = int(final.memory_usage(deep=True).sum())
    out["shape"] = final.shape
    gc.collect()
    with PeakRSS() as mem:
        t, c = time.perf_counter(), time.process_time()
        pyreadstat.write_sav(final, str(root / "work" / "bare.sav"))
        out["floor_write"], out["floor_write_cpu"] = time.perf_counter() - t, time.process_time() - c
    out["floor_write_rss"] = mem.peak
    out["floor"] = out["floor_read"] + out["floor_write"]
    out["floor_cpu"] = out["floor_read_cpu"] + out["floor_write_cpu"]
    del final
    gc.collect()

    # The PSPP peer: the core of the job in PSPP syntax, from the same form, on the same raw files.
    if peer:
        import pspp_peer

        from pipeline.survey.questionnaire import questionnaire_of

        folder = root / "work" / "pspp"
        folder.mkdir(exist_ok=True)
        out.update(pspp_peer.run(questionnaire_of(project), root / "raw" / "web.csv", root / "raw" / "capi.sav",
                                 folder))
    return out


def _children_cpu() -> float:
    """User + system CPU seconds of the ended child processes of this one (reaped helpers)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def read_raw(project) -> list:
    """Every raw file sid.toml names, read with plain pandas / pyreadstat (as a person who knows the
    files reads them): the fieldwork exports, the sample frame, the contact log."""
    import pandas as pd
    import pyreadstat

    frames = []
    for source in project.sources:
        suffix = source.path.suffix.lower()
        if suffix == ".sav":
            frames.append(pyreadstat.read_sav(str(source.path))[0])
        elif suffix in (".xlsx", ".xlsm"):
            frames.append(pd.read_excel(source.path, sheet_name=source.sheet or 0, dtype=str))
        else:
            frames.append(_read_csv(source.path))
    for path in (project.sample.source.path if project.sample else None,
                 project.contacts.path if project.contacts else None):
        if path is not None:
            frames.append(_read_csv(path))
    return frames


def _read_csv(path: Path):
    import pandas as pd

    first = path.read_bytes()[:4096].decode("utf-8", errors="replace").splitlines()[0]
    sep = max(";,\t|", key=first.count)
    return pd.read_csv(path, sep=sep, low_memory=False, encoding_errors="replace")


def _stages(marks: list[tuple[str, float]], start: float, end: float) -> dict[str, float]:
    """Group progress steps into stages: each step runs until the next one starts."""
    stages: dict[str, float] = {}
    bounds = marks + [("end", end)]
    previous_name, previous_t = "setup", start
    for name, t in bounds:
        stage = _stage_of(previous_name)
        stages[stage] = stages.get(stage, 0.0) + (t - previous_t)
        previous_name, previous_t = name, t
    return stages


def _stage_peaks(marks: list[tuple[str, float]], start: float, samples: list[tuple[float, int]]) -> dict[str, int]:
    """The peak RSS within each stage (the stage of the progress step running at each sample)."""
    peaks: dict[str, int] = {}
    bounds = [("setup", start)] + marks
    at = 0
    for t, rss in samples:
        while at + 1 < len(bounds) and bounds[at + 1][1] <= t:
            at += 1
        stage = _stage_of(bounds[at][0])
        peaks[stage] = max(peaks.get(stage, 0), rss)
    return peaks


def _stage_of(step: str) -> str:
    step = step.lower()
    for word, stage in (("read", "ingest"), ("ingest", "ingest"), ("duplicate", "ingest"),
                        ("sample", "ingest"), ("cod", "code"), ("validat", "validate"), ("report", "report"),
                        ("clean", "clean"), ("weigh", "weight"), ("spss", "export"),
                        ("export", "export"), ("deliver", "export"), ("setup", "setup")):
        if word in step:
            return stage
    return "other"


# ---------------------------------------------------------------- driver

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", nargs="+", default=list(SIZES), help="NxK, e.g. 100000x500, or demo")
    parser.add_argument("--compare", type=Path, metavar="CHECKOUT",
                        help="also run another checkout's pipeline (e.g. the code before a change) on a fresh "
                             "copy of the same project, in the same session")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--code", type=Path, default=ROOT, help=argparse.SUPPRESS)
    parser.add_argument("--no-peer", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        sys.path.insert(0, str(args.code.resolve()))
        print(json.dumps(measure(Path(args.child), peer=not args.no_peer)))
        return

    codes = ([("before", args.compare.resolve())] if args.compare else []) + [("this", ROOT)]
    rows_out = []
    for size in args.sizes:
        with tempfile.TemporaryDirectory(prefix="sid-bench-") as tmp:
            built = Path(tmp) / "built"
            t = time.perf_counter()
            if size == "demo":  # the bundled demo project: the survey's own size
                n = k = 0
                built.mkdir()
                shutil.copy(ROOT / "sid.toml", built / "sid.toml")
                for folder in ("schemas", "raw"):
                    shutil.copytree(ROOT / folder, built / folder)
                info = {"raw_bytes": sum(p.stat().st_size for p in (built / "raw").rglob("*") if p.is_file())}
            else:
                n, k = (int(x) for x in size.lower().split("x"))
                info = build_project(built, n, k)
            print(f"{size}: ready in {time.perf_counter() - t:.0f} s ({info['raw_bytes'] / 1e6:,.0f} MB raw); "
                  "measuring …", file=sys.stderr, flush=True)
            for label, code in codes:
                root = Path(tmp) / label
                shutil.copytree(built, root)
                command = [sys.executable, __file__, "--child", str(root), "--code", str(code)]
                if size == "demo":
                    command.append("--no-peer")  # the peer covers the generated form only (pspp_peer.py)
                env = dict(os.environ, PYTHONPATH=str(code))
                child = subprocess.run(command, capture_output=True, text=True, env=env, cwd=tmp)
                if child.returncode != 0:
                    sys.stderr.write(child.stderr)
                    raise SystemExit(f"{size} ({label}): the measuring process failed")
                m = json.loads(child.stdout.strip().splitlines()[-1])
                m["code"] = label
                rows_out.append((size, n, k, m))
                print(_row(size, m, len(codes) > 1), file=sys.stderr, flush=True)
                shutil.rmtree(root)

    print(_table(rows_out, len(codes) > 1))
    print(_help_time())


def _help_time(runs: int = 7) -> str:
    """`sid --help`, the median of a few runs (the console script, else cli.py via this Python)."""
    import statistics

    beside = Path(sys.executable).with_name("sid")  # the console script of this environment
    command = [str(beside)] if beside.exists() else [sys.executable, str(ROOT / "cli.py")]
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run([*command, "--help"], capture_output=True, check=True)
        times.append(time.perf_counter() - t)
    return (f"\n`sid --help`: median {statistics.median(times):.2f} s over {runs} runs "
            f"(bare `python -c pass`: {_python_start():.2f} s)")


def _python_start() -> float:
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return time.perf_counter() - t


def _row(size: str, m: dict, labelled: bool = False) -> str:
    st = m["stages"]
    stage_text = " · ".join(f"{name} {sec:.1f}" for name, sec in st.items() if sec >= 0.05)
    name = "demo ({:,} × {})".format(*m["shape"]) if size == "demo" else "{:,} × {}".format(
        *(int(x) for x in size.split("x")))
    peer = (f"{m['pspp']:.1f} | **{m['run'] / m['pspp']:.2f}**" if m.get("pspp") else "— | —")
    if m.get("pspp_cpu"):  # CPU seconds: less disturbed by other jobs on a shared machine
        peer += f" (CPU {m['run_cpu'] / m['pspp_cpu']:.2f})"
    floor_cpu = f" (CPU {m['run_cpu'] / m['floor_cpu']:.2f})" if m.get("floor_cpu") else ""
    peer_rss = f"{m['pspp_rss'] / 2**20:,.0f}" if m.get("pspp_rss") else "—"
    by_stage = " · ".join(f"{name} {rss / 2**20:,.0f}" for name, rss in m.get("stage_rss", {}).items())
    return (f"| {name}{' · ' + m['code'] if labelled else ''} | {m['floor']:.1f} ({m['floor_read']:.1f} + "
            f"{m['floor_write']:.1f}) | {m['run']:.1f} | {m['run_cpu']:.1f} | **{m['run'] / m['floor']:.2f}**{floor_cpu} | "
            f"{peer} | {stage_text} | {m['frame_bytes'] / 2**20:,.0f} | {m['run_rss'] / 2**20:,.0f} | "
            f"**{m['run_rss'] / m['frame_bytes']:.2f}** | {by_stage or '—'} | {peer_rss} |")


def _table(rows, labelled: bool = False) -> str:
    lines = ["| N × K | I/O floor s (read + write) | sid run s | sid CPU s | run / floor | PSPP peer s | run / PSPP | "
             "stages (s) | final frame MiB | peak RSS MiB | RSS / frame | peak RSS per stage (MiB) | "
             "PSPP peak RSS MiB |",
             "|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---|---:|"]
    lines += [_row(size, m, labelled) for size, n, k, m in rows]
    by_k: dict[tuple[str, int], list] = {}
    for size, n, k, m in rows:
        if n:
            by_k.setdefault((m["code"], k), []).append((n, m["run"]))
    for (code, k), runs in by_k.items():
        runs.sort()
        for (n1, t1), (n2, t2) in zip(runs, runs[1:]):
            lines.append(f"\n{code}, K={k}: {n2 // n1}× the rows → {t2 / t1:.1f}× the time")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
