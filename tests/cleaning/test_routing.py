"""Routing cascades as in ODK: a child follows its parent's cleaned value, in cleaning and in
validation alike (pipeline/survey/routing.py), so cleaning never makes a routing error."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import c, q, write_xlsform
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.cleaning.clean import clean, replay
from pipeline.survey import routing
from pipeline.survey.project import CleanSettings
from pipeline.survey.questionnaire import load_questionnaire
from pipeline.validation.validate import validate

JN = [c("jn", "1", "ja"), c("jn", "2", "nee")]


def rules(found) -> list[tuple[str, str]]:
    """(respondent, rule) of a report's failures (or of a failures frame)."""
    failures = getattr(found, "failures", found)
    return sorted(zip(failures["respondent"], failures["rule"]))


def test_a_child_of_a_recoded_parent_is_not_applicable(tmp_path):
    """werk = 2 (no paid work) but werk_uren = 30 typed anyway: werk_sector, asked when
    werk_uren >= 1, was not asked either (-3, not -9), before and after cleaning."""
    form = load_questionnaire(write_xlsform(tmp_path / "form.xlsx", [
        q("text", "id", "Nummer", required="yes"),
        q("select_one jn", "werk", "Betaald werk?", required="yes"),
        q("integer", "werk_uren", "Uren per week", relevant="${werk} = 1", required="yes"),
        q("select_one sector", "werk_sector", "Sector", relevant="${werk_uren} >= 1", required="yes"),
    ], [*JN, c("sector", "1", "privé"), c("sector", "2", "openbaar")]))
    frame = pd.DataFrame({"id": ["A", "B", "C"], "werk": [2.0, 1.0, 1.0], "werk_uren": [30.0, 20.0, 0.0],
                          "werk_sector": [np.nan, 2.0, np.nan]})

    before = validate(frame, form, key="id")
    assert rules(before) == [("A", "routing:werk_uren")]
    cleaned, result = clean(frame, form, key="id")
    assert cleaned["werk_uren"].tolist() == [-3.0, 20.0, 0.0]
    assert cleaned["werk_sector"].tolist() == [-3.0, 2.0, -3.0]
    assert result.log[["respondent", "variable", "old", "new"]].values.tolist() == [
        ["A", "werk_uren", "30.0", "-3.0"], ["A", "werk_sector", "", "-3.0"], ["C", "werk_sector", "", "-3.0"]]
    assert rules(validate(cleaned, form, key="id")) == []


def test_a_chain_of_the_bundled_form_and_its_other_specify_text(tmp_path):
    """werkstatus = 3 with leidinggevend = 1 and n_ondergeschikten answered: both become -3; the
    other-specify text under a parent that became -3 or -4 is cleared."""
    form = load_questionnaire(write_xlsform(tmp_path / "form.xlsx", [
        q("text", "id", "Nummer", required="yes"),
        q("select_one status", "werkstatus", "Werkstatus", required="yes"),
        q("select_one jn", "leidinggevend", "Leidinggevend?", relevant="${werkstatus} = 1 or ${werkstatus} = 2"),
        q("integer", "n_ondergeschikten", "Hoeveel?", relevant="${leidinggevend} = 1"),
        q("select_one contract", "contract", "Contract", relevant="${werkstatus} = 1"),
        q("text", "contract_anders", "Ander contract", relevant="${contract} = 96"),
    ], [c("status", "1", "werknemer"), c("status", "2", "zelfstandige"), c("status", "3", "werkloos"),
        *JN, c("contract", "1", "vast"), c("contract", "96", "ander")]))
    frame = pd.DataFrame({"id": ["A", "B", "C"], "werkstatus": [3.0, 1.0, 1.0],
                          "leidinggevend": [1.0, 1.0, 2.0], "n_ondergeschikten": [3429.0, 4.0, np.nan],
                          "contract": [96.0, 96.0, 7.0],
                          "contract_anders": ["interim", "interim", "freelance"]})
    cleaned, _ = clean(frame, form, key="id")
    assert cleaned["leidinggevend"].tolist() == [-3.0, 1.0, 2.0]
    assert cleaned["n_ondergeschikten"].tolist() == [-3.0, 4.0, -3.0]
    assert cleaned["contract"].tolist() == [-3.0, 96.0, -4.0]  # 7 is no code of the list: ongeldig
    assert cleaned["contract_anders"].fillna("").tolist() == ["", "interim", ""]
    assert rules(validate(cleaned, form, key="id")) == []


