"""Exports as the data platforms write them, built from their source (read, not guessed):
KoboToolbox through formpack (`reporting/export.py` to_csv: `;`, every field quoted; `schema/fields.py`:
select_multiple as the summary column plus `q/option` 0/1 columns, Labels exports with question
and option labels, `_validation_status` as its uid or label), legacy KoboCAT through onadata's
csv_builder (option columns True/False, no summary column) and ODK Central through
central-backend `lib/data/briefcase.js` (SubmissionDate first, group paths joined with `-`,
option columns `q/value` holding 1 or nothing, then KEY ... ReviewState ... FormVersion)."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest
from test_fidelity import project, run

from pipeline.ingest.labels import names_from_labels
from pipeline.survey.questionnaire import Choice, ChoiceList, Variable

SAMPLE = "resp_id,stratum\nR1,BE\nR2,MA\nR3,TR\n"
SAMPLE_TOML = '\n[sample]\npath = "raw/sample.csv"\nkey = "resp_id"\n'

# The answers every layout below writes: R1 and R2 kept; R3 rejected by a reviewer.
EXPECTED = {"R1": {"geboortejaar": 1980, "werk": 1, "tevreden": 4, "geboorteland": "BE", "talen": "nl"},
            "R2": {"geboortejaar": 1999, "werk": 0, "tevreden": None, "geboorteland": "MA", "talen": "nl ar"}}


def kobo_lines(rows: list[list[str]], sep: str = ";") -> bytes:
    """formpack's to_csv: every field quoted, quotes doubled; kpi writes CRLF line ends, no BOM."""
    return "".join(sep.join('"' + c.replace('"', '""') + '"' for c in r) + "\r\n" for r in rows).encode("utf-8")


def check(frame, result, rejected_reason: str) -> None:
    got = frame.set_index("resp_id")
    for key, answers in EXPECTED.items():
        for var, value in answers.items():
            cell = got.loc[key, var]
            assert (cell != cell if value is None else cell == value), (key, var, cell)
    rec = result.reconciliation.set_index("key")
    assert rec.loc["R3", "status"] == "excluded" and rec.loc["R3", "reason"] == rejected_reason
    assert list(got.index) == ["R1", "R2"]


XML_GROUPS = ["start", "end", "resp_id", "persoon/geboortejaar", "persoon/werk", "persoon/tevreden",
              "persoon/geboorteland", "persoon/talen", "persoon/talen/nl", "persoon/talen/ar", "persoon/talen/other",
              "persoon/talen_anders", "leeftijd", "_id", "_uuid", "_submission_time", "_validation_status",
              "_notes", "_status", "_submitted_by", "__version__", "_tags", "_index"]
XML_ROWS = [
    ["2026-03-02T10:00:00.000+01:00", "2026-03-02T10:31:00.000+01:00", "R1", "1980", "1", "4", "BE", "nl", "1", "0",
     "0", "", "46", "301", "u1", "2026-03-02T09:31:05", "validation_status_approved", "[]", "submitted_via_web", "",
     "v1", "[]", "1"],
    ["2026-03-03T11:00:00.000+01:00", "2026-03-03T11:25:10.000+01:00", "R2", "1999", "0", "", "MA", "nl ar", "1",
     "1", "0", "", "27", "302", "u2", "2026-03-03T10:25:40", "", "[]", "submitted_via_web", "", "v1", "[]", "2"],
    ["2026-03-04T11:00:00.000+01:00", "2026-03-04T11:25:10.000+01:00", "R3", "1975", "1", "2", "BE", "nl", "1",
     "0", "0", "", "51", "303", "u3", "2026-03-04T10:25:40", "validation_status_not_approved", "[]",
     "submitted_via_web", "", "v1", "[]", "3"],
]
KOBO_TOML = '[[sources]]\nname = "web"\npath = "raw/{file}"\nmode = "web"\ninstance = "_uuid"\nsubmitted = "_submission_time"\n'


@pytest.mark.parametrize("sep", [";", ","])
@pytest.mark.parametrize("groups", [True, False])
def test_kobo_xml_values_csv(tmp_path, sep, groups):
    header = XML_GROUPS if groups else [h.split("/", 1)[-1] if h.startswith("persoon/") else h for h in XML_GROUPS]
    files = {"kobo.csv": kobo_lines([header, *XML_ROWS], sep), "sample.csv": SAMPLE}
    frame, result = run(project(tmp_path, KOBO_TOML.format(file="kobo.csv"), files, SAMPLE_TOML))
    check(frame, result, "not_approved")
    assert result.problems.empty


