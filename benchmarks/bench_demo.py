"""Benchmark: the bundled demo's `sid run` (the survey's own size) against its I/O floor.

    python benchmarks/bench_demo.py                      # this checkout, 2 rounds of the three cases
    python benchmarks/bench_demo.py --code /other/checkout --runs 2   # another checkout's pipeline, same measure
    python benchmarks/bench_demo.py --light              # the demo without coding, weights, tables, report,
                                                         # and with one label language (see `lighten`)

The demo project (sid.toml, schemas/, raw/ of this repository) is copied to a temporary folder;
then, in ONE child process per run (a fresh Python, as a user's `sid run` is):

* the I/O floor: reading every raw file sid.toml names (the three fieldwork exports, the sample
  frame, the contact log) with plain pandas / pyreadstat, and writing the delivered frame with a bare
  ``pyreadstat.write_sav`` (no labels, no checks);
* the whole `sid run` (pipeline.run.run_all, every stage, the delivery swapped in), wall and CPU;
* three cases, in this order in each round: `fresh` (every stage runs, `--fresh`), `unchanged`
  (a rerun with nothing changed: every stage reused, the delivery re-assembled) and `rules` (a
  rerun after a change to schemas/rules.yaml, one rule's severity switched: validation runs, the
  other stages are reused); the later runs find the previous run's work/ as a data manager's do.

It prints a Markdown row per run. Ratios are measured in the same process, so they are the figures
to compare on a shared, noisy machine; CPU seconds are less disturbed by other jobs than wall seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


RULE = "- name: partner_bij_gehuwd"  # the rule whose severity the `rules` case switches


def copy_demo(root: Path) -> Path:
    """The bundled demo project (sid.toml, schemas/, raw/ of this repository) copied to `root`
    (a new folder); also used by bench_coding.py."""
    root.mkdir()
    shutil.copy(ROOT / "sid.toml", root / "sid.toml")
    shutil.copytree(ROOT / "schemas", root / "schemas")
    shutil.copytree(ROOT / "raw", root / "raw")
    return root


LIGHT_DROPS = ("coding", "weight", "tables", "fieldwork")  # sid.toml sections `--light` leaves out


def lighten(root: Path) -> None:
    """The demo's sid.toml without the deliverables beyond the cleaned, checked .sav: no [coding] (open
    answers left uncoded), [weight], [tables] or [fieldwork] (no weights, weighted tables or fieldwork
    report), and labels in the first export language only. What is left is the job of the PSPP peer:
    ingest, cleaning and routing, validation, the .sav with its codebook, DDI, copies and logs.
    A figure for the survey's owners to weigh the demo's full run against; not the target's run."""
    import re

    path = root / "sid.toml"
    kept, skip = [], False
    for line in path.read_text(encoding="utf-8").splitlines():
        section = re.match(r"^\[+([A-Za-z_]+)", line)
        if section:
            skip = section.group(1) in LIGHT_DROPS
        if not skip:
            kept.append(re.sub(r'^languages = \["(\w+)".*\]', r'languages = ["\1"]', line))
    path.write_text("\n".join(kept) + "\n", encoding="utf-8")


def change_rules(root: Path) -> None:
    """Switch the severity of one rule of schemas/rules.yaml (warning <-> error)."""
    path = root / "schemas" / "rules.yaml"
    text = path.read_text(encoding="utf-8")
    head, rule = text.split(RULE, 1)
    body, rest = rule.split("\n- name:", 1) if "\n- name:" in rule else (rule, None)
    swapped = (body.replace("severity: warning", "severity: error") if "severity: warning" in body
               else body.replace("severity: error", "severity: warning"))
    path.write_text(head + RULE + swapped + ("\n- name:" + rest if rest is not None else ""), encoding="utf-8")


