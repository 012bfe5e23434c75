"""Roles, their Success Profiles and the learning catalogue: the read side.

Published profile versions and item revisions never change, so their
versioned addresses are cached for a year; everything carries a strong ETag.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request
from pydantic import Field

from api.caching import content_response
from api.errors import ApiError
from api.requests import Schema, json_body
from engine.levels import MAX_FEEDBACK
from pwa import accounts, catalogue
from pwa import profiles as store
from pwa.auth import current_person
from pwa.extensions import db
from pwa.models import Person

bp = Blueprint("api_content", __name__, url_prefix="/api/v1")


class FeedbackRequest(Schema):
    role: str = Field(min_length=1, max_length=64)
    competency: str | None = Field(default=None, max_length=64)
    kind: str = Field(min_length=1, max_length=16)
    text: str = Field(max_length=MAX_FEEDBACK)


REQUEST_SCHEMAS: dict[str, type[Schema]] = {"api_content.create_feedback": FeedbackRequest}


def _person() -> Person:
    person = current_person()
    if person is None:
        raise ApiError(401, "sign_in_required", "Please sign in first.")
    return person


def _int_arg(name: str) -> int | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    if not raw.isdigit():
        raise ApiError(422, "invalid_request", f"'{name}' must be a whole number.",
                       {"fields": [{"field": name, "message": "not a whole number"}]})
    return int(raw)


@bp.get("/roles")
def roles() -> Response:
    """The organisation's roles with their current version and authors."""
    person = _person()
    org = person.role.organisation
    out = []
    for role in org.roles:
        latest = store.current(role)
        out.append({
            "slug": role.slug, "name": role.name, "description": role.description,
            "current_version": latest.number if latest else None,
            "updated_at": latest.published_at.isoformat() if latest and latest.published_at
            else None,
            "authors": [p.display_name for p in store.authors(role)],
        })
    return content_response({"roles": out}, immutable=False)


@bp.get("/roles/<slug>/profile")
def profile(slug: str) -> Response:
    """A role's current published profile, or ``?version=N`` (cached forever)."""
    person = _person()
    number = _int_arg("version")
    role = store.role_in_org(person.organisation_id, slug)
    v = store.published_version(role, number)
    return content_response(store.version_dict(v), immutable=number is not None)


@bp.get("/roles/<slug>/profile/diff")
def profile_diff(slug: str) -> Response:
    """What changed per competency between two published versions."""
    person = _person()
    old_n, new_n = _int_arg("from"), _int_arg("to")
    if old_n is None or new_n is None:
        raise ApiError(422, "invalid_request", "Give both ?from=N and ?to=M.")
    role = store.role_in_org(person.organisation_id, slug)
    old, new = store.published_version(role, old_n), store.published_version(role, new_n)
    body = {
        "role": role.slug, "from": old.number, "to": new.number, "summary": new.summary,
        "competencies": [d.to_dict() for d in store.diff(old, new)],
    }
    return content_response(body, immutable=True)


@bp.get("/catalog")
def catalog() -> Response:
    """Current catalogue items; filter by ``competency=role/key``, ``format``, ``offline``."""
    person = _person()
    offline_arg = request.args.get("offline")
    if offline_arg not in (None, "true", "false"):
        raise ApiError(422, "invalid_request", "'offline' is true or false.")
    items = catalogue.search(
        person.organisation_id,
        competency=request.args.get("competency"),
        format=request.args.get("format"),
        offline=None if offline_arg is None else offline_arg == "true",
        include_retired=request.args.get("include_retired") == "true",
    )
    return content_response({"items": [catalogue.item_dict(r) for r in items]}, immutable=False)


@bp.get("/catalog/items/<key>")
def catalog_item(key: str) -> Response:
    """One item: its current revision, or ``?revision=N`` (cached forever)."""
    person = _person()
    number = _int_arg("revision")
    revision = catalogue.revision(person.organisation_id, key, number)
    return content_response(catalogue.item_dict(revision, full=True),
                            immutable=number is not None)


@bp.post("/feedback")
def create_feedback() -> tuple[Response, int]:
    """Tell a role's authors that its profile, or one competency, needs work."""
    person = _person()
    body = json_body(FeedbackRequest)
    role = store.role_in_org(person.organisation_id, body.role)
    feedback = store.give_feedback(person, role, competency_key=body.competency, kind=body.kind,
                                   text=body.text, now=accounts.now())
    db.session.commit()
    return jsonify(feedback_dict(feedback)), 201


@bp.get("/feedback")
def list_feedback() -> Response:
    """The signed-in learner's feedback, with the authors' replies."""
    person = _person()
    return jsonify({"feedback": [feedback_dict(f) for f in store.my_feedback(person)]})


def feedback_dict(f: Any) -> dict[str, Any]:
    return {
        "id": f.id, "role": f.role.slug, "version": f.version.number,
        "competency": f.competency.key if f.competency else None,
        "kind": f.kind, "text": f.text, "status": f.status, "reply": f.reply,
        "replied_at": f.replied_at.isoformat() if f.replied_at else None,
        "addressed_in": f.addressed_in.number if f.addressed_in else None,
        "created_at": f.created_at.isoformat(),
    }
