"""Releases: computing, storing and reading the noisy snapshots every report shows.

:func:`publish` is the only code that reads people's ratings and plans for a
report (through ``pwa.store.analytics``), and it runs as a job or a command,
never inside a page. Pages and the API read what :func:`latest` returns. A
release past the yearly budget is stored as refused (it spends nothing) and
the last published release goes on being shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer

from engine import gaps as gap_rules
from engine import releases as rules
from engine.errors import N_, InvalidInput
from engine.gaps import Line
from pwa.config import budget as configured_budget
from pwa.extensions import db
from pwa.models import Release, Role
from pwa.store import analytics, memo, people

PUBLISHED, REFUSED = "published", "refused"


def budget() -> rules.Budget:
    """The privacy budget and schedule this app is configured with."""
    return configured_budget(current_app.config)


@dataclass(frozen=True)
class RoleView:
    """One role as a release shows it: its competencies then, and its numbers."""

    slug: str
    name: str
    lines: list[Line]
    numbers: rules.RoleRelease
    lessons: list[analytics.Lesson] = field(default_factory=list)


@dataclass(frozen=True)
class View:
    """A published release, read back: when, what it cost, and each role's numbers."""

    sequence: int
    computed_at: datetime
    next_at: datetime
    rho: float
    epsilon: float
    delta: float
    roles: dict[str, RoleView]

    def role(self, slug: str) -> RoleView | None:
        return self.roles.get(slug)


def _view(release: Release) -> View:
    roles = {}
    for part in release.data.get("roles", []):
        lines = [Line(*line) for line in part["lines"]]
        lessons = [analytics.Lesson(key, revision, title, tuple(prompts))
                   for key, revision, title, prompts in part.get("lessons", [])]
        roles[part["slug"]] = RoleView(part["slug"], part["name"], lines,
                                       rules.RoleRelease.from_dict(part["numbers"]), lessons)
    return View(release.sequence, release.computed_at,
                rules.next_release(release.computed_at, release.computed_at, budget()),
                release.rho, release.epsilon, release.delta, roles)


def _attempts(organisation_id: int) -> Any:
    return select(Release).where(Release.organisation_id == organisation_id)


def latest_stored(organisation_id: int) -> Release | None:
    """The organisation's latest published release as stored, or None before the first."""
    found: Release | None = db.session.scalars(
        _attempts(organisation_id).where(Release.status == PUBLISHED)
        .order_by(Release.sequence.desc()).limit(1)).first()
    return found


CACHED = 64  # releases kept parsed per app (a release never changes once stored)


def _cached(release_id: int, computed_at: datetime) -> View:
    """The release read back, parsed once per app: stored releases are never changed, so a
    page reads its row's id and time, not its numbers, after the first time."""
    cache: dict[tuple[int, datetime], View] = current_app.extensions.setdefault(
        "skillpath_releases", {})
    key = (release_id, computed_at)
    found = cache.get(key)
    if found is None:
        release = db.session.get(Release, release_id)
        assert release is not None
        found = cache[key] = _view(release)
        while len(cache) > CACHED:
            cache.pop(next(iter(cache)))
    return found


def latest(organisation_id: int) -> View | None:
    """The organisation's latest published release, or None before the first."""
    row = db.session.execute(
        select(Release.id, Release.computed_at).where(
            Release.organisation_id == organisation_id, Release.status == PUBLISHED)
        .order_by(Release.sequence.desc()).limit(1)).first()
    return None if row is None else _cached(row.id, row.computed_at)


def published(organisation_id: int) -> list[View]:
    """Every published release of the organisation, oldest first (for trends)."""
    return [_cached(row.id, row.computed_at) for row in db.session.execute(
        select(Release.id, Release.computed_at).where(
            Release.organisation_id == organisation_id, Release.status == PUBLISHED)
        .order_by(Release.sequence))]


def last_attempt(organisation_id: int) -> Release | None:
    """The latest release attempt, published or refused."""
    found: Release | None = db.session.scalars(
        _attempts(organisation_id).options(defer(Release.data))
        .order_by(Release.sequence.desc()).limit(1)).first()
    return found


def last_published_at(organisation_id: int) -> datetime | None:
    """When the organisation's latest release was published (for the learner's privacy page)."""
    found: datetime | None = db.session.scalar(
        select(func.max(Release.computed_at)).where(
            Release.organisation_id == organisation_id, Release.status == PUBLISHED))
    return found


@dataclass(frozen=True)
class Schedule:
    """The latest attempt (published or refused), when the next release is due, and whether
    it is due now: what every report page needs, read once."""

    last: Release | None
    next_at: datetime
    due: bool

    @property
    def refused(self) -> Release | None:
        return self.last if self.last is not None and self.last.status == REFUSED else None


def schedule(organisation_id: int, now: datetime) -> Schedule:
    """The next release is due a period after the last attempt (now if there is none)."""
    last = last_attempt(organisation_id)
    upcoming = rules.next_release(None if last is None else last.computed_at, now, budget())
    return Schedule(last, upcoming, upcoming <= now)


def due(organisation_id: int, now: datetime) -> bool:
    return schedule(organisation_id, now).due


def spent(organisation_id: int, now: datetime) -> float:
    """The rho the organisation's releases spent in the 365 days before ``now``."""
    return rules.spent(_history(organisation_id), now)


def _history(organisation_id: int) -> list[tuple[datetime, float]]:
    return [(at, rho) for at, rho in db.session.execute(
        select(Release.computed_at, Release.rho).where(
            Release.organisation_id == organisation_id, Release.status == PUBLISHED))]


