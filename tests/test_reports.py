"""Reports for people: CSV and XLSX with the same columns, safe to open in Excel."""

import openpyxl
import pandas as pd
import pytest
from conftest import demo_delivery

from pipeline.survey.questionnaire import load_questionnaire
from pipeline.tables import excel_safe, write_report
from pipeline.validation.people import for_people
from pipeline.validation.validate import FAILURE_COLUMNS


def test_formulas_from_respondents_are_neutralised_numbers_are_not():
    frame = pd.DataFrame({"value": ["=HYPERLINK(\"http://x\")", "+32 470 12 34 56", "-4", "-3.0",
                                    "@SUM(A1)", "gewoon antwoord", None], "n": [1, 2, 3, 4, 5, 6, 7]})
    safe = excel_safe(frame)
    assert safe["value"].tolist()[:6] == ["'=HYPERLINK(\"http://x\")", "'+32 470 12 34 56", "-4", "-3.0",
                                          "'@SUM(A1)", "gewoon antwoord"]
    assert safe["n"].tolist() == [1, 2, 3, 4, 5, 6, 7]


def test_csv_and_xlsx_have_the_same_table(tmp_path):
    frame = pd.DataFrame({"rule": ["a", "b"], "fails": [3, 0], "value": ["=1+1", "x"]})
    csv_path, xlsx_path = write_report(frame, tmp_path / "report", "samenvatting")
    assert csv_path.read_bytes().startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    ws = openpyxl.load_workbook(xlsx_path)["samenvatting"]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    assert rows == [["rule", "fails", "value"], ["a", 3, "'=1+1"], ["b", 0, "x"]]
    assert pd.read_csv(csv_path)["value"].tolist() == ["'=1+1", "x"]


def test_validation_workbooks_speak_the_ui_language_with_labels_and_rounding(tiny_form, tmp_path):
    """The CSV keeps the frozen machine columns and values; the workbook shows Dutch (or English)
    headers, codes with their labels and rounded numbers."""
    form = load_questionnaire(tiny_form)
    failures = pd.DataFrame({"respondent": ["R1", "R2", "R3"], "roster": "", "instance": "",
                             "variable": ["werk", "tevreden", "werk"],
                             "rule": ["r", "r", "r"], "value": ["1.0", "tevreden=-1.0; werk=0.0", None],
                             "severity": ["error", "warning", "error"], "message": ["m", "m", "m"]})
    csv_path, xlsx_path = write_report(failures, tmp_path / "failures", "failures",
                                       people=for_people("nl", form, "nl"))
    rows = [list(r) for r in openpyxl.load_workbook(xlsx_path)["failures"].iter_rows(values_only=True)]
    assert rows[0] == ["respondent", "roster", "instantie", "variabele", "regel", "waarde", "ernst", "melding"]
    assert rows[1][5:7] == ["1 (ja)", "fout"]
    assert rows[2][5] == "tevreden=-1 (weet niet); werk=0 (nee)"
    assert rows[3][5] is None
    assert pd.read_csv(csv_path, dtype=str).columns.tolist() == FAILURE_COLUMNS
    assert pd.read_csv(csv_path, dtype=str)["value"].tolist()[:2] == ["1.0", "tevreden=-1.0; werk=0.0"]
    quality = pd.DataFrame({"respondent": ["R1"], "duration_min": [41.51666666666667], "duration_ratio": [0.8986],
                            "straightlined": [""], "item_nonresponse": [0.0234], "dont_know": [1 / 3]})
    _, xlsx_path = write_report(quality, tmp_path / "quality", "quality", people=for_people("en"))
    rows = [list(r) for r in openpyxl.load_workbook(xlsx_path)["quality"].iter_rows(values_only=True)]
    assert rows == [["respondent", "duration (min)", "duration / median", "straightlined grids",
                     "item nonresponse (%)", "don't know (%)"], ["R1", 41.5, 0.9, None, 2.3, 33.3]]


@pytest.fixture(scope="module")
def delivered(tmp_path_factory):
    return demo_delivery(tmp_path_factory)


