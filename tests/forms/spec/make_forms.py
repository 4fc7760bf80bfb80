"""Writes the spec corpus: one small XLSForm per question type, per expression function and per label
layout of the XLSForm specification (https://xlsform.org, "Question types", "Metadata", "Form
logic"/"Calculation", "Multiple language support", "Media", "External selects"; the functions of the
ODK XForms specification that XLSForms call), plus the files the forms read beside them.

    python tests/forms/spec/make_forms.py      # rewrites tests/forms/spec/*.xlsx and the files beside

The forms are small on purpose: each one exercises one thing, next to a few ordinary questions the
expression forms refer to. tests/survey/test_form_corpus.py loads them all and
tests/end_to_end/test_any_form.py runs `sid demo` + `sid run` on each."""

from __future__ import annotations

import sys
from pathlib import Path

import openpyxl

HERE = Path(__file__).resolve().parent
EN = "label::English (en)"

YN = [{"list_name": "yn", "name": "yes", "label": "Yes"}, {"list_name": "yn", "name": "no", "label": "No"}]
ABC = [{"list_name": "abc", "name": n, "label": label} for n, label in (("a", "Apple"), ("b", "Banana"), ("c", "Cherry"))]
SCALE = [{"list_name": "scale", "name": str(i), "label": f"{i} points"} for i in range(1, 6)]


def question(type_: str, name: str, label: str | None = None, **extra) -> dict:
    row = {"type": type_, "name": name}
    if label is not None:
        row["label"] = label
    row.update(extra)
    return row


