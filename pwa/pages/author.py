"""The author's desk: answer feedback, draft, preview and publish a role's profile, and see
which questions of the role's lessons do not work (from the latest release)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from engine import profiles as rules
from engine.errors import Conflict, DomainError
from engine.levels import FEEDBACK_KINDS, LEVELS
from pwa import clock, jobs
from pwa.extensions import db
from pwa.i18n import language_name, translate_error, translate_problems
from pwa.models import ProfileVersion, Role
from pwa.pages.figures import page
from pwa.pages.forms import (
    AnswerForm,
    CompetencyForm,
    PublishForm,
    RevisionForm,
    RoleTranslationForm,
    TranslationForm,
    done_again_after_race,
)
from pwa.params import int_field
from pwa.session import login_required, me
from pwa.store import feedback, people, profiles, releases, role_words

bp = Blueprint("author", __name__, url_prefix="/author")


def _authored(slug: str) -> Role:
    role = people.role_in_org(me().organisation_id, slug)
    if not people.is_author(me(), role):
        abort(403)
    return role


@bp.get("")
@login_required
def home() -> str:
    roles = [a.role for a in me().authored_roles]
    if not roles:
        abort(403)
    counts = feedback.open_feedback_counts([r.id for r in roles])
    return render_template("author/home.html", roles=[
        (r, profiles.current(r), profiles.draft(r), counts.get(r.id, 0)) for r in roles])


@bp.get("/<slug>")
@login_required
def desk(slug: str) -> str:
    role = _authored(slug)
    # The role's own name counts as one more line to translate, on every version's page.
    translated = [(v, language, language_name(language),
                   sum(bool(line.to_do) for line in lines) + bool(named.to_do), len(lines) + 1)
                  for v in profiles.translatable(role)
                  for language in rules.TRANSLATION_LANGUAGES
                  for lines in [profiles.translation_lines(v, language)]
                  for named in [role_words.line(role, language)]]
    return render_template("author/desk.html", role=role, draft=profiles.draft(role),
                           latest=profiles.current(role), queue=feedback.queue(role),
                           kinds=FEEDBACK_KINDS, answer_form=AnswerForm(),
                           translated=translated)


@bp.get("/<slug>/questions")
@login_required
def questions(slug: str) -> tuple[str, int]:
    """The question analysis of the author's own role, as L&D sees it: from the release."""
    role = _authored(slug)
    view = releases.latest(role.organisation_id)
    part = view.role(role.slug) if view is not None else None
    found = releases.question_analysis(part) if part is not None else []
    return page("author/questions.html", role=role, part=part, lessons=found)


@bp.post("/<slug>/feedback/<id:feedback_id>")
@done_again_after_race
@login_required
def answer_feedback(slug: str, feedback_id: int) -> Any:
    """Answer one note; the page opens again at its card, and what happened is said there,
    where the author is (a message at the top of the page would be scrolled away)."""
    note = feedback.feedback_in_role(_authored(slug), feedback_id)
    form = AnswerForm()
    accept = request.form.get("decision") == "accept"
    card = f"feedback-{feedback_id}"  # the card's id, and the flash category it shows
    if form.validate_on_submit():
        try:
            feedback.answer_feedback(note, accept=accept, reply=form.reply.data or "",
                                     author=me(), now=clock.now())
        except DomainError as exc:
            flash(translate_error(exc), f"{card} error")
        else:
            db.session.commit()
            flash(gettext("Accepted and linked to the draft.") if accept
                  else gettext("Declined; the learner will see your reply."), card)
    return redirect(url_for("author.desk", slug=slug) + f"#{card}")


@bp.post("/<slug>/draft")
@done_again_after_race
@login_required
def start_draft(slug: str) -> Any:
    role = _authored(slug)
    profiles.open_draft(role, me(), clock.now())  # CSRF was checked by CSRFProtect
    db.session.commit()
    return redirect(url_for("author.draft", slug=slug))


