"""Roles, their Success Profiles and the learning catalogue: the read side.

Published profile versions and item revisions never change, so their
versioned addresses are cached for a year; everything carries a strong ETag.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response
from pydantic import Field, field_validator

from api.http import (
    Flag,
    Query,
    Schema,
    WholeNumber,
    body,
    content_response,
    no_store,
    query,
    responds,
    signed_in,
)
from engine.catalogue import Format
from engine.levels import FEEDBACK_KINDS, MAX_FEEDBACK
from pwa import clock
from pwa.extensions import db
from pwa.store import catalogue, feedback, people
from pwa.store import profiles as store

bp = Blueprint("api_content", __name__, url_prefix="/api/v1")


class FeedbackRequest(Schema):
    role: str = Field(min_length=1, max_length=64)
    competency: str | None = Field(default=None, max_length=64)
    # The engine checks the kind, as it does for feedback that arrives by sync.
    kind: str = Field(min_length=1, max_length=16,
                      json_schema_extra={"enum": list(FEEDBACK_KINDS)})
    text: str = Field(min_length=1, max_length=MAX_FEEDBACK)


class VersionQuery(Query):
    version: WholeNumber | None = Field(default=None, description="a published version number")


class DiffQuery(Query):
    from_: WholeNumber = Field(alias="from", description="the older published version")
    to: WholeNumber = Field(description="the newer published version")


class CatalogQuery(Query):
    competency: str | None = Field(default=None, min_length=1, max_length=200,
                                   description="role/competency")
    format: str | None = Field(default=None, json_schema_extra={"enum": list(Format)})
    offline: Flag | None = None
    include_retired: Flag = False

    @field_validator("format")
    @classmethod
    def _a_format(cls, value: str | None) -> str | None:
        if value is not None and value not in set(Format):
            raise ValueError("not a format")
        return value


class RevisionQuery(Query):
    revision: WholeNumber | None = Field(default=None, description="an item revision number")


@bp.get("/roles")
@responds(200, 401, etag=True)
def roles() -> Response:
    """The organisation's roles with their current version and authors."""
    person = signed_in()
    org = person.role.organisation
    out = []
    for role in org.roles:
        latest = store.current(role)
        out.append({
            "slug": role.slug, "name": role.name, "description": role.description,
            "current_version": latest.number if latest else None,
            "updated_at": latest.published_at.isoformat() if latest and latest.published_at
            else None,
            "authors": [p.display_name for p in people.authors(role)],
        })
    return content_response({"roles": out}, immutable=False)


@bp.get("/roles/<slug>/profile")
@responds(200, 401, etag=True)
@query(VersionQuery)
def profile(slug: str, query: VersionQuery) -> Response:
    """A role's current published profile, or ``?version=N`` (cached forever)."""
    person = signed_in()
    number = query.version
    role = people.role_in_org(person.organisation_id, slug)
    v = store.published_version(role, number)
    return content_response(store.version_dict(v), immutable=number is not None)


@bp.get("/roles/<slug>/profile/diff")
@responds(200, 401, etag=True)
@query(DiffQuery)
def profile_diff(slug: str, query: DiffQuery) -> Response:
    """What changed per competency between two published versions."""
    person = signed_in()
    old_n, new_n = query.from_, query.to
    role = people.role_in_org(person.organisation_id, slug)
    old, new = store.published_version(role, old_n), store.published_version(role, new_n)
    body = {
        "role": role.slug, "from": old.number, "to": new.number, "summary": new.summary,
        "competencies": [d.to_dict() for d in store.diff(old, new)],
    }
    return content_response(body, immutable=True)


@bp.get("/catalog")
@responds(200, 401, etag=True)
@query(CatalogQuery)
def catalog(query: CatalogQuery) -> Response:
    """Current catalogue items; filter by ``competency=role/key``, ``format``, ``offline``."""
    person = signed_in()
    items = catalogue.search(
        person.organisation_id,
        competency=query.competency,
        format=query.format,
        offline=query.offline,
        include_retired=query.include_retired,
    )
    return content_response({"items": [catalogue.item_dict(r) for r in items]}, immutable=False)


@bp.get("/catalog/items/<key>")
@responds(200, 401, etag=True)
@query(RevisionQuery)
def catalog_item(key: str, query: RevisionQuery) -> Response:
    """One item: its current revision, or ``?revision=N`` (cached forever)."""
    person = signed_in()
    number = query.revision
    revision = catalogue.revision(person.organisation_id, key, number)
    return content_response(catalogue.item_dict(revision, full=True),
                            immutable=number is not None)


@bp.post("/feedback")
@responds(201, 401, 404)
@body(FeedbackRequest)
def create_feedback(body: FeedbackRequest) -> tuple[Response, int]:
    """Tell a role's authors that its profile, or one competency of it, needs work."""
    person = signed_in()
    role = people.role_in_org(person.organisation_id, body.role)
    given = feedback.give_feedback(person, role, competency_key=body.competency,
                                   kind=body.kind, text=body.text, now=clock.now())
    db.session.commit()
    return no_store(feedback_dict(given)), 201


@bp.get("/feedback")
@responds(200, 401)
def list_feedback() -> Response:
    """The signed-in learner's feedback, with the authors' replies."""
    person = signed_in()
    return no_store({"feedback": [feedback_dict(f) for f in feedback.my_feedback(person)]})


def feedback_dict(f: Any) -> dict[str, Any]:
    return {
        "id": f.id, "role": f.role.slug, "version": f.version.number,
        "competency": f.competency.key if f.competency else None,
        "kind": f.kind, "text": f.text, "status": f.status, "reply": f.reply,
        "replied_at": f.replied_at.isoformat() if f.replied_at else None,
        "addressed_in": f.addressed_in.number if f.addressed_in else None,
        "created_at": f.created_at.isoformat(),
    }
