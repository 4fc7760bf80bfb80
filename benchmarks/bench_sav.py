"""Benchmark: the `.sav` writer itself, its options side by side, at the stress size.

    python benchmarks/bench_sav.py --rows 100000 --variables 500
    python benchmarks/bench_sav.py --sav cleaned/sid2026.sav     # a delivered file, read and written again

Builds the delivered frame of a generated project (as bench_run.py does: the form's codes as
float64, a few open texts, start/end), or reads the frame and its dictionary from an existing .sav
(``--sav``, e.g. the demo's delivery: its labels, value labels, missing values and formats are
passed to both writers), then, in this one process, times:

* ``pyreadstat.write_sav`` bare (the I/O floor's write) against sid's vectorised writer
  (pipeline/delivery/savwriter.py: ReadStat's dictionary from a template, the cases with numpy),
  both with the same arguments, and whether the two files are the same bytes (all but the
  header's creation time); then the delivery's write (export.write_sav: the writer, the dictionary
  check and the sampled read-back of the cases) with the vectorised writer and with pyreadstat
  forced (``SID_SAV_WRITER=pyreadstat``);
* (unless ``--writers-only``) ``pyreadstat.write_sav`` with ``row_compress=True`` (SPSS's
  bytecode compression, the .sav most SPSS files are) and with ``compress=True`` (zlib, a .zsav);
* the delivery's other data copies (CSV and Parquet, pipeline.delivery.companions) alone;
* the `.sav` and the copies one after the other, against the copies in a second thread while the
  `.sav` is written (does pyreadstat let the second core work?).

Each written .sav is read back with pyreadstat (the same values as the frame) and opened by GNU
PSPP (`pspp` must read every case). It prints one Markdown table: seconds, file size, CPU seconds.
"""

from __future__ import annotations

import argparse
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


def frame_of_sav(path: Path):
    """A .sav's frame (user-missing values as values) and the write_sav arguments of its dictionary."""
    import pandas as pd
    import pyreadstat

    frame, meta = pyreadstat.read_sav(str(path), user_missing=True)
    options = dict(file_label=meta.file_label or "",
                   column_labels={c: lab for c, lab in zip(meta.column_names, meta.column_labels) if lab},
                   variable_value_labels=meta.variable_value_labels, missing_ranges=meta.missing_ranges,
                   variable_measure={c: m for c, m in meta.variable_measure.items() if m != "unknown"},
                   variable_format=dict(meta.original_variable_types),
                   variable_display_width=meta.variable_display_width, note=meta.notes or None)
    for name, column in frame.items():  # pyreadstat reads text as Arrow strings; the delivery writes objects
        if not (pd.api.types.is_numeric_dtype(column) or pd.api.types.is_datetime64_any_dtype(column)):
            frame[name] = column.astype(object)
    return frame, options


def same_bytes(a: Path, b: Path) -> bool:
    """The same file but the header's creation date and time (bytes 92-108)."""
    x, y = bytearray(a.read_bytes()), bytearray(b.read_bytes())
    x[92:109] = y[92:109] = bytes(17)
    return x == y


def timed(label: str, job, results: list) -> None:
    t, c = time.perf_counter(), time.process_time()
    job()
    results.append((label, time.perf_counter() - t, time.process_time() - c))


