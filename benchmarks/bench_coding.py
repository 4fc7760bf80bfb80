"""Benchmark: coding cost grows with distinct answers, not with respondents; and the demo's
coding stage, before against after.

Run: python benchmarks/bench_coding.py --distinct 5000 --respondents 100000
Codes an other-specify country question twice: once with one respondent per distinct verbatim,
once with `--respondents` respondents repeating the same verbatims. Prints one table; the ratio
is the second coding time over the first, measured in one run.

Run: python benchmarks/bench_coding.py --demo [--code /other/checkout ...] [--runs 3]
The bundled demo's coding stage (`run_code`: plan, classifications, matching, the worklist's
suggestions, every work/ output) timed in a fresh Python per run (as in a `sid run`, the
classifications are read in that process), wall and CPU seconds, for this checkout and each
`--code` checkout in turn (alternating, so that before and after share the machine's load), on
one ingested copy of the demo. Each checkout's outputs are compared with the first's: the coded
frame, the CSV files byte for byte, every cell, format, width, filter and dropdown of the workbooks.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from bench_demo import copy_demo

REPO = Path(__file__).resolve().parent.parent
# this checkout's pipeline, unless a measuring child was given another one (PYTHONPATH, --demo --code)
sys.path.insert(0 if "--child" not in sys.argv else len(sys.path), str(REPO))
sys.path.insert(0, str(REPO / "tests"))


def verbatims(n: int, seed: int = 1) -> list[str]:
    """`n` distinct answers as respondents type them: country names in several languages with
    a typo or two, some with 'in' or a town before them, and some that are no country at all."""
    from pipeline.coding.classifications import countries, normalise

    rng = np.random.default_rng(seed)
    names = countries(REPO / "schemas" / "classifications" / "country_aliases.csv").name_frame()["normalised"]
    names = names[names.str.len() > 3].to_numpy()
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    out: dict[str, str] = {}
    while len(out) < n:
        batch = []
        for _ in range(n):
            word = list(str(rng.choice(names)))
            for _ in range(rng.integers(0, 3)):  # 0-2 typos: swap, drop or replace a letter
                i = int(rng.integers(0, len(word)))
                kind = rng.integers(0, 3)
                if kind == 0 and i + 1 < len(word):
                    word[i], word[i + 1] = word[i + 1], word[i]
                elif kind == 1 and len(word) > 4:
                    del word[i]
                else:
                    word[i] = str(rng.choice(letters))
            text = "".join(word)
            text = text.capitalize() if rng.random() < 0.5 else text
            if rng.random() < 0.15:
                text = f"{rng.choice(['in', 'geboren in', 'né au', 'van'])} {text}"
            batch.append(text)
        for key, text in zip(normalise(pd.Series(batch)), batch):
            if len(out) < n:
                out.setdefault(key, text)
    return list(out.values())


def demo_child(root: Path, out: Path) -> dict:
    """The coding stage of the demo copy at `root`, its outputs in `out`: seconds, wall and CPU."""
    from dataclasses import replace

    from pipeline import workdir
    from pipeline.coding.stage import run_code
    from pipeline.survey.project import load_project
    from pipeline.survey.questionnaire import questionnaire_of

    project = load_project(root)
    questionnaire = questionnaire_of(project)
    frame = workdir.read_stage(project, workdir.INGESTED, "sid ingest")
    out.mkdir(parents=True, exist_ok=True)
    t, c = time.perf_counter(), time.process_time()
    run_code(replace(project, work=out), questionnaire, frame)
    return {"wall": time.perf_counter() - t, "cpu": time.process_time() - c}


def demo_ingest(root: Path) -> None:
    from pipeline.ingest.stage import run_ingest
    from pipeline.survey.project import load_project
    from pipeline.survey.questionnaire import questionnaire_of

    project = load_project(root)
    run_ingest(project, questionnaire_of(project))


def same_outputs(a: Path, b: Path) -> list[str]:
    """What differs between two work/ folders' coding outputs (empty: nothing)."""
    import openpyxl

    found = []
    try:
        pd.testing.assert_frame_equal(pd.read_parquet(a / "coded.parquet"), pd.read_parquet(b / "coded.parquet"),
                                      check_exact=True)
    except AssertionError as exc:
        found.append(f"coded.parquet: {str(exc).splitlines()[0]}")
    for name in ("coding_coverage.csv", "coding_log.csv", "coding_matches.csv"):
        if (a / name).read_bytes() != (b / name).read_bytes():
            found.append(name)
    for name in ("coding_coverage.xlsx", "coding_worklist.xlsx"):
        x_book, y_book = openpyxl.load_workbook(a / name), openpyxl.load_workbook(b / name)
        if x_book.sheetnames != y_book.sheetnames:
            found.append(f"{name}: sheets")
            continue
        for x, y in zip(x_book.worksheets, y_book.worksheets):
            def cell(c):  # an empty cell is empty whatever its type; its format counts
                empty = c.value in (None, "")
                return (None if empty else c.value, None if empty else c.data_type, c.number_format, bool(c.font.b))

            def widths(ws):
                return {i: (d.width, d.number_format) for d in ws.column_dimensions.values()
                        for i in range(d.min or 1, (d.max or d.min or 1) + 1)}

            def dropdowns(ws):
                return sorted((v.type, v.formula1, str(v.sqref), v.allow_blank, v.showErrorMessage, v.errorStyle,
                               v.errorTitle, v.error, v.promptTitle, v.prompt, v.showInputMessage)
                              for v in ws.data_validations.dataValidation)
            cells = [cell(c) for row in x.iter_rows() for c in row] != [cell(c) for row in y.iter_rows() for c in row]
            for what, differs in (("cells", cells), ("frozen panes", x.freeze_panes != y.freeze_panes),
                                  ("filter", x.auto_filter.ref != y.auto_filter.ref),
                                  ("column widths and formats", widths(x) != widths(y)),
                                  ("dropdowns", dropdowns(x) != dropdowns(y))):
                if differs:
                    found.append(f"{name}/{x.title}: {what}")
    return found


