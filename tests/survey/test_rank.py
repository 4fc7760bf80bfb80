"""A rank question (`odk:rank`): one coded variable per position, filled from the ordered list the
form app stores ('b a c', one column in ODK Central's and KoboToolbox's exports, under the group's
path) or from the positions' own columns; a choice ranked twice is a validation error; `sid run`
delivers the positions labelled and routed, and GNU PSPP opens the file."""

from pathlib import Path

import pyreadstat
from conftest import TINY_PRIVACY_TOML, pspp_dictionary, write_xlsform
from typer.testing import CliRunner

from cli import app
from pipeline.ingest.ingest import typed_frame
from pipeline.ingest.sources import map_columns, read_table
from pipeline.survey.project import Source
from pipeline.survey.questionnaire import load_questionnaire
from pipeline.validation.validate import validate

EN, NL = "label::English (en)", "label::Nederlands (nl)"
SURVEY = [
    {"type": "text", "name": "id", EN: "Id", NL: "Id"},
    {"type": "select_one yn", "name": "likes", EN: "Likes fruit?", NL: "Houdt u van fruit?", "required": "yes"},
    {"type": "begin_group", "name": "g", EN: "Fruit", NL: "Fruit"},
    {"type": "rank fruit", "name": "order", EN: "Rank the fruit", NL: "Rangschik het fruit",
     "relevant": "${likes} = 'yes'"},
    {"type": "end_group"},
]
CHOICES = [*({"list_name": "fruit", "name": n, EN: label, NL: label} for n, label in
             (("apple", "Apple"), ("pear", "Pear"), ("plum", "Plum"))),
           {"list_name": "yn", "name": "yes", EN: "Yes", NL: "Ja"}, {"list_name": "yn", "name": "no", EN: "No", NL: "Nee"}]
SETTINGS = {"form_id": "rank", "form_title": "Rank", "version": "1", "default_language": "English (en)"}


def _form(tmp_path: Path):
    return load_questionnaire(write_xlsform(tmp_path / "schemas" / "form.xlsx", SURVEY, CHOICES, SETTINGS))


def test_a_rank_is_one_coded_variable_per_position(tmp_path):
    form = _form(tmp_path)
    parts = [v for v in form if v.part_of is not None]
    assert [(v.name, v.type, v.part_of) for v in parts] == [
        ("order_1", "select_one", ("order", 0)), ("order_2", "select_one", ("order", 1)),
        ("order_3", "select_one", ("order", 2))]
    assert form["order_2"].label("English (en)") == "Rank the fruit: rank 2"
    assert form["order_2"].label("Nederlands (nl)") == "Rangschik het fruit: rang 2"
    assert all(v.choices.names == ("apple", "pear", "plum") and v.routing == "${likes} = 'yes'" for v in parts)
    assert "order" not in form and form.warnings == ()


def test_every_export_layout_of_a_rank_arrives_in_its_positions(tmp_path):
    """ODK Central: `g-order` (its group separator '-'); KoboToolbox: `g/order`; a tablet's .sav or a
    keyed-in sheet: the positions' own columns. A list longer than the choices is listed, not hidden."""
    form = _form(tmp_path)
    layouts = {
        "central": ("-", "id,likes,g-order\nA,yes,plum apple pear\nB,no,\nC,yes,pear plum apple extra\n"),
        "kobo": ("/", "id;likes;g/order\nA;yes;plum apple pear\nB;no;\nC;yes;pear plum apple extra\n"),
        "positions": ("/", "id,likes,order_1,order_2,order_3\nA,yes,plum,apple,pear\nB,no,,,\n"
                           "C,yes,pear,plum,apple\n"),
    }
    for name, (separator, text) in layouts.items():
        path = tmp_path / f"{name}.csv"
        path.write_text(text, encoding="utf-8")
        source = Source(name, path, "csv", separator=separator)
        table = read_table(source)
        typed, problems = typed_frame(table, map_columns(list(table.frame.columns), form, source), form, source, "id")
        got = typed[["order_1", "order_2", "order_3"]].fillna("").values.tolist()
        assert got == [["plum", "apple", "pear"], ["", "", ""], ["pear", "plum", "apple"]], (name, got)
        longer = problems[problems["reason"].str.contains("more items than the question has choices")]
        assert longer["row"].tolist() == ([] if name == "positions" else [3]), (name, problems)


def test_a_choice_ranked_twice_is_an_error(tmp_path):
    import pandas as pd

    form = _form(tmp_path)
    frame = pd.DataFrame({"id": ["A", "B", "C"], "likes": ["yes", "yes", "no"],
                          "order_1": ["plum", "pear", "-3"], "order_2": ["apple", "pear", "-3"],
                          "order_3": ["plum", "apple", "-3"]})
    report = validate(frame, form, key="id")
    failures = report.failures[report.failures["rule"].str.startswith("rank:")]
    assert sorted(zip(failures["respondent"], failures["rule"])) == [("A", "rank:order_3"), ("B", "rank:order_2")]


def test_sid_run_delivers_the_positions_and_pspp_opens_them(tmp_path):
    root = tmp_path / "p"
    _form(root)
    (root / "raw").mkdir()
    (root / "raw" / "central.csv").write_text("id,likes,g-order\nA,yes,plum apple pear\nB,no,\n"
                                              "C,yes,pear plum apple\n", encoding="utf-8")
    (root / "sid.toml").write_text('[survey]\nname = "rank"\nform = "schemas/form.xlsx"\nkey = "id"\n\n'
                                   '[[sources]]\npath = "raw/central.csv"\nseparator = "-"\n' + TINY_PRIVACY_TOML,
                                   encoding="utf-8")
    result = CliRunner().invoke(app, ["--project", str(root), "run"])
    assert result.exit_code == 0, result.output
    data, meta = pyreadstat.read_sav(root / "cleaned" / "rank.sav", user_missing=True)
    # codes 1 apple, 2 pear, 3 plum (the list's order); B was not asked: -3 in every position
    assert data[["order_1", "order_2", "order_3"]].values.tolist() == [[3.0, 1.0, 2.0], [-3.0] * 3, [2.0, 3.0, 1.0]]
    assert meta.variable_value_labels["order_1"][3.0] == "Plum"
    assert meta.column_names_to_labels["order_3"] == "Rank the fruit: rank 3"
    variables, value_labels, missing, _ = pspp_dictionary(root / "cleaned" / "rank.sav", tmp_path)
    assert {"order_1", "order_2", "order_3"} <= set(variables)
    assert value_labels["order_2"][1.0] == "Apple" and -3.0 in missing["order_2"]
