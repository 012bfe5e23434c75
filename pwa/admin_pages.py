"""L&D admin pages: nominate authors, keep the learning catalogue."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from engine import catalogue as rules
from engine.errors import DomainError
from pwa import accounts, catalogue
from pwa import profiles as store
from pwa.auth import current_person, page_login_required
from pwa.extensions import db
from pwa.forms import ItemForm, NominateForm
from pwa.models import Person, Role

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _admin() -> Person:
    person = current_person()
    assert person is not None
    if not person.is_ld_admin:
        abort(403)
    return person


@bp.get("")
@page_login_required
def hub() -> str:
    _admin()
    return render_template("admin/hub.html")


@bp.get("/authors")
@page_login_required
def authors() -> str:
    admin = _admin()
    rows = []
    for role in admin.role.organisation.roles:
        form = NominateForm(prefix=f"r{role.id}")
        current = store.authors(role)
        form.person.choices = {str(p.id): p.display_name for p in _holders(role)
                               if p not in current}
        rows.append((role, current, form))
    return render_template("admin/authors.html", rows=rows)


@bp.post("/authors/<slug>")
@page_login_required
def nominate(slug: str) -> Any:
    admin = _admin()
    role = _role(admin, slug)
    person = db.session.get(Person, request.form.get(f"r{role.id}-person", type=int) or 0)
    if person is None or person.organisation_id != admin.organisation_id:
        flash("Choose a person to nominate.", "error")
        return redirect(url_for("admin.authors"))
    try:
        accounts.nominate_author(person, role)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(f"{person.display_name} can now write the {role.name} profile.")
    return redirect(url_for("admin.authors") + f"#role-{role.slug}")


@bp.post("/authors/<slug>/<int:person_id>/withdraw")
@page_login_required
def withdraw(slug: str, person_id: int) -> Any:
    admin = _admin()
    role = _role(admin, slug)
    person = db.session.get(Person, person_id)
    if person is None or person.organisation_id != admin.organisation_id:
        abort(404)
    accounts.withdraw_author(person, role)
    db.session.commit()
    flash(f"{person.display_name} is no longer an author of {role.name}.")
    return redirect(url_for("admin.authors") + f"#role-{role.slug}")


@bp.get("/catalogue")
@page_login_required
def catalogue_list() -> str:
    admin = _admin()
    fmt = request.args.get("format") or None
    if fmt not in {None, *(f.value for f in rules.Format)}:
        fmt = None
    items = catalogue.search(admin.organisation_id, format=fmt, include_retired=True)
    return render_template("admin/catalogue.html", items=items, format=fmt,
                           formats=rules.FORMAT_LABELS)


@bp.route("/catalogue/new", methods=["GET", "POST"])
@bp.route("/catalogue/<key>", methods=["GET", "POST"])
@page_login_required
def item_form(key: str | None = None) -> Any:
    admin = _admin()
    item = None
    if key is not None:
        try:
            item = catalogue.item_by_key(admin.organisation_id, key)
        except DomainError:
            abort(404)
    form = ItemForm()
    form.format.choices = {f.value: label for f, label in rules.FORMAT_LABELS.items()}
    form.competencies.choices = _competency_choices(admin)
    if request.method == "GET" and item is not None:
        _fill(form, item.revisions[-1])
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
                "cards": [c.to_dict() for c in rules.parse_cards(form.cards.data or "")],
                "questions": [q.to_dict() for q in
                              rules.parse_questions(form.questions.data or "")],
            }
            saved = catalogue.save(admin.organisation_id, data, item=item, by=admin,
                                   now=accounts.now())
        except DomainError as exc:
            db.session.rollback()
            problems = [p["message"] for p in exc.details.get("problems", [])] or [exc.message]
        else:
            db.session.commit()
            flash(f"Saved “{saved.title}” (revision {saved.revision}).")
            return redirect(url_for("admin.catalogue_list"))
    status = 422 if problems or form.errors else 200
    return render_template("admin/item_form.html", form=form, item=item,
                           problems=problems), status


@bp.post("/catalogue/<key>/retire")
@page_login_required
def retire(key: str) -> Any:
    admin = _admin()
    try:
        item = catalogue.item_by_key(admin.organisation_id, key)
    except DomainError:
        abort(404)
    if request.form.get("restore"):
        catalogue.restore(item)
        flash(f"“{item.revisions[-1].title}” is back in the catalogue.")
    else:
        catalogue.retire(item, accounts.now())
        flash(f"“{item.revisions[-1].title}” is retired: plans that hold it keep it, marked.")
    db.session.commit()
    return redirect(url_for("admin.catalogue_list"))


def _role(admin: Person, slug: str) -> Role:
    try:
        return store.role_in_org(admin.organisation_id, slug)
    except DomainError:
        abort(404)


def _holders(role: Role) -> list[Person]:
    return list(db.session.scalars(
        select(Person).where(Person.role_id == role.id).order_by(Person.display_name)))


def _competency_choices(admin: Person) -> dict[str, str]:
    choices = {}
    for role in admin.role.organisation.roles:
        version = store.current(role) or store.draft(role)
        if version is None:
            continue
        for c in store.competencies(version):
            choices[f"{role.slug}/{c.key}"] = f"{role.name}: {c.name}"
    return choices


def _fill(form: ItemForm, r: Any) -> None:
    form.title.data, form.format.data, form.summary.data = r.title, r.format, r.summary
    form.duration_minutes.data, form.language.data = r.duration_minutes, r.language
    form.level_from.data, form.level_to.data = str(r.level_from), str(r.level_to)
    form.competencies.data = [catalogue.ref(c) for c in r.competencies]
    form.offline.data, form.url.data = r.offline, r.url or ""
    form.cards.data = rules.format_cards(rules.cards_from(r.cards))
    form.questions.data = rules.format_questions(rules.questions_from(r.questions))
