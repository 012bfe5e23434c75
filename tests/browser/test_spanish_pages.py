"""The server's pages in Spanish at phone size (390x844): a phone set to Mexican Spanish
signs in and enrols in Spanish, and the demo's learner, author and L&D admin, whose locale
is es-MX, walk their pages. On each page nothing is wider than the screen or cut off in
its box, and no English sentence of the catalogue is left on screen where Spanish exists
(the demo's content, such as role and competency names, is written in English and is not
judged here). Screenshots go to test-artifacts/screenshots/80-es-*.png."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from babel.messages.pofile import read_po

from pwa import demo
from pwa.extensions import db
from pwa.models import Person
from tests.browser.harness import SCREENSHOTS, open_phone
from tests.factories import make_invite

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "pwa" / "i18n" / "translations"
SPANISH = {"locale": "es-MX", "timezone_id": "America/Mexico_City"}
SLUG = "store-associate"
PAGES = {
    "learner": ("Ana Ruiz", ["/", "/account", "/account/settings", "/account/passkeys",
                             "/account/sessions", "/account/notifications", "/account/feedback",
                             "/account/data", "/account/data/print", "/roles", f"/roles/{SLUG}",
                             f"/roles/{SLUG}/feedback"]),
    "author": ("Grace Okafor", ["/", "/author", f"/author/{SLUG}", f"/author/{SLUG}/draft",
                                f"/author/{SLUG}/questions"]),
    "ld-admin": (demo.LD_ADMIN[0], ["/", "/admin", "/admin/invites", "/admin/people",
                                    "/admin/authors", "/admin/catalogue",
                                    "/admin/catalogue/new", "/admin/costs", "/admin/jobs",
                                    "/reports", "/reports/gaps", f"/reports/priorities/{SLUG}",
                                    f"/reports/case/{SLUG}", "/reports/practice"]),
}


def english_left() -> list[re.Pattern[str]]:
    """Each English sentence of the catalogue that Spanish says otherwise, as a pattern
    over a page's visible text: its words, with any placeholder or markup as a gap."""
    with (TRANSLATIONS / "es" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        spanish = read_po(f)
    patterns = []
    for message in spanish:
        for english, translated in zip(
                [message.id] if isinstance(message.id, str) else list(message.id),
                [message.string] if isinstance(message.string, str) else list(message.string),
                strict=False):
            if not english or english == translated:
                continue
            text = re.sub(r"&amp;", "&", english)
            parts = [p.strip() for p in re.split(r"<[^>]+>|%\(\w+\)s", text)]
            words = [p for p in parts if len(re.findall(r"[A-Za-z]+", p)) >= 2]
            if not words:  # one word ("Save"): only as the whole of a text on screen
                words = [p for p in parts if len(p) >= 3]
                patterns += [re.compile(rf"^{re.escape(w)}$", re.M) for w in words]
            else:
                patterns += [re.compile(rf"(?<![A-Za-z]){re.escape(w)}(?![A-Za-z])")
                             for w in words]
    return patterns


def demo_content() -> set[str]:
    """Every text of the demo organisation (role names, profiles, items, colleagues' notes):
    content written in English by its owners, which the catalogue does not translate."""
    found: set[str] = set()

    def walk(value: object) -> None:
        if isinstance(value, str):
            found.add(value)
        elif isinstance(value, dict):
            [walk(v) for v in value.values()]
        elif isinstance(value, list):
            [walk(v) for v in value]

    for path in sorted((ROOT / "pwa" / "demo").rglob("*.json")):
        walk(json.loads(path.read_text(encoding="utf-8")))
    for path in sorted((ROOT / "pwa" / "demo").glob("*.py")):
        found |= {node.value for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                  if isinstance(node, ast.Constant) and isinstance(node.value, str)}
    return {" ".join(text.split()) for text in found if len(text) > 2}


SHOWN = """() => {
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    // <code> holds what is typed literally (a CSV file's column names) and translate="no"
    // marks names that stay as they are (the JSON download's field names): not words
    if (!el || el.closest('script, style, template, [hidden], code, [translate="no"]')) continue;
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    if (node.textContent.trim()) texts.push(node.textContent.trim().replace(/\\s+/g, ' '));
  }
  for (const el of document.querySelectorAll('[aria-label], [placeholder], [title], img[alt]')) {
    for (const name of ['aria-label', 'placeholder', 'title', 'alt']) {
      if (el.getAttribute(name)) texts.push(el.getAttribute(name));
    }
  }
  texts.push(document.title);
  const doc = document.scrollingElement;
  const wide = [...document.querySelectorAll('main *')]
    .filter((el) => el.getBoundingClientRect().right > innerWidth + 0.5
      && getComputedStyle(el).position !== 'fixed' && !el.closest('[class*="scroll"], pre'))
    .map((el) => el.tagName.toLowerCase() + (el.className ? '.' + el.className : '')
      + ': ' + el.textContent.trim().slice(0, 40));
  // Text cut off inside its box: a button, label, cell or heading narrower than its words.
  const clipped = [...document.querySelectorAll(
    'main button, main .button, main label, main th, main td, main h1, main h2, main h3, nav a')]
    .filter((el) => el.getClientRects().length && (el.scrollWidth > el.clientWidth + 1)
      && getComputedStyle(el).overflowX !== 'visible')
    .map((el) => el.tagName.toLowerCase() + ': ' + el.textContent.trim().slice(0, 40));
  return { texts, lang: document.documentElement.lang, wide: wide.slice(0, 5), clipped,
           scrollWidth: doc.scrollWidth, clientWidth: doc.clientWidth };
}"""


CONTENT = demo_content()


def judge(page, name: str, patterns: list[re.Pattern[str]], problems: list[str]) -> None:
    page.wait_for_load_state()
    seen = page.evaluate(SHOWN)
    where = f"{name} ({page.url})"
    if not seen["lang"].startswith("es"):
        problems.append(f"{where}: lang={seen['lang']}")
    if seen["scrollWidth"] > seen["clientWidth"]:
        problems.append(f"{where}: {seen['scrollWidth']}px wide in {seen['clientWidth']}px, "
                        f"{seen['wide']}")
    if seen["clipped"]:
        problems.append(f"{where}: text cut off in {seen['clipped']}")
    shown = "\n".join(t for t in seen["texts"]
                      if t not in CONTENT
                      and not (len(t) >= 12 and any(t in c for c in CONTENT)))
    left = sorted({m.group(0) for p in patterns for m in [p.search(shown)] if m})
    if left:
        problems.append(f"{where}: English left: {left}")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"80-es-{name}.png"), full_page=True)


