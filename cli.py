"""sid command line: thin commands that parse, call one pipeline function, render and exit."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import Callable

import typer
import typer.core

GLOBAL_HELP = ("Options of every command, before or after its name: -p/--project DIR (the survey "
               "project folder, default: here), --debug (full traceback of errors).")


GLOBAL_OPTIONS = (("-p, --project DIR", "Survey project folder (with sid.toml). [default: .]"),
                  ("--debug", "Show the full traceback of errors."))


class _Commands(typer.core.TyperGroup):
    """--project/-p and --debug, before or after the command's name (`sid run -p DIR` as well as
    `sid -p DIR run`), read here into `state` and not handed to typer: typer (0.2x) converts every
    option's value through pydantic, whose import cost each command 0.1 s."""

    def parse_args(self, ctx, args: list[str]) -> list[str]:
        state.project_dir, state.debug = Path("."), False  # (one process may run several commands: the tests)
        rest, i = [], 0
        while i < len(args):
            arg = args[i]
            if arg == "--":
                rest.extend(args[i:])
                break
            if arg == "--debug":
                state.debug = True
            elif arg in ("--project", "-p"):
                if i + 1 >= len(args):
                    raise typer.BadParameter("a folder is required (the survey project, with sid.toml)",
                                             param_hint=f"'{arg}'")
                state.project_dir = Path(args[i + 1])
                i += 1
            elif arg.startswith(("--project=", "-p=")):
                state.project_dir = Path(arg.split("=", 1)[1])
            elif arg.startswith("-p") and len(arg) > 2 and not arg.startswith("--"):
                state.project_dir = Path(arg[2:])
            else:
                rest.append(arg)
            i += 1
        return super().parse_args(ctx, rest)

    def format_options(self, ctx, formatter) -> None:
        super().format_options(ctx, formatter)
        with formatter.section("Global options (before or after the command)"):
            formatter.write_dl(GLOBAL_OPTIONS)

    def get_help_option(self, ctx):
        return _flag(super().get_help_option(ctx))

    def get_command(self, ctx, name: str):
        command = super().get_command(ctx, name)
        if command is not None:
            if not command.epilog:  # every command's --help names the global options
                command.epilog = GLOBAL_HELP
            _flag(command.get_help_option(ctx))
        return command


def _flag(option):
    """--help with the value False when not given (typer's is None): typer (0.29) leaves a flag's bool as it is,
    but converts any other value, None too, through pydantic (its import: 0.1 s of every command)."""
    if option is not None and option.default is None:
        option.default = False
    return option


app = typer.Typer(
    cls=_Commands,
    help="sid: fieldwork and data cleaning for the survey Samenleven in diversiteit.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: `sid --help` need not import rich (issue: < 0.3 s)
)


class State:
    project_dir: Path = Path(".")
    debug: bool = False


state = State()


@app.callback()
def main() -> None:
    """(The global options are read by _Commands.parse_args.)"""


def command(func: Callable) -> Callable:
    """Turn SidError into one line on stderr and exit code 2 (a traceback only with --debug)."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        from pipeline.errors import SidError, os_fault

        try:
            return func(*args, **kwargs)
        except (typer.Exit, typer.Abort):
            raise
        except SidError as exc:
            if state.debug:
                raise
            typer.echo(f"sid: error: {exc}", err=True)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            typer.echo("sid: interrupted; outputs already in place are unchanged.", err=True)
            raise typer.Exit(130) from None
        except Exception as exc:  # a bug: still one line unless --debug
            if state.debug:
                raise
            # Disk full, permission denied, a file where a folder must be: the user's to fix.
            fault = os_fault(exc) if isinstance(exc, OSError) else None
            if fault is not None:
                typer.echo(f"sid: error: {fault}", err=True)
                raise typer.Exit(fault.exit_code) from None
            typer.echo(f"sid: internal error ({type(exc).__name__}: {exc}). "
                       "Run again with --debug and report it.", err=True)
            raise typer.Exit(3) from None

    return wrapper


def _project():
    from pipeline import terminal as render
    from pipeline.survey.project import load_project

    project = load_project(state.project_dir)
    render.use_language(project.ui_language)  # [survey] ui_language: what the terminal speaks
    return project


@contextmanager
def _writing(project):
    """Hold the project's write lock (work/.sid.lock) while a command writes; one at a time."""
    from pipeline.lock import project_lock

    with project_lock(project.work) as lock:
        if lock.note:
            typer.echo(f"sid: note: {lock.note}", err=True)
        yield lock


@app.command()
@command
def run(fresh: bool = typer.Option(False, "--fresh", help="Run every stage, also those whose inputs have not "
                                                          "changed since their last run.")) -> None:
    """Run the whole pipeline: ingest, code, clean, validate, weight, report, deliver to cleaned/.

    A stage whose inputs (raw files, form, sid.toml settings, rules, code frames, sid itself) have
    not changed since its last run is reused ("unchanged, reused"); --fresh runs them all.
    Exits 1 when error-level failures remain after cleaning.

    Example: sid run --project ~/surveys/sid2026
    """
    from pipeline import terminal as render
    from pipeline.run import run_all

    project = _project()
    with _writing(project) as lock, render.steps("sid run") as progress:
        result = run_all(project, progress, progress.done, run_id=lock.run_id, fresh=fresh)
    progress.flush()
    render.run_summary(result)
    render.run_closing(result, project, progress.elapsed)
    raise typer.Exit(result.exit_code)