def _draft_or_404(role: Role) -> ProfileVersion:
    draft = profiles.draft(role)
    if draft is None:
        abort(404)
    return draft


@bp.get("/<slug>/draft")
@login_required
def draft(slug: str) -> Any:
    role = _authored(slug)
    draft = profiles.draft(role)
    if draft is None:
        return redirect(url_for("author.desk", slug=slug))
    before = profiles.previous(draft)
    comps = profiles.competencies(draft)
    return render_template("author/draft.html", role=role, draft=draft, competencies=comps,
                           to_complete={c.key for c in comps if rules.incomplete(c)},
                           diff=[d for d in profiles.diff(before, draft) if not d.unchanged],
                           before=before, publish_form=PublishForm(revision=draft.revision),
                           addressed=[f for f in feedback.queue(role)
                                      if f.addressed_in_id == draft.id])


@bp.post("/<slug>/draft/move")
@done_again_after_race
@login_required
def move(slug: str) -> Any:
    """Move one competency up or down, or remove it, as one save of the draft."""
    role = _authored(slug)
    draft = _draft_or_404(role)
    form = RevisionForm()
    revision = int_field(request.form, "revision")
    key, action = request.form.get("key", ""), request.form.get("action", "")
    comps = profiles.competencies(draft)
    index = next((i for i, c in enumerate(comps) if c.key == key), None)
    if not form.validate_on_submit() or revision is None or index is None \
            or action not in {"up", "down", "remove"}:
        flash(gettext("That change could not be made. Reload the page and try again."), "error")
        return redirect(url_for("author.draft", slug=slug))
    if action == "remove":
        comps.pop(index)
    else:
        other = index - 1 if action == "up" else index + 1
        if 0 <= other < len(comps):
            comps[index], comps[other] = comps[other], comps[index]
    return _save(role, draft, comps, revision,
                 success=gettext("Removed.") if action == "remove" else gettext("Moved."))


def _save(role: Role, draft: ProfileVersion, comps: list[rules.Competency], revision: int,
          *, success: str) -> Any:
    try:
        profiles.save_draft(draft, comps, expected_revision=revision, author=me(),
                            now=clock.now())
    except DomainError as exc:
        db.session.rollback()
        flash(_problems_text(exc), "error")
    else:
        db.session.commit()
        flash(success)
    return redirect(url_for("author.draft", slug=role.slug))


@bp.route("/<slug>/draft/competency/<key>", methods=["GET", "POST"])
@done_again_after_race
@login_required
def edit_competency(slug: str, key: str) -> Any:
    """Edit one competency of the draft, or add one (``key`` = ``new``)."""
    role = _authored(slug)
    draft = _draft_or_404(role)
    comps = profiles.competencies(draft)
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
    revision = int_field(request.form, "revision")
    if form.validate_on_submit() and revision is not None:
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
            profiles.save_draft(draft, comps, expected_revision=revision, author=me(),
                                now=clock.now())
        except Conflict as exc:
            db.session.rollback()
            conflict = translate_error(exc)
            form.revision.data = str(draft.revision)
        except DomainError as exc:
            db.session.rollback()
            problems = exc.details.get("problems", [])
            mine = [p for p in translate_problems(problems)
                    if p.get("competency") in (index, len(comps) - 1)]
            _attach(form, mine or [{"field": "name", "message": translate_error(exc)}])
        else:
            db.session.commit()
            flash(gettext("Saved “%(name)s”.", name=edited.name))
            return redirect(url_for("author.draft", slug=slug))
    current_text = None
    if conflict and key != "new":
        db.session.refresh(draft)
        current_text = next((c for c in profiles.competencies(draft) if c.key == key), None)
    status = 409 if conflict else 422 if form.errors else 200
    return render_template("author/competency_form.html", role=role, draft=draft, form=form,
                           existing=existing, conflict=conflict, current_text=current_text), status


