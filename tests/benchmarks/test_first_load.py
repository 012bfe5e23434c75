"""First load: gzipped bytes of everything the first page loads (icons excluded).

The page is /app (the manifest's start_url), opened signed in as a demo learner
on a fresh phone, until it says "All saved". Each response body is gzipped
(level 6, as a server would) and summed, split into the app shell, the
learner's data (the bundle) and the lessons the service worker keeps for
offline use (fetched behind the first view, but bytes the phone downloads all
the same). The page does not see its service worker's requests, so the lessons
are counted as the server sent them: every catalogue answer of the run. Goal:
30 KB or less in all; the test fails above it.

Also printed, not part of the goal: what the service worker keeps for offline
that the first view did not load (the views opened later, pages.css, /offline,
the manifest). The phone downloads those too, when the worker installs; a
module made lazy moves its bytes there rather than saving them.

Measured in English and in Spanish (Ana's own setting, es-ES): each language's
first load carries its own shell catalogue only, as long as the server renders
/app in that language (its ``lang`` says which words i18n.js loads first and the
page preloads); a page in English for a Spanish learner loads both.
"""

from __future__ import annotations

import gzip

import pytest
import sqlalchemy as sa
from flask import request, request_finished

from pwa.extensions import db
from pwa.models import Person
from tests.browser.harness import open_phone, wait_until
from tests.factories import make_invite

GOAL = 30 * 1024
SAVED = {"en-GB": "All saved", "es-ES": "Todo guardado"}


@pytest.mark.benchmark
@pytest.mark.parametrize("locale", list(SAVED))
def test_first_load_bytes(browser, live_server, runner, capsys, locale):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    with live_server.app.app_context():
        person = db.session.scalar(sa.select(Person).where(Person.display_name == "Ana Ruiz"))
        person.locale = locale
        ana = person.id
        db.session.commit()
    phone = open_phone(browser)
    page = phone.page
    page.goto(f"{live_server.url}/enrol/{make_invite(live_server.app, ana)}")
    page.get_by_role("button", name="Create my passkey").click()
    page.wait_for_url(f"{live_server.url}/")

    sent = []  # the catalogue's answers, whoever asked: the service worker keeps lessons

    def record(sender, response, **extra):
        if request.path.startswith("/api/v1/catalog/") and response.status_code == 200:
            sent.append(response.get_data())

    request_finished.connect(record, live_server.app)
    first = phone.context.new_page()
    loaded = []
    def keep(response):
        loaded.append(response)

    first.on("response", keep)
    first.goto(f"{live_server.url}/app")
    first.get_by_role("status").filter(has_text=SAVED[locale]).wait_for(timeout=15_000)
    first.wait_for_load_state("networkidle")
    first.remove_listener("response", keep)  # what follows only measures
    wanted = first.evaluate("""async () => {
        const bundle = await (await fetch('/api/v1/bootstrap')).json();
        return bundle.content.items;
    }""")
    wait_until(first, """async (wanted) => {
        const cache = await caches.open('skillpath-content');
        return (await cache.keys()).length >= wanted.length;
    }""", wanted)
    kept = first.evaluate(
        "async () => (await (await caches.open('skillpath-content')).keys()).length")
    request_finished.disconnect(record, live_server.app)
    content = sum(len(gzip.compress(body, 6)) for body in sent)
    shell = data = 0
    seen = set()
    for response in loaded:
        kind = response.headers.get("content-type", "")
        if kind.startswith("image/") or response.status == 304 or response.request.method != "GET":
            continue
        seen.add(response.url.split("?")[0])
        if "/api/v1/catalog/" in response.url:
            continue  # counted as the server sent it (sent)
        size = len(gzip.compress(response.body(), 6))
        if "/api/" in response.url:
            data += size
        else:
            shell += size
    precached = first.evaluate("""async () => {
        const name = (await caches.keys()).find((n) => n.startsWith('skillpath-shell-'));
        const cache = await caches.open(name);
        return Promise.all((await cache.keys()).map(async (request) => {
            const response = await cache.match(request);
            return [request.url, response.headers.get('content-type') ?? '',
                    Array.from(new Uint8Array(await response.arrayBuffer()))];
        }));
    }""")
    later = [(url, bytes(body)) for url, kind, body in precached
             if not kind.startswith("image/") and url.split("?")[0] not in seen]
    offline = sum(len(gzip.compress(body, 6)) for _, body in later)
    phone.context.close()
    total = shell + data + content
    with capsys.disabled():
        print(f"\nfirst load of /app in {locale}: {total / 1024:.1f} KB gzipped in all "
              f"(shell {shell / 1024:.1f} KB: HTML, JS, CSS, manifest; learner data "
              f"{data / 1024:.1f} KB; {kept} offline lessons in {len(sent)} answers "
              f"{content / 1024:.1f} KB), "
              f"goal {GOAL / 1024:.0f} KB, ratio to goal {total / GOAL:.2f}; "
              f"the service worker also keeps {len(later)} files the first view did not "
              f"load, {offline / 1024:.1f} KB")
    assert total <= GOAL, f"the first load of /app is {total} bytes gzipped, over {GOAL}"
