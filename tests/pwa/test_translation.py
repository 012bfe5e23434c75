"""A second catalogue really changes what people read: pages, API errors, engine messages.

This catalogue is made for the test, apart from the Spanish one we ship (which
tests/pwa/test_i18n_es.py checks), so the seam is proven end to end on words the test
controls.
"""

from __future__ import annotations

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo

from pwa.extensions import db
from pwa.models import Person
from tests.factories import Api, enrol, make_invite, make_person


def spanish(folder):
    catalog = Catalog(locale="es")
    catalog.add("Please sign in first.", "Primero inicia sesión.")
    catalog.add("Hello, %(name)s", "Hola, %(name)s", flags=("python-format",))
    catalog.add("There is no role '%(slug)s'.", "No existe el puesto «%(slug)s».",
                flags=("python-format",))
    target = folder / "es" / "LC_MESSAGES"
    target.mkdir(parents=True)
    with open(target / "messages.mo", "wb") as out:
        write_mo(out, catalog)
    return str(folder)


def test_the_browsers_language_before_sign_in(app_factory, org, tmp_path):
    app = app_factory(BABEL_TRANSLATION_DIRECTORIES=spanish(tmp_path))
    answer = app.test_client().get("/api/v1/me", headers={"Accept-Language": "es-ES,es;q=0.9"})
    assert answer.status_code == 401
    assert answer.get_json()["message"] == "Primero inicia sesión."
    english = app.test_client().get("/api/v1/me", headers={"Accept-Language": "en-GB"})
    assert english.get_json()["message"] == "Please sign in first."


def test_the_persons_language_after_sign_in(app_factory, org, tmp_path):
    app = app_factory(BABEL_TRANSLATION_DIRECTORIES=spanish(tmp_path))
    person_id = make_person(app, "Ana Ruiz")
    with app.app_context():
        db.session.get(Person, person_id).locale = "es-MX"
        db.session.commit()
    api = Api(app.test_client())
    enrol(api, make_invite(app, person_id))
    home = api.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Hola, Ana" in home and 'lang="es-MX"' in home
    missing = api.get("/api/v1/roles/no-such-role/profile").get_json()
    assert missing["message"] == "No existe el puesto «no-such-role»."