@app.command()
@command
def ingest() -> None:
    """Read the fieldwork exports in sid.toml into work/ingested.parquet.

    Example: sid ingest
    """
    from pipeline import terminal as render
    from pipeline.ingest.stage import run_ingest
    from pipeline.run import run_alone
    from pipeline.survey.questionnaire import questionnaire_of

    project = _project()
    with _writing(project), render.steps("sid ingest") as progress:
        _, result = run_alone(project, "ingest", lambda alone: run_ingest(alone, questionnaire_of(project), progress))
    render.ingest_summary(result)


@app.command()
@command
def validate() -> None:
    """Check the ingested data against the form, the rules and the quality thresholds.

    Writes to work/ only (cleaned/ is written by `sid run` and `sid export`).
    Exits 1 while error-level failures remain. Example: sid validate
    """
    from pipeline import terminal as render
    from pipeline.run import stage_alone
    from pipeline.survey.questionnaire import questionnaire_of
    from pipeline.validation.stage import run_validate

    project = _project()
    with _writing(project):
        report = run_validate(stage_alone(project), questionnaire_of(project))
    render.validation_summary(report)
    raise typer.Exit(1 if report.errors else 0)


@app.command()
@command
def clean() -> None:
    """Clean the ingested data (rules, invalid codes, routing codes), log every change, validate.

    Writes to work/ only (cleaned/ is written by `sid run` and `sid export`).
    Exits 1 while error-level failures remain. Example: sid clean
    """
    from pipeline import terminal as render
    from pipeline.cleaning.stage import run_clean
    from pipeline.run import run_alone
    from pipeline.survey.questionnaire import questionnaire_of

    project = _project()
    with _writing(project), render.steps("sid clean") as progress:
        _, outcome = run_alone(project, "clean", lambda alone: run_clean(alone, questionnaire_of(project),
                                                                          progress=progress))
    render.clean_summary(outcome)
    raise typer.Exit(1 if outcome.validation.errors else 0)


@app.command()
@command
def export() -> None:
    """Write the labelled SPSS file and syntax to cleaned/ from the last stage's output; the new
    delivery replaces cleaned/ as a whole.

    Example: sid export
    """
    from pipeline import terminal as render
    from pipeline.run import export_alone
    from pipeline.survey.questionnaire import questionnaire_of

    project = _project()
    with _writing(project) as lock:
        render.export_summary(export_alone(project, questionnaire_of(project), run_id=lock.run_id))


@app.command()
@command
def form(
    as_json: bool = typer.Option(False, "--json", help="Print the variables as JSON (for scripts)."),
) -> None:
    """Check the questionnaire (XLSForm) and list its variables per module: name, type, label, routing.

    Example: sid form --json > variables.json
    """
    from pipeline import terminal as render
    from pipeline.survey.questionnaire import questionnaire_of

    project = _project()
    render.form_summary(questionnaire_of(project), project.language, as_json)


@app.command()
@command
def demo(
    seed: int = typer.Option(None, help="Random seed (default: [demo] seed in sid.toml)."),
    size: int = typer.Option(None, help="Sample units to draw (default: [demo] sampled; ~37% complete)."),
    force: bool = typer.Option(False, "--force", help="Replace an existing demo file in raw/."),
) -> None:
    """Generate realistic demo fieldwork from the form into raw/ (deterministic per seed), with
    planted defects listed in raw/demo_truth.csv.

    Example: sid demo --seed 2026 --size 12000 --force
    """
    from pipeline.demo.stage import make_demo

    project = _project()
    with _writing(project):
        made = make_demo(project, sampled=size or project.demo.sampled,
                         seed=project.demo.seed if seed is None else seed, force=force)
    for path in made.paths:
        typer.echo(f"written: {path}")
    if made.hint:
        typer.echo("\n" + made.hint)


@app.command()
@command
def verify(
    folder: Path = typer.Argument(..., help="The delivery folder (with manifest.json)."),
    allow_demo: bool = typer.Option(False, "--allow-demo", help="Pass a DEMO delivery (demo data or the public demo key)."),
) -> None:
    """Check a delivery on receipt: checksums, completeness, .sav against the codebook, no
    identifier columns, no personal data, not a DEMO delivery. Needs only the delivery folder.

    Exits 0 when everything passes, 1 when a check fails. Example: sid verify cleaned/
    """
    from pipeline import terminal as render
    from pipeline.delivery.verify import verify_delivery

    report = verify_delivery(folder, allow_demo=allow_demo)
    render.verify_summary(report)
    raise typer.Exit(report.exit_code)


key_app = typer.Typer(help="The pseudonymisation key.", no_args_is_help=True)
app.add_typer(key_app, name="key")


