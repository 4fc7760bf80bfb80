"""Everything sid prints: rich tables and summaries for the terminal, in the UI language."""

from __future__ import annotations

import json
import time
from contextlib import contextmanager
from typing import Iterator

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from pipeline.terminal.words import WORDS

BAR_WIDTH = 24  # characters of the progress bar on the spinner line
_LOG_WIDTH = 1000  # piped or in a log: lines as long as they are, nothing cut off with '…'
_language = {"ui": "nl"}


def _console(stderr: bool = False) -> Console:
    """rich as usual on a terminal; piped or redirected: full width and no colour."""
    found = Console(stderr=stderr)
    if found.is_terminal:
        return found
    return Console(stderr=stderr, width=_LOG_WIDTH, no_color=True, highlight=False)


console = _console()


def use_language(code: str) -> None:
    """The language of what follows ([survey] ui_language: nl or en)."""
    _language["ui"] = code if code in ("nl", "en") else "nl"


def t(key: str, **values) -> str:
    """The words for `key` in the UI language, with `values` filled in."""
    text = WORDS[key][0 if _language["ui"] == "nl" else 1]
    return text.format(**values) if values else text


def num(value, decimals: int = 0) -> str:
    """A number as the UI language writes it: nl 4.590 and 1,2; en 4,590 and 1.2."""
    text = f"{value:,.{decimals}f}"
    return text.translate(str.maketrans(",.", ".,")) if _language["ui"] == "nl" else text


def pct(share: float, decimals: int = 1) -> str:
    return num(100 * share, decimals) + "%"


class Steps:
    """What a long command is doing: the current step on a spinner (on a terminal only) and, as
    each stage of `sid run` finishes, a line with its figure and elapsed seconds. On a terminal
    the lines come as the stages finish; piped or in a log they come with the summary (`flush`),
    so that a failed run still prints its one error line and nothing else."""

    def __init__(self, status=None, title: str = "") -> None:
        self.status, self.title, self.started = status, title, time.perf_counter()
        self.pending: list[str] = []

    def __call__(self, step: str, done: int | None = None, total: int | None = None) -> None:
        """The current step; with `done` of `total` (files read, variables coded) a bar and the counts."""
        if self.status is None:
            return
        if total:
            filled = round(BAR_WIDTH * done / total)
            step = f"{step}  {'━' * filled}{'╺' * (BAR_WIDTH - filled)}  {num(done)}/{num(total)}"
        self.status.update(f"{self.title}: {step}")

    def done(self, stage) -> None:
        """A pipeline.run.StageDone: 'inlezen          4.590 interviews behouden  (1,2 s)', and for a
        stage whose inputs had not changed: 'inlezen: ongewijzigd, hergebruikt  (4.590 interviews behouden)'."""
        if getattr(stage, "reused", False):
            line = (f"{t('stage.' + stage.stage)}: {t('stage.reused')}  ({num(stage.count)} {t('what.' + stage.what)}, "
                    f"{num(stage.seconds, 1)} s)")
        else:
            line = (f"{t('stage.' + stage.stage):<16} {num(stage.count):>8} {t('what.' + stage.what)}  "
                    f"({num(stage.seconds, 1)} s)")
        if console.is_terminal:
            console.print(line)
        else:
            self.pending.append(line)

    def flush(self) -> None:
        for line in self.pending:
            console.print(line)
        self.pending.clear()

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.started


@contextmanager
def steps(title: str) -> Iterator[Steps]:
    """A spinner with the current step (reading a file, resolving duplicates ...) on stderr when
    stderr is a terminal; the stage lines go to stdout either way."""
    err = Console(stderr=True)
    if not err.is_terminal:
        yield Steps()
        return
    with err.status(title) as status:
        yield Steps(status, title)


def run_closing(result, project, elapsed: float) -> None:
    """The last line of `sid run`: where the delivery is and what the exit code means."""
    console.print(t("run.done", seconds=num(elapsed, 1), folder=project.cleaned, sav=result.export.sav.name))
    errors = result.clean.validation.errors
    console.print(t("run.exit1", errors=num(errors)) if result.exit_code else t("run.exit0"))


def ingest_summary(result) -> None:
    table = Table(title=t("ingest.title"), title_justify="left")
    numbers = ("rows", "kept", "merged", "excluded", "problems")
    for col in ("source", "file", *numbers):
        table.add_column(t("col." + col), justify="right" if col in numbers else "left")
    for s in result.sources:
        table.add_row(s.source, s.path.name, *(num(n) for n in (
            s.rows, s.kept, s.merged, s.excluded, s.problems)))
    total = [sum(getattr(s, a) for s in result.sources) for a in numbers]
    table.add_row(f"[bold]{t('total')}[/bold]", "", *(f"[bold]{num(n)}[/bold]" for n in total))
    console.print(table)
    reasons = result.reconciliation.loc[result.reconciliation["status"] != "kept", "reason"].value_counts()
    if len(reasons):
        console.print(t("ingest.not_kept", reasons=", ".join(f"{r} {num(n)}" for r, n in reasons.items())))
    for s in result.sources:
        if s.unmapped:
            shown = ", ".join(s.unmapped[:6]) + (" ..." if len(s.unmapped) > 6 else "")
            console.print(f"[dim]{escape(t('ingest.unmapped', source=s.source, n=len(s.unmapped), shown=shown))}[/dim]")
    if len(result.problems):
        console.print(f"[yellow]{t('ingest.problems', n=num(len(result.problems)))}[/yellow]")