# --- one form per question type ---------------------------------------------------------------------
# type name → (survey rows, choices); every form starts with an ordinary question, `naam`.
def _types() -> dict[str, tuple[list[dict], list[dict]]]:
    base = [question("text", "naam", "Your name?")]
    one = {
        "integer": [question("integer", "q", "How many?", constraint=". >= 0 and . <= 20")],
        "decimal": [question("decimal", "q", "How much?", constraint=". >= 0 and . <= 99.5")],
        "range": [question("range", "q", "How far?", parameters="start=0 end=10 step=2")],
        "text": [question("text", "q", "Say something")],
        "select_one": [question("select_one abc", "q", "Which fruit?")],
        "select_multiple": [question("select_multiple abc", "q", "Which fruits?")],
        "select_one_or_other": [question("select_one abc or_other", "q", "Which fruit?")],
        "select_multiple_or_other": [question("select_multiple abc or_other", "q", "Which fruits?")],
        "select_one_choice_filter": [question("select_one yn", "first", "Fruit?"),
                                     question("select_one abc", "q", "Which fruit?", choice_filter="${first} = 'yes' or name = 'a'")],
        "select_one_randomized": [question("select_one abc", "q", "Which fruit?", parameters="randomize=true seed=${naam}")],
        "select_one_minimal": [question("select_one scale", "q", "How good?", appearance="minimal")],
        "select_one_likert": [question("select_one scale", "q", "How good?", appearance="likert")],
        "select_one_from_file_csv": [question("select_one_from_file fruits.csv", "q", "Which fruit?",
                                              parameters="value=name_key label=name")],
        "select_multiple_from_file_xml": [question("select_multiple_from_file places.xml", "q", "Which places?")],
        "select_one_external": [question("select_one yn", "first", "Fruit?"),
                                question("select_one_external towns", "q", "Which town?", choice_filter="yn=${first}")],
        "select_one_from_repeat": [question("begin_repeat", "people", "Each person"),
                                   question("text", "member", "Name"), question("end_repeat", ""),
                                   question("select_one ${member}", "q", "Who is the oldest?")],
        "rank": [question("rank abc", "q", "Rank the fruit")],
        "note": [question("note", "q", "Thank you, ${naam}")],
        "geopoint": [question("geopoint", "q", "Where are you?")],
        "geotrace": [question("geotrace", "q", "Walk the path")],
        "geoshape": [question("geoshape", "q", "Walk around the field")],
        "date": [question("date", "q", "Which day?")],
        "time": [question("time", "q", "What time?")],
        "dateTime": [question("dateTime", "q", "When?")],
        "image": [question("image", "q", "Take a photo")],
        "image_signature": [question("image", "q", "Sign here", appearance="signature")],
        "image_draw": [question("image", "q", "Draw here", appearance="draw")],
        "audio": [question("audio", "q", "Record")],
        "background_audio": [question("background-audio", "q")],
        "video": [question("video", "q", "Film")],
        "file": [question("file", "q", "Upload a file")],
        "barcode": [question("barcode", "q", "Scan")],
        "calculate": [question("integer", "n", "How many?", constraint=". >= 0 and . <= 20"),
                      question("calculate", "q", calculation="${n} * 2")],
        "calculate_text": [question("calculate", "q", calculation="concat('hello ', ${naam})")],
        "calculate_bind_type": [question("calculate", "q", calculation="'2026-03-02'", **{"bind::type": "date"})],
        "acknowledge": [question("acknowledge", "q", "I agree")],
        "trigger": [question("trigger", "q", "Tap to confirm")],
        "hidden": [question("hidden", "q", default="fixed")],
        "xml_external": [question("xml-external", "places")],
        "csv_external": [question("csv-external", "fruits")],
        "group": [question("begin_group", "g", "A group", relevant="${naam} != ''"), question("integer", "q", "How many?"),
                  question("end_group", "")],
        "group_field_list": [question("begin_group", "g", "A page", appearance="field-list"),
                             question("text", "q", "Say something"), question("end_group", "")],
        "repeat": [question("begin_repeat", "r", "Each child"), question("integer", "q", "Age"),
                   question("end_repeat", "")],
        "default": [question("integer", "q", "How many?", default="3")],
        "read_only": [question("text", "q", "Fixed", default="x", read_only="yes")],
        "trigger_calculation": [question("integer", "n", "How many?"),
                                question("integer", "q", "Twice", calculation="${n} * 2", trigger="${n}")],
        # metadata
        "start": [question("start", "q")], "end": [question("end", "q")], "today": [question("today", "q")],
        "deviceid": [question("deviceid", "q")], "phonenumber": [question("phonenumber", "q")],
        "username": [question("username", "q")], "email": [question("email", "q")],
        "audit": [question("audit", "audit")], "start_geopoint": [question("start-geopoint", "q")],
        "background_geopoint": [question("geopoint", "where", "Where?"),
                                question("background-geopoint", "q", trigger="${where}")],
        "simserial": [question("simserial", "q")], "subscriberid": [question("subscriberid", "q")],
        "string": [question("string", "q", "Type")],
        "phone_number": [question("phone number", "q", "Your number?")],
        "osm": [question("osm", "q", "Map the building")],
    }
    choices = ABC + YN + SCALE
    return {name: (base + rows, choices) for name, rows in one.items()}


