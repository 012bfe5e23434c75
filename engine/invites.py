"""Rules of one-time invite links.

Many frontline workers have no company e-mail, so a person enrols by opening a
link that an L&D admin (or the CLI) created for them. A link works once, for a
limited time, and can be revoked before it is used.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from engine.errors import N_, InvalidInput, InviteUnusable, UnknownInvite

DEFAULT_TTL = timedelta(days=7)
MAX_TTL = timedelta(days=30)


class InviteStatus(StrEnum):
    """Where an invite stands; only ``VALID`` may be redeemed."""

    VALID = "valid"
    USED = "used"
    REVOKED = "revoked"
    EXPIRED = "expired"


@dataclass(frozen=True)
class InviteState:
    """The facts about one invite that decide whether it still works."""

    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    revoked_at: datetime | None = None


_MESSAGES = {
    InviteStatus.USED: N_(
        "This invite link has already been used. Each link works once: "
        "ask your L&D team for a new one to add a passkey on another device."
    ),
    InviteStatus.REVOKED: N_("This invite link was withdrawn. Ask your L&D team for a new one."),
    InviteStatus.EXPIRED: N_("This invite link has expired. Ask your L&D team for a new one."),
}


def expiry(created_at: datetime, ttl: timedelta = DEFAULT_TTL) -> datetime:
    """When an invite created at ``created_at`` stops working.

    A TTL outside (0, 30 days] is refused: a link that never expires is a
    standing key to somebody's account.
    """
    _require_aware(created_at)
    if ttl <= timedelta(0) or ttl > MAX_TTL:
        raise InvalidInput(
            N_("An invite must expire after more than 0 seconds and at most 30 days."),
            {"ttl_seconds": int(ttl.total_seconds())},
        )
    return created_at + ttl


def status(invite: InviteState, now: datetime) -> InviteStatus:
    """Classify ``invite`` at ``now``.

    Used beats revoked beats expired: a learner who already enrolled is told
    that, rather than that the link timed out later.
    """
    _require_aware(now)
    if invite.used_at is not None:
        return InviteStatus.USED
    if invite.revoked_at is not None:
        return InviteStatus.REVOKED
    if now >= invite.expires_at:
        return InviteStatus.EXPIRED
    return InviteStatus.VALID


def require_usable(invite: InviteState, now: datetime) -> None:
    """Raise :class:`InviteUnusable` with a plain-words reason unless valid."""
    found = status(invite, now)
    if found is not InviteStatus.VALID:
        raise InviteUnusable(found.value, _MESSAGES[found])


def unknown_invite() -> UnknownInvite:
    """The error for a token that matches no invite at all."""
    return UnknownInvite(
        "unknown",
        N_("This invite link is not valid. Check that you opened the whole link, "
           "or ask your L&D team for a new one."),
    )


def _require_aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("engine times must be timezone-aware (UTC)")


def can_revoke(invite: InviteState) -> bool:
    """Only an unused, unrevoked invite can be withdrawn; history stays as it was."""
    return invite.used_at is None and invite.revoked_at is None
