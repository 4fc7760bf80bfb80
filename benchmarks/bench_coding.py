"""Benchmark: coding cost grows with distinct answers, not with respondents.

Run: python benchmarks/bench_coding.py --distinct 5000 --respondents 100000
Codes an other-specify country question twice: once with one respondent per distinct verbatim,
once with `--respondents` respondents repeating the same verbatims. Prints one table; the ratio
is the second coding time over the first, measured in one run.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
REPO = Path(__file__).resolve().parent.parent


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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--distinct", type=int, default=5000)
    parser.add_argument("--respondents", type=int, default=100_000)
    args = parser.parse_args()
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
