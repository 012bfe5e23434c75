"""The learner's account: details, passkeys, signed-in devices, their feedback, their data."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any
from zoneinfo import available_timezones

from babel import Locale
from babel.dates import get_timezone, get_timezone_location, get_timezone_name
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext, ngettext, refresh
from sqlalchemy import select

from engine import people as people_rules
from engine.errors import DomainError
from engine.levels import FEEDBACK_KINDS
from pwa import clock, jobs
from pwa.extensions import db
from pwa.i18n import (
    language_choices,
    moment,
    region_name,
    role_name,
    translate_error,
    with_language,
)
from pwa.models import Role, Session
from pwa.pages.forms import ConfirmForm, DeleteAccountForm, SettingsForm, done_again_after_race
from pwa.session import (
    current_passkey_id,
    current_session_id,
    lifetimes,
    login_required,
    me,
    sign_out,
)
from pwa.store import feedback, push, sessions, stale
from pwa.store import passkeys as passkey_store
from pwa.sync import export

bp = Blueprint("account", __name__)


@bp.get("/account")
@login_required
def account() -> str:
    return render_template("account/account.html")


@bp.route("/account/settings", methods=["GET", "POST"])
@done_again_after_race
@login_required
def settings() -> Any:
    person = me()
    roles = db.session.scalars(
        select(Role).where(Role.organisation_id == person.organisation_id).order_by(Role.name)
    ).all()
    form = SettingsForm(
        data={"future_role": person.future_role.slug if person.future_role else "",
              "time_zone": person.time_zone,
              "language": _language_shown(person.locale)}
        if request.method == "GET" else None
    )
    form.future_role.choices = {"": gettext("No future role")} | {
        r.slug: role_name(r) for r in roles if r.id != person.role_id
    }
    form.time_zone.choices = _zone_choices()
    form.language.choices = language_choices(person.locale)
    if form.validate_on_submit():
        try:
            zone = people_rules.check_time_zone(form.time_zone.data)
            if zone != person.time_zone:
                person.time_zone, person.time_zone_set_at = zone, clock.now()
            language = form.language.data
            if language != _language_shown(person.locale):  # else the locale stays as it is
                person.locale = people_rules.check_locale(with_language(person.locale, language))
                person.locale_set_at = clock.now()
        except DomainError as exc:
            form.language.errors = [translate_error(exc)]
        else:
            by_slug = {r.slug: r for r in roles}
            future_role_id = by_slug[form.future_role.data].id \
                if form.future_role.data else None
            aiming_elsewhere = future_role_id != person.future_role_id
            person.future_role_id = future_role_id
            if aiming_elsewhere:
                stale.people([person.id])  # its profile's targets are part of the plan
            db.session.commit()
            if aiming_elsewhere:  # the future role's profile is part of the plan
                jobs.enqueue("plans.summarise", person.id)
                jobs.enqueue("mentors.assign", person.organisation_id)  # if gaps moved
            refresh()  # the confirmation speaks the language just chosen
            flash(gettext("Your details are saved."))
            return redirect(url_for("account.settings"))
    return render_template("account/settings.html", form=form,
                           region=region_name(person.locale)), 422 if form.errors else 200


def _language_shown(locale: str | None) -> str:
    """The language the settings page shows as chosen: the person's own, else (none set,
    the browser decides) the one this page speaks."""
    return (locale or str(get_locale() or "en")).replace("_", "-").split("-")[0].lower()


@bp.get("/account/passkeys")
@login_required
def passkeys() -> str:
    return render_template("account/passkeys.html", passkeys=me().passkeys, form=ConfirmForm())


@bp.post("/account/passkeys/<id:passkey_id>/remove")
@done_again_after_race
@login_required
def remove_passkey(passkey_id: int) -> Any:
    try:
        removed = passkey_store.remove_passkey(me(), passkey_id)
    except DomainError as exc:
        flash(translate_error(exc), "error")
    else:
        db.session.commit()
        if removed.id == current_passkey_id():  # its sessions ended, this device's among them
            sign_out()
            flash(gettext("Removed “%(name)s”. This device was signed in with it, so you are "
                          "signed out: sign in with another passkey.", name=removed.name))
            return redirect(url_for("home.signin"))
        flash(gettext("Removed “%(name)s”. It can no longer sign in, and the devices signed in "
                      "with it are signed out.", name=removed.name))
    return redirect(url_for("account.passkeys"))


@bp.get("/account/notifications")
@login_required
def notifications() -> str:
    """What was sent to the person's phones in the last 30 days, and which device got it."""
    return render_template("account/notifications.html",
                           sent=push.log(me(), clock.now()), days=push.LOG_DAYS)


@bp.get("/account/sessions")
@login_required
def signed_in_devices() -> str:
    rows = sessions.of_person(me(), clock.now(), lifetimes())
    db.session.commit()  # those that ran out are deleted
    here = current_session_id()
    rows.sort(key=lambda s: s.id != here)  # this device first, then the last used
    return render_template("account/sessions.html", sessions=rows,
                           this_session=here, device_name=device_name,
                           form=ConfirmForm(),
                           idle_days=lifetimes().idle.days,
                           absolute_days=lifetimes().absolute.days)


