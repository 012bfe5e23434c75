"""The learner's account: details, passkeys, signed-in devices, their feedback, their data."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any
from zoneinfo import available_timezones

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from sqlalchemy import select

from engine import people as people_rules
from engine.errors import DomainError
from engine.levels import FEEDBACK_KINDS
from pwa import clock, jobs
from pwa.extensions import db
from pwa.i18n import moment, translate_error
from pwa.models import Role, Session
from pwa.pages.forms import ConfirmForm, DeleteAccountForm, SettingsForm
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
@login_required
def settings() -> Any:
    person = me()
    roles = db.session.scalars(
        select(Role).where(Role.organisation_id == person.organisation_id).order_by(Role.name)
    ).all()
    form = SettingsForm(
        data={"future_role": person.future_role.slug if person.future_role else "",
              "time_zone": person.time_zone, "locale": person.locale}
        if request.method == "GET" else None
    )
    form.future_role.choices = {"": gettext("No future role")} | {
        r.slug: r.name for r in roles if r.id != person.role_id
    }
    form.time_zone.choices = {z: z.replace("_", " ") for z in _time_zones()}
    if form.validate_on_submit():
        try:
            zone = people_rules.check_time_zone(form.time_zone.data)
            if zone != person.time_zone:
                person.time_zone, person.time_zone_set_at = zone, clock.now()
            person.locale = people_rules.check_locale(form.locale.data.strip())
        except DomainError as exc:
            form.locale.errors = [translate_error(exc)]
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
            flash(gettext("Your details are saved."))
            return redirect(url_for("account.settings"))
    return render_template("account/settings.html", form=form), 422 if form.errors else 200


@bp.get("/account/passkeys")
@login_required
def passkeys() -> str:
    return render_template("account/passkeys.html", passkeys=me().passkeys, form=ConfirmForm())


@bp.post("/account/passkeys/<id:passkey_id>/remove")
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
