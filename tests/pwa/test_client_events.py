"""The client knows every event type the server does, one module each, and its modules
import in one direction: the router loads the views, never the other way round.

The server declares each event type once (pwa/sync/registry.py); the client says how each
changes what the learner sees in static/js/events/<type>.js, listed by events/index.js.
"""

from __future__ import annotations

import re
from pathlib import Path

from pwa.sync.registry import registry

ROOT = Path(__file__).resolve().parents[2]
JS = ROOT / "static" / "js"
EVENTS = JS / "events"
TYPE = re.compile(r"^export const type = '([\w.]+)';$", re.MULTILINE)
IMPORT = re.compile(r"""(?:\bfrom\s*|\bimport\s*\(?\s*)'(\.{1,2}/[^']+)'""")


def event_modules() -> dict[str, Path]:
    """Each event module by the type it declares; index.js lists them and declares none."""
    found: dict[str, Path] = {}
    for path in sorted(EVENTS.glob("*.js")):
        if path.name == "index.js":
            continue
        types = TYPE.findall(path.read_text())
        assert len(types) == 1, f"{path.name} declares {types}: one type per module"
        assert types[0] not in found, f"{types[0]} is declared twice"
        found[types[0]] = path
    return found


def imports(path: Path) -> set[Path]:
    return {(path.parent / target).resolve() for target in IMPORT.findall(path.read_text())}


def test_the_client_has_one_module_for_each_event_type_of_the_server():
    modules = event_modules()
    assert set(modules) == set(registry().events)
    for type_, path in modules.items():
        assert path.name == f"{type_}.js"
        source = path.read_text()
        assert re.search(r"^export (function apply\(|const apply = )", source, re.MULTILINE)
    loaders = re.findall(r"^  '([\w.]+)': \(\) => import\('\./([\w.]+)'\),$",
                         (EVENTS / "index.js").read_text(), re.MULTILINE)
    assert sorted(loaders) == sorted((t, p.name) for t, p in modules.items()), \
        "events/index.js loads each type's module, named after it, in LOADERS"


def test_no_view_imports_the_router_and_no_module_imports_itself_back():
    views = sorted((JS / "views").glob("*.js"))
    assert [v.name for v in views if (JS / "router.js").resolve() in imports(v)] == []
    graph = {p.resolve(): imports(p) for p in JS.rglob("*.js")}
    circles: list[list[str]] = []
    finished: set[Path] = set()

    def walk(node: Path, path: list[Path]) -> None:
        if node in path:
            circles.append([p.relative_to(JS).as_posix() for p in path[path.index(node):]])
            return
        if node in finished:
            return
        for target in sorted(graph.get(node, ())):
            walk(target, [*path, node])
        finished.add(node)

    for module in sorted(graph):
        walk(module, [])
    assert circles == []
