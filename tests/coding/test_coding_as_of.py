"""Coding as of the interview date with the real reference tables: pre-merger names and codes,
deelgemeenten, postcodes, ambiguous names; the demo's planted variants coded as intended."""

import re
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from pipeline.coding import classifications as C
from pipeline.coding.dates import _local_day, as_of, resolve
from pipeline.survey.project import load_project

TABLES = Path(__file__).resolve().parents[2] / "schemas" / "classifications"


@pytest.fixture(scope="module")
def nis() -> C.Classification:
    return C.municipalities(TABLES / "refnis.csv", date(2026, 3, 1), TABLES / "refnis_successors.csv",
                            TABLES / "postcodes.csv")


def test_a_code_is_the_one_valid_on_the_answers_date(nis):
    assert resolve("73040", date(2024, 6, 1), nis) == "73040"  # Kortessem before the merger
    assert resolve("73040", date(2026, 6, 1), nis) == "71072"  # -> Hasselt
    assert resolve("71072", date(2024, 6, 1), nis) == "71022"  # Hasselt of 2025 was 71022 before
    assert resolve("44049", date(2026, 6, 1), nis) == "44083"  # Nevele -> Deinze (2019)
    assert resolve("11002", date(2026, 6, 1), nis) == "11002"
    codes = pd.Series([73040.0, 73040.0, 11002.0, None])
    when = pd.Series(pd.to_datetime(["2024-12-31", "2025-01-01", "2026-03-01", "2026-03-01"]))
    coded, historic = as_of(codes, when, nis)
    assert coded.tolist()[:3] == [73040.0, 71072.0, 11002.0] and pd.isna(coded[3])
    assert pd.isna(historic[0]) and historic[1] == 73040.0 and historic[2:].isna().all()


def test_the_interview_day_is_the_local_calendar_day():
    days = _local_day(pd.Series(["2025-01-01T00:30:00.000+01:00", None, "2024-12-31T23:59:00.000+01:00"]))
    assert days[0] == pd.Timestamp("2025-01-01") and pd.isna(days[1]) and days[2] == pd.Timestamp("2024-12-31")


def test_deelgemeenten_and_postcodes_name_their_municipality_and_say_so(nis):
    names = nis.name_frame().set_index("normalised")
    assert names.loc["borgerhout", ["code", "method"]].tolist() == ["11002", "deelgemeente"]
    assert names.loc["2140", ["code", "method"]].tolist() == ["11002", "postcode"]
    assert names.loc["kortessem", ["code", "method"]].tolist() == ["73040", "classification"]
    assert names.loc["hasselt", "code"] == "71072" and names.loc["moerbeke", "code"] == "44045"
    assert names.loc["deurne", ["code", "candidates"]].tolist() == ["", "11002|24020"]  # Antwerpen, Diest
    assert names.loc["1040", "code"] == "21005"  # bpost lists 1040 under Etterbeek only


def test_occupations_have_four_levels_and_esco_names():
    isco = C.occupations(TABLES / "isco08.csv", TABLES / "isco08_names.csv")
    assert len(isco.labels) == 436 and isco.label("5120") == "Koks"
    assert [c for c, _ in isco.parents("2221")] == ["2", "22", "222"]
    names = isco.name_frame().set_index("normalised")
    assert names.loc["loodgieter", "code"] == "7126" and names.loc["metselaar", "code"] == "7112"  # preferred
    assert names.loc["chef kok", ["code", "candidates"]].tolist() == ["", "3434|5120"]  # two alternatives
    # French titles (ESCO) code as their unit group; a Dutch title wins over the same word in French
    assert names.loc["plombier", "code"] == "7126" and names.loc["chauffeur de taxi", "code"] == "8322"
    assert names.loc["cuisiniers", "code"] == "5120"  # the unit group's French title
    # French titles are matched exactly only (no fuzzy false friends across languages); Dutch and
    # English titles stay fuzzy
    assert names.loc["assistants medicaux", ["code", "method"]].tolist() == ["3256", "occupation name"]
    assert names.loc["cooks", "method"] == names.loc["koks", "method"] == "classification"
    assert "occupation name" in C.EXACT_ONLY
    assert names.loc["verpleegkundige oncologie", ["code", "method"]].tolist() == ["2221", "occupation name"]  # CBS


@pytest.mark.slow
def test_demo_planted_coding_variants_are_coded_as_intended(demo_project):
    """Every planted deelgemeente, postcode, pre-merger name and occupation synonym in
    raw/demo_truth.csv gets its code (and historical code), or reaches the worklist with both
    candidates when it names two."""
    from cli import app  # the CLI imports every stage; only this test needs it
    from pipeline.ingest.stage import run_ingest
    from pipeline.survey.questionnaire import questionnaire_of

    proj = load_project(demo_project)
    run_ingest(proj, questionnaire_of(proj))
    result = CliRunner().invoke(app, ["--project", str(demo_project), "code"])
    assert result.exit_code == 0, result.output
    coded = pd.read_parquet(demo_project / "work" / "coded.parquet").set_index("sample_id")
    matches = pd.read_csv(demo_project / "work" / "coding_matches.csv", dtype=str, keep_default_na=False)
    truth = pd.read_csv(demo_project / "raw" / "demo_truth.csv", dtype=str)
    truth = truth[truth["defect"] == "coding_variant"]
    assert len(truth) >= 40 and set(truth["variable"]) == {"vorige_gemeente", "beroep"}
    column = {"vorige_gemeente": "vorige_gemeente_nis", "beroep": "beroep_isco"}
    wrong = []
    for row in truth.itertuples():
        typed, meant = re.fullmatch(r"'(.*)' .* \((.*)\)", row.detail).groups()
        got = coded.loc[row.sample_id, column[row.variable]]
        if meant.startswith("worklist: "):
            match = matches[(matches["variable"] == row.variable) & (matches["verbatim"] == typed)].iloc[0]
            ok = pd.isna(got) and match["status"] == "open" and all(
                c in match["suggestions"] for c in meant.removeprefix("worklist: ").split("|"))
        else:
            code, _, historic = meant.partition(", historisch ")
            ok = got == float(code)
            if row.variable == "vorige_gemeente":
                old = coded.loc[row.sample_id, "vorige_gemeente_nis_historisch"]
                ok &= (pd.isna(old) and not historic) or old == float(historic or "nan")
        if not ok:
            wrong.append((row.sample_id, row.detail, got))
    assert wrong == []
    deel = matches[(matches["variable"] == "vorige_gemeente") & (matches["verbatim"] == "Borgerhout")]
    assert deel["method"].tolist() == ["deelgemeente"]
    assert (coded["beroep_isco1"].dropna() == (coded["beroep_isco"].dropna() // 1000)).all()
