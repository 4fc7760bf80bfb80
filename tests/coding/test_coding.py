"""Coding: normalised and fuzzy matching on distinct verbatims, back-coding, classifications,
worklist round trip through Excel, refused imports, kappa, coded columns in the .sav."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from pipeline.coding.classifications import municipalities, normalise, sound_key
from pipeline.coding.worklist import FRAME_COLUMNS, HEADERS, cohen_kappa
from pipeline.errors import SidError
from pipeline.survey.project import load_project
from pipeline.survey.questionnaire import load_questionnaire
from tests.conftest import c, q, write_xlsform

runner = CliRunner()

SURVEY = [
    q("text", "resp_id", "Respondentnummer", required="yes"),
    q("select_one land", "geboorteland", "In welk land bent u geboren?", "Country of birth?"),
    q("text", "geboorteland_anders", "Ander geboorteland, namelijk:", "Other country:",
      relevant="${geboorteland} = 'other'"),
    q("select_multiple taal", "talen", "Welke talen spreekt u thuis?", "Home languages?"),
    q("text", "talen_anders", "Andere taal, namelijk:", "Other language:", relevant="selected(${talen}, 'other')"),
    q("text", "woonplaats", "In welke gemeente woonde u vroeger?", "Former municipality?"),
    q("select_one werk", "werk", "Wat doet u?", "What do you do?"),
    q("text", "werk_anders", "Iets anders, namelijk:", "Something else:", relevant="${werk} = 96"),
]
CHOICES = [
    c("land", "BE", "België", "Belgium"), c("land", "MA", "Marokko", "Morocco"),
    c("land", "other", "Ander land", "Other country"), c("land", "-1", "weet niet", "don't know"),
    c("taal", "nl", "Nederlands", "Dutch"), c("taal", "ar", "Arabisch", "Arabic"),
    c("taal", "other", "Andere taal", "Other language"),
    c("werk", "1", "Werknemer", "Employee"), c("werk", "2", "Student", "Student"),
    c("werk", "96", "Andere, namelijk", "Other"),
]
ANSWERS = pd.DataFrame({
    "resp_id": ["R1", "R2", "R3", "R4", "R5", "R6", "R7"],
    "geboorteland": ["other", "other", "other", "BE", "other", "-1", "other"],
    "geboorteland_anders": ["Morokko", "morokko ", "Albanië", None, "Mordor", None, "Marrokko"],
    "talen": ["nl other", "ar", "nl other", "nl", "other", "nl", "ar other"],
    "talen_anders": ["Arabisch", None, "Berbers", None, "Klingon", None, "arabisch"],
    "woonplaats": ["Gent", "Gend", "Nevele", "Molenbeek", "Bruxelle", "", "Deinze"],
    "werk": [1.0, 96.0, 96.0, 2.0, 96.0, 1.0, 1.0],
    "werk_anders": [None, "student", "vrijwilliger", None, "Studente", None, None],
})
REFNIS = """LVL_REFNIS|CD_REFNIS|CD_SUP_REFNIS|TX_REFNIS_NL|TX_REFNIS_FR|TX_REFNIS_DE|DT_VLDT_START|DT_VLDT_END
1|01000||België|Belgique|Belgien|01/01/1977|31/12/9999
5|44021|44000|Gent|Gand||01/01/1977|31/12/9999
5|21004|21000|Brussel|Bruxelles|Brüssel|01/01/1977|31/12/9999
5|21012|21000|Sint-Jans-Molenbeek|Molenbeek-Saint-Jean||01/01/1977|31/12/9999
5|71016|71000|Genk|Genk||01/01/1977|31/12/9999
5|44011|44000|Deinze|Deinze||01/01/1977|31/12/2018
5|44049|44000|Nevele|Nevele||01/01/1977|31/12/2018
5|44083|44000|Deinze|Deinze||01/01/2019|31/12/9999
"""
TOML = """[survey]
name = "codes"
form = "schemas/form.xlsx"
language = "nl"
key = "resp_id"

[[sources]]
path = "raw/answers.csv"

[coding]
fuzzy_threshold = 75
reference_date = 2026-03-01
municipalities = "schemas/refnis.txt"
languages = "schemas/talen.csv"

