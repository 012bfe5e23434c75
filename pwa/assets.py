"""The offline app's files, found from the static folder, never listed by hand.

The service worker's precache list and cache version, and the ``modulepreload``
links of ``/app``, are derived here from what is on disk: a module added, moved
or edited reaches phones without anyone remembering to bump a number. Pure
helpers; the results are cached per process and recomputed when a file changes
(the cache key holds every file's size and modification time).

The sources stay readable; JS and CSS are served minified (``served``), and the
cache version is a hash of those served bytes, so a change the minifier keeps
(code) is a new version and one it drops (a comment) costs no phone a download.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import minify
from flask_babel import get_locale

from pwa.config import ROOT

STATIC = ROOT / "static"
JS = STATIC / "js"
SERVICE_WORKER = ROOT / "service_worker" / "sw.js"
TEMPLATES = ROOT / "pwa" / "templates"

# The scripts app.html loads itself, and sign-out's (the account page opens offline and
# says what waits on the phone before signing out); the rest is found from their imports.
ENTRIES = ("app.js", "register-sw.js", "install.js", "ui/signout.js")
# Pages the shell serves from the cache: they hold no personal data.
PAGES = ("/app", "/offline")
# Templates of those pages: a change to them is a new version too.
PAGE_TEMPLATES = ("_head.html", "shell/app.html", "shell/offline.html")
# The static files served minified, with their media types.
MINIFIED = {".js": "text/javascript", ".css": "text/css"}
VERSION_PLACEHOLDER = "'{{VERSION}}'"
SHELL_PLACEHOLDER = "[/* {{SHELL}} */]"

_STATIC_IMPORT = re.compile(r"""^\s*(?:import|export)\b[^;'"]*?\bfrom\s*['"](\.{1,2}/[^'"]+)['"]""",
                            re.MULTILINE)
_BARE_IMPORT = re.compile(r"""^\s*import\s*['"](\.{1,2}/[^'"]+)['"]""", re.MULTILINE)
_DYNAMIC_IMPORT = re.compile(r"""\bimport\(\s*['"](\.{1,2}/[^'"]+)['"]\s*\)""")


log = logging.getLogger(__name__)
_minified: dict[str, bytes] = {}  # sha256 of a source -> the bytes served for it
_minified_lock = threading.Lock()
_MINIFIED_KEPT = 256  # a long development session edits many versions of a file


def minified(source: bytes, mimetype: str) -> bytes:
    """``source`` (UTF-8 JS or CSS) minified; raises ``minify.MinifyError`` if it cannot be.

    The minifier parses the code (template literals, regular expressions and
    ``import``/``export`` included) and renames local names only.
    """
    result: str = minify.string(mimetype, source.decode("utf-8"))
    return result.encode("utf-8")


def served(path: Path) -> bytes:
    """The bytes a static file is served as: JS and CSS minified, anything else as it is.

    Minified once per content (keyed by its SHA-256), not per request. A file the
    minifier cannot read is served as written and logged: the browser is the judge
    of the code, and a test holds every file of ours to minifying.
    """
    source = path.read_bytes()
    mimetype = MINIFIED.get(path.suffix)
    if mimetype is None:
        return source
    key = hashlib.sha256(mimetype.encode() + b"\0" + source).hexdigest()
    with _minified_lock:
        hit = _minified.get(key)
        if hit is None:
            try:
                hit = minified(source, mimetype)
            except minify.MinifyError as error:
                log.warning("%s is served unminified: %s", _url(path), error)
                hit = source
            if len(_minified) >= _MINIFIED_KEPT:
                del _minified[next(iter(_minified))]
            _minified[key] = hit
    return hit


def _url(path: Path) -> str:
    return "/" + path.relative_to(ROOT).as_posix()


def _imports(path: Path, *, dynamic: bool) -> list[Path]:
    source = path.read_text(encoding="utf-8")
    found = _STATIC_IMPORT.findall(source) + _BARE_IMPORT.findall(source)
    if dynamic:
        found += _DYNAMIC_IMPORT.findall(source)
    return [(path.parent / target).resolve() for target in found]


