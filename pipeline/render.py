"""Everything sid prints: rich tables and summaries for the terminal."""

from __future__ import annotations

from collections import Counter
from contextlib import contextmanager
from typing import Callable, Iterator

from rich.console import Console
from rich.table import Table

console = Console()


@contextmanager
def steps(title: str) -> Iterator[Callable[[str], None]]:
    """A spinner with the current step (reading a file, resolving duplicates ...) on stderr;
    silent when stderr is not a terminal."""
    from rich.console import Console as _Console

    err = _Console(stderr=True)
    if not err.is_terminal:
        yield lambda step: None
        return
    with err.status(title) as status:
        yield lambda step: status.update(f"{title}: {step}")


def ingest_summary(result) -> None:
    table = Table(title="Ingest", title_justify="left")
    numbers = ("rows", "kept", "merged", "excluded", "type problems")
    for col in ("source", "file", *numbers):
        table.add_column(col, justify="right" if col in numbers else "left")
    for s in result.sources:
        table.add_row(s.source, s.path.name, *(f"{n:,}" for n in (
            s.rows, s.kept, s.merged, s.excluded, s.type_problems)))
    total = [sum(getattr(s, a) for s in result.sources) for a in ("rows", "kept", "merged", "excluded", "type_problems")]
    table.add_row("[bold]total[/bold]", "", *(f"[bold]{n:,}[/bold]" for n in total))
    console.print(table)
    reasons = result.reconciliation.loc[result.reconciliation["status"] != "kept", "reason"].value_counts()
    if len(reasons):
        console.print("not kept: " + ", ".join(f"{r} {n:,}" for r, n in reasons.items())
                      + "  (work/reconciliation.csv)")
    for s in result.sources:
        if s.unmapped:
            shown = ", ".join(s.unmapped[:6]) + (" ..." if len(s.unmapped) > 6 else "")
            console.print(f"[dim]{s.source}: {len(s.unmapped)} column(s) not in the form (platform metadata, not used): {shown}[/dim]")
    if len(result.problems):
        console.print(f"[yellow]{len(result.problems):,} cells did not fit the form's type; "
                      "listed in work/ingest_problems.csv[/yellow]")


def export_summary(result) -> None:
    console.print(f"[green]SPSS file[/green] {result.sav}  ({result.rows:,} respondents, "
                  f"{result.columns:,} variables)")
    console.print(f"[green]Syntax[/green]    {result.sps}  (multiple-response sets)")
    for old, new in result.renamed.items():
        console.print(f"  renamed for SPSS: {old} → {new}")
    for warning in result.warnings:
        console.print(f"  [yellow]warning:[/yellow] {warning}")


def clean_summary(outcome) -> None:
    log = outcome.result.log
    excluded = outcome.result.excluded
    steps = log.groupby(["step", "rule"], sort=False).size()
    table = Table(title=f"Cleaning: {len(log):,} cells changed", title_justify="left")
    for col in ("step", "rule", "cells"):
        table.add_column(col, justify="right" if col == "cells" else "left")
    for (step, rule), count in steps.items():
        table.add_row(step, rule, f"{count:,}")
    console.print(table)
    if len(excluded):
        console.print("excluded respondents: " + ", ".join(
            f"{r} {n:,}" for r, n in excluded["reason"].value_counts().items()))
    validation_summary(outcome.validation)


def run_summary(result) -> None:
    ingest_summary(result.ingest)
    clean_summary(result.clean)
    export_summary(result.export)


def form_summary(questionnaire, language: str) -> None:
    lang = questionnaire.language(language)
    console.print(f"[bold]{questionnaire.title}[/bold]  form {questionnaire.form_id} "
                  f"version {questionnaire.version}; languages: {', '.join(questionnaire.languages)}")
    groups = Counter(v.group[0] if v.group else "(top level)" for v in questionnaire)
    types = Counter(v.type for v in questionnaire)
    table = Table(title=f"{len(questionnaire)} variables", title_justify="left")
    table.add_column("module")
    table.add_column("variables", justify="right")
    for group, count in groups.items():
        table.add_row(group, str(count))
    console.print(table)
    console.print("types: " + ", ".join(f"{t} {c}" for t, c in types.most_common()))
    routed = sum(1 for v in questionnaire if v.routing)
    console.print(f"routed questions: {routed}; labels shown in SPSS: {lang}")


def validation_summary(report, top: int = 15) -> None:
    summary = report.summary
    failing = summary[summary["fails"] > 0]
    table = Table(title=f"Validation: {report.errors:,} errors, {report.warnings:,} warnings "
                  f"({len(failing)} of {len(summary)} rules fail)", title_justify="left")
    for col in ("rule", "severity", "fails", "items", "description"):
        table.add_column(col, justify="right" if col in ("fails", "items") else "left",
                         overflow="fold", max_width=60 if col == "description" else None)
    colour = {"error": "red", "warning": "yellow", "accepted": "cyan"}
    for row in failing.head(top).itertuples():
        table.add_row(row.rule, f"[{colour.get(row.severity, 'white')}]{row.severity}[/]",
                      f"{row.fails:,}", f"{row.items:,}", row.description)
    console.print(table)
    if len(failing) > top:
        console.print(f"... and {len(failing) - top} more failing rules")
    console.print("Details: work/validation_failures.xlsx (one row per failure), "
                  "work/validation_summary.xlsx, work/quality.xlsx")
