"""The layout holds: no import cycle among pipeline's modules (module-level and function-level
imports both count), the survey's definition imports no stage, and pipeline's top level stays small."""

from __future__ import annotations

import ast
from pathlib import Path

PIPELINE = Path(__file__).resolve().parents[1] / "pipeline"
STAGES = {"ingest", "coding", "cleaning", "validation", "weighting", "fieldwork", "delivery", "demo"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PIPELINE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, modules: set[str]) -> set[str]:
    """The pipeline modules `path` imports, wherever in the file the import stands."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("pipeline"):
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in modules else node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("pipeline"))
    return {m for m in found if m in modules}


def import_graph() -> dict[str, set[str]]:
    paths = {_module_name(p): p for p in PIPELINE.rglob("*.py")}
    modules = set(paths)
    return {name: _imports(path, modules) - {name, "pipeline"} for name, path in paths.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_no_import_cycle():
    cycle = find_cycle(import_graph())
    assert cycle is None, " -> ".join(cycle)


def test_find_cycle_finds_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_the_survey_definition_imports_no_stage():
    for name, deps in import_graph().items():
        if name.startswith("pipeline.survey"):
            stages = {d for d in deps if d.split(".")[1] in STAGES}
            assert not stages, f"{name} imports {sorted(stages)}"


def test_top_level_holds_at_most_ten_modules_besides_the_stage_folders():
    top = [p.name for p in PIPELINE.glob("*.py") if p.name != "__init__.py"]
    assert len(top) <= 10, sorted(top)


def _sources() -> dict[Path, str]:
    return {p: p.read_text(encoding="utf-8") for p in PIPELINE.rglob("*.py")}


def test_no_module_over_500_lines_and_run_under_200():
    long = {str(p.relative_to(PIPELINE)): n for p, text in _sources().items() if (n := text.count("\n")) > 500}
    assert not long, long
    assert (PIPELINE / "run.py").read_text(encoding="utf-8").count("\n") < 200


def _local_imports(text: str) -> list[tuple[int, str]]:
    """Imports inside functions that no comment explains (on the line itself or the one above)."""
    lines = text.splitlines()
    found = []
    for fn in ast.walk(ast.parse(text)):
        if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for node in ast.walk(fn):
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    here, above = lines[node.lineno - 1], lines[node.lineno - 2] if node.lineno > 1 else ""
                    if "#" not in here and not above.strip().startswith("#"):
                        found.append((node.lineno, here.strip()))
    return found


def test_imports_stand_at_module_top_unless_a_comment_says_why():
    local = {str(p.relative_to(PIPELINE)): hits for p, text in _sources().items() if (hits := _local_imports(text))}
    assert not local, local


def test_the_cli_calls_stage_entry_points_only():
    """cli.py reaches the pipeline through run.py, the stages' stage.py, the survey's definition
    (project and form), the terminal and the errors; `sid verify` through delivery/verify.py."""
    allowed = {"pipeline", "pipeline.run", "pipeline.terminal", "pipeline.errors", "pipeline.delivery.verify",
               "pipeline.coding.worklist",  # the worklist's ImportRefused, rendered as a table
               "pipeline.lock",  # the project's write lock, held by every command that writes
               "pipeline.privacy"}  # `sid key new`
    cli = Path(__file__).resolve().parents[1] / "cli.py"
    used = {node.module for node in ast.walk(ast.parse(cli.read_text(encoding="utf-8")))
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("pipeline")}
    odd = {m for m in used if m not in allowed and not m.endswith(".stage") and not m.startswith("pipeline.survey.")}
    assert not odd, sorted(odd)
