"""Home, sign-in, sign-out and enrolment by invite link."""

from __future__ import annotations

from typing import Any

from babel import Locale
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import get_locale, gettext

from engine.catalogue import FORMAT_LABELS
from engine.errors import InviteUnusable, UnknownInvite
from pwa import clock
from pwa.i18n import translate, translate_error
from pwa.limits import invite_path_key, sign_in_limits
from pwa.pages.forms import ConfirmForm
from pwa.session import current_person, login_required, me, sign_out
from pwa.store import assessment, invites, plans, practice

bp = Blueprint("home", __name__)


@bp.app_context_processor
def inject_person() -> dict[str, Any]:
    """Who is signed in, for every page. Nothing more: a form made here would write a CSRF
    secret into the session of every page drawn, /app and /offline too, which the service
    worker fetches in the background; for a browser without a standing session each such
    answer would start a new one and set its cookie over the one the page is using."""
    return {"me": current_person()}


@bp.get("/")
@login_required
def home() -> str:
    """Who you are, today's practice and this week's plan at a glance."""
    plan = plans.plan_for(me(), translate)
    week = [line for line in plan["lines"] if line["week"] == 1]
    formats = {f.value: gettext(label) for f, label in FORMAT_LABELS.items()}
    today = practice.today(me(), plan)
    # An item nobody translated into the person's language is named in its own, marked.
    only_in = {tag: gettext("Only in %(language)s",
                            language=Locale.parse(tag).get_display_name(get_locale()) or tag)
               for tag in {line["title_lang"] for line in week if line.get("title_lang")}}
    return render_template("home/home.html", week=week, plan=plan, formats=formats,
                           practice=today, changes=assessment.profile_changes(me()),
                           only_in=only_in)


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
@sign_in_limits(invite_path_key)
def enrol(token: str) -> Any:
    try:
        invite = invites.usable_invite(token, clock.now())
    except InviteUnusable as exc:
        return render_template("home/invite_refused.html", message=translate_error(exc),
                               status=exc.status), 404 if isinstance(exc, UnknownInvite) else 410
    return render_template("home/enrol.html", invite=invite, person=invite.person)
