"""The learner's language chosen on a phone (``person.language.changed``): the change that
happened last wins, whatever order phones sync in, the account page's included; a tag that
is not one is refused with its reason and kept; the bundle says the language at once."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from pwa import clock
from pwa.extensions import db
from pwa.models import Person, QuarantinedEvent
from tests.factories import RECENT_MORNING, sign_in_as, token


def changed(locale: object, at: datetime = RECENT_MORNING, device: str = "phone-1") -> dict:
    return {"id": str(uuid.uuid4()), "type": "person.language.changed", "schema": 1,
            "occurred_at": at.isoformat(), "device_id": device, "data": {"locale": locale}}


def sync(api, *events):
    answered = api.post("/api/v1/sync", {"events": list(events)})
    assert answered.status_code == 200, answered.get_json()
    return answered.get_json()


def locale_of(api) -> str:
    return api.get("/api/v1/bootstrap").get_json()["person"]["locale"]


def test_a_language_chosen_on_a_phone_is_the_person_s_once_synced(app, org):
    api = sign_in_as(app, "Ana Ruiz")
    event = changed("es-MX")
    assert sync(api, event)["accepted"] == [event["id"]]
    assert locale_of(api) == "es-MX"
    # The pages speak it too: the account page is in Spanish now.
    assert 'lang="es-MX"' in api.client.get("/account").get_data(as_text=True)


def test_the_change_made_last_wins_whichever_phone_syncs_first(app, org):
    api = sign_in_as(app, "Ana Ruiz")
    newer = changed("es-US", at=RECENT_MORNING + timedelta(hours=1), device="tablet")
    older = changed("en-GB", at=RECENT_MORNING, device="phone-1")
    assert len(sync(api, newer)["accepted"]) == 1
    assert len(sync(api, older)["accepted"]) == 1  # kept in the log, and loses
    assert locale_of(api) == "es-US"
    # In one batch, in any order: the later one.
    sync(api, changed("en-CA", at=RECENT_MORNING + timedelta(hours=3)),
         changed("es-AR", at=RECENT_MORNING + timedelta(hours=2)))
    assert locale_of(api) == "en-CA"


def test_a_language_chosen_on_the_account_page_outlives_an_older_change_synced_later(app, org):
    api = sign_in_as(app, "Ana Ruiz")
    page = api.client.get("/account/settings").get_data(as_text=True)
    saved = api.client.post("/account/settings", data={
        "csrf_token": token(page), "future_role": "", "time_zone": "UTC", "language": "es"})
    assert saved.status_code == 302
    chosen = locale_of(api)
    assert chosen.startswith("es")
    # Changed on a phone, offline, before the account page was used; synced after it.
    sync(api, changed("en-GB", at=clock.now() - timedelta(minutes=5)))
    assert locale_of(api) == chosen
    # A change made after the account page's wins.
    sync(api, changed("en-GB", at=clock.now() + timedelta(seconds=1)))
    assert locale_of(api) == "en-GB"


@pytest.mark.parametrize("locale", ["", "spanish", "ES", "es_MX", "es-MX-x-extra" * 3, None, 7,
                                    ["es"], {"tag": "es"}, "es-MX\u0000", "ès"])
def test_a_tag_that_is_not_one_is_refused_with_its_reason_and_kept(app, org, locale):
    api = sign_in_as(app, "Ana Ruiz")
    event = changed(locale)
    answer = sync(api, event)
    assert answer["accepted"] == []
    [refused] = answer["refused"]
    assert refused["id"] == event["id"] and refused["code"] in {"invalid_data", "invalid_value"}
    assert locale_of(api) == "en"
    with app.app_context():
        kept = db.session.scalar(sa.select(QuarantinedEvent).where(
            QuarantinedEvent.event_id == event["id"]))
        assert kept is not None


def test_an_unknown_field_is_refused_not_dropped(app, org):
    api = sign_in_as(app, "Ana Ruiz")
    event = changed("es-MX")
    event["data"]["region"] = "MX"
    answer = sync(api, event)
    assert answer["accepted"] == [] and answer["refused"][0]["code"] == "invalid_data"
    with app.app_context():
        assert db.session.scalar(sa.select(Person.locale).where(
            Person.display_name == "Ana Ruiz")) == "en"
