"""The cleaning log as delivered and as kept in work/: judged per distinct text, the same cells as
judging every cell; written from Arrow text or categoricals, the same file."""

import numpy as np
import pandas as pd
import pytest

from pipeline import workdir
from pipeline.cleaning.clean import LOG_COLUMNS, clean, concat_logs, empty_log
from pipeline.cleaning.stage import delivered_log
from pipeline.privacy import delivery_privacy, scrub_cells
from pipeline.survey.project import load_project
from pipeline.survey.questionnaire import load_questionnaire
from pipeline.tables import excel_safe


def log(rows: int) -> pd.DataFrame:
    """A log with phone and register numbers typed as numbers and text, formula-like texts, the
    key's own changes, empty cells, repeated over `rows` rows."""
    cells = [
        ["invalid", "codes_and_constraints", "R1", "", "", "inkomen", "470123456.0", "-4.0"],
        ["invalid", "codes_and_constraints", "R2", "", "", "inkomen", "85073100328.0", "-4.0"],
        ["correction", "fix_id", "R3", "", "", "resp_id", "R3", "R3b"],
        ["correction", "tekst", "R4", "", "", "opmerking", "bel 0470 12 34 56", "=1+1"],
        ["routing", "missing_reasons", "R5", "", "", "werk", "", "-3.0"],
        ["routing", "missing_reasons", "=R6", "kind", "2", "leeftijd", "+32470123456", "-9.0"],
        ["routing", "missing_reasons", "R7", "", "", "werk", "@home", ""],
    ]
    rng = np.random.default_rng(3)
    picked = [cells[i] for i in rng.integers(0, len(cells), rows)]
    return pd.DataFrame(picked, columns=LOG_COLUMNS).astype("str")


@pytest.fixture
def project(tiny_project):
    return load_project(tiny_project)


def per_cell(project, frame: pd.DataFrame) -> pd.DataFrame:
    """The delivered log judged cell by cell (the definition)."""
    privacy = delivery_privacy(project)
    out = frame.astype(object)
    out["respondent"] = privacy.ids(out["respondent"])
    out.loc[out["variable"] == project.key, ["old", "new"]] = "[id]"
    return excel_safe(scrub_cells(out, ["old", "new"]))


@pytest.mark.parametrize("rows", [40, 12_000])  # pandas writes the small file, Arrow the large one
def test_delivered_log_is_the_log_judged_cell_by_cell(project, tmp_path, rows):
    frame = log(rows)
    got = delivered_log(project, frame)
    want = per_cell(project, frame)
    assert list(got.columns) == LOG_COLUMNS
    assert got.astype(object).where(got.notna(), "").values.tolist() == \
        want.astype(object).where(want.notna(), "").values.tolist()
    assert "[TEL]" in set(got["old"]) and "[RRN]" in set(got["old"]) and "'=1+1" in set(got["new"])
    assert set(got.loc[frame["variable"] == "resp_id", "new"]) == {"[id]"}
    workdir.write_csv(got, tmp_path / "categories.csv")
    workdir.write_csv(want.astype("str"), tmp_path / "texts.csv")
    assert (tmp_path / "categories.csv").read_bytes() == (tmp_path / "texts.csv").read_bytes()


def _text_categories(log: pd.DataFrame) -> bool:
    """Every column a categorical whose texts are Arrow strings: a few bytes a cell, no Python string per cell."""
    return all(isinstance(t, pd.CategoricalDtype) and str(t.categories.dtype) == "str" for t in log.dtypes)


def test_log_is_arrow_text_also_when_a_step_changes_nothing(tiny_form):
    """A step without changes logs nothing; it must not turn the others' text into Python objects
    (one string per cell: 1.2 GB at 100,000 × 500). The log is categoricals of Arrow text."""
    form = load_questionnaire(tiny_form)
    frame = pd.DataFrame({"resp_id": ["R1", "R2"], "geboortejaar": [1980.0, 1990.0], "werk": [1.0, 0.0],
                          "tevreden": [4.0, np.nan], "geboorteland": ["BE", "MA"], "talen": ["nl", "ar"],
                          "talen_anders": [None, None], "leeftijd": [46.0, 36.0]})
    _, result = clean(frame, form, key="resp_id")
    assert len(result.log) and _text_categories(result.log), result.log.dtypes
    joined = concat_logs([empty_log(), result.log, empty_log()])
    assert _text_categories(joined)
    pd.testing.assert_frame_equal(joined.astype("str"), result.log.astype("str"))
    assert list(concat_logs([]).columns) == LOG_COLUMNS and _text_categories(concat_logs([]))


def test_phone_number_in_a_number_becomes_invalid_first(tiny_form):
    """A phone number typed into a numeric question (its leading 0 lost) is -4 before any other
    step sees it; a number under 8 digits is left to the other steps."""
    form = load_questionnaire(tiny_form)
    frame = pd.DataFrame({"resp_id": ["R1", "R2", "R3"], "geboortejaar": [470123456.0, 1980.0, 9_999_999.0],
                          "werk": [1.0, 0.0, 1.0], "tevreden": [4.0, np.nan, 7.0], "geboorteland": ["BE", "MA", "BE"],
                          "talen": ["nl", "ar", "nl"], "talen_anders": [None, None, None],
                          "leeftijd": [np.nan, 46.0, np.nan]})
    cleaned, result = clean(frame, form, key="resp_id")
    first = result.log[result.log["step"] == "personal_data"]
    assert first[["respondent", "variable", "old", "new"]].values.tolist() == [["R1", "geboortejaar", "470123456.0",
                                                                                "-4.0"]]
    assert cleaned["geboortejaar"].tolist()[:2] == [-4.0, 1980.0]
    invalid = result.log[result.log["step"] == "invalid"]
    assert set(zip(invalid["respondent"], invalid["variable"])) == {("R3", "geboortejaar"), ("R3", "tevreden")}
