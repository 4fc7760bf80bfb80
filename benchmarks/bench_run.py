"""Benchmark: the whole `sid run` against the I/O floor, at survey scale.

    python benchmarks/bench_run.py                       # 10,000×150, 100,000×150, 100,000×500, 1,000,000×150
    python benchmarks/bench_run.py --sizes 10000x150     # one size

For each size N×K it builds a survey project in a temporary folder: a form of K questions (5-point
grids, some routed, integers with ranges, a few open texts), N completed interviews generated from
the form (pipeline.demo.answers), split over a web export (CSV, 70 %) and a face-to-face export (.sav,
30 %). Then, in ONE child process per size (so that peak memory is that process's own):

* the I/O floor: reading the same raw files with plain pandas / pyreadstat, and writing the final
  delivered frame with a bare ``pyreadstat.write_sav`` call (no labels, no checks);
* the whole `sid run` (pipeline.run.run_all: ingest → code → clean → validate → weight → export,
  manifest, atomic delivery), with the time of every stage taken from its progress steps;
* peak resident memory (RSS) of each, sampled every 20 ms, and the in-memory size of the final
  frame.

It prints one Markdown table (pasted into docs/performance.md). Ratios are measured in the same run
on the same machine, so they are meaningful on a shared, noisy machine where seconds are not.
"""

from __future__ import annotations

import argparse
import json
import os
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
    """Peak resident memory of this process while a block runs (sampled from /proc every 20 ms)."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()

    @staticmethod
    def now() -> int:
        try:
            with open("/proc/self/statm") as fh:
                return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except OSError:  # not Linux: ru_maxrss is the best we have
            import resource

            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    def __enter__(self):
        self.peak = self.now()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self.now())

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.now())


def measure(root: Path) -> dict:
    import gc

    import pandas as pd
    import pyreadstat

    from pipeline.survey.project import load_project
    from pipeline.run import run_all

    os.environ.setdefault("SID_BENCH_KEY", "benchmark-key-not-secret")
    project = load_project(root)
    out: dict = {}

    # The I/O floor: read the raw files, write the final frame bare.
    with PeakRSS() as mem:
        t = time.perf_counter()
        web = pd.read_csv(root / "raw" / "web.csv", low_memory=False)
        capi, _ = pyreadstat.read_sav(str(root / "raw" / "capi.sav"))
        out["floor_read"] = time.perf_counter() - t
    out["floor_read_rss"] = mem.peak
    del web, capi
    gc.collect()

    # The whole run, stage by stage from the progress steps.
    marks: list[tuple[str, float]] = []

    def progress(step: str) -> None:
        marks.append((step, time.perf_counter()))

    with PeakRSS() as mem:
        t0 = time.perf_counter()
        result = run_all(project, progress)
        total = time.perf_counter() - t0
    out["run"] = total
    out["run_rss"] = mem.peak
    out["exit_code"] = result.exit_code
    out["stages"] = _stages(marks, t0, t0 + total)

    # The final frame as delivered, written bare: the other half of the floor.
    final, _ = pyreadstat.read_sav(str(project.sav_path))
    out["frame_bytes"] = int(final.memory_usage(deep=True).sum())
    out["shape"] = final.shape
    gc.collect()
    with PeakRSS() as mem:
        t = time.perf_counter()
        pyreadstat.write_sav(final, str(root / "work" / "bare.sav"))
        out["floor_write"] = time.perf_counter() - t
    out["floor_write_rss"] = mem.peak
    out["floor"] = out["floor_read"] + out["floor_write"]
    return out


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
    parser.add_argument("--sizes", nargs="+", default=list(SIZES), help="NxK, e.g. 100000x500")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(Path(args.child))))
        return

    rows_out = []
    for size in args.sizes:
        n, k = (int(x) for x in size.lower().split("x"))
        with tempfile.TemporaryDirectory(prefix="sid-bench-") as tmp:
            root = Path(tmp) / "project"
            t = time.perf_counter()
            info = build_project(root, n, k)
            generate = time.perf_counter() - t
            print(f"{n:,}×{k}: generated in {generate:.0f} s ({info['raw_bytes'] / 1e6:,.0f} MB raw); measuring …",
                  file=sys.stderr, flush=True)
            child = subprocess.run([sys.executable, __file__, "--child", str(root)], capture_output=True, text=True)
            if child.returncode != 0:
                sys.stderr.write(child.stderr)
                raise SystemExit(f"{size}: the measuring process failed")
            m = json.loads(child.stdout.strip().splitlines()[-1])
        rows_out.append((n, k, m))
        print(_row(n, k, m), file=sys.stderr, flush=True)

    print(_table(rows_out))
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


def _row(n: int, k: int, m: dict) -> str:
    st = m["stages"]
    stage_text = " · ".join(f"{name} {sec:.1f}" for name, sec in st.items() if sec >= 0.05)
    return (f"| {n:,} × {k} | {m['floor']:.1f} ({m['floor_read']:.1f} + {m['floor_write']:.1f}) | {m['run']:.1f} | "
            f"**{m['run'] / m['floor']:.2f}** | {stage_text} | {m['frame_bytes'] / 2**20:,.0f} | "
            f"{m['run_rss'] / 2**20:,.0f} | {m['run_rss'] / m['frame_bytes']:.2f} |")


def _table(rows) -> str:
    lines = ["| N × K | I/O floor s (read + write) | sid run s | run / floor | stages (s) | final frame MiB | "
             "peak RSS MiB | RSS / frame |",
             "|---|---:|---:|---:|---|---:|---:|---:|"]
    lines += [_row(n, k, m) for n, k, m in rows]
    if len(rows) >= 2:
        by_k: dict[int, list] = {}
        for n, k, m in rows:
            by_k.setdefault(k, []).append((n, m["run"]))
        for k, runs in by_k.items():
            runs.sort()
            for (n1, t1), (n2, t2) in zip(runs, runs[1:]):
                lines.append(f"\nK={k}: {n2 // n1}× the rows → {t2 / t1:.1f}× the time")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
