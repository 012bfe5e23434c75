"""L&D admin pages: invites, people from an HR file, authors, the catalogue, the costs, and
the background jobs that failed."""

from __future__ import annotations

import json
from typing import Any

import qrcode
import qrcode.image.svg
from babel import Locale
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext
from markupsafe import escape

from engine import catalogue as catalogue_rules
from engine import costs as costs_rules
from engine import roster as roster_rules
from engine.errors import N_, DomainError
from pwa import clock, jobs
from pwa.extensions import db
from pwa.i18n import (
    currency_name,
    language_choices,
    translate,
    translate_error,
    translate_problems,
)
from pwa.models import Person
from pwa.pages.forms import (
    ApplyRosterForm,
    ConfirmForm,
    CostsForm,
    InviteForm,
    ItemForm,
    NominateForm,
    ReprintForm,
    RosterForm,
    done_again_after_race,
)
from pwa.params import int_field
from pwa.session import ld_admin_required, me
from pwa.store import catalogue, invites, job_failures, people, profiles, roster
from pwa.sync.export import delete_person

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("")
@ld_admin_required
def hub() -> str:
    return render_template("admin/hub.html")


@bp.route("/invites", methods=["GET", "POST"], endpoint="invites")
@done_again_after_race
@ld_admin_required
def invite_people() -> Any:
    """Create a one-time enrolment link (and its QR code) for a person."""
    admin = me()
    org = admin.role.organisation
    form = _invite_form(org, None)
    created: dict[str, Any] | None = None
    if form.validate_on_submit():
        try:
            role = people.role_by_slug(org, form.role.data)
            person, _ = people.ensure_person(org, form.name.data, role,
                                             ld_admin=form.ld_admin.data)
            invite, token = invites.create_invite(person, clock.now(), created_by=admin,
                                                  ttl_days=form.days.data)
        except DomainError as exc:
            db.session.rollback()
            form.name.errors = [translate_error(exc)]
        else:
            db.session.commit()
            link = invites.invite_link(token)
            created = {"person": person, "invite": invite, "link": link, "qr": _qr_svg(link)}
            form = _invite_form(org, {})
    status = 422 if form.errors else 200
    return render_template("admin/invites.html", form=form, created=created,
                           pending=invites.pending(org.id, clock.now()),
                           revoke_form=ConfirmForm()), status


def _invite_form(org: Any, formdata: dict[str, Any] | None) -> InviteForm:
    """No role is chosen for the admin: a wrong default would enrol someone in the wrong job."""
    form = InviteForm() if formdata is None else InviteForm(formdata=None)
    form.role.choices = [("", gettext("Choose a role"))] + [(r.slug, r.name) for r in org.roles]
    return form


@bp.post("/invites/<id:invite_id>/revoke")
@done_again_after_race
@ld_admin_required
def revoke_invite(invite_id: int) -> Any:
    invite = invites.invite_in_org(me().organisation_id, invite_id)
    if invites.revoke(invite, clock.now()):
        db.session.commit()
        flash(gettext("The invite for %(name)s no longer works.",
                      name=invite.person.display_name))
    return redirect(url_for("admin.invites"))


def _qr_svg(link: str) -> str:
    image = qrcode.make(link, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    svg: str = image.to_string(encoding="unicode")
    label = escape(gettext("QR code of the invite link"))
    return svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)


# An HR file of 200,000 people is about 16 MB; every other form keeps the app's 1 MB limit.
ROSTER_MAX_BYTES = 16 * 1024 * 1024
SHOWN = 100  # rows of each kind a preview lists (all are counted)
SHOWN_ERRORS = 500


