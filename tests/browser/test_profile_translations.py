"""A profile in two languages at 390x844: an author translates a competency on the desk,
the original and the Spanish side by side (at 320 wide too), and a learner whose language
is Spanish reads it on the self-assessment, with what is not translated marked, and their
role's name in Spanish."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from pwa import clock
from pwa.extensions import db
from pwa.models import Item, ItemRevision, Person, PlanSuggestion, Role
from pwa.store import profiles
from tests.browser.harness import (
    OVERFLOW,
    SAVED_ES,
    Phone,
    enrol,
    open_phone,
    seed,
    wait_for_app,
)
from tests.factories import LEVELS

pytestmark = pytest.mark.browser

# Each bilingual row's two cells: side by side (one top, the original on the left).
SIDE_BY_SIDE = """() => [...document.querySelectorAll('.bilingual-row')].map((row) => {
  const [left, right] = [...row.children].map((el) => el.getBoundingClientRect());
  return left.top === right.top && left.right <= right.left;
})"""


def fits(phone: Phone) -> None:
    found = phone.page.evaluate(OVERFLOW)
    assert found["scroll"] <= found["width"] and found["wide"] == [], found
    rows = phone.page.evaluate(SIDE_BY_SIDE)
    assert rows and all(rows), rows


def test_an_author_translates_a_competency_side_by_side_on_a_phone(browser, live_server, org):
    seed(live_server.app)
    grace = open_phone(browser)
    page = grace.page
    enrol(grace, live_server, "Grace Okafor")
    page.goto(f"{live_server.url}/author/store-associate")
    # Two competencies and the role's name.
    expect(page.get_by_text("4 of 4 to translate or look at again")).to_be_visible()
    page.get_by_role("link", name="Version 1 in Spanish").click()
    expect(page.get_by_role("heading", name="Store associate in Spanish")).to_be_visible()
    expect(page.locator("#c-greet")).to_contain_text("Not translated yet")
    fits(grace)
    grace.shot("90-author-translations-390")

    page.get_by_role("link", name="Translate Greeting customers").click()
    page.get_by_label("Name · Spanish").fill("Saludar a la clientela")
    page.get_by_label("Level 3 · Spanish").fill(
        "Saluda a cada cliente en diez segundos y le ofrece ayuda.")
    fits(grace)
    grace.shot("90-author-translate-form-390")
    page.get_by_role("button", name="Save the translation").click()
    expect(page.get_by_text("Saved the translation of “Greeting customers”.")).to_be_visible()
    card = page.locator("#c-greet")
    expect(card.locator('p[lang="es"]').first).to_have_text("Saludar a la clientela")
    expect(card).to_contain_text("6 to translate")

    page.set_viewport_size({"width": 320, "height": 700})
    fits(grace)
    grace.shot("90-author-translations-320")
    assert grace.csp_violations() == []
    grace.context.close()


def _translate_greeting(app: Any) -> None:
    with app.app_context():
        role = db.session.scalar(sa.select(Role).where(Role.slug == "store-associate"))
        grace = db.session.scalar(sa.select(Person).where(Person.display_name == "Grace Okafor"))
        profiles.save_translation(profiles.current(role), "greet", "es", {
            "name": "Saludar a la clientela", "group": "Clientela",
            **{f"level {n}": f"Nivel {n} en español: saluda a la clientela." for n in range(1, 6)},
        }, seen=None, author=grace, now=clock.now())
        profiles.save_role_translation(role, "es", {"name": "Personal de tienda"}, seen=None,
                                       author=grace, now=clock.now())
        db.session.commit()


def test_a_spanish_learner_reads_the_translated_competency_and_sees_what_is_not(
        browser, live_server, org):
    seed(live_server.app)
    _translate_greeting(live_server.app)
    lucia = open_phone(browser, locale="en-US")
    page = lucia.page
    enrol(lucia, live_server, "Lucía Gómez")
    with live_server.app.app_context():
        db.session.execute(sa.update(Person).where(Person.display_name == "Lucía Gómez")
                           .values(locale="es-MX"))
        db.session.commit()
    page.goto(f"{live_server.url}/app")
    wait_for_app(page)
    expect(page.locator("#app h1")).to_have_text("Tu autoevaluación")
    # The role's name too, in the header: translated, so in the page's language.
    expect(page.locator("#who .who-role")).to_have_text("Personal de tienda")
    assert page.locator("#who .who-role").get_attribute("lang") is None
    rows = page.locator("#app .list .row-title")
    expect(rows.nth(0)).to_contain_text("Saludar a la clientela")
    expect(rows.nth(0)).to_contain_text("En parte solo en inglés")  # its description
    expect(rows.nth(1)).to_contain_text("Using the tills")
    expect(rows.nth(1)).to_contain_text("Solo en inglés")
    assert rows.nth(1).locator('[lang="en"]').inner_text() == "Using the tills"
    assert rows.nth(0).locator('[lang="en"]').count() == 0
    fits_screen = page.evaluate(OVERFLOW)
    assert fits_screen["wide"] == [], fits_screen

    page.get_by_role("link", name="Empezar").click()
    heading = page.get_by_role("heading", name="Saludar a la clientela")
    expect(heading).to_be_visible()
    # The description was not translated: the original, in its language, marked.
    expect(page.locator('#app p[lang="en"]')).to_have_text("About greeting customers.")
    expect(page.locator("#app")).to_contain_text("En parte solo en inglés")
    page.get_by_text("Nivel 3 en español: saluda a la clientela.").click()
    assert page.get_by_text(LEVELS[2]).count() == 0
    expect(page.locator("#app .meta").first).to_contain_text("Personal de tienda")
    assert page.locator('#app .meta [lang="en"]').count() == 0
    lucia.shot("90-es-rate-translated")
    page.get_by_role("button", name="Guardar y continuar").click()
    page.get_by_role("heading", name="Using the tills").wait_for()
    expect(page.locator("#app h1")).to_have_attribute("lang", "en")
    assert lucia.csp_violations() == []
    assert [m for m in lucia.console if "No text for" in m or "pageerror" in m] == []
    lucia.context.close()


def _lucia_reading_spanish(browser, live_server):
    """The seeded organisation with greeting translated, and Lucía enrolled on a phone in
    English whose own setting then says Spanish: the app, her phone and its page."""
    app = live_server.app
    seed(app)
    _translate_greeting(app)
    lucia = open_phone(browser, locale="en-US")
    enrol(lucia, live_server, "Lucía Gómez")
    with app.app_context():
        db.session.execute(sa.update(Person).where(Person.display_name == "Lucía Gómez")
                           .values(locale="es-MX"))
        db.session.commit()
    return app, lucia, lucia.page


def test_names_left_in_english_are_marked_on_the_results_and_the_plan(browser, live_server, org):
    """Lucía reads Spanish; only greeting is translated. Wherever the tills and shelves are
    named in English (the chart, its table, the history, the plan's lines and reasons, a
    colleague's suggestion), the name carries lang="en", and nothing Spanish does."""
    app, lucia, page = _lucia_reading_spanish(browser, live_server)
    with app.app_context():
        person = db.session.scalar(sa.select(Person).where(Person.display_name == "Lucía Gómez"))
        till = db.session.scalar(sa.select(Item).join(ItemRevision, ItemRevision.item_id == Item.id)
                                 .where(ItemRevision.title == "Till basics"))
        db.session.add(PlanSuggestion(id="5d0c7c1e-3b7a-4c55-9a0e-0c1d2e3f4a51",
                                      person_id=person.id, from_name="Grace Okafor",
                                      competency="tills", item_id=till.id, sent_at=clock.now()))
        db.session.commit()
    page.goto(f"{live_server.url}/app")
    wait_for_app(page)
    page.get_by_role("link", name="Empezar").click()
    for name, level_1 in (("Saludar a la clientela", "Nivel 1 en español"),
                          ("Using the tills", LEVELS[0]), ("Filling shelves", LEVELS[0])):
        page.get_by_role("heading", name=name).wait_for()
        page.get_by_text(level_1).click()
        page.get_by_role("button", name="Guardar y continuar").click()
    page.get_by_role("heading", name="Revisa tus respuestas").wait_for()
    page.get_by_role("button", name="Enviar mi autoevaluación").click()
    page.get_by_role("heading", name="Tus resultados").wait_for()

    english = ["Using the tills", "Filling shelves"]
    chart = page.locator("#app figure.chart")
    expect(chart.locator('text.label[lang="en"]')).to_have_text(english)
    expect(chart.locator("text.label").first).to_have_text("Saludar a la clientela")
    assert chart.locator("text.label").first.get_attribute("lang") is None
    expect(page.locator('#app .chart-table th[scope="row"][lang="en"]')).to_have_text(english)
    history = page.locator("#app .timeline li")
    expect(history).to_have_count(3)
    expect(page.locator('#app .timeline [lang="en"]')).to_have_text(english[::-1])
    assert history.filter(has_text="Saludar").locator("[lang]").count() == 0
    fits_screen = page.evaluate(OVERFLOW)
    assert fits_screen["wide"] == [], fits_screen
    lucia.shot("90-es-results-marked")

    page.get_by_role("status").filter(has_text=SAVED_ES).wait_for(timeout=15_000)
    page.get_by_role("link", name="Plan", exact=True).click()
    page.get_by_role("heading", name="Tu plan").wait_for()
    tills = page.locator('#app .plan-item[data-competency="tills"]:not(.suggestion)').first
    expect(tills.locator('.meta [lang="en"]')).to_have_text("Using the tills")
    expect(tills.locator('.reasons [lang="en"]').first).to_have_text("Using the tills")
    expect(tills.locator(".reasons li").first).to_contain_text("dijiste")  # a Spanish sentence
    greet = page.locator('#app .plan-item[data-competency="greet"]').first
    expect(greet.locator(".reasons li").first).to_contain_text("Saludar a la clientela")
    assert greet.locator(".reasons [lang], .meta [lang]").count() == 0
    suggestion = page.locator("#app .plan-item.suggestion")
    expect(suggestion.locator('.row-title span[lang="en"]')).to_have_text("Till basics")
    expect(suggestion.locator(".row-title")).to_contain_text("Grace Okafor te sugiere:")
    expect(suggestion.locator('.meta [lang="en"]')).to_have_text("Using the tills")
    lucia.shot("90-es-plan-marked")
    assert lucia.csp_violations() == []
    assert [m for m in lucia.console if "No text for" in m or "pageerror" in m] == []
    lucia.context.close()


def test_suggesting_in_spanish_marks_the_names_and_titles_left_in_english(
        browser, live_server, org):
    """Lucía, reading Spanish, suggests something to Grace: the tills (untranslated) and the
    catalogue's titles (in their own words) are marked lang="en"; greeting is not."""
    app, lucia, page = _lucia_reading_spanish(browser, live_server)
    page.goto(f"{live_server.url}/app#/plan/suggest")
    wait_for_app(page)
    page.locator("#colleague-name").fill("Grace")
    page.locator("#find button[type=submit]").click()
    page.get_by_label("Grace Okafor").check()
    select = page.locator("#sg-competency")
    expect(select.locator('option[lang="en"]')).to_have_text(["Using the tills", "Filling shelves"])
    expect(select.locator("option").first).to_have_text("Saludar a la clientela")
    assert select.locator("option").first.get_attribute("lang") is None
    titles = page.locator("#sg-items label")
    expect(titles.locator('span[lang="en"]')).to_have_text(["Greeting book", "Greeting well"])
    select.select_option("tills")
    expect(titles.locator('span[lang="en"]')).to_have_text(["Till basics"])
    expect(titles.last.locator("[lang]")).to_have_count(0)  # "something of my own": Spanish
    lucia.shot("90-es-suggest-marked")
    assert lucia.csp_violations() == []
    lucia.context.close()
