"""Benchmark: validation of N respondents × K variables against writing the same data with pyreadstat.

Run: python benchmarks/bench_validate.py --rows 100000 --variables 500
Prints one table; the ratio is validation time / bare pyreadstat.write_sav time, measured in one run.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))


def wide_form(path: Path, variables: int) -> Path:
    """The whole-run benchmark's form without open texts (validation is about codes and ranges)."""
    from bench_run import wide_form as form

    return form(path, variables, texts=False)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--variables", type=int, default=500)
    args = parser.parse_args()
    import pyreadstat

    from pipeline.demo.answers import demo_responses
    from pipeline.delivery.export import spss_frame
    from pipeline.survey.questionnaire import load_questionnaire
    from pipeline.validation.validate import validate

    with tempfile.TemporaryDirectory() as tmp:
        form = load_questionnaire(wide_form(Path(tmp) / "form.xlsx", args.variables))
        t = time.perf_counter()
        frame = demo_responses(form, respondents=args.rows, seed=1, key="resp_id")
        generate = time.perf_counter() - t
        t = time.perf_counter()
        report = validate(frame, form, key="resp_id")
        validation = time.perf_counter() - t
        data, _, _ = spss_frame(frame, form, language="nl", key="resp_id", title="bench")
        t = time.perf_counter()
        pyreadstat.write_sav(data, str(Path(tmp) / "bare.sav"))
        write = time.perf_counter() - t
    print(f"| rows | variables | generate (s) | validate (s) | pyreadstat.write_sav (s) | validate / write |")
    print(f"|---:|---:|---:|---:|---:|---:|")
    print(f"| {args.rows:,} | {args.variables} | {generate:.1f} | {validation:.1f} | {write:.1f} | "
          f"{validation / write:.2f} |")
    print(f"rules checked: {len(report.summary)}; failures: {len(report.failures):,}")


if __name__ == "__main__":
    main()
