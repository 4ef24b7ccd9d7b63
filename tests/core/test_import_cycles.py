"""No import cycles among ganstudio's modules, counting the imports made inside functions.

A cycle hidden in a function (A imports B at the top, B imports A when called) still ties the two
modules together: neither can be understood, tested or moved alone, and the order of first use
decides what works. The graph is read from the source with ``ast``, not by importing: every
``import`` and ``from ... import`` statement at any depth (module level, functions, methods),
relative imports resolved; ``from pkg import name`` counts as importing ``pkg.name`` when that is
a module, else ``pkg``. Imports under ``if TYPE_CHECKING:`` never run and are left out.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "ganstudio"


def module_files(package_dir: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every module and package of the package."""
    out = {}
    for path in sorted(package_dir.rglob("*.py")):
        parts = list(path.relative_to(package_dir.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _is_type_checking(test: ast.expr) -> bool:
    return ((isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
            or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"))


def _import_nodes(tree: ast.AST):
    """Every import statement that can run, at any depth."""
    todo = [tree]
    while todo:
        node = todo.pop()
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            todo.extend(node.orelse)  # the body runs only under a type checker
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        todo.extend(ast.iter_child_nodes(node))


def _base_of(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    """The absolute name a ``from X import`` statement reads from."""
    if not node.level:
        return node.module or ""
    here = module.split(".") if is_package else module.split(".")[:-1]
    if node.level > 1:
        here = here[:len(here) - (node.level - 1)]
    return ".".join(here + ([node.module] if node.module else []))


def imports_of(module: str, path: Path, modules: set[str]) -> set[str]:
    """The package's modules that ``module`` imports, anywhere in its code."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    found = set()
    for node in _import_nodes(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
            continue
        base = _base_of(module, is_package, node)
        for alias in node.names:
            full = f"{base}.{alias.name}" if base else alias.name
            found.add(full if full in modules else base)
    return {m for m in found if m in modules and m != module}


def import_graph(package_dir: Path) -> dict[str, set[str]]:
    files = module_files(package_dir)
    names = set(files)
    return {m: imports_of(m, p, names) for m, p in files.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm, written
    with an explicit stack: no recursion limit however deep the chains)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    m = stack.pop()
                    on_stack.discard(m)
                    component.append(m)
                    if m == node:
                        break
                if len(component) > 1:
                    out.append(sorted(component))
    return sorted(out)


def test_ganstudio_has_no_import_cycles():
    found = cycles(import_graph(ROOT / PACKAGE))
    assert not found, "import cycles (each group imports itself round a loop): " + "; ".join(
        " <-> ".join(c) for c in found)


# --- the reader itself, on small packages made here --------------------------------------------

def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        p = tmp_path / "pkg" / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    return tmp_path / "pkg"


def test_an_import_inside_a_function_closes_a_cycle(tmp_path):
    pkg = _package(tmp_path, {"__init__.py": "", "a.py": "from pkg.b import thing\n",
                              "b.py": "def f():\n    from pkg import a\n    return a\n",
                              "c.py": "import pkg.a\n"})
    assert cycles(import_graph(pkg)) == [["pkg.a", "pkg.b"]]


@pytest.mark.parametrize("b_text", [
    "from . import a\n",  # relative, naming a module
    "from .a import x\n",  # relative, naming a name in a module
    "import pkg.a as alias\n",
    "class K:\n    def m(self):\n        from .a import x\n",  # in a method
])
def test_every_form_of_import_is_read(tmp_path, b_text):
    pkg = _package(tmp_path, {"__init__.py": "", "a.py": "import pkg.b\n", "b.py": b_text})
    assert cycles(import_graph(pkg)) == [["pkg.a", "pkg.b"]]


def test_relative_imports_resolve_from_a_subpackage_and_its_init(tmp_path):
    pkg = _package(tmp_path, {"__init__.py": "", "top.py": "from .sub import leaf\n",
                              "sub/__init__.py": "from . import leaf\n",
                              "sub/leaf.py": "from ..top import name\n"})
    graph = import_graph(pkg)
    assert graph["pkg.sub"] == {"pkg.sub.leaf"}
    assert graph["pkg.sub.leaf"] == {"pkg.top"}
    assert cycles(graph) == [["pkg.sub.leaf", "pkg.top"]]


def test_a_name_that_is_not_a_module_counts_as_its_package(tmp_path):
    pkg = _package(tmp_path, {"__init__.py": "from pkg.a import x\n",
                              "a.py": "from pkg import helper\n"})
    assert cycles(import_graph(pkg)) == [["pkg", "pkg.a"]]


def test_type_checking_imports_and_one_way_imports_are_no_cycle(tmp_path):
    pkg = _package(tmp_path, {
        "__init__.py": "", "a.py": "import pkg.b\n",
        "b.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg import a\n"
                "else:\n    import pkg.c\n",
        "c.py": "import json\n"})
    graph = import_graph(pkg)
    assert graph["pkg.b"] == {"pkg.c"}
    assert cycles(graph) == []