[coding.variables]
woonplaats = "municipality"
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "codes"
    write_xlsform(root / "schemas" / "form.xlsx", SURVEY, CHOICES)
    (root / "schemas" / "refnis.txt").write_text(REFNIS, encoding="utf-8")
    (root / "schemas" / "talen.csv").write_text("code,name\nber,Berbers\n", encoding="utf-8")
    (root / "raw").mkdir()
    ANSWERS.to_csv(root / "raw" / "answers.csv", index=False)
    (root / "sid.toml").write_text(TOML, encoding="utf-8")
    return root


def _code(root: Path):
    from pipeline.coding.stage import run_code
    from pipeline.survey.questionnaire import questionnaire_of

    proj = load_project(root)
    return run_code(proj, questionnaire_of(proj), ANSWERS)


def test_normalise_folds_case_accents_punctuation_and_space():
    got = normalise(pd.Series(["  Belgïe ", "BELGIË", "Côte d'Ivoire", "Sint-Jans-Molenbeek", "الجزائر"]))
    assert list(got) == ["belgie", "belgie", "cote d ivoire", "sint jans molenbeek", "الجزاير"]
    keys = sound_key(pd.Series(["gend", "gent", "marocco", "marokko", "turkiye", "turkije"]))
    assert keys[0] == keys[1] and keys[2] == keys[3] and keys[4] == keys[5]


def test_other_specify_naming_a_choice_is_back_coded_and_logged(project):
    coded, result = _code(project)
    by = coded.set_index("resp_id")
    # 'Morokko', 'morokko ' (one normalised verbatim) and 'Marrokko' name choice MA
    assert by.loc[["R1", "R2", "R7"], "geboorteland"].tolist() == ["MA", "MA", "MA"]
    assert by.loc[["R1", "R2", "R7"], "geboorteland_anders"].isna().all()  # text emptied
    assert by.loc["R3", "geboorteland"] == "other" and by.loc["R3", "geboorteland_iso"] == "AL"
    assert by.loc["R4", "geboorteland_iso"] == "BE" and by.loc["R6", "geboorteland_iso"] == "-1"
    assert by.loc["R5", "geboorteland_iso"] == ""  # Mordor: left for the coders
    log = result.log[result.log["variable"] == "geboorteland"]
    assert sorted(log["respondent"]) == ["R1", "R2", "R7"] and set(log["old"]) == {"other"}
    assert set(log["new"]) == {"MA"}
    matches = result.matches[result.matches["variable"] == "geboorteland_anders"].set_index("normalised")
    assert matches.loc["morokko", "answers"] == 2  # distinct normalised verbatims, not respondents
    assert matches.loc["marrokko", "method"] == "fuzzy" and matches.loc["marrokko", "status"] == "back_coded"
    # select_multiple: 'other' replaced by the choice; unknown languages keep 'other', get an ISO code
    assert by.loc["R1", "talen"] == "nl ar" and by.loc["R7", "talen"] == "ar"
    assert by.loc["R3", "talen"] == "nl other" and by.loc["R3", "talen_anders_iso"] == "ber"
    # a numeric choice list: 'student' is choice 2, 'Studente' too (close), 'vrijwilliger' is open
    assert by.loc["R2", "werk"] == 2.0 and by.loc["R5", "werk"] == 2.0 and by.loc["R3", "werk"] == 96.0


def test_municipalities_misspelt_merged_and_short_names(project):
    coded, result = _code(project)
    nis = coded.set_index("resp_id")["woonplaats_nis"]
    assert nis["R1"] == 44021 and nis["R2"] == 44021  # Gend: the sound key says Gent, not Genk
    assert nis["R3"] == 44049  # Nevele no longer exists: its own (historical) code
    assert nis["R7"] == 44083  # Deinze after the 2019 merger with Nevele
    assert nis["R4"] == 21012 and nis["R5"] == 21004  # Molenbeek, Bruxelle(s)
    assert pd.isna(nis["R6"])
    cover = result.coverage.set_index("variable").loc["woonplaats"]
    assert (cover["answers"], cover["exact"], cover["fuzzy"], cover["open"]) == (6, 4, 2, 0)  # Molenbeek is part of a name: exact
    meta = {v.name: v for v in result.variables}["woonplaats_nis"]
    assert meta.value_labels["44049"] == "Nevele (tot 2018)"
    assert meta.label.startswith("In welke gemeente woonde u vroeger?")


