"""Golden tests of the invite rules, written from the rule, not from the code."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from engine import invites
from engine.errors import InvalidInput, InviteUnusable, NotFound

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def state(**kw):
    return invites.InviteState(created_at=T0, expires_at=T0 + timedelta(days=7), **kw)


@pytest.mark.parametrize(("invite", "at", "expected"), [
    (state(), T0, "valid"),
    (state(), T0 + timedelta(days=6, hours=23, minutes=59), "valid"),
    (state(), T0 + timedelta(days=7), "expired"),  # the expiry instant itself no longer works
    (state(), T0 + timedelta(days=30), "expired"),
    (state(used_at=T0 + timedelta(hours=1)), T0 + timedelta(hours=2), "used"),
    (state(revoked_at=T0 + timedelta(hours=1)), T0 + timedelta(hours=2), "revoked"),
    # used beats revoked beats expired: the learner hears the first thing that happened
    (state(used_at=T0, revoked_at=T0), T0 + timedelta(days=9), "used"),
    (state(revoked_at=T0), T0 + timedelta(days=9), "revoked"),
])
def test_status(invite, at, expected):
    assert invites.status(invite, at).value == expected


def test_default_expiry_is_seven_days():
    assert invites.expiry(T0) == datetime(2026, 3, 9, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("ttl", [timedelta(0), timedelta(seconds=-1), timedelta(days=31)])
def test_expiry_refuses_links_that_never_work_or_never_die(ttl):
    with pytest.raises(InvalidInput):
        invites.expiry(T0, ttl)


def test_require_usable_says_why_in_plain_words():
    with pytest.raises(InviteUnusable) as caught:
        invites.require_usable(state(used_at=T0), T0)
    assert caught.value.status == "used"
    assert "already been used" in caught.value.message
    invites.require_usable(state(), T0)  # a valid invite passes silently


def test_a_token_that_names_no_invite_is_unknown_not_gone():
    unknown = invites.unknown_invite()
    assert isinstance(unknown, InviteUnusable) and unknown.status == "unknown"
    assert isinstance(unknown, NotFound)  # answered 404, as nothing by that name ever existed


def test_naive_times_are_a_programming_error():
    with pytest.raises(ValueError):
        invites.status(state(), datetime(2026, 3, 2, 9, 0))
