"""Write the bad-input corpus: tests/corpus/_base/ (a tiny project) and one folder per case.

Each case folder holds `case.toml` (what it is and what sid must do) and the files that replace
the base project's files (same relative paths). Run it only to add or rebuild cases:

    python tests/corpus/make_corpus.py            # (re)writes every case folder
    python tests/corpus/make_corpus.py NAME ...   # writes only these cases

The folders are committed; tests/test_corpus.py reads them and never runs this script.
"""

from __future__ import annotations

import gzip
import io
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from conftest import TEST_KEY_ENV, TINY_CHOICES, TINY_CSV, TINY_SURVEY, TINY_SURVEY_TOML, q, write_xlsform  # noqa: E402

BASE_TOML = TINY_SURVEY_TOML + f"""
[sample]
path = "raw/sample.csv"
key = "resp_id"
identifiers = ["naam", "email"]

[privacy]
key_env = "{TEST_KEY_ENV}"
"""
SAMPLE_CSV = ("resp_id,stratum,naam,email\n"
              "R1,BE,Jan Peeters,jan.peeters@example.be\n"
              "R2,MA,Fatima Amrani,f.amrani@example.be\n"
              "R3,BE,Els Maes,\n"
              "R4,MA,Karim Benali,karim@example.be\n")
HEADER = TINY_CSV.splitlines()[0]
ROWS = TINY_CSV.splitlines()[1:]

CASES: dict[str, tuple[dict, dict[str, bytes | str | None]]] = {}


def case(name: str, about: str, files: dict[str, bytes | str | None], *, exit: int = 2,
         expect: list[str] | None = None, file: str | None = None, row: int | None = None,
         column: str | None = None, sheet: str | None = None, problems: list[dict] | None = None,
         env: dict[str, str] | None = None, fix: str | None = None) -> None:
    """files: relative path → new content (None: the file is removed from the base).
    `fix`: words of the what-to-do sentence (default: the last of `expect`)."""
    meta = {"about": about, "exit": exit, "expect": expect or []}
    if exit == 2:
        meta["fix"] = fix or meta["expect"][-1]
    for k, v in (("file", file), ("row", row), ("column", column), ("sheet", sheet)):
        if v is not None:
            meta[k] = v
    if problems:
        meta["problems"] = problems
    if env:
        meta["env"] = env
    CASES[name] = (meta, files)


def csv_text(header: str = HEADER, rows: list[str] = ROWS, sep: str = ",") -> str:
    return "\n".join([header.replace(",", sep), *(r.replace(",", sep) for r in rows)]) + "\n"


def form_bytes(survey: list[dict], choices: list[dict] = TINY_CHOICES, settings: dict | None = None,
               drop_sheet: str | None = None) -> bytes:
    import openpyxl

    tmp = HERE / "_tmp_form.xlsx"
    write_xlsform(tmp, survey, choices, settings)
    if drop_sheet:
        wb = openpyxl.load_workbook(tmp)
        del wb[drop_sheet]
        wb.save(tmp)
    data = tmp.read_bytes()
    tmp.unlink()
    return data


