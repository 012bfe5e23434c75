"""Suggested mentors assigned for 10,000 learners and 2,000 mentors: seconds, and coverage;
and from one learner's sync to their new suggestion in an organisation of that size.

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

import os
import random
import statistics
import time
import uuid
from datetime import timedelta

import networkx as nx
import pytest
import sqlalchemy as sa

from engine import mentors as m
from pwa import clock
from pwa.extensions import db
from pwa.models import MentorCompetency, MentorOffer, MentorSuggestion, Person, UncoveredGap
from tests.benchmarks.goals import goal
from tests.factories import comp, publish_profile, sign_in_as

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


# After one learner's sync, in an organisation of 10,000 learners and 2,000 mentors --------

SYNC_LEARNERS, SYNC_MENTORS, ROLE_COMPETENCIES, SITES = 10_000, 2_000, 40, 20


def grow_organisation(app, org_id: int, roles: dict[str, int]) -> None:
    """10,000 learners with 1 to 3 uncovered gaps each (rows of the read model, as the
    sync would have kept them) and 2,000 mentors offering 1 to 3 competencies with 1 to 5
    places, written with Core in bulk."""
    rng = random.Random(21)
    keys = [f"c{n}" for n in range(ROLE_COMPETENCIES)]
    now = clock.now()
    with app.app_context():
        people = [{"organisation_id": org_id, "display_name": f"Learner {n}",
                   "role_id": rng.choice(list(roles.values())),
                   "site": f"Site {rng.randrange(SITES)}", "time_zone": "UTC",
                   "locale": rng.choice(["en", "en", "es", "pl"]), "is_ld_admin": False,
                   "user_handle": os.urandom(32), "created_at": now}
                  for n in range(SYNC_LEARNERS + SYNC_MENTORS)]
        db.session.execute(sa.insert(Person), people)
        ids = list(db.session.scalars(sa.select(Person.id).where(
            Person.display_name.like("Learner %")).order_by(Person.id)))
        learners, mentors = ids[:SYNC_LEARNERS], ids[SYNC_LEARNERS:]
        db.session.execute(sa.insert(UncoveredGap), [
            {"person_id": pid, "competency": key, "level": 1, "needed": 3}
            for pid in learners for key in rng.sample(keys, rng.randint(1, 3))])
        db.session.execute(sa.insert(MentorOffer), [
            {"person_id": pid, "status": "active", "capacity": rng.randint(1, 5), "load": 0,
             "languages": rng.choice([["en"], ["en", "es"], ["pl"]]), "availability": "",
             "contact": "", "occurred_at": now} for pid in mentors])
        db.session.execute(sa.insert(MentorCompetency), [
            {"person_id": pid, "competency": key}
            for pid in mentors for key in rng.sample(keys, rng.randint(1, 3))])
        db.session.commit()


@pytest.mark.benchmark
def test_a_learners_new_suggestion_after_their_sync_in_a_large_organisation(app, org, capsys):
    """From one learner's sync to their new suggestion: the sync (which keeps their
    uncovered gaps in its transaction and marks her for the assignment) and the job it
    asks for (the assignment of what the marks can affect, reading the gaps), both run
    before the answer here (jobs inline), so the request's seconds are the learner's wait.
    The organisation starts as a whole run leaves it. CPU is this process's (on PostgreSQL the
    server's own is not in it). Goal: under 10 s."""
    from pwa import jobs

    comps = tuple(comp(f"c{n}", f"Competency {n}", 4, 3, "Work")
                  for n in range(ROLE_COMPETENCIES))
    publish_profile(app, "store-associate", "Grace Okafor", comps=comps)
    publish_profile(app, "warehouse-picker", "Wes Moyo", comps=comps)
    grow_organisation(app, org["id"], org["roles"])
    api = sign_in_as(app, "Lena Bench", "store-associate")
    with app.app_context():
        lena = db.session.scalar(sa.select(Person.id).where(Person.display_name == "Lena Bench"))
        db.session.execute(sa.update(Person).where(Person.id == lena)
                           .values(site="Site 0", locale="ro"))
        # The first mentor has room for her, in a language only she speaks: however the
        # others' gaps are matched, hers is covered once she has it.
        mentor = db.session.scalar(sa.select(Person.id).where(
            Person.display_name == "Learner 10000"))
        db.session.execute(sa.update(MentorOffer).where(MentorOffer.person_id == mentor)
                           .values(capacity=10, languages=["ro"]))
        db.session.execute(sa.insert(MentorCompetency), [
            {"person_id": mentor, "competency": f"c{n}"} for n in range(3)
            if db.session.get(MentorCompetency, (mentor, f"c{n}")) is None])
        db.session.commit()
        # The organisation as a nightly run leaves it: everyone's suggestions decided.
        wall, cpu = time.perf_counter(), time.process_time()
        jobs.run_here("mentors.reassign", (org["id"],))
        whole_wall, whole_cpu = time.perf_counter() - wall, time.process_time() - cpu
    walls, cpus = [], []
    for n in range(3):
        at = (clock.now() - timedelta(hours=3 - n)).isoformat().replace("+00:00", "Z")
        event = {"id": str(uuid.uuid4()), "type": "rating.set", "schema": 1,
                 "occurred_at": at, "device_id": "bench",
                 "data": {"role": "store-associate", "competency": f"c{n}", "version": 1,
                          "level": 1, "note": None}}
        wall, cpu = time.perf_counter(), time.process_time()
        answer = api.post("/api/v1/sync", {"events": [event]}).get_json()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
        assert answer["accepted"] == [event["id"]], answer
        with app.app_context():
            got = set(db.session.scalars(sa.select(MentorSuggestion.competency).where(
                MentorSuggestion.learner_id == lena)))
        assert f"c{n}" in got, (n, got)
    with app.app_context():
        gaps = db.session.scalar(sa.select(sa.func.count()).select_from(UncoveredGap))
        suggested = db.session.scalar(sa.select(sa.func.count()).select_from(MentorSuggestion))
    seconds = statistics.median(walls)
    with capsys.disabled():
        print(f"\nmentors after one sync: {SYNC_LEARNERS:,} learners with {gaps:,} uncovered "
              f"gaps, {SYNC_MENTORS:,} mentors; {suggested:,} suggestions")
        print(f"  sync to new suggestion: {seconds:.2f} s median of 3 "
              f"({', '.join(f'{w:.2f}' for w in walls)}; goal under 10 s); CPU per sync "
              f"{statistics.median(cpus):.2f} s")
        print(f"  the whole organisation's assignment (the nightly run, before the syncs): "
              f"{whole_wall:.2f} s, CPU {whole_cpu:.2f} s")
    goal(seconds < 10, f"mentors after one sync: {seconds:.2f} s (goal under 10 s)")
