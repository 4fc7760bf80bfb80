"""Weights: design weights, nonresponse adjustment within strata, raking (svy) with trimming."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.errors import SidError
from pipeline.survey.project import WeightSettings, load_project
from pipeline.weighting.weights import WEIGHT, WEIGHT_POPULATION, margin_values, read_population, weight

REPO = Path(__file__).resolve().parents[2]
MARGINS = ("stratum", "leeftijd_geslacht", "provincie")


@pytest.fixture(scope="module")
def demo():
    """The bundled demo's sample frame and final dispositions; respondents = the completes."""
    from pipeline.fieldwork.stage import sample_and_dispositions

    project = load_project(REPO)
    sample, dispositions = sample_and_dispositions(project)
    complete = set(dispositions.loc[dispositions["category"] == "I", "sample_id"])
    respondents = sample[sample["sample_id"].isin(complete)].reset_index(drop=True)
    return sample, dispositions, respondents, read_population(REPO / "schemas" / "populatie.csv")


def _settings(**changes):
    return replace(WeightSettings(population=REPO / "schemas" / "populatie.csv", margins=MARGINS), **changes)


def test_raked_weights_reproduce_every_margin_on_the_demo(demo):
    sample, dispositions, respondents, population = demo
    weighted, result = weight(respondents, sample, dispositions, population, _settings(), key="sample_id",
                              reference_year=2026)
    assert result.converged
    margins = result.margins
    assert set(margins["marge"]) == set(MARGINS)
    assert len(margins) == (population["variabele"].isin(MARGINS)).sum()
    assert margins["relatieve_fout"].max() < 1e-6
    # recomputed from the delivered column itself, per margin category
    for margin in MARGINS:
        target = population[population["variabele"] == margin].set_index("categorie")["populatie"]
        values = margin_values(respondents, margin, list(target.index), _settings(), 2026)
        achieved = weighted[WEIGHT_POPULATION].groupby(values.to_numpy()).sum()
        np.testing.assert_allclose(achieved.reindex(target.index).to_numpy(), target.to_numpy(), rtol=1e-6)
    assert weighted[WEIGHT].mean() == pytest.approx(1.0)
    assert weighted[WEIGHT_POPULATION].sum() == pytest.approx(population.query("variabele == 'stratum'")["populatie"].sum())
    assert len(weighted) == len(respondents) and (weighted[WEIGHT] > 0).all()


def test_trimming_caps_weights_and_margins_still_hold(demo):
    sample, dispositions, respondents, population = demo
    _, loose = weight(respondents, sample, dispositions, population, _settings(trim=0.0), key="sample_id",
                      reference_year=2026)
    _, trimmed = weight(respondents, sample, dispositions, population, _settings(trim=2.0), key="sample_id",
                        reference_year=2026)
    w = trimmed.weights
    ratio = w["raked"] / w.groupby("stratum")["raked"].transform("median")
    assert ratio.max() <= 2.0 * (1 + 1e-5)
    assert trimmed.convergence["gewichten_boven_grens"].iloc[-1] == 0
    assert len(trimmed.convergence) > 1          # it had to trim and rake again
    assert trimmed.margins["relatieve_fout"].max() < 1e-6
    final = lambda r: r.diagnostics.query("stap == 'raking (getrimd)' and stratum == 'BE'").iloc[0]  # noqa: E731
    assert final(trimmed)["deff_kish"] < final(loose)["deff_kish"]


def test_design_and_nonresponse_weights_on_worked_numbers():
    # One stratum: population 100, 10 units drawn → design weight 100/10 = 10.
    # 4 respondents, 3 eligible nonrespondents, 1 not eligible, 2 of unknown eligibility.
    # Unknowns' weight (20) goes to the 8 known units: × 100/80 = 1.25;
    # then the nonrespondents' to the respondents: × (4+3)/4 = 1.75 → 10 · 1.25 · 1.75 = 21.875;
    # the respondents then stand for the estimated eligible population 100 · 7/8 = 87.5.
    ids = [f"S{i}" for i in range(10)]
    sample = pd.DataFrame({"sample_id": ids, "stratum": "A", "nis_code": "11002", "geslacht": "1",
                           "geboortejaar": "1980"})
    dispositions = pd.DataFrame({"sample_id": ids, "category": ["I"] * 4 + ["R", "NC", "O", "NE", "UH", "UO"]})
    population = pd.DataFrame({"variabele": ["stratum"], "categorie": ["A"], "populatie": [100.0]})
    respondents = sample.iloc[:4]
    weighted, result = weight(respondents, sample, dispositions, population,
                              _settings(margins=("stratum",)), key="sample_id", reference_year=2026)
    w = result.weights
    assert (w["design"] == 10).all()
    assert w["nonresponse"].to_numpy() == pytest.approx([21.875] * 4)
    assert w["raked"].sum() == pytest.approx(100.0)            # raked to the stratum's population
    assert weighted[WEIGHT].to_numpy() == pytest.approx([1.0] * 4)