def xlsx_bytes(rows: list[list], sheet: str = "invoer") -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def padded_xlsx(rows: list[list], padding: int) -> bytes:
    """A workbook whose sheet XML carries `padding` spaces: a zip bomb in miniature."""
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx_bytes(rows))) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<sheetData>", b"<sheetData>" + b" " * padding)
            dst.writestr(item, data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def sav_bytes() -> bytes:
    import pandas as pd
    import pyreadstat

    frame = pd.DataFrame({"resp_id": ["R1", "R2", "R3"], "geboortejaar": [1980.0, 1999.0, 1975.0],
                          "werk": [1.0, 0.0, 1.0]})
    tmp = HERE / "_tmp.sav"
    pyreadstat.write_sav(frame, str(tmp))
    data = tmp.read_bytes()
    tmp.unlink()
    return data


def survey_with(*changes: tuple[str, dict | None], extra: list[dict] = ()) -> list[dict]:
    """The tiny survey with rows replaced (name → new row, None removes it) and rows added at the end."""
    out = []
    for row in TINY_SURVEY:
        change = dict(changes).get(row.get("name"), row)
        if change is not None:
            out.append(change)
    return out + list(extra)


def toml_with(old: str, new: str) -> str:
    assert old in BASE_TOML, old
    return BASE_TOML.replace(old, new)


SOURCE_AS = 'path = "raw/answers.csv"'


def build() -> None:
    # --- fieldwork CSV: empty, truncated, binary -------------------------------------------------
    a = "raw/answers.csv"
    case("csv_empty", "fieldwork export of 0 bytes", {a: b""},
         expect=["the file is empty", "Export the data again"], file="answers.csv")
    case("csv_blank_lines", "only blank lines and spaces", {a: "\n  \n\n"},
         expect=["empty", "Export"], file="answers.csv")
    case("csv_header_only", "a header and no records", {a: HEADER + "\n"},
         expect=["no records", "Export"], file="answers.csv")
    case("csv_truncated_in_quote", "download cut off inside a quoted answer",
         {a: csv_text() + 'R4,2026-03-05T10:00:00,2026-03-05T10:20:00,1990,0,,BE,nl,"Berbers en'},
         expect=["not a consistent csv table", "quoting"], file="answers.csv", row=5)
    case("csv_ragged_row", "a row with more fields than the header",
         {a: csv_text(rows=[ROWS[0], ROWS[1] + ",extra,fields", ROWS[2]])},
         expect=["Expected 10 fields", "delimiter"], file="answers.csv", row=3)
    case("csv_binary_png", "a PNG image saved as answers.csv",
         {a: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10" + bytes(range(256)) * 4},
         expect=["not a text file", "Export the data again"], file="answers.csv")
    case("csv_gzip", "a gzip archive named .csv", {a: gzip.compress(TINY_CSV.encode(), mtime=0)},
         expect=["not a text file", "Export"], file="answers.csv")
    case("csv_is_xlsx", "an Excel workbook named .csv",
         {a: xlsx_bytes([HEADER.split(","), *[r.split(",") for r in ROWS]])},
         expect=["not a text file", "format"], file="answers.csv")
    case("csv_nul_bytes", "NUL bytes in the middle of a UTF-8 export",
         {a: csv_text().replace("Berbers", "Ber\x00\x00bers")},
         expect=["not a text file", "NUL"], file="answers.csv", fix="Export the data again as CSV")
    # --- delimiter, encoding, BOM ----------------------------------------------------------------
    case("csv_semicolon_detected", "semicolon-separated (Belgian Excel): detected, accepted",
         {a: csv_text(sep=";")}, exit=0)
    case("csv_tab_detected", "tab-separated: detected, accepted", {a: csv_text(sep="\t")}, exit=0)
    case("csv_wrong_delimiter_configured", "sid.toml says comma, the file uses semicolons",
         {a: csv_text(sep=";"), "sid.toml": toml_with(SOURCE_AS, SOURCE_AS + '\ndelimiter = ","')},
         expect=["respondent key column 'resp_id' is missing", "delimiter"], file="answers.csv", row=1)
    case("csv_cp1252", "Windows-1252 (é, ë) without BOM: detected, accepted",
         {a: csv_text(rows=[ROWS[0], ROWS[1].replace("Berbers", "Berbère, Tamazight"), ROWS[2]]
                      ).replace("Berbère, Tamazight", '"Berbère, Tamazight"').encode("cp1252")}, exit=0)
    case("csv_utf8_bom", "UTF-8 with BOM: accepted", {a: b"\xef\xbb\xbf" + csv_text().encode()}, exit=0)
    case("csv_utf16_bom", "UTF-16 with BOM (Excel 'Unicode text'): accepted",
         {a: csv_text(sep="\t").encode("utf-16")}, exit=0)
    case("csv_bom_then_cp1252", "a UTF-8 BOM, then Windows-1252 bytes",
         {a: b"\xef\xbb\xbf" + csv_text(rows=[ROWS[0], ROWS[1].replace("Berbers", "Berbère"), ROWS[2]]
                                        ).encode("cp1252")},
         expect=["cannot decode as utf-8-sig", "Set encoding"], file="answers.csv", row=3)
    case("csv_wrong_encoding_configured", "sid.toml says utf-8, the file is Windows-1252",
         {a: csv_text(rows=[ROWS[0], ROWS[1].replace("Berbers", "Berbère"), ROWS[2]]).encode("cp1252"),
          "sid.toml": toml_with(SOURCE_AS, SOURCE_AS + '\nencoding = "utf-8"')},
         expect=["cannot decode as utf-8", "Set encoding"], file="answers.csv", row=3)
    case("csv_crlf", "Windows line ends: accepted", {a: csv_text().replace("\n", "\r\n")}, exit=0)
    # --- headers ---------------------------------------------------------------------------------
    case("header_duplicate", "the same column twice",
         {a: csv_text(HEADER + ",werk", [r + ",1" for r in ROWS])},
         expect=["column 'werk' appears more than once", "own name"], file="answers.csv", row=1,
         column="werk")
    case("header_duplicate_case", "two columns for one variable (case differs)",
         {a: csv_text(HEADER + ",WERK", [r + ",1" for r in ROWS])},
         expect=["both map to variable 'werk'", "rename"], file="answers.csv", row=1)
    case("header_key_missing", "the respondent key column is missing",
         {a: csv_text(HEADER.replace("resp_id", "id"))},
         expect=["respondent key column 'resp_id' is missing", "rename"], file="answers.csv", row=1)
    case("header_misspelt", "a question's column is misspelt (geboortejar)",
         {a: csv_text(HEADER.replace("geboortejaar", "geboortejar"))},
         expect=["column 'geboortejar' is not in the form (did you mean 'geboortejaar'?)", "rename"], file="answers.csv", row=1,
         column="geboortejar")
    case("header_missing_question", "a required question has no column at all",
         {a: csv_text(",".join(h for h in HEADER.split(",") if h != "werk"),
                      [",".join(v for i, v in enumerate(r.split(",")) if i != 4) for r in ROWS])},
         expect=["required question 'werk' has no column", "Export"], file="answers.csv", row=1)
    case("header_blank", "a column without a name (stray delimiter)",
         {a: csv_text(HEADER + ",", [r + "," for r in ROWS])}, exit=0)
    case("rename_to_unknown", "sid.toml renames a column to a variable the form lacks",
         {"sid.toml": toml_with(SOURCE_AS, SOURCE_AS + '\nrename = { "geboorteland" = "land_geboorte" }')},
         expect=["not a variable of the form", "rename"], file="answers.csv", column="geboorteland",
         fix="Correct the rename entry")
    # --- values ----------------------------------------------------------------------------------
    case("value_text_in_numeric", "text in a numeric column: kept as missing, reported",
         {a: csv_text(rows=[ROWS[0].replace("1980", "negentienzeventig"), ROWS[1],
                            ROWS[2].replace("1975", "19 75 ?")])}, exit=0,
         problems=[{"row": 1, "column": "geboortejaar", "value": "negentienzeventig"},
                   {"row": 3, "column": "geboortejaar", "value": "19 75 ?"}])
    case("value_decimal_comma", "a decimal comma in a numeric column: read as a number",
         {a: csv_text(rows=[ROWS[0].replace(",1980,", ',"1980,0",'), ROWS[1], ROWS[2]])}, exit=0)
    dates = ["02/03/2026 10:00", "2026-03-03", "4 maart 2026", "2026-03-05T09:00:00+01:00",
             "20260306", "6.3.2026", "\"March 7, 2026\"", "31/02/2026", "gisteren", "44990"]
    rows = [f"R{i},{d},,1980,0,,BE,nl,," for i, d in enumerate(dates, start=1)]
    case("value_dates_many_formats", "interview start in many date formats: unreadable ones reported",
         {a: csv_text(rows=rows),
          "raw/sample.csv": "resp_id,stratum\n" + "".join(f"R{i},BE\n" for i in range(1, 11))}, exit=0,
         problems=[{"row": 3, "column": "start", "value": "4 maart 2026"},
                   {"row": 8, "column": "start", "value": "31/02/2026"},
                   {"row": 9, "column": "start", "value": "gisteren"},
                   {"row": 10, "column": "start", "value": "44990"}])
    long = "lorem ipsum " * 8_534  # 102,408 characters
    case("value_100kb_string", "a 100 kB open answer: cut to SPSS's 32,767 bytes with a warning",
         {a: csv_text(rows=[ROWS[0], ROWS[1].replace("Berbers", long), ROWS[2]])}, exit=0,
         expect=["talen_anders: 1 text(s) longer than 32767 bytes cut"])
    case("value_100kb_in_numeric", "100 kB of text in a numeric cell: missing, reported",
         {a: csv_text(rows=[ROWS[0].replace("1980", "9" * 100_000), ROWS[1], ROWS[2]])}, exit=0,
         problems=[{"row": 1, "column": "geboortejaar"}])
    case("value_formula_strings", "spreadsheet formulas typed as answers: delivered as inert text",
         {a: csv_text(rows=[ROWS[0].replace(",BE,", ',"=HYPERLINK(""http://x.example"",""klik"")",'),
                            ROWS[1].replace("Berbers", '"=cmd|\' /C calc\'!A0"'),
                            ROWS[2].replace(",other,", ",@SUM(1+1),")])}, exit=0)
    case("value_unknown_code", "a code that is not in the choice list: reported, invalid",
         {a: csv_text(rows=[ROWS[0].replace(",BE,", ",XX,"), ROWS[1], ROWS[2]])}, exit=0)
    case("value_keys_blank_and_double", "a record without key and a double submission: accounted for",
         {a: csv_text(rows=[*ROWS, ROWS[0], ",2026-03-02T10:00:00,,1980,1,4,BE,nl,,46"])}, exit=0)
    # --- other source formats --------------------------------------------------------------------
    sav_toml = toml_with(SOURCE_AS, 'path = "raw/answers.sav"')
    good_sav = sav_bytes()
    case("sav_corrupt", "random bytes named .sav",
         {"raw/answers.sav": b"$FL2@(#) not really" + bytes(range(200)), "sid.toml": sav_toml},
         expect=["cannot read as sav", "export it again"], file="answers.sav")
    case("sav_truncated", "an SPSS file cut off halfway",
         {"raw/answers.sav": good_sav[: len(good_sav) // 2], "sid.toml": sav_toml},
         expect=["cannot read as sav", "export it again"], file="answers.sav")
    case("sav_empty", "an SPSS file of 0 bytes", {"raw/answers.sav": b"", "sid.toml": sav_toml},
         expect=["empty", "Export"], file="answers.sav")
    xlsx_toml = toml_with(SOURCE_AS, 'path = "raw/answers.xlsx"\nsheet = "invoer"')
    good_xlsx = xlsx_bytes([HEADER.split(","), *[r.split(",") for r in ROWS]])
    case("xlsx_corrupt", "random bytes named .xlsx",
         {"raw/answers.xlsx": b"PK\x03\x04" + bytes(range(256)) * 3, "sid.toml": xlsx_toml},
         expect=["cannot read as xlsx", "export it again"], file="answers.xlsx")
    case("xlsx_truncated", "a workbook cut off halfway",
         {"raw/answers.xlsx": good_xlsx[: len(good_xlsx) // 2], "sid.toml": xlsx_toml},
         expect=["cannot read as xlsx", "export it again"], file="answers.xlsx")
    case("xlsx_is_csv", "a CSV file named .xlsx",
         {"raw/answers.xlsx": TINY_CSV, "sid.toml": xlsx_toml},
         expect=["cannot read as xlsx", "export it again"], file="answers.xlsx")
    case("xlsx_missing_sheet", "the configured sheet is not in the workbook",
         {"raw/answers.xlsx": xlsx_bytes([HEADER.split(",")], sheet="Blad1"), "sid.toml": xlsx_toml},
         expect=["no sheet 'invoer'", "Set sheet"], file="answers.xlsx", sheet=None)
    case("xlsx_empty_sheet", "the sheet is empty",
         {"raw/answers.xlsx": xlsx_bytes([]), "sid.toml": xlsx_toml},
         expect=["empty", "Export"], file="answers.xlsx", sheet="invoer")
    # --- the questionnaire -----------------------------------------------------------------------
    f = "schemas/form.xlsx"
    case("form_bad_expression", "relevant with a syntax error (= =)",
         {f: form_bytes(survey_with(("tevreden", {**TINY_SURVEY[6], "relevant": "${werk} = = 1"})))},
         expect=["tevreden", "Correct the expression"], file="form.xlsx", sheet="survey", row=8,
         column="relevant")
    case("form_unknown_function", "calculate calling a function that does not exist",
         {f: form_bytes(survey_with(("leeftijd", {"type": "calculate", "name": "leeftijd",
                                                  "calculate": "jaren(${geboortejaar})"})))},
         expect=["unknown function 'jaren()'", "Correct the expression"], file="form.xlsx",
         sheet="survey", row=13, column="calculate")
    case("form_unknown_variable", "relevant referring to a question that does not exist",
         {f: form_bytes(survey_with(("tevreden", {**TINY_SURVEY[6], "relevant": "${wekr} = 1"})))},
         expect=["wekr", "Correct the form"], file="form.xlsx", sheet="survey", row=8)
    case("form_unknown_list", "select_one with a list name that is not in choices",
         {f: form_bytes(survey_with(("werk", {**TINY_SURVEY[5], "type": "select_one geenlijst"})))},
         expect=["List name not in choices sheet: geenlijst", "Correct the form"], file="form.xlsx", row=7)
    case("form_duplicate_name", "two questions with the same name",
         {f: form_bytes(survey_with(extra=[q("integer", "geboortejaar", "Nog eens")]))},
         expect=["geboortejaar", "Correct the form"], file="form.xlsx", sheet="survey")
    case("form_duplicate_name_case", "two questions whose names differ only in case",
         {f: form_bytes(survey_with(extra=[q("integer", "Geboortejaar", "Nog eens")]))},
         expect=["'Geboortejaar'", "row 6", "unique"], file="form.xlsx", sheet="survey", row=14,
         column="name", fix="Rename one of them")
    case("form_cyclic_calculates", "calculates that depend on each other in a circle",
         {f: form_bytes(survey_with(extra=[
             {"type": "calculate", "name": "a", "calculate": "${b} + 1"},
             {"type": "calculate", "name": "b", "calculate": "${c} * 2"},
             {"type": "calculate", "name": "c", "calculate": "${a} - 1"}]))},
         expect=["circular", "a → b → c → a", "rows 14, 15, 16"], file="form.xlsx", sheet="survey",
         column="calculate", row=14, fix="Break the circle")
    case("form_self_calculate", "a calculate that uses itself",
         {f: form_bytes(survey_with(("leeftijd", {"type": "calculate", "name": "leeftijd",
                                                  "calculate": "${leeftijd} + 1"})))},
         expect=["circular", "leeftijd → leeftijd"], file="form.xlsx", sheet="survey", column="calculate",
         row=13, fix="Break the circle")
    case("form_unknown_type", "a misspelt question type",
         {f: form_bytes(survey_with(("geboortejaar", {**TINY_SURVEY[4], "type": "integr"})))},
         expect=["integr", "Correct the form"], file="form.xlsx", sheet="survey", row=6)
    case("form_no_choices_sheet", "the choices sheet is missing",
         {f: form_bytes(TINY_SURVEY, drop_sheet="choices")},
         expect=["choices", "Correct the form"], file="form.xlsx")
    case("form_corrupt", "random bytes named form.xlsx", {f: b"not a workbook at all\x00\x01"},
         expect=["not a valid .xlsx workbook", "save it again"], file="form.xlsx")
    case("form_missing", "sid.toml names a form that is not there", {f: None},
         expect=["questionnaire file not found", "survey.form"], file="form.xlsx")
    # --- sid.toml --------------------------------------------------------------------------------
    t = "sid.toml"
    case("toml_syntax", "a TOML syntax error", {t: BASE_TOML.replace("[survey]", "[survey")},
         expect=["not valid TOML", "line 1", "Fix the syntax"], file="sid.toml")
    case("toml_empty", "an empty sid.toml", {t: ""},
         expect=["survey.name", "required"], file="sid.toml", fix="Correct survey.name in sid.toml")
    case("toml_unknown_key", "a misspelt key", {t: toml_with('key = "resp_id"\n\n[[', 'key = "resp_id"\nlangauge = "nl"\n\n[[')},
         expect=["survey.langauge: unknown key", "Allowed here"], file="sid.toml")
    case("toml_wrong_type", "true/false written as text",
         {t: toml_with(SOURCE_AS, SOURCE_AS + '\ndayfirst = "ja"')},
         expect=["sources[1].dayfirst", "true or false"], file="sid.toml",
         fix="Correct sources[1].dayfirst in sid.toml")
    case("toml_not_utf8", "sid.toml saved as Windows-1252",
         {t: BASE_TOML.replace("Kleine toetsenquête", "Kleine toetsenquête").encode("cp1252")},
         expect=["not UTF-8", "Save sid.toml as UTF-8"], file="sid.toml")
    case("toml_missing", "no sid.toml", {t: None},
         expect=["no sid.toml", "--project"])
    case("toml_unknown_encoding", "an encoding name that does not exist",
         {t: toml_with(SOURCE_AS, SOURCE_AS + '\nencoding = "latin-99"')},
         expect=["unknown encoding 'latin-99'", "cp1252"], file="sid.toml")
    case("toml_bad_regex", "ingest.test_key_pattern that is no regular expression",
         {t: BASE_TOML + '\n[ingest]\ntest_key_pattern = "^(TEST"\n'},
         expect=["ingest.test_key_pattern", "regular expression"], file="sid.toml",
         fix="Correct ingest.test_key_pattern in sid.toml")
    # --- paths outside the project ---------------------------------------------------------------
    case("path_source_parent", "a source path that climbs out of the project",
         {t: toml_with(SOURCE_AS, 'path = "../../answers.csv"')},
         expect=["points outside the project folder", "inside the project"], file="sid.toml")
    case("path_source_absolute", "an absolute source path elsewhere on the laptop",
         {t: toml_with(SOURCE_AS, 'path = "/etc/passwd"\nformat = "csv"')},
         expect=["points outside the project folder", "inside the project"], file="sid.toml")
    case("path_cleaned_outside", "the delivery folder outside the project",
         {t: BASE_TOML + '\n[paths]\ncleaned = "/tmp/sid-elsewhere"\n'},
         expect=["paths.cleaned", "points outside the project folder"], file="sid.toml",
         fix="Use a path inside the project")
    case("path_form_outside", "the form outside the project",
         {t: BASE_TOML.replace('form = "schemas/form.xlsx"', 'form = "../form.xlsx"')},
         expect=["survey.form", "points outside the project folder"], file="sid.toml",
         fix="Use a path inside the project")
    case("path_key_file_inside", "the pseudonymisation key file inside the project",
         {t: BASE_TOML.replace('key_env = "SID_TEST_PSEUDONYM_KEY"', 'key_file = "schemas/key.txt"')},
         expect=["privacy.key_file", "outside the project folder"], file="sid.toml",
         fix="Keep the key where the delivery can never include it")
    # --- path roles: raw/, schemas/, work/, cleaned/ and the project folder apart ----------------
    roles = "Give the project folder, raw/, schemas/, work/ and cleaned/ each a folder of their own"
    for name, paths, words in [
        ("path_cleaned_is_raw", 'cleaned = "raw"', ["paths.cleaned", "is the same folder as paths.raw"]),
        ("path_cleaned_is_root", 'cleaned = "."', ["paths.cleaned", "is the same folder as the project folder"]),
        ("path_cleaned_is_schemas", 'cleaned = "schemas"', ["paths.cleaned", "is the same folder as schemas/"]),
        ("path_work_is_raw", 'work = "raw"', ["paths.work", "is the same folder as paths.raw"]),
        ("path_cleaned_inside_raw", 'cleaned = "raw/levering"', ["paths.cleaned", "lies inside paths.raw"]),
        ("path_raw_holds_work", 'raw = "data"\nwork = "data/werk"', ["paths.work", "lies inside paths.raw"]),
        ("path_work_is_root", 'work = "."', ["paths.work", "is the same folder as the project folder"]),
    ]:
        case(name, f"[paths] {paths.replace(chr(10), ', ')}: folders that overlap",
             {t: BASE_TOML + f"\n[paths]\n{paths}\n"}, expect=words, file="sid.toml", fix=roles)
    case("path_source_in_cleaned", "a fieldwork export inside cleaned/, which sid replaces",
         {t: toml_with(SOURCE_AS, 'path = "cleaned/answers.csv"')},
         expect=["sources[1].path", "lies inside paths.cleaned"], file="sid.toml", fix="Keep inputs in raw/")
    case("path_source_nul", "a source path with a NUL character",
         {t: toml_with(SOURCE_AS, 'path = "raw/ans\\u0000wers.csv"\nformat = "csv"')},
         expect=["sources[1].path", "NUL character"], file="sid.toml", fix="Type the path again")
    case("path_source_5000_characters", "a source path of 5,000 characters",
         {t: toml_with(SOURCE_AS, f'path = "raw/{"a" * 4992}.csv"')},
         expect=["sources[1].path", "the path is too long"], file="sid.toml", fix="Use a shorter path")
    case("cleaned_foreign_file", "cleaned/ holds a file sid did not deliver: never replaced",
         {"cleaned/mijn_notities.txt": "niet weggooien\n"},
         expect=["not a sid delivery", "Move those files elsewhere"], file="cleaned")
    case("key_is_a_question", "survey.key names a select_one question: respondents would be merged",
         {t: BASE_TOML.replace('key = "resp_id"', 'key = "werk"', 1)},
         expect=["survey.key 'werk' is a question of type select_one", "Set survey.key"], file="sid.toml")
    case("correction_text_into_number", "a correction that assigns text to a numeric question",
         {t: BASE_TOML + '\n[clean]\ncorrections = "schemas/corrections.yaml"\n',
          "schemas/corrections.yaml": "- name: tekst\n  condition: ${werk} = 1\n  assign:\n"
                                      "    geboortejaar: \"'onbekend'\"\n"},
         expect=["tekst: assigns text ('onbekend') to 'geboortejaar', which holds numbers",
                 "Assign a number"], file="corrections.yaml")
    # --- the pseudonymisation key ----------------------------------------------------------------
    case("key_missing", "a real (non-demo) project without key: no env variable, no key file",
         {t: BASE_TOML.replace('key_env = "SID_TEST_PSEUDONYM_KEY"', 'key_env = "SID_CORPUS_NO_SUCH_KEY"')},
         expect=["no pseudonymisation key", "SID_CORPUS_NO_SUCH_KEY"],
         fix="Set the environment variable SID_CORPUS_NO_SUCH_KEY or privacy.key_file")
    case("key_file_missing", "privacy.key_file names a file that does not exist",
         {t: BASE_TOML.replace('key_env = "SID_TEST_PSEUDONYM_KEY"',
                               'key_env = "SID_CORPUS_NO_SUCH_KEY"\nkey_file = "/nonexistent/sid/key.txt"')},
         expect=["cannot read the pseudonymisation key", "sid key new"], file="key.txt")
    case("privacy_missing", "a project without [privacy]: it would deliver its raw respondent key",
         {t: BASE_TOML.replace(f'\n[privacy]\nkey_env = "{TEST_KEY_ENV}"\n', "\n")},
         expect=["no [privacy] table", "refusing to deliver respondent ids", "sid key new"], file="sid.toml")
    case("demo_key_outside_demo", "a demo key in a project not marked [demo] project = true",
         {t: BASE_TOML.replace(f'key_env = "{TEST_KEY_ENV}"', 'demo_key = "DEMO-KEY-corpus"')},
         expect=["privacy.demo_key", "only accepted in a demo project", "sid key new"], file="sid.toml")
    case("pseudonymise_false_without_reason", "ids delivered as they are, without saying why",
         {t: BASE_TOML.replace(f'key_env = "{TEST_KEY_ENV}"', "pseudonymise = false")},
         expect=["privacy.reason", "is required when pseudonymise = false", "Say why"], file="sid.toml")
    # --- sample frame and rules ------------------------------------------------------------------
    case("sample_duplicate_key", "the sample frame lists one person twice",
         {"raw/sample.csv": SAMPLE_CSV + "R2,MA,Fatima Amrani,f.amrani@example.be\n"},
         expect=["duplicate value(s) of resp_id", "'R2'"], file="sample.csv", column="resp_id",
         fix="Keep one row per sampled person")
    case("sample_key_column_missing", "the sample frame has no key column",
         {"raw/sample.csv": SAMPLE_CSV.replace("resp_id", "nummer")},
         expect=["sample key column 'resp_id' is missing", "sample.key"], file="sample.csv", row=1)
    case("rules_malformed_yaml", "a rules file that is not valid YAML",
         {t: BASE_TOML + '\n[validate]\nrules = "schemas/rules.yaml"\n',
          "schemas/rules.yaml": "- name: x\n  check: ${werk} = 1\n   bad indent: [\n"},
         file="rules.yaml", expect=["not valid YAML"], row=3, fix="Correct the YAML at that line")

    rules = ("- name: werk_en_leeftijd\n  description: wie werkt is minstens 15\n"
             "  expression: ${leeftijd} >= 15\n  when: ${werk} = 1\n  severity: warning\n")
    with_rules = BASE_TOML + '\n[validate]\nrules = "schemas/rules.yaml"\n'
    case("rules_accept_unknown", "validate.accept names a rule that does not exist (a typo)",
         {t: with_rules + '\n[validate.accept]\nwerk_en_leeftijt = "gecontroleerd"\n', "schemas/rules.yaml": rules},
         expect=["validate.accept: no rule is called 'werk_en_leeftijt' (did you mean 'werk_en_leeftijd'?)",
                 "Use a rule name"], file="sid.toml")
    case("rules_severity_missing", "a rule without severity: no silent default",
         {t: with_rules, "schemas/rules.yaml": rules.replace("  severity: warning\n", "")},
         expect=["rule 'werk_en_leeftijd' has no severity", "Add severity"], file="rules.yaml",
         column="rule 1")
    case("rules_not_configured", "schemas/rules.yaml present, sid.toml does not name it: run, with a warning",
         {"schemas/rules.yaml": rules}, exit=0,
         expect=['schemas/rules.yaml is not used: set rules = "schemas/rules.yaml" under [validate]'])

    bomb = '- name: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n'
    bomb += "".join(f'- name: &{chr(98 + i)} [{", ".join([f"*{chr(97 + i)}"] * 9)}]\n' for i in range(9))
    case("rules_yaml_alias_bomb", "a billion laughs in rules.yaml (9 levels of 9 aliases): refused at once",
         {t: with_rules, "schemas/rules.yaml": bomb},
         expect=["not valid YAML (aliases (*name) are not allowed", "Correct the YAML"], file="rules.yaml", row=2)

    # --- bounds ----------------------------------------------------------------------------------
    case("csv_line_too_long", "a 5 KB line where the source allows 4 KB (max_line_kb)",
         {a: csv_text(rows=[ROWS[0], ROWS[1].replace("Berbers", "x" * 5000), ROWS[2]]),
          t: toml_with(SOURCE_AS, SOURCE_AS + "\nmax_line_kb = 4")},
         expect=["a line longer than 4 KB (max_line_kb)", "raise max_line_kb"], file="answers.csv", row=3)
    case("xlsx_zip_bomb", "a paper-entry workbook whose sheet unpacks 1,000 times its packed size",
         {"raw/papi.xlsx": padded_xlsx([HEADER.split(","), *[r.split(",") for r in ROWS]], 4 << 20),
          t: toml_with(SOURCE_AS, 'path = "raw/papi.xlsx"\nsheet = "invoer"')},
         expect=["not read: its part xl/worksheets/sheet1.xml unpacks", "more than 200 (a zip bomb?)",
                 "raise max_unpacked_mb or max_ratio"], file="papi.xlsx")


def write_cases() -> None:
    for name, (meta, files) in CASES.items():
        folder = HERE / name
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir()
        removed = [p for p, content in files.items() if content is None]
        if removed:
            meta = {**meta, "remove": removed}
        (folder / "case.toml").write_text(_toml(meta), encoding="utf-8")
        for rel, content in files.items():
            if content is None:
                continue
            target = folder / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, str):
                target.write_bytes(content.encode("utf-8"))
            else:
                target.write_bytes(content)


def _toml(meta: dict) -> str:
    """A small TOML writer for case.toml (strings, ints, lists of strings, list of tables)."""
    import json

    def value(v):
        if isinstance(v, str):
            return json.dumps(v, ensure_ascii=False)
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int):
            return str(v)
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{k} = {value(x)}" for k, x in v.items()) + " }"
        raise TypeError(v)

    return "".join(f"{k} = {value(v)}\n" for k, v in meta.items())


if __name__ == "__main__" and sys.argv[1:]:  # only the cases named: the others stay byte for byte
    build()
    CASES = {name: CASES[name] for name in sys.argv[1:]}
    write_cases()
    print(f"{len(CASES)} cases written to {HERE}")
elif __name__ == "__main__":
    base = HERE / "_base"
    if base.exists():
        shutil.rmtree(base)
    write_xlsform(base / "schemas" / "form.xlsx", TINY_SURVEY, TINY_CHOICES)
    (base / "raw").mkdir(parents=True)
    (base / "raw" / "answers.csv").write_text(TINY_CSV, encoding="utf-8")
    (base / "raw" / "sample.csv").write_text(SAMPLE_CSV, encoding="utf-8")
    (base / "sid.toml").write_text(BASE_TOML, encoding="utf-8")
    build()
    for old in HERE.iterdir():
        if old.is_dir() and not old.name.startswith(("_", ".")) and old.name not in CASES:
            shutil.rmtree(old)
    write_cases()
    print(f"{len(CASES)} cases written to {HERE}")
