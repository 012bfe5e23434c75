"""The shell's file list, cache version and module preloads come from the files themselves."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from flask_babel import force_locale

from pwa import assets

ROOT = Path(__file__).resolve().parents[2]
JS = ROOT / "static" / "js"


def static_imports(path: Path, seen: set[Path]) -> set[Path]:
    """Modules ``path`` imports with ``import ... from``, followed to the end."""
    for target in re.findall(r"from\s+'(\.[^']+)'", path.read_text()):
        module = (path.parent / target).resolve()
        if module not in seen:
            seen.add(module)
            static_imports(module, seen)
    return seen


def served_shell(client) -> tuple[str, list[str]]:
    source = client.get("/sw.js").get_data(as_text=True)
    version = re.search(r"const VERSION = (\"[0-9a-f]+\");", source)
    shell = re.search(r"const SHELL = (\[[^\]]*\]);", source)
    assert version and shell, "the placeholders were not filled in"
    return json.loads(version.group(1)), json.loads(shell.group(1))


def test_served_sw_lists_every_shell_file_and_each_answers(client):
    version, shell = served_shell(client)
    assert version == assets.version() and len(version) == 12
    assert "{{" not in client.get("/sw.js").get_data(as_text=True)
    modules = {"/" + p.relative_to(ROOT).as_posix() for p in JS.rglob("*.js")
               if "pages" not in p.relative_to(JS).parts}
    css_and_icons = {"/static/css/app.css", "/static/css/pages.css", "/manifest.webmanifest",
                     *("/static/icons/" + p.name for p in (ROOT / "static" / "icons").iterdir())}
    assert set(shell) == {"/app", "/offline"} | modules | css_and_icons
    assert len(shell) == len(set(shell))
    for url in shell:
        response = client.get(url)
        assert response.status_code == 200, url
        response.close()


def test_app_preloads_exactly_what_app_js_imports(client):
    html = client.get("/app").get_data(as_text=True)
    preloaded = re.findall(r'<link rel="modulepreload" href="([^"]+)">', html)
    expected = {"/" + p.relative_to(ROOT).as_posix()
                for p in static_imports(JS / "app.js", set())}
    assert len(preloaded) == len(set(preloaded))
    # With the words of the page's language, which i18n.js imports before anything is drawn.
    assert set(preloaded) == expected | {"/static/js/i18n/en.js"}
    assert "/static/js/views/rate.js" not in preloaded  # loaded when first opened
    assert "/static/js/views/rate.js" in assets.shell_files()  # but ready offline


def test_a_page_in_another_language_preloads_its_words_and_not_englishs(app):
    english = {"/static/js/i18n/en.js"}
    spanish = {"/static/js/catalogues.js", "/static/js/i18n/es.js"}
    with app.test_request_context("/app"):
        with force_locale("es_MX"):
            preloads = set(assets.module_preloads())
            assert preloads & (english | spanish) == spanish
        with force_locale("de"):  # no German catalogue: English
            assert set(assets.module_preloads()) & (english | spanish) == english
    assert set(assets.module_preloads()) & (english | spanish) == english  # outside a request
    for url in spanish | english:
        assert url in assets.shell_files()


@pytest.fixture
def tree(tmp_path, monkeypatch):
    """A copy of the files assets.py reads, so a test can change them."""
    for part in ("static", "service_worker", "pwa/templates"):
        shutil.copytree(ROOT / part, tmp_path / part)
    monkeypatch.setattr(assets, "ROOT", tmp_path)
    monkeypatch.setattr(assets, "STATIC", tmp_path / "static")
    monkeypatch.setattr(assets, "JS", tmp_path / "static" / "js")
    monkeypatch.setattr(assets, "SERVICE_WORKER", tmp_path / "service_worker" / "sw.js")
    monkeypatch.setattr(assets, "TEMPLATES", tmp_path / "pwa" / "templates")
    return tmp_path


def test_the_version_follows_the_served_bytes(tree):
    first = assets.version()
    assert assets.version() == first  # same files, same version
    chart = tree / "static" / "js" / "ui" / "chart.js"
    chart.write_text(chart.read_text() + "\n// Not served: no phone downloads again.\n")
    assert assets.version() == first
    chart.write_text(chart.read_text().replace("const ROW = 40;", "const ROW = 44;"))
    second = assets.version()
    assert second != first
    assert f'"{second}"'.encode() in assets.service_worker_source()
    css = tree / "static" / "css" / "app.css"
    css.write_text(css.read_text().replace("#0b6e4f", "#0b6e50", 1))
    assert assets.version() not in {first, second}


def comment_lines(source: str) -> list[str]:
    """The whole-line comments of a JS or CSS file of ours, without their markers."""
    lines = (line.strip() for line in source.splitlines())
    found = [line.lstrip("/*").rstrip("*/").strip() for line in lines
             if line.startswith(("//", "/*", "* "))]
    return [text for text in found if len(text) > 12]


def test_js_and_css_are_served_minified(client):
    files = [p for p in (ROOT / "static").rglob("*") if p.suffix in (".js", ".css")]
    assert len(files) > 20
    for path in files:
        url = "/" + path.relative_to(ROOT).as_posix()
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.mimetype == assets.MINIFIED[path.suffix]
        assert response.headers["Cache-Control"] == "no-cache" and response.headers["ETag"]
        body, source = response.get_data(as_text=True), path.read_text()
        assert response.data == assets.served(path), url
        # A catalogue of words (js/i18n/) is mostly its strings, which minifying keeps: it
        # must be smaller, and hold no line break between its entries.
        words = path.parent.name == "i18n"
        assert len(body) < (1 if words else 0.9) * len(source), f"{url} is served as written"
        assert not words or "\n" not in body.strip(), f"{url} keeps its layout"
        for comment in comment_lines(source):
            assert comment not in body, f"{url} still holds the comment {comment!r}"
        response.close()
    again = client.get("/static/js/data/sync.js", headers={"If-None-Match": client.get(
        "/static/js/data/sync.js").headers["ETag"]})
    assert again.status_code == 304


def test_other_static_files_are_served_as_they_are_and_nothing_outside(client):
    icon = client.get("/static/icons/icon.svg")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    assert icon.data == (ROOT / "static" / "icons" / "icon.svg").read_bytes()
    icon.close()
    again = client.get("/static/icons/icon.svg", headers={"If-None-Match": icon.headers["ETag"]})
    assert again.status_code == 304
    for url in ("/static/js/missing.js", "/static/js", "/static/../pwa/__init__.py",
                "/static/%2e%2e/pwa/__init__.py"):
        assert client.get(url).status_code == 404, url


def test_every_js_and_css_file_minifies():
    """The server would serve a file the minifier cannot read as written: none of ours."""
    for path in (ROOT / "static").rglob("*"):
        if path.suffix in assets.MINIFIED:
            assert assets.minified(path.read_bytes(), assets.MINIFIED[path.suffix])


# What a line-by-line minifier (JSMin's family) gets wrong: the text of a template literal
# nested in another, "//" inside a template, quotes inside a regular expression.
MODULE = """// The comment goes.
import { t } from './i18n.js';
import './side-effect.js';
export { t as translate };
export const legend = (future) =>
  `<b>${t('you')}</b> ${future ? ` <i>${t('future', { when: `${1 + 1} days` })}</i> ` : ''} //kept`;
