"""Reports for people: CSV and XLSX with the same columns, safe to open in Excel."""

import openpyxl
import pandas as pd

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
    failures = pd.DataFrame({"respondent": ["R1", "R2", "R3"], "variable": ["werk", "tevreden", "werk"],
                             "rule": ["r", "r", "r"], "value": ["1.0", "tevreden=-1.0; werk=0.0", None],
                             "severity": ["error", "warning", "error"], "message": ["m", "m", "m"]})
    csv_path, xlsx_path = write_report(failures, tmp_path / "failures", "failures",
                                       people=for_people("nl", form, "nl"))
    rows = [list(r) for r in openpyxl.load_workbook(xlsx_path)["failures"].iter_rows(values_only=True)]
    assert rows[0] == ["respondent", "variabele", "regel", "waarde", "ernst", "melding"]
    assert rows[1][3:5] == ["1 (ja)", "fout"]
    assert rows[2][3] == "tevreden=-1 (weet niet); werk=0 (nee)"
    assert rows[3][3] is None
    assert pd.read_csv(csv_path, dtype=str).columns.tolist() == FAILURE_COLUMNS
    assert pd.read_csv(csv_path, dtype=str)["value"].tolist()[:2] == ["1.0", "tevreden=-1.0; werk=0.0"]
    quality = pd.DataFrame({"respondent": ["R1"], "duration_min": [41.51666666666667], "duration_ratio": [0.8986],
                            "straightlined": [""], "item_nonresponse": [0.0234], "dont_know": [1 / 3]})
    _, xlsx_path = write_report(quality, tmp_path / "quality", "quality", people=for_people("en"))
    rows = [list(r) for r in openpyxl.load_workbook(xlsx_path)["quality"].iter_rows(values_only=True)]
    assert rows == [["respondent", "duration (min)", "duration / median", "straightlined grids",
                     "item nonresponse (%)", "don't know (%)"], ["R1", 41.5, 0.9, None, 2.3, 33.3]]
