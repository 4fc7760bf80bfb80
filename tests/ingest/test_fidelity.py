"""Fidelity of ingest: every raw cell arrives as it was meant or is a row of work/ingest_problems.csv
with what was done and why (numbers and their decimal mark, keys, SPSS missing values and labels)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyreadstat
import pytest
from conftest import TINY_CHOICES, TINY_PRIVACY_TOML, TINY_SURVEY, run_pspp, write_xlsform

from pipeline.errors import SidError
from pipeline.fieldwork.stage import read_contacts, read_sample
from pipeline.ingest.ingest import ingest
from pipeline.survey.project import load_project
from pipeline.survey.questionnaire import load_questionnaire

HEAD = "resp_id,start,end,geboortejaar,werk,tevreden,geboorteland,talen,talen_anders\n"


def project(tmp_path: Path, sources: str, files: dict[str, bytes | str], extra: str = "") -> Path:
    """A tiny project: the test form, the given [[sources]] tables and raw files."""
    root = tmp_path / "p"
    write_xlsform(root / "schemas" / "form.xlsx", TINY_SURVEY, TINY_CHOICES)
    (root / "raw").mkdir(exist_ok=True)
    for name, content in files.items():
        path = root / "raw" / name
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_bytes(content)
    (root / "sid.toml").write_text('[survey]\nname = "p"\nform = "schemas/form.xlsx"\nkey = "resp_id"\n\n'
                                   + sources + extra + TINY_PRIVACY_TOML, encoding="utf-8")
    return root


def run(root: Path):
    proj = load_project(root)
    return ingest(proj, load_questionnaire(proj.form))


def problems_of(result, column: str) -> list[list]:
    p = result.problems
    return p[p["column"] == column][["row", "value", "action", "reason"]].values.tolist()


def test_a_thousands_grouped_whole_number_is_ambiguous_and_never_scaled(tmp_path):
    rows = "R1,,,\"1.980\",1,,,,\nR2,,,\"1,975\",1,,,,\nR3,,,1990,1,,,,\n"
    frame, result = run(project(tmp_path, '[[sources]]\npath = "raw/a.csv"\n', {"a.csv": HEAD + rows}))
    assert frame.set_index("resp_id")["geboortejaar"].tolist()[2] == 1990
    assert frame.set_index("resp_id")["geboortejaar"].iloc[:2].isna().all()
    found = problems_of(result, "geboortejaar")
    assert [r[:3] for r in found] == [[1, "1.980", "set missing"], [2, "1,975", "set missing"]]
    assert found[0][3].startswith("ambiguous: 1980 with a thousands separator or 1.980 with a decimal mark")


def test_whole_numbers_written_as_floats_read_as_the_careful_path_reads_them(tmp_path):
    """A float export writes codes as 5.0 and years as 1990.0: Arrow's fast cast takes them (issue 22)
    and gives what the careful parser gives, cell for cell; a thousands-grouped cell ("1.980") in
    the same column still sends it to the careful path, which reports it."""
    from pipeline.ingest.fidelity import arrow_numbers as _arrow_numbers
    from pipeline.ingest.fidelity import grouped_numbers, parse_numbers
    from pipeline.ingest.ingest import _convert
    from pipeline.survey.project import Source

    form = load_questionnaire(write_xlsform(tmp_path / "f.xlsx", TINY_SURVEY, TINY_CHOICES))
    source = Source(name="web", path=tmp_path / "a.csv", format="csv")
    cells = ["1990.0", "1975.", "0.500", "+2000", "1.5e3", None, "2001.00", "0001990.000"]
    column = pd.Series(cells, dtype="string")
    assert not grouped_numbers(column, ".") and _arrow_numbers(column) is not None
    values, action, _ = _convert(column, form["geboortejaar"], source)
    careful, careful_action, _ = parse_numbers(column, ".", whole=True)
    pd.testing.assert_series_equal(values, careful, check_names=False)
    assert action.isna().all() and careful_action.isna().all()
    grouped = pd.Series([*cells, "1.980"], dtype="string")
    assert grouped_numbers(grouped, ".")
    values, action, reason = _convert(grouped, form["geboortejaar"], source)
    assert np.isnan(values.iloc[-1]) and action.iloc[-1] == "set missing"
    assert reason.iloc[-1].startswith("ambiguous: 1980")


def test_decimal_comma_source_and_a_stray_decimal_mark_is_read_and_reported(tmp_path):
    sources = '[[sources]]\npath = "raw/a.csv"\ndecimal = ","\n'
    rows = "R1;;;1980;1;4;;;\nR2;;;1975,0;1;4;;;\nR3;;;1990.0;1;4;;;\n"
    frame, result = run(project(tmp_path, sources, {"a.csv": HEAD.replace(",", ";") + rows}))
    assert frame["geboortejaar"].tolist() == [1980, 1975, 1990]
    assert problems_of(result, "geboortejaar") == [
        [3, "1990.0", "read as 1990", "decimal mark '.' in a source whose decimal mark is ','"]]


def test_decimal_must_be_a_point_or_a_comma(tmp_path):
    root = project(tmp_path, '[[sources]]\npath = "raw/a.csv"\ndecimal = "·"\n', {"a.csv": HEAD})
    with pytest.raises(SidError, match=r'sources\[1\].decimal: must be "." or ","'):
        load_project(root)


def test_a_number_that_is_no_number_says_so(tmp_path):
    frame, result = run(project(tmp_path, '[[sources]]\npath = "raw/a.csv"\n', {"a.csv": HEAD + "R1,,,19x8,1,,,,\n"}))
    assert problems_of(result, "geboortejaar") == [[1, "19x8", "set missing", "not a number"]]
    assert pd.isna(frame["geboortejaar"].iloc[0])


SAV_SOURCE = '[[sources]]\nname = "capi"\npath = "raw/capi.{ext}"\n'


def write_sav(path: Path, labels: dict | None = None, missing: dict | None = None, **columns) -> None:
    frame = pd.DataFrame({"resp_id": ["R1", "R2", "R3"], "geboortejaar": [1980.0, 99.0, 98.0],
                          "werk": [1.0, 0.0, 1.0], "tevreden": [4.0, -1.0, np.nan], **columns})
    pyreadstat.write_sav(frame, str(path), variable_value_labels=labels or {}, missing_ranges=missing or {},
                         compress=path.suffix == ".zsav")


def sav_project(tmp_path, ext="sav", extra="", **kwargs) -> Path:
    root = project(tmp_path, SAV_SOURCE.format(ext=ext) + extra, {})
    write_sav(root / "raw" / f"capi.{ext}", **kwargs)
    return root


def test_spss_user_missing_is_read_and_mapped_to_the_project_missing_codes(tmp_path):
    root = sav_project(tmp_path, labels={"geboortejaar": {99: "Weet niet", 98: "onleesbaar"}},
                       missing={"geboortejaar": [{"lo": 98, "hi": 99}], "tevreden": [-1],
                                "resp_id": ["R3"]})
    frame, result = run(root)
    assert frame["resp_id"].tolist() == ["R1", "R2", "R3"]  # a declared-missing key is still the key
    assert frame["tevreden"].tolist()[:2] == [4, -1]  # -1 "weet niet" stays -1, not empty (-9 later)
    assert frame["geboortejaar"].tolist()[:2] == [1980, -1]
    assert pd.isna(frame["geboortejaar"].iloc[2])
    assert problems_of(result, "geboortejaar") == [
        [2, "99.0", "recoded to -1", "declared user-missing in the file with label 'Weet niet', the project's "
                                     "missing code -1"],
        [3, "98.0", "set missing", "declared user-missing in the file (label 'onleesbaar'), and no missing code "
                                   "of the project has its code or label; add a recode for this source in sid.toml"]]


def test_zsav_is_read_by_its_extension(tmp_path):
    frame, _ = run(sav_project(tmp_path, ext="zsav"))
    assert frame["werk"].tolist() == [1, 0, 1]


def test_value_labels_that_contradict_the_form_are_an_error_naming_both(tmp_path):
    root = sav_project(tmp_path, labels={"werk": {1: "Nee", 0: "Ja"}})
    with pytest.raises(SidError) as err:
        run(root)
    assert err.value.code == "source_labels"
    assert "value 1 of 'werk' is labelled 'Nee' in the file but 'ja' in the form, where 'Nee' is 0" in str(err.value)
    assert 'recode = { werk = { "1" = "0" } }' in str(err.value)


def test_a_country_label_that_is_another_choice_is_an_error(tmp_path):
    root = sav_project(tmp_path, labels={"geboorteland": {1: "Marokko", 2: "België"}},
                       geboorteland=[1.0, 2.0, 1.0])
    with pytest.raises(SidError, match=r"value 1 of 'geboorteland' is labelled 'Marokko' in the file but 'België' "
                                       r"in the form, where 'Marokko' is 2"):
        run(root)


def test_a_recode_resolves_the_contradiction_and_reports_every_recoded_cell(tmp_path):
    extra = 'recode = { werk = { "1" = "0", "0" = "1" } }\n'
    root = sav_project(tmp_path, extra=extra, labels={"werk": {1: "Nee", 0: "Ja"}})
    frame, result = run(root)
    assert frame["werk"].tolist() == [0, 1, 0]
    assert problems_of(result, "werk") == [[1, "1.0", "recoded to 0", "recode of this source in sid.toml"],
                                           [2, "0.0", "recoded to 1", "recode of this source in sid.toml"],
                                           [3, "1.0", "recoded to 0", "recode of this source in sid.toml"]]


def test_labels_that_agree_in_any_form_language_pass(tmp_path):
    frame, result = run(sav_project(tmp_path, labels={"werk": {1: "Yes", 0: "nee"}, "tevreden": {-1: "weet niet"}}))
    assert frame["werk"].tolist() == [1, 0, 1]


SAMPLE_TOML = '\n[sample]\npath = "raw/sample.csv"\nkey = "resp_id"\n'


def test_keys_are_normalised_and_a_key_outside_the_sample_names_the_nearest(tmp_path):
    rows = ("\u00a0R1 ,,,1980,1,,,,\nＲ2,,,1980,1,,,,\nr3,,,1980,1,,,,\nR40,,,1980,1,,,,\n")
    root = project(tmp_path, '[[sources]]\npath = "raw/a.csv"\n',
                   {"a.csv": HEAD + rows, "sample.csv": "resp_id,stratum\nR1,BE\nR2,MA\nR3,TR\nR4,PL\n"},
                   extra=SAMPLE_TOML)
    frame, result = run(root)
    rec = result.reconciliation
    assert rec[["key", "status", "reason"]].values.tolist() == [
        ["R1", "kept", ""], ["R2", "kept", ""], ["r3", "excluded", "not_in_sample"], ["R40", "excluded", "not_in_sample"]]
    assert problems_of(result, "resp_id") == [
        [2, "Ｒ2", "read as 'R2'", "key rule: Unicode NFKC, trimmed, case as ingest.key_case"],
        [3, "r3", "record excluded", "not in the sample; nearest sample key 'R3'"],
        [4, "R40", "record excluded", "not in the sample; nearest sample key 'R4'"]]


def test_key_case_upper_matches_keys_that_differ_only_by_case(tmp_path):
    root = project(tmp_path, '[[sources]]\npath = "raw/a.csv"\n',
                   {"a.csv": HEAD + "r1,,,1980,1,,,,\n", "sample.csv": "resp_id,stratum\nR1,BE\n"},
                   extra=SAMPLE_TOML + '\n[ingest]\nkey_case = "upper"\n')
    frame, result = run(root)
    assert frame["resp_id"].tolist() == ["R1"]
    assert problems_of(result, "resp_id") == [[1, "r1", "read as 'R1'",
                                               "key rule: Unicode NFKC, trimmed, case as ingest.key_case"]]


TWO = '[[sources]]\nname = "web"\npath = "raw/a.csv"\nmode = "web"\n\n[[sources]]\nname = "papi"\npath = "raw/b.csv"\nmode = "papi"\n'


def test_a_required_question_missing_from_one_source_is_an_error_naming_the_source(tmp_path):
    b = "resp_id,geboortejaar\nR2,1970\n"  # the required `werk` is not in this export
    root = project(tmp_path, TWO, {"a.csv": HEAD + "R1,,,1980,1,,,,\n", "b.csv": b})
    with pytest.raises(SidError, match="required question 'werk' has no column in source 'papi'") as err:
        run(root)
    assert err.value.code == "source_columns" and str(err.value).startswith(str(root / "raw" / "b.csv"))


def test_a_question_listed_absent_is_not_applicable_for_that_source(tmp_path):
    b = "resp_id,geboortejaar\nR2,1970\n"
    root = project(tmp_path, TWO + 'absent = ["werk"]\n', {"a.csv": HEAD + "R1,,,1980,1,,,,\n", "b.csv": b})
    frame, _ = run(root)
    assert frame.set_index("resp_id")["werk"].to_dict() == {"R1": 1, "R2": -3}


def test_the_same_file_twice_is_an_error(tmp_path):
    same = HEAD + "R1,,,1980,1,,,,\n"
    root = project(tmp_path, TWO, {"a.csv": same, "b.csv": same})
    with pytest.raises(SidError, match="sources 'web' and 'papi' are the same file \\(identical content\\)") as err:
        run(root)
    assert err.value.code == "source_twice"
    root = project(tmp_path, TWO.replace("raw/b.csv", "raw/../raw/a.csv"), {"a.csv": same})
    with pytest.raises(SidError, match="sources 'web' and 'papi' are the same file"):
        run(root)


def test_a_repeated_header_line_is_no_record_and_is_reported(tmp_path):
    rows = "R1,,,1980,1,,,,\n" + HEAD + "R2,,,1975,0,,,,\n"
    frame, result = run(project(tmp_path, '[[sources]]\npath = "raw/a.csv"\n', {"a.csv": HEAD + rows}))
    assert frame["resp_id"].tolist() == ["R1", "R2"]
    assert result.reconciliation[["row", "status", "reason"]].values.tolist() == [
        [1, "kept", ""], [2, "excluded", "repeated_header"], [3, "kept", ""]]
    assert result.problems[["row", "action", "reason"]].values.tolist() == [
        [2, "record excluded", "the header line repeated inside the data (concatenated exports?)"]]


def test_a_header_only_source_is_a_warning_with_no_records(tmp_path):
    root = project(tmp_path, TWO, {"a.csv": HEAD + "R1,,,1980,1,,,,\n", "b.csv": HEAD})
    frame, result = run(root)
    assert frame["resp_id"].tolist() == ["R1"]
    assert [s.rows for s in result.sources] == [1, 0]
    assert result.problems.values.tolist() == [
        ["papi", 0, "", "", "records", "none read", "the export has a header but no rows"]]


def workbook(path: Path, build) -> None:
    wb = openpyxl.Workbook()
    build(wb)
    wb.save(path)


XLSX = '[[sources]]\nname = "papi"\npath = "raw/papi.xlsx"\n'
PAPI_HEAD = ["resp_id", "geboortejaar", "werk", "tevreden"]


def test_a_hidden_sheet_is_never_read_unless_named(tmp_path):
    def build(wb):
        stale = wb.active
        stale.title, stale.sheet_state = "oud", "hidden"
        stale.append(PAPI_HEAD)
        stale.append(["R9", 1900, 0, None])
        ws = wb.create_sheet("invoer")
        ws.append(PAPI_HEAD)
        ws.append(["R1", 1980, 1, 4])
    root = project(tmp_path, XLSX, {})
    workbook(root / "raw" / "papi.xlsx", build)
    frame, _ = run(root)
    assert frame["resp_id"].tolist() == ["R1"]
    (root / "sid.toml").write_text((root / "sid.toml").read_text().replace(XLSX, XLSX + 'sheet = "Invoer"\n'))
    with pytest.raises(SidError) as err:
        run(root)
    assert "no sheet 'Invoer'; the workbook has 'oud' (hidden), 'invoer'" in str(err.value)
    assert "Set sheet = 'invoer'" in str(err.value)


def test_title_lines_above_the_header_are_named_and_header_row_reads_them(tmp_path):
    def build(wb):
        ws = wb.active
        ws.append(["Samenleven in diversiteit: papieren vragenlijsten"])
        ws.append(["ingevoerd door: JV"])
        ws.append(PAPI_HEAD)
        ws.append(["R1", 1980, 1, 4])
    root = project(tmp_path, XLSX, {})
    workbook(root / "raw" / "papi.xlsx", build)
    with pytest.raises(SidError, match="the header is not on line 1: the respondent key column 'resp_id' is named "
                                       "on line 3") as err:
        run(root)
    assert "Set header_row = 3" in str(err.value)
    (root / "sid.toml").write_text((root / "sid.toml").read_text().replace(XLSX, XLSX + "header_row = 3\n"))
    frame, _ = run(root)
    assert frame[["resp_id", "geboortejaar"]].values.tolist() == [["R1", 1980]]


def test_merged_cells_and_formulas_without_a_saved_value_are_reported(tmp_path):
    def build(wb):
        ws = wb.active
        ws.append(PAPI_HEAD)
        ws.append(["R1", 1980, 1, 4])
        ws.append(["R2", 1975, 1, 4])
        ws.append(["R3", "=B2+1", 0, None])
        ws.merge_cells("C2:C3")  # "werk" keyed once for two questionnaires
        ws.merge_cells("D2:D3")
    root = project(tmp_path, XLSX, {})
    workbook(root / "raw" / "papi.xlsx", build)
    frame, result = run(root)
    werk = frame.set_index("resp_id")["werk"]
    assert werk["R1"] == 1 and pd.isna(werk["R2"])
    found = result.problems[["row", "column", "value", "action", "reason"]].values.tolist()
    assert found == [
        [2, "tevreden", "", "left empty", "merged cell D2:D3: Excel shows 4 here, but only D2 holds it; unmerge and fill in"],
        [2, "werk", "", "left empty", "merged cell C2:C3: Excel shows 1 here, but only C2 holds it; unmerge and fill in"],
        [3, "geboortejaar", "=B2+1", "left empty", "formula without a saved result (the workbook was not "
                                                  "recalculated); open and save it in Excel, or type the value"]]


MR_SPS = """DATA LIST LIST /resp_id (A4) geboortejaar werk (F4.0) talen1 talen2 talen3 (F1.0).
BEGIN DATA
R1 1980 1 {r1}
R2 1975 0 {r2}
R3 1990 1 {r3}
END DATA.
VARIABLE LABELS talen1 'Welke talen: Nederlands' talen2 'Welke talen: Arabic' talen3 'Welke talen: {third}'.
MRSETS /MDGROUP NAME=$talen LABEL='Welke talen spreekt u thuis?' VARIABLES=talen1 talen2 talen3 VALUE={counted}.
SAVE OUTFILE='capi.sav'.
"""


def pspp_sav(root: Path, **fill) -> None:
    code, _, text = run_pspp(MR_SPS.format(**fill).replace("capi.sav", str(root / "raw" / "capi.sav")), root)
    assert code == 0, text


@pytest.mark.pspp
def test_an_spss_dichotomy_set_is_the_select_multiple_by_its_labels(tmp_path):
    root = project(tmp_path, SAV_SOURCE.format(ext="sav"), {})
    pspp_sav(root, r1="2 1 1", r2="2 2 2", r3="1 1 2", third="Andere", counted=2)  # counted value 2 = chosen
    frame, result = run(root)
    assert frame["talen"].tolist() == ["nl", "nl ar other", "other"]
    assert result.problems.empty


@pytest.mark.pspp
def test_a_set_variable_that_matches_no_choice_is_an_error_not_a_guess(tmp_path):
    root = project(tmp_path, SAV_SOURCE.format(ext="sav"), {})
    pspp_sav(root, r1="1 0 0", r2="0 0 0", r3="0 1 1", third="Overig", counted=1)
    with pytest.raises(SidError, match=r"multiple-response set \$talen: variable 'talen3' \(label 'Welke talen: "
                                       r"Overig'\) matches no choice of 'talen'"):
        run(root)


def test_a_01_column_near_a_select_multiple_is_never_suggested_as_its_rename(tmp_path):
    rows = "resp_id,geboortejaar,werk,talen1\nR1,1980,1,1\nR2,1975,0,0\n"
    with pytest.raises(SidError) as err:
        run(project(tmp_path, '[[sources]]\npath = "raw/a.csv"\n', {"a.csv": rows}))
    assert "holds 0/1 like one option of the select_multiple 'talen'" in str(err.value)
    assert "rename" not in str(err.value) and "talen_nl, talen_ar, talen_other" in str(err.value)


def test_fieldwork_reads_sample_and_contact_keys_by_the_same_rule(tmp_path):
    root = project(tmp_path, '[[sources]]\npath = "raw/a.csv"\n',
                   {"a.csv": HEAD + "R1,,,1980,1,,,,\n", "sample.csv": "resp_id,stratum\n r1\u00a0,BE\n",
                    "contacts.csv": "sample_id;poging;datum;modus;interviewer_id;uitkomst\nr1 ;1;02/03/2026;web;;1.1\n"},
                   extra=SAMPLE_TOML + '\n[contacts]\npath = "raw/contacts.csv"\n\n[ingest]\nkey_case = "upper"\n')
    proj = load_project(root)
    assert read_sample(proj)["sample_id"].tolist() == ["R1"]
    assert read_contacts(proj)["sample_id"].tolist() == ["R1"]