def export_summary(result) -> None:
    console.print(t("export.sav", path=result.sav, rows=num(result.rows), columns=num(result.columns)))
    console.print(t("export.sps", path=result.sps))
    for old, new in result.renamed.items():
        console.print(t("export.renamed", old=old, new=new))
    for warning in result.warnings:
        console.print(f"  [yellow]{t('warning')}:[/yellow] {escape(warning)}")


def clean_summary(outcome) -> None:
    log = outcome.result.log
    excluded = outcome.result.excluded
    steps = log.groupby(["step", "rule"], sort=False).size()
    table = Table(title=t("clean.title", n=num(len(log))), title_justify="left")
    for col in ("step", "rule", "cells"):
        table.add_column(t("col." + col), justify="right" if col == "cells" else "left")
    for (step, rule), count in steps.items():
        table.add_row(step, rule, num(count))
    console.print(table)
    _notes(outcome.validation)
    if len(excluded):
        console.print(t("clean.excluded", reasons=", ".join(
            f"{r} {num(n)}" for r, n in excluded["reason"].value_counts().items())))
    rosters = getattr(outcome, "rosters", None)
    if rosters is not None and len(rosters.removed):
        console.print(t("clean.roster_excluded", rows=", ".join(
            f"{r} {num(n)}" for r, n in rosters.removed["roster"].value_counts(sort=False).items())))
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


def form_variables(questionnaire, language: str | None) -> list[dict]:
    """The form's variables in form order: module (the outermost group), name, type, label in the
    SPSS label language, routing (the full condition under which it is asked), choice list."""
    lang = questionnaire.language(language).column
    return [{"module": v.group[0] if v.group else "", "name": v.name, "type": v.type, "label": v.label(lang),
             "routing": v.routing or "", "choices": v.choices.name if v.choices is not None else ""}
            for v in questionnaire]


def form_summary(questionnaire, language: str | None, as_json: bool = False) -> None:
    """`sid form`: the variables per module (name, type, label, routing), or JSON for scripts."""
    variables = form_variables(questionnaire, language)
    if as_json:
        print(json.dumps({"title": questionnaire.title, "form_id": questionnaire.form_id,
                          "version": questionnaire.version, "languages": list(questionnaire.languages),
                          "warnings": list(questionnaire.warnings), "variables": variables},
                         ensure_ascii=False, indent=1))
        return
    console.print(f"[bold]{escape(t('form.head', title=questionnaire.title, form_id=questionnaire.form_id, version=questionnaire.version, languages=', '.join(questionnaire.languages)))}[/bold]")
    modules: dict[str, list[dict]] = {}
    for v in variables:
        modules.setdefault(v["module"], []).append(v)
    for module, rows in modules.items():
        table = Table(title=t("form.module", module=module or t("form.top"), n=num(len(rows))), title_justify="left")
        for col in ("name", "type", "label", "routing"):
            table.add_column(t("col." + col), overflow="fold", max_width=60 if col in ("label", "routing") else None)
        for v in rows:
            table.add_row(v["name"], v["type"] + (f" {v['choices']}" if v["choices"] else ""), escape(v["label"]),
                          escape(v["routing"]))
        console.print(table)
    for warning in questionnaire.warnings:
        console.print(f"  [yellow]{t('warning')}:[/yellow] {escape(str(warning))}")
    console.print(t("form.total", n=num(len(variables)), routed=num(sum(1 for v in variables if v["routing"])),
                    language=questionnaire.language(language).column))


def validation_summary(report, top: int = 15) -> None:
    summary = report.summary
    failing = summary[summary["fails"] > 0]
    table = Table(title=t("validation.title", errors=num(report.errors), warnings=num(report.warnings),
                          failing=num(len(failing)), rules=num(len(summary))), title_justify="left")
    for col in ("rule", "severity", "fails", "items", "description"):
        table.add_column(t("col." + col), justify="right" if col in ("fails", "items") else "left",
                         overflow="fold", max_width=60 if col == "description" else None)
    colour = {"error": "red", "warning": "yellow", "accepted": "cyan"}
    for row in failing.head(top).itertuples():
        severity = t("severity." + row.severity) if "severity." + row.severity in WORDS else row.severity
        table.add_row(row.rule, f"[{colour.get(row.severity, 'white')}]{severity}[/]",
                      num(row.fails), num(row.items), escape(row.description))
    console.print(table)
    if len(failing) > top:
        console.print(t("validation.more", n=num(len(failing) - top)))
    console.print(t("validation.details"))
    _notes(report)


