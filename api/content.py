"""Roles, their Success Profiles and the learning catalogue: the read side.

Published profile versions and item revisions never change, so their
versioned addresses are cached for a year; everything carries a strong ETag.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response
from pydantic import Field, field_validator

from api.http import (
    Count,
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
from engine.profiles import ORIGINAL_LANGUAGE, reading_language
from pwa import clock
from pwa.extensions import db
from pwa.store import catalogue, feedback, people, role_words
from pwa.store import profiles as store

bp = Blueprint("api_content", __name__, url_prefix="/api/v1")

# How many item revisions one /catalog/contents answer may carry: a phone asks in turns.
MAX_CONTENTS = 50


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
    lang: str | None = Field(default=None, pattern=r"^[a-z]{2,3}$",
                             description="the reader's language: its translation where "
                                         "current, the original's words otherwise")
    translation: Count | None = Field(default=None, description=(
        "the translation's version the address was made for (0: none yet); with a "
        "revision, cached forever when it is the current one"))


class ContentsQuery(Query):
    items: str = Field(
        min_length=3, max_length=MAX_CONTENTS * 80,
        pattern=(rf"^[^,:\u0000]+:[0-9]{{1,9}}(,[^,:\u0000]+:[0-9]{{1,9}})"
                 rf"{{0,{MAX_CONTENTS - 1}}}$"),
        description=f"up to {MAX_CONTENTS} item revisions as key:revision, separated by commas")
    lang: str | None = Field(default=None, pattern=r"^[a-z]{2,3}$",
                             description="the reader's language, as for one item")

    @field_validator("items")
    @classmethod
    def _revisions(cls, value: str) -> str:
        parts = value.split(",")
        if len(parts) > MAX_CONTENTS:
            raise ValueError(f"at most {MAX_CONTENTS} items")
        for part in parts:
            key, _, number = part.rpartition(":")
            if not key or not number.isascii() or not number.isdigit() or len(number) > 9:
                raise ValueError(f"{part!r} is not key:revision")
        return value

    def wanted(self) -> list[tuple[str, int]]:
        return [(key, int(number)) for key, _, number in
                (part.rpartition(":") for part in self.items.split(","))]


@bp.get("/roles")
@responds(200, 401, etag=True)
def roles() -> Response:
    """The organisation's roles with their current version and authors, each role's name
    and description in the reader's language where its authors translated them
    (``in_original`` names the fields shown in the original's words)."""
    person = signed_in()
    org = person.role.organisation
    language = reading_language(person.locale)
    out = []
    for role in org.roles:
        latest = store.current(role)
        words = role_words.words(role, language)
        out.append({
            "slug": role.slug, "name": words.name, "description": words.description,
            "in_original": list(words.in_original),
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
    """A role's current published profile, or ``?version=N``, in the reader's language where
    its authors translated it. A version's originals never change, so in the original's
    language ``?version=N`` is cached forever; its translations may be added later (they
    change no meaning), so in another language it is revalidated by its ETag."""
    person = signed_in()
    number = query.version
    role = people.role_in_org(person.organisation_id, slug)
    v = store.published_version(role, number)
    language = reading_language(person.locale)
    return content_response(store.version_dict(v, language),
                            immutable=number is not None and language == ORIGINAL_LANGUAGE)


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
    """One item: its current revision, or ``?revision=N`` (cached forever).

    ``?lang=es``: in Spanish where its translation is current, in the original's words
    otherwise, marked (``translation.original``). An address with ``translation=V`` is
    cached forever only while V is the translation's version: a new one has a new address.
    """
    person = signed_in()
    number = query.revision
    shown, version = catalogue.reader_content(person.organisation_id, key, number, query.lang)
    if query.lang is None:
        return content_response(shown, immutable=number is not None)
    return content_response(shown, immutable=number is not None
                            and query.translation == version)


@bp.get("/catalog/contents")
@responds(200, 401, 404)
@query(ContentsQuery)
def catalog_contents(query: ContentsQuery) -> Response:
    """Several item revisions at once, each as ``/catalog/items/<key>?revision=N&lang=``
    answers it, in the order asked: a phone keeps the coming days' lessons for offline use
    in one answer, which compresses far better than one per lesson. An unknown item or
    revision answers 404 for the whole batch, naming it."""
    person = signed_in()
    return no_store({"items": [
        catalogue.reader_content(person.organisation_id, key, number, query.lang)[0]
        for key, number in query.wanted()]})


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
