"""Loading and storing Success Profiles, feedback and authorship.

The rules (what a valid version is, what a diff is, when an edit is refused)
are ``engine.profiles``; this module turns rows into engine dataclasses and
back, inside the caller's transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from engine import profiles as rules
from engine.errors import Forbidden, InvalidInput, NotFound
from engine.levels import FEEDBACK_KINDS, MAX_FEEDBACK
from pwa.extensions import db
from pwa.models import (
    CompetencyIdentity,
    Feedback,
    Person,
    ProfileVersion,
    Role,
    RoleAuthor,
    VersionCompetency,
)


def role_in_org(organisation_id: int, slug: str) -> Role:
    role: Role | None = db.session.scalar(
        select(Role).where(Role.organisation_id == organisation_id, Role.slug == slug)
    )
    if role is None:
        raise NotFound(f"There is no role '{slug}'.")
    return role


def is_author(person: Person, role: Role) -> bool:
    return any(a.role_id == role.id for a in person.authored_roles)


def require_author(person: Person, role: Role) -> None:
    if not is_author(person, role):
        raise Forbidden(f"Only the nominated authors of {role.name} can edit its profile.")


def authors(role: Role) -> list[Person]:
    return list(db.session.scalars(
        select(Person).join(RoleAuthor, RoleAuthor.person_id == Person.id)
        .where(RoleAuthor.role_id == role.id).order_by(Person.display_name)
    ))


def published(role: Role) -> list[ProfileVersion]:
    return list(db.session.scalars(
        select(ProfileVersion)
        .where(ProfileVersion.role_id == role.id, ProfileVersion.status == "published")
        .order_by(ProfileVersion.number)
    ))


def current(role: Role) -> ProfileVersion | None:
    """The role's latest published version."""
    version: ProfileVersion | None = db.session.scalar(
        select(ProfileVersion)
        .where(ProfileVersion.role_id == role.id, ProfileVersion.status == "published")
        .order_by(ProfileVersion.number.desc()).limit(1)
    )
    return version


def version(role: Role, number: int) -> ProfileVersion:
    found: ProfileVersion | None = db.session.scalar(
        select(ProfileVersion).where(ProfileVersion.role_id == role.id,
                                     ProfileVersion.number == number)
    )
    if found is None:
        raise NotFound(f"{role.name} has no version {number}.")
    return found


def published_version(role: Role, number: int | None) -> ProfileVersion:
    """Version ``number`` if published, or the current one; drafts stay with authors."""
    found = current(role) if number is None else version(role, number)
    if found is None or found.status != "published":
        raise NotFound(f"{role.name} has no published version"
                       + (f" {number}." if number is not None else " yet."))
    return found


def draft(role: Role) -> ProfileVersion | None:
    found: ProfileVersion | None = db.session.scalar(
        select(ProfileVersion)
        .where(ProfileVersion.role_id == role.id, ProfileVersion.status == "draft")
    )
    return found


def competencies(v: ProfileVersion) -> list[rules.Competency]:
    return [
        rules.Competency(
            key=line.competency.key, name=line.name, description=line.description,
            group=line.group_name, levels=tuple(line.levels), target=line.target,
            importance=line.importance,
        )
        for line in v.lines
    ]


def open_draft(role: Role, author: Person, now: datetime) -> ProfileVersion:
    """The role's draft, or a new one copied from the current version."""
    require_author(author, role)
    existing = draft(role)
    if existing is not None:
        return existing
    numbers = db.session.scalars(
        select(ProfileVersion.number).where(ProfileVersion.role_id == role.id)
    ).all()
    new = ProfileVersion(role_id=role.id, number=rules.next_number(numbers), status="draft",
                         created_at=now, created_by_id=author.id, updated_at=now,
                         updated_by_id=author.id, revision=1)
    db.session.add(new)
    base = current(role)
    if base is not None:
        for line in base.lines:
            new.lines.append(VersionCompetency(
                competency=line.competency, position=line.position, name=line.name,
                description=line.description, group_name=line.group_name,
                levels=list(line.levels), target=line.target, importance=line.importance))
    db.session.flush()
    return new


def save_draft(v: ProfileVersion, new: list[rules.Competency], *, expected_revision: int,
               author: Person, now: datetime) -> None:
    """Replace the draft's competencies with ``new`` (in order) after every check.

    A competency whose key is empty is new: it gets a key from its name.
    """
    require_author(author, v.role)
    rules.require_draft(v.status)
    rules.require_current_revision(expected_revision, v.revision)
    identities = {c.key: c for c in db.session.scalars(
        select(CompetencyIdentity).where(CompetencyIdentity.role_id == v.role_id))}
    keyed: list[rules.Competency] = []
    for comp in new:
        key = comp.key or rules.make_key(comp.name, [*identities, *(c.key for c in keyed)])
        keyed.append(rules.Competency(key, " ".join(comp.name.split()), comp.description.strip(),
                                      comp.group.strip(), tuple(t.strip() for t in comp.levels),
                                      comp.target, comp.importance))
    rules.validate(keyed)
    v.lines.clear()
    db.session.flush()
    for position, comp in enumerate(keyed):
        identity = identities.get(comp.key)
        if identity is None:
            identity = CompetencyIdentity(role_id=v.role_id, key=comp.key, created_at=now)
            db.session.add(identity)
            db.session.flush()
            identities[comp.key] = identity
        v.lines.append(VersionCompetency(
            competency=identity, position=position, name=comp.name,
            description=comp.description, group_name=comp.group, levels=list(comp.levels),
            target=comp.target, importance=comp.importance))
    v.revision += 1
    v.updated_at = now
    v.updated_by_id = author.id