def check(path: Path, frame) -> str:
    """Read back with pyreadstat (same values) and PSPP (every case read)."""
    import numpy as np
    import pandas as pd
    import pyreadstat

    back, _ = pyreadstat.read_sav(str(path), user_missing=True)
    for col in frame.columns:
        a, b = frame[col], back[col]
        if pd.api.types.is_numeric_dtype(a):
            assert np.array_equal(a.to_numpy(float), b.to_numpy(float), equal_nan=True), col
        elif pd.api.types.is_datetime64_any_dtype(a):
            a, b = (x.dt.round("ms").astype("datetime64[ms]").reset_index(drop=True) for x in (a, b))
            assert a.equals(b), col  # NaT as NaT
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
    parser.add_argument("--sav", type=Path, help="read the frame and its dictionary from this .sav instead")
    parser.add_argument("--writers-only", action="store_true", help="only pyreadstat against the vectorised writer")
    args = parser.parse_args()

    import pyreadstat

    from pipeline.delivery import savwriter
    from pipeline.delivery.companions import write_data_csv, write_data_parquet
    from pipeline.delivery.export import SpssDictionary, SpssVariable, check_sav, write_sav

    if args.sav:
        frame, options = frame_of_sav(args.sav)
    else:
        frame, options = delivered_frame(args.rows, args.variables), {}
    kinds = [("string" if frame[c].dtype == object else "datetime" if str(frame[c].dtype).startswith("datetime")
              else "numeric") for c in frame.columns]
    dictionary = SpssDictionary(tuple(SpssVariable(
        name=c, source=c, label=(options.get("column_labels") or {}).get(c, ""), kind=kind,
        format=(options.get("variable_format") or {}).get(c) or _format(frame[c], kind),
        measure=(options.get("variable_measure") or {}).get(c, "nominal"),
        value_labels=(options.get("variable_value_labels") or {}).get(c, {}),
        missing=(options.get("missing_ranges") or {}).get(c, []),
        display_width=(options.get("variable_display_width") or {}).get(c, 0))
        for c, kind in zip(frame.columns, kinds)), options.get("file_label", ""), tuple(options.get("note") or ()), ())
    results: list = []
    sizes: dict[str, int] = {}
    checks: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        old, new = tmp / "pyreadstat.sav", tmp / "vectorised.sav"
        reason: list = []
        for label, job, path in (
                ("pyreadstat.write_sav", lambda: pyreadstat.write_sav(frame, str(old), **options), old),
                ("vectorised writer (savwriter)", lambda: reason.append(savwriter.write_sav(frame, new, **options)),
                 new)):
            timed(label, job, results)
            sizes[label] = path.stat().st_size
            checks[label] = check(path, frame)
        checks["vectorised writer (savwriter)"] += (", same bytes as pyreadstat" if same_bytes(old, new)
                                                    else ", **not the same bytes**")
        if reason[0]:
            checks["vectorised writer (savwriter)"] += f", pyreadstat wrote it: {reason[0]}"
        for label, force in (("export.write_sav, vectorised (+ dictionary check, sampled read-back)", ""),
                             (f"export.write_sav, {savwriter.FORCE_ENV}=pyreadstat (the same checks)", "pyreadstat")):
            delivered = tmp / f"delivered{force}.sav"
            os.environ[savwriter.FORCE_ENV] = force
            timed(label, lambda: write_sav(frame, dictionary, delivered), results)
            os.environ.pop(savwriter.FORCE_ENV)
            sizes[label] = delivered.stat().st_size
            checks[label] = "checked" if not check_sav(delivered, dictionary, frame) else "**check fails**"
        options_runs = () if args.writers_only else (
            ("write_sav row_compress=True", {"row_compress": True}), ("write_sav compress=True (.zsav)", {"compress": True}))
        for label, extra in options_runs:
            path = tmp / f"{len(results)}.sav"
            timed(label, lambda: pyreadstat.write_sav(frame, str(path), **options, **extra), results)
            sizes[label] = path.stat().st_size
            checks[label] = check(path, frame)

        def copies() -> None:
            write_data_csv(frame, tmp / "d.csv")
            write_data_parquet(frame, dictionary, tmp / "d.parquet")

        if not args.writers_only:
            timed("CSV + Parquet copies alone", copies, results)
            timed(".sav then the copies (sequential)",
                  lambda: (pyreadstat.write_sav(frame, str(tmp / "s.sav")), copies()), results)

            def concurrent() -> None:
                thread = threading.Thread(target=copies)
                thread.start()
                pyreadstat.write_sav(frame, str(tmp / "c.sav"))
                thread.join()

            timed(".sav with the copies in a second thread", concurrent, results)
    print(f"{len(frame):,} × {frame.shape[1]} ({frame.memory_usage(deep=True).sum() / 2**20:,.0f} MiB in memory)\n")
    print("| writer | wall s | CPU s (process) | file MB | read back |")
    print("|---|---:|---:|---:|---|")
    for label, wall, cpu in results:
        size = f"{sizes[label] / 1e6:,.1f}" if label in sizes else ""
        print(f"| {label} | {wall:.2f} | {cpu:.2f} | {size} | {checks.get(label, '')} |")
    base = next(w for label, w, _ in results if label == "pyreadstat.write_sav")
    fast = next(w for label, w, _ in results if label.startswith("vectorised"))
    print(f"\nvectorised / pyreadstat (wall): {fast / base:.2f}")


def _format(column, kind: str) -> str:
    if kind == "string":
        return f"A{max(1, int(column.astype(str).str.encode('utf-8').str.len().max() or 1))}"
    return "DATETIME20" if kind == "datetime" else "F8.2"


if __name__ == "__main__":
    main()
