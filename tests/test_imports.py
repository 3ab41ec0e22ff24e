"""The house's plan holds in its imports (STYLE.md): arrows point one way, specs -> landscapes | optimizers ->
experiments -> export -> study -> cli | ui, and no module imports itself back through others. The graph is read from
the source with `ast`, imports inside functions included, so a lazy import cannot hide a cycle."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.browser_support import ROOT

# Each package's layer: a package may import its own modules and those of lower layers only (equal layers are
# siblings that never import each other). What sits on top (cmx.py, app.py, benchmarks/, tests/) may import anything
# and nothing imports it, except the tests, which import benchmarks.
LAYERS = {"specs": 0, "landscapes": 1, "optimizers": 1, "experiments": 2, "export": 3, "study": 4, "cli": 5, "ui": 5,
          "cmx": 6, "app": 6, "benchmarks": 6}
LARGEST_FILE_LINES = 700  # no Python file outside the tests is longer (issue 20)


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules() -> dict[str, Path]:
    """Every module of the project by its dotted name (the tests' apps and notebooks aside)."""
    files = [ROOT / "cmx.py", ROOT / "app.py"] + [path for package in LAYERS if (ROOT / package).is_dir()
                                                  for path in sorted((ROOT / package).rglob("*.py"))]
    return {module_name(path): path for path in files}


def imported(module: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules `module` imports anywhere in its file: `from a.b import c` names a.b.c when c is a
    module, else a.b (its __init__ runs). The project writes no relative imports."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{module} imports relatively: write the absolute name"
            base = node.module or ""
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base)
    return {name for name in found if name in modules and name != module}


def import_graph() -> dict[str, set[str]]:
    modules = project_modules()
    return {module: imported(module, path, modules) for module, path in modules.items()}


def top(module: str) -> str:
    return module.partition(".")[0]


def test_the_import_graph_sees_the_packages_and_their_lazy_imports():
    graph = import_graph()
    assert {"specs.fields", "optimizers.base", "experiments.work", "ui.pages.learn", "cmx"} <= set(graph)
    assert "experiments.basin_map" in graph["benchmarks.work_weights"]  # imported inside a function


def test_imports_run_down_the_layers_only():
    wrong = sorted(f"{module} imports {target}" for module, targets in import_graph().items() for target in targets
                   if top(target) != top(module) and LAYERS[top(target)] >= LAYERS[top(module)])
    assert wrong == []


def test_no_import_runs_in_a_circle():
    graph = import_graph()
    state: dict[str, int] = {}  # 1 while on the current path, 2 once every path from it is explored
    cycles = []

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                cycles.append(" -> ".join([*path[path.index(target):], target]))
            elif target not in state:
                visit(target, [*path, target])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_no_python_file_outside_the_tests_is_longer_than_700_lines():
    long = {str(path.relative_to(ROOT)): len(path.read_text().splitlines()) for path in project_modules().values()}
    assert {name: lines for name, lines in long.items()
            if lines > LARGEST_FILE_LINES} == {}