@key_app.command("new")
@command
def key_new(
    path: Path = typer.Argument(None, help="Where to write the key (default: ~/.sid/<survey>.key)."),
) -> None:
    """Write a new random pseudonymisation key to a file only you can read (0600), outside the
    project, and print the line to add under [privacy] in sid.toml. Never replaces a key.

    Example: sid key new ~/.sid/sid2026.key
    """
    from pipeline.privacy import default_key_path, new_key_file

    # Not load_project: `sid key new` is the fix for a project whose [privacy] is refused.
    root = state.project_dir.resolve()
    path = path if path is not None else default_key_path(root)
    written = new_key_file(path, root)
    typer.echo(f"written: {written} (readable by you only; keep a backup: without it the pseudonyms "
               "cannot be made again)")
    typer.echo("add to sid.toml:")
    typer.echo("[privacy]")
    typer.echo(f'key_file = "{written}"')


report_app = typer.Typer(help="Reports for people: the fieldwork report, weighted tables.", no_args_is_help=True)
app.add_typer(report_app, name="report")


@report_app.command("fieldwork")
@command
def report_fieldwork(
    until: str = typer.Option(None, "--until", help="Use the contact log as it was on this date "
                              "(YYYY-MM-DD or DD/MM/YYYY); default: all of it."),
) -> None:
    """Fieldwork report: progress per origin group against the targets, AAPOR response rates,
    interviewer checks and a back-check list, as work/fieldwork_report.html (one file) and
    tables in work/fieldwork/. Works mid-fieldwork.

    Example: sid report fieldwork --until 2026-04-15
    """
    from pipeline import terminal as render
    from pipeline.errors import ErrorCode, SidError
    from pipeline.fieldwork.stage import run_report
    from pipeline.survey.questionnaire import questionnaire_of

    day = None
    if until is not None:
        import pandas as pd

        day = pd.to_datetime(until, dayfirst="/" in until, errors="coerce")
        if pd.isna(day):
            raise SidError(ErrorCode.USAGE, f"--until {until!r} is not a date", fix="Use e.g. 2026-04-15.")
    project = _project()
    render.fieldwork_summary(run_report(project, questionnaire_of(project), until=day))


@report_app.command("tables")
@command
def report_tables() -> None:
    """Weighted tables of the delivery: every labelled question by the breakdowns of [tables]
    (default the origin group), weighted valid % with unweighted n and 95 % intervals, as
    work/tabellen.html and work/tabellen.xlsx (one sheet per module).

    Example: sid report tables
    """
    from pipeline.survey.questionnaire import questionnaire_of
    from pipeline.tabulation.stage import run_tables

    project = _project()
    result = run_tables(project, questionnaire_of(project))
    frame = result.tables.frame
    typer.echo(f"{frame['variabele'].nunique()} questions by {', '.join(result.tables.breakdowns) or 'total'}; "
               f"{int(frame['onderdrukt'].sum())} cells suppressed (base < {result.tables.min_n})")
    typer.echo(f"Tables {result.html}\n       {result.xlsx}")


@app.command()
@command
def weight() -> None:
    """Weights for the cleaned data ([weight] in sid.toml): design weights, nonresponse
    adjustment within strata, raking to the population margins with trimming. Writes
    work/weighted.parquet, work/weights.csv and the diagnostics.

    Example: sid weight
    """
    from pipeline import terminal as render
    from pipeline.run import run_alone
    from pipeline.survey.questionnaire import questionnaire_of
    from pipeline.weighting.stage import run_weight

    project = _project()
    with _writing(project):
        _, result = run_alone(project, "weight", lambda alone: run_weight(alone, questionnaire_of(project)))
    render.weight_summary(result)


@app.command()
@command
def code(
    import_file: Path = typer.Option(None, "--import", help="A coded worklist (.xlsx) to merge into the code frames."),
) -> None:
    """Code open and other-specify answers: code frames, standard classifications (countries,
    languages, municipalities, occupations, degrees) and back-coding; prints the coverage and
    writes the coders' worklist work/coding_worklist.xlsx. With --import, merge a coded worklist
    into schemas/codeframes/ (every code checked; a bad file is refused whole, exit 2).

    Example: sid code --import work/coding_worklist.xlsx
    """
    from pipeline import terminal as render
    from pipeline.coding.stage import import_coding, run_code
    from pipeline.coding.worklist import ImportRefused
    from pipeline.run import run_alone
    from pipeline.survey.questionnaire import questionnaire_of

    project = _project()
    questionnaire = questionnaire_of(project)
    if import_file is not None:
        try:
            with _writing(project):
                result = import_coding(project, questionnaire, import_file)
        except ImportRefused as exc:
            render.coding_import_refused(exc.problems, import_file)
            raise
        render.coding_import_summary(result)
        return
    with _writing(project), render.steps("sid code") as progress:
        _, result = run_alone(project, "code", lambda alone: run_code(alone, questionnaire, progress=progress))
    render.coding_summary(result)


if __name__ == "__main__":
    sys.exit(app())
