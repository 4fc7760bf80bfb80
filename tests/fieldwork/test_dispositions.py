"""Final dispositions by the priority rules, and the AAPOR rates against hand-worked numbers."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from pipeline.errors import SidError
from pipeline.fieldwork.dispositions import (
    Eligibility,
    _categories,
    category_of,
    counts_of,
    final_dispositions,
    parse_contacts,
    rate_table,
    rates,
    rates_on_both,
    usable_dispositions,
)

# A hand-made final distribution: I=40, P=10, R=20, NC=15, O=5, UH=6, UO=4, NE=10; e = 0.5.
COUNTS = {"I": 40, "P": 10, "R": 20, "NC": 15, "O": 5, "UH": 6, "UO": 4, "NE": 10}


def test_rates_match_the_aapor_formulas_on_worked_numbers():
    r = rates(COUNTS, e=0.5)
    # (I+P) = 50; (R+NC+O) = 40; so (I+P)+(R+NC+O) = 90; U = UH+UO = 10; eU = 5
    expected = {
        "RR1": 40 / 100,            # I / ((I+P)+(R+NC+O)+(UH+UO)) = 40 / (90+10)
        "RR2": 50 / 100,            # (I+P) / 100
        "RR3": 40 / 95,             # I / (90 + e·10)
        "RR4": 50 / 95,
        "RR5": 40 / 90,             # I / ((I+P)+(R+NC+O))
        "RR6": 50 / 90,
        "COOP1": 40 / 75,           # I / ((I+P)+R+O) = 40 / (50+20+5)
        "COOP2": 50 / 75,
        "COOP3": 40 / 70,           # I / ((I+P)+R) = 40 / (50+20)
        "COOP4": 50 / 70,
        "REF1": 20 / 100,           # R / 100
        "REF2": 20 / 95,
        "REF3": 20 / 90,
        "CON1": 75 / 100,           # ((I+P)+R+O) / ((I+P)+R+O+NC+(UH+UO)) = 75 / (75+15+10)
        "CON2": 75 / 95,            # 75 / (75+15+e·10)
        "CON3": 75 / 90,            # 75 / (75+15)
    }
    assert set(r) == set(expected)
    for name, value in expected.items():
        assert r[name] == pytest.approx(value, abs=1e-12), name
    assert r["RR1"] == 0.4 and r["CON1"] == 0.75


def test_proportional_e_is_the_eligible_share_of_known_units():
    counts = pd.Series(COUNTS)
    # (I+P+R+NC+O) / (I+P+R+NC+O+NE) = 90 / 100
    assert Eligibility("proportional").estimate(counts) == pytest.approx(0.9)
    assert Eligibility("fixed", 0.25).estimate(counts) == 0.25
    r = rates(counts, e=0.9)
    assert r["RR3"] == pytest.approx(40 / (90 + 0.9 * 10))


def test_a_rate_without_a_denominator_is_nan():
    r = rates({"NE": 3}, e=1.0)
    assert math.isnan(r["RR1"]) and math.isnan(r["COOP1"])


def test_codes_map_to_aapor_categories():
    codes = pd.Series(["1.1", "1.2", "2.11", "2.12", "2.10", "2.20", "2.25", "2.30", "2.90",
                       "3.10", "3.19", "3.11", "3.20", "3.90", "4.10", "4.70", "5.1", "x"])
    assert category_of(codes).tolist() == ["I", "P", "R", "R", "R", "NC", "NC", "O", "O",
                                           "UH", "UH", "UH", "UO", "UO", "NE", "NE", None, None]


def _log(rows):
    return pd.DataFrame(rows, columns=["sample_id", "poging", "datum", "modus", "interviewer_id", "uitkomst"])


LOG = _log([
    ("A", 1, "02/03/2026", "web", "", "3.19"), ("A", 2, "16/03/2026", "web", "", "3.19"),
    ("A", 3, "30/03/2026", "web", "", "1.1"),                                    # complete on the web
    ("B", 1, "02/03/2026", "web", "", "3.19"), ("B", 2, "20/04/2026", "capi", "1001", "2.20"),
    ("B", 3, "27/04/2026", "capi", "1001", "2.11"),                            # refusal at the door
    ("C", 1, "02/03/2026", "web", "", "2.11"), ("C", 2, "20/04/2026", "capi", "1002", "4.10"),  # died: NE
    ("D", 1, "05/03/2026", "web", "", "1.2"), ("D", 2, "22/04/2026", "capi", "1002", "1.1"),    # partial, then complete
    ("E", 1, "02/03/2026", "web", "", "3.19"), ("E", 2, "21/04/2026", "capi", "1001", "3.10"),
    ("F", 1, "02/03/2026", "web", "", "3.19"), ("F", 2, "21/04/2026", "capi", "1003", "2.20"),
    ("F", 3, "28/04/2026", "capi", "1003", "2.30"),                            # ill: other
    ("H", 1, "09/03/2026", "web", "", "2.12"),                                 # break-off
])
SAMPLE = pd.DataFrame({"sample_id": list("ABCDEFGH"), "stratum": list("XXYYXYYX"),
                       "gemeente": ["Gent"] * 4 + ["Genk"] * 4})


def test_final_disposition_by_priority_with_the_deciding_mode():
    log = parse_contacts(LOG)
    final = final_dispositions(log, SAMPLE).set_index("sample_id")
    assert final["category"].to_dict() == {"A": "I", "B": "R", "C": "NE", "D": "I", "E": "UH", "F": "O",
                                           "G": "UH", "H": "R"}
    assert final.loc["A", "mode"] == "web" and final.loc["D", "mode"] == "capi"
    assert final.loc["D", "interviewer_id"] == "1002" and final.loc["D", "code"] == "1.1"
    assert final.loc["G", "code"] == "3.11" and final.loc["G", "attempts"] == 0   # never attempted
    assert final.loc["B", "attempts"] == 3
    assert final.loc["A", "date"] == pd.Timestamp("2026-03-30")


def test_the_log_cut_at_a_date_is_the_log_as_it_was():
    log = parse_contacts(LOG, until=pd.Timestamp("2026-03-20"))
    final = final_dispositions(log, SAMPLE).set_index("sample_id")
    assert final.loc["A", "category"] == "UH"      # its complete came on 30/03
    assert final.loc["D", "category"] == "P"       # the face-to-face complete came later
    assert final.loc["C", "category"] == "R"       # refused online; the death was reported later


def test_rate_table_overall_and_by_group():
    final = final_dispositions(parse_contacts(LOG), SAMPLE)
    table = rate_table(final, Eligibility("fixed", 0.5), {"herkomstgroep": "stratum", "modus": "mode"})
    total = table.iloc[0]
    # I=2 (A, D), R=2 (B, H), O=1 (F), UH=2 (E, G), NE=1 (C): RR1 = 2 / (2+3+2) = 2/7
    assert (total["I"], total["R"], total["O"], total["UH"], total["NE"]) == (2, 2, 1, 2, 1)
    assert total["RR1"] == pytest.approx(2 / 7)
    assert total["RR3"] == pytest.approx(2 / (5 + 0.5 * 2))
    x = table[(table["breakdown"] == "herkomstgroep") & (table["group"] == "X")].iloc[0]
    # X = A (I), B (R), E (UH), H (R): RR1 = 1/4, COOP1 = 1 / (1+2) = 1/3
    assert x["units"] == 4 and x["RR1"] == pytest.approx(0.25) and x["COOP1"] == pytest.approx(1 / 3)
    assert set(table["breakdown"]) == {"totaal", "herkomstgroep", "modus"}
    assert counts_of(final["category"]).sum() == len(SAMPLE)


def test_rates_on_both_bases_a_speeder_is_no_usable_complete():
    final = final_dispositions(parse_contacts(LOG), SAMPLE)
    # A (complete) was a speeder, B (a refusal with a few answers) a break-off: only A changes
    excluded = {"A": "speeder", "B": "break_off"}
    usable = usable_dispositions(final, excluded).set_index("sample_id")
    assert usable.loc["A", ["category", "code", "uitgesloten"]].tolist() == ["O", "2.30", "speeder"]
    assert usable.loc["B", "category"] == "R" and pd.isna(usable.loc["B", "uitgesloten"])
    assert final.set_index("sample_id").loc["A", "category"] == "I"  # the collected ones unchanged
    table = rates_on_both(final, excluded, Eligibility("proportional"), {"herkomstgroep": "stratum"})
    total = table[table["breakdown"] == "totaal"].set_index("basis")
    # collected: I=2 (A, D), R=2, O=1, UH=2, NE=1; usable: I=1 (D), O=2 (F, A)
    assert (total.loc["verzameld", "I"], total.loc["bruikbaar", "I"]) == (2, 1)
    assert (total.loc["verzameld", "O"], total.loc["bruikbaar", "O"]) == (1, 2)
    e = 5 / 6  # (I+P+R+NC+O) / (... + NE) = 5 / 6, the same on both bases
    assert total["e"].tolist() == pytest.approx([e, e])
    assert total.loc["verzameld", "RR1"] == pytest.approx(2 / 7) and total.loc["bruikbaar", "RR1"] == pytest.approx(1 / 7)
    assert total.loc["bruikbaar", "RR3"] == pytest.approx(1 / (5 + e * 2))
    assert total.loc["bruikbaar", "RR5"] == pytest.approx(1 / 5)
    # A's group X: I=1 → 0, O 0 → 1; COOP1 = I / (I+P+R+O) = 0 / 3
    x = table[(table["breakdown"] == "herkomstgroep") & (table["group"] == "X")].set_index("basis")
    assert x.loc["verzameld", "COOP1"] == pytest.approx(1 / 3) and x.loc["bruikbaar", "COOP1"] == 0


def test_unknown_outcome_code_names_row_and_column():
    bad = _log([("A", 1, "02/03/2026", "web", "", "1.1"), ("B", 1, "02/03/2026", "web", "", "klaar")])
    with pytest.raises(SidError) as err:
        parse_contacts(bad, file="raw/contactpogingen.csv")
    assert err.value.row == 3 and err.value.column == "uitkomst"


def test_bad_date_is_an_error():
    bad = _log([("A", 1, "31/02/2026", "web", "", "1.1")])
    with pytest.raises(SidError) as err:
        parse_contacts(bad)
    assert err.value.column == "datum"


def test_demo_contact_log_gives_every_sample_unit_one_disposition(demo_project):
    from pipeline.fieldwork.stage import sample_and_dispositions
    from pipeline.survey.project import load_project

    project = load_project(demo_project)
    sample, final = sample_and_dispositions(project)
    assert len(final) == len(sample) and final["sample_id"].is_unique
    assert final["category"].notna().all()
    assert {"I", "P", "R", "NC", "O", "UH", "NE"} <= set(final["category"])
    complete = final[final["category"] == "I"]
    assert set(complete["mode"]) <= {"web", "capi", "papi"}
    assert (complete.loc[complete["mode"] == "capi", "interviewer_id"] != "").all()


def test_dates_day_first_iso_and_with_a_time():
    log = _log([("A", 1, "02/03/2026", "web", "", "3.19"), ("B", 1, "2026-03-05", "web", "", "3.19"),
                ("C", 1, "05/03/2026 10:00", "capi", "7", "2.20"), ("D", 1, "2026-03-07T10:00:00", "web", "", "1.1")])
    dates = parse_contacts(log)["date"].dt.strftime("%Y-%m-%d").tolist()
    assert dates == ["2026-03-02", "2026-03-05", "2026-03-05", "2026-03-07"]


def test_category_of_distinct_codes_equals_category_of_every_attempt():
    """category_of works out each distinct code once: on the demo's contact log (and odd codes,
    numbers and missing values), every attempt gets what the row-by-row reading gives."""
    log = pd.read_csv(Path(__file__).resolve().parents[2] / "raw" / "contactpogingen.csv", sep=";", dtype=str,
                      encoding="cp1252")
    codes = pd.concat([log["uitkomst"], pd.Series([" 2.11 ", "1.10", "5.1", "1.1.1", "", "x", None, pd.NA, 1.1, 3.2,
                                                   "4.9", "2.", "3.19"], dtype=object)], ignore_index=True)
    codes.index = codes.index + 100
    expected = _categories(codes.astype("string"))
    got = category_of(codes)
    assert got.index.equals(codes.index) and got.dtype == object
    assert got.tolist() == [c if c else None for c in expected]
    assert set(got.dropna()) >= {"I", "NC", "UH"} and got.iloc[-7:].tolist() == [None, None, "I", "UO", "NE", None, "UH"]
