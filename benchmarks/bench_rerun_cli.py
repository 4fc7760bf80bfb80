"""Benchmark: `sid run` from the command line after a change to the rules, as the data manager runs it.

    python benchmarks/bench_rerun_cli.py                          # this checkout, 5 reruns
    python benchmarks/bench_rerun_cli.py --compare /work/main --runs 5   # alternating with another checkout

bench_demo.py times `run_all` inside a Python that has already imported pandas, pyreadstat and the
pipeline; a user's `sid run` is a fresh Python that also imports them, reads sid.toml and the form,
checks what can be reused and prints the summary. This benchmark times that: for each checkout a copy
of the demo project (sid.toml, schemas/, raw/) in a temporary folder, one fresh `sid run --fresh`
(not timed) so that the rerun finds the stages of its own code, then in each round, for each checkout
in turn: one rule's severity switched in schemas/rules.yaml (bench_demo.change_rules) and `sid run`
as a child process (`python -c "from cli import app; app()" run`), its wall time and its CPU time
(user + system of the child); then the I/O floor of the demo in another child (bench_demo: reading
the raw files with plain pandas / pyreadstat, a bare `pyreadstat.write_sav` of the delivered frame),
its wall and CPU seconds. On a shared machine the CPU ratio is the firmer one.

Python writes no bytecode cache when PYTHONDONTWRITEBYTECODE is set, and then compiles sid's modules
in every run (~0.15 s), which an installed sid does not do: the children get their bytecode cache
in a temporary folder (PYTHONPYCACHEPREFIX), filled by the untimed fresh run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_demo import ROOT, change_rules, read_raw  # noqa: E402


def floor(root: Path) -> dict:
    """The demo's I/O floor (as bench_demo.measure): read the raw files, write the delivered frame bare."""
    import pyreadstat

    from pipeline.survey.project import load_project

    project = load_project(root)
    t, c = time.perf_counter(), time.process_time()
    read_raw(project)
    read, read_cpu = time.perf_counter() - t, time.process_time() - c
    final, _ = pyreadstat.read_sav(str(project.sav_path))
    t, c = time.perf_counter(), time.process_time()
    pyreadstat.write_sav(final, str(root / "work" / "bare.sav"))
    return {"read": read, "write": time.perf_counter() - t, "cpu": read_cpu + time.process_time() - c}


def _children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def sid_run(root: Path, env: dict, *args: str) -> dict:
    """`sid run` in a fresh Python, in `root`: wall and CPU seconds, exit code."""
    cpu, t = _children(), time.perf_counter()
    done = subprocess.run([sys.executable, "-c", "from cli import app; app()", "run", *args], cwd=root, env=env,
                          capture_output=True, text=True)
    wall, cpu = time.perf_counter() - t, _children() - cpu
    if done.returncode not in (0, 1):
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"sid run failed in {root} (exit {done.returncode})")
    return {"wall": wall, "cpu": cpu, "exit": done.returncode}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--code", type=Path, default=ROOT, help="the checkout whose pipeline runs")
    parser.add_argument("--compare", type=Path, help="another checkout, measured in turn with --code")
    parser.add_argument("--runs", type=int, default=5, help="reruns after a rules change, per checkout")
    parser.add_argument("--floor", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.floor:
        print(json.dumps(floor(args.floor)))
        return
    codes = [args.code.resolve(), *([args.compare.resolve()] if args.compare else [])]
    with tempfile.TemporaryDirectory(prefix="sid-rerun-bench-") as tmp:
        env = {c: dict(os.environ, PYTHONPATH=str(c), SID_PSEUDONYM_KEY="benchmark-key-not-secret",
                       PYTHONPYCACHEPREFIX=str(Path(tmp) / "pycache")) for c in codes}
        for e in env.values():
            e.pop("PYTHONDONTWRITEBYTECODE", None)
        roots = {}
        for i, code in enumerate(codes):
            root = roots[code] = Path(tmp) / f"demo{i}"
            root.mkdir()
            shutil.copy(ROOT / "sid.toml", root / "sid.toml")
            shutil.copytree(ROOT / "schemas", root / "schemas")
            shutil.copytree(ROOT / "raw", root / "raw")
            sid_run(root, env[code], "--fresh")  # the stages of this code, for its reruns (not timed)
        print("| round | checkout | I/O floor s (read + write) | floor CPU s | `sid run` wall s | CPU s | wall / floor "
              "| CPU / floor CPU |")
        print("|---|---|---:|---:|---:|---:|---:|---:|")
        ratios: dict[Path, list[float]] = {c: [] for c in codes}
        for r in range(args.runs):
            for code in codes:
                root = roots[code]
                change_rules(root)
                m = sid_run(root, env[code])
                f = json.loads(subprocess.run([sys.executable, str(Path(__file__).resolve()), "--floor", str(root)],
                                              env=env[code], capture_output=True, text=True, check=True,
                                              cwd=tmp).stdout.strip().splitlines()[-1])
                total = f["read"] + f["write"]
                ratios[code].append(m["cpu"] / f["cpu"])
                print(f"| {r + 1} | {code} | {total:.2f} ({f['read']:.2f} + {f['write']:.2f}) | {f['cpu']:.2f} | "
                      f"{m['wall']:.2f} | {m['cpu']:.2f} | {m['wall'] / total:.2f} | {m['cpu'] / f['cpu']:.2f} |",
                      flush=True)
        for code in codes:
            print(f"{code}: CPU / floor CPU, median {statistics.median(ratios[code]):.2f} over {args.runs} reruns")


if __name__ == "__main__":
    main()
