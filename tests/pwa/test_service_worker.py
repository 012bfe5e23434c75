"""The service worker pre-caches every module the offline app imports."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def imports_of(path: Path, seen: set[Path]) -> set[Path]:
    """Every module reachable from ``path``: static imports and lazy ``import()``."""
    if path in seen:
        return seen
    seen.add(path)
    for target in re.findall(r"(?:from |import\()\s*'(\.[^']+)'", path.read_text()):
        imports_of((path.parent / target).resolve(), seen)
    return seen


def test_precache_list_holds_the_whole_offline_app(client):
    sw = client.get("/sw.js").get_data(as_text=True)
    shell = set(re.findall(r'"(/static/[^"]+)"', sw))
    needed = imports_of(ROOT / "static" / "js" / "app.js", set())
    needed.add(ROOT / "static" / "js" / "register-sw.js")
    needed.add(ROOT / "static" / "js" / "install.js")
    missing = {"/" + str(p.relative_to(ROOT)) for p in needed} - shell
    assert missing == set()


def test_sw_and_manifest_are_served_for_the_root_scope(client):
    sw = client.get("/sw.js")
    assert sw.status_code == 200 and sw.mimetype == "text/javascript"
    assert sw.headers["Cache-Control"] == "no-cache"
    assert sw.headers["Service-Worker-Allowed"] == "/"
    manifest = client.get("/manifest.webmanifest")
    assert manifest.mimetype == "application/manifest+json"
    data = manifest.get_json(force=True)
    assert data["display"] == "standalone" and data["start_url"] == "/app"
    assert {i["sizes"] for i in data["icons"]} == {"192x192", "512x512"}
    assert any(i["purpose"] == "maskable" for i in data["icons"])
    for icon in data["icons"]:
        response = client.get(icon["src"])
        assert response.status_code == 200 and response.mimetype == "image/png"
        response.close()
    shell = client.get("/app")
    assert shell.status_code == 200 and b'rel="manifest"' in shell.data


def served_version(client) -> str:
    source = client.get("/sw.js").get_data(as_text=True)
    found = re.search(r'const VERSION = "([0-9a-f]{12})";', source)
    assert found, "the version was not filled in"
    return found.group(1)


def test_the_version_is_a_hash_of_the_bytes_served_not_of_the_sources(client, monkeypatch):
    """Minified the same sources another way (a new minifier, say), phones must download
    again: what they hold would no longer be what the server sends."""
    from pwa import assets

    before = served_version(client)
    minified = assets.minified
    monkeypatch.setattr(assets, "minified", lambda source, kind: minified(source, kind) + b"\n")
    monkeypatch.setattr(assets, "_minified", {})
    assets._compute.cache_clear()  # no file changed: the per-process cache would hold
    try:
        after = served_version(client)
        assert after != before
        module = client.get("/static/js/app.js")
        assert module.data == minified((ROOT / "static/js/app.js").read_bytes(),
                                       "text/javascript") + b"\n"
        module.close()
    finally:
        assets._compute.cache_clear()