def test_kobo_xml_values_xlsx(tmp_path):
    root = project(tmp_path, KOBO_TOML.format(file="kobo.xlsx"), {"sample.csv": SAMPLE}, SAMPLE_TOML)
    wb = openpyxl.Workbook()
    wb.active.title = "SID web"  # formpack names the sheet after the form
    for row in [XML_GROUPS, *XML_ROWS]:
        wb.active.append(row)
    wb.save(root / "raw" / "kobo.xlsx")
    frame, result = run(root)
    check(frame, result, "not_approved")


# A Labels export in English (any form language): question labels as headers (with the group's
# label when groups are included), option columns "question label/option label", answers as
# labels, select_multiple answers as labels joined by spaces, the validation status as its label.
LABEL_HEADER = ["start", "end", "Respondent number", "Person/Year of birth?", "Person/Paid work?",
                "Person/Job satisfaction?", "Person/Country of birth", "Person/Home languages?",
                "Person/Home languages?/Dutch", "Person/Home languages?/Arabic", "Person/Home languages?/Other",
                "Person/Other language", "leeftijd", "_id", "_uuid", "_submission_time", "_validation_status"]
LABEL_ROWS = [
    ["2026-03-02T10:00:00.000+01:00", "", "R1", "1980", "yes", "tevreden", "Belgium", "Dutch", "1", "0", "0", "",
     "46", "301", "u1", "2026-03-02T09:31:05", "Approved"],
    ["2026-03-03T11:00:00.000+01:00", "", "R2", "1999", "no", "", "Marokko", "Dutch Arabic", "1", "1", "0", "",
     "27", "302", "u2", "2026-03-03T10:25:40", ""],
    ["2026-03-04T11:00:00.000+01:00", "", "R3", "1975", "yes", "ontevreden", "Belgium", "Dutch", "1", "0", "0", "",
     "51", "303", "u3", "2026-03-04T10:25:40", "Not approved"],
]


def test_kobo_labels_csv_with_group_labels_in_any_language(tmp_path):
    files = {"kobo.csv": kobo_lines([LABEL_HEADER, *LABEL_ROWS]), "sample.csv": SAMPLE}
    frame, result = run(project(tmp_path, KOBO_TOML.format(file="kobo.csv"), files, SAMPLE_TOML))
    check(frame, result, "not_approved")
    assert result.problems.empty


def test_kobo_labels_xlsx_without_group_labels(tmp_path):
    root = project(tmp_path, KOBO_TOML.format(file="kobo.xlsx"), {"sample.csv": SAMPLE}, SAMPLE_TOML)
    wb = openpyxl.Workbook()
    for row in [[h.removeprefix("Person/") for h in LABEL_HEADER], *LABEL_ROWS]:
        wb.active.append(row)
    wb.save(root / "raw" / "kobo.xlsx")
    frame, result = run(root)
    check(frame, result, "not_approved")


def test_an_unknown_label_is_reported(tmp_path):
    rows = [r[:] for r in LABEL_ROWS]
    rows[0][6] = "Belgique"  # not a label of the list in any language
    files = {"kobo.csv": kobo_lines([LABEL_HEADER, *rows]), "sample.csv": SAMPLE}
    frame, result = run(project(tmp_path, KOBO_TOML.format(file="kobo.csv"), files, SAMPLE_TOML))
    assert result.problems[["row", "column", "value", "action"]].values.tolist() == [
        [1, "Person/Country of birth", "Belgique", "kept as written"]]
    assert "neither a choice name, code nor label of list 'land'" in result.problems["reason"].iloc[0]


def test_legacy_kobocat_csv_true_false_option_columns(tmp_path):
    header = ["start", "end", "resp_id", "persoon/geboortejaar", "persoon/werk", "persoon/tevreden",
              "persoon/geboorteland", "persoon/talen/nl", "persoon/talen/ar", "persoon/talen/other",
              "persoon/talen_anders", "leeftijd", "meta/instanceID", "_id", "_uuid", "_submission_time"]
    lines = [",".join(header),
             "2026-03-02T10:00:00.000+01:00,,R1,1980,1,4,BE,True,False,False,n/a,46,uuid:u1,301,u1,2026-03-02T09:31:05",
             "2026-03-03T11:00:00.000+01:00,,R2,1999,0,n/a,MA,True,True,False,n/a,27,uuid:u2,302,u2,2026-03-03T10:25:40"]
    toml = '[[sources]]\nname = "web"\npath = "raw/kobocat.csv"\ninstance = "meta/instanceID"\n'
    files = {"kobocat.csv": "\n".join(lines) + "\n", "sample.csv": SAMPLE}
    frame, result = run(project(tmp_path, toml, files, SAMPLE_TOML))
    assert frame.set_index("resp_id")["talen"].to_dict() == {"R1": "nl", "R2": "nl ar"}
    # KoboCAT writes n/a for a question not asked: without `empty` it is reported, not read
    assert result.problems[["row", "column", "value", "action"]].values.tolist() == [
        [2, "persoon/tevreden", "n/a", "set missing"]]
    frame, result = run(project(tmp_path, toml + 'empty = ["n/a"]\n', files, SAMPLE_TOML))
    assert result.problems.empty
    assert frame.set_index("resp_id")["talen_anders"].isna().all()


