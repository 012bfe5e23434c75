"""A Spanish-speaking learner's lessons through the API: each part in Spanish where L&D's
translation is current, the original elsewhere, marked; the addresses phones keep content
under change when a translation does."""

from __future__ import annotations

import uuid

from tests.factories import SPANISH, moment, revise, sign_in_as, speaks_spanish, translate
from tests.factories import add_translatable_lesson as add_lesson


def rated_learner(app, name="Ana Ruiz"):
    """A store associate below target on tills: the lesson is in their plan and practice."""
    api = sign_in_as(app, name)
    rated = api.post("/api/v1/sync", {"events": [
        {"id": str(uuid.uuid4()), "type": "rating.set", "schema": 1, "occurred_at": moment(),
         "device_id": "phone-1",
         "data": {"role": "store-associate", "competency": "tills", "version": 1, "level": 2,
                  "note": None}}]})
    assert len(rated.get_json()["accepted"]) == 1
    return api


def test_a_spanish_learner_gets_the_spanish_where_it_is_current_and_the_original_marked(app, org):
    key = add_lesson(app)
    api = rated_learner(app)
    speaks_spanish(app, "Ana Ruiz")
    english = api.get("/api/v1/bootstrap")
    lesson = english.get_json()["practice"]["lessons"][key]
    assert lesson["title"] == "Till safety"  # nothing translated yet: all the original, marked
    assert lesson["translation"] == {"language": "es", "version": 0, "original": [
        "title", "summary", "cards.0", "cards.1", "questions.0", "questions.1"]}
    assert english.get_json()["content"]["items"] == [
        f"/api/v1/catalog/items/{key}?revision=1&lang=es&translation=0"]

    translate(app, key, SPANISH)
    answer = api.get("/api/v1/bootstrap", headers={"If-None-Match": english.headers["ETag"]})
    assert answer.status_code == 200  # the bundle moved with the translation
    bundle = answer.get_json()
    lesson = bundle["practice"]["lessons"][key]
    assert lesson["title"] == "Seguridad en la caja" and lesson["revision"] == 1
    assert lesson["cards"][1]["text"] == "Cierra la caja con llave."
    assert lesson["questions"][0]["options"][0] == "La caja fuerte"
    assert lesson["questions"][0]["correct"] == [0]
    assert lesson["questions"][1]["prompt"] == "You may leave a till open."
    assert lesson["translation"]["original"] == ["questions.1"]
    line = next(li for li in bundle["plan"]["lines"] if li["format"] == "micro_lesson")
    assert line["title"] == "Seguridad en la caja" and line["title_lang"] is None
    url = f"/api/v1/catalog/items/{key}?revision=1&lang=es&translation=1"
    assert line["content"] == url and bundle["content"]["items"] == [url]

    kept = api.get(url)
    assert kept.get_json()["title"] == "Seguridad en la caja"
    assert "immutable" in kept.headers["Cache-Control"]
    old = api.get(f"/api/v1/catalog/items/{key}?revision=1&lang=es&translation=0")
    assert old.get_json()["title"] == "Seguridad en la caja"  # the words of now, not kept
    assert "immutable" not in old.headers["Cache-Control"]
    original = api.get(f"/api/v1/catalog/items/{key}?revision=1").get_json()
    assert original["title"] == "Till safety" and "translation" not in original


def test_a_changed_original_reaches_a_spanish_learner_in_its_own_words(app, org):
    key = add_lesson(app)
    api = rated_learner(app)
    speaks_spanish(app, "Ana Ruiz")
    translate(app, key, SPANISH)
    revise(app, key, title="Till safety first")
    bundle = api.get("/api/v1/bootstrap").get_json()
    lesson = bundle["practice"]["lessons"][key]
    assert lesson["revision"] == 2 and lesson["title"] == "Till safety first"
    assert lesson["translation"]["original"] == ["title", "questions.1"]
    assert lesson["cards"][0]["text"] == "Cuenta el fondo de caja."
    line = next(li for li in bundle["plan"]["lines"] if li["format"] == "micro_lesson")
    assert line["title"] == "Till safety first" and line["title_lang"] == "en"
    assert bundle["content"]["items"] == [
        f"/api/v1/catalog/items/{key}?revision=2&lang=es&translation=1"]


def test_an_english_learner_s_bundle_is_as_it_was(app, org):
    key = add_lesson(app)
    api = rated_learner(app, "Ben Cole")
    translate(app, key, SPANISH)
    bundle = api.get("/api/v1/bootstrap").get_json()
    lesson = bundle["practice"]["lessons"][key]
    assert lesson["title"] == "Till safety" and lesson["translation"] is None
    assert bundle["content"]["items"] == [f"/api/v1/catalog/items/{key}?revision=1"]


def test_the_translated_address_refuses_what_it_cannot_read(app, org):
    key = add_lesson(app)
    api = sign_in_as(app, "Ana Ruiz")
    for query in ("lang=Spanish", "lang=es&translation=-1", "lang=es&translation=x"):
        answer = api.get(f"/api/v1/catalog/items/{key}?revision=1&{query}")
        assert answer.status_code == 422, query
        assert answer.get_json()["error"] == "invalid_request", query


def test_home_names_the_week_s_lesson_in_spanish_or_marks_it_as_english(app, org):
    key = add_lesson(app)
    api = rated_learner(app)
    speaks_spanish(app, "Ana Ruiz")
    translate(app, key, SPANISH)
    home = api.get("/").get_data(as_text=True)
    assert '<p class="row-title">Seguridad en la caja</p>' in home
    assert "Solo en" not in home
    revise(app, key, title="Till safety first")
    home = api.get("/").get_data(as_text=True)
    assert '<p class="row-title" lang="en">Till safety first</p>' in home
    assert '<p class="only-original">Solo en inglés</p>' in home
