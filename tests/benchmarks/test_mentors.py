"""Suggested mentors assigned for 10,000 learners and 2,000 mentors: seconds, and coverage.

The organisation: 50 competencies, 5 roles, 20 sites, 4 languages (every
learner speaks English or their own language, a mentor one or two). Each
learner has 1 to 3 uncovered gaps (about 20,000 gaps); each mentor offers 1
to 3 competencies with 1 to 5 places, some already taken. The figures: the
seconds ``engine.mentors.assign`` takes (median of 3), and the share of gaps
it covered against the most any assignment could cover (a plain maximum flow
with one node per gap, the bound; goal: 100%, and at least 95% of gaps when
the total capacity allows). The bound's own time is printed beside it, as the
floor of a solver that only counts.
"""

from __future__ import annotations

import random
import statistics
import time

import networkx as nx
import pytest

from engine import mentors as m

LEARNERS, MENTORS, COMPETENCIES = 10_000, 2_000, 50
LANGUAGES = ["en", "es", "pl", "ro"]


def organisation(seed: int = 11, capacity: tuple[int, int] = (1, 5),
                 english: bool = False, count: int = MENTORS) -> tuple[list[m.Gap], list[m.Mentor]]:
    rng = random.Random(seed)
    keys = [f"c{n}" for n in range(COMPETENCIES)]
    roles = [f"role-{n}" for n in range(5)]
    sites = [f"site-{n}" for n in range(20)]
    gaps = []
    for learner in range(1, LEARNERS + 1):
        own = rng.choice(LANGUAGES)
        speaks = frozenset({"en", own})
        role, site = rng.choice(roles), rng.choice(sites)
        for key in rng.sample(keys, rng.randint(1, 3)):
            gaps.append(m.Gap(learner, key, role, site, speaks))
    mentors = []
    for n in range(count):
        person = LEARNERS + 1 + n if n % 4 else rng.randint(1, LEARNERS)  # some learn too
        places = rng.randint(*capacity)
        speaks = frozenset(rng.sample(LANGUAGES, rng.randint(1, 2))) | (
            {"en"} if english else set())
        mentors.append(m.Mentor(person, frozenset(rng.sample(keys, rng.randint(1, 3))), places,
                                rng.randint(0, places - 1) if not english else 0, speaks,
                                rng.choice(roles), rng.choice(sites), rng.random() > 0.05))
    unique = {mentor.person: mentor for mentor in mentors}
    return gaps, list(unique.values())


def bound(gaps: list[m.Gap], mentors: list[m.Mentor]) -> int:
    g = nx.DiGraph()
    by_key: dict[str, list[m.Mentor]] = {}
    for mentor in mentors:
        for key in mentor.competencies:
            by_key.setdefault(key, []).append(mentor)
        g.add_edge(("m", mentor.person), "t", capacity=mentor.free)
    for gap in gaps:
        node = ("g", gap.learner, gap.competency)
        g.add_edge("s", node, capacity=1)
        for mentor in by_key.get(gap.competency, ()):
            if m.can_match(gap, mentor):
                g.add_edge(node, ("m", mentor.person), capacity=1)
    return int(nx.maximum_flow_value(g, "s", "t"))


@pytest.mark.benchmark
def test_assignment_of_ten_thousand_learners_and_two_thousand_mentors(capsys):
    gaps, mentors = organisation()
    times, found = [], ()
    for _ in range(3):
        start = time.perf_counter()
        found = m.assign(gaps, mentors)
        times.append(time.perf_counter() - start)
    start = time.perf_counter()
    best = bound(gaps, mentors)
    bound_seconds = time.perf_counter() - start
    places = sum(x.free for x in mentors)
    learners = len({g.learner for g in gaps})
    helped = len({a.learner for a in found})
    with capsys.disabled():  # make bench shows it
        print(f"\nmentor assignment: {learners:,} learners with {len(gaps):,} uncovered gaps, "
              f"{len(mentors):,} mentors with {places:,} free places")
        print(f"  assign: {statistics.median(times):.2f} s (median of 3); max-flow bound "
              f"alone: {bound_seconds:.2f} s")
        print(f"  gaps covered: {len(found):,} of a bound of {best:,} "
              f"({len(found) / best:.1%}); learners helped: {helped:,}")
    for x in mentors:
        assert sum(a.mentor == x.person for a in found) <= x.free
    assert len(found) == best


@pytest.mark.benchmark
def test_when_capacity_allows_nearly_every_learner_gets_a_suggestion(capsys):
    """The issue's goal: with places for everyone, at least 95% of learners with an
    uncovered gap get a suggestion, and no mentor is over capacity."""
    gaps, mentors = organisation(seed=12, capacity=(8, 10), english=True, count=2_500)
    start = time.perf_counter()
    found = m.assign(gaps, mentors)
    seconds = time.perf_counter() - start
    places = sum(x.free for x in mentors)
    learners = {g.learner for g in gaps}
    helped = {a.learner for a in found}
    with capsys.disabled():
        print(f"\nwith room for everyone: {len(gaps):,} gaps, {places:,} free places; assign "
              f"{seconds:.2f} s; gaps covered {len(found) / len(gaps):.1%}; learners with a "
              f"suggestion {len(helped) / len(learners):.1%} (goal at least 95%)")
    assert places >= len(gaps)
    for x in mentors:
        assert sum(a.mentor == x.person for a in found) <= x.free
    assert len(helped) >= 0.95 * len(learners)