CENTRAL_HEADER = ["SubmissionDate", "start", "end", "resp_id", "persoon-geboortejaar", "persoon-werk",
                  "persoon-tevreden", "persoon-geboorteland", "persoon-talen", "persoon-talen/nl", "persoon-talen/ar",
                  "persoon-talen/other", "persoon-talen_anders", "leeftijd", "meta-instanceID", "KEY", "SubmitterID",
                  "SubmitterName", "AttachmentsPresent", "AttachmentsExpected", "Status", "ReviewState", "DeviceID",
                  "Edits", "FormVersion"]
CENTRAL_ROWS = [
    "2026-03-02T09:31:05.123Z,2026-03-02T10:00:00.000+01:00,2026-03-02T10:31:00.000+01:00,R1,1980,1,4,BE,nl,1,,,,46,"
    "uuid:a,uuid:a,5,web,0,0,,approved,,0,1",
    "2026-03-03T10:25:40.456Z,2026-03-03T11:00:00.000+01:00,2026-03-03T11:25:10.000+01:00,R2,1999,0,,MA,nl ar,1,1,,,"
    "27,uuid:b,uuid:b,5,web,0,0,,,,0,1",
    "2026-03-04T10:25:40.456Z,2026-03-04T11:00:00.000+01:00,2026-03-04T11:25:10.000+01:00,R3,1975,1,2,BE,nl,1,,,,51,"
    "uuid:c,uuid:c,5,web,0,0,,rejected,,0,1",
]


def test_odk_central_csv_with_a_rejected_submission(tmp_path):
    toml = ('[[sources]]\nname = "web"\npath = "raw/central.csv"\nseparator = "-"\ninstance = "meta-instanceID"\n'
            'submitted = "SubmissionDate"\n')
    files = {"central.csv": "\n".join([",".join(CENTRAL_HEADER), *CENTRAL_ROWS]) + "\n", "sample.csv": SAMPLE}
    frame, result = run(project(tmp_path, toml, files, SAMPLE_TOML))
    check(frame, result, "rejected_in_review")
    assert result.reconciliation["record"].tolist() == ["uuid:a", "uuid:b", "uuid:c"]


def test_a_label_two_choices_share_is_reported_not_guessed():
    both = ChoiceList("werkstatus", (Choice("1", {"nl": "Ja", "en": "Yes"}), Choice("2", {"nl": "Nee", "en": "No"}),
                                     Choice("3", {"nl": "Ander", "en": "Ja"})))  # "Ja": 1 in Dutch, 3 in English
    var = Variable("werk", "select_one", 2, choices=both)
    values, action, reason = names_from_labels(pd.Series(["Yes", "Ja", "Nee", "Ander", "7"]), var)
    assert values.tolist()[:4] == ["1", None, "2", "3"]
    assert action.tolist()[1] == "set missing" and reason.tolist()[1] == "label 'Ja' is the label of several choices: 1, 3"
    assert action.isna().tolist() == [True, False, True, True, True]  # "7": a number, whose validity cleaning judges (logged)


def test_words_pandas_takes_for_missing_arrive_as_typed_from_a_workbook(tmp_path):
    """Only an empty cell is missing: "NA", "NULL", "None", "n/a" typed on a paper questionnaire are answers
    (pandas' read_excel takes them for missing by default: a silent change, found by the fidelity property)."""
    from pipeline.ingest.workbook import read_xlsx

    wb = openpyxl.Workbook()
    for row in [["resp_id", "opmerking"], ["R1", "NA"], ["R2", "NULL"], ["R3", "None"], ["R4", "n/a"], ["R5", None]]:
        wb.active.append(row)
    wb.save(tmp_path / "papier.xlsx")
    frame, _, problems = read_xlsx(tmp_path / "papier.xlsx", None, 1, "papi")
    assert frame["opmerking"].tolist()[:4] == ["NA", "NULL", "None", "n/a"]
    assert pd.isna(frame["opmerking"].iloc[4]) and problems.empty
