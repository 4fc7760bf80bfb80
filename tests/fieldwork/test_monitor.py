"""Progress against targets, robust z-scores, interviewer flags and the back-check draw."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.fieldwork.monitor import interviewer_checks, phases, progress, progress_over_time, robust_z
from pipeline.survey.project import SID_MISSING
from pipeline.survey.questionnaire import load_questionnaire

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def form():
    return load_questionnaire(REPO / "schemas" / "questionnaire.xlsx", SID_MISSING)


def test_robust_z_on_worked_numbers():
    # median 3; |x - 3| = 2, 1, 0, 1, 97 → MAD 1; z = (x - 3) / 1.4826
    z = robust_z(pd.Series([1.0, 2.0, 3.0, 4.0, 100.0]))
    assert z.iloc[4] == pytest.approx(97 / 1.4826)
    assert z.iloc[0] == pytest.approx(-2 / 1.4826)
    # MAD 0 (most values equal): the mean absolute deviation stands in, 1.2533 · mean|x - median|
    z = robust_z(pd.Series([5.0, 5.0, 5.0, 5.0, 15.0]))
    assert z.iloc[4] == pytest.approx(10 / (1.2533 * 2.0))
    assert (robust_z(pd.Series([2.0, 2.0, 2.0])) == 0).all()


DISPOSITIONS = pd.DataFrame({
    "sample_id": [f"S{i}" for i in range(10)],
    "stratum": ["BE"] * 5 + ["MA"] * 5,
    "category": ["I", "I", "I", "R", "UH", "I", "P", "NC", "UH", "UH"],
    "mode": ["web", "capi", "web", "capi", "", "papi", "web", "capi", "", ""],
    "date": pd.to_datetime(["2026-03-02", "2026-03-05", "2026-03-05", "2026-03-06", None,
                            "2026-03-04", "2026-03-04", "2026-03-07", None, None]),
})


def test_progress_against_targets_per_group_and_mode():
    table = progress(DISPOSITIONS, {"BE": 4, "MA": 2, "TR": 3}).set_index("groep")
    assert table.loc["BE", "volledig"] == 3 and table.loc["BE", "nog_te_doen"] == 1
    assert table.loc["BE", "pct_doel"] == pytest.approx(75.0)
    assert table.loc["MA", "volledig"] == 1 and table.loc["MA", "gedeeltelijk"] == 1
    assert table.loc["TR", "volledig"] == 0 and table.loc["TR", "steekproef"] == 0   # none sampled yet
    assert (table.loc["BE", "volledig_web"], table.loc["BE", "volledig_capi"]) == (2, 1)
    assert table.loc["MA", "volledig_papi"] == 1
    assert table.loc["totaal", "volledig"] == 4 and table.loc["totaal", "doel"] == 9
    assert table.loc["totaal", "pct_doel"] == pytest.approx(400 / 9)


def test_progress_counts_completes_as_collected_and_usable():
    # S0 (a complete web interview) was excluded by cleaning as a speeder: collected, not usable
    # S3 (a refusal) excluded as a break-off was no complete: it changes nothing
    table = progress(DISPOSITIONS, {"BE": 4, "MA": 2, "TR": 3},
                     unusable={"S0": "speeder", "S3": "break_off"}).set_index("groep")
    assert table.loc["BE", ["volledig", "uitgesloten_speeder", "bruikbaar", "nog_te_doen"]].tolist() == [3, 1, 2, 2]
    assert "uitgesloten_break_off" not in table.columns
    assert list(table.columns[:5]) == ["doel", "steekproef", "volledig", "uitgesloten_speeder", "bruikbaar"]
    assert table.loc["BE", "pct_doel"] == pytest.approx(50.0)
    assert table.loc["totaal", ["volledig", "bruikbaar"]].tolist() == [4, 3]
    assert table.loc["totaal", "pct_doel"] == pytest.approx(300 / 9)


def test_phases_follow_each_units_attempt_sequence_not_its_final_mode():
    log = pd.DataFrame({
        "sample_id": ["A", "B", "B", "C", "C", "C", "D", "D"],
        "attempt": [1, 1, 2, 1, 2, 3, 1, 2],
        "mode": ["web", "web", "web", "web", "web", "capi", "web", "capi"],
        "category": ["I", "NC", "I", "NC", "NC", "I", "NC", "R"]})
    table = phases(log, sample_size=5).set_index("fase")
    assert list(table.index) == ["web: uitnodiging", "web: herinnering", "face-to-face"]
    assert table["eenheden"].tolist() == [4, 2, 2] and table["volledig"].tolist() == [1, 1, 1]
    assert table.loc["face-to-face", "pct_volledig"] == pytest.approx(50.0)
    assert table["volledig_cumulatief"].tolist() == [1, 2, 3]
    assert table.loc["face-to-face", "pct_steekproef_cumulatief"] == pytest.approx(60.0)


def test_progress_over_time_is_cumulative_per_day():
    daily = progress_over_time(DISPOSITIONS, {"BE": 4, "MA": 2}, until=pd.Timestamp("2026-03-08"))
    be = daily[daily["groep"] == "BE"].groupby("datum")["volledig_cumulatief"].sum()
    assert be.index.min() == pd.Timestamp("2026-03-02") and be.index.max() == pd.Timestamp("2026-03-08")
    assert be[pd.Timestamp("2026-03-02")] == 1 and be[pd.Timestamp("2026-03-05")] == 3
    assert be.iloc[-1] == 3
    assert (daily.groupby(["groep", "modus"])["volledig_cumulatief"].diff().dropna() >= 0).all()


def _interviews(form, seed=7):
    """60 face-to-face interviews by 6 interviewers (10 each), and 10 web interviews. Interviewer
    106 is fast and straight-lines every grid."""
    from pipeline.validation.quality import grids

    rng = np.random.default_rng(seed)
    n = 60
    frame = pd.DataFrame({"sample_id": [f"S{i:04d}" for i in range(n)],
                          "interviewer_id": np.repeat([101.0, 102, 103, 104, 105, 106], 10),
                          "_mode": "capi"})
    start = pd.Timestamp("2026-04-01 10:00") + pd.to_timedelta(rng.integers(0, 40, n), unit="D")
    minutes = rng.normal(50, 5, n)
    minutes[50:] = rng.normal(18, 2, 10)
    frame["start"] = start
    frame["end"] = start + pd.to_timedelta(minutes, unit="m")
    for names in grids(form, 4).values():
        for name in names:
            frame[name] = rng.integers(1, 6, n).astype(float)
        frame.loc[50:, names] = 3.0
    web = frame.iloc[:10].assign(_mode="web", interviewer_id=np.nan,
                                 sample_id=[f"W{i}" for i in range(10)])
    return pd.concat([frame, web], ignore_index=True)


def test_interviewer_flagged_with_dutch_reasons(form):
    checks = interviewer_checks(_interviews(form), form, key="sample_id", z_threshold=3.5, min_interviews=5)
    table = checks.table.set_index("interviewer_id")
    assert list(table.index) == ["101", "102", "103", "104", "105", "106"]   # face to face only
    assert (table["interviews"] == 10).all()
    assert table.loc["106", "gemarkeerd"] and not table.drop(index="106")["gemarkeerd"].any()
    reasons = table.loc["106", "redenen"]
    assert "korte interviews" in reasons and "rechte lijnen" in reasons
    assert table.loc["106", "straightlining"] == pytest.approx(100.0)
    assert table.loc["106", "z_duur_mediaan_min"] < -3.5


def test_too_few_interviews_are_listed_not_judged(form):
    frame = _interviews(form)
    checks = interviewer_checks(frame, form, key="sample_id", min_interviews=11)
    assert not checks.table["gemarkeerd"].any()
    assert checks.table["redenen"].str.contains("minder dan 11 interviews").all()


def test_backcheck_draw_is_reproducible_from_its_seed(form):
    frame = _interviews(form)
    a = interviewer_checks(frame, form, key="sample_id", backcheck_share=0.2, seed=11)
    b = interviewer_checks(frame.sample(frac=1, random_state=3), form, key="sample_id", backcheck_share=0.2, seed=11)
    c = interviewer_checks(frame, form, key="sample_id", backcheck_share=0.2, seed=12)
    pd.testing.assert_frame_equal(a.backcheck, b.backcheck)       # input order does not matter
    assert set(a.backcheck["sample_id"]) != set(c.backcheck["sample_id"])
    assert (a.backcheck["seed"] == 11).all() and a.seed == 11
    per = a.backcheck.groupby("interviewer_id").size()
    # 20% of 10 = 2 per interviewer; the flagged interviewer 106: twice that share = 4
    assert per.drop("106").eq(2).all() and per["106"] == 4
    assert set(a.backcheck.loc[a.backcheck["interviewer_id"] == "106", "reden"]) == {
        "gemarkeerde interviewer (dubbel aandeel)"}
    assert not a.backcheck["sample_id"].str.startswith("W").any()     # web interviews are not re-contacted


def test_no_face_to_face_interviews_gives_empty_tables(form):
    frame = _interviews(form)
    checks = interviewer_checks(frame[frame["_mode"] == "web"], form, key="sample_id")
    assert checks.table.empty and checks.backcheck.empty
