"""Checks of a loaded form that name the workbook's row: every expression parses, no calculates that
depend on each other in a circle; and the row a pyxform message is about when it gives none."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pipeline.errors import ErrorCode, SidError
from pipeline.survey.expressions import ExpressionError, parse, references
from pipeline.survey.unjudgeable import uses_instance

Variable = Any  # survey/questionnaire.py's Variable (which imports this module)


def check_expressions(path: Path, variables: list[Variable]) -> None:
    """Every relevant, constraint and calculate must parse with sid's evaluator."""
    for v in variables:
        for column, text in (("relevant", v.relevant), ("constraint", v.constraint),
                             ("calculate", v.calculate)):
            if not text or uses_instance(text):  # a lookup the form app makes: kept as collected
                continue
            try:
                parse(text)
            except ExpressionError as exc:
                raise SidError(ErrorCode.FORM_EXPRESSION, f"{v.name}: {exc}", file=path, sheet="survey",
                               row=v.row, column=column, fix="Correct the expression in the form.") from None


def check_cycles(path: Path, variables: list[Variable]) -> None:
    """Calculates that depend on each other in a circle can never be computed: name their rows."""
    calcs = {v.name: v for v in variables if v.calculate and not uses_instance(v.calculate)}
    uses = {name: sorted(references(v.calculate) & calcs.keys()) for name, v in calcs.items()}
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for start in calcs:
        if state.get(start):
            continue
        path_: list[str] = []
        stack = [(start, iter(uses[start]))]
        state[start] = 1
        path_.append(start)
        while stack:
            name, todo = stack[-1]
            nxt = next(todo, None)
            if nxt is None:
                state[name] = 2
                stack.pop()
                path_.pop()
                continue
            if state.get(nxt) == 1:
                cycle = path_[path_.index(nxt):]
                rows = [calcs[n].row for n in cycle]
                described = " → ".join(cycle + [nxt])
                raise SidError(ErrorCode.FORM_CYCLE, f"circular calculates: {described} (rows "
                               f"{', '.join(str(r) for r in rows)})", file=path, sheet="survey",
                               row=rows[0], column="calculate",
                               fix="Break the circle: one of these calculates must not use the others.")
            if not state.get(nxt):
                state[nxt] = 1
                path_.append(nxt)
                stack.append((nxt, iter(uses[nxt])))


def row_of_value(path: Path, message: str, sheet: str | None) -> tuple[int | None, str | None]:
    """The first row of the survey (or choices) sheet with a cell equal to a value quoted in
    pyxform's message, when the message itself gives no row."""
    quoted = re.findall(r"'([^']+)'", message)
    if not quoted:
        return None, sheet
    try:
        import openpyxl  # only to name a form's row in an error
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            for title in ([sheet] if sheet else ["survey", "choices"]):
                if title not in wb.sheetnames:
                    continue
                for i, cells in enumerate(wb[title].iter_rows(values_only=True), start=1):
                    if any(str(c).strip() in quoted for c in cells if c is not None) and i > 1:
                        return i, title
        finally:
            wb.close()
    except Exception:
        pass
    return None, sheet