def _graph(entries: list[Path], *, dynamic: bool) -> list[Path]:
    """Every module reachable from ``entries``, in the order first met."""
    seen: dict[Path, None] = {}
    todo = list(entries)
    while todo:
        path = todo.pop(0)
        if path in seen:
            continue
        if not path.is_file():
            raise FileNotFoundError(f"{_url(path)} is imported but does not exist")
        seen[path] = None
        todo.extend(_imports(path, dynamic=dynamic))
    return list(seen)


def _signature() -> tuple[tuple[str, int, int], ...]:
    """Size and modification time of every file the results depend on."""
    files = [*sorted(STATIC.rglob("*")), SERVICE_WORKER,
             *(TEMPLATES / name for name in PAGE_TEMPLATES)]
    return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files if p.is_file())


@dataclass(frozen=True)
class _Shell:
    files: tuple[str, ...]
    preloads: tuple[str, ...]
    version: str


@lru_cache(maxsize=4)
def _compute(signature: tuple[tuple[str, int, int], ...]) -> _Shell:
    """Everything at once, for one state of the files (``signature`` is only the cache key)."""
    modules = _graph([JS / name for name in ENTRIES], dynamic=True)
    # Every part of every catalogue, the server pages' words (i18n/*-pages.js) included.
    modules += [p for p in sorted((JS / "i18n").glob("*.js")) if p not in modules]
    preloads = _graph([JS / "app.js"], dynamic=False)[1:]  # app.js is its own <script>
    # Every stylesheet: the learner's own server pages open offline too, with pages.css.
    others = [*sorted((STATIC / "css").glob("*.css")), STATIC / "manifest.webmanifest",
              *sorted((STATIC / "icons").iterdir())]
    files = [*others, *modules]
    digest = hashlib.sha256()
    # What phones receive: the files as served, sw.js and the pages' templates as written.
    for path in files:
        digest.update(_url(path).encode())
        digest.update(served(path))
    for path in [SERVICE_WORKER, *(TEMPLATES / name for name in PAGE_TEMPLATES)]:
        digest.update(_url(path).encode())
        digest.update(path.read_bytes())
    # The manifest is served at the root (its scope), not under /static.
    urls = [("/manifest.webmanifest" if p.name == "manifest.webmanifest" else _url(p))
            for p in files]
    return _Shell(files=(*PAGES, *urls), preloads=tuple(_url(p) for p in preloads),
                  version=digest.hexdigest()[:12])


def shell_files() -> list[str]:
    """The URLs the service worker pre-caches: the pages, CSS, icons, manifest, every module."""
    return list(_compute(_signature()).files)


def version() -> str:
    """A short hash over the shell files as served and sw.js: it changes when any of them does."""
    return _compute(_signature()).version


def module_preloads() -> list[str]:
    """The modules app.js imports, directly or not (lazy ``import()`` left out), and the
    words the page's language needs before anything is drawn, which i18n.js imports first:
    ``i18n/en.js``, or another language's ``catalogues.js`` and ``i18n/<language>.js``.
    """
    preloads = list(_compute(_signature()).preloads)
    locale = get_locale()  # the page's, in a request; None outside one
    words = JS / "i18n" / f"{locale.language if locale is not None else 'en'}.js"
    if words.name == "en.js" or not words.is_file():
        return [*preloads, _url(JS / "i18n" / "en.js")]
    return [*preloads, _url(JS / "catalogues.js"), _url(words)]


def service_worker_source() -> bytes:
    """sw.js with its precache list and version filled in at the placeholders."""
    source = SERVICE_WORKER.read_text(encoding="utf-8")
    for placeholder in (VERSION_PLACEHOLDER, SHELL_PLACEHOLDER):
        if source.count(placeholder) != 1:
            raise ValueError(f"sw.js must hold {placeholder} exactly once")
    source = source.replace(VERSION_PLACEHOLDER, json.dumps(version()))
    source = source.replace(SHELL_PLACEHOLDER, json.dumps(shell_files(), indent=2))
    return source.encode("utf-8")
