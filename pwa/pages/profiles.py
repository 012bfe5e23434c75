"""Success Profiles as learners read them, and their feedback on them."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from engine import profiles as rules
from engine.errors import DomainError
from engine.levels import FEEDBACK_KINDS
from pwa import clock
from pwa.extensions import db
from pwa.i18n import role_name, translate_error
from pwa.pages.forms import FeedbackForm, done_again_after_race
from pwa.params import int_field
from pwa.session import login_required, me
from pwa.store import feedback, people, profiles

bp = Blueprint("profiles", __name__)


@bp.get("/roles")
@login_required
def roles() -> str:
    person = me()
    org_roles = sorted(people.roles(person.organisation_id),
                       key=lambda r: (r.id != person.role_id, r.id != person.future_role_id,
                                      r.name))
    return render_template("profiles/roles.html", roles=[
        (r, profiles.current(r)) for r in org_roles])


@bp.get("/roles/<slug>")
@login_required
def profile(slug: str) -> str:
    role = people.role_in_org(me().organisation_id, slug)
    number = int_field(request.args, "version")
    try:
        version = profiles.published_version(role, number)
    except DomainError:
        if number is not None:
            abort(404)
        version = None
    originals = profiles.competencies(version) if version else []
    # In the reader's language where the authors translated it; the original elsewhere,
    # marked (``in_original``: key -> the fields shown in the original).
    language = rules.reading_language(me().locale)
    found = profiles.translations(version, language) \
        if version and language != rules.ORIGINAL_LANGUAGE else None
    shown = originals if found is None else [rules.localized(c, found.get(c.key))
                                             for c in originals]
    in_original = {} if found is None else {c.key: rules.untranslated(c, found.get(c.key))
                                            for c in originals}
    return render_template("profiles/profile.html", role=role, version=version,
                           groups=rules.by_group(shown), in_original=in_original,
                           original_language=rules.ORIGINAL_LANGUAGE,
                           authors=people.authors(role), latest=profiles.current(role),
                           preview=False)


@bp.get("/roles/<slug>/versions")
@login_required
def versions(slug: str) -> str:
    role = people.role_in_org(me().organisation_id, slug)
    return render_template("profiles/versions.html", role=role,
                           versions=list(reversed(profiles.published(role))))


@bp.get("/roles/<slug>/changes/<id:number>")
@login_required
def changes(slug: str, number: int) -> str:
    role = people.role_in_org(me().organisation_id, slug)
    try:
        version = profiles.published_version(role, number)
    except DomainError:
        abort(404)
    before = profiles.previous(version)
    return render_template("profiles/changes.html", role=role, version=version, before=before,
                           diff=profiles.diff(before, version))


@bp.route("/roles/<slug>/feedback", methods=["GET", "POST"])
@done_again_after_race
@login_required
def give_feedback(slug: str) -> Any:
    role = people.role_in_org(me().organisation_id, slug)
    version = profiles.current(role)
    if version is None:
        abort(404)
    form = FeedbackForm()
    form.kind.choices = {kind: gettext(label) for kind, label in FEEDBACK_KINDS.items()}
    form.competency.choices = {"": gettext("The whole profile")} | {
        c.key: c.name for c in profiles.competencies(version)}
    if request.method == "GET":
        form.competency.data = request.args.get("competency", "")
    if form.validate_on_submit():
        try:
            feedback.give_feedback(me(), role, competency_key=form.competency.data or None,
                                   kind=form.kind.data, text=form.text.data, now=clock.now())
        except DomainError as exc:
            form.text.errors = [translate_error(exc)]
        else:
            db.session.commit()
            flash(gettext("Thank you. %(role)s's authors will read it; their answer appears here.",
                          role=role_name(role)))
            return redirect(url_for("account.my_feedback"))
    return render_template("profiles/feedback_form.html", role=role, form=form), \
        422 if form.errors else 200
