"""Dates and times follow the reader's locale and time zone; the locale comes from the person,
then the browser, then English."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from pwa import clock
from pwa.extensions import db
from pwa.models import Person
from tests.factories import make_invite, make_person, sign_in_as

NOW = datetime(2026, 3, 10, 15, 30, tzinfo=UTC)  # New York is on summer time, London not yet


def pending_line(app, monkeypatch, locale, zone):
    """The L&D admin's view of an invite that expires on 17 March 2026 at 15:30 UTC."""
    monkeypatch.setattr(clock, "now", lambda: NOW)
    admin = sign_in_as(app, "Priya N", ld_admin=True)
    make_invite(app, make_person(app, "Ben Ode"), ttl_days=7)
    with app.app_context():
        person = db.session.scalar(sa.select(Person).where(Person.display_name == "Priya N"))
        person.locale, person.time_zone = locale, zone
        db.session.commit()
    html = admin.get("/admin/invites").get_data(as_text=True).replace("\u202f", " ")
    return html


@pytest.mark.parametrize("locale, zone, shown", [
    ("en-US", "America/New_York", "Store associate · expires Mar 17, 2026, 11:30 AM"),
    ("en-GB", "Europe/London", "Store associate · expires 17 Mar 2026, 15:30"),
    ("en-GB", "Asia/Tokyo", "Store associate · expires 18 Mar 2026, 00:30"),
])
def test_a_time_is_shown_in_the_readers_zone_and_format(app, org, monkeypatch, locale, zone,
                                                        shown):
    html = pending_line(app, monkeypatch, locale, zone)
    assert shown in html, html
    assert f'<html lang="{locale}">' in html


@pytest.mark.parametrize("locale, lang, shown", [
    # No German catalogue: English words, Germany's order of day and month.
    ("de-DE", "en-DE", "Store associate · expires 17 Mar 2026, 16:30"),
    # No English of Vietnam is known: plain English.
    ("vi-VN", "en", "Store associate · expires Mar 17, 2026, 10:30 PM"),
])
def test_a_language_without_a_catalogue_keeps_the_page_in_one_language(
        app, org, monkeypatch, locale, lang, shown):
    zone = "Europe/Berlin" if locale == "de-DE" else "Asia/Ho_Chi_Minh"
    html = pending_line(app, monkeypatch, locale, zone)
    assert shown in html, html
    assert f'<html lang="{lang}">' in html
    assert "März" not in html  # no month name of another language


def test_the_locale_falls_back_to_the_browser_then_english(app, org):
    client = app.test_client()
    assert '<html lang="en-GB">' in client.get(
        "/signin", headers={"Accept-Language": "xx-YY, en-GB;q=0.8"}).get_data(as_text=True)
    assert '<html lang="en">' in client.get("/signin").get_data(as_text=True)
    assert '<html lang="en">' in client.get(
        "/signin", headers={"Accept-Language": "zz"}).get_data(as_text=True)
    # A language without a catalogue gives way to the next one the browser reads.
    assert '<html lang="en-GB">' in client.get(
        "/signin", headers={"Accept-Language": "de-DE, en-GB;q=0.8"}).get_data(as_text=True)
    assert '<html lang="en-DE">' in client.get(
        "/signin", headers={"Accept-Language": "de-DE"}).get_data(as_text=True)


def test_the_persons_region_wins_over_the_browsers(app, org):
    """Ana chose de-DE on a phone set to American English: English words, Germany's dates."""
    api = sign_in_as(app, "Ana Ruiz")
    with app.app_context():
        person = db.session.scalar(sa.select(Person).where(Person.display_name == "Ana Ruiz"))
        person.locale = "de-DE"
        db.session.commit()
    html = api.get("/account/passkeys", headers={"Accept-Language": "en-US,en;q=0.9"}) \
        .get_data(as_text=True)
    assert '<html lang="en-DE">' in html
