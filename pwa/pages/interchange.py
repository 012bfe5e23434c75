"""L&D's pages to move Success Profiles in and out: import a file as a role's draft (upload,
preview of what maps and what does not, then create the draft) and export a role's current
version. Every format of ``pwa.interchange.FORMATS`` is offered the same way."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext

from engine import profiles as rules
from engine.errors import DomainError
from engine.interchange import Reading
from pwa import clock, interchange
from pwa.extensions import db
from pwa.i18n import translate, translate_error
from pwa.models import Role
from pwa.pages.forms import ProfileDraftForm, ProfileImportForm, done_again_after_race
from pwa.session import ld_admin_required, me
from pwa.store import people, profiles

bp = Blueprint("interchange", __name__, url_prefix="/admin/profiles")

# A 1 MB package travels again, in base64, with the confirmation: room for both ways.
MAX_BYTES = 8 * 1024 * 1024
SHOWN = 200  # competencies a preview lists (all are counted and imported)


def _roles() -> list[Role]:
    return list(me().role.organisation.roles)


def _choices(form: ProfileImportForm | None) -> None:
    if form is not None:
        form.format.choices = [(f.key, gettext(f.label)) for f in interchange.FORMATS.values()]
        form.role.choices = [("", gettext("Choose a role"))] + [
            (r.slug, r.name) for r in _roles()]


def _page(form: ProfileImportForm, status: int = 200) -> Any:
    _choices(form)
    exports = [(r, profiles.current(r)) for r in _roles()]
    return render_template("admin/profiles_transfer.html", form=form, exports=exports,
                           formats=list(interchange.FORMATS.values()),
                           max_mb=MAX_BYTES // (2 * 1024 * 1024)), status


@bp.get("")
@ld_admin_required
def transfer() -> Any:
    return _page(ProfileImportForm(formdata=None))


@bp.post("/import")
@done_again_after_race
@ld_admin_required
def preview() -> Any:
    """Read the file and show what would become the draft; nothing is stored yet."""
    form = ProfileImportForm()
    _choices(form)
    if not form.validate_on_submit():
        return _page(form, 422)
    data = form.file.data.read()
    role = people.role_in_org(me().organisation_id, form.role.data)
    try:
        reading = interchange.format_of(form.format.data).read(data)
    except DomainError as exc:
        form.file.errors = [translate_error(exc)]
        return _page(form, 422)
    confirm = ProfileDraftForm(formdata=None, content=base64.b64encode(data).decode(),
                               format=form.format.data, role=role.slug)
    return _preview(role, reading, confirm)


def _preview(role: Role, reading: Reading, confirm: ProfileDraftForm,
             status: int = 200) -> Any:
    return render_template(
        "admin/profiles_preview.html", role=role, reading=reading, confirm=confirm,
        notes=[("; ".join(translate(p) for p in note.places) or note.where, translate(note))
               for note in reading.notes],
        shown=SHOWN, groups=rules.by_group(reading.competencies[:SHOWN]),
        incomplete=sum(1 for c in reading.competencies if rules.incomplete(c)),
        too_many=len(reading.competencies) > rules.MAX_COMPETENCIES,
        limit=rules.MAX_COMPETENCIES, has_draft=profiles.draft(role) is not None), status


@bp.post("/import/draft")
@done_again_after_race
@ld_admin_required
def create_draft() -> Any:
    """Create the draft the preview showed, in one transaction; it is never published here."""
    form = ProfileDraftForm()
    if not form.validate_on_submit():
        flash(gettext("That import could not be made. Choose the file again."), "error")
        return redirect(url_for("interchange.transfer"))
    role = people.role_in_org(me().organisation_id, form.role.data)
    try:
        data = base64.b64decode(form.content.data, validate=True)
    except (binascii.Error, ValueError):
        abort(400)
    try:
        reading = interchange.format_of(form.format.data).read(data)
        draft = interchange.import_draft(role, reading, by=me(), now=clock.now())
    except DomainError as exc:
        db.session.rollback()
        flash(translate_error(exc), "error")
        return redirect(url_for("interchange.transfer"))
    db.session.commit()
    flash(gettext("Draft %(number)s of %(role)s is ready for its authors to complete and "
                  "publish.", number=draft.number, role=role.name))
    return redirect(url_for("interchange.transfer"))


preview.max_content_length = MAX_BYTES  # type: ignore[attr-defined]
create_draft.max_content_length = MAX_BYTES  # type: ignore[attr-defined]


@bp.get("/<slug>/export/<key>")
@ld_admin_required
def export(slug: str, key: str) -> Any:
    """The role's current published version as a file to download."""
    role = people.role_in_org(me().organisation_id, slug)
    if key not in interchange.FORMATS:
        abort(404)
    try:
        data, name = interchange.export(role, key)
    except DomainError:
        abort(404)
    return Response(data, mimetype=interchange.FORMATS[key].media_type, headers={
        "Content-Disposition": f'attachment; filename="{name}"'})