def test_every_work_report_has_its_headers_in_both_ui_languages(delivered):
    """Each workbook sid writes into work/ for the agency (validation, quality, coding coverage,
    fieldwork tables, weights) shows its columns in the UI language: every column of the demo's
    reports is in the header table, and the workbook's header row is the Dutch one (nl is the
    demo's ui_language); the CSV beside it keeps the machine names."""
    from pipeline.tables import HEADERS, headers_in

    work = delivered / "work"
    books = [work / "coding_coverage.xlsx", work / "validation_summary.xlsx", work / "quality.xlsx",
             *(work / "fieldwork" / f"{stem}.xlsx" for stem in ("respons", "voortgang", "fasen", "interviewers",
                                                                  "backcheck", "weging_marges", "weging_diagnostiek",
                                                                  "weging_convergentie"))]
    aapor = {"I", "P", "R", "NC", "O", "UH", "UO", "NE", "e", "n", "min", "max", "cv", "deff_kish", "stratum"}
    for book in books:
        columns = list(pd.read_csv(book.with_suffix(".csv"), encoding="utf-8-sig", nrows=0).columns)
        unknown = [c for c in columns if c not in HEADERS and c.removeprefix("z_") not in HEADERS
                   and not c.startswith("uitgesloten_") and c not in aapor and not c[:2] in ("RR", "CO", "RE")]
        assert not unknown, (book.name, unknown)
        header = [c.value for c in next(openpyxl.load_workbook(book, read_only=True).active.iter_rows(max_row=1))]
        assert header == list(headers_in("nl")(pd.DataFrame(columns=columns)).columns), book.name
    english = headers_in("en")(pd.DataFrame(columns=["groep", "doel", "bruikbaar", "z_weet_niet", "RR1"]))
    assert list(english.columns) == ["group", "target (n)", "usable (n)", "z don't know", "RR1"]


def test_one_definition_of_a_complete_usable_completes_are_the_delivered_and_weighted_rows(delivered):
    """The fieldwork report's usable completes, the AAPOR rates on the usable basis, the weights
    and the delivered .sav count the same respondents; the collected completes less the ones
    cleaning excluded (by reason) give the usable ones."""
    import pyreadstat

    cleaned, work = delivered / "cleaned", delivered / "work"
    progress = pd.read_csv(cleaned / "fieldwork_voortgang.csv", encoding="utf-8-sig").set_index("groep")
    rates = pd.read_csv(cleaned / "fieldwork_respons.csv", encoding="utf-8-sig")
    total = rates[rates["breakdown"] == "totaal"].set_index("basis")
    excluded = pd.read_csv(work / "exclusions.csv", dtype=str)
    dispositions = pd.read_csv(work / "fieldwork" / "disposities.csv", encoding="utf-8-sig", dtype=str)
    completes = set(dispositions.loc[dispositions["category"] == "I", "sample_id"])
    speeders = excluded[excluded["respondent"].isin(completes)]
    _, meta = pyreadstat.read_sav(str(cleaned / "sid2026.sav"), metadataonly=True)
    weights = pd.read_csv(work / "weights.csv")
    diagnostics = pd.read_csv(cleaned / "weging_diagnostiek.csv", encoding="utf-8-sig")
    weighted_n = diagnostics[(diagnostics["stap"] == diagnostics["stap"].iloc[-1])
                             & (diagnostics["stratum"] == "totaal")]["n"]

    usable = int(progress.loc["totaal", "bruikbaar"])
    assert usable == meta.number_rows == len(weights) == int(weighted_n.iloc[0]) == int(total.loc["bruikbaar", "I"])
    assert int(progress.loc["totaal", "volledig"]) == int(total.loc["verzameld", "I"]) == len(completes)
    by_reason = [c for c in progress.columns if c.startswith("uitgesloten_")]
    assert by_reason and int(progress.loc["totaal", by_reason].sum()) == len(speeders) > 0
    assert {c.removeprefix("uitgesloten_") for c in by_reason} == set(speeders["reason"])
    assert int(progress.loc["totaal", "volledig"]) - len(speeders) == usable
    # the usable basis moves the excluded completes to O; RR1 falls accordingly, e stays
    assert int(total.loc["bruikbaar", "O"]) == int(total.loc["verzameld", "O"]) + len(speeders)
    assert total.loc["bruikbaar", "RR1"] < total.loc["verzameld", "RR1"]
    assert total.loc["bruikbaar", "e"] == total.loc["verzameld", "e"]
