"""Success Profiles in and out of other systems: the formats, an import as a draft, an export.

The mapping of each format is pure (``engine.interchange``); this package stores what a
file says as a role's new *draft*, in the caller's transaction, and writes a role's
current published version. The pages (``pwa.pages.interchange``) and the commands
(``flask --app pwa profiles import|export``) both work from :data:`FORMATS`, so a new
format is one entry there.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select

from engine import profiles as rules
from engine.errors import N_, Conflict, InvalidInput
from engine.interchange import Reading, Written, case, moodle
from pwa.extensions import db
from pwa.models import CompetencyIdentity, Person, ProfileVersion, Role, VersionCompetency
from pwa.store import profiles


@dataclass(frozen=True)
class Format:
    """One file format profiles travel in."""

    key: str
    label: str  # N_(): translated where it is shown
    extension: str
    media_type: str
    read: Callable[[bytes], Reading]
    write: Callable[[Written], bytes]


FORMATS: dict[str, Format] = {
    "case": Format("case", N_("CASE 1.1 package (JSON)"), "json", "application/json",
                   case.read, case.write),
    "moodle": Format("moodle", N_("Moodle competency framework (CSV)"), "csv", "text/csv",
                     moodle.read, moodle.write),
}


def format_of(key: str) -> Format:
    found = FORMATS.get(key)
    if found is None:
        raise InvalidInput(N_("“%(format)s” is not a format profiles can be moved in."),
                           format=key)
    return found


def written(role: Role) -> Written:
    """The role's current published version, as the writers take it."""
    version = profiles.published_version(role, None)
    assert version.published_at is not None  # published: it has a date
    return Written(role=role.name, number=version.number, summary=version.summary,
                   published_at=version.published_at.isoformat(),
                   competencies=tuple(profiles.competencies(version)),
                   identifier=f"{role.organisation.slug}/{role.slug}")


def export(role: Role, key: str) -> tuple[bytes, str]:
    """The role's current version in format ``key``, and a file name for it."""
    found = format_of(key)
    profile = written(role)
    name = re.sub(r"[^a-z0-9-]+", "-", role.slug.lower()).strip("-") or "profile"
    return found.write(profile), f"{name}-v{profile.number}.{found.extension}"


def import_draft(role: Role, reading: Reading, *, by: Person | None,
                 now: datetime) -> ProfileVersion:
    """A new draft of ``role`` holding what the file says; never a published version.

    Refused while the role has a draft: that is its authors' work in progress, and an
    import must not overwrite it (they publish or discard it first). A competency whose
    key the role already knows keeps its identity, so ratings against it keep meaning.
    Rows go in with one ``executemany`` per table (10,000 items are one import).
    """
    if not reading.competencies:
        raise InvalidInput(N_("The file has no competencies to import."))
    if profiles.draft(role) is not None:
        raise Conflict(N_("%(role)s already has a draft. Its authors publish or discard it "
                          "before another is imported."), role=role.name)
    numbers = db.session.scalars(
        select(ProfileVersion.number).where(ProfileVersion.role_id == role.id)).all()
    version = ProfileVersion(role_id=role.id, number=rules.next_number(numbers),
                             status="draft", summary="", created_at=now, updated_at=now,
                             created_by_id=by.id if by else None,
                             updated_by_id=by.id if by else None, revision=1)
    db.session.add(version)
    db.session.flush()
    known = dict(db.session.execute(
        select(CompetencyIdentity.key, CompetencyIdentity.id)
        .where(CompetencyIdentity.role_id == role.id)).all())
    new = [{"role_id": role.id, "key": c.key, "created_at": now}
           for c in reading.competencies if c.key not in known]
    if new:
        db.session.execute(insert(CompetencyIdentity), new)
        known = dict(db.session.execute(
            select(CompetencyIdentity.key, CompetencyIdentity.id)
            .where(CompetencyIdentity.role_id == role.id)).all())
    db.session.execute(insert(VersionCompetency), [
        {"version_id": version.id, "competency_id": known[c.key], "position": position,
         "name": c.name, "description": c.description, "group_name": c.group,
         "levels": list(c.levels), "target": c.target, "importance": c.importance}
        for position, c in enumerate(reading.competencies)])
    db.session.expire(version, ["lines"])
    return version
