"""Golden tests of push reminders (engine/reminders.py), each worked out by hand from the rule.

Every instant is fixed and written in UTC beside the local time it is; the DST changes
used are those of the tz database (New York 8 March and 1 November 2026, London 29
March and 25 October 2026, Lord Howe and Adelaide 5 April and 4 October 2026, Apia
27 September 2020 and the day Samoa skipped, 30 December 2011). Nothing here depends
on today's date.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.errors import InvalidInput
from engine.reminders import (
    BACKS_OFF,
    CATCH_UP,
    NEWS,
    Decision,
    Due,
    Kind,
    Preferences,
    Quiet,
    Sent,
    check_preferences,
    decide,
    expires,
    scheduled_at,
)

ALL = frozenset(Kind)
NIGHT = Quiet(time(22), time(7))
PLAN = Due(plan=True)
PRACTICE = Due(practice=True)
WED = date(2026, 6, 3)  # a Wednesday


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def prefs(tz: str = "UTC", at: time = time(7, 30), **kw) -> Preferences:
    return Preferences(**{"time_zone": tz, "remind_at": at, "quiet": NIGHT, "kinds": ALL, **kw})


def kinds(decisions: tuple[Decision, ...]) -> list[Kind]:
    return [d.kind for d in decisions]


# The chosen time, the catch-up window, one a day ----------------------------------------

def test_a_plan_reminder_comes_at_the_chosen_time_and_not_a_second_before():
    p = prefs()
    assert decide(utc(2026, 6, 3, 7, 29, 59), p, PLAN) == ()
    assert decide(utc(2026, 6, 3, 7, 30), p, PLAN) == (
        Decision(Kind.PLAN, WED, utc(2026, 6, 3, 22, 0)),)


def test_a_sender_that_was_down_catches_up_within_the_window_only():
    p = prefs()
    assert kinds(decide(utc(2026, 6, 3, 9, 29, 59), p, PLAN)) == [Kind.PLAN]
    assert decide(utc(2026, 6, 3, 9, 30), p, PLAN) == ()  # 07:30 + 2 h
    short = timedelta(minutes=30)
    assert kinds(decide(utc(2026, 6, 3, 7, 59), p, PLAN, catch_up=short)) == [Kind.PLAN]
    assert decide(utc(2026, 6, 3, 8, 0), p, PLAN, catch_up=short) == ()
    assert CATCH_UP == timedelta(hours=2)


def test_one_a_day_per_kind():
    p = prefs()
    assert decide(utc(2026, 6, 3, 7, 31), p, PLAN, {Kind.PLAN: Sent(WED)}) == ()
    yesterday = {Kind.PLAN: Sent(date(2026, 6, 2))}
    assert kinds(decide(utc(2026, 6, 3, 7, 31), p, PLAN, yesterday)) == [Kind.PLAN]
    # Another kind's record does not count.
    assert kinds(decide(utc(2026, 6, 3, 7, 31), p, PLAN, {Kind.PRACTICE: Sent(WED)})) == \
        [Kind.PLAN]


def test_no_second_one_for_a_date_already_passed_in_another_zone():
    # Sent for Thursday in Kiritimati, then the learner flew to Honolulu, where it is
    # still Wednesday: no Wednesday reminder after Thursday's.
    p = prefs("Pacific/Honolulu", quiet=None)  # 07:30 HST = 17:30 UTC
    thursday = {Kind.PLAN: Sent(date(2026, 6, 4))}
    assert decide(utc(2026, 6, 3, 17, 30), p, PLAN, thursday) == ()


def test_only_on_the_chosen_days_in_the_learners_own_calendar():
    # Kiritimati (+14): Wednesday 07:30 there is Tuesday 17:30 UTC.
    now = utc(2026, 6, 2, 17, 30)
    assert decide(now, prefs("Pacific/Kiritimati", days=frozenset({3})), PLAN) == (
        Decision(Kind.PLAN, WED, utc(2026, 6, 3, 8, 0)),)  # 22:00 +14
    assert decide(now, prefs("Pacific/Kiritimati", days=frozenset({2})), PLAN) == ()


def test_nothing_when_nothing_is_due_or_the_kind_is_off():
    now = utc(2026, 6, 3, 7, 30)
    assert decide(now, prefs(), Due()) == ()
    assert decide(now, prefs(kinds=ALL - {Kind.PLAN}), PLAN) == ()
    assert decide(now, prefs(kinds=frozenset()), Due(True, True, None, frozenset(NEWS))) == ()


# Practice ---------------------------------------------------------------------------------

def test_no_practice_reminder_once_the_learner_practised_today():
    p, now = prefs(), utc(2026, 6, 3, 7, 30)
    assert kinds(decide(now, p, PRACTICE)) == [Kind.PRACTICE]
    earlier = Due(practice=True, last_practised=utc(2026, 6, 3, 6, 15))
    assert decide(now, p, earlier) == ()
    late_yesterday = Due(practice=True, last_practised=utc(2026, 6, 2, 23, 59))
    assert kinds(decide(now, p, late_yesterday)) == [Kind.PRACTICE]


def test_today_is_the_learners_local_day_for_practice_too():
    # Kolkata (+05:30): 20:00 UTC on 2 June is 01:30 on 3 June, so practising then was
    # today; 18:00 UTC on 2 June was 23:30 on 2 June, yesterday.
    p, now = prefs("Asia/Kolkata"), utc(2026, 6, 3, 2, 0)  # 07:30 IST
    assert decide(now, p, Due(practice=True, last_practised=utc(2026, 6, 2, 20, 0))) == ()
    assert kinds(decide(now, p, Due(practice=True, last_practised=utc(2026, 6, 2, 18, 0)))) \
        == [Kind.PRACTICE]


def test_the_usual_practice_time_is_used_only_once_confirmed():
    guess = prefs(usual_practice=time(18, 10))
    assert kinds(decide(utc(2026, 6, 3, 7, 30), guess, PRACTICE)) == [Kind.PRACTICE]
    assert decide(utc(2026, 6, 3, 18, 10), guess, PRACTICE) == ()  # long past 07:30 + 2 h
    confirmed = prefs(usual_practice=time(18, 10), usual_confirmed=True)
    assert decide(utc(2026, 6, 3, 7, 30), confirmed, PRACTICE) == ()
    assert decide(utc(2026, 6, 3, 18, 10), confirmed, PRACTICE) == (
        Decision(Kind.PRACTICE, WED, utc(2026, 6, 3, 22, 0)),)
    # The plan reminder keeps the chosen time.
    assert kinds(decide(utc(2026, 6, 3, 7, 30), confirmed, PLAN)) == [Kind.PLAN]


def test_plan_and_practice_at_the_same_time_are_two_decisions_in_kind_order():
    both = Due(plan=True, practice=True)
    assert kinds(decide(utc(2026, 6, 3, 7, 30), prefs(), both)) == [Kind.PLAN, Kind.PRACTICE]


# Quiet hours ------------------------------------------------------------------------------

def test_nothing_inside_quiet_hours_even_in_the_catch_up_window():
    p = prefs(at=time(21, 30))
    assert decide(utc(2026, 6, 3, 21, 50), p, PLAN) == (
        Decision(Kind.PLAN, WED, utc(2026, 6, 3, 22, 0)),)
    assert decide(utc(2026, 6, 3, 22, 0), p, PLAN) == ()
    assert decide(utc(2026, 6, 3, 23, 29), p, PLAN) == ()
    # Quiet ends the next morning: a new day, whose own reminder is at 21:30.
    assert decide(utc(2026, 6, 4, 7, 10), p, PLAN) == ()


def test_a_time_inside_quiet_hours_waits_for_their_end_the_same_day():
    # A learned usual time of 06:30, quiet until 07:00: the reminder comes at 07:00.
    p = prefs(usual_practice=time(6, 30), usual_confirmed=True)
    assert decide(utc(2026, 6, 3, 6, 45), p, PRACTICE) == ()
    assert decide(utc(2026, 6, 3, 7, 0), p, PRACTICE) == (
        Decision(Kind.PRACTICE, WED, utc(2026, 6, 3, 22, 0)),)
    assert scheduled_at(WED, Kind.PRACTICE, p) == utc(2026, 6, 3, 7, 0)
    # 23:00 is in quiet hours that end tomorrow: no practice reminder that day.
    late = prefs(usual_practice=time(23, 0), usual_confirmed=True)
    assert scheduled_at(WED, Kind.PRACTICE, late) is None
    assert all(decide(utc(2026, 6, 3, h, 0), late, PRACTICE) == () for h in range(24))


def test_quiet_hours_that_do_not_wrap_midnight():
    p = prefs(at=time(12, 45), quiet=Quiet(time(13), time(14)))
    assert decide(utc(2026, 6, 3, 12, 45), p, PLAN) == (
        Decision(Kind.PLAN, WED, utc(2026, 6, 3, 13, 0)),)
    assert decide(utc(2026, 6, 3, 13, 30), p, PLAN) == ()
    # After them, still in the catch-up window: on until the day ends.
    assert decide(utc(2026, 6, 3, 14, 0), p, PLAN) == (
        Decision(Kind.PLAN, WED, utc(2026, 6, 4, 0, 0)),)


# News -------------------------------------------------------------------------------------

def test_news_goes_when_pending_on_any_day_and_waits_for_quiet_hours_to_end():
    p = prefs(days=frozenset({1}))  # reminders on Mondays only; news any day
    answer = Due(news=frozenset({Kind.MENTOR_ANSWER}))
    assert decide(utc(2026, 6, 3, 15, 0), p, answer) == (
        Decision(Kind.MENTOR_ANSWER, WED, utc(2026, 6, 3, 22, 0)),)
    assert decide(utc(2026, 6, 3, 23, 30), p, answer) == ()
    assert decide(utc(2026, 6, 4, 6, 59), p, answer) == ()
    assert decide(utc(2026, 6, 4, 7, 0), p, answer) == (
        Decision(Kind.MENTOR_ANSWER, date(2026, 6, 4), utc(2026, 6, 4, 22, 0)),)


def test_news_one_per_kind_per_day_and_only_kinds_that_are_on():
    now = utc(2026, 6, 3, 15, 0)
    everything = Due(news=frozenset(NEWS))
    assert kinds(decide(now, prefs(), everything)) == list(NEWS)
    no_suggestions = prefs(kinds=ALL - {Kind.MENTOR_SUGGESTION})
    assert Kind.MENTOR_SUGGESTION not in kinds(decide(now, no_suggestions, everything))
    sent = {Kind.MENTOR_REQUEST: Sent(WED)}
    assert kinds(decide(now, prefs(), Due(news=frozenset({Kind.MENTOR_REQUEST})), sent)) == []
    # A scheduled kind named as news is not news.
    assert decide(now, prefs(), Due(news=frozenset({Kind.PLAN}))) == ()


# Backing off ------------------------------------------------------------------------------

def test_three_ignored_reminders_back_off_to_weekly_until_the_app_is_opened():
    p, now = prefs(), utc(2026, 6, 3, 7, 30)
    ignored = {Kind.PLAN: Sent(date(2026, 6, 2), ignored=3)}
    assert decide(now, p, PLAN, ignored) == ()
    assert decide(now, p, PLAN, {Kind.PLAN: Sent(date(2026, 5, 28), ignored=4)}) == ()  # 6 days
    assert kinds(decide(now, p, PLAN, {Kind.PLAN: Sent(date(2026, 5, 27), ignored=3)})) == \
        [Kind.PLAN]  # 7 days
    # Two ignored, or the app opened since (the count starts again): daily.
    assert kinds(decide(now, p, PLAN, {Kind.PLAN: Sent(date(2026, 6, 2), ignored=2)})) == \
        [Kind.PLAN]
    assert kinds(decide(now, p, PLAN, {Kind.PLAN: Sent(date(2026, 6, 2), ignored=0)})) == \
        [Kind.PLAN]


def test_backing_off_is_per_kind_and_spares_news_about_people():
    now = utc(2026, 6, 3, 15, 0)
    yesterday = date(2026, 6, 2)
    sent = {k: Sent(yesterday, ignored=5) for k in Kind}
    news = Due(news=frozenset(NEWS))
    assert kinds(decide(now, prefs(), news, sent)) == [
        Kind.MENTOR_REQUEST, Kind.MENTOR_ANSWER, Kind.MENTOR_ENDED, Kind.PROFILE_CHANGED]
    assert BACKS_OFF == {Kind.PLAN, Kind.PRACTICE, Kind.MENTOR_SUGGESTION}
    assert kinds(decide(utc(2026, 6, 3, 7, 30), prefs(), PRACTICE,
                        {Kind.PLAN: Sent(yesterday, ignored=5)})) == [Kind.PRACTICE]


# Time zones and DST -----------------------------------------------------------------------

def test_new_york_spring_forward_sends_a_skipped_time_at_the_jump():
    # 8 March 2026: 02:00 EST becomes 03:00 EDT at 07:00 UTC; 02:30 never happens.
    p = prefs("America/New_York", time(2, 30), quiet=None)
    day = date(2026, 3, 8)
    assert decide(utc(2026, 3, 8, 6, 59, 59), p, PLAN) == ()  # 01:59:59 EST
    assert decide(utc(2026, 3, 8, 7, 0), p, PLAN) == (  # 03:00 EDT
        Decision(Kind.PLAN, day, utc(2026, 3, 9, 4, 0)),)  # midnight EDT
    assert scheduled_at(day, Kind.PLAN, p) == utc(2026, 3, 8, 7, 0)


def test_new_york_fall_back_sends_a_doubled_time_once_at_the_first():
    # 1 November 2026: 02:00 EDT becomes 01:00 EST at 06:00 UTC; 01:30 happens twice.
    p = prefs("America/New_York", time(1, 30), quiet=None)
    day = date(2026, 11, 1)
    assert decide(utc(2026, 11, 1, 5, 29), p, PLAN) == ()
    assert decide(utc(2026, 11, 1, 5, 30), p, PLAN) == (  # 01:30 EDT
        Decision(Kind.PLAN, day, utc(2026, 11, 2, 5, 0)),)  # a 25-hour day
    # The second 01:30 (06:30 UTC): not again once sent...
    assert decide(utc(2026, 11, 1, 6, 30), p, PLAN, {Kind.PLAN: Sent(day)}) == ()
    # ... and not as a new time either: with a 30-minute window it is over by then.
    assert decide(utc(2026, 11, 1, 6, 30), p, PLAN, catch_up=timedelta(minutes=30)) == ()


def test_new_york_on_an_ordinary_day():
    assert decide(utc(2026, 6, 3, 11, 30), prefs("America/New_York"), PLAN) == (
        Decision(Kind.PLAN, WED, utc(2026, 6, 4, 2, 0)),)  # 07:30 and 22:00 EDT


def test_london_spring_forward_and_fall_back():
    spring = prefs("Europe/London", time(1, 30), quiet=None)
    # 29 March 2026: 01:00 GMT becomes 02:00 BST at 01:00 UTC.
    assert decide(utc(2026, 3, 29, 0, 59), spring, PLAN) == ()
    assert decide(utc(2026, 3, 29, 1, 0), spring, PLAN) == (
        Decision(Kind.PLAN, date(2026, 3, 29), utc(2026, 3, 29, 23, 0)),)
    # 25 October 2026: 02:00 BST becomes 01:00 GMT at 01:00 UTC.
    assert decide(utc(2026, 10, 25, 0, 30), spring, PLAN) == (  # 01:30 BST
        Decision(Kind.PLAN, date(2026, 10, 25), utc(2026, 10, 26, 0, 0)),)
    assert decide(utc(2026, 10, 25, 1, 30), spring, PLAN,  # 01:30 GMT
                  catch_up=timedelta(minutes=30)) == ()
    assert decide(utc(2026, 6, 3, 6, 30), prefs("Europe/London"), PLAN) == (
        Decision(Kind.PLAN, WED, utc(2026, 6, 3, 21, 0)),)  # 07:30 and 22:00 BST


def test_lord_howe_half_hour_dst():
    # 4 October 2026: 02:00 +10:30 becomes 02:30 +11:00 at 15:30 UTC on 3 October.
    p = prefs("Australia/Lord_Howe", time(2, 15), quiet=None)
    assert decide(utc(2026, 10, 3, 15, 29), p, PLAN) == ()
    assert decide(utc(2026, 10, 3, 15, 30), p, PLAN) == (
        Decision(Kind.PLAN, date(2026, 10, 4), utc(2026, 10, 4, 13, 0)),)  # midnight +11
    # 5 April 2026: 02:00 +11:00 becomes 01:30 +10:30 at 15:00 UTC on 4 April.
    back = prefs("Australia/Lord_Howe", time(1, 45), quiet=None)
    assert decide(utc(2026, 4, 4, 14, 45), back, PLAN) == (  # the first 01:45
        Decision(Kind.PLAN, date(2026, 4, 5), utc(2026, 4, 5, 13, 30)),)  # midnight +10:30
    assert decide(utc(2026, 4, 4, 15, 15), back, PLAN,  # the second 01:45
                  catch_up=timedelta(minutes=20)) == ()


def test_adelaide_half_hour_zone_with_dst():
    # 4 October 2026: 02:00 +09:30 becomes 03:00 +10:30 at 16:30 UTC on 3 October.
    p = prefs("Australia/Adelaide", time(2, 30), quiet=None)
    assert decide(utc(2026, 10, 3, 16, 29), p, PLAN) == ()
    assert kinds(decide(utc(2026, 10, 3, 16, 30), p, PLAN)) == [Kind.PLAN]
    # In winter, 07:30 +09:30 is 22:00 UTC the day before.
    assert decide(utc(2026, 6, 2, 22, 0), prefs("Australia/Adelaide"), PLAN) == (
        Decision(Kind.PLAN, WED, utc(2026, 6, 3, 12, 30)),)


def test_kolkata_half_hour_offset():
    p = prefs("Asia/Kolkata")
    assert decide(utc(2026, 6, 3, 1, 59), p, PLAN) == ()
    assert decide(utc(2026, 6, 3, 2, 0), p, PLAN) == (  # 07:30 IST
        Decision(Kind.PLAN, WED, utc(2026, 6, 3, 16, 30)),)  # 22:00 IST
    news = Due(news=frozenset({Kind.PROFILE_CHANGED}))
    assert decide(utc(2026, 6, 3, 17, 0), p, news) == ()  # 22:30 IST
    assert decide(utc(2026, 6, 4, 1, 30), p, news) == (  # 07:00 IST on the 4th
        Decision(Kind.PROFILE_CHANGED, date(2026, 6, 4), utc(2026, 6, 4, 16, 30)),)


def test_the_extreme_zones_minus_12_and_plus_14():
    west = prefs("Etc/GMT+12")  # UTC-12 (the sign is POSIX's)
    assert decide(utc(2026, 6, 3, 19, 30), west, PLAN) == (
        Decision(Kind.PLAN, WED, utc(2026, 6, 4, 10, 0)),)
    assert decide(utc(2026, 6, 4, 11, 0), west, Due(news=frozenset(NEWS))) == ()  # 23:00
    east = prefs("Pacific/Kiritimati")  # UTC+14
    assert decide(utc(2026, 6, 2, 17, 30), east, PLAN) == (
        Decision(Kind.PLAN, WED, utc(2026, 6, 3, 8, 0)),)


def test_apia_the_day_samoa_skipped_and_its_dst():
    # 29 December 2011, 23:59:59 -10:00 was followed by 31 December, 00:00 +14:00,
    # at 10:00 UTC on the 30th. A 23:30 reminder caught up late is for the 29th and
    # must be gone when the 29th ends.
    p = prefs("Pacific/Apia", time(23, 30), quiet=None)
    sent = decide(utc(2011, 12, 30, 9, 45), p, PLAN)
    assert sent == (Decision(Kind.PLAN, date(2011, 12, 29), utc(2011, 12, 30, 10, 0)),)
    assert sent[0].ttl(utc(2011, 12, 30, 9, 45)) == 15 * 60
    assert decide(utc(2011, 12, 30, 10, 5), p, PLAN) == ()  # 31 December, 00:05
    # 27 September 2020: 03:00 +13 becomes 04:00 +14 at 14:00 UTC on the 26th.
    dst = prefs("Pacific/Apia", time(3, 30), quiet=None)
    assert decide(utc(2020, 9, 26, 13, 59), dst, PLAN) == ()
    assert kinds(decide(utc(2020, 9, 26, 14, 0), dst, PLAN)) == [Kind.PLAN]


def test_an_unknown_zone_is_utc():
    assert decide(utc(2026, 6, 3, 7, 30), prefs("Mars/Olympus_Mons"), PLAN) == (
        Decision(Kind.PLAN, WED, utc(2026, 6, 3, 22, 0)),)


# Expiry and TTL ---------------------------------------------------------------------------

def test_expiry_is_quiet_hours_or_the_end_of_the_day_whichever_first():
    assert expires(utc(2026, 6, 3, 7, 30), prefs()) == utc(2026, 6, 3, 22, 0)
    assert expires(utc(2026, 6, 3, 7, 30), prefs(quiet=None)) == utc(2026, 6, 4, 0, 0)
    late = prefs(quiet=Quiet(time(1), time(6)))  # over for today by 07:30
    assert expires(utc(2026, 6, 3, 7, 30), late) == utc(2026, 6, 4, 0, 0)
    assert expires(utc(2026, 6, 3, 23, 0), prefs()) == utc(2026, 6, 3, 23, 0)  # quiet now


def test_expiry_where_the_clocks_jump_into_quiet_hours():
    # New York, 8 March 2026, quiet from 02:30: at 01:30 EST the clocks are 30 minutes
    # from 02:30 but jump into quiet hours at 02:00 EST (07:00 UTC).
    p = prefs("America/New_York", quiet=Quiet(time(2, 30), time(6)))
    assert expires(utc(2026, 3, 8, 6, 30), p) == utc(2026, 3, 8, 7, 0)
    # 1 November 2026, quiet 01:00 to 01:30: at 01:40 EDT it is over, but at 06:00 UTC
    # the clocks go back to 01:00, into it again.
    q = prefs("America/New_York", quiet=Quiet(time(1), time(1, 30)))
    news = decide(utc(2026, 11, 1, 5, 40), q, Due(news=frozenset({Kind.MENTOR_REQUEST})))
    assert news == (Decision(Kind.MENTOR_REQUEST, date(2026, 11, 1), utc(2026, 11, 1, 6, 0)),)
    assert news[0].ttl(utc(2026, 11, 1, 5, 40)) == 20 * 60


def test_ttl_counts_down_to_zero_and_never_below():
    d = Decision(Kind.PLAN, WED, utc(2026, 6, 3, 22, 0))
    assert d.ttl(utc(2026, 6, 3, 7, 30)) == 14 * 3600 + 30 * 60
    assert d.ttl(utc(2026, 6, 3, 21, 59, 59, 500_000)) == 0
    assert d.ttl(utc(2026, 6, 3, 23, 0)) == 0
    assert Decision.from_dict(d.to_dict()) == d
    assert d.to_dict() == {"kind": "plan", "day": "2026-06-03",
                           "expires": "2026-06-03T22:00:00+00:00"}


def test_bad_calls_are_refused():
    with pytest.raises(ValueError):
        decide(datetime(2026, 6, 3, 7, 30), prefs(), PLAN)
    with pytest.raises(ValueError):
        decide(utc(2026, 6, 3, 7, 30), prefs(), PLAN, catch_up=timedelta(0))
    with pytest.raises(ValueError):  # even for someone with nothing due
        decide(datetime(2026, 6, 3, 7, 30), prefs(), Due())
    with pytest.raises(ValueError):
        decide(utc(2026, 6, 3, 7, 30), prefs(), Due(practice=True,
                                                     last_practised=datetime(2026, 6, 3)))
    with pytest.raises(ValueError):
        expires(datetime(2026, 6, 3, 7, 30), prefs())


# Saving preferences -----------------------------------------------------------------------

GOOD = {"time_zone": "Europe/London", "remind_at": "07:30", "days": [1, 2, 3, 4, 5],
        "quiet": {"start": "22:00", "end": "07:00"}, "kinds": ["plan", "mentor_answer"],
        "usual_practice": "18:10", "usual_confirmed": False}


def problems(data: dict) -> list[tuple[str, str]]:
    with pytest.raises(InvalidInput) as caught:
        Preferences.from_dict(data)
    return [(p["field"], p["message"]) for p in caught.value.details["problems"]]


def test_preferences_round_trip():
    p = Preferences.from_dict(GOOD)
    assert p == Preferences("Europe/London", time(7, 30), frozenset({1, 2, 3, 4, 5}),
                            Quiet(time(22), time(7)), frozenset({Kind.PLAN, Kind.MENTOR_ANSWER}),
                            time(18, 10), False)
    assert p.to_dict() == GOOD
    assert Preferences.from_dict({**GOOD, "quiet": None}).quiet is None


def test_an_invalid_time_zone():
    assert problems({**GOOD, "time_zone": "Europe/Atlantis"}) == [
        ("time_zone", "'Europe/Atlantis' is not a time zone name such as Europe/Madrid.")]


def test_quiet_hours_covering_the_whole_day():
    assert [f for f, _ in problems({**GOOD, "quiet": {"start": "08:00", "end": "08:00"}})] \
        == ["quiet"]


def test_a_time_of_24_00_and_malformed_times():
    assert problems({**GOOD, "remind_at": "24:00"}) == [
        ("remind_at", "24:00 is not a time of day: the day ends there. Use 00:00 for the "
                      "start of a day, or 23:59.")]
    for bad in ["7:30", "07.30", "07:60", "25:00", "0730", "", None, 730, "07:30:00"]:
        assert [f for f, _ in problems({**GOOD, "remind_at": bad})] == ["remind_at"], bad
    assert [f for f, _ in problems({**GOOD, "quiet": {"start": "22:00", "end": "24:00"}})] == \
        ["quiet.end"]


def test_no_days_while_a_reminder_is_on():
    assert problems({**GOOD, "days": []}) == [
        ("days", "Choose at least one day for your reminders.")]
    news_only = Preferences.from_dict({**GOOD, "days": [], "kinds": ["mentor_answer"]})
    assert news_only.days == frozenset()
    for bad in [[0], [8], [1, 1], ["mon"], [True], "12345"]:
        assert [f for f, _ in problems({**GOOD, "days": bad})] == ["days"], bad


def test_a_reminder_time_inside_quiet_hours():
    assert problems({**GOOD, "remind_at": "06:30"}) == [
        ("remind_at", "06:30 is inside your quiet hours (22:00 to 07:00): choose a time "
                      "outside them.")]
    assert [f for f, _ in problems({**GOOD, "usual_practice": "23:00",
                                    "usual_confirmed": True})] == ["usual_practice"]
    # Unconfirmed, the learned time is not used, so it may be anything.
    assert Preferences.from_dict({**GOOD, "usual_practice": "23:00"}).usual_practice == \
        time(23, 0)


def test_every_problem_is_listed_at_once():
    assert [f for f, _ in problems({"time_zone": 5, "remind_at": "24:00", "days": None,
                                    "quiet": "night", "kinds": ["plan", "spam"],
                                    "usual_confirmed": "yes"})] == \
        ["time_zone", "remind_at", "days", "quiet", "kinds", "usual_confirmed"]
    with pytest.raises(InvalidInput):
        check_preferences(Preferences(usual_confirmed=True))  # nothing to confirm


# Properties -------------------------------------------------------------------------------

ZONES = ["UTC", "America/New_York", "Europe/London", "Australia/Lord_Howe",
         "Australia/Adelaide", "Asia/Kolkata", "Pacific/Kiritimati", "Etc/GMT+12",
         "Pacific/Apia", "America/Santiago", "Asia/Kathmandu"]


def _transitions() -> list[datetime]:
    """Every offset change of the zones above in 2011 and 2020-2027, found hour by hour."""
    found = []
    for name in ZONES:
        z = ZoneInfo(name)
        for year in (2011, *range(2020, 2028)):
            t = datetime(year, 1, 1, tzinfo=UTC)
            before = t.astimezone(z).utcoffset()
            while t.year == year:
                t += timedelta(hours=1)
                after = t.astimezone(z).utcoffset()
                if after != before:
                    found.append(t)
                before = after
    return found


TRANSITIONS = _transitions()
minutes = st.integers(0, 24 * 60 - 1).map(lambda m: time(m // 60, m % 60))


@st.composite
def valid_prefs(draw) -> Preferences:
    quiet = draw(st.none() | st.tuples(minutes, minutes).filter(lambda q: q[0] != q[1])
                 .map(lambda q: Quiet(*q)))
    if quiet is None:
        at = draw(minutes)
    else:  # a time outside quiet hours: from their end, less than the gap to their start
        end = quiet.end.hour * 60 + quiet.end.minute
        gap = (quiet.start.hour * 60 + quiet.start.minute - end) % (24 * 60)
        m = (end + draw(st.integers(0, gap - 1))) % (24 * 60)
        at = time(m // 60, m % 60)
    return Preferences(draw(st.sampled_from(ZONES)), at,
                       draw(st.frozensets(st.integers(1, 7), min_size=1)), quiet,
                       draw(st.frozensets(st.sampled_from(list(Kind)))),
                       draw(st.none() | minutes), draw(st.booleans()))


def near_changes() -> st.SearchStrategy[datetime]:
    """An instant near a DST change, or anywhere in 2026, to the second or to the minute."""
    near = st.tuples(st.sampled_from(TRANSITIONS), st.integers(-36 * 3600, 36 * 3600)).map(
        lambda t: t[0] + timedelta(seconds=t[1]))
    anywhere = st.integers(0, 365 * 86400).map(
        lambda s: datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=s))
    return near | anywhere


dues = st.builds(Due, st.booleans(), st.booleans(),
                 st.none() | near_changes(), st.frozensets(st.sampled_from(list(Kind))))


def in_quiet(moment: datetime, p: Preferences) -> bool:
    """Told from the zone directly, not through the module."""
    if p.quiet is None:
        return False
    try:
        z = ZoneInfo(p.time_zone)
    except Exception:
        z = ZoneInfo("UTC")
    wall = moment.astimezone(z).time()
    s, e = p.quiet.start, p.quiet.end
    return s <= wall < e if s < e else (wall >= s or wall < e)


def local_date(moment: datetime, p: Preferences) -> date:
    return moment.astimezone(ZoneInfo(p.time_zone)).date()


@settings(max_examples=300, deadline=None)
@given(near_changes(), valid_prefs(), dues, st.data())
def test_never_in_quiet_hours_never_twice_a_day_and_the_ttl_stays_inside(now, p, due, data):
    today = local_date(now, p)
    sent = data.draw(st.dictionaries(st.sampled_from(list(Kind)), st.builds(
        Sent, st.none() | st.integers(-10, 2).map(lambda n: today + timedelta(days=n)),
        st.integers(0, 5))))
    decisions = decide(now, p, due, sent)
    assert len({d.kind for d in decisions}) == len(decisions)
    for d in decisions:
        assert not in_quiet(now, p)
        assert d.day == today
        last = sent.get(d.kind, Sent()).last_day
        assert last is None or last < d.day
        assert d.expires >= now
        # Every minute from now until it expires, and its last microsecond: same day,
        # never quiet.
        step, moment = timedelta(minutes=1), now
        while moment < d.expires:
            assert local_date(moment, p) == d.day and not in_quiet(moment, p), moment
            moment += step
        if d.expires > now:
            last_instant = d.expires - timedelta(microseconds=1)
            assert local_date(last_instant, p) == d.day and not in_quiet(last_instant, p)
        # And not a moment shorter: it ends where quiet hours begin or the day does.
        assert in_quiet(d.expires, p) or local_date(d.expires, p) > d.day


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(TRANSITIONS), st.integers(-3 * 3600, 3 * 3600), st.sampled_from(ZONES),
       st.integers(-120, 120), st.integers(-120, 120))
def test_expiry_around_a_dst_change_with_quiet_hours_beside_it(change, before, tz, s, e):
    """Quiet hours starting and ending near the wall-clock time of a change."""
    wall = change.astimezone(ZoneInfo(tz))
    base = wall.hour * 60 + wall.minute

    def near(shift: int) -> time:
        m = (base + shift) % (24 * 60)
        return time(m // 60, m % 60)

    if near(s) == near(e):
        return
    p = Preferences(tz, quiet=Quiet(near(s), near(e)))
    now = change + timedelta(seconds=before)
    end = expires(now, p)
    day = local_date(now, p)
    moment = now
    while moment < end:
        assert local_date(moment, p) == day and not in_quiet(moment, p), moment
        moment += timedelta(minutes=1)
    if end > now:
        assert not in_quiet(end - timedelta(microseconds=1), p)
    assert in_quiet(end, p) or local_date(end, p) > day


@settings(max_examples=40, deadline=None)
@given(near_changes(), valid_prefs(), st.integers(1, 180))
def test_ticking_every_minute_for_two_days_sends_each_kind_at_most_once_a_day(start, p,
                                                                             window):
    """A sender that records what it sent: one of each kind per local day, at most."""
    due = Due(plan=True, practice=True, news=frozenset(NEWS))
    sent: dict[Kind, Sent] = {}
    seen: set[tuple[Kind, date]] = set()
    t = start.replace(second=0, microsecond=0)
    for _ in range(2 * 24 * 60):
        for d in decide(t, p, due, sent, catch_up=timedelta(minutes=window)):
            assert (d.kind, d.day) not in seen
            seen.add((d.kind, d.day))
            sent[d.kind] = Sent(d.day, sent.get(d.kind, Sent()).ignored)
        t += timedelta(minutes=1)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(["UTC", "Asia/Kolkata", "Pacific/Kiritimati", "Etc/GMT+12"]),
       minutes, st.dates(date(2020, 1, 1), date(2030, 12, 31)))
def test_in_a_zone_without_dst_a_reminder_comes_every_chosen_day(tz, at, day):
    """Liveness: ticking each minute of a day, the plan reminder comes once, at its time."""
    p = Preferences(tz, at, frozenset({day.isoweekday()}), None, frozenset({Kind.PLAN}))
    z = ZoneInfo(tz)
    start = datetime.combine(day, time(), tzinfo=z).astimezone(UTC)
    sent: dict[Kind, Sent] = {}
    got = []
    for m in range(24 * 60):
        t = start + timedelta(minutes=m)
        for d in decide(t, p, PLAN, sent):
            got.append((d.day, t))
            sent[d.kind] = Sent(d.day)
    assert got == [(day, datetime.combine(day, at, tzinfo=z).astimezone(UTC))]
