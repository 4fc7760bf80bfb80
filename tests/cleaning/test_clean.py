"""Cleaning: each step on a tiny frame, the cell log, replay, exclusions and reruns."""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from conftest import demo_copy, demo_delivery, demo_run_result
from typer.testing import CliRunner

from cli import app
from pipeline.cleaning.clean import LOG_COLUMNS, Correction, clean, load_corrections, replay
from pipeline.survey.project import CleanSettings
from pipeline.survey.questionnaire import load_questionnaire
from pipeline.validation.validate import validate


def frame() -> pd.DataFrame:
    return pd.DataFrame({
        "resp_id": ["R1", "R2", "R3", "R4"],
        "start": pd.to_datetime(["2026-03-02 10:00", "2026-03-02 11:00", "2026-03-02 12:00", "2026-03-02 13:00"]),
        "end": pd.to_datetime(["2026-03-02 10:30", "2026-03-02 11:31", "2026-03-02 12:29", "2026-03-02 13:32"]),
        "geboortejaar": [1980.0, 1890.0, 1975.0, 2000.0],
        "werk": [1.0, 0.0, np.nan, 1.0],
        "tevreden": [4.0, 3.0, np.nan, 9.0],
        "geboorteland": ["BE", "XX", "MA", None],
        "talen": ["nl", "nl zz", None, "ar"],
        "talen_anders": [None, None, None, None],
        "leeftijd": [46.0, 136.0, 51.0, 20.0],
        "_complete": [True, True, True, True],
    })


@pytest.fixture
def form(tiny_form):
    return load_questionnaire(tiny_form)


def log_of(result):
    return result.log[["step", "variable", "respondent", "old", "new"]].values.tolist()


def test_invalid_codes_routing_and_calculates(form):
    cleaned, result = clean(frame(), form, key="resp_id")
    assert list(result.log.columns) == LOG_COLUMNS
    assert log_of(result) == [
        ["invalid", "geboortejaar", "R2", "1890.0", "-4.0"],
        ["invalid", "tevreden", "R4", "9.0", "-4.0"],
        ["invalid", "geboorteland", "R2", "XX", "-4"],
        ["invalid", "talen", "R2", "nl zz", "-4"],
        ["derive", "leeftijd", "R2", "136.0", ""],
        ["derive", "leeftijd", "R4", "20.0", "26.0"],
        ["routing", "werk", "R3", "", "-9.0"],
        ["routing", "tevreden", "R2", "3.0", "-3.0"],
        ["routing", "tevreden", "R3", "", "-3.0"],
        ["routing", "geboorteland", "R4", "", "-9"],
        ["routing", "talen", "R3", "", "-9"],
    ]
    assert cleaned["tevreden"].tolist() == [4.0, -3.0, -3.0, -4.0]
    assert validate(cleaned, form, key="resp_id").errors == 0


def test_answered_though_not_asked_can_be_kept(form):
    _, result = clean(frame(), form, key="resp_id", settings=CleanSettings(not_asked_answered="keep"))
    assert ["routing", "tevreden", "R2", "3.0", "-3.0"] not in log_of(result)


def test_corrections_from_yaml_applied_in_order(form, tmp_path):
    rules = tmp_path / "corrections.yaml"
    rules.write_text(
        "- name: typo_geboortejaar\n"
        "  description: 1890 is a typing error for 1980\n"
        "  condition: ${geboortejaar} = 1890\n"
        "  assign:\n"
        "    geboortejaar: 1980\n")
    corrections = load_corrections(rules, form)
    assert corrections == (Correction("typo_geboortejaar", "1890 is a typing error for 1980",
                                      "${geboortejaar} = 1890", (("geboortejaar", "1980"),)),)
    cleaned, result = clean(frame(), form, key="resp_id", corrections=corrections)
    assert result.log.iloc[0].tolist() == ["correction", "typo_geboortejaar", "R2", "", "", "geboortejaar", "1890.0",
                                         "1980.0"]  # roster and instance empty: a main-level cell
    assert cleaned.loc[1, "leeftijd"] == 46.0


def test_bad_correction_names_the_rule(form, tmp_path):
    from pipeline.errors import SidError

    rules = tmp_path / "c.yaml"
    rules.write_text("- name: x\n  condition: ${nope( = 1\n  assign: {werk: 1}\n")
    with pytest.raises(SidError, match="correction 1: x: "):
        load_corrections(rules, form)


def test_breakoffs_and_speeders_excluded_and_reported(form):
    data = frame()
    data.loc[0, "_complete"] = False
    data.loc[3, "end"] = pd.Timestamp("2026-03-02 13:05")
    cleaned, result = clean(data, form, key="resp_id")
    assert result.excluded.values.tolist() == [["R1", "break_off"], ["R4", "speeder"]]
    assert cleaned["resp_id"].tolist() == ["R2", "R3"]


def test_replay_reproduces_the_cleaned_frame(form):
    data = frame()
    cleaned, result = clean(data, form, key="resp_id")
    again = replay(data, result.log, form, "resp_id", result.excluded)
    pd.testing.assert_frame_equal(again[cleaned.columns], cleaned, check_dtype=False)


def test_input_frame_not_changed(form):
    data = frame()
    before = data.copy()
    clean(data, form, key="resp_id")
    pd.testing.assert_frame_equal(data, before)


