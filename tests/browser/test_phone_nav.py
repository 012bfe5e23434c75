"""One navigation for every screen, at phone size: each demo role (learner, author, L&D
admin) walks every page and app view it can reach, at 390x844 and at 320x640. On each,
the bar has at most five destinations, all inside the viewport and none clipped, the page
never scrolls sideways, the end of the content is not hidden behind the bar, and the
current destination is marked."""

from __future__ import annotations

import re
from urllib.parse import urldefrag, urlsplit

import pytest

from pwa import demo
from pwa.extensions import db
from tests.browser.harness import SCREENSHOTS, enrol, wait_for_app

pytestmark = pytest.mark.browser

ROLES = {
    "learner": ("Ana Ruiz", "store-associate", {}),
    "author": ("Grace Okafor", "store-associate", {}),
    "ld-admin": (demo.LD_ADMIN[0], demo.LD_ADMIN[1], {"ld_admin": True}),
}
SIZES = [(390, 844), (320, 640)]
# Path and hash words that name a kind of page; any other segment (a slug, a key, an id) is
# one of many of the same kind, and one of each kind is walked.
WORDS = {"", "account", "settings", "passkeys", "sessions", "data", "print", "roles",
         "versions", "changes", "feedback", "author", "draft", "competency", "preview",
         "admin", "invites", "authors", "catalogue", "new", "retire", "reports", "gaps",
         "priorities", "case", "app", "plan", "add", "suggest", "mentoring", "lesson", "rate",
         "review", "results", "assess", "privacy", "practice", "play", "extra"}
SHOTS = {"/", "/account", "/app#/", "/app#/practice", "/app#/plan", "/app#/results",
         "/app#/plan/suggest", "/roles/*", "/author/*", "/admin/catalogue", "/reports/priorities/*"}


def shape(url: str) -> str:
    """The kind of page ``url`` is: its path and hash, every non-word segment as ``*``."""
    base, fragment = urldefrag(url)

    def kinds(path: str) -> str:
        return "/".join(p if p in WORDS else "*" for p in path.split("/"))

    return kinds(urlsplit(base).path) + (f"#{kinds(fragment)}" if fragment else "")


def expected(url: str) -> str:
    """The destination a page belongs to: Home, Practice, Plan, Assess (the app's views), or
    Account (the account and what is reached from it, the app's language view too)."""
    base, fragment = urldefrag(url)
    path = urlsplit(base).path
    if path == "/":
        return "home"
    if path == "/app" and re.match(r"/?(practice|reminders)\b", fragment):
        return "practice"
    if path == "/app" and re.match(r"/?language\b", fragment):
        return "account"  # the person's own setting, reached from Account
    if path == "/app":
        return "plan" if re.match(r"/?(plan|mentoring|lesson)\b", fragment) else "assess"
    return "account"


CHECK = """() => {
  const nav = document.querySelector('nav.tabbar');
  const items = [...nav.querySelectorAll('a, button')];
  const bar = nav.getBoundingClientRect();
  const main = document.querySelector('main');
  return {
    count: items.length,
    items: items.map((el) => {
      const r = el.getBoundingClientRect();
      return { text: el.textContent.trim(), left: r.left, right: r.right, top: r.top,
               bottom: r.bottom, width: r.width, height: r.height,
               clipped: el.scrollWidth > el.clientWidth + 1
                 || el.scrollHeight > el.clientHeight + 1,
               current: el.getAttribute('aria-current'), nav: el.dataset.nav };
    }),
    scrollWidth: document.scrollingElement.scrollWidth,
    innerWidth, innerHeight,
    barTop: bar.top,
    mainBottom: main.getBoundingClientRect().bottom,
  };
}"""

LINKS = """() => [...document.querySelectorAll('main a[href], nav.tabbar a[href]')]
  .filter((a) => !a.hasAttribute('download') && a.target !== '_blank')
  .map((a) => a.href)"""


def settle(page, url: str) -> None:
    """Open ``url`` and wait until what it shows is drawn (an app view draws after load)."""
    page.goto(url)
    if urlsplit(url).path == "/app":
        page.wait_for_function("""() => {
          const app = document.getElementById('app');
          return app.dataset.ready && !app.querySelector('h1')?.textContent.includes('Loading');
        }""", timeout=10_000)
        page.wait_for_timeout(150)  # a view's late parts (a lesson's cards) may follow
    else:
        page.wait_for_load_state()