def test_group_relevance_and_sid_codes_count_as_empty(tmp_path):
    form = load_questionnaire(write_xlsform(tmp_path / "form.xlsx", [
        q("text", "id", "Nummer"),
        q("integer", "n", "Aantal"),
        {"type": "begin_group", "name": "g", "relevant": "${n} > 0"},
        q("select_one jn", "a", "A?"),
        {"type": "end_group"},
        q("text", "b", "B", relevant="${a} != 1"),
    ], JN))
    frame = pd.DataFrame({"id": ["A", "B", "C"], "n": [0.0, 2.0, 2.0], "a": [1.0, 1.0, -9.0],
                          "b": ["x", "y", "z"]})
    asked = routing.asked(frame, form)
    assert asked["a"].tolist() == [False, True, True]
    # A: a was not asked, so it is empty for b's routing (empty != 1); C: -9 is sid's, empty too.
    assert asked["b"].tolist() == [True, False, True]


def test_a_not_applicable_code_in_an_asked_question_is_no_answer(tmp_path):
    """-3 is the routing's reason: typed into a question that was asked (on paper, or by a system
    with other routing) it is empty for the routing and validation (`required:`), and cleaning
    makes it -9 (geen antwoord), logged, so validation after cleaning finds nothing."""
    form = load_questionnaire(write_xlsform(tmp_path / "form.xlsx", [
        q("text", "id", "Nummer", required="yes"),
        q("select_one jn", "werk", "Betaald werk?", required="yes"),
        q("integer", "uren", "Uren per week", relevant="${werk} = 1", required="yes"),
        q("select_one land", "land", "Land van de werkgever", relevant="${uren} >= 1"),
        q("integer", "kinderen", "Aantal kinderen"),
    ], [*JN, c("land", "BE", "België"), c("land", "NL", "Nederland")]))
    frame = pd.DataFrame({"id": ["A", "B", "C"], "werk": [1.0, 1.0, 2.0], "uren": [-3.0, 38.0, -3.0],
                          "land": ["BE", "-3", np.nan], "kinderen": [-3.0, 2.0, 1.0]})
    # A: uren asked, -3 is no answer, so land (uren >= 1) was not asked: its 'BE' is a routing error.
    assert rules(validate(frame, form, key="id")) == [("A", "required:uren"), ("A", "routing:land")]
    cleaned, result = clean(frame, form, key="id")
    assert cleaned["uren"].tolist() == [-9.0, 38.0, -3.0]
    assert cleaned["land"].tolist() == ["-3", "-9", "-3"]
    assert cleaned["kinderen"].tolist() == [-9.0, 2.0, 1.0]
    log = result.log[result.log["step"] == "routing"]
    assert sorted(log[["respondent", "variable", "old", "new"]].values.tolist()) == [
        ["A", "kinderen", "-3.0", "-9.0"], ["A", "land", "BE", "-3"], ["A", "uren", "-3.0", "-9.0"],
        ["B", "land", "-3", "-9"], ["C", "land", "", "-3"]]
    after = rules(validate(cleaned, form, key="id"))
    assert after == [("A", "quality:item_nonresponse")]  # two of its three answers are -9: a warning
    again, result = clean(cleaned, form, key="id")
    assert result.log.empty and again.equals(cleaned)


