"""A form written elsewhere: English labels only, no language in sid.toml, or_other with pyxform's
`../` path, a `/data/` path, media, barcode, geopoint, acknowledge, datetime and a calculate giving
text; `sid run` delivers it and GNU PSPP opens the .sav."""

from pathlib import Path

import pandas as pd
import pyreadstat
from conftest import TINY_PRIVACY_TOML, pspp_dictionary, write_xlsform
from typer.testing import CliRunner

from cli import app
from pipeline.cleaning.clean import clean
from pipeline.survey.questionnaire import load_questionnaire
from pipeline.validation.validate import validate

EN = "label::English (en)"
SURVEY = [
    {"type": "text", "name": "id", EN: "Id"},
    {"type": "select_one yn or_other", "name": "pet", EN: "Pet?"},
    {"type": "geopoint", "name": "where", EN: "Where"},
    {"type": "image", "name": "photo", EN: "Photo"},
    {"type": "barcode", "name": "code", EN: "Code"},
    {"type": "acknowledge", "name": "ok", EN: "OK?"},
    {"type": "datetime", "name": "when", EN: "When"},
    {"type": "integer", "name": "n", EN: "How many?", "relevant": "/data/pet = 'yes'"},
    {"type": "calculate", "name": "state", "calculate": "if(${n} > 2, 'many', 'few')"},
    {"type": "text", "name": "more", EN: "More", "relevant": "${state} = 'many'"},
]
CHOICES = [{"list_name": "yn", "name": "yes", EN: "Yes"}, {"list_name": "yn", "name": "no", EN: "No"}]
ANSWERS = """id,pet,pet_other,where,photo,code,ok,when,n,state,more
A,yes,,50.85 4.35 10 5,1772438400000.jpg,123,OK,2026-03-02T10:00:00,3,many,lots
B,other,hamster,,IMG Jan.jpg,,OK,2026-03-02T11:00:00,,,
C,no,,,,,,2026-03-02T12:00:00,5,many,typed anyway
"""


def project(root: Path) -> Path:
    write_xlsform(root / "schemas" / "form.xlsx", SURVEY, CHOICES,
                  {"form_id": "t", "form_title": "T", "version": "1"})
    (root / "raw").mkdir()
    (root / "raw" / "answers.csv").write_text(ANSWERS, encoding="utf-8")
    (root / "sid.toml").write_text('[survey]\nname = "t"\nform = "schemas/form.xlsx"\nkey = "id"\n\n'
                                   '[[sources]]\npath = "raw/answers.csv"\n' + TINY_PRIVACY_TOML, encoding="utf-8")
    return root


def test_the_form_loads_with_its_types(tmp_path):
    form = load_questionnaire(project(tmp_path) / "schemas" / "form.xlsx")
    kinds = {v.name: (v.type, v.kind, v.row) for v in form}
    assert kinds["pet_other"] == ("text", "string", 3)  # pyxform's generated text: its select's row
    assert form["pet_other"].relevant == "selected(../pet, 'other')"
    assert kinds["photo"][:2] == ("image", "string") and kinds["code"][:2] == ("barcode", "string")
    assert kinds["when"][1] == "datetime"
    assert kinds["state"][1] == "string"  # a calculate giving words is text, not an empty number
    assert form.language().column == "English (en)"
    assert (form["ok"].type, form["ok"].choices.names) == ("select_one", ("OK",))  # acknowledge
    assert kinds["where_latitude"] == ("decimal", "numeric", 4) and kinds["where_accuracy"][1] == "numeric"
    assert "where" not in kinds and form.warnings == ()


def test_sid_run_delivers_it_and_pspp_opens_it(tmp_path):
    root = project(tmp_path / "p")
    result = CliRunner().invoke(app, ["--project", str(root), "run"])
    assert result.exit_code == 0, result.output
    data, meta = pyreadstat.read_sav(root / "cleaned" / "t.sav", user_missing=True)
    # the geopoint as four numbers; B and C gave none (not required: -9 "geen antwoord")
    assert [data[f"where_{p}"].tolist()[0] for p in ("latitude", "longitude", "altitude", "accuracy")] == [
        50.85, 4.35, 10.0, 5.0]
    assert data["where_latitude"].tolist()[1:] == [-9.0, -9.0]
    assert data["photo"].tolist() == ["1772438400000.jpg", "[BESTAND].jpg", ""]  # a name a person chose: tagged
    # B and C were not asked n; C's typed 5 is removed, so the app's calculate said "few" and
    # `more` was not asked either: the chain runs through the calculate.
    assert data["n"].tolist() == [3.0, -3.0, -3.0]
    assert data["state"].tolist() == ["many", "few", "few"]
    assert data["more"].tolist() == ["lots", "", ""]
    assert data["ok"].tolist() == [1.0, 1.0, -9.0]  # acknowledged: 1 "OK"; asked, not acknowledged: -9
    assert meta.variable_value_labels["ok"][1.0] == "OK"
    assert meta.variable_value_labels["pet"][3.0] == "Other"
    variables, _, _, _ = pspp_dictionary(root / "cleaned" / "t.sav", tmp_path)
    assert {"where_latitude", "photo", "code", "ok", "when", "state", "pet_other"} <= set(variables)
    assert variables["where_latitude"]["Measurement Level"] == "Scale"