def test_refnis_validity_follows_the_reference_date(tmp_path):
    path = tmp_path / "refnis.txt"
    path.write_text(REFNIS, encoding="utf-8")
    now = dict(municipalities(path, date(2026, 1, 1)).name_frame()[["normalised", "code"]].to_numpy())
    then = dict(municipalities(path, date(2015, 1, 1)).name_frame()[["normalised", "code"]].to_numpy())
    assert now["deinze"] == "44083" and then["deinze"] == "44011"
    path.write_text(REFNIS.replace("TX_REFNIS_NL", "NAAM"), encoding="utf-8")
    with pytest.raises(SidError, match="TX_REFNIS_NL"):
        municipalities(path, date(2026, 1, 1))


def _fill(path: Path, sheet: str, values: dict[str, dict[str, str]]) -> None:
    """Fill worklist rows (by verbatim) as a coder does in Excel."""
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    header = [cell.value for cell in ws[1]]
    for row in ws.iter_rows(min_row=2):
        verbatim = row[header.index(HEADERS["verbatim"])].value
        for col, value in values.get(verbatim, {}).items():
            row[header.index(HEADERS[col])].value = value
    wb.save(path)


def test_worklist_round_trip_through_excel(project):
    _code(project)
    worklist = project / "work" / "coding_worklist.xlsx"
    sheets = pd.read_excel(worklist, sheet_name=None, dtype=str, keep_default_na=False)
    assert {"coderen", "nakijken", "codes", "uitleg"} <= set(sheets)
    todo = sheets["coderen"].set_index("antwoord")
    assert {"Mordor", "Klingon", "vrijwilliger"} <= set(todo.index)
    assert todo.loc["Mordor", "context"] == "R5: geboorteland=other"
    assert todo.loc["Mordor", "suggestie 1"] != ""
    assert "Marrokko" in set(sheets["nakijken"]["antwoord"])  # fuzzy: to review
    _fill(worklist, "coderen", {"Mordor": {"code": "-4 (ongeldig)", "coder": "An"},  # chosen from the dropdown
                                "Klingon": {"code": "tlh", "coder": "An"},
                                "vrijwilliger": {"code": "96", "coder": "An"}})
    _fill(worklist, "nakijken", {"Marrokko": {"code": "MA", "coder": "Bo"}})
    result = runner.invoke(_app(), ["--project", str(project), "code", "--import", str(worklist)])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(project / "schemas" / "codeframes" / "geboorteland_anders.csv", dtype=str)
    assert list(frame.columns) == FRAME_COLUMNS
    assert frame.set_index("verbatim").loc["Mordor", ["code", "coder"]].tolist() == ["-4", "An"]
    assert frame.set_index("verbatim").loc["Marrokko", "code"] == "MA"
    coded, again = _code(project)
    by = coded.set_index("resp_id")
    assert by.loc["R5", "geboorteland_iso"] == "-4" and by.loc["R3", "talen_anders_iso"] == "ber"
    matches = again.matches.set_index(["variable", "normalised"])
    assert matches.loc[("talen_anders", "klingon"), "method"] == "frame"
    assert matches.loc[("geboorteland_anders", "marrokko"), "method"] == "frame"  # reviewed: now exact
    assert again.coverage.set_index("variable").loc["geboorteland_anders", "open"] == 0


def test_worklist_with_bad_codes_is_refused_whole(project):
    _code(project)
    worklist = project / "work" / "coding_worklist.xlsx"
    frames = project / "schemas" / "codeframes"
    frames.mkdir(parents=True)
    (frames / "talen_anders.csv").write_text("verbatim,code,coder,date\nKlingon,tlh,An,2026-04-01\n",
                                             encoding="utf-8")
    before = (frames / "talen_anders.csv").read_bytes()
    _fill(worklist, "coderen", {"Mordor": {"code": "ZZ", "coder": "An"},
                                "vrijwilliger": {"code": "2"},
                                "Klingon": {"code": "xxx-not", "coder": "An"}})
    result = runner.invoke(_app(), ["--project", str(project), "code", "--import", str(worklist)])
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert "3 row(s) refused" in text and "nothing imported" in text
    for column in ("code", "codeur"):  # as the coder sees the columns
        assert re.search(rf"coderen │\s+\d+ │ {column}\b", result.output), result.output
    assert "'ZZ' is not a code of ISO 3166-1 alpha-2" in text
    assert (frames / "talen_anders.csv").read_bytes() == before
    assert not (frames / "geboorteland_anders.csv").exists()


