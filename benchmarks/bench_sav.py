"""Benchmark: the `.sav` writer itself, its options side by side, at the stress size.

    python benchmarks/bench_sav.py --rows 100000 --variables 500

Builds the delivered frame of a generated project (as bench_run.py does: the form's codes as
float64, a few open texts, start/end), then, in this one process, times:

* ``pyreadstat.write_sav`` bare (the I/O floor's write), with ``row_compress=True`` (SPSS's
  bytecode compression, the .sav most SPSS files are) and with ``compress=True`` (zlib, a .zsav);
* the delivery's other data copies (CSV and Parquet, pipeline.delivery.companions) alone;
* the `.sav` and the copies one after the other, against the copies in a second thread while the
  `.sav` is written (does pyreadstat let the second core work?).

Each written .sav is read back with pyreadstat (the same values as the frame) and opened by GNU
PSPP (`pspp` must read every case). It prints one Markdown table: seconds, file size, CPU seconds.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def delivered_frame(rows: int, variables: int):
    import pandas as pd
    from bench_run import wide_form

    from pipeline.demo.answers import demo_responses
    from pipeline.survey.questionnaire import load_questionnaire

    with tempfile.TemporaryDirectory() as tmp:
        form = load_questionnaire(wide_form(Path(tmp) / "q.xlsx", variables))
    frame = demo_responses(form, respondents=rows, seed=1, key="resp_id")
    for v in form:
        if v.name in frame.columns and v.kind == "numeric":
            frame[v.name] = pd.to_numeric(frame[v.name], errors="coerce").astype("float64")
        elif v.name in frame.columns and v.kind == "string":
            frame[v.name] = frame[v.name].astype("string").fillna("").astype(object)
    for col in ("start", "end"):
        frame[col] = pd.to_datetime(frame[col])
    return frame


def timed(label: str, job, results: list) -> None:
    t, c = time.perf_counter(), time.process_time()
    job()
    results.append((label, time.perf_counter() - t, time.process_time() - c))


def check(path: Path, frame) -> str:
    """Read back with pyreadstat (same values) and PSPP (every case read)."""
    import numpy as np
    import pandas as pd
    import pyreadstat

    back, _ = pyreadstat.read_sav(str(path))
    for col in frame.columns:
        a, b = frame[col], back[col]
        if pd.api.types.is_numeric_dtype(a):
            assert np.array_equal(a.to_numpy(float), b.to_numpy(float), equal_nan=True), col
        elif pd.api.types.is_datetime64_any_dtype(a):
            assert (a.astype("datetime64[s]") == b.astype("datetime64[s]")).all(), col
        else:
            assert (a.astype(str).str.rstrip() == b.astype(str).str.rstrip()).all(), col
    sps = path.with_suffix(".sps")
    sps.write_text(f"GET FILE='{path}'.\nCOMPUTE one = 1.\nAGGREGATE /OUTFILE=* /BREAK=one /n = N.\nLIST.\n")
    out = subprocess.run(["pspp", str(sps), "-O", "format=csv"], capture_output=True, text=True)
    cases = out.stdout.strip().splitlines()[-1].split(",")[-1].strip() if out.returncode == 0 else ""
    if cases != str(len(frame)):  # a finding, not a crash: the table says which writer PSPP cannot read
        error = next((line for line in (out.stdout + out.stderr).splitlines() if "error" in line.lower()), "")
        return f"pyreadstat ✓, **PSPP ✗** ({' '.join(error.split())[:120]})"
    return "pyreadstat ✓, PSPP ✓"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--variables", type=int, default=500)
    args = parser.parse_args()

    import pyreadstat

    from pipeline.delivery.companions import write_data_csv, write_data_parquet
    from pipeline.delivery.export import SpssDictionary, SpssVariable

    frame = delivered_frame(args.rows, args.variables)
    dictionary = SpssDictionary(tuple(SpssVariable(name=c, source=c, label="", kind="string"
                                                   if frame[c].dtype == object else "numeric", format="",
                                                   measure="nominal") for c in frame.columns), "", (), ())
    results: list = []
    sizes: dict[str, int] = {}
    checks: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for label, options in (("write_sav bare", {}), ("write_sav row_compress=True", {"row_compress": True}),
                               ("write_sav compress=True (.zsav)", {"compress": True})):
            path = tmp / f"{len(results)}.sav"
            timed(label, lambda: pyreadstat.write_sav(frame, str(path), **options), results)
            sizes[label] = path.stat().st_size
            checks[label] = check(path, frame)

        def copies() -> None:
            write_data_csv(frame, tmp / "d.csv")
            write_data_parquet(frame, dictionary, tmp / "d.parquet")

        timed("CSV + Parquet copies alone", copies, results)
        timed(".sav then the copies (sequential)",
              lambda: (pyreadstat.write_sav(frame, str(tmp / "s.sav")), copies()), results)

        def concurrent() -> None:
            thread = threading.Thread(target=copies)
            thread.start()
            pyreadstat.write_sav(frame, str(tmp / "c.sav"))
            thread.join()

        timed(".sav with the copies in a second thread", concurrent, results)
    print(f"{args.rows:,} × {frame.shape[1]} ({frame.memory_usage(deep=True).sum() / 2**20:,.0f} MiB in memory)\n")
    print("| writer | wall s | CPU s (process) | file MB | read back |")
    print("|---|---:|---:|---:|---|")
    for label, wall, cpu in results:
        size = f"{sizes[label] / 1e6:,.0f}" if label in sizes else ""
        print(f"| {label} | {wall:.1f} | {cpu:.1f} | {size} | {checks.get(label, '')} |")


if __name__ == "__main__":
    main()
