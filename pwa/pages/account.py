"""The learner's account: details, passkeys, their feedback, their data."""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from zoneinfo import available_timezones

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import select

from engine import people as people_rules
from engine.errors import DomainError
from engine.levels import FEEDBACK_KINDS
from pwa.extensions import db
from pwa.i18n import translate_error
from pwa.models import Role
from pwa.pages.forms import ConfirmForm, DeleteAccountForm, SettingsForm
from pwa.session import login_required, me, sign_out
from pwa.store import feedback
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
            person.time_zone = people_rules.check_time_zone(form.time_zone.data)
            person.locale = people_rules.check_locale(form.locale.data.strip())
        except DomainError as exc:
            form.locale.errors = [translate_error(exc)]
        else:
            by_slug = {r.slug: r for r in roles}
            person.future_role_id = by_slug[form.future_role.data].id \
                if form.future_role.data else None
            db.session.commit()
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
        flash(gettext("Removed “%(name)s”. It can no longer sign in.", name=removed.name))
    return redirect(url_for("account.passkeys"))


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


@bp.post("/account/delete")
@login_required
def delete_account() -> Any:
    form = DeleteAccountForm()
    if not form.validate_on_submit():
        return render_template("account/data.html", form=form), 422
    export.delete_person(me())
    db.session.commit()
    sign_out()
    flash(gettext("Your account and everything in it have been deleted."))
    return redirect(url_for("home.signin"))


@lru_cache(maxsize=1)
def _time_zones() -> list[str]:
    zones = (z for z in available_timezones() if "/" in z and not z.startswith("Etc/"))
    return ["UTC", *sorted(zones)]
