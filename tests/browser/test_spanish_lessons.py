"""A Spanish-speaking learner at 390x844 does a lesson L&D translated, in Spanish, and sees a
lesson nobody translated yet in English, marked as such ("Solo en inglés", lang="en")."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from pwa import clock
from pwa.extensions import db
from pwa.models import Organisation, Person, PracticeReview
from pwa.store import catalogue
from tests.browser.harness import (
    GREET,
    OVERFLOW,
    SAVED_ES,
    assess,
    enrol,
    go,
    open_phone,
    seed,
)
from tests.factories import ITEM_BASE

pytestmark = pytest.mark.browser

SHELVES = {**ITEM_BASE, "title": "Facing up a shelf", "format": "micro_lesson",
           "duration_minutes": 2, "level_from": 1, "level_to": 2, "offline": True,
           "summary": "Pull stock to the front edge.", "competencies": ["store-associate/stock"],
           "cards": [{"text": "Bring every product to the front of the shelf."}],
           "questions": [{"kind": "true_false", "prompt": "Labels face the customer.",
                          "options": ["True", "False"], "correct": [0],
                          "explanation": "A label they can read sells the product."}]}
GREET_ES: dict[str, Any] = {
    "title": "Saludar en tres minutos",
    "summary": "Levanta la vista, sonríe y saluda.",
    "cards.0": "Levanta la vista y sonríe en menos de diez segundos.",
    "cards.1": "Saluda antes de preguntar qué necesita la persona.",
    "questions.0": {"prompt": "¿Qué va primero?",
                    "options": ["Preguntar qué necesita", "Saludar"],
                    "explanation": "Primero el saludo: así te cuentan con gusto."},
    "questions.1": {"prompt": "Una sonrisa es parte del saludo.", "options": [],
                    "explanation": "La gente ve la sonrisa antes de oírte."},
    "questions.2": {"prompt": "¿Qué forma parte de un saludo?",
                    "options": ["El contacto visual", "Un hola", "Darle la espalda"],
                    "explanation": "Contacto visual y un hola; nunca la espalda."},
}


def fits(page: Any) -> None:
    fit = page.evaluate(OVERFLOW)
    assert fit["scroll"] <= fit["width"] and fit["wide"] == [], fit


def test_a_spanish_learner_does_a_translated_lesson_and_sees_an_english_one_marked(
        browser, live_server, org):
    app = live_server.app
    seed(app, GREET, SHELVES)
    with app.app_context():
        org_id = db.session.scalar(sa.select(Organisation.id))
        catalogue.save_translation(catalogue.revision(org_id, "greeting-in-three-minutes", None),
                                   "es", GREET_ES, by=None, now=clock.now())
        # The shelves lesson is the only item for filling shelves: the plan offers it.
        catalogue.retire(catalogue.item_by_key(org_id, "shelf-basics"), clock.now())
        db.session.commit()
    ana = open_phone(browser, locale="en-US")
    page = ana.page
    enrol(ana, live_server, "Ana Ruiz")
    with app.app_context():
        db.session.scalar(sa.select(Person).where(Person.display_name == "Ana Ruiz")) \
            .locale = "es-MX"
        db.session.commit()
    page.goto(f"{live_server.url}/app")
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    status = page.get_by_role("status").filter(has_text=SAVED_ES)
    status.wait_for(timeout=15_000)
    assess(page, "es")
    status.wait_for(timeout=15_000)

    # The plan: the translated lesson by its Spanish title, the other marked as English.
    go(page, "#/plan")
    english_only = page.locator(".plan-item").filter(has_text="Facing up a shelf")
    for _ in range(50):  # the plan made from the assessment comes with the next bundle
        if page.get_by_text("Saludar en tres minutos").count() and english_only.count():
            break
        page.reload()
        page.wait_for_timeout(200)
    # (Its alternatives, other items nobody translated, are marked in its swap list.)
    translated = page.locator(".plan-item").filter(has_text="Saludar en tres minutos").first
    expect(translated.locator(":scope > .row-title")).not_to_have_attribute("lang", "en")
    expect(translated.locator(":scope > .only-original")).to_have_count(0)
    expect(english_only.first.locator(":scope > .row-title")).to_have_attribute("lang", "en")
    expect(english_only.first.locator(":scope > .only-original")).to_have_text("Solo en inglés")
    fits(page)
    ana.shot("es-lessons-plan")

    # The lesson nobody translated opens in English, each part marked.
    english_only.first.get_by_role("link", name="Abrir la lección").click()
    expect(page.locator("#app h1")).to_have_text("Facing up a shelf")
    expect(page.locator("#app h1")).to_have_attribute("lang", "en")
    expect(page.locator("#lesson p[lang=en]").filter(
        has_text="Bring every product to the front")).to_be_visible()
    expect(page.locator("#lesson .only-original").first).to_have_text("Solo en inglés")
    expect(page.get_by_text("Tarjeta 1 de 1")).to_be_visible()  # the app's words: Spanish
    fits(page)
    ana.shot("es-lessons-english-only")

    # Daily practice: the translated lesson, in Spanish from its first card to its answers.
    go(page, "#/practice")
    start = page.get_by_role("link", name="Empezar")
    for _ in range(50):
        if start.count():
            break
        page.reload()
        page.wait_for_timeout(200)
    start.click()
    expect(page.locator("#app h1")).to_have_text("Saludar en tres minutos")
    expect(page.get_by_text("Levanta la vista y sonríe en menos de diez segundos.")).to_be_visible()
    expect(page.locator("#app .only-original")).to_have_count(0)
    fits(page)
    ana.shot("es-lessons-card")
    page.get_by_role("button", name="Siguiente").click()
    page.get_by_role("button", name="Siguiente").click()
    expect(page.get_by_text("¿Qué va primero?")).to_be_visible()
    page.get_by_label("Saludar", exact=True).check()
    page.get_by_role("button", name="Revisar mi respuesta").click()
    expect(page.get_by_text("Correcto", exact=True)).to_be_visible()
    expect(page.get_by_text("Primero el saludo: así te cuentan con gusto.")).to_be_visible()
    fits(page)
    ana.shot("es-lessons-answer")
    page.get_by_role("button", name="Siguiente").click()
    expect(page.get_by_text("Una sonrisa es parte del saludo.")).to_be_visible()
    expect(page.get_by_label("Verdadero", exact=True)).to_be_visible()  # the app's words
    # The answer reaches the server against the lesson's own revision and question.
    for _ in range(100):
        with app.app_context():
            answers = db.session.execute(
                sa.select(PracticeReview.revision, PracticeReview.question,
                          PracticeReview.answer)).all()
        if answers:
            break
        page.wait_for_timeout(100)
    assert [tuple(a) for a in answers] == [(1, 0, [1])]
    assert ana.csp_violations() == []
    assert [m for m in ana.console if "No text for" in m or "pageerror" in m] == []
    ana.context.close()


def test_ld_translates_a_lesson_at_phone_size(browser, live_server, org):
    app = live_server.app
    seed(app, GREET)
    priya = open_phone(browser)
    page = priya.page
    enrol(priya, live_server, "Priya N", ld_admin=True)
    page.goto(f"{live_server.url}/admin/catalogue/greeting-in-three-minutes")
    page.get_by_role("link", name="Spanish").click()
    expect(page.get_by_role("heading", name="Spanish text")).to_be_visible()
    expect(page.locator(".translate-part .pill").filter(has_text="Untranslated")).to_have_count(7)
    fits(page)
    priya.shot("es-lessons-ld-translate")
    for label, words in [("Title in Spanish", GREET_ES["title"]),
                         ("Card 1 in Spanish", GREET_ES["cards.0"])]:
        page.get_by_label(label).fill(words)
    page.get_by_role("button", name="Save the Spanish text").click()
    expect(page.get_by_text("Spanish text of “Greeting in three minutes” saved.")).to_be_visible()
    expect(page.locator(".translations")).to_contain_text("to translate: 5 · out of date: 0")
    fits(page)
    assert priya.csp_violations() == []
    priya.context.close()
