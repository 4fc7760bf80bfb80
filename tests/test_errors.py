"""Error codes: one Enum, each code documented, every raise site naming a member."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from pipeline.errors import ErrorCode, SidError

ROOT = Path(__file__).resolve().parents[1]


def test_every_code_is_documented_with_its_template():
    doc = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    missing = [m.value for m in ErrorCode if f"| `{m.value}` | {m.template} |" not in doc]
    assert not missing, f"docs/errors.md lacks (or words differently): {missing}"


def test_a_code_is_its_text_and_an_unknown_code_is_a_bug():
    err = SidError("form_missing", "questionnaire file not found", file="schemas/q.xlsx", fix="Check survey.form.")
    assert err.code is ErrorCode.FORM_MISSING and err.code == "form_missing"
    assert str(err) == "schemas/q.xlsx: questionnaire file not found. Check survey.form."
    assert ErrorCode.FORM_MISSING.describe("schemas/q.xlsx") == "the questionnaire file is missing: schemas/q.xlsx"
    with pytest.raises(ValueError):
        SidError("no_such_code", "text")


def _raise_sites():
    for path in [ROOT / "cli.py", *sorted((ROOT / "pipeline").rglob("*.py"))]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "SidError" and node.args:
                yield path.relative_to(ROOT), node.lineno, node.args[0]


def test_every_raise_site_names_a_member():
    """A code is written `ErrorCode.NAME` (or built from a member's text, as the rule files do),
    never as a bare string literal that could drift from the Enum."""
    literal = [(str(p), line) for p, line, arg in _raise_sites() if isinstance(arg, ast.Constant)]
    assert not literal, literal
    names = {m.name for m in ErrorCode}
    unknown = [(str(p), line, arg.attr) for p, line, arg in _raise_sites()
               if isinstance(arg, ast.Attribute) and arg.attr not in names]
    assert not unknown, unknown
