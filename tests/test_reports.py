"""Reports for people: CSV and XLSX with the same columns, safe to open in Excel."""

import openpyxl
import pandas as pd

from pipeline.tables import excel_safe, write_report


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