def read_raw(project) -> None:
    """The I/O floor's reading: every raw file sid.toml names (fieldwork exports, sample frame, contact
    log) with plain pandas / pyreadstat; also used by bench_rerun_cli.py."""
    import pandas as pd
    import pyreadstat

    for source in project.sources:
        suffix = source.path.suffix.lower()
        if suffix == ".sav":
            pyreadstat.read_sav(str(source.path))
        elif suffix in (".xlsx", ".xlsm"):
            pd.read_excel(source.path, sheet_name=source.sheet or 0, dtype=str)
        else:
            _read_csv(source.path)
    for path in (project.sample.source.path if project.sample else None,
                 project.contacts.path if project.contacts else None):
        if path is not None:
            _read_csv(path)


def measure(root: Path, case: str = "fresh") -> dict:
    import pyreadstat

    from pipeline.run import run_all
    from pipeline.survey.project import load_project

    start_cpu, start = time.process_time(), time.perf_counter()
    project = load_project(root)
    out: dict = {}
    t = time.perf_counter()
    read_raw(project)
    out["floor_read"] = time.perf_counter() - t
    if case == "rules":
        change_rules(root)
    stages: list = []
    t, c, k = time.perf_counter(), time.process_time(), _children_cpu()
    result = run_all(project, finished=stages.append, fresh=case == "fresh")
    out["reused"] = [s.stage for s in stages if s.reused]
    # CPU: this process and the processes it started (the weighted tables run beside the export)
    out["run"], out["run_cpu"] = time.perf_counter() - t, time.process_time() - c + _children_cpu() - k
    out["exit_code"] = result.exit_code
    final, _ = pyreadstat.read_sav(str(project.sav_path))
    t = time.perf_counter()
    pyreadstat.write_sav(final, str(root / "work" / "bare.sav"))
    out["floor_write"] = time.perf_counter() - t
    out["floor"] = out["floor_read"] + out["floor_write"]
    out["shape"] = list(final.shape)
    out["process"], out["process_cpu"] = time.perf_counter() - start, time.process_time() - start_cpu
    return out


def _children_cpu() -> float:
    """CPU seconds of the ended child processes this process has waited for."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _read_csv(path: Path):
    """Plain pandas (C parser) with the file's delimiter, as a person who knows the file reads it."""
    import pandas as pd

    first = path.read_bytes()[:4096].decode("utf-8", errors="replace").splitlines()[0]
    sep = max(";,\t|", key=first.count)
    return pd.read_csv(path, sep=sep, dtype=str, encoding_errors="replace", low_memory=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--code", type=Path, default=ROOT, help="the checkout whose pipeline runs")
    parser.add_argument("--runs", type=int, default=2, help="rounds of the three cases")
    parser.add_argument("--light", action="store_true",
                        help="the demo without coding, weights, tables, report; one label language")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--case", default="fresh", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(Path(args.child), args.case)))
        return
    env = dict(os.environ, PYTHONPATH=str(args.code.resolve()), SID_PSEUDONYM_KEY="benchmark-key-not-secret")
    print("| run | case | I/O floor s (read + write) | sid run s | CPU s | run / floor | process s | reused |")
    print("|---|---|---:|---:|---:|---:|---:|---|")
    with tempfile.TemporaryDirectory(prefix="sid-demo-bench-") as tmp:
        root = copy_demo(Path(tmp) / "demo")
        if args.light:
            lighten(root)
        for i, case in enumerate([case for _ in range(args.runs) for case in ("fresh", "unchanged", "rules")]):
            child = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", str(root),
                                    "--case", case], check=False, capture_output=True, text=True, env=env, cwd=tmp)
            if child.returncode != 0:
                sys.stderr.write(child.stderr)
                raise SystemExit("the measuring process failed")
            m = json.loads(child.stdout.strip().splitlines()[-1])
            print(f"| {i + 1}{' (empty work/)' if i == 0 else ''} | {case} | {m['floor']:.1f} ({m['floor_read']:.1f} + "
                  f"{m['floor_write']:.1f}) | {m['run']:.1f} | {m['run_cpu']:.1f} | **{m['run'] / m['floor']:.1f}** | "
                  f"{m['process']:.1f} | {', '.join(m['reused']) or '-'} |", flush=True)


if __name__ == "__main__":
    main()
