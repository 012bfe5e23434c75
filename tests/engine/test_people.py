from __future__ import annotations

import pytest

from engine import people
from engine.errors import InvalidInput


@pytest.mark.parametrize(("facts", "expected"), [
    (people.PersonFacts(False, frozenset()), {"learner"}),
    (people.PersonFacts(False, frozenset({3})), {"learner", "author"}),
    (people.PersonFacts(True, frozenset()), {"learner", "ld_admin"}),
    (people.PersonFacts(True, frozenset({1, 2})), {"learner", "author", "ld_admin"}),
])
def test_permissions(facts, expected):
    assert {p.value for p in people.permissions(facts)} == expected


@pytest.mark.parametrize("zone", ["Europe/Madrid", "America/Argentina/Buenos_Aires", "UTC"])
def test_known_time_zones(zone):
    assert people.check_time_zone(zone) == zone


@pytest.mark.parametrize("zone", ["Mars/Olympus", "", "../etc/passwd", "europe/madrid"])
def test_unknown_time_zones(zone):
    with pytest.raises(InvalidInput):
        people.check_time_zone(zone)


@pytest.mark.parametrize("tag", ["en", "en-GB", "es-419", "zh-Hant-TW", "fil"])
def test_locales(tag):
    assert people.check_locale(tag) == tag


@pytest.mark.parametrize("tag", ["", "english", "en_GB", "EN-gb", "e"])
def test_bad_locales(tag):
    with pytest.raises(InvalidInput):
        people.check_locale(tag)


def test_display_names_are_trimmed_and_bounded():
    assert people.clean_display_name("  Ana   Ruiz ") == "Ana Ruiz"
    with pytest.raises(InvalidInput):
        people.clean_display_name("   ")
    with pytest.raises(InvalidInput):
        people.clean_display_name("x" * 121)
