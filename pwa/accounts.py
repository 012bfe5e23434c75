"""Database-side work on people, invites, passkeys and challenges.

Pages, the JSON API and the CLI all call these, so each rule lives once.
The judging (is an invite still usable?) is ``engine``'s; this module loads
and stores.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import delete, select

from engine import invites as invite_rules
from engine import people as people_rules
from engine.errors import Conflict, InvalidInput, NotFound
from pwa.extensions import db
from pwa.models import (
    Feedback,
    Invite,
    Organisation,
    Passkey,
    Person,
    Role,
    RoleAuthor,
    WebAuthnChallenge,
    as_dict,
    utcnow,
)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def the_organisation(slug: str | None = None) -> Organisation:
    """The organisation named by ``slug``, or the only one there is."""
    if slug:
        org: Organisation | None = db.session.scalar(
            select(Organisation).where(Organisation.slug == slug)
        )
        if org is None:
            raise NotFound(f"There is no organisation '{slug}'.")
        return org
    orgs = db.session.scalars(select(Organisation).limit(2)).all()
    if not orgs:
        raise NotFound("There is no organisation yet. Run `flask --app pwa seed-demo` first.")
    if len(orgs) > 1:
        raise InvalidInput("There is more than one organisation: name one.")
    return orgs[0]


def role_by_slug(org: Organisation, slug: str) -> Role:
    role: Role | None = db.session.scalar(
        select(Role).where(Role.organisation_id == org.id, Role.slug == slug)
    )
    if role is None:
        known = ", ".join(r.slug for r in org.roles) or "none yet"
        raise NotFound(f"There is no role '{slug}'. Roles: {known}.", {"field": "role"})
    return role


def ensure_person(
    org: Organisation,
    name: str,
    role: Role,
    *,
    ld_admin: bool = False,
    time_zone: str = "UTC",
    locale: str = "en",
) -> tuple[Person, bool]:
    """Find the person of this name in ``org`` or create them; True if created.

    An existing person keeps their role; asking for ``ld_admin`` grants it.
    """
    name = people_rules.clean_display_name(name)
    person = db.session.scalar(
        select(Person).where(Person.organisation_id == org.id, Person.display_name == name)
    )
    if person is not None:
        if person.role_id != role.id:
            raise InvalidInput(
                f"{name} already exists with the role '{person.role.slug}'.", {"field": "role"}
            )
        if ld_admin and not person.is_ld_admin:
            person.is_ld_admin = True
        return person, False
    person = Person(
        organisation_id=org.id,
        display_name=name,
        role_id=role.id,
        time_zone=people_rules.check_time_zone(time_zone),
        locale=people_rules.check_locale(locale),
        is_ld_admin=ld_admin,
        user_handle=secrets.token_bytes(32),
    )
    db.session.add(person)
    db.session.flush()
    return person, True


def nominate_author(person: Person, role: Role) -> None:
    """Make ``person`` an author of ``role``; only holders of the role qualify."""
    if person.role_id != role.id:
        raise InvalidInput(
            f"Only people who hold the role '{role.name}' can write its profile.",
            {"field": "role"},
        )
    if not any(a.role_id == role.id for a in person.authored_roles):
        person.authored_roles.append(RoleAuthor(role_id=role.id))


def withdraw_author(person: Person, role: Role) -> None:
    for authorship in list(person.authored_roles):
        if authorship.role_id == role.id:
            person.authored_roles.remove(authorship)


def create_invite(
    person: Person, now: datetime, *, created_by: Person | None = None, ttl_days: int | None = None
) -> tuple[Invite, str]:
    """Create a one-time invite for ``person``; returns it and its secret token."""
    days = ttl_days if ttl_days is not None else current_app.config["SKILLPATH_INVITE_TTL_DAYS"]
    expires_at = invite_rules.expiry(now, timedelta(days=days))
    token = secrets.token_urlsafe(32)
    invite = Invite(
        person_id=person.id,
        token_hash=token_hash(token),
        created_at=now,
        expires_at=expires_at,
        created_by_id=created_by.id if created_by else None,
    )
    db.session.add(invite)
    db.session.flush()
    return invite, token


def invite_link(token: str) -> str:
    origin: str = current_app.config["SKILLPATH_ORIGIN"]
    return origin.rstrip("/") + "/enrol/" + token


def usable_invite(token: str, now: datetime) -> Invite:
    """The invite behind ``token`` if it can still be redeemed; else InviteUnusable."""
    invite: Invite | None = db.session.scalar(
        select(Invite).where(Invite.token_hash == token_hash(token))
    )
    if invite is None:
        raise invite_rules.unknown_invite()
    invite_rules.require_usable(invite_state(invite), now)
    return invite


def invite_state(invite: Invite) -> invite_rules.InviteState:
    return invite_rules.InviteState(
        created_at=invite.created_at,
        expires_at=invite.expires_at,
        used_at=invite.used_at,
        revoked_at=invite.revoked_at,
    )


def issue_challenge(
    challenge: str, purpose: str, now: datetime, *, person_id: int | None = None,
    invite_id: int | None = None,
) -> None:
    """Remember a challenge we handed out; stale ones are swept as we go."""
    ttl = timedelta(seconds=current_app.config["SKILLPATH_CHALLENGE_TTL_SECONDS"])
    db.session.execute(delete(WebAuthnChallenge).where(WebAuthnChallenge.expires_at < now))
    db.session.add(
        WebAuthnChallenge(
            challenge=challenge,
            purpose=purpose,
            person_id=person_id,
            invite_id=invite_id,
            created_at=now,
            expires_at=now + ttl,
        )
    )


def consume_challenge(challenge: str, purpose: str, now: datetime) -> WebAuthnChallenge | None:
    """Take a challenge out of the store; ``None`` if unknown, used or expired.

    The row is deleted whatever happens next, so a challenge works at most once
    even if verification fails.
    """
    row: WebAuthnChallenge | None = db.session.scalar(
        select(WebAuthnChallenge).where(WebAuthnChallenge.challenge == challenge).with_for_update()
    )
    if row is None:
        return None
    db.session.delete(row)
    db.session.flush()
    if row.purpose != purpose or row.expires_at <= now:
        return None
    return row


def person_permissions(person: Person) -> list[str]:
    facts = people_rules.PersonFacts(
        is_ld_admin=person.is_ld_admin,
        authored_role_ids=frozenset(a.role_id for a in person.authored_roles),
    )
    return sorted(p.value for p in people_rules.permissions(facts))


def person_summary(person: Person) -> dict[str, Any]:
    return {
        "id": person.id,
        "display_name": person.display_name,
        "role": {"slug": person.role.slug, "name": person.role.name},
        "future_role": (
            {"slug": person.future_role.slug, "name": person.future_role.name}
            if person.future_role
            else None
        ),
        "time_zone": person.time_zone,
        "locale": person.locale,
        "permissions": person_permissions(person),
    }


def export_person(person: Person, now: datetime) -> dict[str, Any]:
    """Everything the app holds about ``person``, for "Download my data"."""
    invites = db.session.scalars(
        select(Invite).where(Invite.person_id == person.id).order_by(Invite.created_at)
    ).all()
    feedback = db.session.scalars(
        select(Feedback).where(Feedback.person_id == person.id).order_by(Feedback.created_at)
    ).all()
    return {
        "exported_at": now.isoformat(),
        "format": "skillpath-export/1",
        "person": {
            **person_summary(person),
            "organisation": person.role.organisation.name,
            "created_at": person.created_at.isoformat(),
        },
        "authored_roles": [
            {"slug": a.role.slug, "name": a.role.name, "nominated_at": a.nominated_at.isoformat()}
            for a in person.authored_roles
        ],
        "passkeys": [
            {
                **as_dict(p, "name", "created_at", "last_used_at", "backed_up", "transports"),
                "credential_id": p.credential_id.hex(),
            }
            for p in person.passkeys
        ],
        "invites": [
            as_dict(i, "created_at", "expires_at", "used_at", "revoked_at") for i in invites
        ],
        "feedback": [
            {
                "role": f.role.slug,
                "version": f.version.number,
                "competency": f.competency.key if f.competency else None,
                **as_dict(f, "kind", "text", "status", "reply", "replied_at", "created_at"),
            }
            for f in feedback
        ],
    }


def delete_person(person: Person) -> None:
    """Remove ``person`` and everything that is theirs (cascades in the schema)."""
    db.session.delete(person)


def remove_passkey(person: Person, passkey_id: int) -> Passkey:
    """Remove one of ``person``'s passkeys, but never the last one."""
    passkey = db.session.get(Passkey, passkey_id)
    if passkey is None or passkey.person_id != person.id:
        raise NotFound("That passkey does not exist.")
    if len(person.passkeys) <= 1:
        raise Conflict(
            "This is your only passkey. Add another one first, or you could not sign in again."
        )
    db.session.delete(passkey)
    return passkey


def now() -> datetime:
    return utcnow()
