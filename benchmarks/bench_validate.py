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
    """A form of `variables` questions: 5-point grids (some routed), integers with constraints."""
    from conftest import c, q, write_xlsform

    survey = [q("text", "resp_id", "Respondent", required="yes"), {"type": "start", "name": "start"},
              {"type": "end", "name": "end"}, q("select_one jn", "filter", "Filter", required="yes")]
    for i in range(variables - 4):
        if i % 5 == 4:
            survey.append(q("integer", f"n{i}", f"Getal {i}", constraint=". >= 0 and . <= 100", required="yes"))
        else:
            survey.append(q("select_one s", f"v{i}", f"Vraag {i}", required="yes", measure="ordinal",
                            relevant="${filter} = 1" if i % 10 == 0 else None))
    choices = [c("jn", "1", "ja"), c("jn", "0", "nee")] + [c("s", str(k), str(k)) for k in range(1, 6)] + [
        c("s", "-1", "weet niet")]
    return write_xlsform(path, survey, choices)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--variables", type=int, default=500)
    args = parser.parse_args()
    import pyreadstat

    from pipeline.demo import demo_responses
    from pipeline.export import spss_frame
    from pipeline.questionnaire import load_questionnaire
    from pipeline.validate import validate

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
