"""A learner whose language is Spanish, at 390x844: the app speaks Spanish in every main
view, nothing overflows the screen, and a change of language takes effect offline at once.

The phone's own language is English (en-US): the person's setting (the bundle's
person.locale, es-MX) wins over it. The server's pages and the learning content are
outside the client's catalogue and are not checked here.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa
from babel import Locale
from playwright.sync_api import expect

from pwa.extensions import db
from pwa.models import Person
from tests.browser.harness import (
    GREET,
    OVERFLOW,
    SAVED_ES,
    Phone,
    enrol,
    go,
    open_phone,
    seed,
    set_bundle_locale,
    wait_until,
)
from tests.factories import CLIENT_CATALOGUES as I18N
from tests.factories import catalogue_entries as entries

pytestmark = pytest.mark.browser


def english_phrases() -> list[str]:
    """Every piece of the English catalogue's texts of two words or more, placeholders cut:
    none of them may be on screen for a Spanish learner."""
    phrases: set[str] = set()
    for path in I18N.glob("en*.js"):
        for value in entries(path).values():
            for text in value.values() if isinstance(value, dict) else [value]:
                for piece in re.split(r"\{\w+\}", text):
                    piece = piece.strip(" .,:;·—()“”")
                    if " " in piece and re.search(r"[A-Za-z]{3}", piece):
                        phrases.add(piece)
    return sorted(phrases)


ENGLISH = english_phrases()

# What the app shows in the view and the status line (the server's header, navigation
# and install hint are the server's catalogue's).
SHOWN = """() => [document.getElementById('app'), document.getElementById('sync-status')]
    .map((el) => el.innerText).join('\\n')"""


def in_spanish(phone: Phone, name: str, heading: str) -> None:
    """The view titled ``heading`` is drawn, speaks no English and fits the screen."""
    page = phone.page
    expect(page.locator("#app h1")).to_have_text(heading)
    page.wait_for_load_state("networkidle")
    shown = page.evaluate(SHOWN)
    assert [p for p in ENGLISH if p in shown] == [], name
    fit = page.evaluate(OVERFLOW)
    assert fit["scroll"] <= fit["width"] and fit["wide"] == [], (name, fit)
    phone.shot(f"es-{name}")


def test_a_spanish_learner_sees_every_main_view_in_spanish_and_nothing_overflows(
        browser, live_server, org):
    seed(live_server.app, GREET)
    ana = open_phone(browser, locale="en-US")
    page = ana.page
    enrol(ana, live_server, "Ana Ruiz")
    with live_server.app.app_context():
        person = db.session.scalar(sa.select(Person).where(Person.display_name == "Ana Ruiz"))
        person.locale = "es-MX"
        db.session.commit()
    page.goto(f"{live_server.url}/app")
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    status = page.get_by_role("status").filter(has_text=SAVED_ES)
    status.wait_for(timeout=15_000)
    assert page.evaluate("() => navigator.language") == "en-US"
    assert page.evaluate("() => document.documentElement.lang") == "es-MX"
    # Chromium's plural rules pick exactly the forms the Spanish catalogue carries.
    categories = page.evaluate(
        "() => new Intl.PluralRules('es').resolvedOptions().pluralCategories")
    assert set(categories) == set(Locale.parse("es").plural_form.tags) | {"other"}
    assert page.evaluate("() => new Intl.PluralRules('es').select(1e6)") == "many"

    in_spanish(ana, "assess", "Tu autoevaluación")
    page.get_by_role("link", name="Empezar").click()
    for name in ("Greeting customers", "Using the tills", "Filling shelves"):
        page.get_by_role("heading", name=name).wait_for()
        if name == "Greeting customers":
            expect(page.get_by_text("¿Cuál se parece más a ti hoy?")).to_be_visible()
            in_spanish(ana, "rate", name)
        page.get_by_text("Watches others greet customers").click()
        page.get_by_role("button", name="Guardar y continuar").click()
    in_spanish(ana, "review", "Revisa tus respuestas")
    page.get_by_role("button", name="Enviar mi autoevaluación").click()
    in_spanish(ana, "results", "Tus resultados")
    status.wait_for(timeout=15_000)
    go(page, "#/")
    # Dates and times in the learner's locale: "7 de diciembre de 2026, 10:34 a.m.".
    expect(page.locator("#app")).to_contain_text(
        re.compile(r"El \d{1,2} de \w+ de \d{4}.*\d:\d\d [ap]\.\s?m\. "
                   r"enviaste tu autoevaluación\."))
    in_spanish(ana, "assess-submitted", "Tu autoevaluación")

    go(page, "#/plan")
    in_spanish(ana, "plan", "Tu plan")
    lesson = page.get_by_role("link", name="Abrir la lección").first
    for _ in range(50):  # the plan made from the assessment comes with the next bundle
        if lesson.count():
            break
        page.reload()
        page.wait_for_timeout(200)
    expect(page.locator("#app")).to_contain_text("Microlección")
    page.locator("#app summary").filter(has_text="Tu tiempo, formatos").click()
    in_spanish(ana, "plan-settings", "Tu plan")
    lesson.click()
    expect(page.get_by_text("Tarjeta 1 de 2")).to_be_visible()
    in_spanish(ana, "lesson", GREET["title"])

    go(page, "#/practice")
    for _ in range(50):
        if page.get_by_text("minutos ·").count():
            break
        page.reload()
        page.wait_for_timeout(200)
    expect(page.locator(".practice-size")).to_have_text("3 minutos · 3 preguntas")
    in_spanish(ana, "practice", "Práctica de hoy")
    page.get_by_role("link", name="Empezar").click()
    expect(page.get_by_text("Tarjeta 1 de 2")).to_be_visible()
    page.get_by_role("button", name="Siguiente").click()
    page.get_by_role("button", name="Siguiente").click()
    page.get_by_label("Say hello", exact=True).check()
    page.get_by_role("button", name="Revisar mi respuesta").click()
    expect(page.get_by_text("Correcto", exact=True)).to_be_visible()
    expect(page.get_by_text("Pregunta 1 de 3")).to_be_visible()
    in_spanish(ana, "practice-question", GREET["title"])

    go(page, "#/reminders")
    in_spanish(ana, "reminders", "Recordatorios")
    go(page, "#/reminders/settings")
    in_spanish(ana, "reminder-settings", "Ajustes de recordatorios")
    expect(page.locator("#app")).to_contain_text("Horas de silencio")
    go(page, "#/mentoring")
    in_spanish(ana, "mentoring", "Mentoría")
    go(page, "#/privacy")
    in_spanish(ana, "privacy", "Quién ve tus calificaciones")
    # The overflow check sees an element wider than the screen.
    page.evaluate("""() => { const wide = document.createElement('p');
      wide.style.width = '500px'; document.getElementById('app').append(wide); }""")
    assert page.evaluate(OVERFLOW)["wide"] == ["p.: "]
    assert ana.csp_violations() == []
    assert [m for m in ana.console if "No text for" in m or "pageerror" in m] == []
    ana.context.close()


def english_phone_in_the_app(browser: Any, live_server: Any) -> Phone:
    """Ana enrolled on a phone whose language is English, in the app, its service worker in
    charge (so the app opens offline) and all saved."""
    seed(live_server.app, GREET)
    ana = open_phone(browser, locale="en-US")
    page = ana.page
    enrol(ana, live_server, "Ana Ruiz")
    page.goto(f"{live_server.url}/app")
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.get_by_role("status").filter(has_text="All saved").wait_for(timeout=15_000)
    return ana


def test_a_change_of_language_takes_effect_offline_at_once(browser, live_server, org):
    ana = english_phone_in_the_app(browser, live_server)
    page = ana.page
    expect(page.locator("#app h1")).to_have_text("Your self-assessment")
    # English never fetched a Spanish word; the service worker keeps them all the same.
    spanish = [u for u in wait_until(page, """async () => {
        const name = (await caches.keys()).find((n) => n.startsWith('skillpath-shell-'));
        const urls = (await (await caches.open(name)).keys()).map((r) => new URL(r.url).pathname);
        return urls.length && urls;
    }""") if "/i18n/es" in u]
    assert sorted(spanish) == sorted(f"/static/js/i18n/{p.name}" for p in I18N.glob("es*.js"))
    fetched = page.evaluate("() => performance.getEntriesByType('resource').map((e) => e.name)")
    assert [u for u in fetched if "/i18n/es" in u] == []

    ana.context.set_offline(True)
    set_bundle_locale(page, "es-AR")
    go(page, "#/plan")  # any draw reads the bundle again
    expect(page.locator("#app h1")).to_have_text("Tu plan")
    expect(page.get_by_role("status")).to_contain_text("Sin conexión")
    assert page.evaluate("() => document.documentElement.lang") == "es-AR"
    # The shell, kept as it was fetched in English, speaks Spanish too: the bar, the title.
    bar = page.get_by_role("navigation", name="Principal")
    expect(bar.get_by_role("link")).to_have_text(
        ["Inicio", "Práctica", "Plan", "Evaluar", "Cuenta"])
    expect(page).to_have_title("Autoevaluación · Skillpath")
    go(page, "#/reminders/settings")  # a view whose words were not loaded yet
    expect(page.locator("#app h1")).to_have_text("Ajustes de recordatorios")
    ana.shot("es-offline-switch")
    # Numbers follow the locale, with Spanish words: 1.000.000 in Argentina.
    assert page.evaluate("() => new Intl.NumberFormat(document.documentElement.lang).format(1e6)") \
        == "1.000.000"

    # Back to English, offline and from a cold start.
    set_bundle_locale(page, "en-US")
    page.close()
    page = ana.context.new_page()
    ana.page = page
    page.goto(f"{live_server.url}/app#/practice")
    expect(page.locator("#app h1")).to_have_text("Today’s practice")
    expect(page.get_by_role("status")).to_contain_text("Offline")
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Practice")) \
        .to_have_attribute("aria-current", "page")
    set_bundle_locale(page, "es-MX")
    go(page, "#/")
    expect(page.locator("#app h1")).to_have_text("Tu autoevaluación")
    expect(page.get_by_role("status")).to_contain_text("Sin conexión")
    ana.context.close()


def test_a_server_page_in_spanish_gets_its_scripts_words_in_spanish(phone, live_server, org):
    """The sign-in page's script speaks the page's language (its ``lang``, the server's
    choice), with no bundle: rendered in Spanish, its words are Spanish."""
    page = phone.page
    words = "(key) => import('/static/js/pages/words.js').then((m) => m.t(key))"
    page.goto(f"{live_server.url}/signin")
    assert page.evaluate(words, "passkey.waiting") == "Waiting for your passkey…"

    def spanish_page(route: Any) -> None:
        html = route.fetch().text()
        route.fulfill(body=re.sub(r'<html lang="[^"]*"', '<html lang="es-MX"', html, count=1),
                      content_type="text/html")

    phone.context.route(f"{live_server.url}/signin", spanish_page)
    fresh = phone.context.new_page()
    fresh.goto(f"{live_server.url}/signin")
    assert fresh.evaluate("() => document.documentElement.lang") == "es-MX"
    assert fresh.evaluate(words, "passkey.waiting") == "Esperando tu llave de acceso…"
    assert fresh.evaluate(words, "device.windows") == "Computadora con Windows"


def test_a_view_drawn_after_a_change_of_language_has_its_words_however_draws_overlap(
        phone, live_server, org):
    """Two draws ask for the language at once (a navigation and a sync's redraw): each goes
    on only once the words it needs are there, and the change asked for last is the one
    that stays."""
    page = phone.page
    page.goto(f"{live_server.url}/signin")
    said = page.evaluate("""async () => {
      const i18n = await import('/static/js/i18n.js');
      const words = (await import('/static/js/i18n/en-reminders.js')).default;
      i18n.addWords('reminders', words);
      const first = i18n.setLocale({ locale: 'es-MX' });
      // The second draw's view brought words of its own, fetched after the first's.
      i18n.addWords('mentors', (await import('/static/js/i18n/en-mentors.js')).default);
      const second = i18n.setLocale({ locale: 'es-MX' });
      await first;
      const once = [i18n.t('reminders.title'), document.documentElement.lang];
      await second;
      const spanish = i18n.setLocale({ locale: 'es-MX' });
      const english = i18n.setLocale({ locale: 'en-GB' });
      await spanish;
      await english;
      return [...once, i18n.t('reminders.title'), document.documentElement.lang];
    }""")
    assert said == ["Recordatorios", "es-MX", "Reminders", "en-GB"]


def test_a_learner_chooses_spanish_on_the_phone_offline_and_it_becomes_theirs(
        browser, live_server, org):
    ana = english_phone_in_the_app(browser, live_server)
    page = ana.page
    page.goto(f"{live_server.url}/account")
    page.get_by_role("link", name="Language", exact=True).click()
    expect(page.locator("#app h1")).to_have_text("Language")
    expect(page.get_by_label("English")).to_be_checked()

    ana.context.set_offline(True)
    page.get_by_label("Español").check()
    expect(page.locator("#app h1")).to_have_text("Idioma")
    expect(page.locator("#language-saved")).to_have_text(
        "Guardado. Skillpath ahora te habla en español.")
    expect(page.locator("#sync-status")).to_contain_text("Sin conexión")
    bar = page.get_by_role("navigation", name="Principal")
    expect(bar.get_by_role("link", name="Cuenta")).to_have_attribute("aria-current", "page")
    in_spanish(ana, "language", "Idioma")
    go(page, "#/plan")
    expect(page.locator("#app h1")).to_have_text("Tu plan")
    assert page.evaluate("() => document.documentElement.lang") == "es-US"

    ana.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.locator("#sync-status")).to_have_text(SAVED_ES, timeout=15_000)
    with live_server.app.app_context():
        assert db.session.scalar(sa.select(Person.locale).where(
            Person.display_name == "Ana Ruiz")) == "es-US"
    # Back to English the same way, online this time: it stays after a reload.
    go(page, "#/language")
    page.get_by_label("English").check()
    expect(page.locator("#app h1")).to_have_text("Language")
    expect(page.locator("#sync-status")).to_have_text("All saved", timeout=15_000)
    page.reload()
    expect(page.locator("#app h1")).to_have_text("Language")


def test_someone_whose_role_has_no_profile_yet_chooses_their_language_too(
        browser, live_server, org):
    phone = open_phone(browser, locale="en-US")
    enrol(phone, live_server, "Priya Nair")  # no profile is published in this organisation
    page = phone.page
    page.goto(f"{live_server.url}/app#/language")
    expect(page.locator("#app h1")).to_have_text("Language")
    page.get_by_label("Español").check()
    expect(page.locator("#app h1")).to_have_text("Idioma")
    assert phone.csp_violations() == []
