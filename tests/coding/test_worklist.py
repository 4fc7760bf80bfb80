"""The coders' worklist and the code frames (pipeline/coding/worklist.py): written as a real Excel
workbook, opened and filled in with openpyxl as a coder does, imported back into the code frames;
one bad cell refuses the whole file and leaves every code frame as it was."""

from __future__ import annotations

import re
import shutil
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from conftest import write_xlsform
from test_coding import ANSWERS, CHOICES, REFNIS, SURVEY, _fill

from pipeline.coding.classifications import normalise
from pipeline.coding.coding import candidate_names, code
from pipeline.coding.frames import FrameEntry
from pipeline.coding.plan import plan
from pipeline.coding.stage import coding_settings
from pipeline.coding.suggest import suggest
from pipeline.coding.worklist import (
    CODES_COLUMNS,
    CODES_HEADERS,
    FRAME_COLUMNS,
    HEADERS,
    KAPPA_COLUMNS,
    PROBLEM_COLUMNS,
    SHEETS,
    WORKLIST_COLUMNS,
    ImportRefused,
    allowed_codes,
    clean_code,
    import_worklist,
    read_codeframes,
    write_codeframe,
    write_worklist,
)
from pipeline.demo.tables import MUNICIPALITIES
from pipeline.errors import SidError
from pipeline.survey.project import SID_MISSING, CodingSettings, load_project
from pipeline.survey.questionnaire import load_questionnaire, questionnaire_of

REPO = Path(__file__).resolve().parents[2]  # the repository is the bundled demo project
TODAY = "2026-04-01"
MISSING = SID_MISSING.labels


@pytest.fixture(scope="module")
def coding(tmp_path_factory):
    """Plan and code the answers of test_coding once; each test works on its own worklist copy."""
    folder = tmp_path_factory.mktemp("worklist")
    (folder / "refnis.txt").write_text(REFNIS, encoding="utf-8")
    form = load_questionnaire(write_xlsform(folder / "form.xlsx", SURVEY, CHOICES))
    s = CodingSettings(codeframes=folder / "unused", municipalities=folder / "refnis.txt",
                       reference_date=date(2026, 3, 1), variables=(("woonplaats", "municipality"),))
    targets = plan(form, s)
    _, result = code(ANSWERS, form, key="resp_id", targets=targets, frames={}, threshold=75)
    master = write_worklist(result.worklist, allowed_codes(targets, MISSING), folder / "coding_worklist.xlsx")
    return targets, result.worklist, master


@pytest.fixture
def worklist(coding, tmp_path) -> Path:
    return Path(shutil.copy(coding[2], tmp_path / "coding_worklist.xlsx"))


@pytest.fixture
def targets(coding):
    return coding[0]


def sheet_rows(path: Path, sheet: str) -> list[dict]:
    """The rows of a sheet, keyed by the machine names of its (Dutch) headers."""
    wb = openpyxl.load_workbook(path, read_only=True)
    rows = list(wb[sheet].iter_rows(values_only=True))
    wb.close()
    names = {v: k for k, v in (CODES_HEADERS if sheet == "codes" else HEADERS).items()}
    return [dict(zip([names.get(h, h) for h in rows[0]], r)) for r in rows[1:]]


