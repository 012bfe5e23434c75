"""The bootstrap bundle: what the phone needs to work offline, composed from the registry.

Its ETag (:func:`validator`) is made of what the bundle is a function of, read without
building it: two stored counters (``pwa.store.bundles`` moves them in the transaction of
every change a bundle shows), the instant the bundle is built as of, the language it is
written in, the device asking, and the code and configuration that build it. Equal
inputs give the same bundle, byte for byte, so a phone holding that ETag holds the
bundle, and the answer is a 304 that costs no query but the signed-in session's.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from functools import cache
from typing import Any

from flask import current_app

from engine import practice as practice_rules
from pwa import clock
from pwa.config import ROOT
from pwa.models import MentorOffer, Person, PlanSettings, ReminderSettings
from pwa.store import memo
from pwa.sync.registry import registry

# Tables of one row per person that the bundle's parts read (``pwa.store.memo.row``).
ONE_ROW_EACH = (PlanSettings, ReminderSettings, MentorOffer)

# The code that builds a bundle (and the migrations, which may change data in place): a
# deployment of other code may build another one from the same rows.
SOURCES = ("engine", "pwa", "api", "migrations")


def bundle(person: Person, now: datetime | None = None) -> dict[str, Any]:
    """Each concept adds its part in turn; a later part may read the earlier ones.

    ``as_of`` (``engine.practice.as_of`` of ``now``, the clock's if not given) comes
    first: the parts that depend on the time read it there, never the clock.
    """
    at = practice_rules.as_of(clock.now() if now is None else now, person.time_zone)
    out: dict[str, Any] = {"as_of": at.isoformat()}
    with memo.reading():  # the parts ask for the same profiles and settings: read once
        # The person's rows of one row each that the parts read (the plan's, practice's
        # and mentoring's settings, the reminders', their mentor offer): one query.
        memo.rows(person.id, *ONE_ROW_EACH)
        for part in registry().bootstrap:
            out.update(part(person, out))
    return out


def validator(person: Person, now: datetime, *, locale: str, session_id: int | None) -> str:
    """The bundle's ETag, from what the bundle is a function of; no query of its own.

    - ``people.bundle_version`` and ``organisations.bundle_version``: every stored row a
      bundle reads moves one of them when it changes (``pwa.store.bundles``);
    - ``as_of``: what practice and reminders compute from the time (a new hour, a new
      local day in the person's zone);
    - ``locale``: the language of the plan's reasons (the browser's may choose it);
    - ``session_id``: which of the person's devices asks (``push.this_session``);
    - the code and the configuration the bundle is built with (:func:`_build`).

    Read before the bundle is built: a change committed in between gives a bundle newer
    than its ETag, which the next request answers in full again, never an older one.
    """
    # Loaded with the signed-in session at the start of the request (its first query), so
    # read before the bundle; no query more.
    mine, theirs = person.bundle_version, person.organisation.bundle_version
    at = practice_rules.as_of(now, person.time_zone)
    key = "|".join(map(str, (_build(), person.id, mine, person.organisation_id, theirs,
                             at.isoformat(), locale, session_id)))
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def _build() -> str:
    """The code (every module of :data:`SOURCES`, the translations) and the configuration
    that a bundle is built with: the VAPID public key, the privacy budget's schedule,
    FSRS's desired retention."""
    from pwa import vapid
    from pwa.store import releases

    keys = vapid.keys()
    config = (keys.public if keys else None, releases.budget(),
              current_app.config["SKILLPATH_DESIRED_RETENTION"])
    return f"{_code()}:{hashlib.sha256(repr(config).encode()).hexdigest()[:16]}"


@cache
def _code() -> str:
    """A hash of the Python sources and translation catalogues, read once per process (a
    deployment starts new processes)."""
    digest = hashlib.sha256()
    files = [p for name in SOURCES for p in (ROOT / name).rglob("*.py")]
    files += [p for p in (ROOT / "pwa" / "i18n" / "translations").rglob("*") if p.is_file()]
    for path in sorted(files):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
