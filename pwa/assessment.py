"""A learner's own ratings, read back for them alone (never for anyone else)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from engine import levels
from engine import profiles as rules
from pwa import accounts, catalogue
from pwa import profiles as store
from pwa.extensions import db
from pwa.models import (
    AssessmentSubmission,
    CompetencyIdentity,
    Person,
    ProfileVersion,
    Rating,
    Role,
)


def history(person: Person) -> list[dict[str, Any]]:
    """Every rating ``person`` made, in the order things happened."""
    rows = db.session.execute(
        select(Rating, CompetencyIdentity.key, Role.slug, ProfileVersion.number)
        .join(CompetencyIdentity, Rating.competency_id == CompetencyIdentity.id)
        .join(Role, CompetencyIdentity.role_id == Role.id)
        .join(ProfileVersion, Rating.version_id == ProfileVersion.id)
        .where(Rating.person_id == person.id)
        .order_by(Rating.occurred_at, Rating.event_id)
    ).all()
    return [{"role": slug, "competency": key, "version": number, "level": r.level,
             "note": r.note, "occurred_at": r.occurred_at.isoformat(), "event_id": r.event_id}
            for r, key, slug, number in rows]


def submissions(person: Person) -> list[dict[str, Any]]:
    """The self-assessments ``person`` submitted, oldest first: the phone shows them as done."""
    rows = db.session.execute(
        select(AssessmentSubmission.occurred_at, Role.slug, ProfileVersion.number)
        .join(ProfileVersion, AssessmentSubmission.version_id == ProfileVersion.id)
        .join(Role, ProfileVersion.role_id == Role.id)
        .where(AssessmentSubmission.person_id == person.id)
        .order_by(AssessmentSubmission.occurred_at, AssessmentSubmission.event_id)
    ).all()
    return [{"role": slug, "version": number, "occurred_at": at.isoformat()}
            for at, slug, number in rows]


def current(ratings: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    """The latest rating per (role, competency): the last in time order wins."""
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for rating in ratings:
        latest[(rating["role"], rating["competency"])] = rating
    return latest


def to_rerate(role: Role, version: ProfileVersion,
              latest: dict[tuple[str, str], dict[str, Any]]) -> list[str]:
    """Competencies of ``version`` whose meaning changed since the learner rated them."""
    keys: list[str] = []
    older: dict[int, ProfileVersion] = {}
    for comp in store.competencies(version):
        rated = latest.get((role.slug, comp.key))
        if rated is None or rated["version"] == version.number:
            continue
        number = rated["version"]
        if number not in older:
            older[number] = store.version(role, number)
        changes = rules.diff(store.competencies(older[number]), [comp])
        if comp.key in rules.to_rerate(changes):
            keys.append(comp.key)
    return keys


def bootstrap(person: Person) -> dict[str, Any]:
    """What the phone needs to work offline for ``person``."""
    ratings = history(person)
    latest = current(ratings)
    roles = [r for r in (person.role, person.future_role) if r is not None]
    profiles: dict[str, Any] = {}
    rerate: dict[str, list[str]] = {}
    profile_urls = []
    for role in roles:
        version = store.current(role)
        if version is None:
            continue
        profiles[role.slug] = store.version_dict(version)
        rerate[role.slug] = to_rerate(role, version, latest)
        profile_urls.append(f"/api/v1/roles/{role.slug}/profile?version={version.number}")
    competency_refs = {f"{slug}/{c['key']}" for slug, p in profiles.items()
                       for c in p["competencies"]}
    items = [r for r in catalogue.search(person.organisation_id, offline=True)
             if any(catalogue.ref(c) in competency_refs for c in r.competencies)]
    return {
        "person": accounts.person_summary(person),
        "role": person.role.slug,
        "future_role": person.future_role.slug if person.future_role else None,
        "profiles": profiles,
        "ratings": {"history": ratings,
                    "current": sorted(latest.values(), key=lambda r: (r["role"],
                                                                     r["competency"]))},
        "rerate": rerate,
        "submissions": submissions(person),
        "limits": levels.limits(),
        "content": {
            "profiles": profile_urls,
            "items": [f"/api/v1/catalog/items/{r.item.key}?revision={r.revision}"
                      for r in items],
        },
    }
