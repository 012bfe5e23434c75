"""Server-rendered pages: home, sign-in, enrolment, passkeys, data, L&D invites."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import available_timezones

import qrcode
import qrcode.image.svg
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy import select, text

from engine import people as people_rules
from engine.errors import DomainError, InviteUnusable
from pwa import accounts, assets
from pwa.auth import current_person, page_login_required, sign_out
from pwa.config import ROOT
from pwa.extensions import db, limiter
from pwa.forms import ConfirmForm, DeleteAccountForm, InviteForm, SettingsForm
from pwa.models import Invite, Person, Role

bp = Blueprint("pages", __name__)


@bp.app_context_processor
def inject_person() -> dict[str, Any]:
    return {"me": current_person(), "signout_form": ConfirmForm()}


@bp.get("/healthz")
def healthz() -> tuple[Response, int] | Response:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means "not healthy"
        db.session.rollback()
        body = {"status": "error", "database": f"unreachable: {type(exc).__name__}: "
                f"{str(exc).splitlines()[0][:200] if str(exc) else ''}"}
        return Response(json.dumps(body), status=503, mimetype="application/json"), 503
    return Response(json.dumps({"status": "ok", "database": "ok"}), mimetype="application/json")


@bp.get("/app")
def app_shell() -> Response:
    """The offline app's shell: no personal data, so the service worker may cache it."""
    response = Response(render_template("app.html"), mimetype="text/html")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/offline")
def offline() -> Response:
    response = Response(render_template("offline.html"), mimetype="text/html")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/manifest.webmanifest")
def manifest() -> Response:
    return _small_file(ROOT / "static" / "manifest.webmanifest", "application/manifest+json")


@bp.get("/sw.js")
def service_worker() -> Response:
    """The service worker, at the root so its scope is the whole app; never cached long."""
    response = _small_file(assets.service_worker_source(), "text/javascript")
    response.headers["Service-Worker-Allowed"] = "/"
    return response


def _small_file(path: Path | bytes, mimetype: str) -> Response:
    """A small file of ours, revalidated on every use (it names the app's versions)."""
    response = Response(path if isinstance(path, bytes) else path.read_bytes(), mimetype=mimetype)
    response.headers["Cache-Control"] = "no-cache"
    response.add_etag()
    response.make_conditional(request)
    return response


@bp.get("/")
@page_login_required
def home() -> str:
    return render_template("home.html")


@bp.get("/signin")
def signin() -> Any:
    if current_person() is not None:
        return redirect(url_for("pages.home"))
    return render_template("signin.html")


@bp.post("/signout")
def signout() -> Any:
    ConfirmForm().validate_on_submit()  # CSRF is checked globally; nothing else to read
    sign_out()
    flash("You are signed out.")
    return redirect(url_for("pages.signin"))


@bp.get("/enrol/<token>")
@limiter.limit(lambda: str(current_app.config["SKILLPATH_AUTH_RATE_LIMIT"]))
def enrol(token: str) -> Any:
    try:
        invite = accounts.usable_invite(token, accounts.now())
    except InviteUnusable as exc:
        return render_template("invite_refused.html", message=exc.message,
                               status=exc.status), 410 if exc.status != "unknown" else 404
    return render_template("enrol.html", invite=invite, person=invite.person)


@bp.get("/account")
@page_login_required
def account() -> str:
    return render_template("account.html")


@bp.route("/account/settings", methods=["GET", "POST"])
@page_login_required
def settings() -> Any:
    person = _me()
    roles = db.session.scalars(
        select(Role).where(Role.organisation_id == person.organisation_id).order_by(Role.name)
    ).all()
    form = SettingsForm(
        data={"future_role": person.future_role.slug if person.future_role else "",
              "time_zone": person.time_zone, "locale": person.locale}
        if request.method == "GET" else None
    )
    form.future_role.choices = {"": "No future role"} | {
        r.slug: r.name for r in roles if r.id != person.role_id
    }
    form.time_zone.choices = {z: z.replace("_", " ") for z in _time_zones()}
    if form.validate_on_submit():
        try:
            person.time_zone = people_rules.check_time_zone(form.time_zone.data)
            person.locale = people_rules.check_locale(form.locale.data.strip())
        except DomainError as exc:
            form.locale.errors = [exc.message]
        else:
            by_slug = {r.slug: r for r in roles}
            person.future_role_id = by_slug[form.future_role.data].id \
                if form.future_role.data else None
            db.session.commit()
            flash("Your details are saved.")
            return redirect(url_for("pages.settings"))
    return render_template("settings.html", form=form), 422 if form.errors else 200