@bp.get("/<slug>/draft/preview")
@login_required
def preview(slug: str) -> str:
    role = _authored(slug)
    draft = _draft_or_404(role)
    return render_template("profiles/profile.html", role=role, version=draft,
                           groups=rules.by_group(profiles.competencies(draft)),
                           authors=people.authors(role),
                           latest=profiles.current(role), preview=True)


@bp.post("/<slug>/draft/publish")
@done_again_after_race
@login_required
def publish(slug: str) -> Any:
    role = _authored(slug)
    draft = _draft_or_404(role)
    form = PublishForm()
    revision = int_field(request.form, "revision")
    if not form.validate_on_submit() or revision is None:
        flash(gettext("Say in a sentence what changed, for learners to read."), "error")
        return redirect(url_for("author.draft", slug=slug) + "#publish")
    try:
        profiles.publish(draft, form.summary.data, expected_revision=revision, author=me(),
                         now=clock.now())
    except DomainError as exc:
        db.session.rollback()
        flash(_problems_text(exc), "error")
        return redirect(url_for("author.draft", slug=slug))
    db.session.commit()
    # The plans of the role's people, and of those who aim for it, are made from it now.
    jobs.enqueue("plans.summarise_organisation", role.organisation_id)
    jobs.enqueue("mentors.assign", role.organisation_id)  # those whose gaps moved
    flash(gettext("Version %(number)s is published. Learners now see it.", number=draft.number))
    return redirect(url_for("profiles.changes", slug=slug, number=draft.number))


@bp.post("/<slug>/draft/discard")
@done_again_after_race
@login_required
def discard(slug: str) -> Any:
    role = _authored(slug)
    draft = _draft_or_404(role)
    profiles.discard_draft(draft, me())
    db.session.commit()
    flash(gettext("The draft was discarded; accepted feedback is open again."))
    return redirect(url_for("author.desk", slug=slug))


# Translations: the current version's and the draft's words in another language -----------


def _translatable(role: Role, language: str, number: int) -> ProfileVersion:
    """Version ``number`` of the role if its authors may translate it into ``language``
    (the current one or the draft); else 404."""
    if language not in rules.TRANSLATION_LANGUAGES:
        abort(404)
    found = next((v for v in profiles.translatable(role) if v.number == number), None)
    if found is None:
        abort(404)
    return found


def _languages(language: str) -> dict[str, str]:
    """The original's and the translation's language codes and names, for the page."""
    return {"original": rules.ORIGINAL_LANGUAGE, "translation": language,
            "original_name": language_name(rules.ORIGINAL_LANGUAGE),
            "translation_name": language_name(language)}


@bp.get("/<slug>/translations/<language>/<id:number>")
@login_required
def translations(slug: str, language: str, number: int) -> str:
    """Every competency of the version in both languages side by side, with what is still
    untranslated or out of date."""
    role = _authored(slug)
    v = _translatable(role, language, number)
    lines = profiles.translation_lines(v, language)
    named = role_words.line(role, language)
    return render_template("author/translations.html", role=role, version=v, lines=lines,
                           named=named, fields=rules.FIELDS, role_fields=rules.ROLE_FIELDS,
                           to_do=sum(bool(line.to_do) for line in lines) + bool(named.to_do),
                           **_languages(language))


