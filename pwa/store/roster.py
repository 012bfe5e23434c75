"""People from an HR system's file: the preview read from the database, the plan applied in bulk.

The engine decides (``engine/roster.py``); here the organisation's roster people
are read in three queries, and a plan is written in a handful of statements
whatever its size: one multi-row INSERT for the new people, one executemany
UPDATE for the changed ones, one INSERT for their invites. Leavers are the
exception: each goes through the very path an account deletion takes (the
caller passes it in, since the registry of personal data sits above the store),
so their sessions end and everything that was theirs goes as if they had
deleted it themselves.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Any, TypeVar

from babel import Locale
from sqlalchemy import bindparam, delete, func, insert, select, update

from engine import roster as rules
from engine.errors import N_, NotFound
from pwa.extensions import db
from pwa.models import Invite, Organisation, Passkey, Person, Role, RoleAuthor, RosterUpload
from pwa.store import bundles, invites, stale

UPLOAD_TTL = timedelta(days=1)
CHUNK = 1000  # ids per IN (...) list: well under every database's limit on parameters

T = TypeVar("T")


@dataclass(frozen=True)
class Invited:
    """A new invite, to be printed once: who, where, and the link's secret token."""

    person_id: int
    external_id: str | None
    name: str
    site: str | None
    role: str
    token: str


@dataclass
class Applied:
    created: int = 0
    changed: int = 0
    ended: int = 0
    invited: list[Invited] = field(default_factory=list)
    expires_at: datetime | None = None


@cache
def known_languages() -> frozenset[str]:
    """The primary language subtags CLDR names (``en``, ``es``, ``sw``): a tag outside them
    (``xx``) in a file is a mistake, not a language."""
    codes = (str(code) for code in Locale("en").languages)
    return frozenset(code for code in codes if code.isalpha() and 2 <= len(code) <= 3)


def role_refs(organisation_id: int) -> list[rules.RoleRef]:
    return [rules.RoleRef(r.id, r.slug, r.name) for r in db.session.scalars(
        select(Role).where(Role.organisation_id == organisation_id))]


def existing(organisation_id: int, now: datetime) -> list[rules.ExistingPerson]:
    """The organisation's people who came from a roster, with whether they enrolled and
    whether they hold an invite they could still use."""
    enrolled = set(db.session.scalars(
        select(Passkey.person_id).join(Person, Passkey.person_id == Person.id)
        .where(Person.organisation_id == organisation_id, Person.external_id.is_not(None))
        .distinct()))
    waiting = invites.usable_invitees(organisation_id, now)
    rows = db.session.execute(
        select(Person.id, Person.external_id, Person.display_name, Person.role_id, Person.site,
               Person.future_role_id)
        .where(Person.organisation_id == organisation_id, Person.external_id.is_not(None)))
    return [rules.ExistingPerson(pid, ext or "", name, role_id, site, future, pid in enrolled,
                                 pid in waiting)
            for pid, ext, name, role_id, site, future in rows]


def preview(organisation_id: int, text: str, now: datetime, *,
            never_leave: frozenset[int] = frozenset()) -> tuple[rules.Parsed, rules.Plan]:
    """What the file says, and what applying it now would do. Writes nothing."""
    parsed = rules.parse(text, known_languages())
    return parsed, rules.plan(parsed, existing(organisation_id, now),
                              role_refs(organisation_id), never_leave=never_leave)


def apply(organisation_id: int, plan: rules.Plan, now: datetime, *,
          end_account: Callable[[Person], None], by: Person | None = None,
          ttl_days: int | None = None) -> Applied:
    """Write ``plan``: create, change, invite, end the leavers. The caller commits.

    The new people and the invites go in as multi-row statements; the session's
    objects are expired afterwards, since Core statements pass them by.
    """
    out = Applied(created=len(plan.create), changed=len(plan.change))
    person = Person.__table__
    if plan.create:
        db.session.execute(insert(person), [
            {"organisation_id": organisation_id, "display_name": p.name, "role_id": p.role_id,
             "future_role_id": p.future_role_id, "site": p.site, "external_id": p.external_id,
             "time_zone": "UTC", "locale": p.locale, "is_ld_admin": False,
             "user_handle": secrets.token_bytes(32), "created_at": now} for p in plan.create])
    if plan.change:
        db.session.execute(
            update(person).where(person.c.id == bindparam("pid")).values(
                display_name=bindparam("name"), role_id=bindparam("role"),
                site=bindparam("site"), future_role_id=bindparam("future")),
            [{"pid": c.person_id, "name": c.name, "role": c.role_id, "site": c.site,
              "future": c.future_role_id} for c in plan.change])
        # Their own bundles, and their names, roles and sites in colleagues' (a mentor).
        bundles.organisation(organisation_id)
        moved = [c.person_id for c in plan.change if "role" in c.fields]
        for ids in _chunks(moved):
            _withdraw_other_authorships(ids)
        # A plan is made of the role's and the future role's profiles: whoever has others
        # now has their uncovered gaps built again before this commits (pwa.store.gaps).
        stale.people(c.person_id for c in plan.change
                     if "role" in c.fields or "future_role" in c.fields)
    ids_by_external: dict[str | None, int] = {ext: pid for ext, pid in db.session.execute(
        select(Person.external_id, Person.id)
        .where(Person.organisation_id == organisation_id, Person.external_id.is_not(None)))
    } if plan.create else {}
    to_invite = [ids_by_external[p.external_id] for p in plan.create] + list(plan.invite)
    if to_invite:
        out.expires_at, tokens = invites.create_invites(to_invite, now, created_by=by,
                                                        ttl_days=ttl_days)
        out.invited = _invited(tokens)
    db.session.expire_all()
    for ids in _chunks([p.id for p in plan.leavers]):
        for leaver in db.session.scalars(select(Person).where(Person.id.in_(ids))):
            end_account(leaver)
            out.ended += 1
    db.session.flush()
    return out


