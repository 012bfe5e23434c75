"""The batch in hand: what the checks of one batch of events share, each under its own name.

Checks run in the order events are applied, so a later check sees what an
earlier one in the same batch let through (a rating, then an offer to mentor
that needs it). Each concept keeps what it learns here in a typed member of
its own rather than under a key of a shared dict.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from flask import current_app
from sqlalchemy import select

from engine import sync as rules
from engine.errors import N_
from pwa.extensions import db
from pwa.models import Person, Role
from pwa.store import bundles, profiles

# (organisation, role slug, number) -> the version's id and its competency ids by key.
Versions = dict[tuple[int, str, int], tuple[int, dict[str, int]] | None]


@dataclass
class SeenRequest:
    """A mentor request as the checks know it: stored before, or sent earlier in the batch."""

    learner: int
    mentor: int
    competency: str
    status: str


@dataclass
class Batch:
    """One person's batch of events, with the lookups its checks make once.

    A published version never changes, so what it maps (competency key to id)
    is kept for the life of the app process: most batches then cost no lookup.
    """

    person: Person
    # role slug -> competency key -> level, rated earlier in this batch
    rated: dict[str, dict[str, int]] = field(default_factory=dict)
    # person id -> their competency keys (role and future role) -> identity ids
    competency_keys: dict[int, dict[str, tuple[int, ...]]] = field(default_factory=dict)
    # own item id -> its competency, added earlier in this batch
    own_items: dict[str, str] = field(default_factory=dict)
    # ids of the suggestions sent earlier in this batch
    suggestions: set[str] = field(default_factory=set)
    # id -> the mentor requests sent earlier in this batch
    mentor_requests: dict[str, SeenRequest] = field(default_factory=dict)
    # whether the competency identities of the person's roles were read in this batch
    role_competencies_read: bool = False
    # (item key, revision) -> [the lesson, whether it is in the learner's practice (None:
    # not asked yet)], as the practice checks found them earlier in this batch
    practice_lessons: dict[tuple[str, int], list[Any]] = field(default_factory=dict)
    _roles: dict[str, Role] | None = None
    # (role slug, number) -> what :meth:`version` found, for this batch's next events
    _versions_seen: dict[tuple[str, int], tuple[int, dict[str, int]]] = field(
        default_factory=dict)

    @property
    def versions(self) -> Versions:
        return cast(Versions, current_app.extensions.setdefault(
            "skillpath_published_versions", {}))

    @property
    def lessons(self) -> dict[tuple[int, str, int], Any]:
        """(organisation, item key, revision) -> the micro-lesson as the practice checks need it.

        A revision never changes (a save makes the next one) and items are never
        deleted, so a lesson found is kept for the life of the app process.
        """
        return cast(dict[tuple[int, str, int], Any], current_app.extensions.setdefault(
            "skillpath_practice_lessons", {}))

    @property
    def role_competencies(self) -> dict[int, frozenset[int]]:
        """role id -> the ids of its competency identities, as last read.

        An identity, once made, stays its role's, so a set read is kept for the life of
        the app process; one that misses a competency is read again (see
        ``pwa.store.practice``).
        """
        return cast(dict[int, frozenset[int]], current_app.extensions.setdefault(
            "skillpath_role_competencies", {}))

    @property
    def roles(self) -> dict[str, Role]:
        if self._roles is None:
            self._roles = {r.slug: r for r in db.session.scalars(
                select(Role).where(Role.organisation_id == self.person.organisation_id))}
        return self._roles

    def role(self, slug: str) -> Role:
        """The organisation's role ``slug``, or Refused."""
        found = self.roles.get(slug)
        if found is None:
            raise rules.Refused("unknown_role", N_("There is no role '%(slug)s'."), slug=slug)
        return found

    def version(self, role_slug: str, number: int) -> tuple[int, dict[str, int]]:
        """A published version's id and its competency ids by key, or Refused."""
        seen = self._versions_seen.get((role_slug, number))
        if seen is not None:  # a batch of ratings names one version a hundred times
            return seen
        versions = self.versions
        key = (self.person.organisation_id, role_slug, number)
        if versions.get(key) is None:
            role = self.roles.get(role_slug)
            if role is not None:
                found = profiles.published_competency_ids(role, number)
                if found is not None:
                    versions[key] = found  # published versions never change
        known = versions.get(key)
        if known is None:
            raise rules.Refused("unknown_version",
                                N_("'%(role)s' has no published version %(number)s."),
                                role=role_slug, number=number)
        self._versions_seen[(role_slug, number)] = known
        return known


def take_turns(person: Person) -> None:
    """Wait here for any other sync of ``person`` to commit, and hold it off until this commits.

    The sync calls it once a batch has stored its events and before it applies any: two
    phones of one learner syncing at once then take turns, and the second reads what the
    first wrote (a question's state, the settings). It is the UPDATE that moves the
    person's bundle counter (``pwa.store.bundles``): on PostgreSQL an UPDATE of a column
    no key holds locks the row ``FOR NO KEY UPDATE``, the events' inserts hold the
    key-share lock their foreign keys took on that row, and ``FOR UPDATE`` would deadlock
    with them. SQLite has one writer, and a batch has written its events before it gets
    here: it holds the database's one write lock already.
    """
    bundles.bump_now(person.id)
