"""engine/ is pure: a walk over its AST fails on any forbidden import."""

from __future__ import annotations

import ast
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[2] / "engine"
FORBIDDEN = {"flask", "flask_sqlalchemy", "flask_wtf", "flask_limiter", "flask_migrate",
             "sqlalchemy", "requests", "webauthn", "pywebpush", "pwa", "api"}


def forbidden_imports(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found += [name for name in names if name.split(".")[0] in FORBIDDEN]
    return found


def test_engine_imports_nothing_forbidden():
    files = sorted(ENGINE.rglob("*.py"))
    assert files, "engine/ has no modules?"
    offenders = {str(f.relative_to(ENGINE)): forbidden_imports(f.read_text()) for f in files}
    assert {f: names for f, names in offenders.items() if names} == {}


def test_the_check_itself_catches_each_form_of_import():
    source = "import flask\nfrom sqlalchemy.orm import Session\nimport os, pwa.models\n" \
             "from . import sibling\nfrom api import errors\n"
    assert forbidden_imports(source) == ["flask", "sqlalchemy.orm", "pwa.models", "api"]
