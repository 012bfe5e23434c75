"""A profile's competencies in Spanish beside the original: written by the role's authors on
the current version or the draft, out of date when the original changes, read by learners
in their language where it exists and in the original, marked, elsewhere; never a reason
to rate again."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

import pytest
import sqlalchemy as sa

from engine import profiles as rules
from engine.errors import Conflict, InvalidInput
from pwa import clock
from pwa.extensions import db
from pwa.models import Item, Person, PlanSuggestion, ProfileTranslation, ProfileVersion, Role
from pwa.store import profiles as store
from pwa.store.profiles import levels_digest
from tests.factories import (
    LEVELS,
    comp,
    moment,
    publish_change,
    publish_profile,
    rate,
    seed_catalogue,
    sign_in_as,
    token,
)

SPANISH = {
    "name": "Saludar a la clientela",
    "description": "Sobre saludar a la clientela.",
    "group": "Clientela",
    "level 1": "Observa cómo sus colegas saludan y aprende lo básico.",
    "level 2": "Saluda cuando una persona de su equipo se lo recuerda.",
    "level 3": "Saluda a cada cliente en diez segundos y le ofrece ayuda.",
    "level 4": "Entiende lo que cada cliente necesita y se adapta, aun con prisa.",
    "level 5": "Enseña a colegas nuevos a saludar y ayudar a la clientela.",
}


def _spanish_person(app, name="Lucía Gómez", locale="es-MX"):
    api = sign_in_as(app, name)
    with app.app_context():
        db.session.execute(sa.update(Person).where(Person.display_name == name)
                           .values(locale=locale))
        db.session.commit()
    return api


def _role_and_author(author="Grace Okafor"):
    """The store associate's role and one of its authors, in the caller's app context."""
    return (db.session.scalar(sa.select(Role).where(Role.slug == "store-associate")),
            db.session.scalar(sa.select(Person).where(Person.display_name == author)))


def _translate(app, texts, *, number=None, key="greet", author="Grace Okafor", when=None):
    with app.app_context():
        role, person = _role_and_author(author)
        v = store.current(role) if number is None else store.version(role, number)
        seen = db.session.scalar(sa.select(ProfileTranslation.updated_at).where(
            ProfileTranslation.version_id == v.id,
            ProfileTranslation.language == "es",
            ProfileTranslation.competency.has(key=key)))
        store.save_translation(v, key, "es", texts, seen=seen, author=person,
                               now=when or clock.now())
        db.session.commit()


def _bootstrap_profile(api):
    return api.get("/api/v1/bootstrap").get_json()["profiles"]["store-associate"]


def test_a_spanish_learner_reads_the_translation_and_the_original_where_there_is_none(app, org):
    publish_profile(app)
    _translate(app, {**SPANISH, "description": ""})
    lucia, ana = _spanish_person(app), sign_in_as(app, "Ana Ruiz")

    profile = _bootstrap_profile(lucia)
    assert (profile["language"], profile["original_language"]) == ("es", "en")
    greet, tills = profile["competencies"]
    assert greet["name"] == "Saludar a la clientela" and greet["group"] == "Clientela"
    assert greet["levels"] == [SPANISH[f"level {n}"] for n in range(1, 6)]
    # Not translated: the original, named so that the phone marks it.
    assert greet["description"] == "About greeting customers." and greet["in_original"] == [
        "description"]
    # The original's descriptors travel as a digest (the phone compares profiles by it):
    # the same for the same words in either language, another for other words.
    assert greet["levels_digest"] == levels_digest(LEVELS) != levels_digest(greet["levels"])
    assert "original_levels" not in greet
    assert tills["name"] == "Using the tills" and tills["in_original"] == list(rules.FIELDS)
    assert tills["levels_digest"] == levels_digest(tills["levels"])
    assert levels_digest(["a", "b"]) != levels_digest(["a,b"]) != levels_digest(["ab"])

    english = _bootstrap_profile(ana)
    assert english["language"] == "en"
    assert english["competencies"][0]["name"] == "Greeting customers"
    assert "in_original" not in english["competencies"][0]


def test_a_competency_two_profiles_share_has_one_digest_whichever_is_translated(app, org):
    """The phone counts a rating in one profile for the other when their original
    descriptors match (static/js/state.js `shared`): in Spanish it compares digests."""
    publish_profile(app)
    tills = replace(comp("tills", "Using the tills"), levels=tuple(f"{t} Fast." for t in LEVELS))
    publish_profile(app, "warehouse-picker", "Marcus Johnson",
                    comps=(comp("greet", "Greeting customers"), tills))
    _translate(app, SPANISH)  # the store associate's greeting only
    lucia = _spanish_person(app)
    with app.app_context():
        db.session.execute(sa.update(Person).where(Person.display_name == "Lucía Gómez")
                           .values(future_role_id=org["roles"]["warehouse-picker"]))
        db.session.commit()
    profiles = lucia.get("/api/v1/bootstrap").get_json()["profiles"]
    mine = {c["key"]: c for c in profiles["store-associate"]["competencies"]}
    future = {c["key"]: c for c in profiles["warehouse-picker"]["competencies"]}
    assert mine["greet"]["levels"] != future["greet"]["levels"]  # Spanish against English
    assert mine["greet"]["levels_digest"] == future["greet"]["levels_digest"]
    assert mine["tills"]["levels_digest"] != future["tills"]["levels_digest"]


def test_a_translation_on_the_published_version_moves_the_bundle_and_asks_nobody_to_rate_again(
        app, org):
    publish_profile(app)
    lucia = _spanish_person(app)
    sent = lucia.post("/api/v1/sync", {"events": [{
        "id": "2f1b8a5e-6c0e-4f7e-9a51-3f1f1c1b2a01", "type": "rating.set", "schema": 1,
        "occurred_at": moment(-5), "device_id": "phone-1",
        "data": {"role": "store-associate", "competency": "greet", "version": 1,
                 "level": 3, "note": None}}]}).get_json()
    assert len(sent["accepted"]) == 1, sent
    first = lucia.get("/api/v1/bootstrap")
    etag = first.headers["ETag"]

    _translate(app, SPANISH)

    again = lucia.get("/api/v1/bootstrap", headers={"If-None-Match": etag})
    assert again.status_code == 200 and again.headers["ETag"] != etag
    bundle = again.get_json()
    assert bundle["profiles"]["store-associate"]["number"] == 1  # no new version
    assert bundle["profiles"]["store-associate"]["competencies"][0]["name"] == SPANISH["name"]
    assert bundle["rerate"].get("store-associate", []) == []
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ProfileVersion)) == 1
        role = db.session.scalar(sa.select(Role).where(Role.slug == "store-associate"))
        assert [d.unchanged for d in store.diff(store.current(role), store.current(role))] == [
            True, True]


def test_a_draft_keeps_the_translation_and_a_changed_original_marks_it_out_of_date(app, org):
    author_id = publish_profile(app)
    _translate(app, SPANISH)
    publish_change(app, author_id, 0, lambda c: replace(
        c, levels=(*c.levels[:2], "Greets every customer within five seconds.", *c.levels[3:])),
        "Level 3 is quicker now.")
    with app.app_context():
        role = db.session.scalar(sa.select(Role).where(Role.slug == "store-associate"))
        line = store.translation_lines(store.current(role), "es")[0]
        assert line.states["level 3"] == "out_of_date" and line.states["name"] == "current"
        assert line.to_do == {"level 3": "out_of_date"}
        assert line.translation.source["level 3"] == LEVELS[2]  # what it was made from

    profile = _bootstrap_profile(_spanish_person(app))
    greet = profile["competencies"][0]
    assert profile["number"] == 2 and greet["in_original"] == ["level 3"]
    assert greet["levels"][2] == "Greets every customer within five seconds."
    assert greet["levels"][1] == SPANISH["level 2"] and greet["name"] == SPANISH["name"]

    # Translated again against the new words, it is current again.
    _translate(app, {**SPANISH, "level 3": "Saluda a cada cliente en cinco segundos."})
    assert _bootstrap_profile(_spanish_person(app, "Rosa Díaz"))["competencies"][0][
        "in_original"] == []


def test_a_competency_removed_from_the_draft_takes_its_translation(app, org):
    publish_profile(app)
    _translate(app, SPANISH)
    with app.app_context():
        role, grace = _role_and_author()
        draft = store.open_draft(role, grace, clock.now())
        assert store.translations(draft, "es")["greet"].texts["name"] == SPANISH["name"]
        store.save_draft(draft, store.competencies(draft)[1:], expected_revision=draft.revision,
                         author=grace, now=clock.now())
        db.session.commit()
        assert store.translations(draft, "es") == {}
        assert store.translations(store.current(role), "es")["greet"]  # published: kept


def test_only_the_current_version_and_the_draft_take_translations(app, org):
    author_id = publish_profile(app)
    publish_change(app, author_id, 1, lambda c: replace(c, target=3), "Tills: target 3.")
    with pytest.raises(Conflict):
        _translate(app, SPANISH, number=1)
    with pytest.raises(InvalidInput):
        _translate(app, {**SPANISH, "name": "x" * 121})
    with app.app_context(), pytest.raises(InvalidInput):
        rules.check_translation(comp("greet", "Greeting customers"), "fr", SPANISH)


def test_two_authors_do_not_overwrite_each_other_silently(app, org):
    publish_profile(app)
    _translate(app, SPANISH)
    with app.app_context():
        role, grace = _role_and_author()
        with pytest.raises(Conflict):  # opened before the first save
            store.save_translation(store.current(role), "greet", "es", SPANISH, seen=None,
                                   author=grace, now=clock.now() + timedelta(minutes=1))


def _form(html):
    return {"csrf_token": token(html),
            "seen": re.search(r'name="seen"[^>]*value="([^"]*)"', html).group(1)
            if 'name="seen"' in html and 'value="' in html.split('name="seen"')[1][:80] else ""}


def test_the_author_desk_shows_both_languages_and_saves_the_spanish(app, org):
    publish_profile(app)
    grace = sign_in_as(app, "Grace Okafor")
    desk = grace.get("/author/store-associate").get_data(as_text=True)
    # Two competencies and the role's name.
    assert "Version 1 in Spanish" in desk and "3 of 3 to translate or look at again" in desk

    page = grace.get("/author/store-associate/translations/es/1")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Greeting customers" in html and "English" in html
    assert html.count("Not translated yet") >= 16

    url = "/author/store-associate/translations/es/1/greet"
    form = grace.get(url).get_data(as_text=True)
    assert 'lang="es"' in form and LEVELS[2] in form
    data = {**_form(form), **{name.replace(" ", "_"): text for name, text in SPANISH.items()}}
    saved = grace.client.post(url, data=data)
    assert saved.status_code == 302 and saved.headers["Location"].endswith("#c-greet")
    html = grace.get("/author/store-associate/translations/es/1").get_data(as_text=True)
    assert SPANISH["level 4"] in html and "2 of 3 (the role’s name and each competency)" in html

    # The same form sent again, from before that save: refused, theirs shown.
    stale = grace.client.post(url, data={**data, "name": "Otro nombre"})
    assert stale.status_code == 409 and "Not saved." in stale.get_data(as_text=True)
    too_long = grace.client.post(url, data={**_form(grace.get(url).get_data(as_text=True)),
                                            "name": "x" * 121})
    assert too_long.status_code == 422
    assert grace.get("/author/store-associate/translations/fr/1").status_code == 404
    assert grace.get("/author/store-associate/translations/es/7").status_code == 404
    assert grace.get("/author/store-associate/translations/es/1/nope").status_code == 404


def test_the_spanish_desk_reads_in_spanish(app, org):
    publish_profile(app)
    grace = sign_in_as(app, "Grace Okafor")
    with app.app_context():
        db.session.execute(sa.update(Person).where(Person.display_name == "Grace Okafor")
                           .values(locale="es-MX"))
        db.session.commit()
    html = grace.get("/author/store-associate/translations/es/1").get_data(as_text=True)
    assert "Español" in html and "Inglés" in html and "Aún sin traducir" in html


def test_the_versioned_profile_is_cached_forever_only_in_the_original(app, org):
    publish_profile(app)
    _translate(app, SPANISH)
    lucia, ana = _spanish_person(app), sign_in_as(app, "Ana Ruiz")
    spanish = lucia.get("/api/v1/roles/store-associate/profile?version=1")
    english = ana.get("/api/v1/roles/store-associate/profile?version=1")
    assert spanish.get_json()["competencies"][0]["name"] == SPANISH["name"]
    assert english.get_json()["competencies"][0]["name"] == "Greeting customers"
    assert "immutable" in english.headers["Cache-Control"]
    assert "immutable" not in spanish.headers["Cache-Control"]


def test_the_profile_page_reads_in_spanish_where_translated(app, org):
    publish_profile(app)
    _translate(app, {**SPANISH, "description": ""})
    html = _spanish_person(app).get("/roles/store-associate").get_data(as_text=True)
    assert SPANISH["name"] in html and SPANISH["level 3"] in html
    assert '<p lang="en">About greeting customers.</p>' in html  # not translated: marked
    assert "En parte solo en inglés" in html and "Solo en inglés" in html
    assert '<span class="competency-name" lang="en">Using the tills</span>' in html
    english = sign_in_as(app, "Ana Ruiz").get("/roles/store-associate").get_data(as_text=True)
    assert SPANISH["name"] not in english and 'lang="en"' not in english.split("<body")[1]


def rate_both_low(api):
    """Greeting and tills rated 1 through sync: both in the plan."""
    sent = api.post("/api/v1/sync", {"events": [{
        "id": f"2f1b8a5e-6c0e-4f7e-9a51-3f1f1c1b2a0{n}", "type": "rating.set", "schema": 1,
        "occurred_at": moment(-5), "device_id": "phone-1",
        "data": {"role": "store-associate", "competency": key, "version": 1,
                 "level": 1, "note": None}} for n, key in enumerate(("greet", "tills"))]})
    assert len(sent.get_json()["accepted"]) == 2


def test_the_plan_names_a_competency_as_the_learners_profile_does(app, org):
    seed_catalogue(app)
    _translate(app, SPANISH)
    lucia = _spanish_person(app)
    rate_both_low(lucia)
    plan = lucia.get("/api/v1/plan").get_json()["plan"]
    lines = {x["competency"]: x for x in plan["lines"]}
    assert lines["greet"]["reasons"][0].startswith(f"{SPANISH['name']}:")
    assert lines["tills"]["reasons"][0].startswith("Using the tills:")  # not translated


def test_what_the_plan_names_in_the_original_carries_its_language(app, org):
    seed_catalogue(app)
    _translate(app, SPANISH)
    lucia = _spanish_person(app)
    with app.app_context():
        till = db.session.scalar(sa.select(Item).where(Item.key == "till-basics"))
        person = db.session.scalar(sa.select(Person).where(Person.display_name == "Lucía Gómez"))
        db.session.add_all([PlanSuggestion(
            id=f"5d0c7c1e-3b7a-4c55-9a0e-0c1d2e3f4a5{n}", person_id=person.id, from_name="Grace",
            competency=key, item_id=till.id, sent_at=clock.now()) for n, key in enumerate(
                ("greet", "tills"))])
        db.session.commit()
    rate_both_low(lucia)
    plan = lucia.get("/api/v1/plan").get_json()["plan"]
    lines = {x["competency"]: x for x in plan["lines"]}
    assert (lines["greet"]["competency_name"], lines["greet"]["competency_lang"]) == (
        SPANISH["name"], None)
    assert (lines["tills"]["competency_name"], lines["tills"]["competency_lang"]) == (
        "Using the tills", "en")  # not translated: its language, for the phone to mark
    assert lines["tills"]["title_lang"] == "en"  # nor is the item
    suggested = {s["competency"]: s for s in plan["suggestions"]}
    assert [suggested[k]["competency_lang"] for k in ("greet", "tills")] == [None, "en"]
    assert suggested["greet"]["title_lang"] == "en"

    home = lucia.get("/").get_data(as_text=True)
    assert '<span lang="en">Using the tills</span> ·' in home
    assert f'<span lang="en">{SPANISH["name"]}</span>' not in home
    english = sign_in_as(app, "Ana Ruiz")
    ana = english.get("/api/v1/plan").get_json()["plan"]
    assert all(x["competency_lang"] is None for x in ana["lines"] + ana["dropped"])


def test_what_changed_in_a_profile_reads_in_the_original_marked_for_a_spanish_reader(app, org):
    grace_id = publish_profile(app)
    publish_change(app, grace_id, 1, lambda c: replace(c, name="Running the tills"),
                   "Renamed the tills.")
    html = _spanish_person(app).get("/roles/store-associate/changes/2").get_data(as_text=True)
    assert '<h3 lang="en">Running the tills</h3>' in html
    assert '<del lang="en">Using the tills</del>' in html
    assert '<ins lang="en">Running the tills</ins>' in html
    english = sign_in_as(app, "Ana Ruiz").get("/roles/store-associate/changes/2")
    assert "<h3>Running the tills</h3>" in english.get_data(as_text=True)


def test_a_spanish_mentor_offers_help_in_competencies_named_in_spanish_or_marked(app, org):
    """Mentoring names what a person may offer as the profile does: in their language where
    its authors translated it, and in the original, marked, where they did not."""
    publish_profile(app)
    _translate(app, SPANISH)  # the greeting only
    lucia = _spanish_person(app)
    rate(app, "Lucía Gómez", "store-associate", {"greet": 5, "tills": 5})
    mentoring = lucia.get("/api/v1/bootstrap").get_json()["mentoring"]
    assert mentoring["may_offer"] == [
        {"key": "greet", "name": "Saludar a la clientela", "lang": None},
        {"key": "tills", "name": "Using the tills", "lang": "en"}]
    english = sign_in_as(app, "Ana Ruiz")
    rate(app, "Ana Ruiz", "store-associate", {"greet": 5})
    assert english.get("/api/v1/bootstrap").get_json()["mentoring"]["may_offer"] == [
        {"key": "greet", "name": "Greeting customers", "lang": None}]