def test_province_from_the_nis_code():
    frame = pd.DataFrame({"nis_code": ["11002", "21004", "23088", "24062", "31005", "44021", "71022", 12025.0]})
    values = margin_values(frame, "provincie", [], _settings(), 2026)
    assert values.tolist() == ["Antwerpen", "Brussel", "Vlaams-Brabant", "Vlaams-Brabant", "West-Vlaanderen",
                               "Oost-Vlaanderen", "Limburg", "Antwerpen"]


def test_age_and_sex_bands_from_the_sample_frame_columns():
    frame = pd.DataFrame({"steekproef_geboortejaar": [2011, 2002, 1941, 1990.0], "steekproef_geslacht": [1, 2, 2, 1.0],
                          "geslacht": [3, 3, 3, 3]})   # the answer (3) loses to the register's value
    cats = ["15-24 man", "15-24 vrouw", "25-64 man", "25-64 vrouw", "65-85 man", "65-85 vrouw"]
    assert margin_values(frame, "leeftijd_geslacht", cats, _settings(), 2026).tolist() == [
        "15-24 man", "15-24 vrouw", "65-85 vrouw", "25-64 man"]


def test_stratum_without_population_is_an_error(demo):
    sample, dispositions, respondents, population = demo
    short = population[~((population["variabele"] == "stratum") & (population["categorie"] == "CD"))]
    with pytest.raises(SidError, match="stratum 'CD'"):
        weight(respondents, sample, dispositions, short, _settings(), key="sample_id", reference_year=2026)


def test_margins_that_describe_another_population_are_an_error(demo):
    sample, dispositions, respondents, population = demo
    bigger = population.copy()
    bigger.loc[bigger["variabele"] == "provincie", "populatie"] *= 1.1
    with pytest.raises(SidError, match="provincie"):
        weight(respondents, sample, dispositions, bigger, _settings(), key="sample_id", reference_year=2026)


def test_reference_table_errors_name_the_row(tmp_path):
    path = tmp_path / "populatie.csv"
    path.write_text("variabele,categorie,populatie\nstratum,BE,1000\nstratum,MA,veel\n", encoding="utf-8")
    with pytest.raises(SidError) as err:
        read_population(path)
    assert err.value.row == 3 and err.value.column == "populatie"


def test_trimming_that_cannot_finish_is_reported_not_converged(demo):
    sample, dispositions, respondents, population = demo
    _, result = weight(respondents, sample, dispositions, population, _settings(trim=1.5, trim_cycles=3),
                       key="sample_id", reference_year=2026)
    assert not result.converged
    assert len(result.convergence) == 4 and result.convergence["gewichten_boven_grens"].iloc[-1] > 0
    assert result.margins["relatieve_fout"].max() < 1e-6     # the last step is a rake: margins hold


def test_weight_settings_are_checked(tmp_path):
    import shutil

    shutil.copytree(REPO / "schemas", tmp_path / "schemas")
    base = (REPO / "sid.toml").read_text(encoding="utf-8")
    for bad, key in (("trim = 0.5", "weight.trim"), ("margins = []", "weight.margins"),
                     ("tolerance = 0.5", "weight.tolerance"), ("trim_cyles = 3", "weight.trim_cyles")):
        text = base.replace('tolerance = 1e-10', bad) if "tolerance" in bad or "trim_cyles" in bad else \
            base.replace("trim = 1.8", bad) if "trim" in bad else base.replace(
                'margins = ["stratum", "leeftijd_geslacht", "provincie"]', bad)
        (tmp_path / "sid.toml").write_text(text, encoding="utf-8")
        with pytest.raises(SidError, match=key):
            load_project(tmp_path)


def test_stratum_without_respondents_is_an_error():
    ids = [f"S{i}" for i in range(10)]
    sample = pd.DataFrame({"sample_id": ids, "stratum": ["A"] * 5 + ["B"] * 5})
    dispositions = pd.DataFrame({"sample_id": ids, "category": ["I"] * 2 + ["R"] * 8})
    population = pd.DataFrame({"variabele": ["stratum"] * 2, "categorie": ["A", "B"], "populatie": [100.0, 50.0]})
    with pytest.raises(SidError, match="stratum 'B' has no respondents"):
        weight(sample.iloc[:2], sample, dispositions, population, _settings(margins=("stratum",)),
               key="sample_id", reference_year=2026)