def test_two_coders_give_kappa_per_variable(project):
    _code(project)
    worklist = project / "work" / "coding_worklist.xlsx"
    _fill(worklist, "coderen", {"Mordor": {"code": "-4", "coder": "An", "code_2": "-4", "coder_2": "Bo"},
                                "vrijwilliger": {"code": "96", "coder": "An", "code_2": "1", "coder_2": "Bo"},
                                "Klingon": {"code": "tlh", "coder": "An", "code_2": "tlh", "coder_2": "Bo"}})
    result = runner.invoke(_app(), ["--project", str(project), "code", "--import", str(worklist)])
    assert result.exit_code == 0, result.output
    assert "Cohen's kappa" in result.output
    assert re.search(r"werk_anders\s+│\s+1 │\s+0,0%", result.output), result.output


def test_cohen_kappa_by_hand():
    # p_o = 3/4; p_e = 0.5*0.25 + 0.5*0.75 = 0.5 -> kappa = 0.5
    assert cohen_kappa([1, 1, 2, 2], [1, 2, 2, 2]) == pytest.approx(0.5)
    assert cohen_kappa(["a", "b"], ["a", "b"]) == pytest.approx(1.0)


def test_coded_columns_reach_the_sav_with_dutch_labels(project, tmp_path):
    from pipeline.coding.coding import export_metadata
    from pipeline.delivery.export import export
    from tests.conftest import run_pspp

    coded, _ = _code(project)
    proj = load_project(project)
    questionnaire = load_questionnaire(proj.form, proj.missing)
    labels, values = export_metadata(proj.coding, questionnaire, coded)
    assert labels["geboorteland_iso"].startswith("In welk land bent u geboren?")
    sav = tmp_path / "out.sav"
    export(coded, questionnaire, sav=sav, sps=tmp_path / "out.sps", language="nl", key="resp_id",
           title="toets", labels=labels, value_labels=values)
    # PSPP reads it: numeric NIS codes and text ISO codes, each with its Dutch value labels
    status, tables, text = run_pspp(f"SET TVARS=NAMES.\nGET FILE='{sav}'.\nDISPLAY DICTIONARY.\n", tmp_path)
    assert status == 0 and "error" not in text.lower(), text
    labelled, current = {}, None
    for row in tables["Value Labels"][1:]:
        if len(row) >= 3:
            current = row[0] or current
            labelled[(current, row[1].replace("[a]", ""))] = (row[2], row[1].endswith("[a]"))
    assert labelled[("woonplaats_nis", "44021")] == ("Gent", False)
    assert labelled[("woonplaats_nis", "-1")] == ("weet niet", True)  # declared user-missing
    assert labelled[("geboorteland_iso", "AL")][0] == "Albanië"
    assert labelled[("talen_anders_iso", "ber")][0] == "Berbers"
    import pyreadstat

    _, meta = pyreadstat.read_sav(str(sav), metadataonly=True)
    assert meta.variable_measure["woonplaats_nis"] == "nominal"


def test_coding_settings_are_checked(project):
    toml = project / "sid.toml"
    toml.write_text(TOML.replace("fuzzy_threshold = 75", "fuzzy_treshold = 75"), encoding="utf-8")
    with pytest.raises(SidError, match="coding.fuzzy_treshold: unknown key"):
        load_project(project)
    toml.write_text(TOML.replace('"municipality"', '"planet"'), encoding="utf-8")
    with pytest.raises(SidError, match="coding.variables"):
        load_project(project)


def _app():
    from cli import app

    return app


