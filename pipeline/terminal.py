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
    err = Console(stderr=True)
    if not err.is_terminal:
        yield lambda step: None
        return
    with err.status(title) as status:
        yield lambda step: status.update(f"{title}: {step}")


def ingest_summary(result) -> None:
    table = Table(title="Ingest", title_justify="left")
    numbers = ("rows", "kept", "merged", "excluded", "problems")
    for col in ("source", "file", *numbers):
        table.add_column(col, justify="right" if col in numbers else "left")
    for s in result.sources:
        table.add_row(s.source, s.path.name, *(f"{n:,}" for n in (
            s.rows, s.kept, s.merged, s.excluded, s.problems)))
    total = [sum(getattr(s, a) for s in result.sources) for a in ("rows", "kept", "merged", "excluded", "problems")]
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
        console.print(f"[yellow]{len(result.problems):,} cells or lines did not arrive as written; "
                      "listed with what was done and why in work/ingest_problems.csv[/yellow]")


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
    if getattr(result, "coding", None) is not None:
        coding_summary(result.coding)
    clean_summary(result.clean)
    export_summary(result.export)
    if getattr(result, "weight", None) is not None:
        weight_summary(result.weight)
    if getattr(result, "fieldwork", None) is not None:
        fieldwork_summary(result.fieldwork)


def form_summary(questionnaire, language: str | None) -> None:
    lang = questionnaire.language(language).column
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
    for warning in questionnaire.warnings:
        console.print(f"  [yellow]warning:[/yellow] {warning}")
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


def verify_summary(report) -> None:
    """`sid verify`: one row per check (failures name the file), then PASS or FAIL."""
    table = Table(title=f"Controle van de levering {report.folder}", title_justify="left")
    for col in ("controle", "resultaat", "bestand", "toelichting"):
        table.add_column(col, overflow="fold")
    for c in report.checks:
        result = "[red]FOUT[/red]" if not c.ok else "[yellow]WAARSCHUWING[/yellow]" if c.warning else "[green]OK[/green]"
        table.add_row(c.check, result, c.file, c.detail)
    console.print(table)
    warnings = [c for c in report.checks if c.warning]
    if report.passed and warnings:
        console.print(f"[bold green]PASS[/bold green] met {len(warnings)} waarschuwing(en): " +
                      "; ".join(c.detail for c in warnings))
    elif report.passed:
        console.print("[bold green]PASS[/bold green]: de levering is in orde.")
    else:
        console.print(f"[bold red]FAIL[/bold red]: {len(report.failures)} controle(s) niet in orde.")


def fieldwork_summary(report) -> None:
    """`sid report fieldwork`: progress per origin group, the main rates, interviewer flags."""
    table = Table(title=f"Veldwerk: stand op {report.as_of}", title_justify="left")
    for col in ("groep", "doel", "volledig", "% doel", "nog te doen", "web", "capi", "papi"):
        table.add_column(col, justify="left" if col == "groep" else "right")
    for row in report.progress.itertuples():
        doel = "" if row.doel != row.doel else f"{int(row.doel):,}"
        pct = "" if row.pct_doel != row.pct_doel else f"{row.pct_doel:.1f}"
        table.add_row(str(row.groep), doel, f"{row.volledig:,}", pct, f"{row.nog_te_doen:,.0f}",
                      *(f"{getattr(row, f'volledig_{m}', 0):,}" for m in ("web", "capi", "papi")))
    console.print(table)
    total = report.rates.iloc[0]
    console.print(f"RR1 {total['RR1']:.1%}  RR3 {total['RR3']:.1%}  COOP1 {total['COOP1']:.1%}  "
                  f"REF1 {total['REF1']:.1%}  CON1 {total['CON1']:.1%}  (e = {total['e']:.3f})")
    console.print(f"interviewers: {report.interviewers}, flagged: {report.flagged}; back-check list: "
                  f"{report.backcheck} respondents (seed {report.seed})")
    console.print(f"[green]Report[/green] {report.internal}  (tables in work/fieldwork/)")
    if report.delivered is not None:
        console.print(f"[green]Delivery version[/green] {report.delivered}  (without interviewer detail)")