def test_a_code_of_an_answer_that_was_not_asked_goes_with_it(tmp_path):
    """Coding runs before cleaning: land_partner 'other' with 'Albanië' typed under partner = 3 was
    coded AL; when the routing step makes land_partner -3 and clears the text, the coded column
    (land_partner_iso, as coding.plan names it) is emptied too, in the same logged step."""
    from pipeline.coding.plan import coded_columns
    from pipeline.survey.project import CodingSettings

    form = load_questionnaire(write_xlsform(tmp_path / "form.xlsx", [
        q("text", "id", "Nummer", required="yes"),
        q("select_one partner", "partner", "Partner?", required="yes"),
        q("select_one land", "land_partner", "Land van de partner", relevant="${partner} = 1"),
        q("text", "land_partner_anders", "Ander land", relevant="${land_partner} = 'other'"),
        q("text", "beroep", "Beroep", relevant="${partner} = 1"),
    ], [c("partner", "1", "ja"), c("partner", "3", "nee"), c("land", "BE", "België"), c("land", "MA", "Marokko"),
        c("land", "other", "Ander land")]))
    coded = coded_columns(form, CodingSettings(variables=(("beroep", "occupation"),)))
    # D: answers that were asked keep their codes
    assert coded == {"land_partner_iso": "land_partner", "beroep_isco": "beroep", "beroep_isco1": "beroep"}
    frame = pd.DataFrame({"id": ["A", "B", "C", "D"], "partner": [3.0, 1.0, 3.0, 1.0],
                          "land_partner": ["other", "other", None, "MA"],
                          "land_partner_anders": ["Albanië", "Albanië", None, None],
                          "beroep": ["kok", "kok", None, "kok"],
                          "land_partner_iso": ["AL", "AL", "", "MA"], "beroep_isco": [5120.0, 5120.0, np.nan, 5120.0],
                          "beroep_isco1": [5.0, 5.0, np.nan, 5.0]})
    cleaned, result = clean(frame, form, key="id", coded=coded)
    assert cleaned["land_partner"].tolist() == ["-3", "other", "-3", "MA"]
    assert cleaned["land_partner_anders"].fillna("").tolist() == ["", "Albanië", "", ""]
    assert cleaned["land_partner_iso"].tolist() == ["", "AL", "", "MA"]
    assert cleaned["beroep_isco"].fillna(0).tolist() == [0, 5120.0, 0, 5120.0]
    assert cleaned["beroep_isco1"].fillna(0).tolist() == [0, 5.0, 0, 5.0]
    log = result.log[result.log["variable"].str.contains("_is")]
    assert sorted(log[["step", "respondent", "variable", "old", "new"]].values.tolist()) == [
        ["routing", "A", "beroep_isco", "5120.0", ""], ["routing", "A", "beroep_isco1", "5.0", ""],
        ["routing", "A", "land_partner_iso", "AL", ""]]
    again = replay(frame, result.log, form, "id")
    pd.testing.assert_frame_equal(again[cleaned.columns], cleaned, check_dtype=False)
    kept, _ = clean(frame, form, key="id", coded=coded, settings=CleanSettings(not_asked_answered="keep"))
    assert kept["land_partner_iso"].tolist() == ["AL", "AL", "", "MA"]


# --- The property: random answers on forms with chains of 3-4 levels and group relevance ---

# Each level: (type, the condition on the level above it); `{p}` is the parent's name.
CHAINS = {
    "one_int_one_text": [("select_one abc", None), ("integer", "${p} = 1"), ("select_one abc", "${p} > 5"),
                         ("text", "${p} = 3")],
    "multi_one_int_one": [("select_multiple xyz", None), ("select_one abc", "selected(${p}, 'x')"),
                          ("integer", "${p} != 2"), ("select_one abc", "${p} >= 10")],
    "int_multi_text_one": [("integer", None), ("select_multiple xyz", "${p} > 0"),
                           ("text", "not(selected(${p}, 'y'))"), ("select_one abc", "string-length(${p}) > 0")],
    "int_calc_one_text": [("integer", None), ("calculate", "if(${p} > 5, 'hoog', 'laag')"),
                          ("select_one abc", "${p} = 'hoog'"), ("text", "${p} = 1")],
    "one_one_one_int": [("select_one abc", None), ("select_one abc", "${p} >= 2"), ("select_one abc", "${p} != 1"),
                        ("integer", "${p} = 3 or ${p} = -1")],
}
CHOICES = [*(c("abc", str(i), f"keuze {i}") for i in (1, 2, 3, -1)),
           *(c("xyz", n, n) for n in ("x", "y", "z"))]
_FORMS: dict[tuple, object] = {}