@pytest.mark.slow
def test_demo_planted_misspellings_are_coded(demo_project):
    """Every planted misspelt country (other-specify, back-coded to the list) and municipality
    (vorige_gemeente, to its NIS code) in raw/demo_truth.csv is coded as meant."""
    from pipeline.coding.plan import specified_by
    from pipeline.demo.tables import MUNICIPALITIES
    from pipeline.ingest.stage import run_ingest
    from pipeline.survey.questionnaire import questionnaire_of

    proj = load_project(demo_project)
    questionnaire = questionnaire_of(proj)
    run_ingest(proj, questionnaire)
    result = runner.invoke(_app(), ["--project", str(demo_project), "code"])
    assert result.exit_code == 0, result.output
    assert "Codering: antwoorden per variabele" in result.output and "vorige_gemeente" in result.output
    coded = pd.read_parquet(demo_project / "work" / "coded.parquet").set_index("sample_id")
    truth = pd.read_csv(demo_project / "raw" / "demo_truth.csv", dtype=str)
    truth = truth[truth["defect"] == "misspelt_place"]
    assert len(truth) == 54
    nis = {name: float(code) for code, name, *_ in MUNICIPALITIES} | {"Hasselt": 71072.0}  # merged 2025
    wrong = []
    for row in truth.itertuples():
        meant = re.search(r"\(([^()]*)\)\s*$", row.detail).group(1)
        if row.variable == "vorige_gemeente":
            got, want = coded.loc[row.sample_id, "vorige_gemeente_nis"], nis[meant]
        else:
            got, want = coded.loc[row.sample_id, specified_by(questionnaire[row.variable], questionnaire).name], meant
        if got != want:
            wrong.append((row.sample_id, row.variable, row.detail, got))
    assert wrong == []
    log = pd.read_csv(demo_project / "work" / "coding_log.csv", dtype=str)
    assert {"nat_moeder", "nat_moeder_anders"} <= set(log["variable"])


def test_code_frames_never_hold_personal_data(project):
    answers = ANSWERS.assign(werk_anders=ANSWERS["werk_anders"].where(
        ANSWERS["resp_id"] != "R3", "vrijwilliger, bel 0475 12 34 56"))
    from pipeline.coding.stage import run_code
    from pipeline.survey.questionnaire import questionnaire_of

    proj = load_project(project)
    run_code(proj, questionnaire_of(proj), answers)
    worklist = project / "work" / "coding_worklist.xlsx"
    verbatims = set(pd.read_excel(worklist, sheet_name="coderen", dtype=str)["antwoord"])
    assert "vrijwilliger, bel [TEL]" in verbatims
    _fill(worklist, "coderen", {"vrijwilliger, bel [TEL]": {"code": "96", "coder": "An"}})
    result = runner.invoke(_app(), ["--project", str(project), "code", "--import", str(worklist)])
    assert result.exit_code == 0, result.output
    text = (project / "schemas" / "codeframes" / "werk_anders.csv").read_text(encoding="utf-8")
    assert "0475" not in text and "[TEL]" in text
    coded, again = run_code(proj, questionnaire_of(proj), answers)  # the scrubbed key still matches
    assert again.coverage.set_index("variable").loc["werk_anders", "open"] == 0


def test_replaying_the_coding_log_gives_the_coded_answers(project):
    """Every changed cell is in the log: replayed on the input it gives the coded frame back
    (the new coded columns aside, which the matches table explains)."""
    from pipeline.cleaning.clean import replay

    coded, result = _code(project)
    questionnaire = load_questionnaire(project / "schemas" / "form.xlsx")
    again = replay(ANSWERS, result.log, questionnaire, "resp_id")
    pd.testing.assert_frame_equal(again[list(ANSWERS.columns)], coded[list(ANSWERS.columns)], check_dtype=False)


def test_the_variables_coded_two_at_a_time_give_what_one_process_gives(project, monkeypatch):
    """Back-coding (geboorteland, talen, werk), a classification (woonplaats) and the worklist: the variables'
    matching shared between two processes (parallel/beside.py) and made in one give the same frames."""
    from pipeline.parallel import beside

    results = {}
    for processes in ("1", "2"):
        monkeypatch.setenv(beside.ENV, processes)
        results[processes] = _code(project)
    (one, one_result), (two, two_result) = results["1"], results["2"]
    pd.testing.assert_frame_equal(one, two)
    for part in ("matches", "log", "coverage", "worklist"):
        pd.testing.assert_frame_equal(getattr(one_result, part), getattr(two_result, part))
    assert one_result.variables == two_result.variables
    assert len(one_result.worklist) and (one_result.log["rule"] == "back_coding").any()


def test_variables_whose_coding_writes_what_another_reads_are_coded_in_turn(project):
    from dataclasses import replace

    from pipeline.coding.coding import _independent
    from pipeline.coding.plan import plan
    from pipeline.survey.questionnaire import questionnaire_of

    proj = load_project(project)
    targets = plan(questionnaire_of(proj), proj.coding)
    assert _independent(targets)
    parent = next(t for t in targets if t.parent is not None)  # back-codes into its parent question
    reader = next(t for t in targets if t.parent is None)
    assert not _independent((parent, replace(reader, source=parent.parent)))  # one reads what it writes