def publish(v: ProfileVersion, summary: str, *, expected_revision: int, author: Person,
            now: datetime) -> None:
    """Make the draft the role's current version; it never changes again."""
    require_author(author, v.role)
    rules.require_draft(v.status)
    rules.require_current_revision(expected_revision, v.revision)
    summary = summary.strip()
    if not summary:
        raise InvalidInput("Say in a sentence what changed, for learners to read.",
                           {"field": "summary"})
    rules.validate(competencies(v))
    if current(v.role) is not None and all(d.unchanged for d in diff(previous(v), v)):
        raise InvalidInput("This draft is the same as the current version: nothing to publish.")
    v.status = "published"
    v.summary = summary
    v.published_at = now
    v.published_by_id = author.id
    v.revision += 1


def discard_draft(v: ProfileVersion, author: Person) -> None:
    require_author(author, v.role)
    rules.require_draft(v.status)
    for fb in db.session.scalars(select(Feedback).where(Feedback.addressed_in_id == v.id)):
        fb.addressed_in_id = None
        fb.status = "open"
    db.session.delete(v)


def previous(v: ProfileVersion) -> ProfileVersion | None:
    """The published version before ``v`` (for a draft: the current one)."""
    found: ProfileVersion | None = db.session.scalar(
        select(ProfileVersion)
        .where(ProfileVersion.role_id == v.role_id, ProfileVersion.status == "published",
               ProfileVersion.number < v.number)
        .order_by(ProfileVersion.number.desc()).limit(1)
    )
    return found


def diff(old: ProfileVersion | None, new: ProfileVersion) -> list[rules.CompetencyDiff]:
    return rules.diff(competencies(old) if old else [], competencies(new))


def version_dict(v: ProfileVersion) -> dict[str, Any]:
    """A version as the API and the offline client see it."""
    writers = authors(v.role)
    return {
        "role": {"slug": v.role.slug, "name": v.role.name},
        "number": v.number,
        "status": v.status,
        "summary": v.summary,
        "published_at": v.published_at.isoformat() if v.published_at else None,
        "written_by": [p.display_name for p in writers],
        "competencies": [c.to_dict() for c in competencies(v)],
    }


# Feedback ---------------------------------------------------------------------------------


def give_feedback(person: Person, role: Role, *, competency_key: str | None, kind: str,
                  text: str, now: datetime) -> Feedback:
    """Store a learner's feedback on ``role``'s current profile (or one competency of it)."""
    target = feedback_target(person, role, competency_key=competency_key, kind=kind, text=text)
    feedback = Feedback(person_id=person.id, role_id=role.id, created_at=now, status="open",
                        **target)
    db.session.add(feedback)
    db.session.flush()
    return feedback


def feedback_target(person: Person, role: Role, *, competency_key: str | None, kind: str,
                    text: str) -> dict[str, Any]:
    """Check feedback before it is stored: the columns it will have, or a DomainError."""
    if kind not in FEEDBACK_KINDS:
        raise InvalidInput(f"'{kind}' is not a kind of feedback. Use one of: "
                           + ", ".join(FEEDBACK_KINDS) + ".", {"field": "kind"})
    text = text.strip()
    if not text:
        raise InvalidInput("Write a few words about what should change.", {"field": "text"})
    if len(text) > MAX_FEEDBACK:
        raise InvalidInput(f"Feedback can be at most {MAX_FEEDBACK} characters.",
                           {"field": "text"})
    if role.organisation_id != person.organisation_id:
        raise NotFound("There is no such role.")
    version_now = published_version(role, None)
    competency_id = None
    if competency_key:
        line = next((line for line in version_now.lines
                     if line.competency.key == competency_key), None)
        if line is None:
            raise InvalidInput(
                f"{role.name}'s profile has no competency '{competency_key}'.",
                {"field": "competency"})
        competency_id = line.competency_id
    return {"version_id": version_now.id, "competency_id": competency_id, "kind": kind,
            "text": text}


def queue(role: Role) -> list[Feedback]:
    return list(db.session.scalars(
        select(Feedback).where(Feedback.role_id == role.id)
        .order_by(Feedback.status != "open", Feedback.created_at.desc())
    ))


def open_feedback_counts(role_ids: list[int]) -> dict[int, int]:
    rows = db.session.execute(
        select(Feedback.role_id, func.count()).where(Feedback.role_id.in_(role_ids),
                                                     Feedback.status == "open")
        .group_by(Feedback.role_id)
    ).all()
    return {role_id: count for role_id, count in rows}


def answer_feedback(feedback: Feedback, *, accept: bool, reply: str, author: Person,
                    now: datetime) -> None:
    """Accept (linking the draft that addresses it) or decline with a reply."""
    require_author(author, feedback.role)
    if feedback.status != "open":
        raise InvalidInput("This feedback was already answered.")
    reply = reply.strip()
    if not accept and not reply:
        raise InvalidInput("Tell the learner why, in a sentence: they will read it.",
                           {"field": "reply"})
    if accept:
        feedback.addressed_in_id = open_draft(feedback.role, author, now).id
    feedback.status = "accepted" if accept else "declined"
    feedback.reply = reply or None
    feedback.replied_at = now
    feedback.replied_by_id = author.id


def my_feedback(person: Person) -> list[Feedback]:
    return list(db.session.scalars(
        select(Feedback).where(Feedback.person_id == person.id)
        .order_by(Feedback.created_at.desc())
    ))