# --- one form per expression function ----------------------------------------------------------------
# Every form asks the same ordinary questions, then computes the function in a calculate and asks
# a question only when the result is given (so the function is evaluated in routing too).
INPUTS = [
    question("text", "naam", "Your name?", required="yes"),
    question("integer", "n", "How many?", constraint=". >= 0 and . <= 20", required="yes"),
    question("decimal", "x", "How much?", constraint=". >= 0 and . <= 99"),
    question("select_one abc", "s", "Which fruit?", required="yes"),
    question("select_multiple abc", "m", "Which fruits?"),
    question("date", "d", "Which day?"),
    question("geopoint", "p", "Where?"),
]
FUNCTIONS = {
    "selected": "selected(${m}, 'a')", "count_selected": "count-selected(${m})",
    "selected_at": "selected-at(${m}, 0)", "jr_choice_name": "jr:choice-name(${s}, '${s}')",
    "string_length": "string-length(${naam})", "substr": "substr(${naam}, 0, 2)",
    "substring_before": "substring-before(${naam}, ' ')", "substring_after": "substring-after(${naam}, ' ')",
    "contains": "contains(${naam}, 'a')", "starts_with": "starts-with(${naam}, 'A')",
    "ends_with": "ends-with(${naam}, 'e')", "concat": "concat(${naam}, '-', ${n})",
    "join": "join(' ', ${m})", "translate": "translate(${naam}, 'abc', 'ABC')",
    "normalize_space": "normalize-space(${naam})", "lower_case": "lower-case(${naam})",
    "upper_case": "upper-case(${naam})", "if": "if(${n} > 5, 'many', 'few')", "coalesce": "coalesce(${x}, ${n})",
    "regex": "regex(${naam}, '^[A-Za-z ]+$')", "not": "not(${n} > 5)", "boolean": "boolean(${naam})",
    "boolean_from_string": "boolean-from-string('true')", "true_false": "true() and not(false())",
    "int": "int(${x})", "number": "number(${naam})", "string": "string(${n})", "round": "round(${x}, 1)",
    "floor": "floor(${x})", "ceiling": "ceiling(${x})", "abs": "abs(${x} - 50)", "pow": "pow(${n}, 2)",
    "sqrt": "sqrt(${n})", "exp": "exp(${n} div 10)", "exp10": "exp10(${n} div 10)", "log": "log(${n} + 1)",
    "log10": "log10(${n} + 1)", "pi": "pi() * ${n}", "sin": "sin(${n})", "cos": "cos(${n})", "tan": "tan(${n})",
    "asin": "asin(${n} div 20)", "acos": "acos(${n} div 20)", "atan": "atan(${n})", "atan2": "atan2(${n}, 2)",
    "min": "min(${n}, ${x})", "max": "max(${n}, ${x})", "sum": "sum(${n})", "count_non_empty": "count-non-empty(${m})",
    "checklist": "checklist(1, 2, ${n} > 5, ${x} > 5)", "weighted_checklist": "weighted-checklist(1, 5, ${n} > 5, 2, ${x} > 5, 3)",
    "today": "today()", "now": "now()", "date": "date('2026-03-02')", "date_time": "date-time('2026-03-02T10:00:00')",
    "decimal_date_time": "decimal-date-time(${d})", "decimal_time": "decimal-time('12:00:00.000+01:00')",
    "format_date": "format-date(${d}, '%Y-%m-%d')", "format_date_time": "format-date-time(${d}, '%Y-%m-%d %H:%M')",
    "once": "once(${n})", "uuid": "uuid()", "random": "random()", "digest": "digest(${naam}, 'SHA-256')",
    "base64_decode": "base64-decode('aGVsbG8=')", "pulldata": "pulldata('fruits', 'name', 'name_key', 'mango')",
    "area": "area(${p})", "distance": "distance(${p})", "position": None, "count": None, "indexed_repeat": None,
    "instance": "instance('abc')/root/item[name = ${s}]/label", "current": None, "arithmetic":
    "(${n} + 1) * 2 - ${x} div 4 mod 3", "comparison": "${n} >= 2 and ${x} < 50 or ${n} != 3",
}
REPEAT_FUNCTIONS = {  # functions over a repeat's instances
    "position": "position(..)", "count": "count(${child_age})", "indexed_repeat": "indexed-repeat(${child_age}, ${kids}, 1)",
}


def _functions() -> dict[str, tuple[list[dict], list[dict]]]:
    out = {}
    for name, expression in FUNCTIONS.items():
        if name == "current":  # current() in a constraint and a choice_filter
            rows = [*INPUTS, question("integer", "q", "More?", constraint=". <= current()/../n"),
                    question("select_one abc", "f", "Again?", choice_filter="name != current()/../s")]
        elif expression is None:
            continue
        else:
            rows = [*INPUTS, question("calculate", "calc", calculation=expression),
                    question("text", "after", "Given", relevant="string-length(string(${calc})) > 0")]
        out[name] = (rows, ABC)
    for name, expression in REPEAT_FUNCTIONS.items():
        rows = [*INPUTS, question("begin_repeat", "kids", "Each child"), question("integer", "child_age", "Age"),
                *([question("calculate", "calc_in", calculation=expression)] if name == "position" else []),
                question("end_repeat", ""),
                *([question("calculate", "calc", calculation=expression)] if name != "position" else [])]
        out[name] = (rows, ABC)
    return out


