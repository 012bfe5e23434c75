"""Saving reminder settings (the reminders.settings.changed data rule) and learning "when I
usually practise", golden cases written by hand from the rules."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from engine.reminders import (
    Preferences,
    SettingsData,
    settings_data,
    usual_practice_time,
)
from engine.sync import Refused


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# "When I usually practise" ---------------------------------------------------------------

def test_the_median_first_answer_of_each_day_rounded_to_five_minutes():
    # 07:10, 07:12, 07:05, 07:30, 06:55 UTC: sorted 06:55 07:05 07:10 07:12 07:30 -> 07:10.
    firsts = [utc(2026, 5, 4, 7, 10), utc(2026, 5, 5, 7, 12), utc(2026, 5, 6, 7, 5),
              utc(2026, 5, 7, 7, 30), utc(2026, 5, 8, 6, 55)]
    later = [t + timedelta(hours=9) for t in firsts]  # a second round in the evening
    now = utc(2026, 5, 9, 12)
    assert usual_practice_time(now, later + firsts, "UTC") == time(7, 10)


def test_fewer_than_five_days_is_no_habit():
    days = [utc(2026, 5, d, 7) for d in range(4, 8)]  # four days, many answers each
    answers = [t + timedelta(minutes=m) for t in days for m in (0, 1, 2)]
    assert usual_practice_time(utc(2026, 5, 9), answers, "UTC") is None
    assert usual_practice_time(utc(2026, 5, 9), [*answers, utc(2026, 5, 8, 7)],
                               "UTC") == time(7, 0)


def test_an_even_count_takes_the_middle_two_and_a_half_rounds_up():
    # Minutes 07:01 07:02 07:02 07:03 07:20 07:30 -> (07:02 + 07:03) / 2 = 07:02:30 -> 07:05.
    minutes = [1, 2, 2, 3, 20, 30]
    answers = [utc(2026, 5, 1 + n, 7, m) for n, m in enumerate(minutes)]
    assert usual_practice_time(utc(2026, 5, 10), answers, "UTC") == time(7, 5)
    # 07:02 07:02 07:02 07:02 07:02 -> 07:00 (07:02 is nearer 07:00 than 07:05).
    answers = [utc(2026, 5, 1 + n, 7, 2) for n in range(5)]
    assert usual_practice_time(utc(2026, 5, 10), answers, "UTC") == time(7, 0)


def test_late_at_night_stays_on_the_same_day():
    answers = [utc(2026, 5, 1 + n, 23, 58) for n in range(5)]  # rounds to 24:00: 23:55
    assert usual_practice_time(utc(2026, 5, 10), answers, "UTC") == time(23, 55)


def test_only_the_last_fourteen_practice_days_within_six_weeks_before_now():
    old = [utc(2026, 3, 1 + n, 12) for n in range(10)]  # over 42 days before now
    noon = [utc(2026, 4, 1 + n, 12) for n in range(6)]  # within six weeks, but older...
    morning = [utc(2026, 4, 10 + n, 7) for n in range(14)]  # ...than these fourteen
    future = [utc(2026, 5, 1 + n, 18) for n in range(9)]  # after now: not counted
    now = utc(2026, 4, 30)
    assert usual_practice_time(now, old + noon + morning + future, "UTC") == time(7, 0)
    assert usual_practice_time(now, old + noon, "UTC") == time(12, 0)
    assert usual_practice_time(now, old, "UTC") is None


def test_across_the_spring_change_in_madrid_the_local_time_is_kept():
    # Madrid moves from +01:00 to +02:00 on Sunday 29 March 2026. 07:10 local is 06:10 UTC
    # before and 05:10 UTC after: in UTC the habit moved; in the learner's day it did not.
    answers = [utc(2026, 3, d, 6, 10) for d in (25, 26, 27, 28)] + \
              [utc(2026, 3, d, 5, 10) for d in (29, 30, 31)]
    now = utc(2026, 4, 1)
    assert usual_practice_time(now, answers, "Europe/Madrid") == time(7, 10)
    # Read in UTC, four 06:10 and three 05:10: the middle one of seven is 06:10.
    assert usual_practice_time(now, answers, "UTC") == time(6, 10)


def test_on_the_autumn_change_the_first_of_a_doubled_hour_reads_as_it_was_seen():
    # 25 October 2026, Madrid: 02:00-03:00 happens twice. 00:30 UTC is the first 02:30
    # (CEST), 01:30 UTC the second (CET): both read 02:30 on the learner's clock.
    answers = [utc(2026, 10, 21 + n, 0, 30) for n in range(4)] + [utc(2026, 10, 25, 1, 30)]
    assert usual_practice_time(utc(2026, 10, 26), answers, "Europe/Madrid") == time(2, 30)


def test_half_hour_zones_kolkata_and_adelaide_across_its_change():
    # Kolkata is +05:30 all year: 01:40 UTC is 07:10.
    answers = [utc(2026, 6, 1 + n, 1, 40) for n in range(5)]
    assert usual_practice_time(utc(2026, 6, 10), answers, "Asia/Kolkata") == time(7, 10)
    # Adelaide leaves +10:30 for +09:30 on Sunday 5 April 2026 at 03:00 local. 06:45 local
    # is 20:15 UTC the day before until then, 21:15 UTC the day before after it; each is
    # the learner's next day, which is the day it counts for.
    before = [utc(2026, 3, 31, 20, 15), utc(2026, 4, 1, 20, 15), utc(2026, 4, 2, 20, 15),
              utc(2026, 4, 3, 20, 15)]  # local 1, 2, 3, 4 April
    after = [utc(2026, 4, 4, 21, 15), utc(2026, 4, 5, 21, 15), utc(2026, 4, 6, 21, 15)]
    now = utc(2026, 4, 8)
    assert usual_practice_time(now, before + after, "Australia/Adelaide") == time(6, 45)
    # Two answers on one local day (4 April, 06:45 and 23:00 local) count once: the first.
    late = utc(2026, 4, 4, 12, 30)  # 23:00 local on 4 April, +10:30
    assert usual_practice_time(now, [*before, late], "Australia/Adelaide") is None
    assert usual_practice_time(now, [*before, late, after[0]],
                               "Australia/Adelaide") == time(6, 45)


def test_local_days_not_utc_days_in_kiritimati():
    # Kiritimati is +14:00: 18:00 UTC on the 1st and 08:00 UTC on the 2nd are both the 2nd
    # there (08:00 and 22:00): one day, its first answer 08:00.
    answers = [utc(2026, 6, 1, 18), utc(2026, 6, 2, 8)] + \
              [utc(2026, 6, 2 + n, 18) for n in range(1, 5)]
    assert usual_practice_time(utc(2026, 6, 10), answers, "Pacific/Kiritimati") == time(8, 0)
    assert usual_practice_time(utc(2026, 6, 10), answers[1:2] + answers[2:5],
                               "Pacific/Kiritimati") is None  # four local days


def test_naive_times_are_refused():
    with pytest.raises(ValueError):
        usual_practice_time(datetime(2026, 5, 1), [], "UTC")
    with pytest.raises(ValueError):
        usual_practice_time(utc(2026, 5, 1), [datetime(2026, 4, 30)], "UTC")


# The data rule ---------------------------------------------------------------------------

GOOD = {"time_zone": "America/St_Johns", "remind_at": "07:30", "days": [1, 2, 3],
        "quiet": {"start": "22:00", "end": "07:00"}, "kinds": ["plan", "mentor_answer"],
        "usual_practice": "07:10", "usual_confirmed": True}


def test_good_settings_round_trip_as_the_phone_sent_them():
    data = settings_data(dict(GOOD))
    assert isinstance(data, SettingsData)
    assert data.to_dict() == GOOD
    assert data.preferences == Preferences.from_dict(GOOD)
    assert data.preferences.practice_at == time(7, 10)


def test_every_problem_is_said_with_its_field():
    with pytest.raises(Refused) as e:
        settings_data({**GOOD, "remind_at": "24:00", "days": [0], "kinds": ["nag"]})
    assert e.value.refusal.code == "invalid_data"
    assert [p["field"] for p in e.value.refusal.problems] == ["remind_at", "days", "kinds"]
    assert "the day ends there" in e.value.refusal.message
    assert [r.template for r in e.value.refusal.each()] == \
        [p["template"] for p in e.value.refusal.problems]


def test_every_field_is_required_and_no_other():
    for name in GOOD:
        with pytest.raises(Refused) as e:
            settings_data({k: v for k, v in GOOD.items() if k != name})
        assert name in e.value.refusal.message and not e.value.refusal.problems
    with pytest.raises(Refused):
        settings_data({**GOOD, "snooze": 5})


@pytest.mark.parametrize("value", ["07:30\n", " 07:30", "07:30:00", "7:30", "٠٧:٣٠"])
def test_a_time_is_exactly_hh_mm(value):
    with pytest.raises(Refused) as e:
        settings_data({**GOOD, "remind_at": value})
    assert [p["field"] for p in e.value.refusal.problems] == ["remind_at"]


def test_a_very_long_zone_name_is_refused_without_echoing_it():
    with pytest.raises(Refused) as e:
        settings_data({**GOOD, "time_zone": "Europe/" + "x" * 100_000})
    assert [p["field"] for p in e.value.refusal.problems] == ["time_zone"]
    assert len(e.value.refusal.message) < 200