@bp.route("/people", methods=["GET", "POST"])
@done_again_after_race
@ld_admin_required
def roster_upload() -> Any:
    """Upload an HR system's CSV; it is kept for its preview, which comes next.

    Nothing is changed yet: the preview shows what applying the file would do.
    """
    admin = me()
    form = RosterForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            text = roster_rules.decode(upload.read())
        except DomainError as exc:
            form.file.errors = [translate_error(exc)]
        else:
            kept = roster.save_upload(admin.role.organisation, admin, upload.filename or "",
                                      text, clock.now())
            db.session.commit()
            return redirect(url_for("admin.roster_preview", upload_id=kept.id))
    return _people_page(admin, form, ReprintForm(formdata=None))


def _people_page(admin: Person, form: RosterForm, reprint_form: ReprintForm) -> Any:
    status = 422 if form.errors or reprint_form.errors else 200
    return render_template("admin/people.html", form=form, columns=roster_rules.COLUMNS,
                           max_mb=ROSTER_MAX_BYTES // (1024 * 1024),
                           waiting=roster.waiting_by_site(admin.organisation_id),
                           reprint_form=reprint_form), status


@bp.post("/people/reprint")
@done_again_after_race
@ld_admin_required
def reprint_sheet() -> Any:
    """A site's invite sheet again, for its people who have not enrolled: new invites
    replace theirs, so the codes of a lost sheet stop working."""
    admin = me()
    form = ReprintForm()
    if not form.validate_on_submit():
        return _people_page(admin, RosterForm(formdata=None), form)
    done = roster.reprint(admin.organisation_id, form.site.data, clock.now(), by=admin)
    if not done.invited:
        flash(gettext("Everyone at %(site)s has joined: there is nothing to reprint.",
                      site=form.site.data))
        return redirect(url_for("admin.roster_upload"))
    db.session.commit()
    return render_template("admin/invite_sheet.html", done=done, reprinted=form.site.data,
                           sites=_sheet(done))


# Read by the app's request class before anything parses the body (see api/http.py).
roster_upload.max_content_length = ROSTER_MAX_BYTES  # type: ignore[attr-defined]


# One rule for both methods: with a GET rule and a POST rule on one path, an id out of
# range would be a 405 (the other method's rule matched the path) rather than a 404.
@bp.route("/people/import/<id:upload_id>", methods=["GET", "POST"])
@done_again_after_race
@ld_admin_required
def roster_preview(upload_id: int) -> Any:
    """What applying the uploaded file would do: created, changed, unchanged, ended, errors;
    its confirmation is posted here too (``_roster_apply``)."""
    if request.method == "POST":
        return _roster_apply(upload_id)
    admin = me()
    try:
        upload = roster.upload_of(admin, upload_id, clock.now())
    except DomainError:
        abort(404)
    return _preview_page(admin, upload)


def _roster_apply(upload_id: int) -> Any:
    """Apply the previewed file, if it still does exactly what the preview showed.

    The file is planned again against the people as they are now; if anything
    decided differently (someone enrolled, another import ran), the new preview
    is shown to confirm instead. Then the invites' QR codes, which exist only
    in this answer: each link's secret is kept nowhere else.
    """
    admin = me()
    try:
        upload = roster.upload_of(admin, upload_id, clock.now())
    except DomainError:
        abort(404)
    form = ApplyRosterForm()
    now = clock.now()
    _, plan = roster.preview(admin.organisation_id, upload.text, now,
                             never_leave=frozenset({admin.id}))
    if not form.validate_on_submit():
        return _preview_page(admin, upload, status=422)
    if form.digest.data != plan.digest():
        return _preview_page(admin, upload, status=409)
    organisation_id = admin.organisation_id
    try:
        done = roster.apply(organisation_id, plan, now, end_account=delete_person, by=admin)
    except DomainError as exc:  # pragma: no cover - the plan was checked; the TTL is ours
        db.session.rollback()
        flash(translate_error(exc), "error")
        return redirect(url_for("admin.roster_preview", upload_id=upload_id))
    roster.drop_upload(upload)
    db.session.commit()
    if done.created or done.changed or done.ended:
        jobs.enqueue("plans.summarise_organisation", organisation_id)
        jobs.enqueue("mentors.reassign", organisation_id)
    return render_template("admin/invite_sheet.html", done=done, sites=_sheet(done))