def chain_form(folder: Path, chain: str, levels: int, group: bool, required: bool):
    """A form with the chain, the levels below the first in a group relevant on the first, and a
    question after the group asked on the last level: loaded once per shape."""
    shape = (chain, levels, group, required)
    if shape not in _FORMS:
        rows = [q("text", "id", "Nummer")]
        names = [f"v{i}" for i in range(levels)]
        for i, (type_, condition) in enumerate(CHAINS[chain][:levels]):
            if i == 1 and group:
                rows.append({"type": "begin_group", "name": "g", "relevant": "${v0} != 2 and ${v0} != 0"})
            expression = condition.replace("{p}", "{" + names[i - 1] + "}") if condition else None
            if type_ == "calculate":  # a calculate between two questions: the chain runs through it
                rows.append({"type": "calculate", "name": names[i], "calculate": expression})
                continue
            extra = {"relevant": expression} if expression else {}
            rows.append(q(type_, names[i], f"Vraag {i}", required="yes" if required else None, **extra))
        if group:
            rows.append({"type": "end_group"})
        rows.append(q("text", "na", "Daarna", relevant=f"string-length(string(${{{names[-1]}}})) > 0"))
        path = folder / ("_".join(map(str, shape)) + ".xlsx")
        _FORMS[shape] = load_questionnaire(write_xlsform(path, rows, CHOICES))
    return _FORMS[shape]


ANSWERS = {
    "select_one": st.sampled_from([np.nan, 1.0, 2.0, 3.0, -1.0, -9.0, -3.0, 7.0]),
    "integer": st.sampled_from([np.nan, 0.0, 1.0, 6.0, 12.0, -3.0, -9.0]),
    "select_multiple": st.sampled_from([None, "x", "y", "x y", "x z y", "q", "-9"]),
    "text": st.sampled_from([None, "tekst", "ander"]),
    "calculate": st.sampled_from([None, "hoog", "laag"]),
}


@st.composite
def surveys(draw):
    shape = (draw(st.sampled_from(sorted(CHAINS))), draw(st.sampled_from([3, 4])), draw(st.booleans()),
             draw(st.booleans()))
    n = draw(st.integers(1, 8))
    columns = {}
    for i, (type_, _) in enumerate(CHAINS[shape[0]][:shape[1]]):
        columns[f"v{i}"] = draw(st.lists(ANSWERS[type_.split()[0]], min_size=n, max_size=n))
    columns["na"] = draw(st.lists(ANSWERS["text"], min_size=n, max_size=n))
    return shape, columns


@pytest.fixture(scope="module")
def forms_folder(tmp_path_factory):
    return tmp_path_factory.mktemp("chains")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(surveys())
def test_cleaning_never_makes_a_routing_error(forms_folder, survey):
    shape, columns = survey
    form = chain_form(forms_folder, *shape)
    n = len(columns["na"])
    frame = pd.DataFrame({"id": [f"R{i}" for i in range(n)], **columns})
    for var in form:
        if var.kind == "numeric":
            frame[var.name] = frame[var.name].astype("float64")
        elif var.name in frame.columns:
            frame[var.name] = frame[var.name].astype(object)
    cleaned, _ = clean(frame, form, key="id")
    failures = validate(cleaned, form, key="id").failures
    assert not failures["rule"].str.startswith("routing:").any(), failures
    # Asked, required and empty (or -3, no reason where the question was asked) becomes -9; only
    # an empty text stays, and it was an error before cleaning: cleaning never makes one.
    required = failures[failures["rule"].str.startswith("required:")]
    assert set(required["variable"]) <= {v.name for v in form if v.type == "text"}, required
    assert set(rules(required)) <= set(rules(validate(frame, form, key="id")))
    # The routing step keeps the routing it judged by (the frame it gets has invalid codes as -4,
    # empty for the routing), and cleaning again changes nothing.
    entering, _ = clean(frame, form, key="id", settings=CleanSettings(routing=False))
    before, after = routing.asked(entering, form), routing.asked(cleaned, form)
    assert all((before[k] == after[k]).all() for k in before)
    for var in form:
        if var.name in cleaned.columns and var.kind == "numeric" and var.relevant:
            assert (cleaned[var.name][~after[var.name]] == -3).all()
    again, result = clean(cleaned, form, key="id")
    assert result.log.empty, result.log
