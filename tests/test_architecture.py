"""The package's layers: imports flow one way, no import circles, small modules.

Layers, lowest first (ARCHITECTURE.md): foundation modules (dims, defaults, families,
backend, atomic), data, specification, model, inference, analysis, validation, plotting, app.
A module may import from its own layer and the layers below it, never from a layer above;
imports used only for type hints sit under ``if TYPE_CHECKING:`` and are not counted.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import causal_model

PACKAGE = Path(causal_model.__file__).parent
LAYERS = (
    "foundation",
    "data",
    "specification",
    "model",
    "inference",
    "analysis",
    "validation",
    "plotting",
    "app",
)
MAX_LINES = 400


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _layer(module: str) -> str:
    if module == "causal_model.__main__":  # the command line's entry point
        return "app"
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in LAYERS:
        return parts[1]
    return "foundation"


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(module: str, path: Path) -> tuple[set[str], list[str]]:
    """Package modules imported at run time, and imports of package modules inside functions."""
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    nested: list[str] = []

    def resolve(node: ast.ImportFrom) -> str:
        if node.level == 0:
            return node.module or ""
        base = module.split(".")
        if path.name != "__init__.py":
            base = base[:-1]
        base = base[: len(base) - (node.level - 1)]
        return ".".join([*base, node.module] if node.module else base)

    def names(node) -> list[str]:
        if isinstance(node, ast.Import):
            return [a.name for a in node.names]
        target = resolve(node)
        # "from causal_model.data import sources" imports the module sources; only names that
        # are not modules make it an import of the package itself
        modules = [f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in MODULES]
        others = [a for a in node.names if f"{target}.{a.name}" not in MODULES]
        return modules + ([target] if others else [])

    def visit(node, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                continue
            if isinstance(child, ast.Import | ast.ImportFrom):
                for name in names(child):
                    if name == "causal_model" or name.startswith("causal_model."):
                        while name not in MODULES and "." in name:
                            name = name.rsplit(".", 1)[0]
                        if name != module:
                            found.add(name)
                            if in_function:
                                nested.append(name)
            inner = in_function or isinstance(
                child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
            )
            visit(child, inner)

    visit(tree, False)
    return found, nested


GRAPH = {m: _imports(m, p) for m, p in MODULES.items()}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_only_from_its_layer_and_below(module):
    mine = LAYERS.index(_layer(module))
    upward = [
        other
        for other in GRAPH[module][0]
        if LAYERS.index(_layer(other)) > mine and other != "causal_model"
    ]
    assert not upward, f"{module} ({_layer(module)}) imports from a layer above it: {upward}"


def test_no_import_circles():
    graph = {m: {o for o in deps if o != "causal_model"} for m, (deps, _) in GRAPH.items()}
    # a package's __init__ re-exports its modules: importing the package means importing them
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def dfs(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                dfs(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            dfs(node)
    assert not cycles, "import circles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_no_package_imports_inside_functions():
    """A package import inside a function hides a dependency (and often a circle)."""
    offenders = {m: sorted(set(n)) for m, (_, n) in GRAPH.items() if n}
    assert not offenders, f"imports of package modules inside functions: {offenders}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_modules_are_small(module):
    n = len(MODULES[module].read_text().splitlines())
    assert n <= MAX_LINES, f"{module} has {n} lines (at most {MAX_LINES}): split it by job"


def test_the_test_sees_every_layer():
    assert {_layer(m) for m in MODULES} == set(LAYERS)
    assert len(MODULES) > 40
