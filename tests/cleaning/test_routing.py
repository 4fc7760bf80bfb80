"""Routing cascades as in ODK: a child follows its parent's cleaned value, in cleaning and in
validation alike (pipeline/survey/routing.py), so cleaning never makes a routing error."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import c, q, write_xlsform
from pipeline.cleaning.clean import clean
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
    # Asked, required and empty becomes -9; what stays (an empty text, a -3 typed where the
    # question was asked) was an error before cleaning: cleaning never makes one.
    required = set(rules(failures[failures["rule"].str.startswith("required:")]))
    assert not required or required <= set(rules(validate(frame, form, key="id")))
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