def _notes(report) -> None:
    """Warnings about the configuration, e.g. a rules file that sid.toml does not name."""
    for note in getattr(report, "notes", ()):
        console.print(f"[yellow]{t('warning')}:[/yellow] {escape(note)}")


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
    table = Table(title=t("fieldwork.title", day=report.as_of), title_justify="left")
    for col in ("group", "target", "complete", "usable", "pct_target", "to_do"):
        table.add_column(t("col." + col), justify="left" if col == "group" else "right")
    for mode in ("web", "capi", "papi"):
        table.add_column(mode, justify="right")
    for row in report.progress.itertuples():
        doel = "" if row.doel != row.doel else num(row.doel)
        share = "" if row.pct_doel != row.pct_doel else num(row.pct_doel, 1)
        table.add_row(str(row.groep), doel, num(row.volledig), num(getattr(row, "bruikbaar", row.volledig)), share,
                      num(row.nog_te_doen),
                      *(num(getattr(row, f"volledig_{m}", 0)) for m in ("web", "capi", "papi")))
    console.print(table)
    rates = report.rates[report.rates["breakdown"] == "totaal"]
    for total in rates.to_dict("records"):  # on the completes as collected, then on the usable ones
        basis = f"{t('basis.' + total['basis'])}: " if "basis" in total else ""
        console.print(basis + "  ".join(f"{r} {pct(total[r])}" for r in ("RR1", "RR3", "COOP1", "REF1", "CON1"))
                      + f"  (e = {num(total['e'], 3)})")
    console.print(t("fieldwork.interviewers", n=num(report.interviewers), flagged=num(report.flagged),
                    backcheck=num(report.backcheck), seed=report.seed))
    console.print(f"[green]{escape(t('fieldwork.report', path=report.internal))}[/green]")
    if report.delivered is not None:
        console.print(f"[green]{escape(t('fieldwork.delivered', path=report.delivered))}[/green]")


def weight_summary(result) -> None:
    """`sid weight`: the weights' diagnostics and whether raking met every margin."""
    diag = result.diagnostics
    table = Table(title=t("weight.title"), title_justify="left")
    for col in ("stratum", "n", "min", "max", "cv", "deff", "efficiency", "n_eff"):
        table.add_column(t("col." + col), justify="left" if col == "stratum" else "right")
    for row in diag[diag["stap"] == diag["stap"].iloc[-1]].itertuples():
        table.add_row(str(row.stratum), num(row.n), num(row.min, 2), num(row.max, 2), num(row.cv, 3),
                      num(row.deff_kish, 3), pct(row.efficientie), num(row.n_effectief))
    console.print(table)
    state = (f"[green]{t('weight.converged')}[/green]" if result.converged
             else f"[red]{t('weight.not_converged')}[/red]")
    console.print(t("weight.line", state=state, error=f"{result.max_margin_error:.1e}", cycles=result.cycles))


def coding_summary(result) -> None:
    """`sid code` (and `sid run`): answers per variable coded exactly, fuzzy, back-coded, left open."""
    cover = result.coverage
    table = Table(title=t("coding.title"), title_justify="left", caption=t("coding.caption"), caption_justify="left")
    for col in ("variable", "n", "distinct", "exact", "fuzzy", "back", "open", "open_distinct"):
        table.add_column(t("col." + col), justify="left" if col == "variable" else "right", no_wrap=col == "variable")
    for row in cover.itertuples():
        table.add_row(row.variable, num(row.answers), num(row.distinct), num(row.exact), num(row.fuzzy),
                      num(row.back_coded), f"[yellow]{num(row.open)}[/yellow]" if row.open else "0",
                      num(row.open_distinct))
    totals = [int(cover[c].sum()) for c in ("answers", "distinct", "exact", "fuzzy", "back_coded", "open",
                                             "open_distinct")]
    table.add_row(f"[bold]{t('total')}[/bold]", *(f"[bold]{num(n)}[/bold]" for n in totals))
    console.print(table)
    review = int((result.worklist["status"] == "fuzzy").sum()) if len(result.worklist) else 0
    console.print(t("coding.worklist", open=num(cover["open_distinct"].sum()), review=num(review)))


def coding_import_summary(result) -> None:
    for variable, n in sorted(result.rows.items()):
        console.print(t("coding.merged", variable=f"[green]{variable}[/green]", n=num(n)))
    if len(result.kappa):
        table = Table(title=t("coding.kappa"), title_justify="left")
        for col in ("variable", "items", "agreement", "kappa"):
            table.add_column(t("col." + col), justify="left" if col == "variable" else "right")
        for row in result.kappa.itertuples():
            table.add_row(row.variable, num(row.items), pct(row.agreement), num(row.kappa, 3))
        console.print(table)


def coding_import_refused(problems, path) -> None:
    """Every offending cell of a refused worklist (nothing was imported)."""
    table = Table(title=t("coding.refused", path=path), title_justify="left")
    for col in ("sheet", "row", "column", "problem"):
        table.add_column(t("col." + col), justify="right" if col == "row" else "left", overflow="fold")
    for row in problems.itertuples():
        table.add_row(row.sheet, str(row.row), row.column, escape(row.problem))
    _console(stderr=True).print(table)
