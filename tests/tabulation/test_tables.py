"""`sid report tables` on the demo delivery: weighted valid % reproduced with numpy, intervals
around them, small bases suppressed, an XLSX sheet per module, HTML that renders in Chromium."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from conftest import demo_delivery
from typer.testing import CliRunner

from cli import app

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
QUESTIONS = ("geslacht", "religie", "diploma_isced")


@pytest.fixture(scope="module")
def tabled(tmp_path_factory):
    """A copy of the demo delivery, tables with a base of at least 700 per cell."""
    root = tmp_path_factory.mktemp("tables") / "demo"
    shutil.copytree(demo_delivery(tmp_path_factory), root, ignore=shutil.ignore_patterns("*.lock"))
    toml = root / "sid.toml"
    text = re.sub(r"(?ms)^\[tables\].*?(?=^\[)", "", toml.read_text(encoding="utf-8"))  # the demo's own
    toml.write_text(text + '\n[tables]\nbreakdowns = ["stratum", "modus"]\nmin_n = 700\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["--project", str(root), "report", "tables"])
    assert result.exit_code == 0, result.output
    return root


def _table(root: Path) -> pd.DataFrame:
    sheets = pd.read_excel(root / "work" / "tabellen.xlsx", sheet_name=None)
    return pd.concat(sheets.values(), ignore_index=True)


@pytest.mark.slow
def test_weighted_valid_percentages_are_what_numpy_gives(tabled):
    data, meta = pyreadstat.read_sav(str(tabled / "cleaned" / "sid2026.sav"))  # missing codes → NaN
    table = _table(tabled)
    weights, strata = data["gewicht"].to_numpy(), data["stratum"].to_numpy()
    checked = 0
    for name in QUESTIONS:
        values = data[name].to_numpy(dtype="float64")
        for group in [None, *np.unique(strata)]:
            rows = np.ones(len(values), bool) if group is None else strata == group
            label = "totaal" if group is None else meta.variable_value_labels["stratum"][group]
            valid = rows & ~np.isnan(values)
            for code in np.unique(values[valid]):
                expected = 100 * weights[valid & (values == code)].sum() / weights[valid].sum()
                row = table[(table["variabele"] == name) & (table["groep"] == label) & (table["code"] == code)
                            & (table["uitsplitsing"].isin(["totaal", "stratum"]))].iloc[0]
                assert row["basis"] == valid.sum() and row["n"] == (valid & (values == code)).sum()
                if valid.sum() < 700:
                    assert row["onderdrukt"] and np.isnan(row["procent"])
                    continue
                assert row["procent"] == pytest.approx(expected, abs=0.051), (name, label, code)
                assert row["ondergrens"] <= row["procent"] <= row["bovengrens"]
                checked += 1
    assert checked > 20
    assert table["onderdrukt"].any() and not table["onderdrukt"].all()
    assert set(table["uitsplitsing"]) == {"totaal", "stratum", "modus"}


@pytest.mark.slow
def test_one_sheet_per_module(tabled):
    sheets = pd.read_excel(tabled / "work" / "tabellen.xlsx", sheet_name=None)
    assert len(sheets) > 3
    assert all(frame["module"].nunique() == 1 for frame in sheets.values())


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (.ci/run installs it)")
def test_html_is_self_contained_and_renders_in_headless_chromium(tabled, tmp_path):
    page = tabled / "work" / "tabellen.html"
    html = page.read_text(encoding="utf-8")
    assert "http://" not in html and "https://" not in html and "<link" not in html and "src=" not in html
    assert 'class="bar"' in html and 'class="sortable"' in html and "Marokko" in html
    args = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--host-resolver-rules=MAP * ~NOTFOUND", f"--user-data-dir={tmp_path / 'profile'}",
            "--enable-logging=stderr", "--v=0", "--window-size=1200,2000"]
    shot = tmp_path / "tables.png"
    proc = subprocess.run([*args, f"--screenshot={shot}", page.as_uri()], capture_output=True, text=True,
                          timeout=120)
    assert shot.is_file() and shot.stat().st_size > 20_000, proc.stderr[-2000:]
    dom = subprocess.run([*args, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120)
    assert 'data-ready="1"' in dom.stdout  # the sorting script ran to its end
    assert not [line for line in dom.stderr.splitlines() if "Uncaught" in line]


# --- the one-pass estimator against svy, question by question ------------------------------------

def _svy_per_question(frame: pd.DataFrame, names: list[str]) -> dict[str, pd.DataFrame]:
    """svy's own Taylor estimate of every question, one prop() per question (as the tables were
    made before the one-pass estimator): `frame` has the answers, `_w`, `_s` (strata), `_g`."""
    import polars as pl
    import svy

    sample = svy.Sample(data=pl.from_pandas(frame), design=svy.Design(stratum="_s", wgt="_w"))
    return {name: sample.estimation.prop(name, by="_g", drop_nulls=True).to_polars().to_pandas()
            for name in names}


def _one_pass(frame: pd.DataFrame, names: list[str]) -> dict[str, pd.DataFrame]:
    """The same figures from tabulate.estimate, in svy's long shape."""
    from pipeline.tabulation.tabulate import estimate, logit_interval

    groups, group = np.unique(frame["_g"].to_numpy(), return_inverse=True)
    _, stratum = np.unique(frame["_s"].to_numpy(), return_inverse=True)
    codes = [sorted(set(frame[n].dropna())) for n in names]
    est = estimate(frame[names].to_numpy(dtype="float64"), codes, frame["_w"].to_numpy(), stratum, group,
                   len(groups))
    lower, upper = logit_interval(est.p, est.se, est.df)
    out, k = {}, 0
    for name, cs in zip(names, codes):
        rows = [(g, c, est.p[k + i, j], est.se[k + i, j], lower[k + i, j], upper[k + i, j], est.df[k + i, j])
                for j, g in enumerate(groups) for i, c in enumerate(cs) if est.base[names.index(name), j] > 0]
        out[name] = pd.DataFrame(rows, columns=["_g", name, "est", "se", "lci", "uci", "df"])
        k += len(cs)
    return out