def _waiting(organisation_id: int) -> Any:
    """People of the organisation's sites (only a roster sets a site) with no passkey yet."""
    return (Person.organisation_id == organisation_id, Person.site.is_not(None),
            ~select(Passkey.id).where(Passkey.person_id == Person.id).exists())


def waiting_by_site(organisation_id: int) -> list[tuple[str, int]]:
    """Each site, and how many of its people have not enrolled yet; counted by the database."""
    rows = db.session.execute(
        select(Person.site, func.count()).where(*_waiting(organisation_id))
        .group_by(Person.site).order_by(Person.site))
    return [(site or "", count) for site, count in rows]


def reprint(organisation_id: int, site: str, now: datetime, *, by: Person | None = None,
            ttl_days: int | None = None) -> Applied:
    """New one-time invites for the people of ``site`` who have not enrolled yet; the ones
    they held are withdrawn, so the codes of an earlier sheet (a lost one) stop working.
    The caller commits.

    The people are locked first (in id order), so a second reprint of the same site at
    the same moment (a double tap) waits for this one and then withdraws what it made:
    one sheet's codes work, never two."""
    ids = list(db.session.scalars(select(Person.id).where(*_waiting(organisation_id),
                                                          Person.site == site)
                                  .order_by(Person.id).with_for_update(key_share=True)))
    out = Applied()
    if not ids:
        return out
    for chunk in _chunks(ids):
        db.session.execute(
            update(Invite).where(Invite.person_id.in_(chunk), Invite.used_at.is_(None),
                                 Invite.revoked_at.is_(None)).values(revoked_at=now)
            .execution_options(synchronize_session=False))
    out.expires_at, tokens = invites.create_invites(ids, now, created_by=by, ttl_days=ttl_days)
    out.invited = _invited(tokens)
    return out


def _withdraw_other_authorships(person_ids: Sequence[int]) -> None:
    """Only holders of a role write its profile: a person moved to another role stops
    being an author of the one they left."""
    authors, person = RoleAuthor.__table__, Person.__table__
    db.session.execute(delete(authors).where(
        authors.c.person_id.in_(person_ids),
        authors.c.role_id != select(person.c.role_id)
        .where(person.c.id == authors.c.person_id).scalar_subquery()))


def _invited(tokens: dict[int, str]) -> list[Invited]:
    """The invited people as the QR sheet shows them: by site, then name."""
    found: list[Invited] = []
    for ids in _chunks(list(tokens)):
        rows = db.session.execute(
            select(Person.id, Person.external_id, Person.display_name, Person.site, Role.name)
            .join(Role, Person.role_id == Role.id).where(Person.id.in_(ids)))
        found += [Invited(pid, ext, name, site, role, tokens[pid])
                  for pid, ext, name, site, role in rows]
    return sorted(found, key=lambda i: (i.site or "", i.name.casefold(), i.person_id))


def _chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), CHUNK):
        yield items[start:start + CHUNK]


# Uploads kept for a preview -------------------------------------------------------------

def save_upload(org: Organisation, by: Person, filename: str, text: str,
                now: datetime) -> RosterUpload:
    """Keep an uploaded file until it is applied; older uploads of anyone are dropped."""
    db.session.execute(delete(RosterUpload).where(RosterUpload.created_at < now - UPLOAD_TTL))
    upload = RosterUpload(organisation_id=org.id, uploaded_by_id=by.id,
                          filename=filename[:255], text=text, created_at=now,
                          sha256=hashlib.sha256(text.encode("utf-8")).hexdigest())
    db.session.add(upload)
    db.session.flush()
    return upload


def upload_of(by: Person, upload_id: int, now: datetime) -> RosterUpload:
    """An upload its uploader may still apply (their own, not older than a day)."""
    upload = db.session.get(RosterUpload, upload_id)
    if upload is None or upload.uploaded_by_id != by.id or \
            upload.created_at < now - UPLOAD_TTL:
        raise NotFound(N_("This file is no longer here. Upload it again."))
    return upload


def drop_upload(upload: RosterUpload) -> None:
    db.session.delete(upload)
