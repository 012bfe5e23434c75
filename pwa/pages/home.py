"""Home, sign-in, sign-out and enrolment by invite link."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext

from engine.errors import InviteUnusable, UnknownInvite
from pwa import clock
from pwa.extensions import limiter
from pwa.i18n import translate_error
from pwa.pages.forms import ConfirmForm
from pwa.session import current_person, login_required, sign_out
from pwa.store import invites

bp = Blueprint("home", __name__)


@bp.app_context_processor
def inject_person() -> dict[str, Any]:
    return {"me": current_person(), "signout_form": ConfirmForm()}


@bp.get("/")
@login_required
def home() -> str:
    return render_template("home/home.html")


@bp.get("/signin")
def signin() -> Any:
    if current_person() is not None:
        return redirect(url_for("home.home"))
    return render_template("home/signin.html")


@bp.post("/signout")
def signout() -> Any:
    ConfirmForm().validate_on_submit()  # CSRF is checked globally; nothing else to read
    sign_out()
    flash(gettext("You are signed out."))
    return redirect(url_for("home.signin"))


@bp.get("/enrol/<token>")
@limiter.limit(lambda: str(current_app.config["SKILLPATH_AUTH_RATE_LIMIT"]))
def enrol(token: str) -> Any:
    try:
        invite = invites.usable_invite(token, clock.now())
    except InviteUnusable as exc:
        return render_template("home/invite_refused.html", message=translate_error(exc),
                               status=exc.status), 404 if isinstance(exc, UnknownInvite) else 410
    return render_template("home/enrol.html", invite=invite, person=invite.person)
