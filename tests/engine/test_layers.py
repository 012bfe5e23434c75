"""The layers stay one way down: a walk over every module's imports fails on a wrong one.

engine/ is guarded by test_purity.py beside this file. Here: the store knows no
HTTP, no templates, no forms and no language (the translation layer, pwa.i18n,
is passed in by whoever speaks to a person); the API knows no pages; no pages
module imports another (but their shared forms); models know nothing above them;
and no module of ours (engine, api, pwa) imports itself back through others.

What counts as an import for the circles: every ``import`` and ``from ... import``
statement, at module level or inside a function (it runs when it is called, and
the two modules still need each other), relative ones resolved; ``from a import b``
counts as importing module ``a.b`` where ``b`` is a module, else ``a``. Not counted:
imports under ``if TYPE_CHECKING:`` (they never run: two models whose relationships
name each other need them for their annotations), and a module's parent packages
(importing ``pwa.store.plans`` runs ``pwa/__init__``, whose app factory imports
everything, but only when it is called, which importing never does).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# For each folder: what its modules must not import (a module, or module.name).
RULES: dict[str, set[str]] = {
    "pwa/store": {"flask.request", "flask.session", "flask.g", "flask.render_template",
                  "flask.flash", "flask_wtf", "wtforms", "pwa.pages", "pwa.session",
                  "pwa.sync", "pwa.i18n", "flask_babel", "api", "jinja2"},
    "pwa/models": {"flask", "pwa.store", "pwa.pages", "pwa.sync", "pwa.session", "api"},
    "pwa/sync": {"flask.request", "flask.session", "flask.render_template", "flask_wtf",
                 "wtforms", "pwa.pages", "pwa.session", "api"},
    "api": {"pwa.pages", "flask.render_template", "flask_wtf.FlaskForm", "wtforms", "jinja2"},
}


def imports(source: str, module: str) -> set[str]:
    """Every ``module`` and ``module.name`` a source imports (relative ones resolved)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = module.rsplit(".", node.level)[0]
                base = f"{parent}.{base}" if base else parent
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return found


def breaks(found: set[str], forbidden: set[str]) -> list[str]:
    return sorted(name for name in found
                  if any(name == f or name.startswith(f + ".") for f in forbidden))


def modules(folder: str) -> list[tuple[str, Path]]:
    return [(".".join(p.relative_to(ROOT).with_suffix("").parts), p)
            for p in sorted((ROOT / folder).rglob("*.py"))]


@pytest.mark.parametrize("folder", sorted(RULES))
def test_each_layer_imports_only_what_is_below_it(folder):
    found = modules(folder)
    assert found, f"{folder} has no modules?"
    offenders = {name: breaks(imports(path.read_text(), name), RULES[folder])
                 for name, path in found}
    assert {name: bad for name, bad in offenders.items() if bad} == {}


def test_no_pages_module_imports_another():
    pages = {name for name, _ in modules("pwa/pages")} - {"pwa.pages.__init__"}
    allowed = {"pwa.pages.forms", "pwa.pages.figures"}  # helpers, not blueprints
    offenders = {}
    for name, path in modules("pwa/pages"):
        others = {p for p in pages - allowed - {name}}
        bad = breaks(imports(path.read_text(), name), others)
        if bad:
            offenders[name] = bad
    assert offenders == {}


def test_the_check_itself_catches_each_form():
    source = ("from flask import request\nimport wtforms\nfrom pwa.pages import home\n"
              "from . import sibling\nfrom ..pages.admin import bp\n")
    found = imports(source, "pwa.store.people")
    assert breaks(found, RULES["pwa/store"]) == [
        "flask.request", "pwa.pages", "pwa.pages.admin", "pwa.pages.admin.bp",
        "pwa.pages.home", "wtforms"]
    assert "pwa.store.sibling" in found


def test_no_test_module_imports_another():
    """Shared helpers live in tests/factories.py (and the browser harness), not in tests."""
    offenders = {}
    for name, path in modules("tests"):
        bad = sorted(n for n in imports(path.read_text(), name)
                     if n.split(".")[-1].startswith("test_") or ".test_" in n
                     or n.startswith("tests.conftest") or n.startswith("tests.api.conftest"))
        if bad:
            offenders[name] = bad
    assert offenders == {}


# Import circles ---------------------------------------------------------------------------

PACKAGES = ("engine", "api", "pwa")


def _runtime_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node of ``tree`` but those under ``if TYPE_CHECKING:`` (never run)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                stack.extend(child.orelse)
                continue
            stack.append(child)


def _ours(name: str, known: set[str]) -> str | None:
    """The module of ours that importing ``name`` runs: its longest known prefix."""
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def module_imports(source: str, module: str, is_package: bool, known: set[str]) -> set[str]:
    """The modules of ours (names in ``known``) that ``source`` imports, as counted above."""
    found: set[str] = set()
    for node in _runtime_nodes(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {m for alias in node.names if (m := _ours(alias.name, known))}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = module if is_package else module.rpartition(".")[0]
                for _ in range(node.level - 1):
                    parent = parent.rpartition(".")[0]
                base = f"{parent}.{base}" if base else parent
            for alias in node.names:
                inner = f"{base}.{alias.name}"
                m = inner if inner in known else _ours(base, known)
                if m:
                    found.add(m)
    found.discard(module)
    return found


def import_graph(root: Path, packages: tuple[str, ...] = PACKAGES) -> dict[str, set[str]]:
    """Module -> the modules of ours it imports, for every module under ``packages``."""
    files: dict[str, Path] = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            files[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    known = set(files)
    return {name: module_imports(path.read_text(), name, path.name == "__init__.py", known)
            for name, path in files.items()}


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each group of modules that import one another, round a circle (Tarjan's components)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(start: str) -> None:
        # Iterative depth-first search: (module, its imports still to visit).
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, todo = work[-1]
            for nxt in todo:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph.get(nxt, ())))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        found.append(sorted(group))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return sorted(found)


def test_no_module_of_ours_imports_itself_back():
    graph = import_graph(ROOT)
    assert len(graph) > 50, "the walk found too few modules?"
    assert circles(graph) == []


def test_the_circle_check_itself_catches_each_form(tmp_path):
    tree = {
        # A circle through a function-level import and a relative one.
        "pwa/__init__.py": "",
        "pwa/sync/__init__.py": "",
        "pwa/sync/ingest.py": "from pwa.sync.registry import registry\n",
        "pwa/sync/registry.py": "def registry():\n    from . import ingest\n",
        # A longer one, through a package's __init__ and `import a.b`.
        "pwa/store/__init__.py": "from pwa.store import plans\n",
        "pwa/store/plans.py": "import engine.plan\n",
        "engine/__init__.py": "",
        "engine/plan.py": "from pwa.store import people\n",
        "pwa/store/people.py": "from pwa.store import Batch\n",
        # Not a circle: only for the type checker.
        "api/__init__.py": "",
        "api/a.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from api import b\n",
        "api/b.py": "from api import a\n",
    }
    for name, text in tree.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    graph = import_graph(tmp_path)
    assert graph["pwa.sync.registry"] == {"pwa.sync.ingest"}
    assert graph["pwa.store.people"] == {"pwa.store"}
    assert circles(graph) == [
        ["engine.plan", "pwa.store", "pwa.store.people", "pwa.store.plans"],
        ["pwa.sync.ingest", "pwa.sync.registry"]]
