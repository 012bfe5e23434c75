"""Live server and Chromium for the browser tests.

The app is served on ``http://localhost:<free port>`` (WebAuthn refuses IP
origins) from a thread, on this run's test database. Chromium is Debian's
``/usr/bin/chromium``, driven by Playwright; passkeys come from the DevTools
virtual authenticator. A missing browser fails the test: it never skips.
"""

from __future__ import annotations

import contextlib
import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from werkzeug.serving import ThreadedWSGIServer

from pwa import clock
from pwa.extensions import db
from pwa.models import Organisation
from pwa.store import catalogue
from tests.factories import ITEM_BASE, comp, make_invite, make_person, publish_profile

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2,
         "is_mobile": True, "has_touch": True}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("localhost", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    app: Any
    url: str


class StoppableServer(ThreadedWSGIServer):
    """Werkzeug's threaded server, with a ``stop`` after which nothing it accepted runs on.

    ``shutdown`` alone only ends the accepting loop: a request accepted in its last
    poll interval is still being served in its own thread, and the listening socket
    still takes connections. A request that touches the database after the test's
    app was closed (its engine disposed) checks out a connection nobody closes,
    and the garbage collector later finds it open in whichever test runs then.
    """

    daemon_threads = False  # so that server_close() joins the threads serving requests

    def __init__(self, host: str, port: int, app: Any) -> None:
        super().__init__(host, port, app)
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def stop(self) -> None:
        """Accept nothing more and wait for every request being served to finish."""
        self.shutdown()
        with self._lock:
            for connection in self._open:
                # A connection the browser opened ahead of need sends no request: its
                # thread would wait for one forever. A request already read still answers.
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RD)
        self.server_close()  # closes the listening socket, joins the requests' threads


