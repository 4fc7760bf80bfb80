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