export async function later() {
  return (await import('./views/rate.js')).render;
}
export const quotes = /["'`]/g;
"""


def test_minifying_keeps_modules_and_the_text_of_template_literals():
    out = assets.minified(MODULE.encode(), "text/javascript").decode()
    assert "The comment goes" not in out and "\n" not in out
    assert re.search(r"""import\{t\}from(["'])\./i18n\.js\1""", out)
    assert re.search(r"""import(["'])\./side-effect\.js\1""", out)
    assert re.search(r"export\{t as translate\}", out)
    assert "export const legend=" in out and "export async function later()" in out
    assert re.search(r"""import\((["'])\./views/rate\.js\1\)""", out)
    assert "` <i>${" in out and "</i> `" in out and " days`" in out and "} //kept`" in out
    assert """/["'`]/g""" in out
    chart = assets.served(JS / "ui" / "chart.js").decode()
    assert '` <span class="key key-future"></span> ${' in chart


def test_each_content_is_minified_once(tree, monkeypatch):
    calls = []
    real = assets.minified

    def counted(source, mimetype):
        calls.append(source)
        return real(source, mimetype)

    monkeypatch.setattr(assets, "minified", counted)
    monkeypatch.setattr(assets, "_minified", {})
    chart = tree / "static" / "js" / "ui" / "chart.js"
    first = assets.served(chart)
    assert assets.served(chart) == first and len(calls) == 1
    twin = tree / "static" / "js" / "ui" / "twin.js"
    twin.write_bytes(chart.read_bytes())
    assert assets.served(twin) == first and len(calls) == 1  # the content is the key
    chart.write_text(chart.read_text().replace("const ROW = 40;", "const ROW = 44;"))
    assert assets.served(chart) != first and len(calls) == 2


def test_a_file_the_minifier_cannot_read_is_served_as_written_and_logged(tree, caplog,
                                                                        monkeypatch):
    # The migrations' logging set-up (fileConfig) disables loggers that existed before it,
    # and this run migrated its test database: only this process is concerned.
    monkeypatch.setattr(assets.log, "disabled", False)
    broken = tree / "static" / "js" / "ui" / "broken.js"
    broken.write_text("export const x = ;\n")
    with caplog.at_level("WARNING", logger="pwa.assets"):
        assert assets.served(broken) == broken.read_bytes()
    assert "/static/js/ui/broken.js is served unminified" in caplog.text


def test_a_new_module_is_found_and_a_missing_one_fails_loudly(tree):
    js = tree / "static" / "js"
    (js / "ui" / "extra.js").write_text("export const x = 1;\n")
    app = js / "app.js"
    app.write_text("import { x } from './ui/extra.js';\n" + app.read_text())
    assert "/static/js/ui/extra.js" in assets.module_preloads()
    assert "/static/js/ui/extra.js" in assets.shell_files()
    (js / "ui" / "extra.js").unlink()
    with pytest.raises(FileNotFoundError, match="extra.js"):
        assets.shell_files()


def test_sw_without_its_placeholders_is_refused(tree):
    sw = tree / "service_worker" / "sw.js"
    sw.write_text(sw.read_text().replace("[/* {{SHELL}} */]", "['/app']"))
    with pytest.raises(ValueError, match="SHELL"):
        assets.service_worker_source()