def _sheet(done: roster.Applied) -> dict[str, list[dict[str, Any]]]:
    """The invites' QR codes by site, as the printable sheet shows them."""
    sites: dict[str, list[dict[str, Any]]] = {}
    for invited in done.invited:
        link = invites.invite_link(invited.token)
        sites.setdefault(invited.site or "", []).append(
            {"name": invited.name, "role": invited.role, "link": link, "qr": _qr_svg(link)})
    return sites


def _preview_page(admin: Person, upload: Any, *, status: int = 200) -> Any:
    """The preview; after a confirmation that no longer matches (409), with a warning."""
    parsed, plan = roster.preview(admin.organisation_id, upload.text, clock.now(),
                                  never_leave=frozenset({admin.id}))
    names = {r.id: r.name for r in admin.role.organisation.roles}
    form = ApplyRosterForm(formdata=None, digest=plan.digest())
    errors = [{"line": e.line, "column": e.column, "message": translate(e)}
              for e in plan.errors[:SHOWN_ERRORS]]
    return render_template(
        "admin/people_preview.html", upload=upload, parsed=parsed, plan=plan, form=form,
        roles=names, errors=errors, shown=SHOWN, changed=status == 409,
        error_lines=len({e.line for e in plan.errors}),
        nothing=not (plan.create or plan.change or plan.leavers or plan.invite),
    ), status


@bp.get("/jobs")
@ld_admin_required
def failed_jobs() -> str:
    """Background jobs that failed after all their tries: what, when, and what to do."""
    rows = job_failures.recent(me().organisation_id)
    return render_template("admin/jobs.html", failures=rows, names=JOB_NAMES,
                           open_count=sum(1 for r in rows if r.resolved_at is None),
                           retry_form=ConfirmForm())


# What each job does, in the words the page uses.
JOB_NAMES = {
    "mentors.assign": N_("Suggesting mentors"),
    "mentors.reassign": N_("Suggesting mentors for everyone again"),
    "plans.summarise": N_("Summarising a learner’s plan for the reports"),
    "plans.summarise_organisation": N_("Summarising everyone’s plans for the reports"),
    "practice.fit": N_("Fitting daily practice to your organisation’s answers"),
    "push.send": N_("Sending reminders to phones"),
    "reminders.tick": N_("Deciding which reminders are due"),
    "releases.publish": N_("Publishing the reports’ release"),
    "routine.hourly": N_("Starting the hour’s reports, practice fits and mentor suggestions"),
    "xapi.send": N_("Sending finished lessons and practice answers to your learning record "
                    "store"),
}


@bp.post("/jobs/<id:failure_id>/retry")
@ld_admin_required
def retry_job(failure_id: int) -> Any:
    """Run a failed job again now; if it succeeds, its failures are marked resolved."""
    try:
        failure = job_failures.failure_of(me().organisation_id, failure_id)
    except DomainError:
        abort(404)
    if failure.resolved_at is None and failure.job in jobs.JOBS:
        jobs.enqueue(failure.job, *json.loads(failure.arguments))
        flash(gettext("The job was asked to run again. Look back here in a few minutes."))
    return redirect(url_for("admin.failed_jobs"))


@bp.get("/authors")
@ld_admin_required
def authors() -> str:
    admin = me()
    rows = []
    for role in admin.role.organisation.roles:
        form = NominateForm(prefix=f"r{role.id}")
        current = people.authors(role)
        form.person.choices = {str(p.id): p.display_name for p in people.holders(role)
                               if p not in current}
        rows.append((role, current, form))
    return render_template("admin/authors.html", rows=rows)