@bp.get("/account/passkeys")
@page_login_required
def passkeys() -> str:
    return render_template("passkeys.html", passkeys=_me().passkeys, form=ConfirmForm())


@bp.post("/account/passkeys/<int:passkey_id>/remove")
@page_login_required
def remove_passkey(passkey_id: int) -> Any:
    try:
        removed = accounts.remove_passkey(_me(), passkey_id)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(f"Removed “{removed.name}”. It can no longer sign in.")
    return redirect(url_for("pages.passkeys"))


@bp.get("/account/data")
@page_login_required
def your_data() -> str:
    return render_template("data.html", form=DeleteAccountForm())


@bp.post("/account/delete")
@page_login_required
def delete_account() -> Any:
    form = DeleteAccountForm()
    if not form.validate_on_submit():
        return render_template("data.html", form=form), 422
    accounts.delete_person(_me())
    db.session.commit()
    sign_out()
    flash("Your account and everything in it have been deleted.")
    return redirect(url_for("pages.signin"))


@bp.route("/admin/invites", methods=["GET", "POST"])
@page_login_required
def admin_invites() -> Any:
    admin = _me()
    if not admin.is_ld_admin:
        abort(403)
    org = admin.role.organisation
    form = InviteForm()
    form.role.choices = {r.slug: r.name for r in org.roles}
    created: dict[str, Any] | None = None
    if form.validate_on_submit():
        try:
            role = accounts.role_by_slug(org, form.role.data)
            person, _ = accounts.ensure_person(org, form.name.data, role,
                                               ld_admin=form.ld_admin.data)
            invite, token = accounts.create_invite(person, accounts.now(), created_by=admin,
                                                   ttl_days=form.days.data)
        except DomainError as exc:
            db.session.rollback()
            form.name.errors = [exc.message]
        else:
            db.session.commit()
            link = accounts.invite_link(token)
            created = {"person": person, "invite": invite, "link": link, "qr": _qr_svg(link)}
            form = InviteForm(formdata=None)
            form.role.choices = {r.slug: r.name for r in org.roles}
    pending = db.session.scalars(
        select(Invite).join(Person, Invite.person_id == Person.id)
        .where(Person.organisation_id == org.id, Invite.used_at.is_(None),
               Invite.revoked_at.is_(None), Invite.expires_at > accounts.now())
        .order_by(Invite.created_at.desc())
    ).all()
    status = 422 if form.errors else 200
    return render_template("admin_invites.html", form=form, created=created, pending=pending,
                           revoke_form=ConfirmForm()), status


@bp.post("/admin/invites/<int:invite_id>/revoke")
@page_login_required
def revoke_invite(invite_id: int) -> Any:
    admin = _me()
    invite = db.session.get(Invite, invite_id)
    if not admin.is_ld_admin or invite is None \
            or invite.person.organisation_id != admin.organisation_id:
        abort(404)
    if invite.used_at is None and invite.revoked_at is None:
        invite.revoked_at = accounts.now()
        db.session.commit()
        flash(f"The invite for {invite.person.display_name} no longer works.")
    return redirect(url_for("pages.admin_invites"))


def _me() -> Person:
    person = current_person()
    assert person is not None  # page_login_required ran first
    return person


@lru_cache(maxsize=1)
def _time_zones() -> list[str]:
    zones = (z for z in available_timezones() if "/" in z and not z.startswith("Etc/"))
    return ["UTC", *sorted(zones)]


def _qr_svg(link: str) -> str:
    image = qrcode.make(link, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    svg: str = image.to_string(encoding="unicode")
    return svg.replace("<svg ", '<svg role="img" aria-label="QR code of the invite link" ', 1)
