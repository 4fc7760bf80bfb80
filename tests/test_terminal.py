"""The spinner line of a long command: the current step, and where a stage loops over files or
variables a bar with the counts (ingest: the sources read; coding: the variables coded)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline import terminal
from pipeline.coding.coding import code
from pipeline.coding.plan import plan
from pipeline.coding.stage import coding_settings
from pipeline.survey.project import load_project
from pipeline.survey.questionnaire import questionnaire_of


class Status:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def update(self, text: str) -> None:
        self.lines.append(text)


def test_a_step_with_counts_shows_a_bar_and_the_counts():
    status = Status()
    steps = terminal.Steps(status, "sid run")
    terminal.use_language("nl")
    steps("lezen van web_kobo.csv", 1, 4)
    steps("ontdubbelen")
    assert status.lines == [f"sid run: lezen van web_kobo.csv  {'━' * 6}{'╺' * 18}  1/4", "sid run: ontdubbelen"]
    terminal.Steps()("zonder terminal", 1, 2)  # piped: nothing shown, nothing fails


def test_coding_reports_each_variable_it_starts(monkeypatch):
    """In one process every variable in turn; with a helper process (parallel/beside.py) those this process
    starts, in order, from the first (the helper never prints)."""
    from pipeline.parallel import beside

    project = load_project(Path(__file__).parents[1])  # the bundled demo survey
    questionnaire = questionnaire_of(project)
    targets = plan(questionnaire, coding_settings(project))
    frame = pd.DataFrame({v.name: pd.Series([None, None], dtype="float64" if v.kind == "numeric" else object)
                          for v in questionnaire})  # two empty interviews
    frame[project.key] = ["a", "b"]
    every = [(f"coding {t.source}", i, len(targets)) for i, t in enumerate(targets)]
    assert len(targets) > 3
    for processes in ("1", "2"):
        monkeypatch.setenv(beside.ENV, processes)
        heard = []
        code(frame, questionnaire, key=project.key, targets=targets, frames={}, progress=lambda *a: heard.append(a))
        if processes == "1":
            assert heard == every
        else:
            assert heard[0] == every[0] and heard == sorted(heard, key=every.index) and set(heard) <= set(every)