@contextlib.contextmanager
def serving(app: Any, port: int) -> Iterator[LiveServer]:
    """Serve ``app`` from a thread; on leaving, nothing of it is served any more."""
    server = StoppableServer("localhost", port, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(app, f"http://localhost:{port}")
    finally:
        server.stop()
        thread.join()


@pytest.fixture
def live_server(app_factory: Any) -> Iterator[LiveServer]:
    # Stopped before app_factory closes the app, since it depends on it.
    port = free_port()
    app = app_factory(SKILLPATH_ORIGIN=f"http://localhost:{port}", SKILLPATH_RP_ID="localhost")
    with serving(app, port) as server:
        yield server


@pytest.fixture(scope="session")
def playwright() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make test`, which installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="session")
def browser(playwright: Any) -> Iterator[Any]:
    chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
    yield chromium
    chromium.close()


@dataclass
class Phone:
    """One browser context at phone size with its own virtual passkey authenticator."""

    page: Any
    context: Any
    cdp: Any
    authenticator_id: str
    console: list[str] = field(default_factory=list)

    def csp_violations(self) -> list[str]:
        # Chromium 156 says "... violates the following Content Security Policy
        # directive ..."; older ones began "Refused to ...". test_csp_violations_are_seen
        # fails if neither wording is caught any more.
        return [m for m in self.console
                if "Content Security Policy" in m or "Refused to" in m]

    def shot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def credentials(self) -> list[dict[str, Any]]:
        result = self.cdp.send("WebAuthn.getCredentials",
                               {"authenticatorId": self.authenticator_id})
        return list(result["credentials"])


def open_phone(browser: Any, **options: Any) -> Phone:
    context = browser.new_context(**{**PHONE, **options})
    if clock.offset():  # the app's clock is moved (SKILLPATH_CLOCK_OFFSET): the phone's too
        context.clock.install(time=clock.now())
    page = context.new_page()
    page.set_default_timeout(10_000)
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    added = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
        "hasUserVerification": True, "isUserVerified": True,
        "automaticPresenceSimulation": True}})
    phone = Phone(page, context, cdp, added["authenticatorId"])
    # Each message names the page it came from, so a CSP failure says where.
    page.on("console", lambda message: phone.console.append(f"{page.url}: {message.text}"))
    page.on("pageerror", lambda error: phone.console.append(f"{page.url}: pageerror: {error}"))
    return phone


@pytest.fixture
def phone(browser: Any) -> Iterator[Phone]:
    made = open_phone(browser)
    yield made
    made.context.close()


def enrol(phone: Any, server: LiveServer, name: str = "Ana Ruiz", device: str = "Work phone",
          **person: Any) -> str:
    token = make_invite(server.app, make_person(server.app, name, **person))
    page = phone.page
    page.goto(f"{server.url}/enrol/{token}")
    page.get_by_label("Name this device").fill(device)
    page.get_by_role("button", name="Create my passkey").click()
    page.wait_for_url(f"{server.url}/")
    return token


# The document as wide as the screen, and no visible element wider or sticking out.
OVERFLOW = """() => {
  const doc = document.scrollingElement;
  const width = doc.clientWidth;
  const wide = [...document.body.querySelectorAll('*')].filter((el) => {
    if (!el.getClientRects().length || el.closest('.skip')) return false;
    const box = el.getBoundingClientRect();
    return box.width > width + 0.5 || box.right > width + 0.5 || box.left < -0.5;
  }).map((el) => `${el.tagName.toLowerCase()}.${el.className}: `
    + el.textContent.trim().slice(0, 40));
  return { scroll: doc.scrollWidth, width, wide };
}"""


def go(page: Any, hash_: str) -> None:
    """Move the app to the view at ``hash_`` (#/plan), as a tap on a link does."""
    page.evaluate("(hash) => { location.hash = hash; }", hash_)


SAVED_ES = "Todo guardado"  # "All saved" in Spanish
# "All saved" in each language the app speaks: a demo person may read it in Spanish.
SAVED = re.compile(r"^(All saved|Todo guardado)")


def wait_for_app(page: Any) -> None:
    """The app is controlled by its service worker (the shell is cached) and all is saved.

    ``ready`` resolves once a worker is active: its install (the precache) is done.
    A page whose navigation began while the worker was still activating is not a
    client yet when ``clients.claim()`` runs, and stays uncontrolled until it is
    loaded again, as it would for a person: then it is reloaded once.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    controlled = "() => navigator.serviceWorker.controller !== null"
    try:
        page.wait_for_function(controlled, timeout=5_000)
    except PlaywrightTimeout:
        page.reload()
        page.wait_for_function(controlled, timeout=15_000)
    page.get_by_role("status").filter(has_text=SAVED).wait_for()


def wait_until(page: Any, script: str, arg: Any = None, *, timeout: float = 15.0) -> Any:
    """Evaluate ``script`` (it may be async) until it gives a truthy value; return it.

    ``page.wait_for_function`` takes the Promise an async function returns for a
    truthy answer at once, so it cannot wait on Cache Storage or IndexedDB.
    """
    import time

    deadline = time.monotonic() + timeout
    while True:
        value = page.evaluate(script, arg)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"still falsy after {timeout} s: {script}")
        page.wait_for_timeout(100)


def set_bundle_locale(page: Any, tag: str) -> None:
    """The bundle on the phone says the learner's language is ``tag`` (as a sync brings it)."""
    page.evaluate("""(tag) => new Promise((resolve, reject) => {
      const open = indexedDB.open('skillpath');
      open.onsuccess = () => {
        const store = open.result.transaction('kv', 'readwrite').objectStore('kv');
        const read = store.get('bootstrap');
        read.onsuccess = () => {
          const bundle = read.result;
          bundle.person.locale = tag;
          store.put(bundle, 'bootstrap').onsuccess = () => { open.result.close(); resolve(); };
        };
        read.onerror = reject;
      };
      open.onerror = reject;
    })""", tag)


def rate_first_competency(page: Any) -> None:
    """From the self-assessment page: start, choose level 3 of greeting, go on to the tills."""
    page.get_by_role("link", name="Start").click()
    page.get_by_text("Greets every customer within ten seconds").click()
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("heading", name="Using the tills").wait_for()


# A store associate with a plan: three competencies, four catalogue items, all rated 1.
COMPS = (comp("greet", "Greeting customers"), comp("tills", "Using the tills", 2, 4, "Tills"),
         comp("stock", "Filling shelves", 3, 2, "Stock"))
ITEMS = [("Greeting book", "book_study", 20, "greet"), ("Greeting well", "classroom", 30, "greet"),
         ("Till basics", "course", 30, "tills"), ("Shelf basics", "on_the_job", 20, "stock")]


def seed(app: Any, *more: dict[str, Any]) -> None:
    """Publish the store associate's profile of :data:`COMPS`, the :data:`ITEMS` and any
    ``more`` items (such as :data:`GREET`)."""
    publish_profile(app, comps=COMPS)
    with app.app_context():
        org_id = db.session.scalar(sa.select(Organisation.id))
        for title, fmt, minutes, key in ITEMS:
            catalogue.save(org_id, {**ITEM_BASE, "title": title, "format": fmt,
                                    "duration_minutes": minutes,
                                    "competencies": [f"store-associate/{key}"]},
                           by=None, now=clock.now())
        for item in more:
            catalogue.save(org_id, item, by=None, now=clock.now())
        db.session.commit()


# The self-assessment's buttons and headings in each language: start, save, review, submit,
# results.
ASSESS_WORDS = {
    "en": ("Start", "Save and continue", "Review your answers", "Submit my self-assessment",
           "Your results"),
    "es": ("Empezar", "Guardar y continuar", "Revisa tus respuestas",
           "Enviar mi autoevaluación", "Tus resultados"),
}


def assess(page: Any, language: str = "en") -> None:
    """Rate every competency level 1 and submit, the app speaking ``language``."""
    start, save, review, submit, results = ASSESS_WORDS[language]
    page.get_by_role("link", name=start).click()
    for name in ("Greeting customers", "Using the tills", "Filling shelves"):
        page.get_by_role("heading", name=name).wait_for()
        page.get_by_text("Watches others greet customers").click()
        page.get_by_role("button", name=save).click()
    page.get_by_role("heading", name=review).wait_for()
    page.get_by_role("button", name=submit).click()
    page.get_by_role("heading", name=results).wait_for()


def plan_page(browser: Any, live_server: LiveServer) -> tuple[Phone, Any]:
    """Ana, assessed and synced, on her plan."""
    seed(live_server.app)
    ana = open_phone(browser)
    page = ana.page
    enrol(ana, live_server, "Ana Ruiz")
    page.goto(f"{live_server.url}/app")
    wait_for_app(page)
    assess(page)
    page.get_by_role("status").filter(has_text="All saved").wait_for(timeout=15_000)
    page.get_by_role("link", name="Plan", exact=True).click()
    page.get_by_role("heading", name="Your plan").wait_for()
    return ana, page


def item(page: Any, title: str) -> Any:
    """The plan line titled ``title`` (not an alternative a swap offers)."""
    return page.locator("#app .plan-item").filter(
        has=page.locator("xpath=./p[contains(@class, 'row-title')]", has_text=title))


def add_own_item(page: Any) -> None:
    """From her plan, Ana adds "Shadow Grace on the Tuesday shift" (on the job, 45 minutes)."""
    page.get_by_role("link", name="Add your own item").click()
    page.get_by_label("What it helps you grow").select_option(label="Greeting customers")
    page.get_by_label("What is it?").fill("Shadow Grace on the Tuesday shift")
    page.get_by_label("Format").select_option(label="On the job")
    page.get_by_label("Minutes it takes").fill("45")
    page.get_by_role("button", name="Add to my plan").click()
    page.get_by_role("heading", name="Your plan").wait_for()


# A micro-lesson of three minutes on greeting (Ana's biggest gap), offline.
GREET = {**ITEM_BASE, "title": "Greeting in three minutes", "format": "micro_lesson",
         "duration_minutes": 3, "level_from": 1, "level_to": 2, "offline": True,
         "summary": "Look up, smile, say hello.",
         "competencies": ["store-associate/greet"],
         "cards": [{"text": "Look up and smile within ten seconds."},
                   {"text": "Say hello before you ask what they need."}],
         "questions": [
             {"kind": "single_choice", "prompt": "What comes first?",
              "options": ["Ask what they need", "Say hello"], "correct": [1],
              "explanation": "Hello first: then they are glad to tell you."},
             {"kind": "true_false", "prompt": "A smile counts as part of the greeting.",
              "options": ["True", "False"], "correct": [0],
              "explanation": "People see the smile before they hear you."},
             {"kind": "multiple_choice", "prompt": "Which make a greeting?",
              "options": ["Eye contact", "A hello", "Your back"], "correct": [0, 1],
              "explanation": "Eye contact and a hello; never your back."}]}