def demo(codes: list[Path], runs: int) -> None:
    env = dict(os.environ, SID_PSEUDONYM_KEY="benchmark-key-not-secret")
    me = str(Path(__file__).resolve())

    def child(code: Path, *args: str) -> str:
        done = subprocess.run([sys.executable, me, *args], capture_output=True, text=True,
                              env=dict(env, PYTHONPATH=str(code.resolve())))
        if done.returncode != 0:
            sys.stderr.write(done.stderr)
            raise SystemExit("the measuring process failed")
        return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""

    print("| run | pipeline | coding stage s (wall) | CPU s | outputs |")
    print("|---|---|---:|---:|---|")
    with tempfile.TemporaryDirectory(prefix="sid-coding-bench-") as tmp:
        root = copy_demo(Path(tmp) / "demo")
        child(codes[0], "--ingest", str(root))
        for r in range(runs):
            for i, code in enumerate(codes):
                out = Path(tmp) / f"out{r}_{i}"
                m = json.loads(child(code, "--child", str(root), str(out)))
                diff = same_outputs(Path(tmp) / f"out{r}_0", out) if i else []
                print(f"| {r + 1} | {code} | {m['wall']:.1f} | {m['cpu']:.1f} | "
                      f"{'; '.join(diff) or ('reference' if not i else 'the same')} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--distinct", type=int, default=5000)
    parser.add_argument("--respondents", type=int, default=100_000)
    parser.add_argument("--demo", action="store_true", help="time the demo's coding stage")
    parser.add_argument("--code", type=Path, action="append", default=[], help="another checkout to time (--demo)")
    parser.add_argument("--runs", type=int, default=2, help="rounds (--demo)")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--ingest", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(demo_child(Path(args.child[0]), Path(args.child[1]))))
        return
    if args.ingest:
        demo_ingest(Path(args.ingest))
        return
    if args.demo:
        demo([REPO, *args.code], args.runs)
        return
    from conftest import c, q, write_xlsform

    from pipeline.coding.coding import code, plan
    from pipeline.survey.project import CodingSettings
    from pipeline.survey.questionnaire import load_questionnaire

    texts = verbatims(args.distinct)
    with tempfile.TemporaryDirectory() as tmp:
        form = load_questionnaire(write_xlsform(Path(tmp) / "form.xlsx", [
            q("text", "resp_id", "Respondent", required="yes"),
            q("select_one land", "geboorteland", "In welk land bent u geboren?"),
            q("text", "geboorteland_anders", "Ander land, namelijk:", relevant="${geboorteland} = 'other'")],
            [c("land", "BE", "België"), c("land", "MA", "Marokko"), c("land", "TR", "Turkije"),
             c("land", "other", "Ander land")]))
        settings = CodingSettings(codeframes=Path(tmp) / "codeframes",
                                  countries=REPO / "schemas" / "classifications" / "country_aliases.csv")
        t = time.perf_counter()
        targets = plan(form, settings)
        setup = time.perf_counter() - t

        def frame(n: int) -> pd.DataFrame:
            rng = np.random.default_rng(2)
            pick = np.concatenate([np.arange(len(texts)), rng.integers(0, len(texts), n - len(texts))])
            return pd.DataFrame({"resp_id": [f"R{i}" for i in range(n)], "geboorteland": "other",
                                 "geboorteland_anders": np.asarray(texts, dtype=object)[rng.permutation(pick)]})

        code(frame(len(texts)), form, key="resp_id", targets=targets, frames={}, threshold=75)  # warm-up
        rows = []
        for n in (len(texts), args.respondents):
            data = frame(n)
            t = time.perf_counter()
            _, result = code(data, form, key="resp_id", targets=targets, frames={}, threshold=75)
            rows.append((n, time.perf_counter() - t, result.coverage.iloc[0]))
    base = rows[0][1]
    print(f"classifications loaded once: {setup:.1f} s")
    print("| respondents | distinct verbatims | exact | fuzzy | back-coded | open | coding (s) | ratio |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n, seconds, cover in rows:
        print(f"| {n:,} | {cover['distinct']:,} | {cover['exact']:,} | {cover['fuzzy']:,} | "
              f"{cover['back_coded']:,} | {cover['open']:,} | {seconds:.2f} | {seconds / base:.2f} |")


if __name__ == "__main__":
    main()