def publish(organisation_id: int, now: datetime) -> Release:
    """Compute, check against the budget, and store the organisation's next release.

    Refused (stored, spending nothing) when it would take the last 365 days
    past the yearly budget. The plans' sums come from the ``plan_summaries``
    read model; an assessed learner without a row yet is summarised first,
    in this transaction. The caller commits. Two callers at once: the
    second one's insert breaks the unique sequence and is rolled back.
    """
    limits = budget()
    parts = []
    for role in people.roles(organisation_id):
        role_lines = analytics.lines(role)
        if role_lines:
            role_lessons = analytics.lessons(role)
            parts.append((role, role_lines, role_lessons,
                          analytics.role_counts(role, role_lines, limits, role_lessons)))
    cost = rules.loss(rules.scales(limits, len(lines)) for _, lines, _, _ in parts)
    sequence = (db.session.scalar(select(func.max(Release.sequence)).where(
        Release.organisation_id == organisation_id)) or 0) + 1
    release = Release(organisation_id=organisation_id, sequence=sequence, computed_at=now,
                      delta=limits.delta, days=limits.days, data={})
    if not rules.allowed(_history(organisation_id), now, cost, limits):
        release.status, release.rho, release.epsilon = REFUSED, 0.0, 0.0
        release.reason = (f"spent {spent(organisation_id, now):.3f} of rho "
                          f"{limits.rho_year:g} in the last 365 days; this release needs "
                          f"{cost:.3f}")
    else:
        release.status, release.rho, release.epsilon = PUBLISHED, cost, limits.epsilon(cost)
        release.data = {"roles": [
            {"slug": role.slug, "name": role.name,
             "lines": [[x.key, x.name, x.target, x.importance] for x in role_lines],
             "lessons": [[x.key, x.revision, x.title, list(x.prompts)] for x in role_lessons],
             "numbers": rules.measure(counts, limits).to_dict()}
            for role, role_lines, role_lessons, counts in parts]}
    db.session.add(release)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise
    return release


def publish_if_due(organisation_id: int, now: datetime) -> Release | None:
    """:func:`publish` when a period has passed since the last attempt; else None."""
    if not due(organisation_id, now):
        return None
    return publish(organisation_id, now)


# --- reading the reports out of the latest release ------------------------------------------


@dataclass(frozen=True)
class Filters:
    """What a role's priorities can be filtered by: its sites, and every other role of the
    organisation as a future role (slug, name). All of them, whatever the release holds:
    offering only the future roles with enough learners would say which ones people chose."""

    sites: list[str]
    future_roles: list[tuple[str, str]]


def filters(organisation_id: int, part: RoleView) -> Filters:
    names = {r.slug: r.name for r in people.roles(organisation_id)}
    return Filters(list(part.numbers.sites),
                   [(slug, names.get(slug, slug)) for slug in part.numbers.futures])


def check_filter(role: Role, part: RoleView | None, site: str | None,
                 future_role: str | None) -> rules.Where:
    """The filter asked for, or InvalidInput naming what this role's release holds (before
    the role's first release: its sites and the organisation's roles now)."""
    sites = part.numbers.sites if part is not None else analytics.sites(role)
    futures = part.numbers.futures if part is not None else analytics.future_roles(role)
    if site and site not in sites:
        raise InvalidInput(N_("No one in %(role)s works at '%(site)s'."), {"field": "site"},
                           role=role.name, site=site)
    if future_role and future_role not in futures:
        raise InvalidInput(N_("'%(future)s' is not a role of this organisation."),
                           {"field": "future_role"}, future=future_role)
    return (site or rules.ALL, future_role or rules.ALL)


def curriculum_gaps(organisation_id: int, view: View) -> list[tuple[RoleView, list[
        gap_rules.CurriculumGap]]]:
    """Each role's curriculum gaps in the release, highest impact first.

    Which levels no item covers is read from the catalogue now: public data,
    applied to the released counts.
    """
    out = []
    roles = {r.slug: r for r in people.roles(organisation_id)}
    for part in view.roles.values():
        role = roles.get(part.slug)
        ranges = analytics.item_ranges(role) if role is not None else {}
        keys = [line.key for line in part.lines]
        found = gap_rules.report(part.lines, part.numbers, ranges,
                                 analytics.mentors_available(organisation_id, keys))
        if found:
            out.append((part, found))
    return out


@dataclass(frozen=True)
class QuestionRow:
    """One question of a lesson as the question analysis shows it."""

    place: int  # from 0
    prompt: str
    first: rules.Stage
    week: rules.Stage


@dataclass(frozen=True)
class LessonRows:
    key: str
    title: str
    questions: list[QuestionRow]


def question_analysis(part: RoleView) -> list[LessonRows]:
    """Per lesson of the role (as the release has them) and question: who answered it, and
    the share wrong, on first sight and a week or more later; withheld when too few."""
    numbers = part.numbers
    return [LessonRows(lesson.key, lesson.title, [
        QuestionRow(place, prompt, numbers.first_sight((lesson.key, place)),
                    numbers.after_a_week((lesson.key, place)))
        for place, prompt in enumerate(lesson.prompts)]) for lesson in part.lessons]


def releases_of(organisation_id: int, slug: str) -> list[tuple[datetime, rules.RoleRelease]]:
    """A role's numbers in every published release that holds it, oldest first."""
    out = []
    for view in published(organisation_id):
        part = view.role(slug)
        if part is not None:
            out.append((view.computed_at, part.numbers))
    return out


def bootstrap_part(person: Any, bundle: dict[str, Any]) -> dict[str, Any]:
    """What the learner's privacy page says of the reports: when the last release was made,
    how often they come, and the smallest group shown."""
    last = memo.shared(person.organisation, ("last_release",),
                       lambda: last_published_at(person.organisation_id))
    return {"reports": {"last_release_at": None if last is None else last.isoformat(),
                        "days": budget().days, "threshold": rules.THRESHOLD}}