def frame_csv(folder: Path, variable: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{variable}.csv", dtype=str, keep_default_na=False)


# --- the workbook ---------------------------------------------------------------------------------

def test_worklist_sheets_columns_and_rows(coding, worklist):
    _, rows, _ = coding
    assert list(rows.columns) == WORKLIST_COLUMNS
    wb = openpyxl.load_workbook(worklist)
    assert wb.sheetnames == ["coderen", "nakijken", "codes", "uitleg"]
    for sheet in ("coderen", "nakijken"):
        assert [c.value for c in wb[sheet][1]] == [HEADERS[c] for c in WORKLIST_COLUMNS[1:]]  # status: the sheet
        assert wb[sheet].freeze_panes == "C2"
    open_ = {r["verbatim"]: r for r in sheet_rows(worklist, "coderen")}
    assert set(open_) == {"Mordor", "Berbers", "Klingon", "vrijwilliger"}
    assert open_["Mordor"]["variable"] == "geboorteland_anders"
    assert open_["Mordor"]["question"] == "Ander geboorteland, namelijk:"
    assert open_["Mordor"]["context"] == "R5: geboorteland=other"
    assert open_["vrijwilliger"]["context"] == "R3: werk=96"
    assert all(re.fullmatch(r"\S+ \(.+\) \[\d+\]", r["suggestion_1"]) for r in open_.values())
    assert open_["vrijwilliger"]["backcoding"] == "code 1, 2: het antwoord gaat terug naar die keuze van werk"
    assert all(r["code"] is None and r["coder"] is None for r in open_.values())  # left for the coder
    review = {(r["variable"], r["verbatim"]): r for r in sheet_rows(worklist, "nakijken")}
    # fuzzy matches: sid's code shown for review; one row per distinct answer, with its frequency
    assert review[("geboorteland_anders", "Morokko")]["automatic_code"] == "MA (Marokko)"
    assert review[("geboorteland_anders", "Morokko")]["frequency"] == 2
    assert review[("woonplaats", "Gend")]["automatic_code"] == "44021 (Gent)"
    assert review[("werk_anders", "Studente")]["automatic_code"] == "2 (Student)"


def test_codes_sheet_lists_every_classification_with_its_users(worklist):
    codes = pd.DataFrame(sheet_rows(worklist, "codes"))
    assert list(codes.columns) == CODES_COLUMNS
    by = codes.set_index(["classification", "code"])
    assert by.loc[("ISO 3166-1 alpha-2", "MA"), "label"] == "Marokko"
    assert by.loc[("ISO 3166-1 alpha-2", "MA"), "variables"] == "geboorteland_anders"
    assert by.loc[("NIS-code (REFNIS)", "44021"), "label"] == "Gent"
    assert by.loc[("ISO 3166-1 alpha-2", "MA"), "choice"] == "MA (Marokko)"
    # every valid code and every missing value, for each classification
    assert codes.loc[codes["classification"] == "keuzelijst werk", "code"].tolist() == [
        "1", "2", "96", "-1", "-2", "-3", "-4", "-9"]
    assert by.loc[("NIS-code (REFNIS)", "-4"), "choice"] == "-4 (ongeldig)"
    assert "uitleg" in sheet_rows(worklist, "uitleg")[0]


def test_a_coder_can_work_in_the_workbook(worklist):
    """A dropdown on every code cell over its variable's codes, the code within the first four
    columns, bold Dutch headers with a filter, frozen panes, no quote-prefixed text."""
    wb = openpyxl.load_workbook(worklist)
    codes = wb["codes"]
    choices = {}  # range on the codes sheet -> (classifications, choices) it covers
    for sheet in SHEETS.values():
        ws = wb[sheet]
        header = [c.value for c in ws[1]]
        assert header.index("code") < 4
        assert all(c.font.b for c in ws[1]) and ws.auto_filter.ref == f"A1:{ws.cell(1, len(header)).column_letter}{ws.max_row}"
        validated = {}
        for dv in ws.data_validations.dataValidation:
            assert dv.type == "list" and dv.formula1.startswith("codes!")
            for ref in dv.sqref.ranges:
                for row in ws[ref.coord] if ":" in ref.coord else [[ws[ref.coord]]]:
                    for cell in row:
                        validated[cell.coordinate] = dv.formula1
        for column in ("code", "code 2"):
            letter = ws.cell(1, header.index(column) + 1).column_letter
            for r in range(2, ws.max_row + 1):
                formula = validated[f"{letter}{r}"]  # every code cell has its dropdown
                first, last = (int(x) for x in re.findall(r"\$(\d+)", formula))
                covered = {codes.cell(i, 2).value for i in range(first, last + 1)}
                listed = [codes.cell(i, 5).value for i in range(first, last + 1)]
                variable = ws.cell(r, header.index("variabele") + 1).value
                users = {codes.cell(i, 1).value for i in range(first, last + 1)}
                assert len(covered) == 1 and any(variable in u.split(", ") for u in users)
                choices[formula] = listed
    assert any("MA (Marokko)" in listed and "-4 (ongeldig)" in listed for listed in choices.values())
    assert codes.freeze_panes == "A2" and codes.auto_filter.ref and all(c.font.b for c in codes[1])
    assert codes.column_dimensions["D"].width >= 20
    quoted = [c.coordinate for ws in wb.worksheets for row in ws.iter_rows() for c in row
              if isinstance(c.value, str) and c.value.startswith("'")]
    assert quoted == []
    assert wb["coderen"].cell(2, 1).data_type == "n"  # frequencies are numbers


def test_the_cells_a_coder_types_in_are_text_cells(worklist):
    """A code like 04021 or 0110 stays text as the coder types it: every cell of the text columns,
    the empty ones included, and the columns themselves are formatted as text ('@'); the frequency
    is a number; the code columns are wide enough for a choice, the others fit their content."""
    wb = openpyxl.load_workbook(worklist)
    for sheet in (*SHEETS.values(), "codes"):
        ws = wb[sheet]
        header = [c.value for c in ws[1]]
        columns = {i: (d.number_format, d.width) for d in ws.column_dimensions.values()
                   for i in range(d.min, d.max + 1)}
        for i, name in enumerate(header, start=1):
            numeric = name == HEADERS["frequency"] and sheet != "codes"
            assert columns[i][0] == ("General" if numeric else "@"), (sheet, name)
            assert 0 < columns[i][1] <= 60, (sheet, name)
            for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                if numeric:
                    assert isinstance(cell.value, int) and cell.data_type == "n"
                else:
                    assert cell.number_format == "@", (sheet, cell.coordinate)
                    assert cell.value is None or isinstance(cell.value, str)
        if sheet != "codes":
            empty = [ws.cell(r, header.index("code") + 1) for r in range(2, ws.max_row + 1)]
            assert empty and all(c.value is None and c.number_format == "@" for c in empty)
            assert columns[header.index("code") + 1][1] == columns[header.index("code 2") + 1][1] == 30
    assert wb["uitleg"].column_dimensions["A"].width == 120 and wb["uitleg"].auto_filter.ref is None
    assert wb.active.title == "coderen"


def test_a_choice_or_pasted_suggestion_is_its_code_and_a_wrong_label_is_refused(targets, worklist, tmp_path):
    _fill(worklist, "coderen", {"Mordor": {"code": "MA (Marokko) [92]", "coder": "An"},  # a pasted suggestion
                                "Klingon": {"code": "-4 (ongeldig)", "coder": "An"}})
    _fill(worklist, "nakijken", {"Gend": {"code": "44021 (Gent)", "coder": "Bo"}})
    result = import_worklist(worklist, targets, {}, tmp_path / "frames", TODAY)
    assert result.rows == {"geboorteland_anders": 1, "talen_anders": 1, "woonplaats": 1}
    assert frame_csv(tmp_path / "frames", "geboorteland_anders")["code"].tolist() == ["MA"]
    assert frame_csv(tmp_path / "frames", "woonplaats")["code"].tolist() == ["44021"]
    _fill(worklist, "coderen", {"Mordor": {"code": "MA (Turkije)", "coder": "An"}})
    with pytest.raises(ImportRefused) as info:
        import_worklist(worklist, targets, {}, tmp_path / "other", TODAY)
    assert info.value.problems["problem"].tolist() == [
        "'MA (Turkije)': the label is not that of code MA (Marokko); keep one of the two"]


def test_formula_like_answers_are_text_in_the_workbook_and_come_back_unchanged(coding, targets, tmp_path):
    _, rows, _ = coding
    rows = rows.copy()
    rows.loc[rows["verbatim"] == "Klingon", "verbatim"] = "=SOM(1;2)+1"
    path = write_worklist(rows, allowed_codes(targets, MISSING), tmp_path / "wl.xlsx")
    wb = openpyxl.load_workbook(path)
    assert not [c.coordinate for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert "=SOM(1;2)+1" in {r["verbatim"] for r in sheet_rows(path, "coderen")}  # a text cell, no quote
    _fill(path, "coderen", {"=SOM(1;2)+1": {"code": "-4", "coder": "An"}})
    result = import_worklist(path, targets, {}, tmp_path / "frames", TODAY)
    assert result.rows == {"talen_anders": 1}
    assert frame_csv(tmp_path / "frames", "talen_anders")["verbatim"].tolist() == ["=SOM(1;2)+1"]


# --- import -------------------------------------------------------------------------------------

def test_round_trip_codes_typed_as_in_excel_reach_the_code_frames(targets, worklist, tmp_path):
    frames = tmp_path / "codeframes"
    _fill(worklist, "coderen", {"Mordor": {"code": -4, "coder": "An"},  # a number, as Excel stores it
                                "Klingon": {"code": "tlh", "coder": "An"},
                                "vrijwilliger": {"code": 96, "coder": "An", "remark": "vrijwilligerswerk"}})
    _fill(worklist, "nakijken", {"Morokko": {"code": " ma ", "coder": "Bo"},  # lower case, spaces
                                 "Gend": {"code": 44021.0, "coder": "Bo"}})
    result = import_worklist(worklist, targets, {}, frames, TODAY)
    assert result.rows == {"geboorteland_anders": 2, "talen_anders": 1, "werk_anders": 1, "woonplaats": 1}
    assert [p.name for p in result.frames] == ["geboorteland_anders.csv", "talen_anders.csv",
                                               "werk_anders.csv", "woonplaats.csv"]
    land = frame_csv(frames, "geboorteland_anders")
    assert list(land.columns) == FRAME_COLUMNS
    assert land.values.tolist() == [["Mordor", "-4", "An", TODAY], ["Morokko", "MA", "Bo", TODAY]]
    assert frame_csv(frames, "woonplaats").values.tolist() == [["Gend", "44021", "Bo", TODAY]]
    assert frame_csv(frames, "werk_anders")["code"].tolist() == ["96"]
    assert list(result.kappa.columns) == KAPPA_COLUMNS and result.kappa.empty
    # read back: keyed by normalised verbatim, the codes valid for their variable
    read = read_codeframes(frames, targets)
    assert read["geboorteland_anders"]["morokko"] == FrameEntry("Morokko", "MA", "Bo", TODAY)
    assert read["woonplaats"]["gend"].code == "44021"
    assert read["talen_anders"]["klingon"].code == "tlh"


def test_rows_without_a_code_stay_open_and_existing_entries_are_kept(targets, worklist, tmp_path):
    frames = tmp_path / "codeframes"
    existing = {"geboorteland_anders": {"albanie": FrameEntry("Albanië", "AL", "Cas", "2026-03-15")}}
    _fill(worklist, "coderen", {"Mordor": {"code": "-4", "coder": "An"}})
    result = import_worklist(worklist, targets, existing, frames, TODAY)
    assert result.rows == {"geboorteland_anders": 1}
    assert frame_csv(frames, "geboorteland_anders").values.tolist() == [
        ["Albanië", "AL", "Cas", "2026-03-15"], ["Mordor", "-4", "An", TODAY]]
    assert sorted(p.name for p in frames.iterdir()) == ["geboorteland_anders.csv"]


def test_one_bad_cell_refuses_the_whole_file_and_changes_no_code_frame(targets, worklist, tmp_path):
    frames = tmp_path / "codeframes"
    frames.mkdir()
    before = "verbatim,code,coder,date\nKlingon,tlh,An,2026-03-15\n"
    (frames / "talen_anders.csv").write_text(before, encoding="utf-8")
    _fill(worklist, "coderen", {"Mordor": {"code": "ZZ", "coder": "An"},        # no ISO country
                                "Klingon": {"code": "tlh", "coder": "An"},      # fine
                                "vrijwilliger": {"code": "2"}})                 # no coder
    _fill(worklist, "nakijken", {"Gend": {"code": "99999", "coder": "Bo"},      # no NIS code
                                 "Morokko": {"code": "MA", "coder": "Bo"}})     # fine
    with pytest.raises(ImportRefused) as info:
        import_worklist(worklist, targets, read_codeframes(frames, targets), frames, TODAY)
    error = info.value
    assert isinstance(error, SidError) and error.code == "worklist_invalid"
    assert str(worklist) in str(error) and "3 row(s) refused, nothing imported" in str(error)
    problems = error.problems
    assert list(problems.columns) == PROBLEM_COLUMNS
    assert sorted(zip(problems["sheet"], problems["column"])) == [
        ("coderen", "code"), ("coderen", "codeur"), ("nakijken", "code")]
    assert "'ZZ' is not a code of ISO 3166-1 alpha-2" in " ".join(problems["problem"])
    assert "'99999' is not a code of NIS-code (REFNIS)" in " ".join(problems["problem"])
    rows = {r["verbatim"]: i for i, r in enumerate(sheet_rows(worklist, "coderen"), start=2)}
    assert set(problems.loc[problems["sheet"] == "coderen", "row"]) == {rows["Mordor"], rows["vrijwilliger"]}
    assert (error.sheet, error.row, error.column) == (problems["sheet"].iloc[0], int(problems["row"].iloc[0]),
                                                      problems["column"].iloc[0])
    assert (frames / "talen_anders.csv").read_text(encoding="utf-8") == before
    assert sorted(p.name for p in frames.iterdir()) == ["talen_anders.csv"]


def test_unknown_variable_and_missing_column_are_refused(targets, worklist, tmp_path):
    wb = openpyxl.load_workbook(worklist)
    ws = wb["coderen"]
    header = [c.value for c in ws[1]]
    ws.cell(row=2, column=header.index("variabele") + 1, value="beroep_anders")
    ws.cell(row=2, column=header.index("code") + 1, value="1")
    ws.cell(row=2, column=header.index("codeur") + 1, value="An")
    wb["nakijken"].delete_cols(header.index("codeur") + 1)  # a coder removed a column
    wb.save(worklist)
    with pytest.raises(ImportRefused) as info:
        import_worklist(worklist, targets, {}, tmp_path / "frames", TODAY)
    problems = info.value.problems.set_index("sheet")
    assert problems.loc["coderen", "problem"] == "'beroep_anders' is not a coded variable"
    assert problems.loc["nakijken", ["row", "column"]].tolist() == [1, "codeur"]
    assert not (tmp_path / "frames").exists()


def test_two_coders_give_cohens_kappa(targets, worklist, tmp_path):
    _fill(worklist, "coderen", {"Mordor": {"code": "-4", "coder": "An", "code_2": "-4", "coder_2": "Bo"},
                                "Klingon": {"code": "tlh", "coder": "An", "code_2": "-4", "coder_2": "Bo"},
                                "Berbers": {"code": "ber", "coder": "An", "code_2": "ber", "coder_2": "Bo"},
                                "vrijwilliger": {"code": "96", "coder": "An", "code_2": "1", "coder_2": "Bo"}})
    result = import_worklist(worklist, targets, {}, tmp_path / "frames", TODAY)
    kappa = result.kappa.set_index("variable")
    assert kappa.loc["geboorteland_anders", ["items", "agreement"]].tolist() == [1, 1.0]
    # talen_anders: pairs (tlh, -4) and (ber, ber): p_o = 1/2, p_e from each coder's shares
    a, b = ["tlh", "ber"], ["-4", "ber"]
    p_e = sum((a.count(x) / 2) * (b.count(x) / 2) for x in set(a + b))
    assert kappa.loc["talen_anders", "items"] == 2
    assert kappa.loc["talen_anders", "kappa"] == pytest.approx((0.5 - p_e) / (1 - p_e))
    assert kappa.loc["werk_anders", "agreement"] == 0.0
    # the first coder's code is the one that goes into the code frame
    assert frame_csv(tmp_path / "frames", "talen_anders").set_index("verbatim").loc["Klingon", "code"] == "tlh"


def test_a_second_coders_worklist_is_compared_with_the_code_frame(targets, worklist, tmp_path):
    existing = {"geboorteland_anders": {"mordor": FrameEntry("Mordor", "-4", "An", "2026-03-15")}}
    _fill(worklist, "coderen", {"Mordor": {"code": "-1", "coder": "Bo"}})
    result = import_worklist(worklist, targets, existing, tmp_path / "frames", TODAY)
    assert result.kappa.set_index("variable").loc["geboorteland_anders", ["items", "agreement"]].tolist() == [1, 0.0]
    assert frame_csv(tmp_path / "frames", "geboorteland_anders").values.tolist() == [["Mordor", "-1", "Bo", TODAY]]


def test_missing_or_unreadable_worklist(targets, tmp_path):
    with pytest.raises(SidError) as info:
        import_worklist(tmp_path / "nergens.xlsx", targets, {}, tmp_path, TODAY)
    assert info.value.code == "worklist_missing" and "nergens.xlsx" in str(info.value)
    path = tmp_path / "coding_worklist.xlsx"
    path.write_text("variable;verbatim;code\n", encoding="cp1252")  # saved as CSV under the old name
    with pytest.raises(SidError) as info:
        import_worklist(path, targets, {}, tmp_path, TODAY)
    assert info.value.code == "worklist_invalid" and str(path) in str(info.value)


def test_a_verbatim_starting_with_an_apostrophe_is_kept(coding, targets, tmp_path):
    _, rows, _ = coding
    rows = rows.copy()
    rows.loc[rows["verbatim"] == "Mordor", "verbatim"] = "'s-Hertogenbosch"
    path = write_worklist(rows, allowed_codes(targets, MISSING), tmp_path / "wl.xlsx")
    assert "'s-Hertogenbosch" in {r["verbatim"] for r in sheet_rows(path, "coderen")}
    _fill(path, "coderen", {"'s-Hertogenbosch": {"code": "NL", "coder": "An"}})
    import_worklist(path, targets, {}, tmp_path / "frames", TODAY)
    assert frame_csv(tmp_path / "frames", "geboorteland_anders")["verbatim"].tolist() == ["'s-Hertogenbosch"]


# --- code frames on disk -------------------------------------------------------------------------

def test_code_frame_saved_by_excel_with_bom_and_crlf_is_read(targets, tmp_path):
    (tmp_path / "geboorteland_anders.csv").write_bytes(
        "\ufeffverbatim,code,coder,date\r\nMarrokko,ma,An,2026-03-15\r\nAlbanië,AL,An,2026-03-15\r\n".encode("utf-8"))
    frames = read_codeframes(tmp_path, targets)
    assert frames["geboorteland_anders"]["marrokko"] == FrameEntry("Marrokko", "MA", "An", "2026-03-15")
    assert frames["geboorteland_anders"]["albanie"].code == "AL"
    assert frames["talen_anders"] == {} and frames["woonplaats"] == {}  # no file: an empty frame


@pytest.mark.parametrize("content, row, column, words", [
    ("verbatim,code,coder,date\nGent,44021,An,2026-03-15\nGhent,4402,An,2026-03-15\n", 3, "code", "'4402'"),
    ("verbatim;code;coder;date\nGent;44021;An;2026-03-15\n", 1, None, "'verbatim' is missing"),  # Belgian Excel
])
def test_bad_code_frame_names_the_file_and_row(targets, tmp_path, content, row, column, words):
    (tmp_path / "woonplaats.csv").write_text(content, encoding="utf-8")
    with pytest.raises(SidError) as info:
        read_codeframes(tmp_path, targets)
    error = info.value
    assert error.code == "codeframe_invalid" and error.file == str(tmp_path / "woonplaats.csv")
    assert (error.row, error.column) == (row, column) and words in error.message


def test_write_codeframe_sorts_and_scrubs_personal_data(tmp_path):
    path = write_codeframe(tmp_path, "werk_anders", {
        "zorg": FrameEntry("zorg, bel 0475 12 34 56", "96", "An", TODAY),
        "bakker": FrameEntry("bakker", "1", "Bo", TODAY)})
    assert path == tmp_path / "werk_anders.csv"
    text = path.read_text(encoding="utf-8")
    assert "0475" not in text and "\r" not in text
    assert frame_csv(tmp_path, "werk_anders")["verbatim"].tolist() == ["bakker", "zorg, bel [TEL]"]


def test_clean_code_as_typed_in_excel(targets):
    by = {t.source: t for t in targets}
    assert clean_code(" ma ", by["geboorteland_anders"]) == "MA"
    assert clean_code("NLD", by["talen_anders"]) == "nld"
    assert clean_code("4021.0", by["woonplaats"]) == "04021"  # Excel dropped the leading zero
    assert clean_code("'-4", by["werk_anders"]) == "-4"
    assert clean_code("96.0", by["werk_anders"]) == "96"
    assert clean_code("  ", by["werk_anders"]) == ""


def test_a_worklist_that_is_a_zip_bomb_is_refused_before_reading(targets, worklist, tmp_path):
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(worklist) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<sheetData>", b"<sheetData>" + b" " * (20 << 20))
            out.writestr(item, data, compress_type=zipfile.ZIP_DEFLATED)
    with pytest.raises(SidError, match=r"not read: its part xl/worksheets/sheet1.xml unpacks [\d,]+ times"):
        import_worklist(bomb, targets, {}, tmp_path / "frames", TODAY)
    assert not (tmp_path / "frames").exists()


# --- suggestions ---------------------------------------------------------------------------------

def test_suggestions_find_the_meant_code_of_the_demos_planted_misspellings():
    """The demo generator plants misspelt countries and municipalities (raw/demo_truth.csv, with
    the meant country code or municipality). Even with the misspelling itself taken out of the
    names (so no exact alias helps), the meant code is among the top 3 suggestions for >= 80 %;
    and 'Familie' (a synonym, ×7 in the demo) gets 'Gezinshereniging of huwelijk'."""
    project = load_project(REPO)
    questionnaire = questionnaire_of(project)
    settings = coding_settings(project)
    targets = plan(questionnaire, settings)
    names = candidate_names(questionnaire, targets, read_codeframes(settings.codeframes, targets))
    nis = {name: code for code, name, *_ in MUNICIPALITIES} | {"Hasselt": "71072"}  # merged 2025
    truth = pd.read_csv(REPO / "raw" / "demo_truth.csv", dtype=str)
    truth = truth[truth["defect"] == "misspelt_place"]
    planted = [(r.variable, re.match(r"'(.*?)' typed", r.detail).group(1),
                re.search(r"\(([^()]*)\)\s*$", r.detail).group(1)) for r in truth.itertuples()]
    planted = [(v, typed, nis[meant] if v == "vorige_gemeente" else meant) for v, typed, meant in planted]
    planted.append(("migratiereden_anders", "Familie", "2"))
    assert len(planted) > 40
    found = []
    for variable, typed, meant in planted:
        query = normalise(pd.Series([typed])).iloc[0]
        candidates = names[variable][names[variable]["normalised"] != query]
        codes, scores = suggest([query], candidates)
        assert list(scores[0]) == sorted(scores[0], reverse=True)
        found.append(meant in codes[0])
    assert sum(found) / len(found) >= 0.8, [p for p, f in zip(planted, found) if not f]
    assert found[-1]
    codes, _ = suggest(["familie"], names["migratiereden_anders"])
    assert codes[0][0] == "2"
