"""XLSForm question types as sid holds them: pyxform's type names, and the type of a calculate."""

from __future__ import annotations

from typing import Mapping

from pipeline.survey.syntax import BinOp, Call, Current, ExpressionError, Literal, Neg, Node, Var, parse
from pipeline.survey.unjudgeable import uses_instance

# pyxform's JSON type names → the XLSForm names sid uses everywhere else; None: holds no answer.
TYPES = {
    "select one": "select_one",
    "select all that apply": "select_multiple",
    "select one external": "select_one",  # choices from the external_choices sheet (survey/choice_files.py)
    "integer": "integer",
    "decimal": "decimal",
    "range": "range",
    "text": "text",
    "calculate": "calculate",
    "date": "date",
    "dateTime": "datetime",
    "datetime": "datetime",
    "time": "time",
    "start": "start",
    "end": "end",
    "today": "today",
    "deviceid": "deviceid",
    "username": "username",
    "email": "email",
    "phonenumber": "phonenumber",
    "simserial": "simserial",
    "subscriberid": "subscriberid",
    "string": "string",
    "barcode": "barcode",
    "hidden": "hidden",
    "geotrace": "geotrace",
    "geoshape": "geoshape",
    "start-geopoint": "start-geopoint",
    "background-geopoint": "background-geopoint",  # a geopoint taken in the background: text as collected
    "geopoint": "geopoint",  # four numeric variables (survey/parts.py)
    "rank": "rank",  # one coded variable per position (survey/parts.py)
    "phone number": "text",  # a text question (the `phonenumber` type is metadata)
    "imei": "deviceid",
    **{f"uri:{name}": name for name in ("deviceid", "username", "email", "phonenumber", "simserial",
                                        "subscriberid")},
    # Media: the answer is the name of the file the form app saved.
    "photo": "image",
    "image": "image",
    "audio": "audio",
    "video": "video",
    "file": "file",
    "background-audio": "background-audio",
    "osm": "osm",
    "acknowledge": "acknowledge",
    "trigger": "acknowledge",
    "audit": None,
    "note": None,
    "csv-external": None,  # declares a file for pulldata()/instance(); holds no answer
    "xml-external": None,
}
MEDIA_TYPES = frozenset({"image", "audio", "video", "file", "background-audio", "osm"})
NUMERIC_TYPES = frozenset({"integer", "decimal", "range", "calculate"})
DATETIME_TYPES = frozenset({"date", "datetime", "start", "end", "today"})
MEASURES = ("nominal", "ordinal", "scale")
DEFAULT_MEASURE = {"integer": "scale", "decimal": "scale", "range": "scale",
                   "calculate": "scale", "date": "scale", "datetime": "scale",
                   "start": "scale", "end": "scale", "today": "scale", "time": "scale"}



def sid_type(pyxform_type: str) -> str | None:
    """sid's name for a question type as pyxform writes it (its aliases too: `int`, `gps`,
    `q picture` are integer, geopoint, image); None: holds no answer; "": sid has none."""
    if pyxform_type in TYPES:
        return TYPES[pyxform_type]
    # pyxform takes ~0.5 s to import: only for a type name sid does not list itself (an alias)
    from pyxform.question_type_dictionary import QUESTION_TYPE_DICT

    spec = QUESTION_TYPE_DICT.get(pyxform_type)
    for name, sid in TYPES.items():  # an alias: the same definition as a type sid knows
        if spec is not None and sid and QUESTION_TYPE_DICT.get(name) == spec:
            return sid
    return ""


# Functions whose value is text; a calculate built on one of them is a text variable.
_TEXT_FUNCTIONS = frozenset({"concat", "string", "substr", "substring-before", "substring-after",
                             "join", "translate", "normalize-space", "lower-case", "upper-case",
                             "jr:choice-name", "format-date", "uuid", "selected-at",
                             "digest", "base64-decode",
                             "pulldata", "indexed-repeat"})  # these two: text keeps whatever they gave


def calculate_type(expression: str, text_variables: Mapping[str, bool]) -> str | None:
    """The bind::type a calculate without one has: "string" when it gives text (a quoted word that
    is no number, a string function, or the value of a text question; `text_variables`: name →
    gives text), "dateTime" for now() and date-time(), "date" for today() and date(), else None (a number). An expression that does not parse is
    left to the form's expression check."""
    try:
        node = parse(expression)
    except ExpressionError:  # a lookup in an instance() gives a label or a column: text
        return "string" if uses_instance(expression) else None
    while isinstance(node, Call) and node.name == "once":
        node = node.args[0]
    if isinstance(node, Call) and node.name in ("now", "date-time"):
        return "dateTime"
    if isinstance(node, Call) and node.name in ("today", "date"):  # the app stores the date's text
        return "date"
    return "string" if _is_text(node, text_variables) else None


def _is_text(node: Node, text_variables: Mapping[str, bool]) -> bool:
    if isinstance(node, Literal):
        return isinstance(node.value, str) and not _is_number(node.value)
    if isinstance(node, Var):
        return text_variables.get(node.name, False)
    if isinstance(node, (Neg, BinOp, Current)):
        return False  # arithmetic and comparisons give numbers (true/false as 1/0)
    if isinstance(node, Call):
        if node.name in _TEXT_FUNCTIONS:
            return True
        if node.name == "once":
            return _is_text(node.args[0], text_variables)
        if node.name in ("if", "coalesce"):
            branches = node.args[1:] if node.name == "if" else node.args
            return any(_is_text(b, text_variables) for b in branches
                       if not (isinstance(b, Literal) and b.value == ""))
    return False


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