def weight_summary(result) -> None:
    """`sid weight`: the weights' diagnostics and whether raking met every margin."""
    diag = result.diagnostics
    table = Table(title="Weights (final: raked and trimmed)", title_justify="left")
    for col in ("stratum", "n", "min", "max", "CV", "deff (Kish)", "efficiency", "n eff."):
        table.add_column(col, justify="left" if col == "stratum" else "right")
    for row in diag[diag["stap"] == diag["stap"].iloc[-1]].itertuples():
        table.add_row(str(row.stratum), f"{row.n:,}", f"{row.min:,.2f}", f"{row.max:,.2f}", f"{row.cv:.3f}",
                      f"{row.deff_kish:.3f}", f"{row.efficientie:.1%}", f"{row.n_effectief:,.0f}")
    console.print(table)
    state = "[green]converged[/green]" if result.converged else "[red]not converged[/red]"
    console.print(f"raking {state}: largest relative margin error {result.max_margin_error:.1e} "
                  f"after {result.cycles} trim-rake cycle(s); weights in work/weighted.parquet, work/weights.csv")


def coding_summary(result) -> None:
    """`sid code` (and `sid run`): answers per variable coded exactly, fuzzy, back-coded, left open."""
    cover = result.coverage
    table = Table(title="Coding: answers per variable", title_justify="left",
                  caption="n answers (distinct texts); coded exactly, fuzzy (to review), back-coded to "
                          "one of the question's choices; open: left for the coders", caption_justify="left")
    for col in ("variable", "n", "distinct", "exact", "fuzzy", "back", "open", "open dist."):
        table.add_column(col, justify="left" if col == "variable" else "right", no_wrap=col == "variable")
    for row in cover.itertuples():
        table.add_row(row.variable, f"{row.answers:,}", f"{row.distinct:,}",
                      f"{row.exact:,}", f"{row.fuzzy:,}", f"{row.back_coded:,}",
                      f"[yellow]{row.open:,}[/yellow]" if row.open else "0", f"{row.open_distinct:,}")
    totals = [int(cover[c].sum()) for c in ("answers", "distinct", "exact", "fuzzy", "back_coded", "open",
                                             "open_distinct")]
    table.add_row("[bold]total[/bold]", *(f"[bold]{n:,}[/bold]" for n in totals))
    console.print(table)
    review = int((result.worklist["status"] == "fuzzy").sum()) if len(result.worklist) else 0
    console.print(f"worklist: work/coding_worklist.xlsx ({cover['open_distinct'].sum():,} answers to code, "
                  f"{review:,} fuzzy matches to review); back-coded cells: work/coding_log.csv")


def coding_import_summary(result) -> None:
    for variable, n in sorted(result.rows.items()):
        console.print(f"[green]{variable}[/green]: {n:,} code(s) merged into its code frame")
    if len(result.kappa):
        table = Table(title="Agreement between coders (Cohen's kappa)", title_justify="left")
        for col in ("variable", "items", "agreement", "kappa"):
            table.add_column(col, justify="left" if col == "variable" else "right")
        for row in result.kappa.itertuples():
            table.add_row(row.variable, f"{row.items:,}", f"{row.agreement:.1%}", f"{row.kappa:.3f}")
        console.print(table)


def coding_import_refused(problems, path) -> None:
    """Every offending cell of a refused worklist (nothing was imported)."""
    table = Table(title=f"Worklist refused, nothing imported: {path}", title_justify="left")
    for col in ("sheet", "row", "column", "problem"):
        table.add_column(col, justify="right" if col == "row" else "left", overflow="fold")
    for row in problems.itertuples():
        table.add_row(row.sheet, str(row.row), row.column, row.problem)
    Console(stderr=True).print(table)