@bp.route("/<slug>/translations/<language>/<id:number>/role-name", methods=["GET", "POST"])
@done_again_after_race
@login_required
def translate_role(slug: str, language: str, number: int) -> Any:
    """Write or edit the role's name and short description in ``language``, each beside
    the original; ``number`` is the version whose translation page the author came from,
    and goes back to (the role's name is not versioned: it is the same on every one)."""
    role = _authored(slug)
    v = _translatable(role, language, number)
    named = role_words.line(role, language)
    form = RoleTranslationForm()
    if request.method == "GET":
        form.seen.data = named.saved_at.isoformat() if named.saved_at else ""
        for name in rules.ROLE_FIELDS:
            getattr(form, name).data = (named.texts or {}).get(name, "")
    conflict = None
    if form.validate_on_submit():
        texts = {name: getattr(form, name).data or "" for name in rules.ROLE_FIELDS}
        try:
            profiles.save_role_translation(role, language, texts, seen=_seen(form.seen.data),
                                           author=me(), now=clock.now())
        except Conflict as exc:
            db.session.rollback()
            conflict = translate_error(exc)
            named = role_words.line(role, language)
            form.seen.data = named.saved_at.isoformat() if named.saved_at else ""
        except DomainError as exc:
            db.session.rollback()
            problems = translate_problems(exc.details.get("problems", []))
            for p in problems or [{"field": "name", "message": translate_error(exc)}]:
                target = getattr(form, str(p["field"]), form.name)
                target.errors = [*target.errors, p["message"]]
        else:
            db.session.commit()
            flash(gettext("Saved the translation of the role’s name."))
            return redirect(url_for("author.translations", slug=slug, language=language,
                                    number=number) + "#role-name")
    status = 409 if conflict else 422 if form.errors else 200
    return render_template("author/role_translation_form.html", role=role, version=v,
                           named=named, form=form, conflict=conflict,
                           role_fields=rules.ROLE_FIELDS, **_languages(language)), status


@bp.route("/<slug>/translations/<language>/<id:number>/<key>", methods=["GET", "POST"])
@done_again_after_race
@login_required
def translate(slug: str, language: str, number: int, key: str) -> Any:
    """Write or edit one competency's words in ``language``, each beside the original."""
    role = _authored(slug)
    v = _translatable(role, language, number)
    line = next((line for line in profiles.translation_lines(v, language)
                 if line.original.key == key), None)
    if line is None:
        abort(404)
    form = TranslationForm()
    if request.method == "GET":
        _fill_translation(form, line)
    conflict = None
    if form.validate_on_submit():
        texts = {name: getattr(form, name.replace("level ", "level_")).data or ""
                 for name in rules.FIELDS}
        try:
            profiles.save_translation(v, key, language, texts,
                                      seen=_seen(form.seen.data),
                                      author=me(), now=clock.now())
        except Conflict as exc:
            db.session.rollback()
            conflict = translate_error(exc)
            line = next(found for found in profiles.translation_lines(v, language)
                        if found.original.key == key)
            form.seen.data = line.saved_at.isoformat() if line.saved_at else ""
        except DomainError as exc:
            db.session.rollback()
            problems = translate_problems(exc.details.get("problems", []))
            for p in problems or [{"field": "name", "message": translate_error(exc)}]:
                target = getattr(form, str(p["field"]).replace("level ", "level_"), form.name)
                target.errors = [*target.errors, p["message"]]
        else:
            db.session.commit()
            flash(gettext("Saved the translation of “%(name)s”.", name=line.original.name))
            return redirect(url_for("author.translations", slug=slug, language=language,
                                    number=number) + f"#c-{key}")
    status = 409 if conflict else 422 if form.errors else 200
    return render_template("author/translation_form.html", role=role, version=v, line=line,
                           form=form, conflict=conflict, fields=rules.FIELDS,
                           **_languages(language)), status


def _seen(text: str | None) -> datetime | None:
    """When the translation the form was opened on had been saved (``None``: never, or a
    value the page never wrote, which then meets the saved one as a conflict)."""
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


def _fill_translation(form: TranslationForm, line: profiles.TranslationLine) -> None:
    form.seen.data = line.saved_at.isoformat() if line.saved_at else ""
    if line.translation is not None:
        for name in rules.FIELDS:
            getattr(form, name.replace("level ", "level_")).data = line.translation.texts.get(
                name, "")


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
    """The error and each of its problems, translated; each is a whole sentence of its own."""
    problems = exc.details.get("problems")
    if not problems:
        return translate_error(exc)
    return " ".join([translate_error(exc), *(p["message"] for p in translate_problems(problems))])
