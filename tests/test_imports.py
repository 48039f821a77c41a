"""The package's shape: no import cycle among ``analyzer`` modules (an import
inside a function counts; one under ``if TYPE_CHECKING:`` does not), and no
function re-exported over a module of the same name."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import types
from pathlib import Path

import pytest

import analyzer

PACKAGE = Path(analyzer.__file__).resolve().parent


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(name: str, path: Path) -> set[str]:
    """The ``analyzer`` modules *name* imports, anywhere in its code."""
    is_package = path.name == "__init__.py"
    out: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for sub in child.orelse:
                    visit(sub)
                continue
            if isinstance(child, ast.Import):
                out.update(a.name for a in child.names if a.name in MODULES)
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = name.split(".") if is_package else name.split(".")[:-1]
                    base = base[: len(base) - (child.level - 1)]
                    target = ".".join(base + ([child.module] if child.module else []))
                else:
                    target = child.module or ""
                for alias in child.names:
                    sub = f"{target}.{alias.name}"
                    out.add(sub if sub in MODULES else target)
            visit(child)

    visit(ast.parse(path.read_text()))
    return {m for m in out if m in MODULES and m != name}


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _cycle() -> list[str] | None:
    """One import cycle, as a path of module names, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def dfs(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(GRAPH[node]):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = dfs(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(GRAPH):
        if node not in state:
            found = dfs(node)
            if found:
                return found
    return None


def test_the_graph_sees_imports_inside_functions():
    assert "analyzer.ingest.load" in GRAPH["analyzer.ingest"]
    assert "analyzer.schema" in GRAPH["analyzer.ingest.formats.smaps.exact"]


def test_no_import_cycle():
    cycle = _cycle()
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def _packages():
    return [m for m, p in MODULES.items() if p.name == "__init__.py"]


@pytest.mark.parametrize("package", _packages())
def test_no_module_shadowed_by_a_function(package):
    mod = importlib.import_module(package)
    for info in pkgutil.iter_modules(mod.__path__):
        if info.name == "__main__":
            continue
        importlib.import_module(f"{package}.{info.name}")
        value = getattr(mod, info.name)
        assert isinstance(value, types.ModuleType), f"{package}.{info.name} is a {type(value).__name__}, not the module"


def test_public_entry_points_kept():
    for name in ("by_kind", "by_process", "by_mapping", "by_host", "totals", "load", "load_dataset", "load_text",
                 "top", "register_accessor", "Dataset"):
        assert callable(getattr(analyzer, name)), name
