"""Success Profile pages: learners read and give feedback; authors draft and publish."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from engine import profiles as rules
from engine.errors import Conflict, DomainError
from engine.levels import FEEDBACK_KINDS, LEVELS
from pwa import accounts
from pwa import profiles as store
from pwa.auth import current_person, page_login_required
from pwa.extensions import db
from pwa.forms import AnswerForm, CompetencyForm, FeedbackForm, PublishForm, RevisionForm
from pwa.models import Feedback, Person, ProfileVersion, Role

bp = Blueprint("profiles", __name__)


def _me() -> Person:
    person = current_person()
    assert person is not None
    return person


def _role(slug: str) -> Role:
    try:
        return store.role_in_org(_me().organisation_id, slug)
    except DomainError:
        abort(404)


# Learners --------------------------------------------------------------------------------


@bp.get("/roles")
@page_login_required
def roles() -> str:
    me = _me()
    org_roles = sorted(me.role.organisation.roles,
                       key=lambda r: (r.id != me.role_id, r.id != me.future_role_id, r.name))
    return render_template("profiles/roles.html", roles=[
        (r, store.current(r)) for r in org_roles])


@bp.get("/roles/<slug>")
@page_login_required
def profile(slug: str) -> str:
    role = _role(slug)
    number = request.args.get("version", type=int)
    try:
        version = store.published_version(role, number)
    except DomainError:
        if number is not None:
            abort(404)
        version = None
    return render_template("profiles/profile.html", role=role, version=version,
                           groups=rules.by_group(store.competencies(version) if version else []),
                           authors=store.authors(role), latest=store.current(role),
                           preview=False)


@bp.get("/roles/<slug>/versions")
@page_login_required
def versions(slug: str) -> str:
    role = _role(slug)
    return render_template("profiles/versions.html", role=role,
                           versions=list(reversed(store.published(role))))


@bp.get("/roles/<slug>/changes/<int:number>")
@page_login_required
def changes(slug: str, number: int) -> str:
    role = _role(slug)
    try:
        version = store.published_version(role, number)
    except DomainError:
        abort(404)
    before = store.previous(version)
    return render_template("profiles/changes.html", role=role, version=version, before=before,
                           diff=store.diff(before, version))


@bp.route("/roles/<slug>/feedback", methods=["GET", "POST"])
@page_login_required
def give_feedback(slug: str) -> Any:
    role = _role(slug)
    version = store.current(role)
    if version is None:
        abort(404)
    form = FeedbackForm()
    form.kind.choices = dict(FEEDBACK_KINDS)
    form.competency.choices = {"": "The whole profile"} | {
        c.key: c.name for c in store.competencies(version)}
    if request.method == "GET":
        form.competency.data = request.args.get("competency", "")
    if form.validate_on_submit():
        try:
            store.give_feedback(_me(), role, competency_key=form.competency.data or None,
                                kind=form.kind.data, text=form.text.data, now=accounts.now())
        except DomainError as exc:
            form.text.errors = [exc.message]
        else:
            db.session.commit()
            flash(f"Thank you. {role.name}'s authors will read it; their answer appears here.")
            return redirect(url_for("profiles.my_feedback"))
    return render_template("profiles/feedback_form.html", role=role, form=form), \
        422 if form.errors else 200


@bp.get("/feedback")
@page_login_required
def my_feedback() -> str:
    return render_template("profiles/my_feedback.html", feedback=store.my_feedback(_me()),
                           kinds=FEEDBACK_KINDS)


# Authors ---------------------------------------------------------------------------------


def _authored(slug: str) -> Role:
    role = _role(slug)
    if not store.is_author(_me(), role):
        abort(403)
    return role


@bp.get("/author")
@page_login_required
def author_home() -> str:
    me = _me()
    roles = [a.role for a in me.authored_roles]
    if not roles:
        abort(403)
    counts = store.open_feedback_counts([r.id for r in roles])
    return render_template("profiles/author_home.html", roles=[
        (r, store.current(r), store.draft(r), counts.get(r.id, 0)) for r in roles])


@bp.get("/author/<slug>")
@page_login_required
def author_desk(slug: str) -> str:
    role = _authored(slug)
    return render_template("profiles/author_desk.html", role=role, draft=store.draft(role),
                           latest=store.current(role), queue=store.queue(role),
                           kinds=FEEDBACK_KINDS, answer_form=AnswerForm())


@bp.post("/author/<slug>/feedback/<int:feedback_id>")
@page_login_required
def answer_feedback(slug: str, feedback_id: int) -> Any:
    role = _authored(slug)
    feedback = db.session.get(Feedback, feedback_id)
    if feedback is None or feedback.role_id != role.id:
        abort(404)
    form = AnswerForm()
    accept = request.form.get("decision") == "accept"
    if form.validate_on_submit():
        try:
            store.answer_feedback(feedback, accept=accept, reply=form.reply.data or "",
                                  author=_me(), now=accounts.now())
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            db.session.commit()
            flash("Accepted and linked to the draft." if accept
                  else "Declined; the learner will see your reply.")
    return redirect(url_for("profiles.author_desk", slug=slug) + f"#feedback-{feedback_id}")


@bp.post("/author/<slug>/draft")
@page_login_required
def start_draft(slug: str) -> Any:
    role = _authored(slug)
    store.open_draft(role, _me(), accounts.now())  # CSRF was checked by CSRFProtect
    db.session.commit()
    return redirect(url_for("profiles.draft", slug=slug))


def _draft_or_404(role: Role) -> ProfileVersion:
    draft = store.draft(role)
    if draft is None:
        abort(404)
    return draft


@bp.get("/author/<slug>/draft")
@page_login_required
def draft(slug: str) -> Any:
    role = _authored(slug)
    draft = store.draft(role)
    if draft is None:
        return redirect(url_for("profiles.author_desk", slug=slug))
    before = store.previous(draft)
    return render_template("profiles/draft.html", role=role, draft=draft,
                           competencies=store.competencies(draft),
                           diff=[d for d in store.diff(before, draft) if not d.unchanged],
                           before=before, publish_form=PublishForm(revision=draft.revision),
                           addressed=[f for f in store.queue(role)
                                      if f.addressed_in_id == draft.id])


@bp.post("/author/<slug>/draft/move")
@page_login_required
def move(slug: str) -> Any:
    """Move one competency up or down, or remove it, as one save of the draft."""
    role = _authored(slug)
    draft = _draft_or_404(role)
    form = RevisionForm()
    key, action = request.form.get("key", ""), request.form.get("action", "")
    comps = store.competencies(draft)
    index = next((i for i, c in enumerate(comps) if c.key == key), None)
    if not form.validate_on_submit() or index is None or action not in {"up", "down", "remove"}:
        flash("That change could not be made. Reload the page and try again.", "error")
        return redirect(url_for("profiles.draft", slug=slug))
    if action == "remove":
        comps.pop(index)
    else:
        other = index - 1 if action == "up" else index + 1
        if 0 <= other < len(comps):
            comps[index], comps[other] = comps[other], comps[index]
    return _save(role, draft, comps, form.revision.data,
                 success="Removed." if action == "remove" else "Moved.")


def _save(role: Role, draft: ProfileVersion, comps: list[rules.Competency], revision: str,
          *, success: str) -> Any:
    try:
        store.save_draft(draft, comps, expected_revision=int(revision), author=_me(),
                         now=accounts.now())
    except DomainError as exc:
        db.session.rollback()
        flash(_problems_text(exc), "error")
    else:
        db.session.commit()
        flash(success)
    return redirect(url_for("profiles.draft", slug=role.slug))


@bp.route("/author/<slug>/draft/competency/<key>", methods=["GET", "POST"])
@page_login_required
def edit_competency(slug: str, key: str) -> Any:
    """Edit one competency of the draft, or add one (``key`` = ``new``)."""
    role = _authored(slug)
    draft = _draft_or_404(role)
    comps = store.competencies(draft)
    index = next((i for i, c in enumerate(comps) if c.key == key), None)
    if key != "new" and index is None:
        abort(404)
    existing = comps[index] if index is not None else None
    form = CompetencyForm()
    if request.method == "GET":
        form.revision.data = str(draft.revision)
        if existing:
            _fill(form, existing)
        else:
            form.target.data, form.importance.data = "3", "3"
    conflict = None
    if form.validate_on_submit():
        edited = rules.Competency(
            key=existing.key if existing else "", name=form.name.data,
            description=form.description.data or "", group=form.group.data,
            levels=tuple(getattr(form, f"level_{n}").data for n in LEVELS),
            target=int(form.target.data), importance=int(form.importance.data))
        if existing is not None and index is not None:
            comps[index] = edited
        else:
            comps.append(edited)
        try:
            store.save_draft(draft, comps, expected_revision=int(form.revision.data),
                             author=_me(), now=accounts.now())
        except Conflict as exc:
            db.session.rollback()
            conflict = exc.message
            form.revision.data = str(draft.revision)
        except DomainError as exc:
            db.session.rollback()
            problems = exc.details.get("problems", [])
            mine = [p for p in problems if p.get("competency") in (index, len(comps) - 1)]
            _attach(form, mine or [{"field": "name", "message": exc.message}])
        else:
            db.session.commit()
            flash(f"Saved “{edited.name}”.")
            return redirect(url_for("profiles.draft", slug=slug))
    current_text = None
    if conflict and key != "new":
        db.session.refresh(draft)
        current_text = next((c for c in store.competencies(draft) if c.key == key), None)
    status = 409 if conflict else 422 if form.errors else 200
    return render_template("profiles/competency_form.html", role=role, draft=draft, form=form,
                           existing=existing, conflict=conflict, current_text=current_text), status


@bp.get("/author/<slug>/draft/preview")
@page_login_required
def preview(slug: str) -> str:
    role = _authored(slug)
    draft = _draft_or_404(role)
    return render_template("profiles/profile.html", role=role, version=draft,
                           groups=rules.by_group(store.competencies(draft)),
                           authors=store.authors(role),
                           latest=store.current(role), preview=True)


@bp.post("/author/<slug>/draft/publish")
@page_login_required
def publish(slug: str) -> Any:
    role = _authored(slug)
    draft = _draft_or_404(role)
    form = PublishForm()
    if not form.validate_on_submit():
        flash("Say in a sentence what changed, for learners to read.", "error")
        return redirect(url_for("profiles.draft", slug=slug) + "#publish")
    try:
        store.publish(draft, form.summary.data, expected_revision=int(form.revision.data),
                      author=_me(), now=accounts.now())
    except DomainError as exc:
        db.session.rollback()
        flash(_problems_text(exc), "error")
        return redirect(url_for("profiles.draft", slug=slug))
    db.session.commit()
    flash(f"Version {draft.number} is published. Learners now see it.")
    return redirect(url_for("profiles.changes", slug=slug, number=draft.number))


@bp.post("/author/<slug>/draft/discard")
@page_login_required
def discard(slug: str) -> Any:
    role = _authored(slug)
    draft = _draft_or_404(role)
    store.discard_draft(draft, _me())
    db.session.commit()
    flash("The draft was discarded; accepted feedback is open again.")
    return redirect(url_for("profiles.author_desk", slug=slug))


def _fill(form: CompetencyForm, c: rules.Competency) -> None:
    form.name.data, form.description.data, form.group.data = c.name, c.description, c.group
    form.target.data, form.importance.data = str(c.target), str(c.importance)
    for n, text in enumerate(c.levels, start=1):
        getattr(form, f"level_{n}").data = text


def _attach(form: CompetencyForm, problems: list[dict[str, Any]]) -> None:
    for p in problems:
        name = str(p.get("field", "name")).replace("level ", "level_")
        target = getattr(form, name, None) or form.name
        target.errors = [*target.errors, p["message"]]


def _problems_text(exc: DomainError) -> str:
    problems = exc.details.get("problems")
    if not problems:
        return exc.message
    return exc.message + " " + " ".join(p["message"] for p in problems)