# --- one form per label layout ------------------------------------------------------------------------
def _labels() -> dict[str, tuple[list[dict], list[dict], dict]]:
    def layout(survey_columns: dict[str, str], choice_columns: dict[str, str], settings: dict | None = None,
               extra: dict | None = None):
        rows = [{"type": "text", "name": "naam", **{c: f"Your name? ({c})" for c in survey_columns}},
                {"type": "select_one yn", "name": "q", **{c: f"Fruit? ({c})" for c in survey_columns}, **(extra or {})}]
        choices = [{"list_name": "yn", "name": n, **{c: f"{n} ({c})" for c in choice_columns}} for n in ("yes", "no")]
        return rows, choices, settings or {}

    two = {"label::English (en)": "", "label::Français (fr)": ""}
    return {
        "plain": layout({"label": ""}, {"label": ""}),
        "language_with_code": layout({EN: ""}, {EN: ""}),
        "language_code_only": layout({"label::en": ""}, {"label::en": ""}),
        "language_name_only": layout({"label::English": ""}, {"label::English": ""}),
        "single_colon": layout({"label:English": ""}, {"label:English": ""}),
        "two_languages_default": layout(two, two, {"default_language": "Français (fr)"}),
        "two_languages_no_default": layout(two, two),
        "plain_and_language": layout({"label": "", "label::Nederlands (nl)": ""}, {"label": "", "label::Nederlands (nl)": ""}),
        "hints_and_messages": layout({EN: ""}, {EN: ""}, extra={
            "hint::English (en)": "A hint", "guidance_hint::English (en)": "Guidance", "required": "yes",
            "required_message::English (en)": "Please answer", "constraint": ". != 'no'",
            "constraint_message::English (en)": "Not no"}),
        "media_columns": layout({EN: ""}, {EN: ""}, extra={"media::image::English (en)": "fruit.png",
                                                         "media::audio::English (en)": "fruit.mp3"}),
        "choice_images_only": (
            [{"type": "text", "name": "naam", "label": "Your name?"},
             {"type": "select_one pics", "name": "q", "label": "Which picture?"}],
            [{"list_name": "pics", "name": "a", "media::image": "a.png"},
             {"list_name": "pics", "name": "b", "media::image": "b.png"}], {}),
        "list_name_with_space": (
            [{"type": "text", "name": "naam", "label": "Your name?"},
             {"type": "select_one yn", "name": "q", "label": "Fruit?"}],
            [{"list name": "yn", "name": "yes", "label": "Yes"}, {"list name": "yn", "name": "no", "label": "No"}], {}),
    }


def _write(path: Path, survey: list[dict], choices: list[dict], settings: dict, external: list[dict] = ()) -> None:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    settings = {"form_title": path.stem.replace("_", " "), "form_id": path.stem, "version": "1", **settings}
    for title, rows in (("survey", survey), ("choices", choices), ("settings", [settings]),
                        ("external_choices", list(external))):
        if not rows:
            continue
        sheet = wb.create_sheet(title)
        header: list[str] = []
        for row in rows:
            header += [k for k in row if k not in header]
        sheet.append(header)
        for row in rows:
            sheet.append([row.get(h) for h in header])
    wb.save(path)


TOWNS = [{"list_name": "towns", "name": n, "label": label, "yn": yn}
         for n, label, yn in (("gent", "Gent", "yes"), ("genk", "Genk", "yes"), ("luik", "Luik", "no"))]


def main(target: Path = HERE) -> list[Path]:
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (survey, choices) in _types().items():
        path = target / f"type_{name}.xlsx"
        _write(path, survey, choices, {}, TOWNS if name == "select_one_external" else ())
        written.append(path)
    for name, (survey, choices) in _functions().items():
        path = target / f"function_{name}.xlsx"
        _write(path, survey, choices, {})
        written.append(path)
    for name, (survey, choices, settings) in _labels().items():
        path = target / f"labels_{name}.xlsx"
        _write(path, survey, choices, settings)
        written.append(path)
    (target / "fruits.csv").write_text("name_key,name\nmango,Mango\norange,Orange\nbanana,Banana\n", encoding="utf-8")
    (target / "places.xml").write_text("<root><item><name>gent</name><label>Gent</label></item>"
                                       "<item><name>genk</name><label>Genk</label></item></root>\n", encoding="utf-8")
    return written


if __name__ == "__main__":
    print(f"{len(main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE))} forms written")