@bp.post("/authors/<slug>")
@done_again_after_race
@ld_admin_required
def nominate(slug: str) -> Any:
    admin = me()
    role = people.role_in_org(admin.organisation_id, slug)
    person_id = int_field(request.form, f"r{role.id}-person")
    person = db.session.get(Person, person_id) if person_id is not None else None
    if person is None or person.organisation_id != admin.organisation_id:
        flash(gettext("Choose a person to nominate."), "error")
        return redirect(url_for("admin.authors"))
    try:
        people.nominate_author(person, role)
    except DomainError as exc:
        flash(translate_error(exc), "error")
    else:
        db.session.commit()
        flash(gettext("%(name)s can now write the %(role)s profile.", name=person.display_name,
                      role=role.name))
    return redirect(url_for("admin.authors") + f"#role-{role.slug}")


@bp.post("/authors/<slug>/<id:person_id>/withdraw")
@done_again_after_race
@ld_admin_required
def withdraw(slug: str, person_id: int) -> Any:
    admin = me()
    role = people.role_in_org(admin.organisation_id, slug)
    person = db.session.get(Person, person_id)
    if person is None or person.organisation_id != admin.organisation_id:
        abort(404)
    people.withdraw_author(person, role)
    db.session.commit()
    flash(gettext("%(name)s is no longer an author of %(role)s.", name=person.display_name,
                  role=role.name))
    return redirect(url_for("admin.authors") + f"#role-{role.slug}")


@bp.get("/catalogue")
@ld_admin_required
def catalogue_list() -> Any:
    """The catalogue, searched (``?q=``) and filtered by format and role, all combinable.

    The filters stay in the query string, so a filtered list can be bookmarked
    or shared; a value that names nothing is said plainly (422), never a 500.
    """
    admin = me()
    filters = {"q": (request.args.get("q") or "").strip(),
               "format": request.args.get("format") or "", "role": request.args.get("role") or ""}
    error = None
    try:
        items = catalogue.search(admin.organisation_id, text=filters["q"] or None,
                                 format=filters["format"] or None, role=filters["role"] or None,
                                 include_retired=True)
    except DomainError as exc:
        error, items = translate_error(exc), []
    languages = _languages_to_translate()
    return render_template("admin/catalogue.html", items=items, filters=filters, error=error,
                           languages=languages,
                           translated={code: catalogue.translation_states(items, code)
                                       for code in languages},
                           filtered=any(filters.values()),
                           formats={f.value: gettext(label) for f, label
                                    in catalogue_rules.FORMAT_LABELS.items()},
                           roles=people.roles(admin.organisation_id),
                           currency=admin.role.organisation.currency), 422 if error else 200


@bp.route("/catalogue/new", methods=["GET", "POST"])
@bp.route("/catalogue/<key>", methods=["GET", "POST"])
@done_again_after_race
@ld_admin_required
def item_form(key: str | None = None) -> Any:
    admin = me()
    item = None
    if key is not None:
        try:
            item = catalogue.item_by_key(admin.organisation_id, key)
        except DomainError:
            abort(404)
    form = ItemForm()
    form.format.choices = {f.value: gettext(label)
                           for f, label in catalogue_rules.FORMAT_LABELS.items()}
    form.competencies.choices = _competency_choices(admin)
    if request.method == "GET" and item is not None:
        _fill(form, item.revisions[-1])
    elif request.method == "GET" and request.args.get("competency") in form.competencies.choices:
        form.competencies.data = [request.args["competency"]]  # from the curriculum gaps
    problems: list[str] = []
    if form.validate_on_submit():
        try:
            data = {
                "title": form.title.data, "format": form.format.data,
                "summary": form.summary.data or "", "duration_minutes": form.duration_minutes.data,
                "language": (form.language.data or "").strip(),
                "level_from": int(form.level_from.data), "level_to": int(form.level_to.data),
                "competencies": form.competencies.data, "offline": form.offline.data,
                "url": (form.url.data or "").strip() or None,
                "fee_cents": form.fee.data if form.fee.data is not None else 0,
                "cards": [c.to_dict() for c in catalogue_rules.parse_cards(form.cards.data or "")],
                "questions": [q.to_dict() for q in
                              catalogue_rules.parse_questions(form.questions.data or "")],
            }
            saved = catalogue.save(admin.organisation_id, data, item=item, by=admin,
                                   now=clock.now())
        except DomainError as exc:
            db.session.rollback()
            problems = _problems(exc)
        else:
            db.session.commit()
            # Any learner's plan may hold the item or want it now: summarised again.
            jobs.enqueue("plans.summarise_organisation", admin.organisation_id)
            jobs.enqueue("mentors.assign", admin.organisation_id)  # those whose gaps moved
            flash(gettext("Saved “%(title)s” (revision %(revision)s).", title=saved.title,
                          revision=saved.revision))
            return redirect(url_for("admin.catalogue_list"))
    status = 422 if problems or form.errors else 200
    current = item.revisions[-1] if item is not None else None
    languages = {code: name for code, name in _languages_to_translate().items()
                 if current is not None and catalogue_rules.language_of(current.language) != code}
    return render_template("admin/item_form.html", form=form, item=item, problems=problems,
                           currency=admin.role.organisation.currency, languages=languages,
                           translated={code: catalogue.translation_states([current], code)[
                               current.id] for code in languages} if current else {}), status


