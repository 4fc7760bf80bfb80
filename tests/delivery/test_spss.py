"""SPSS rules: names, byte limits, formats and missing-value declarations."""

import pandas as pd
import pytest

from pipeline.delivery import spss
from pipeline.errors import SidError


@pytest.mark.parametrize("wanted, name", [
    ("leeftijd", "leeftijd"),
    ("taal_thuis_-1", "taal_thuis__1"),
    ("1ste_taal", "v1ste_taal"),
    ("with", "with_v"),
    ("AND", "AND_v"),
    ("geboorteland.", "geboorteland"),
    ("tevredenheid_é", "tevredenheid_e"),
    ("x" * 70, "x" * 64),
])
def test_spss_name(wanted, name):
    assert spss.spss_name(wanted) == name


def test_unique_names_ignore_case():
    assert spss.unique_spss_names(["a", "A", "a", "b"]) == ["a", "A_2", "a_3", "b"]
    long = "y" * 64
    assert spss.unique_spss_names([long, long]) == [long, "y" * 62 + "_2"]


def test_clip_bytes_never_splits_a_character():
    assert spss.clip_bytes("ééé", 5) == "éé"
    assert spss.clip_bytes("abc", 5) == "abc"


def test_missing_declaration_discrete_or_range():
    assert spss.missing_declaration([-2, -1]) == [-2.0, -1.0]
    assert spss.missing_declaration([-1, -2, -3, -4, -9]) == [{"lo": -9.0, "hi": -1.0}]
    with pytest.raises(SidError, match="answer code -5 lies inside the user-missing range -9 thru -1"):
        spss.missing_declaration([-1, -2, -3, -4, -9], valid_codes=[1, -5])


@pytest.mark.parametrize("values, extra, fmt", [
    ([1, 2, 3], [], "F1.0"),
    ([1980, 2001], [-9], "F4.0"),
    ([1.5, 2.25], [], "F4.2"),
    ([-12.5], [], "F5.1"),
    ([None, None], [-9, -1], "F2.0"),
    ([], [], "F8.2"),
])
def test_numeric_format_fits_values(values, extra, fmt):
    assert spss.numeric_format(pd.Series(values, dtype="float64"), extra) == fmt


def test_string_width_counts_bytes():
    assert spss.string_width(pd.Series(["ab", "çççç", None])) == 8
    assert spss.string_width(pd.Series([None, ""])) == 1


def test_syntax_quote():
    assert spss.syntax_quote("Vlaming 'zijn'\nen\tmeer") == "'Vlaming ''zijn'' en meer'"
