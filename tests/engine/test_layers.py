"""The layers stay one way down: a walk over every module's imports fails on a wrong one.

engine/ is guarded by test_purity.py beside this file. Here: the store knows no
HTTP, no templates and no forms; the API knows no pages; no pages module
imports another (but their shared forms); models know nothing above them.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# For each folder: what its modules must not import (a module, or module.name).
RULES: dict[str, set[str]] = {
    "pwa/store": {"flask.request", "flask.session", "flask.g", "flask.render_template",
                  "flask.flash", "flask_wtf", "wtforms", "pwa.pages", "pwa.session",
                  "pwa.sync", "api", "jinja2"},
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
    allowed = {"pwa.pages.forms"}
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