def check(page, url: str, problems: list[str]) -> None:
    seen = page.evaluate(CHECK)
    where = f"{url} at {seen['innerWidth']}x{seen['innerHeight']}"
    if not 1 <= seen["count"] <= 5:
        problems.append(f"{where}: {seen['count']} destinations")
    for item in seen["items"]:
        inside = (item["left"] >= 0 and item["right"] <= seen["innerWidth"] + 0.5
                  and item["top"] >= 0 and item["bottom"] <= seen["innerHeight"] + 0.5)
        if not inside or item["clipped"]:
            problems.append(f"{where}: {item['text']!r} clipped or outside: {item}")
        if item["height"] < 44 or item["width"] < 44:
            problems.append(f"{where}: {item['text']!r} is smaller than 44px: {item}")
    if seen["scrollWidth"] > seen["innerWidth"]:
        problems.append(f"{where}: scrolls sideways ({seen['scrollWidth']}px)")
    current = [i["nav"] for i in seen["items"] if i["current"] == "page"]
    if current != [expected(page.url)]:
        problems.append(f"{where}: current is {current}, expected {expected(page.url)}")
    page.evaluate("() => window.scrollTo(0, document.scrollingElement.scrollHeight)")
    bottom = page.evaluate(CHECK)
    if bottom["mainBottom"] > bottom["barTop"] + 0.5:
        problems.append(f"{where}: the content's end is behind the bar ({bottom})")


def walk(phone, server, role: str, size: tuple[int, int]) -> set[str]:
    """Visit every kind of page reachable from Home and the app for ``role``; check each."""
    page = phone.page
    page.set_viewport_size({"width": size[0], "height": size[1]})
    origin = server.url
    todo = [f"{origin}/", f"{origin}/app#/"]
    visited: dict[str, str] = {}
    problems: list[str] = []
    while todo and len(visited) < 80:
        url = todo.pop(0)
        if shape(url) in visited:
            continue
        settle(page, url)
        kind = shape(page.url)  # a redirect may have led elsewhere
        visited.setdefault(shape(url), url)
        if kind != shape(url) and kind in visited:
            continue
        visited[kind] = page.url
        check(page, page.url, problems)
        if kind in SHOTS:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            name = re.sub(r"[^a-z0-9]+", "-", kind.replace("*", "one")).strip("-") or "home"
            page.evaluate("() => window.scrollTo(0, 0)")
            page.screenshot(path=str(SCREENSHOTS / f"70-nav-{role}-{size[0]}-{name}.png"))
        for link in page.evaluate(LINKS):
            parts = urlsplit(link)
            if (link.startswith(origin) and not parts.path.startswith(("/api/", "/static/"))
                    and parts.path not in {"/signout", "/signin"}
                    and shape(link) not in visited):
                todo.append(link)
    assert problems == [], "\n".join(problems)
    return set(visited)


@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_and_view_has_one_bar_that_fits_a_phone(phone, live_server, role):
    server = live_server
    with server.app.app_context():
        demo.seed()
        db.session.commit()
    name, slug, details = ROLES[role]
    enrol(phone, server, name, role=slug, **details)
    phone.page.goto(f"{server.url}/app")
    wait_for_app(phone.page)
    kinds = [walk(phone, server, role, size) for size in SIZES]
    assert kinds[0] == kinds[1]  # the same pages at both widths
    walked = kinds[0]
    # Nothing was lost when the bar shrank to its destinations: each is reached.
    must = {"/", "/app#/", "/app#/practice", "/app#/plan", "/app#/results", "/account",
            "/roles", "/roles/*", "/account/sessions", "/account/passkeys"}
    if role == "author":
        must |= {"/author", "/author/*"}
    if role == "ld-admin":
        must |= {"/admin", "/admin/catalogue", "/reports", "/reports/priorities/*",
                 "/reports/gaps"}
    missing = must - walked
    assert not missing, f"not reached: {missing}; walked {sorted(walked)}"
    assert phone.csp_violations() == []
