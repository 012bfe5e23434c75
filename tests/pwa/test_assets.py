"""The shell's file list, cache version and module preloads come from the files themselves."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

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
    assert set(preloaded) == expected
    assert "/static/js/views/rate.js" not in preloaded  # loaded when first opened
    assert "/static/js/views/rate.js" in assets.shell_files()  # but ready offline


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


def test_the_version_changes_with_any_shell_file(tree):
    first = assets.version()
    assert assets.version() == first  # same files, same version
    chart = tree / "static" / "js" / "ui" / "chart.js"
    chart.write_text(chart.read_text() + "\n// changed\n")
    second = assets.version()
    assert second != first
    assert f'"{second}"'.encode() in assets.service_worker_source()
    css = tree / "static" / "css" / "app.css"
    css.write_text(css.read_text().replace("#0b6e4f", "#0b6e50", 1))
    assert assets.version() not in {first, second}


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