@bp.route("/catalogue/<key>/translations/<language>", methods=["GET", "POST"])
@done_again_after_race
@ld_admin_required
def translation(key: str, language: str) -> Any:
    """An item's current revision in another language, part by part beside the original:
    what is untranslated, what is out of date (its original changed since), what is done.

    Saving is not a new revision: learners' practice of the item goes on as it was.
    """
    admin = me()
    try:
        item = catalogue.item_by_key(admin.organisation_id, key)
    except DomainError:
        abort(404)
    current = item.revisions[-1]
    languages = _languages_to_translate()
    if language not in languages or catalogue_rules.language_of(current.language) == language:
        abort(404)
    form = ConfirmForm()
    problems: list[str] = []
    typed: dict[str, Any] | None = None
    if form.validate_on_submit():
        typed = _typed_parts(current)
        try:
            catalogue.save_translation(current, language, typed,
                                       confirmed=request.form.getlist("confirm"), by=admin,
                                       now=clock.now())
        except DomainError as exc:
            db.session.rollback()
            problems = _problems(exc)
        else:
            db.session.commit()
            flash(gettext("%(language)s text of “%(title)s” saved. Learners' practice goes on "
                          "as it was.", language=languages[language], title=current.title))
            return redirect(url_for("admin.item_form", key=item.key))
    found = catalogue.translation_of(current, language)
    original = catalogue.original_parts(current)
    saved = catalogue.translated_parts(found)
    status = catalogue.translation_state(current, language)
    return render_template(
        "admin/translation.html", item=item, revision=current, language=language,
        language_name=languages[language], form=form, problems=problems, original=original,
        words=typed if typed is not None else saved, status=status,
        source=dict(found.source) if found else {}, found=found,
        counts={state: sum(1 for s in status.values() if s == state)
                for state in (catalogue_rules.MISSING, catalogue_rules.OUTDATED)},
    ), 422 if problems else 200


def _problems(exc: DomainError) -> list[str]:
    """What to fix, one line each, in the reader's language."""
    return [p["message"] for p in translate_problems(exc.details.get("problems", []))
            ] or [translate_error(exc)]


def _typed_parts(r: Any) -> dict[str, Any]:
    """The translation's parts as the form sent them (every field, empty ones too)."""
    form = request.form
    parts: dict[str, Any] = {"title": form.get("title", "")}
    if r.summary:
        parts["summary"] = form.get("summary", "")
    for n in range(len(r.cards)):
        parts[f"cards.{n}"] = form.get(f"cards.{n}", "")
    for n, q in enumerate(r.questions):
        options = [] if q.get("kind") == catalogue_rules.QuestionKind.TRUE_FALSE else [
            form.get(f"questions.{n}.options.{i}", "") for i in range(len(q.get("options", [])))]
        parts[f"questions.{n}"] = {"prompt": form.get(f"questions.{n}.prompt", ""),
                                   "options": options,
                                   "explanation": form.get(f"questions.{n}.explanation", "")}
    return parts