def test_calculates_of_the_collection_moment_are_kept_as_collected(tmp_path):
    """once(now()), once(uuid()), once(random()): never recomputed; the routing uses the value
    the form app drew."""
    form = load_questionnaire(write_xlsform(tmp_path / "form.xlsx", [
        {"type": "text", "name": "id", EN: "Id"},
        {"type": "calculate", "name": "t0", "calculate": "once(now())"},
        {"type": "calculate", "name": "u", "calculate": "once(uuid())"},
        {"type": "calculate", "name": "r", "calculate": "once(random())"},
        {"type": "integer", "name": "n", EN: "N", "relevant": "${r} > 0.5"},
    ], [], {"form_id": "m"}))
    assert [(v.name, v.kind, v.collected) for v in form][1:] == [
        ("t0", "datetime", True), ("u", "string", True), ("r", "numeric", True), ("n", "numeric", False)]
    frame = pd.DataFrame({"id": ["a", "b"], "t0": pd.to_datetime(["2026-03-02 10:00", "2026-03-02 11:00"]),
                          "u": ["x1", "x2"], "r": [0.7, 0.2], "n": [3.0, 4.0]})
    cleaned, result = clean(frame, form, key="id")
    assert result.log[["respondent", "variable", "old", "new"]].values.tolist() == [["b", "n", "4.0", "-3.0"]]
    assert validate(cleaned, form, key="id").errors == 0


def test_choices_from_a_file_beside_the_form(tmp_path):
    """select_one_from_file / select_multiple_from_file: the CSV (or XML) beside the form, with
    the columns `parameters` names; a file that is not there: delivered as text, with a warning."""
    (tmp_path / "fruits.csv").write_text("name_key,name\nmango,Mango\nbanana,Banana\n", encoding="utf-8")
    (tmp_path / "places.xml").write_text("<root><item><name>gent</name><label>Gent</label></item>"
                                         "<item><name>genk</name><label>Genk</label></item></root>",
                                         encoding="utf-8")
    form = load_questionnaire(write_xlsform(tmp_path / "form.xlsx", [
        {"type": "text", "name": "id", EN: "Id"},
        {"type": "select_one_from_file fruits.csv", "name": "fruit", EN: "Fruit",
         "parameters": "value=name_key label=name"},
        {"type": "select_multiple_from_file places.xml", "name": "places", EN: "Places"},
        {"type": "select_one_from_file missing.csv", "name": "gone", EN: "Gone"},
    ], [], {"form_id": "f"}))
    assert form["fruit"].choices.names == ("mango", "banana")
    assert form["fruit"].choices.choices[1].label("English (en)") == "Banana"
    assert form["places"].choices.names == ("gent", "genk") and form["places"].kind == "multi"
    assert (form["gone"].type, form["gone"].kind) == ("text", "string")
    assert form.warnings == ("form.xlsx, survey row 5: the choices of 'gone' ('missing.csv' beside the form) "
                             "cannot be read; delivered as text",)
    frame = pd.DataFrame({"id": ["a", "b"], "fruit": ["banana", "kiwi"], "places": ["gent genk", "gent"],
                          "gone": ["x", None]})
    failures = validate(frame, form, key="id").failures
    assert failures[failures["severity"] == "error"][["respondent", "rule"]].values.tolist() == [["b", "codes:fruit"]]


def test_a_true_false_calculate_is_1_or_0(tmp_path):
    """`selected(${m}, 'a')` as a calculate: the form app stores 'true'/'false'; sid holds 1/0, and
    cleaning's recomputed value (a boolean) is a number as well, so validation finds no type error."""
    from pipeline.ingest.ingest import typed_frame
    from pipeline.ingest.sources import map_columns, read_table
    from pipeline.survey.project import Source

    form = load_questionnaire(write_xlsform(tmp_path / "form.xlsx", [
        {"type": "text", "name": "id", EN: "Id"},
        {"type": "select_multiple yn", "name": "m", EN: "Which?"},
        {"type": "calculate", "name": "has_yes", "calculation": "selected(${m}, 'yes')"},
    ], CHOICES, {"form_id": "b"}))
    (tmp_path / "a.csv").write_text("id,m,has_yes\nA,yes,true\nB,no,false\nC,,\n", encoding="utf-8")
    source = Source("a", tmp_path / "a.csv", "csv")
    table = read_table(source)
    typed, problems = typed_frame(table, map_columns(list(table.frame.columns), form, source), form, source, "id")
    assert typed["has_yes"].tolist()[:2] == [1.0, 0.0] and problems.empty
    cleaned, _ = clean(typed[["id", "m", "has_yes"]], form, key="id")
    assert cleaned["has_yes"].dtype == "float64" and cleaned["has_yes"].tolist()[:2] == [1.0, 0.0]
    assert validate(cleaned, form, key="id").errors == 0
