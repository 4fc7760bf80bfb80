"""The delivery loads with its labels in pandas as docs/delivery.md shows: categoricals of labels,
missing codes as nulls (a mean leaves -3/-9 out), the codes kept in `<name>_code`."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from conftest import REPO, demo_delivery


@pytest.fixture(scope="module")
def cleaned(tmp_path_factory):
    return demo_delivery(tmp_path_factory) / "cleaned"


def documented_python() -> str:
    text = (REPO / "docs" / "delivery.md").read_text(encoding="utf-8")
    return re.search(r"```python\n(.*?)```", text, re.S).group(1)


@pytest.mark.slow
def test_the_documented_lines_load_labels_and_nulls(cleaned, monkeypatch):
    monkeypatch.chdir(cleaned)
    scope: dict = {}
    exec(documented_python(), scope)  # the three lines of docs/delivery.md, as a user runs them
    df, meta = scope["df"], scope["meta"]
    raw, _ = pyreadstat.read_sav("sid2026.sav", user_missing=True)
    assert isinstance(df["herkomstgroep"].dtype, pd.CategoricalDtype)
    assert df["herkomstgroep"].value_counts()["Marokko"] == (raw["herkomstgroep"] == 504).sum()
    assert df["diploma_isced"].cat.ordered
    year = raw["aankomstjaar"]  # -3 for who was born in Belgium
    assert (year < 0).any()
    assert df["aankomstjaar"].mean() == pytest.approx(year[year >= 0].mean())
    assert (df["aankomstjaar_code"] == year.astype("Int64")).all()  # the codes, -3/-9 included
    assert np.isnan(df["aankomstjaar"][year < 0]).all()
    assert meta.column_names_to_labels["modus"] == "Afnamemodus van de vragenlijst"
