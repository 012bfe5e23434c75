"""Catalogue items in two languages: L&D's Spanish beside the original, part by part; what a
new revision changed shows as out of date; learners' practice never moves for a translation."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from engine import catalogue as rules
from engine.errors import InvalidInput
from pwa import clock
from pwa.extensions import db
from pwa.models import Item, ItemTranslation, Organisation, PracticeCard, PracticeReview
from pwa.store import catalogue
from tests.factories import (
    RECENT_MORNING,
    SPANISH,
    TRANSLATABLE_LESSON,
    TRANSLATABLE_QUESTIONS,
    practice_event,
    reviewed,
    revise,
    sign_in_as,
    speaks_spanish,
    state,
    token,
    translate,
)
from tests.factories import add_translatable_lesson as add_lesson


def test_a_translation_is_kept_part_by_part_and_shown_where_it_is_current(app, org):
    key = add_lesson(app)
    assert translate(app, key, SPANISH) == 1
    assert state(app, key) == {"title": "current", "summary": "current", "cards.0": "current",
                               "cards.1": "current", "questions.0": "current",
                               "questions.1": "missing"}
    with app.app_context():
        org_id = db.session.scalar(sa.select(Organisation.id))
        r = catalogue.revision(org_id, key, None)
        assert r.revision == 1  # not a revision: the item is as it was
        shown = catalogue.for_reader(catalogue.item_dict(r, full=True), "es",
                                     catalogue.translations([r.id], "es")[r.id])
    assert shown["title"] == "Seguridad en la caja"
    assert [c["text"] for c in shown["cards"]] == ["Cuenta el fondo de caja.",
                                                   "Cierra la caja con llave."]
    first, second = shown["questions"]
    assert first["options"] == ["La caja fuerte", "La caja", "Tu bolsillo"]
    assert first["correct"] == [0] and first["kind"] == "single_choice"  # the key stays
    assert second["prompt"] == "You may leave a till open."  # the original, marked
    assert shown["translation"] == {"language": "es", "version": 1, "original": ["questions.1"]}


def test_a_reader_of_the_original_language_gets_the_original_and_no_mark(app, org):
    key = add_lesson(app)
    translate(app, key, SPANISH)
    with app.app_context():
        org_id = db.session.scalar(sa.select(Organisation.id))
        r = catalogue.revision(org_id, key, None)
        shown = catalogue.for_reader(catalogue.item_dict(r, full=True), "en", None)
        untranslated = catalogue.for_reader(catalogue.item_dict(r, full=True), "fr", None)
    assert shown["title"] == "Till safety" and shown["translation"] is None
    assert untranslated["title"] == "Till safety"
    assert untranslated["translation"]["version"] == 0
    assert untranslated["translation"]["original"] == ["title", "summary", "cards.0", "cards.1",
                                                       "questions.0", "questions.1"]


def test_a_new_revision_carries_the_translation_forward_and_marks_what_changed(app, org):
    key = add_lesson(app)
    translate(app, key, SPANISH)
    changed = [dict(TRANSLATABLE_QUESTIONS[0], correct=[1]), TRANSLATABLE_QUESTIONS[1]]
    revise(app, key, cards=[{"text": "Count the float twice."}, {"text": "Lock the till."}],
           questions=changed, duration_minutes=4)
    assert state(app, key) == {"title": "current", "summary": "current", "cards.0": "outdated",
                               "cards.1": "current", "questions.0": "outdated",
                               "questions.1": "missing"}
    with app.app_context():
        org_id = db.session.scalar(sa.select(Organisation.id))
        r = catalogue.revision(org_id, key, None)
        assert r.revision == 2
        kept = catalogue.translation_of(r, "es")
        assert kept is not None and kept.made_from_revision == 1
        shown = catalogue.for_reader(catalogue.item_dict(r, full=True), "es",
                                     catalogue.translations([r.id], "es")[r.id])
        # the first revision keeps its own translation, as it was
        first = catalogue.revision(org_id, key, 1)
        assert catalogue.translation_state(first, "es")["cards.0"] == "current"
    # never silently current: the changed card and question are the original's words
    assert shown["cards"][0]["text"] == "Count the float twice."
    assert shown["questions"][0]["prompt"] == "Where does the float go?"
    assert shown["translation"]["original"] == ["cards.0", "questions.0", "questions.1"]


def test_an_out_of_date_part_saved_unchanged_stays_out_of_date_until_confirmed(app, org):
    key = add_lesson(app)
    translate(app, key, SPANISH)
    revise(app, key, title="Till safety first")
    assert state(app, key)["title"] == "outdated"
    translate(app, key, SPANISH)  # saved again as it was: nobody said it still fits
    assert state(app, key)["title"] == "outdated"
    translate(app, key, SPANISH, confirmed=("title",))
    assert state(app, key)["title"] == "current"
    revise(app, key, title="Till safety, always")
    translate(app, key, {**SPANISH, "title": "Seguridad en la caja, siempre"})  # new words
    assert state(app, key)["title"] == "current"


def test_a_translation_that_cannot_stand_beside_its_original_is_refused(app, org):
    key = add_lesson(app)
    for parts, field in [
        ({"questions.0": {"prompt": "¿Dónde?", "options": ["Una", "Dos"]}}, "questions.0"),
        ({"cards.7": "Una tarjeta de más"}, "cards.7"),
        ({"title": "x" * 161}, "title"),
    ]:
        with app.app_context(), pytest.raises(InvalidInput) as refused:
            org_id = db.session.scalar(sa.select(Organisation.id))
            catalogue.save_translation(catalogue.revision(org_id, key, None), "es", parts,
                                       by=None, now=clock.now())
        assert [p["field"] for p in refused.value.details["problems"]] == [field]
    with app.app_context(), pytest.raises(InvalidInput):
        org_id = db.session.scalar(sa.select(Organisation.id))
        catalogue.save_translation(catalogue.revision(org_id, key, None), "en-US",
                                   {"title": "Till safety"}, by=None, now=clock.now())
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ItemTranslation)) == 0


def test_a_translation_leaves_every_learner_s_practice_as_it_was(app, org):
    """FSRS states are keyed by item and question place, reviews by revision: a translation
    is neither, so nothing a learner practised moves, and answers go on being taken."""
    key = add_lesson(app)
    api = sign_in_as(app, "Ana Ruiz")
    first = api.post("/api/v1/sync", {"events": [reviewed(key, 0), reviewed(key, 1, answer=[1])]})
    assert len(first.get_json()["accepted"]) == 2

    def practised():
        with app.app_context():
            cards = [tuple(getattr(c, col.key) for col in PracticeCard.__table__.c)
                     for c in db.session.scalars(sa.select(PracticeCard)
                                                 .order_by(PracticeCard.question))]
            reviews = [(r.item_id, r.revision, r.question, r.grade)
                       for r in db.session.scalars(sa.select(PracticeReview)
                                                   .order_by(PracticeReview.question))]
            revision = db.session.scalar(sa.select(Item.current_revision))
            return cards, reviews, revision

    before = practised()
    bundle = api.get("/api/v1/bootstrap").get_json()["practice"]
    translate(app, key, SPANISH)
    assert practised() == before
    after = api.get("/api/v1/bootstrap").get_json()["practice"]
    assert after["cards"] == bundle["cards"] and after["days"] == bundle["days"]
    later = api.post("/api/v1/sync", {"events": [
        reviewed(key, 0, at=RECENT_MORNING + timedelta(days=3)),
        practice_event("lesson.completed", {"item": key, "revision": 1})]})
    assert len(later.get_json()["accepted"]) == 2


# L&D's page ------------------------------------------------------------------------------

def translation_form(html: str, **fields: str) -> dict[str, str]:
    return {"csrf_token": token(html), **fields}


def test_ld_sees_the_spanish_beside_the_original_and_saves_it(app, org):
    key = add_lesson(app)
    admin = sign_in_as(app, "Priya N", ld_admin=True)
    item_page = admin.get(f"/admin/catalogue/{key}").get_data(as_text=True)
    assert f"/admin/catalogue/{key}/translations/es" in item_page
    assert "to translate: 6 · out of date: 0" in item_page
    page = admin.get(f"/admin/catalogue/{key}/translations/es").get_data(as_text=True)
    assert page.count("Untranslated") == 6
    assert '<p class="original" lang="en">Count the float.</p>' in page
    assert 'name="questions.0.options.2"' in page
    assert 'name="questions.1.options.0"' not in page  # True and False are the app's
    saved = admin.client.post(f"/admin/catalogue/{key}/translations/es", data=translation_form(
        page, title="Seguridad en la caja", summary="", **{
            "cards.0": "Cuenta el fondo de caja.", "cards.1": "",
            "questions.0.prompt": "¿Dónde va el fondo de caja?",
            "questions.0.options.0": "La caja fuerte", "questions.0.options.1": "La caja",
            "questions.0.options.2": "Tu bolsillo",
            "questions.0.explanation": "El fondo se cuenta en la caja fuerte.",
            "questions.1.prompt": "Puedes dejar una caja abierta.",
            "questions.1.explanation": ""}), follow_redirects=True)
    text = saved.get_data(as_text=True)
    assert "text of “Till safety” saved" in text
    assert "to translate: 3 · out of date: 0" in text  # summary, card 2, question 2's explanation
    assert state(app, key)["questions.1"] == "missing"  # kept, not dropped: it lacks a part
    again = admin.get(f"/admin/catalogue/{key}/translations/es").get_data(as_text=True)
    assert 'value="La caja fuerte"' in again and "Puedes dejar una caja abierta." in again
    listing = admin.get("/admin/catalogue").get_data(as_text=True)
    assert "to translate: 3 · out of date: 0" in listing
    revise(app, key, cards=[{"text": "Count the float twice."}, {"text": "Lock the till."}])
    outdated = admin.get(f"/admin/catalogue/{key}/translations/es").get_data(as_text=True)
    assert "Out of date" in outdated and "Translated from an earlier original:" in outdated
    assert 'name="confirm" value="cards.0"' in outdated


def test_the_translation_page_refuses_what_it_cannot_save(app, org):
    key = add_lesson(app)
    admin = sign_in_as(app, "Priya N", ld_admin=True)
    assert admin.get(f"/admin/catalogue/{key}/translations/en").status_code == 404
    assert admin.get(f"/admin/catalogue/{key}/translations/xx").status_code == 404
    assert admin.get("/admin/catalogue/nothing/translations/es").status_code == 404
    page = admin.get(f"/admin/catalogue/{key}/translations/es").get_data(as_text=True)
    long = admin.client.post(f"/admin/catalogue/{key}/translations/es",
                             data=translation_form(page, title="x" * 161))
    assert long.status_code == 422 and "at most 160 characters" in long.get_data(as_text=True)
    assert 'value="' + "x" * 161 + '"' in long.get_data(as_text=True)  # what was typed stays
    expired = admin.client.post(f"/admin/catalogue/{key}/translations/es",
                                data={"title": "Seguridad"})
    assert expired.status_code == 400  # no CSRF token: refused before anything is read
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ItemTranslation)) == 0


def test_the_catalogue_search_finds_an_item_by_its_translated_title_or_summary(app, org):
    key = add_lesson(app)
    with app.app_context():
        org_id = db.session.scalar(sa.select(Organisation.id))
        other = catalogue.save(org_id, {**TRANSLATABLE_LESSON, "title": "Fitting rooms",
                                        "summary": "Count what goes in."},
                               by=None, now=clock.now()).item.key
        db.session.commit()

        def found(text: str) -> list[str]:
            return [r.title for r in catalogue.search(org_id, text=text)]

        assert found("seguridad") == []  # nothing translated yet
    translate(app, key, SPANISH)
    translate(app, other, {"title": "Probadores"})
    with app.app_context():
        assert found("SEGURIDAD") == ["Till safety"]  # the title, any case
        assert found("hábitos que") == ["Till safety"]  # the summary
        assert found("caja") == ["Till safety"]
        assert found("probador") == ["Fitting rooms"]
        assert found("count") == ["Fitting rooms"]  # the originals still match, once each
        assert found("ti") == ["Fitting rooms", "Till safety"]
        assert found("%") == [] and found("caja_") == []  # literal, as for the originals
        assert found("cuenta el fondo") == []  # a card's words are not searched
        assert [r.title for r in catalogue.search(org_id, text="caja", format="course")] == []
    admin = sign_in_as(app, "Priya N", ld_admin=True)
    page = admin.get("/admin/catalogue?q=Probadores").get_data(as_text=True)
    assert f'<a href="/admin/catalogue/{other}">Fitting rooms</a>' in page  # English page
    speaks_spanish(app, "Priya N")
    page = admin.get("/admin/catalogue?q=Probadores").get_data(as_text=True)
    assert "1 recurso coincide" in page
    # The listing names items in their own words: marked where the page speaks Spanish.
    assert f'<a href="/admin/catalogue/{other}" lang="en">Fitting rooms</a>' in page


def test_the_translation_page_speaks_spanish_to_a_spanish_speaking_admin(app, org):
    key = add_lesson(app)
    admin = sign_in_as(app, "Priya N", ld_admin=True)
    speaks_spanish(app, "Priya N")
    page = admin.get(f"/admin/catalogue/{key}/translations/es").get_data(as_text=True)
    assert "Sin traducir" in page and "Untranslated" not in page


def test_language_of_a_locale():
    assert rules.language_of("es-MX") == "es" and rules.language_of(None) == "en"
    assert rules.language_of("pt_BR") == "pt"