def _same_as_svy(frame: pd.DataFrame, names: list[str]) -> int:
    ours, theirs = _one_pass(frame, names), _svy_per_question(frame, names)
    compared = 0
    for name in names:
        merged = theirs[name].merge(ours[name], on=["_g", name], suffixes=("_svy", ""), validate="1:1")
        assert len(merged) == len(theirs[name]), name  # every group × code svy estimates, we do too
        for column in ("est", "se", "lci", "uci"):
            np.testing.assert_allclose(merged[column], merged[f"{column}_svy"], rtol=1e-9, atol=1e-12,
                                       err_msg=f"{name} {column}")
        assert (merged["df"] == merged["df_svy"]).all(), name
        compared += len(merged)
    return compared


@pytest.mark.slow
def test_the_one_pass_estimates_are_svys_on_the_demo_delivery(tmp_path_factory):
    """Every tabulated question of the demo delivery, by total, origin group (= the strata) and
    mode (groups across strata): estimate, standard error, interval and df equal svy's."""
    from pipeline.survey.project import load_project
    from pipeline.survey.questionnaire import questionnaire_of
    from pipeline.tabulation.stage import questions_of
    from pipeline.tabulation.tabulate import valid_values

    root = demo_delivery(tmp_path_factory)
    project = load_project(root)
    data, meta = pyreadstat.read_sav(str(root / "cleaned" / "sid2026.sav"), user_missing=True)
    questions = questions_of(meta, questionnaire_of(project), {"gewicht", "stratum", "modus"})
    names = [q.name for q in questions]
    answers = pd.DataFrame({n: valid_values(data[n], meta.missing_ranges.get(n, [])) for n in names})
    compared = 0
    for by in (None, "stratum", "modus"):
        frame = answers.assign(_w=data["gewicht"], _s=data["stratum"].astype(str),
                               _g="totaal" if by is None else data[by].map(meta.variable_value_labels[by]))
        frame = frame[frame["_w"] > 0]
        compared += _same_as_svy(frame, names)
    assert len(names) > 100 and compared > 10_000


def test_the_one_pass_estimates_are_svys_on_awkward_data():
    """Unequal weights, answers missing at random, groups that cut across strata, a group that
    answered one code only (p = 1: no interval), a code only one group gave, a question a group
    did not answer at all."""
    rng = np.random.default_rng(7)
    n = 400
    frame = pd.DataFrame({"_w": rng.gamma(2.0, 1.5, n), "_s": rng.choice(["a", "b", "c", "d"], n),
                          "_g": rng.choice(["x", "y", "z"], n)})
    frame["q1"] = rng.integers(1, 6, n).astype("float64")
    frame.loc[rng.random(n) < 0.3, "q1"] = np.nan
    frame["q2"] = np.where(frame["_g"] == "z", 1.0, rng.integers(1, 3, n))  # z: all 1
    frame.loc[(frame["_g"] == "x") & (rng.random(n) < 0.5), "q2"] = np.nan
    frame["q3"] = np.where(frame["_g"] == "y", np.nan, rng.choice([10.0, 20.0, 30.0], n))  # y never answered
    frame.loc[frame.index[:3], "q3"] = 99.0  # a code only x/z give, thrice
    assert _same_as_svy(frame, ["q1", "q2", "q3"]) > 20


def test_a_stratum_of_one_respondent_is_a_clear_error():
    from pipeline.errors import SidError
    from pipeline.tabulation.tabulate import Question, tabulate

    data = pd.DataFrame({"q": [1.0, 2.0, 1.0, 2.0, 1.0], "w": [1.0, 2.0, 1.0, 1.0, 3.0],
                         "s": ["a", "a", "b", "b", "c"]})
    with pytest.raises(SidError, match="single weighted respondent"):
        tabulate(data, [Question("q", "Q", "m", {1.0: "een", 2.0: "twee"})], {}, weight="w", strata="s", min_n=1)
