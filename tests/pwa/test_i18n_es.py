"""Spanish from end to end on the server: the catalogue is complete and current, every
translation keeps its placeholders and markup, and a person reads Spanish where they asked
for it (their setting, else their browser), errors raised in Python included.

The catalogue template (messages.pot) is compared with a fresh extraction of the code in
tests/pwa/test_strings.py; here each language's catalogue is compared with the template.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po
from flask_babel import force_locale, format_time

from engine import people as people_rules
from engine.errors import DomainError
from pwa import clock
from pwa.extensions import db
from pwa.i18n import amount_text, and_list, day, locale_of, money, parse_amount, translate_error
from pwa.models import Person
from tests.factories import Api, enrol, make_invite, make_person, sign_in_as

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "pwa" / "i18n" / "translations"
LANGUAGES = sorted(p.name for p in TRANSLATIONS.iterdir() if (p / "LC_MESSAGES").is_dir())
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%%")
# Markup a translation must keep: the HTML elements the strings hold, not words in angle
# brackets that stand for something to type ("c:<number>").
MARKUP = re.compile(r"</?(?:a|abbr|b|br|code|del|em|ins|kbd|p|small|span|strong)\b[^>]*>")


def catalogue(path: Path) -> Catalog:
    with path.open("rb") as f:
        return read_po(f)


def ids(message: Message) -> tuple[str, ...]:
    return (message.id,) if isinstance(message.id, str) else tuple(message.id)


def strings(message: Message) -> tuple[str, ...]:
    return (message.string,) if isinstance(message.string, str) else tuple(message.string)


def problems(template: Catalog, translated: Catalog) -> list[str]:
    """What keeps ``translated`` from being a complete, faithful catalogue of ``template``."""
    found = []
    for message in template:
        if not message.id:
            continue
        key = ids(message)[0]
        mine = translated.get(message.id)
        if mine is None:
            found.append(f"missing: {key}")
            continue
        if mine.fuzzy:
            found.append(f"fuzzy: {key}")
        forms = strings(mine)
        if isinstance(message.id, tuple) != isinstance(mine.id, tuple) or \
                (isinstance(message.id, tuple) and len(forms) != translated.num_plurals):
            found.append(f"plural forms: {key}")
            continue
        if not all(forms):
            found.append(f"untranslated: {key}")
            continue
        sources = ids(message)
        for n, form in enumerate(forms):
            source = sources[min(n, len(sources) - 1)]  # one: the singular; the rest: plural
            if sorted(PLACEHOLDER.findall(form)) != sorted(PLACEHOLDER.findall(source)) \
                    and not (n == 0 and len(sources) > 1
                             and set(PLACEHOLDER.findall(form)) <= set(PLACEHOLDER.findall(
                                 " ".join(sources)))):
                found.append(f"placeholders: {key} -> {form}")
            if sorted(MARKUP.findall(form)) != sorted(MARKUP.findall(source)):
                found.append(f"markup: {key} -> {form}")
            if "(s)" in form:
                found.append(f"a plural written as (s): {form}")
    obsolete = {ids(m)[0] for m in translated if m.id and template.get(m.id) is None}
    found += [f"not in the template: {key}" for key in sorted(obsolete)]
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_is_translated_with_its_placeholders_and_markup(language):
    template = catalogue(TRANSLATIONS / "messages.pot")
    translated = catalogue(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po")
    assert problems(template, translated) == [], \
        "run `make messages`, then translate what it lists in the .po"


def test_spanish_is_one_of_the_catalogues_and_says_one_and_many():
    assert "es" in LANGUAGES
    spanish = catalogue(TRANSLATIONS / "es" / "LC_MESSAGES" / "messages.po")
    assert spanish.num_plurals == 2 and spanish.plural_expr == "(n != 1)"


def test_the_catalogue_check_can_fail():
    template = Catalog()
    for msgid in ["Saved.", "Hello, %(name)s", 'Open <a href="%(url)s">it</a>', "Gone"]:
        template.add(msgid)
    template.add(("%(count)s item", "%(count)s items"))
    template.add("Back")
    bad = Catalog(locale="en")  # one and other, as Spanish here
    bad.add("Saved.", "")  # untranslated
    bad.add("Hello, %(name)s", "Hola, %(nombre)s")  # a placeholder renamed
    bad.add('Open <a href="%(url)s">it</a>', "Ábrelo en %(url)s")  # the link dropped
    bad.add("Gone", "Ya no está", flags=["fuzzy"])
    bad.add(("%(count)s item", "%(count)s items"), ("%(count)s recurso(s)", "%(count)s recurso(s)"))
    bad.add("Old", "Viejo")  # no longer in the code
    assert problems(template, bad) == [
        "untranslated: Saved.",
        "placeholders: Hello, %(name)s -> Hola, %(nombre)s",
        'markup: Open <a href="%(url)s">it</a> -> Ábrelo en %(url)s',
        "fuzzy: Gone",
        "a plural written as (s): %(count)s recurso(s)",
        "a plural written as (s): %(count)s recurso(s)",
        "missing: Back",
        "not in the template: Old",
    ]
    good = Catalog(locale="en")
    good.add(("%(count)s item", "%(count)s items"), ("un recurso", "%(count)s recursos"))
    good_template = Catalog()
    good_template.add(("%(count)s item", "%(count)s items"))
    assert problems(good_template, good) == []  # "one" may say the number in words


NOW = datetime(2026, 3, 10, 15, 30, tzinfo=UTC)


def set_locale(app, name: str, locale: str) -> None:
    with app.app_context():
        person = db.session.scalar(sa.select(Person).where(Person.display_name == name))
        person.locale = locale
        db.session.commit()


def test_a_person_whose_locale_is_spanish_reads_spanish_with_their_regions_dates(
        app, org, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)
    admin = sign_in_as(app, "Priya N", ld_admin=True)
    make_invite(app, make_person(app, "Ben Ode"), ttl_days=7)
    set_locale(app, "Priya N", "es-MX")
    html = admin.get("/admin/invites", headers={"Accept-Language": "en-US"}) \
        .get_data(as_text=True).replace("\u202f", " ").replace("\xa0", " ")
    assert '<html lang="es-MX">' in html
    assert "Enlaces sin usar todavía" in html and "Links not used yet" not in html
    assert "vence el 17 mar 2026, 3:30 p.m." in html, html  # Mexico's clock


def test_the_browser_chooses_when_nobody_is_signed_in(app, org):
    client = app.test_client()
    page = client.get("/signin", headers={"Accept-Language": "es-419,es;q=0.9,en;q=0.5"})
    html = page.get_data(as_text=True)
    assert '<html lang="es-419">' in html
    assert "Iniciar sesión con una llave de acceso" in html and "Sign in with" not in html
    assert "Iniciar sesión" in client.get(
        "/signin", headers={"Accept-Language": "de-DE, es-MX;q=0.5"}).get_data(as_text=True)


def test_a_person_who_chose_english_keeps_english_on_a_spanish_phone(app, org):
    api = sign_in_as(app, "Ana Ruiz")
    set_locale(app, "Ana Ruiz", "en-US")
    html = api.get("/account", headers={"Accept-Language": "es-MX"}).get_data(as_text=True)
    assert '<html lang="en-US">' in html and "Your account" in html


def test_errors_raised_in_python_read_in_spanish(app):
    with app.test_request_context(), force_locale("es_MX"):
        with pytest.raises(DomainError) as raised:
            people_rules.check_locale("not a tag")
        assert translate_error(raised.value) == \
            "“not a tag” no es una etiqueta de idioma como en-US o es-MX."
        assert locale_of("es-AR") == "es_AR"


def test_an_error_page_reads_in_spanish(app, org):
    html = app.test_client().get("/no-such-page", headers={"Accept-Language": "es"}) \
        .get_data(as_text=True)
    assert "No se encontró la página" in html and "Page not found" not in html


def test_a_push_reminder_reads_in_the_persons_language(app):
    from flask_babel import gettext

    with app.app_context(), force_locale(locale_of("es-MX")):
        assert gettext("Today's practice is ready") == "La práctica de hoy está lista"


def enrol_with(app, name: str, languages: str | None) -> str:
    api = Api(app.test_client())
    if languages:
        api.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = languages
    person_id = make_person(app, name)
    _, answer = enrol(api, make_invite(app, person_id))
    assert answer.status_code == 200, answer.get_json()
    with app.app_context():
        return db.session.get(Person, person_id).locale


def test_a_person_nobody_chose_a_language_for_keeps_their_phones_on_enrolment(app, org):
    assert enrol_with(app, "Ana Ruiz", "es-MX,es;q=0.9,en;q=0.5") == "es-MX"
    assert enrol_with(app, "Ben Ode", "en-GB,en;q=0.9") == "en"  # English: nothing to adopt
    assert enrol_with(app, "Mei Lin", "pl-PL") == "en"  # no Polish catalogue
    assert enrol_with(app, "Tomasz Nowak", None) == "en"


def test_a_language_chosen_for_a_person_wins_over_their_phones(app, org):
    person_id = make_person(app, "Ana Ruiz")
    with app.app_context():
        db.session.get(Person, person_id).locale = "en-US"  # from the HR file, say
        db.session.commit()
    api = Api(app.test_client())
    api.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es-MX"
    assert enrol(api, make_invite(app, person_id))[1].status_code == 200
    with app.app_context():
        assert db.session.get(Person, person_id).locale == "en-US"


@pytest.mark.parametrize("locale, shown", [
    # Mexico and the US write 1,200.50 and a 12-hour clock; Spain and Argentina 1.200,50.
    ("es_MX", ("$1,200.50", "1,234.5", "17 mar 2026", "3:30 p.m.", "Ana, Ben y Mei")),
    ("es_US", ("MXN1,200.50", "1,234.5", "17 mar 2026", "3:30 p.m.", "Ana, Ben y Mei")),
    ("es_ES", ("1.200,50 MXN", "1.234,5", "17 mar 2026", "15:30", "Ana, Ben y Mei")),
    ("es_AR", ("MXN1.200,50", "1.234,5", "17 mar 2026", "15:30", "Ana, Ben y Mei")),
])
def test_money_numbers_dates_and_lists_follow_the_spanish_of_the_region(app, locale, shown):
    when = datetime(2026, 3, 17, 15, 30, tzinfo=UTC)
    with app.test_request_context(), force_locale(locale):
        found = (money(120050, "MXN"), str(parse_amount(shown[1])), day(when),
                 str(format_time(when, "short")), and_list(["Ana", "Ben", "Mei"]))
        assert tuple(t.replace("\xa0", " ").replace("\u202f", " ") for t in found) == (
            shown[0], "1234.5", shown[2], shown[3], shown[4])
        assert parse_amount(amount_text(1250)) == Decimal("12.50")


def test_the_api_answers_errors_in_the_readers_language(app, org):
    client = app.test_client()
    answer = client.get("/api/v1/me", headers={"Accept-Language": "es-MX"})
    assert answer.status_code == 401
    assert answer.get_json()["message"] == "Primero inicia sesión."