@bp.post("/account/sessions/<id:session_id>/end")
@done_again_after_race
@login_required
def end_session(session_id: int) -> Any:
    try:
        ended = sessions.end_own(me(), session_id)
    except DomainError as exc:
        flash(translate_error(exc), "error")
        return redirect(url_for("account.signed_in_devices"))
    db.session.commit()
    if ended.id == current_session_id():
        sign_out()
        flash(gettext("You are signed out."))
        return redirect(url_for("home.signin"))
    flash(gettext("Signed out %(device)s.", device=device_name(ended)))
    return redirect(url_for("account.signed_in_devices"))


@bp.post("/account/sessions/end-others")
@done_again_after_race
@login_required
def end_other_sessions() -> Any:
    count = sessions.end_others(me(), keep=current_session_id())
    db.session.commit()
    flash(ngettext("Signed out %(num)s other device.", "Signed out %(num)s other devices.",
                   count))
    return redirect(url_for("account.signed_in_devices"))


def device_name(row: Session) -> str:
    """How a person recognises a session: "Chrome on Android", as far as it is known."""
    if row.browser and row.os:
        return str(gettext("%(browser)s on %(os)s", browser=row.browser, os=row.os))
    return row.browser or row.os or str(gettext("Unknown browser"))


@bp.get("/feedback")
@login_required
def my_feedback() -> str:
    return render_template("account/my_feedback.html", feedback=feedback.my_feedback(me()),
                           kinds=FEEDBACK_KINDS)


# Authors ---------------------------------------------------------------------------------


@bp.get("/account/data")
@login_required
def your_data() -> str:
    return render_template("account/data.html", form=DeleteAccountForm())


@bp.get("/account/data/print")
@login_required
def printable_data() -> str:
    """Everything held about the person, as a page they can read and print."""
    now = clock.now()
    parts = [(gettext(title), _shown(value)) for title, value in export.readable(me(), now)]
    return render_template("account/data_print.html", parts=parts, exported_at=now)


def _shown(value: Any) -> Any:
    """A part of the export with its leaves as text: times in the reader's zone and locale."""
    if isinstance(value, dict):
        return {key: _shown(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [_shown(inner) for inner in value]
    if value is None:
        return "—"
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, str):
        try:
            when = datetime.fromisoformat(value)
        except ValueError:
            return value
        return moment(when) if when.tzinfo is not None and "T" in value else value
    return str(value)


@bp.post("/account/delete")
@done_again_after_race
@login_required
def delete_account() -> Any:
    form = DeleteAccountForm()
    if not form.validate_on_submit():
        return render_template("account/data.html", form=form), 422
    person = me()
    organisation_id = person.organisation_id
    export.delete_person(person)
    db.session.commit()
    # Whom they mentored or learned from is decided again (their end marked everyone).
    jobs.enqueue("mentors.assign", organisation_id)
    sign_out()
    flash(gettext("Your account and everything in it have been deleted."))
    return redirect(url_for("home.signin"))


@lru_cache(maxsize=1)
def _time_zones() -> list[str]:
    zones = (z for z in available_timezones() if "/" in z and not z.startswith("Etc/"))
    return ["UTC", *sorted(zones)]


def _regions() -> dict[str, str]:
    """The first part of a zone's name, in words: one long list is a chore on a phone."""
    return {"UTC": gettext("Universal time"), "Africa": gettext("Africa"),
            "America": gettext("Americas"), "Antarctica": gettext("Antarctica"),
            "Arctic": gettext("Arctic"), "Asia": gettext("Asia"),
            "Atlantic": gettext("Atlantic Ocean"), "Australia": gettext("Australia"),
            "Europe": gettext("Europe"), "Indian": gettext("Indian Ocean"),
            "Pacific": gettext("Pacific")}


def _zone_choices() -> dict[str, list[tuple[str, str]]]:
    """The zones grouped by region, each named by its place ("Argentina / Buenos Aires")."""
    regions = _regions()
    locale = str(get_locale() or "en")
    places = _places(locale) if not locale.startswith("en") else {}
    countries = Locale.parse(locale).territories
    groups: dict[str, list[tuple[str, str]]] = {}
    for zone in _time_zones():
        region, _, place = zone.partition("/")
        label = places.get(zone) or (place or zone).replace("_", " ").replace("/", " / ")
        group = regions.get(region) or countries.get(ALIASES.get(region, ""), region)
        groups.setdefault(group, []).append((zone, label))
    return groups


# The older zone names of a country ("US/Pacific"), grouped under the country's name.
ALIASES = {"US": "US", "Canada": "CA", "Brazil": "BR", "Mexico": "MX", "Chile": "CL"}


@lru_cache(maxsize=8)
def _places(locale: str) -> dict[str, str]:
    """Each zone of a region named by its place in the reader's language ("Ciudad de
    México"), from CLDR; a country before the city stays ("Argentina / Buenos Aires")."""
    named = {}
    for zone in _time_zones():
        region, _, place = zone.partition("/")
        try:
            if region in ALIASES:  # "US/Pacific": the zone's name, "Hora del Pacífico"
                name = str(get_timezone_name(get_timezone(zone), "long",
                                             zone_variant="generic", locale=locale))
                named[zone] = name[:1].upper() + name[1:]
                continue
            if region == "UTC":
                continue
            city = str(get_timezone_location(get_timezone(zone), locale=locale,
                                             return_city=True))
        except (LookupError, ValueError):
            continue
        country = place.rpartition("/")[0].replace("_", " ").replace("/", " / ")
        named[zone] = f"{country} / {city}" if country and ", " not in city else city
    return named