def enrol_in_spanish(browser, server, name: str, patterns, problems) -> object:
    """A phone set to Spanish opens its invite: the page speaks Spanish before anyone is
    signed in (the browser's language), and the passkey is made with Spanish labels."""
    with server.app.app_context():
        person = db.session.scalar(sa.select(Person).where(Person.display_name == name))
        person.locale = "es-MX"
        db.session.commit()
        person_id = person.id
    token = make_invite(server.app, person_id)
    phone = open_phone(browser, **SPANISH)
    page = phone.page
    page.goto(f"{server.url}/enrol/{token}")
    judge(page, f"enrol-{name.split()[0].lower()}", patterns, problems)
    page.get_by_label("Ponle un nombre a este dispositivo").fill("Teléfono del trabajo")
    page.get_by_role("button", name="Crear mi llave de acceso").click()
    page.wait_for_url(f"{server.url}/")
    return phone


def test_the_server_pages_speak_spanish_and_fit_a_phone(browser, live_server):
    server = live_server
    with server.app.app_context():
        demo.seed()
        db.session.commit()
    patterns = english_left()
    problems: list[str] = []
    stranger = open_phone(browser, **SPANISH)
    try:
        for path, name in [("/signin", "signin"), ("/enrol/not-a-token", "invite-refused"),
                           ("/no-such-page", "not-found")]:
            stranger.page.goto(f"{server.url}{path}")
            judge(stranger.page, name, patterns, problems)
    finally:
        stranger.context.close()
    for role, (name, paths) in PAGES.items():
        phone = enrol_in_spanish(browser, server, name, patterns, problems)
        try:
            for path in paths:
                phone.page.goto(f"{server.url}{path}")
                label = re.sub(r"[^a-z0-9]+", "-", path.replace(SLUG, "one")).strip("-")
                judge(phone.page, f"{role}-{label or 'home'}", patterns, problems)
            if role == "ld-admin":  # an invite made in Spanish: its QR code and link page
                page = phone.page
                page.goto(f"{server.url}/admin/invites")
                page.get_by_label("Nombre completo").fill("Lucía Fernández")
                page.get_by_label("Puesto").select_option(SLUG)
                page.get_by_role("button", name="Crear invitación").click()
                page.get_by_text("Invitación para Lucía Fernández").first.wait_for()
                judge(page, "ld-admin-invite-made", patterns, problems)
            assert phone.csp_violations() == []
        finally:
            phone.context.close()
    assert problems == [], "\n".join(problems)