@pytest.mark.slow
def test_replay_on_demo_data(tmp_path_factory):
    demo_project = demo_delivery(tmp_path_factory)  # the session's shared run: only read here
    exit_code, output = demo_run_result(tmp_path_factory)
    assert exit_code == 0, output
    # cleaning starts from the coded frame when [coding] is configured (coding runs before it)
    coded = demo_project / "work" / "coded.parquet"
    ingested = pd.read_parquet(coded if coded.is_file() else demo_project / "work" / "ingested.parquet")
    cleaned = pd.read_parquet(demo_project / "work" / "cleaned.parquet")
    log = pd.read_csv(demo_project / "work" / "cleaning_log_private.csv", dtype=str, keep_default_na=False)
    excluded = pd.read_csv(demo_project / "work" / "exclusions.csv", dtype=str, keep_default_na=False)
    form = load_questionnaire(demo_project / "schemas" / "questionnaire.xlsx")
    again = replay(ingested, log, form, "sample_id", excluded)
    pd.testing.assert_frame_equal(again[cleaned.columns], cleaned, check_dtype=False)
    delivered = pd.read_csv(demo_project / "cleaned" / "cleaning_log.csv", dtype=str, keep_default_na=False)
    assert list(delivered.columns) == LOG_COLUMNS
    assert not delivered["respondent"].str.startswith("S").any()  # pseudonyms, not sample ids


@pytest.mark.slow
def test_two_runs_same_data_and_metadata(tmp_path_factory, tmp_path):
    runner = CliRunner()
    demo_project = demo_copy(tmp_path_factory, tmp_path / "demo")  # the shared first run, copied
    assert demo_run_result(tmp_path_factory)[0] == 0
    first = pyreadstat.read_sav(str(demo_project / "cleaned" / "sid2026.sav"), user_missing=True)
    log1 = (demo_project / "cleaned" / "cleaning_log.csv").read_bytes()
    # --fresh: every stage runs again (a plain rerun would reuse them all)
    assert runner.invoke(app, ["--project", str(demo_project), "run", "--fresh"]).exit_code == 0
    second = pyreadstat.read_sav(str(demo_project / "cleaned" / "sid2026.sav"), user_missing=True)
    pd.testing.assert_frame_equal(first[0], second[0])
    for attr in ("column_names", "column_labels", "variable_value_labels", "missing_ranges",
                 "variable_measure", "original_variable_types", "file_label"):
        assert getattr(first[1], attr) == getattr(second[1], attr), attr
    assert (demo_project / "cleaned" / "cleaning_log.csv").read_bytes() == log1


@pytest.mark.slow
def test_sigkill_during_export_leaves_previous_delivery(tmp_path_factory, tmp_path):
    runner = CliRunner()
    demo_project = demo_copy(tmp_path_factory, tmp_path / "demo")  # a project after one good run
    assert demo_run_result(tmp_path_factory)[0] == 0
    cleaned = demo_project / "cleaned"
    before = {p.name: p.read_bytes() for p in cleaned.iterdir()}
    data_before = pyreadstat.read_sav(str(cleaned / "sid2026.sav"))[0]
    # Slow the SPSS writer down so the kill lands while the .sav is being written.
    code = (
        "import time, pyreadstat, sys\n"
        "marker = sys.argv[2]\n"
        "orig = pyreadstat.write_sav\n"
        "def slow(*a, **k):\n"
        "    orig(*a, **k)\n"
        "    open(marker, 'w').write('writing')\n"
        "    time.sleep(30)\n"
        "pyreadstat.write_sav = slow\n"
        "from cli import app\n"
        "sys.argv = ['sid', '--project', sys.argv[1], 'run', '--fresh']\n"  # every stage runs, export too
        "app()\n")
    marker = demo_project.parent / "marker"
    proc = subprocess.Popen([sys.executable, "-c", code, str(demo_project), str(marker)],
                            cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    deadline = time.time() + 90
    while not marker.exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.1)
    assert marker.exists()
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    after = {p.name: p.read_bytes() for p in cleaned.iterdir() if not p.name.startswith(".")}
    assert after == before
    pd.testing.assert_frame_equal(pyreadstat.read_sav(str(cleaned / "sid2026.sav"))[0], data_before)
    assert runner.invoke(app, ["--project", str(demo_project), "run"]).exit_code == 0
    pd.testing.assert_frame_equal(pyreadstat.read_sav(str(cleaned / "sid2026.sav"))[0], data_before)
    assert not [p for p in cleaned.iterdir() if p.name.endswith(".tmp")]


def test_trailing_spaces_removed_last_and_logged(form, tmp_path):
    """A .sav pads texts with spaces and every reader drops them: cleaning removes them, logged, so
    the .sav, the CSV and the Parquet copy agree. Other whitespace (a tab, a newline) stays."""
    data = frame()
    data["talen"] = ["nl other", "nl", None, "ar other"]
    data["talen_anders"] = ["Berbers  ", None, None, "Tamazight\t"]
    cleaned, result = clean(data, form, key="resp_id")
    assert cleaned["talen_anders"].tolist()[0] == "Berbers"
    assert cleaned["talen_anders"].tolist()[3] == "Tamazight\t"
    trimmed = result.log[result.log["step"] == "format"]
    assert trimmed[["rule", "respondent", "variable", "old", "new"]].values.tolist() == [
        ["trailing_spaces", "R1", "talen_anders", "Berbers  ", "Berbers"]]
    assert result.log["step"].tolist()[-1] == "format"  # the last step: rules and checks saw the answers as given
    again = replay(data, result.log, form, "resp_id", result.excluded)
    pd.testing.assert_frame_equal(again[cleaned.columns], cleaned, check_dtype=False)
    # written to a .sav, the text reads back as in the frame
    path = tmp_path / "t.sav"
    pyreadstat.write_sav(cleaned[["resp_id", "talen_anders"]].fillna(""), str(path))
    back, _ = pyreadstat.read_sav(str(path))
    assert back["talen_anders"].tolist() == cleaned["talen_anders"].fillna("").tolist()
