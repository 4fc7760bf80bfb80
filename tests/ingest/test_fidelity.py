"""Fidelity of ingest: every raw cell arrives as it was meant or is a row of work/ingest_problems.csv
with what was done and why (numbers and their decimal mark, keys, SPSS missing values and labels)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from conftest import TINY_CHOICES, TINY_PRIVACY_TOML, TINY_SURVEY, write_xlsform
from pipeline.errors import SidError
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