def _languages_to_translate() -> dict[str, str]:
    """The languages the app speaks, by code, each named in the page's language: L&D can
    give an item's words in each but its own."""
    reader = get_locale()
    return {code: Locale.parse(code).get_display_name(reader) or code
            for code in language_choices()}


@bp.route("/catalogue/<key>/retire", methods=["GET", "POST"])
@done_again_after_race
@ld_admin_required
def retire(key: str) -> Any:
    """Retire an item after a confirmation page (no script needed), or restore it.

    Retiring takes an item out of every learner's choices, so it is asked
    first; restoring undoes nothing anyone relied on, so it is one step.
    """
    admin = me()
    try:
        item = catalogue.item_by_key(admin.organisation_id, key)
    except DomainError:
        abort(404)
    if request.method == "GET":
        return render_template("admin/retire.html", item=item, title=item.revisions[-1].title,
                               form=ConfirmForm())
    if request.form.get("restore"):
        catalogue.restore(item)
        flash(gettext("“%(title)s” is back in the catalogue.", title=item.revisions[-1].title))
    else:
        catalogue.retire(item, clock.now())
        flash(gettext("“%(title)s” is retired: plans that hold it keep it, marked.",
                      title=item.revisions[-1].title))
    db.session.commit()
    jobs.enqueue("plans.summarise_organisation", admin.organisation_id)
    jobs.enqueue("mentors.assign", admin.organisation_id)  # those whose gaps moved
    return redirect(url_for("admin.catalogue_list"))


@bp.route("/costs", methods=["GET", "POST"])
@done_again_after_race
@ld_admin_required
def costs() -> Any:
    """The hourly cost of a learner's time and the currency fees are in.

    With each item's fee, they let reports put a cost beside the hours learning
    takes. A problem is said at its field, and what was typed stays there.
    """
    org = me().role.organisation
    form = CostsForm()
    form.currency.choices = [(code, gettext("%(code)s · %(name)s", code=code,
                                            name=currency_name(code)))
                             for code in costs_rules.CURRENCIES]
    if request.method == "GET":
        current = people.costs(org)
        form.hourly_cost.data, form.currency.data = current.hourly_cost_cents, current.currency
    elif form.validate_on_submit():
        try:
            people.set_costs(org, form.hourly_cost.data, form.currency.data)
        except DomainError as exc:
            db.session.rollback()
            fields = {"hourly_cost_cents": form.hourly_cost, "currency": form.currency}
            for p in translate_problems(exc.details.get("problems", [])):
                fields[p["field"]].errors = [*fields[p["field"]].errors, p["message"]]
        else:
            db.session.commit()
            flash(gettext("Costs saved."))
            return redirect(url_for("admin.costs"))
    status = 422 if form.errors else 200
    return render_template("admin/costs.html", form=form, costs=people.costs(org)), status


def _competency_choices(admin: Person) -> dict[str, str]:
    choices = {}
    for role in admin.role.organisation.roles:
        version = profiles.current(role) or profiles.draft(role)
        if version is None:
            continue
        for c in profiles.competencies(version):
            choices[f"{role.slug}/{c.key}"] = gettext("%(role)s: %(competency)s",
                                                      role=role.name, competency=c.name)
    return choices


def _fill(form: ItemForm, r: Any) -> None:
    form.title.data, form.format.data, form.summary.data = r.title, r.format, r.summary
    form.duration_minutes.data, form.language.data = r.duration_minutes, r.language
    form.level_from.data, form.level_to.data = str(r.level_from), str(r.level_to)
    form.competencies.data = [catalogue.ref(c) for c in r.competencies]
    form.offline.data, form.url.data = r.offline, r.url or ""
    form.fee.data = r.fee_cents or None
    form.cards.data = catalogue_rules.format_cards(catalogue_rules.cards_from(r.cards))
    form.questions.data = catalogue_rules.format_questions(
        catalogue_rules.questions_from(r.questions))
