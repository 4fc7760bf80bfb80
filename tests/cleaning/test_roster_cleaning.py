"""Validation and cleaning per roster instance (issue 16, point 3), on each export layout (ODK
Central's CSV per repeat, KoboToolbox's XLSX sheet per repeat, wide columns), read by ingest's
own readers: a household with children (a nested repeat: each child's toys).

The same households in each layout: r1 (30, no children), r2 (34, three children: Billy 4,
Blaine typed 40, older than the parent, Baker 2 with a school answer though too young to be
asked), r3 (38, said 2 children, one delivered: Candace 13, school empty though asked). Toys:
Billy's R2-D2, Blaine's BB-8 (asked only of a child under 12), Candace's Falcon (not asked)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from conftest import c, q, write_xlsform

from pipeline.cleaning.clean import LOG_COLUMNS, clean
from pipeline.cleaning.rosters import clean_rosters, replay_roster
from pipeline.ingest.rosters import linked_rosters
from pipeline.ingest.sources import read_table
from pipeline.survey.project import Source
from pipeline.survey.questionnaire import load_questionnaire
from pipeline.validation.rosters import validate_rosters
from pipeline.validation.validate import Rule

CHILDREN = [("r2", "Billy", 4, 1), ("r2", "Blaine", 40, 1), ("r2", "Baker", 2, 1), ("r3", "Candace", 13, None)]
TOYS = [("r2", 1, "R2-D2"), ("r2", 2, "BB-8"), ("r3", 1, "Falcon")]
MAIN = [("r1", 30, 0), ("r2", 34, 3), ("r3", 38, 2)]


@pytest.fixture
def form(tmp_path):
    return load_questionnaire(write_xlsform(tmp_path / "gezin.xlsx", [
        q("text", "naam", "Naam"), q("integer", "leeftijd", "Leeftijd"), q("integer", "kinderen", "Kinderen"),
        q("begin_repeat", "child", "Kind", repeat_count="${kinderen}"),
        q("text", "k_naam", "Naam kind"),
        q("integer", "k_leeftijd", "Leeftijd kind", constraint=". >= 0 and . < ${leeftijd}"),  # the parent's age
        q("select_one jn", "k_school", "Naar school", required="yes",
          relevant="${k_leeftijd} >= 3 and position(..) <= 3"),
        q("begin_repeat", "toy", "Speelgoed"), q("text", "s_naam", "Speelgoed", relevant="${k_leeftijd} < 12"),
        q("end_repeat", ""), q("end_repeat", ""),
    ], [c("jn", "1", "ja"), c("jn", "0", "nee")]))


def _odk(tmp_path: Path):
    main = "naam,leeftijd,kinderen,KEY\n" + "".join(f"{n},{a},{k},uuid:{n}\n" for n, a, k in MAIN)
    kids, seen = "k_naam,k_leeftijd,k_school,PARENT_KEY,KEY\n", {}
    for resp, name, age, school in CHILDREN:
        seen[resp] = seen.get(resp, 0) + 1
        kids += f"{name},{age},{'' if school is None else school},uuid:{resp},uuid:{resp}/child[{seen[resp]}]\n"
    toys = "s_naam,PARENT_KEY,KEY\n" + "".join(
        f"{t},uuid:{r}/child[{k}],uuid:{r}/child[{k}]/toy[1]\n" for r, k, t in TOYS)
    tables = {}
    for name, text in (("gezin", main), ("gezin-child", kids), ("gezin-toy", toys)):
        (tmp_path / f"{name}.csv").write_text(text, encoding="utf-8")
        tables[name] = read_table(Source(name, tmp_path / f"{name}.csv", "csv"))
    return tables["gezin"], {"child": tables["gezin-child"], "toy": tables["gezin-toy"]}, \
        Source("gezin", tmp_path / "gezin.csv", "csv")


def _kobo(tmp_path: Path):
    path = tmp_path / "kobo.xlsx"
    wb = openpyxl.Workbook()
    main = wb.active
    main.title = "gezin"
    main.append(["naam", "leeftijd", "kinderen", "_index"])
    for i, row in enumerate(MAIN, 1):
        main.append([*row, i])
    child = wb.create_sheet("child")
    child.append(["child/k_naam", "child/k_leeftijd", "child/k_school", "_index", "_parent_table_name",
                  "_parent_index"])
    for i, (resp, name, age, school) in enumerate(CHILDREN, 1):
        child.append([name, age, school, i, "gezin", int(resp[1])])
    toy = wb.create_sheet("toy")
    toy.append(["child/toy/s_naam", "_index", "_parent_table_name", "_parent_index"])
    for i, (resp, k, name) in enumerate(TOYS, 1):
        toy.append([name, i, "child", {"r2": 0, "r3": 3}[resp] + k])
    wb.save(path)
    source = Source("kobo", path, "xlsx", sheet="gezin")
    return read_table(source), {n: read_table(Source("kobo", path, "xlsx", sheet=n)) for n in ("child", "toy")}, \
        source


def _wide(tmp_path: Path):
    header = ["naam", "leeftijd", "kinderen"]
    for k in (1, 2, 3):
        header += [f"child_{k}_k_naam", f"child_{k}_k_leeftijd", f"child_{k}_k_school", f"child_{k}_toy_1_s_naam"]
    lines = [",".join(header)]
    for name, age, n in MAIN:
        cells = [name, str(age), str(n)]
        kids = [row for row in CHILDREN if row[0] == name]
        for k in (1, 2, 3):
            kid = kids[k - 1] if k <= len(kids) else None
            toy = next((t for r, i, t in TOYS if r == name and i == k), "")
            cells += ([kid[1], str(kid[2]), "" if kid[3] is None else str(kid[3]), toy] if kid else ["", "", "", ""])
        lines.append(",".join(cells))
    path = tmp_path / "papi.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    source = Source("papi", path, "csv")
    return read_table(source), {}, source


LAYOUTS = {"odk": _odk, "kobo": _kobo, "wide": _wide}


def _ingested(tmp_path, form, layout):
    main, tables, source = LAYOUTS[layout](tmp_path)
    rows = linked_rosters(layout, main.frame, main.frame["naam"], tables, form, source, "resp")
    assert all(r.problems.empty for r in rows.values())
    frame = pd.DataFrame({"resp": [m[0] for m in MAIN], "naam": [m[0] for m in MAIN],
                          "leeftijd": [float(m[1]) for m in MAIN], "kinderen": [float(m[2]) for m in MAIN]})
    return frame, {name: r.frame for name, r in rows.items()}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_cleaned_rosters_per_layout_and_the_log_replays_them(tmp_path, form, layout):
    main, rosters = _ingested(tmp_path, form, layout)
    cleaned, result = clean(main, form, key="resp")
    out = clean_rosters(cleaned, rosters, form, key="resp", excluded=result.excluded)
    kids, toys = out.frames["child"], out.frames["toy"]
    assert list(kids.columns) == list(rosters["child"].columns)  # the ingested roster's columns
    assert kids[["resp", "child_nr", "k_naam"]].values.tolist() == [
        ["r2", 1, "Billy"], ["r2", 2, "Blaine"], ["r2", 3, "Baker"], ["r3", 1, "Candace"]]
    assert kids["k_leeftijd"].tolist() == [4.0, -4.0, 2.0, 13.0]  # 40 is older than the parent (34): invalid
    # Blaine: asked only for a valid age of 3 or more (its -4 counts as empty, the cascade), Baker too young,
    # Candace asked and not answered
    assert kids["k_school"].tolist() == [1.0, -3.0, -3.0, -9.0]
    assert toys[["resp", "child_nr", "toy_nr"]].values.tolist() == [["r2", 1, 1], ["r2", 2, 1], ["r3", 1, 1]]
    assert toys["s_naam"].fillna("").tolist() == ["R2-D2", "", ""]  # under 12 only: a -4 age is no age
    log = out.log
    assert list(log.columns) == LOG_COLUMNS
    assert set(zip(log["roster"], log["instance"], log["variable"], log["new"])) == {
        ("child", "2", "k_leeftijd", "-4.0"), ("child", "2", "k_school", "-3.0"), ("child", "3", "k_school", "-3.0"),
        ("child", "1", "k_school", "-9.0"), ("toy", "2.1", "s_naam", ""), ("toy", "1.1", "s_naam", "")}
    assert log.loc[log["instance"] == "1.1", "respondent"].tolist() == ["r3"]
    for name in ("child", "toy"):
        again = replay_roster(rosters[name], log, form, name, "resp", cleaned["resp"])
        pd.testing.assert_frame_equal(again, out.frames[name], check_dtype=False)


def test_an_excluded_respondent_takes_its_roster_rows(tmp_path, form):
    main, rosters = _ingested(tmp_path, form, "odk")
    cleaned, result = clean(main, form, key="resp", exclusions=pd.DataFrame({"respondent": ["r2"],
                                                                             "reason": ["speeder"]}))
    out = clean_rosters(cleaned, rosters, form, key="resp", excluded=result.excluded)
    assert out.frames["child"]["resp"].tolist() == ["r3"] and out.frames["toy"]["resp"].tolist() == ["r3"]
    assert out.removed.values.tolist() == [
        ["child", "r2", "1", "speeder"], ["child", "r2", "2", "speeder"], ["child", "r2", "3", "speeder"],
        ["toy", "r2", "1.1", "speeder"], ["toy", "r2", "2.1", "speeder"]]
    assert "r2" not in set(out.log["respondent"])
    again = replay_roster(rosters["toy"], out.log, form, "toy", "resp", cleaned["resp"])
    pd.testing.assert_frame_equal(again, out.frames["toy"], check_dtype=False)


def test_validation_per_instance(tmp_path, form):
    main, rosters = _ingested(tmp_path, form, "kobo")
    rules = (Rule("ouder_12_jaar_ouder", "de ouder is minstens 12 jaar ouder", "${k_leeftijd} <= ${leeftijd} - 12",
                  "error", roster="child"),
             Rule("minderjarige_kinderen", "het aantal minderjarige kinderen is het opgegeven aantal",
                  "count(${child}, ${k_leeftijd} < 18) = ${kinderen}", "warning"),
             Rule("leeftijden_som", "samen jonger dan de ouder", "sum(${k_leeftijd}) < ${leeftijd}", "warning"))
    report, notes = validate_rosters(main, rosters, form, key="resp", rules=rules)
    found = set(zip(report.failures["rule"], report.failures["respondent"], report.failures["roster"],
                    report.failures["instance"]))
    assert found == {
        ("constraint:k_leeftijd", "r2", "child", "2"),  # parent reference: older than the parent
        ("routing:k_school", "r2", "child", "3"),  # answered though too young to be asked
        ("required:k_school", "r3", "child", "1"),
        ("routing:s_naam", "r2", "toy", "2.1"), ("routing:s_naam", "r3", "toy", "1.1"),  # nested, parent's age
        ("repeat_count:child", "r3", "", ""),  # 1 row, the form's count says 2
        ("ouder_12_jaar_ouder", "r2", "child", "2"),
        ("minderjarige_kinderen", "r2", "", ""), ("minderjarige_kinderen", "r3", "", ""),  # 2 of 3, 1 of 2
        ("leeftijden_som", "r2", "", ""),  # 4 + 40 + 2 >= 34
    }
    summary = report.summary.set_index("rule")
    assert summary.loc["repeat_count:child", ["items", "fails"]].tolist() == [3, 1]  # r1: 0 rows, none asked for
    assert report.failures.set_index("rule").loc["repeat_count:child", "value"] == "1 rijen, verwacht 2"
    assert summary.loc["minderjarige_kinderen", "expression"] == "count(${child}, ${k_leeftijd} < 18) = ${kinderen}"
    assert notes == ()


def test_cleaned_rosters_validate_clean(tmp_path, form):
    """Cleaning and validation use one routing: after cleaning, no routing or required failure is left."""
    main, rosters = _ingested(tmp_path, form, "wide")
    cleaned, result = clean(main, form, key="resp")
    out = clean_rosters(cleaned, rosters, form, key="resp", excluded=result.excluded)
    report, _ = validate_rosters(cleaned, out.frames, form, key="resp")
    assert set(report.failures["rule"]) == {"repeat_count:child"}


def test_a_rule_over_a_roster_not_ingested_is_not_checked(form):
    main = pd.DataFrame({"resp": ["r1"], "naam": ["r1"], "leeftijd": [30.0], "kinderen": [0.0]})
    rule = Rule("n", "", "count(${child}) = ${kinderen}", "error")
    report, notes = validate_rosters(main, {}, form, key="resp", rules=(rule,))
    assert report.failures.empty and "roster_layout" in notes[0]


def test_what_cannot_be_computed_is_dropped_with_a_warning(tmp_path):
    form = load_questionnaire(write_xlsform(tmp_path / "f.xlsx", [
        q("integer", "n", "N"), q("begin_repeat", "a", "A"), q("integer", "x", "X"), q("end_repeat", ""),
        q("begin_repeat", "b", "B"), q("integer", "y", "Y", relevant="indexed-repeat(${x}, ${a}, 1, ${x}, 2) > 1"),
        q("integer", "z", "Z", relevant="${x} > 1"), q("end_repeat", "")], []))
    main = pd.DataFrame({"resp": ["r1"], "n": [1.0]})
    b = pd.DataFrame({"resp": ["r1"], "b_nr": [1], "y": [5.0], "z": [np.nan], "_source": "s", "_row": [2],
                      "_main_row": [2]})
    out = clean_rosters(main, {"b": b}, form, key="resp")
    assert out.frames["b"]["y"].tolist() == [5.0] and out.frames["b"]["z"].tolist() == [-9.0]
    assert any("'y'" in w and "indexed-repeat" in w for w in out.warnings)
    assert any("'z'" in w and "another repeat" in w for w in out.warnings)


def test_sid_clean_and_validate_on_a_project_with_a_roster(tmp_path):
    """The stages: `sid ingest` reads the roster (ODK Central's layout), `sid clean` writes
    work/cleaned_roster_lid.parquet with the ingested roster's columns and logs its cells with
    roster and instance (the delivered log pseudonymised); `sid validate` names roster rows."""
    from conftest import TINY_CHOICES, TINY_SURVEY, TINY_TOML
    from typer.testing import CliRunner

    from cli import app

    root = tmp_path / "tiny"
    write_xlsform(root / "schemas" / "form.xlsx", [
        *TINY_SURVEY, q("begin_repeat", "lid", "Gezinslid"), q("text", "lid_naam", "Naam"),
        q("integer", "lid_jaar", "Geboortejaar", constraint=". > 1900"),
        q("select_one jn", "lid_werk", "Werkt samen met u", relevant="${werk} = 1"), q("end_repeat", "")],
        TINY_CHOICES)
    (root / "raw").mkdir()
    (root / "raw" / "answers.csv").write_text(
        "resp_id,start,end,geboortejaar,werk,tevreden,geboorteland,talen,talen_anders,leeftijd,KEY\n"
        "R1,2026-03-02T10:00:00,2026-03-02T10:31:00,1980,1,4,BE,nl,,46,uuid:a\n"
        "R2,2026-03-03T11:00:00,2026-03-03T11:25:10,1999,0,,MA,nl ar other,Berbers,27,uuid:b\n", encoding="utf-8")
    (root / "raw" / "answers-lid.csv").write_text(
        "lid_naam,lid_jaar,lid_werk,PARENT_KEY,KEY\nAnn,1982,1,uuid:a,uuid:a/lid[1]\nBen,1800,,uuid:a,uuid:a/lid[2]\n"
        "Cas,1999,1,uuid:b,uuid:b/lid[1]\n", encoding="utf-8")
    (root / "sid.toml").write_text(TINY_TOML.replace(
        'path = "raw/answers.csv"\n', 'path = "raw/answers.csv"\ninstance = "KEY"\nroster_layout = "odk"\n'),
        encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(app, ["--project", str(root), "ingest"]).exit_code == 0
    result = runner.invoke(app, ["--project", str(root), "validate"])
    failures = pd.read_csv(root / "work" / "validation_failures.csv", dtype=str, keep_default_na=False)
    roster_rows = failures[failures["roster"] == "lid"]
    assert set(zip(roster_rows["rule"], roster_rows["respondent"], roster_rows["instance"])) == {
        ("constraint:lid_jaar", "R1", "2"), ("routing:lid_werk", "R2", "1")}  # R2 does not work: not asked
    result = runner.invoke(app, ["--project", str(root), "clean"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    ingested = pd.read_parquet(root / "work" / "roster_lid.parquet")
    cleaned = pd.read_parquet(root / "work" / "cleaned_roster_lid.parquet")
    assert list(cleaned.columns) == list(ingested.columns)
    assert cleaned["lid_jaar"].tolist() == [1982.0, -4.0, 1999.0]
    assert cleaned["lid_werk"].tolist() == [1.0, -9.0, -3.0]  # R1 works: asked; R2 does not: not asked
    log = pd.read_csv(root / "work" / "cleaning_log_private.csv", dtype=str, keep_default_na=False)
    lid = log[log["roster"] == "lid"]
    assert sorted(zip(lid["respondent"], lid["instance"], lid["variable"], lid["new"])) == [
        ("R1", "2", "lid_jaar", "-4.0"), ("R1", "2", "lid_werk", "-9.0"), ("R2", "1", "lid_werk", "-3.0")]
    delivered = next(root.rglob("cleaning_log.csv"))
    shown = pd.read_csv(delivered, dtype=str, keep_default_na=False)
    assert list(shown.columns) == LOG_COLUMNS
    assert set(shown.loc[shown["roster"] == "lid", "instance"]) == {"1", "2"}
    assert not set(shown["respondent"]) & {"R1", "R2"}  # pseudonymised
    ingested_main = pd.read_parquet(root / "work" / "ingested.parquet")
    again = replay_roster(ingested, log, load_questionnaire(root / "schemas" / "form.xlsx"), "lid", "resp_id",
                          ingested_main["resp_id"])
    pd.testing.assert_frame_equal(again, cleaned, check_dtype=False)


def _random_values(var, n: int, rng) -> object:
    if var.kind == "numeric":
        if var.choices is not None:
            return rng.choice([float(c) for c in var.choices.codes.values()] + [np.nan, 99.0], n)
        return rng.choice([np.nan, 0.0, 1.0, 5.0, 2000.0, -1.0], n)
    if var.kind == "datetime":
        return pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]")
    if var.choices is not None:
        return rng.choice([*var.choices.names, None], n).astype(object)
    return rng.choice(["x", None, "12"], n).astype(object)


FORMS_WITH_REPEATS = sorted(p for p in (Path(__file__).resolve().parents[1] / "forms").rglob("*.xls*")
                            if "repeat" in p.name or p.stem in (
                                "tutorial", "attribute_columns_test", "xlsform_spec_test", "function_count",
                                "function_indexed_repeat", "function_position"))


@pytest.mark.parametrize("path", FORMS_WITH_REPEATS, ids=lambda p: p.name)
def test_real_forms_with_repeats_clean_replay_and_validate_clean(path):
    """pyxform's example forms and the spec corpus's repeat forms, on answers drawn at random (with
    unknown codes and answers where not asked): roster cleaning runs, its log replays to the same
    rows, and validation of the cleaned rows finds no routing failure, and a required one only for
    a text left empty (cleaning invents no answer; texts take no missing code, as on the main level)."""
    from pipeline.survey.rosters import ancestry

    form = load_questionnaire(path)
    if not form.rosters:
        pytest.skip("pyxform reads no repeat here")
    rng = np.random.default_rng(7)
    main = pd.DataFrame({"__resp": [f"r{i}" for i in range(6)]})
    for var in form:
        main[var.name] = _random_values(var, 6, rng)
    rosters = {}
    for roster in form.rosters:
        chain = ancestry(form.rosters, roster.name)
        rows = pd.DataFrame({"__resp": np.repeat(main["__resp"].to_numpy(), 2 ** len(chain))})
        for depth, outer in enumerate(chain):
            rows[outer.number_column] = (np.arange(len(rows)) // (2 ** (len(chain) - depth - 1))) % 2 + 1
        for var in roster.variables:
            rows[var.name] = _random_values(var, len(rows), rng)
        rows["_source"], rows["_row"], rows["_main_row"] = "s", np.arange(len(rows)) + 2, 2
        rosters[roster.name] = rows
    cleaned, result = clean(main, form, key="__resp")
    out = clean_rosters(cleaned, rosters, form, key="__resp", excluded=result.excluded)
    for roster in form.rosters:
        again = replay_roster(rosters[roster.name], out.log, form, roster.name, "__resp", cleaned["__resp"])
        pd.testing.assert_frame_equal(again, out.frames[roster.name], check_dtype=False)
    report, _ = validate_rosters(cleaned, out.frames, form, key="__resp")
    assert not report.failures["rule"].str.startswith("routing:").any()
    texts = {f"required:{v.name}" for r in form.rosters for v in r.variables if v.kind == "string"
             and v.type != "select_one"}
    assert set(report.failures.loc[report.failures["rule"].str.startswith("required:"), "rule"]) <= texts
    if path.stem == "function_position":  # calc_in = position(..): the instance number
        kids = out.frames["kids"]
        assert kids["calc_in"].tolist() == kids["kids_nr"].astype(float).tolist()


def test_a_main_constraint_counting_a_roster_is_judged_where_its_rows_are_ingested(tmp_path):
    form = load_questionnaire(write_xlsform(tmp_path / "f.xlsx", [
        q("integer", "kinderen", "Kinderen", constraint=". = count(${kind})"),
        q("begin_repeat", "kind", "Kind"), q("integer", "k_jaar", "Jaar"), q("end_repeat", "")], []))
    (warning,) = [w for w in form.warnings if "constraint" in w]
    assert "checked per respondent only where the repeat's rows are ingested" in warning
    assert form["kinderen"].constraint is None and form["kinderen"].over_roster == ". = count(${kind})"
    main = pd.DataFrame({"resp": ["r1", "r2", "r3"], "kinderen": [2.0, 1.0, -1.0]})
    kind = pd.DataFrame({"resp": ["r1", "r1", "r3"], "kind_nr": [1, 2, 1], "k_jaar": [2001.0, 2003.0, 1990.0],
                         "_source": "s", "_row": [2, 3, 4], "_main_row": [2, 2, 4]})
    report, _ = validate_rosters(main, {"kind": kind}, form, key="resp")
    fails = report.failures[report.failures["rule"] == "constraint:kinderen"]
    assert fails["respondent"].tolist() == ["r2"]  # 1 said, none delivered; r3's -1 (weet niet) not judged
    report, _ = validate_rosters(main, {}, form, key="resp")  # no roster rows: not judged (the form's warning)
    assert report.failures.empty


def test_a_count_condition_may_refer_to_the_main_level_and_position(tmp_path, form):
    """count(${child}, condition): the condition per child, with the parent's answers and position(..)."""
    main, rosters = _ingested(tmp_path, form, "odk")
    rules = (Rule("jonger_dan_ouder", "", "count(${child}, ${k_leeftijd} >= ${leeftijd}) = 0", "error"),
             Rule("eerste_kind_jong", "", "count(${child}, position(..) = 1 and ${k_leeftijd} < 10) = 1",
                  "warning", when="count(${child}) > 0"),
             Rule("tweede_kind", "", "indexed-repeat(${k_naam}, ${child}, 2) != 'Blaine'", "warning"),
             Rule("speelgoed_eerste_kind", "", "indexed-repeat(${s_naam}, ${toy}, 1) != 'R2-D2'", "warning",
                  roster="child"),
             Rule("speelgoed_van_jong_kind", "", "count(${toy}, ${k_leeftijd} < 12 and ${leeftijd} > 0) = 1",
                  "warning", roster="child"))
    report, notes = validate_rosters(main, rosters, form, key="resp", rules=rules)
    fails = report.failures[report.failures["rule"].isin(["jonger_dan_ouder", "eerste_kind_jong", "tweede_kind",
                                                          "speelgoed_eerste_kind", "speelgoed_van_jong_kind"])]
    assert sorted(zip(fails["rule"], fails["respondent"], fails["instance"])) == [
        ("eerste_kind_jong", "r3", ""), ("jonger_dan_ouder", "r2", ""),
        ("speelgoed_eerste_kind", "r2", "1"),  # a nested roster's first row, per child
        # per child, its toys where the child (the toy's parent) is under 12 and the respondent has an age:
        # Blaine (40) and Candace (13) have a toy but are not under 12; Baker has none
        ("speelgoed_van_jong_kind", "r2", "2"), ("speelgoed_van_jong_kind", "r2", "3"),
        ("speelgoed_van_jong_kind", "r3", "1"),
        ("tweede_kind", "r2", "")]  # r1 and r3 have no second child: empty, not 'Blaine'
    assert notes == ()
    assert report.summary.set_index("rule").loc["eerste_kind_jong", "items"] == 2  # r1 has no children


def test_a_correction_per_instance_runs_before_the_other_steps(tmp_path, form):
    """corrections.yaml with `roster: child`: per child, with the parent's answers and position(..);
    the corrected age is then valid, so the child's school and toy stay asked."""
    from pipeline.cleaning.clean import load_corrections
    from pipeline.errors import SidError

    path = tmp_path / "corrections.yaml"
    path.write_text("- name: blaine_typo\n  description: 40 for 4 (the parent is 34)\n  roster: child\n"
                    "  condition: ${k_leeftijd} = 40 and ${leeftijd} = 34 and position(..) = 2\n"
                    "  assign:\n    k_leeftijd: 4\n", encoding="utf-8")
    corrections = load_corrections(path, form, "resp")
    assert corrections[0].roster == "child"
    main, rosters = _ingested(tmp_path, form, "kobo")
    cleaned, result = clean(main, form, key="resp", corrections=corrections)  # the main level: nothing to do
    assert result.log.empty
    out = clean_rosters(cleaned, rosters, form, key="resp", excluded=result.excluded, corrections=corrections)
    assert out.frames["child"]["k_leeftijd"].tolist() == [4.0, 4.0, 2.0, 13.0]
    assert out.frames["child"]["k_school"].tolist() == [1.0, 1.0, -3.0, -9.0]
    assert out.frames["toy"]["s_naam"].fillna("").tolist() == ["R2-D2", "BB-8", ""]
    first = out.log.iloc[0]
    assert (first["step"], first["rule"], first["respondent"], first["roster"], first["instance"], first["old"],
            first["new"]) == ("correction", "blaine_typo", "r2", "child", "2", "40.0", "4.0")
    again = replay_roster(rosters["child"], out.log, form, "child", "resp", cleaned["resp"])
    pd.testing.assert_frame_equal(again, out.frames["child"], check_dtype=False)
    for text, message in (("  roster: kids\n", "no repeat"), ("  roster: toy\n", "not a variable of the roster")):
        path.write_text("- name: x\n" + text + "  condition: true()\n  assign:\n    k_leeftijd: 4\n", encoding="utf-8")
        with pytest.raises(SidError, match=message):
            load_corrections(path, form, "resp")


def test_a_roster_text_loses_its_trailing_spaces_logged(tmp_path, form):
    """As in the main questionnaire (a .sav drops them): the last step, per instance, replayable."""
    main, rosters = _ingested(tmp_path, form, "odk")
    rosters["child"] = rosters["child"].assign(k_naam=["Billy ", "Blaine", "Baker\t", "Candace  "])
    cleaned, result = clean(main, form, key="resp")
    out = clean_rosters(cleaned, rosters, form, key="resp", excluded=result.excluded)
    assert out.frames["child"]["k_naam"].tolist() == ["Billy", "Blaine", "Baker\t", "Candace"]
    trimmed = out.log[out.log["step"] == "format"]
    assert trimmed[["rule", "respondent", "instance", "old", "new"]].values.tolist() == [
        ["trailing_spaces", "r2", "1", "Billy ", "Billy"], ["trailing_spaces", "r3", "1", "Candace  ", "Candace"]]
    again = replay_roster(rosters["child"], out.log, form, "child", "resp", cleaned["resp"])
    pd.testing.assert_frame_equal(again, out.frames["child"], check_dtype=False)
