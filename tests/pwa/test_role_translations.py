"""A role's name in Spanish: written by its authors beside the profile's competencies, out
of date when the original name changes, and shown wherever a Spanish reader sees the role
(bundle, sign-in, colleagues, server pages), the original marked lang="en" where there is
none."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from engine import profiles as rules
from engine.errors import Conflict, InvalidInput
from pwa import clock
from pwa.extensions import db
from pwa.models import Person, Role, RoleTranslation
from pwa.store import profiles as store
from pwa.store import role_words
from tests.factories import make_person, publish_profile, sign_in_as, token


def _spanish(app, name="Lucía Gómez", role="store-associate"):
    api = sign_in_as(app, name, role)
    with app.app_context():
        db.session.execute(sa.update(Person).where(Person.display_name == name)
                           .values(locale="es-MX"))
        db.session.commit()
    return api


def _name_role(app, texts, slug="store-associate", seen=None):
    with app.app_context():
        role = db.session.scalar(sa.select(Role).where(Role.slug == slug))
        grace = db.session.scalar(sa.select(Person).where(Person.display_name == "Grace Okafor"))
        store.save_role_translation(role, "es", texts, seen=seen, author=grace, now=clock.now())
        db.session.commit()


# The rules ---------------------------------------------------------------------------------


def test_the_rules_show_a_current_translation_and_mark_what_is_not():
    shown = rules.shown_role("Store associate", "Serves customers.", "es",
                             {"name": "Personal de tienda", "description": ""},
                             {"name": "Store associate", "description": "Serves customers."})
    assert (shown.name, shown.description) == ("Personal de tienda", "Serves customers.")
    assert shown.in_original == ("description",)
    renamed = rules.shown_role("Sales associate", "", "es", {"name": "Personal de tienda"},
                               {"name": "Store associate"})
    assert (renamed.name, renamed.in_original) == ("Sales associate", ("name",))
    none = rules.shown_role("Store associate", "", "es", None, None)
    assert none.to_dict("store-associate") == {
        "slug": "store-associate", "name": "Store associate", "in_original": ["name"]}
    english = rules.shown_role("Store associate", "x", "en", None, None)
    assert english.in_original == () and english.name == "Store associate"


def test_the_rules_check_the_language_and_the_limits():
    texts, source = rules.check_role_translation(
        "Store associate", "", "es", {"name": "  Personal   de tienda ", "description": " "})
    assert texts == {"name": "Personal de tienda", "description": ""}
    assert source == {"name": "Store associate", "description": ""}
    with pytest.raises(InvalidInput):
        rules.check_role_translation("Store associate", "", "fr", {"name": "Vendeur"})
    with pytest.raises(InvalidInput) as found:
        rules.check_role_translation("Store associate", "", "es", {"name": "x" * 121})
    assert found.value.details["problems"][0]["field"] == "name"


# What readers are sent ---------------------------------------------------------------------


def test_the_bundle_names_the_role_in_spanish_and_says_when_it_is_the_original(app, org):
    publish_profile(app)
    lucia, ana = _spanish(app), sign_in_as(app, "Ana Ruiz")
    before = lucia.get("/api/v1/bootstrap")
    bundle = before.get_json()
    untranslated = {"slug": "store-associate", "name": "Store associate",
                    "in_original": ["name"]}
    assert bundle["person"]["role"] == untranslated
    assert bundle["profiles"]["store-associate"]["role"] == untranslated

    _name_role(app, {"name": "Personal de tienda"})

    again = lucia.get("/api/v1/bootstrap", headers={"If-None-Match": before.headers["ETag"]})
    assert again.status_code == 200  # the bundle changed with the name
    bundle = again.get_json()
    translated = {"slug": "store-associate", "name": "Personal de tienda", "in_original": []}
    assert bundle["person"]["role"] == translated
    assert bundle["profiles"]["store-associate"]["role"] == translated
    assert lucia.get("/api/v1/me").get_json()["role"] == translated
    english = ana.get("/api/v1/bootstrap").get_json()
    assert english["person"]["role"] == {"slug": "store-associate", "name": "Store associate",
                                         "in_original": []}


def test_the_list_of_roles_speaks_the_readers_language_and_marks_the_original(app, org):
    publish_profile(app)
    lucia, ana = _spanish(app), sign_in_as(app, "Ana Ruiz")

    def role(api, slug="store-associate", **headers):
        answer = api.get("/api/v1/roles", headers=headers)
        found = {r["slug"]: r for r in answer.get_json()["roles"]}[slug]
        return answer, (found["name"], found["description"], found["in_original"])

    before, untranslated = role(lucia)
    assert untranslated == ("Store associate", "", ["name"])  # no description to translate
    _name_role(app, {"name": "Personal de tienda"})
    again, translated = role(lucia, **{"If-None-Match": before.headers["ETag"]})
    assert again.status_code == 200  # a new name is a new list, not a 304
    assert translated == ("Personal de tienda", "", [])
    assert role(ana)[1] == ("Store associate", "", [])
    assert role(lucia, slug="warehouse-picker")[1][2] == ["name"]


def test_a_renamed_role_shows_its_new_name_in_the_original_until_translated_again(app, org):
    publish_profile(app)
    lucia = _spanish(app)
    _name_role(app, {"name": "Personal de tienda"})
    with app.app_context():
        db.session.execute(sa.update(Role).where(Role.slug == "store-associate")
                           .values(name="Sales associate"))
        db.session.commit()
        role = db.session.scalar(sa.select(Role).where(Role.slug == "store-associate"))
        line = role_words.line(role, "es")
        assert line.states["name"] == "out_of_date" and line.to_do == {"name": "out_of_date"}
    assert lucia.get("/api/v1/me").get_json()["role"] == {
        "slug": "store-associate", "name": "Sales associate", "in_original": ["name"]}


def test_the_sign_in_and_the_colleagues_name_roles_in_the_readers_language(app, org):
    publish_profile(app)
    _name_role(app, {"name": "Personal de tienda"})
    make_person(app, "Ana Ruiz")
    make_person(app, "Andrés Picker", "warehouse-picker")
    lucia = _spanish(app)
    found = {c["name"]: c["role"] for c in
             lucia.get("/api/v1/colleagues?q=an").get_json()["colleagues"]}
    assert found["Ana Ruiz"] == {"slug": "store-associate", "name": "Personal de tienda",
                                 "in_original": []}
    assert found["Andrés Picker"] == {"slug": "warehouse-picker", "name": "Warehouse picker",
                                      "in_original": ["name"]}
    with app.app_context():
        from pwa.models import Passkey
        from pwa.store import passkeys
        credential = db.session.scalar(sa.select(Passkey.credential_id).join(Person).where(
            Person.display_name == "Lucía Gómez"))
        signing_in = passkeys.for_sign_in(credential)
        assert signing_in is not None
        assert signing_in.summary["role"] == {"slug": "store-associate",
                                              "name": "Personal de tienda", "in_original": []}


def test_two_authors_do_not_overwrite_each_other_silently(app, org):
    publish_profile(app)
    _name_role(app, {"name": "Personal de tienda"})
    with pytest.raises(Conflict):
        _name_role(app, {"name": "Otro nombre"})  # as if opened before the first save
    with app.app_context():
        assert db.session.scalar(sa.select(RoleTranslation.texts))["name"] == (
            "Personal de tienda")


# Server pages ------------------------------------------------------------------------------


def test_the_home_page_names_the_role_in_spanish_or_marks_the_original(app, org):
    publish_profile(app)
    lucia = _spanish(app)
    html = lucia.get("/").get_data(as_text=True)
    assert '<span class="who-role"><span lang="en">Store associate</span></span>' in html
    with app.app_context():
        db.session.execute(sa.update(Role).where(Role.slug == "store-associate")
                           .values(description="Serves customers."))
        db.session.commit()
    _name_role(app, {"name": "Personal de tienda", "description": "Atiende a la clientela."})
    html = lucia.get("/").get_data(as_text=True)
    assert '<span class="who-role">Personal de tienda</span>' in html
    assert '<p class="big">Personal de tienda</p>' in html
    assert "<p>Atiende a la clientela.</p>" in html
    english = sign_in_as(app, "Ana Ruiz").get("/").get_data(as_text=True)
    assert '<span class="who-role">Store associate</span>' in english
    assert "Personal de tienda" not in english
    page = lucia.get("/roles/store-associate").get_data(as_text=True)
    assert "<title>Personal de tienda" in page and "<h1>Personal de tienda</h1>" in page


# The author's desk -------------------------------------------------------------------------


def _seen(html):
    return re.search(r'name="seen"[^>]*value="([^"]*)"', html).group(1) \
        if re.search(r'name="seen"[^>]*value="', html) else ""


def test_the_author_translates_the_roles_name_beside_the_competencies(app, org):
    publish_profile(app)
    grace = sign_in_as(app, "Grace Okafor")
    html = grace.get("/author/store-associate/translations/es/1").get_data(as_text=True)
    assert 'id="role-name"' in html and "Role name" in html
    assert "3 of 3 (the role’s name and each competency)" in html
    assert '<p lang="en">Store associate</p>' in html

    url = "/author/store-associate/translations/es/1/role-name"
    form = grace.get(url).get_data(as_text=True)
    assert 'lang="es"' in form and "Store associate" in form
    saved = grace.client.post(url, data={"csrf_token": token(form), "seen": _seen(form),
                                         "name": "Personal de tienda"})
    assert saved.status_code == 302 and saved.headers["Location"].endswith(
        "/author/store-associate/translations/es/1#role-name")
    html = grace.get("/author/store-associate/translations/es/1").get_data(as_text=True)
    assert '<p lang="es">Personal de tienda</p>' in html
    assert "2 of 3 (the role’s name and each competency)" in html
    desk = grace.get("/author/store-associate").get_data(as_text=True)
    assert "2 of 3 to translate or look at again" in desk

    stale = grace.client.post(url, data={"csrf_token": token(form), "seen": _seen(form),
                                         "name": "Otro nombre"})
    assert stale.status_code == 409 and "Not saved." in stale.get_data(as_text=True)
    fresh = grace.get(url).get_data(as_text=True)
    too_long = grace.client.post(url, data={"csrf_token": token(fresh), "seen": _seen(fresh),
                                            "name": "x" * 121})
    assert too_long.status_code == 422
    assert grace.get("/author/store-associate/translations/fr/1/role-name").status_code == 404
    assert grace.get("/author/store-associate/translations/es/7/role-name").status_code == 404
    assert sign_in_as(app, "Ana Ruiz").get(url).status_code == 403
