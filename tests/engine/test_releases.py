"""Releases: the noise's accounting, its post-processing, and attacks on the promise.

The golden numbers are worked by hand from the rules in engine/releases.py.
The attacks are the adversary's: one who knows everyone's ratings but one
person's, and reads releases before and after that person did something.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import releases as rules
from engine.releases import NONE, Budget, RoleCounts

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
KEYS = ("greet", "tills", "safety")


# --- post-processing (golden) ------------------------------------------------------------

def test_apportion_projects_then_gives_the_largest_remainders():
    # Onto {x >= 0, sum 6}: [2.5, 0, 3.5]; floors 5, the one left to the first of two halves.
    assert rules.apportion([2.5, -1.0, 3.5], 6) == [3, 0, 3]
    assert rules.apportion([-3.0, -1.0], 0) == [0, 0]
    assert rules.apportion([-3.0, -1.0], 2) == [0, 2]
    assert rules.apportion([], 0) == []
    with pytest.raises(ValueError):
        rules.apportion([1.0], -1)


def test_consistent_combines_the_total_and_its_parts_by_least_squares():
    # Parts 4, 5, 3 (sum 12) and a total of 11: each part gets (11 - 12) / 4 = -0.25, so
    # 3.75, 4.75, 2.75, sum 11.25 -> 11; apportioned: 4, 5, 2.
    assert rules.consistent(11.0, [4.0, 5.0, 3.0]) == [4, 5, 2]
    assert rules.consistent(-7.0, [-1.0, -2.0]) == [0, 0]


def test_margin_follows_the_least_squares_variance():
    # sigma 2, 3 parts: one part or all of them have variance 4 * 3 / 4 = 3: 1.96 * 1.73 -> 4.
    assert rules.margin(2.0, 3, 1) == rules.margin(2.0, 3, 3) == 4
    assert rules.margin(2.0, 3, 3, levels=2) == 5  # variance 6: 1.96 * 2.45 = 4.8 -> 5
    assert rules.margin(2.0, 3, 0) == 0
    assert rules.plus_minus(0.01) == 1  # no released number is exact


# --- the budget ---------------------------------------------------------------------------

def test_the_guarantee_in_numbers():
    budget = Budget()
    assert budget.rho == 0.5 and budget.rho_year == 26 and budget.days == 7
    assert budget.epsilon() == pytest.approx(5.2215, abs=1e-3)
    assert budget.epsilon(budget.rho_year) == pytest.approx(62.283, abs=1e-2)
    assert rules.epsilon(0.0, 1e-6) == 0.0  # a release of an organisation with no profile yet


@pytest.mark.parametrize("kwargs", [
    {"rho": 0}, {"rho": -1}, {"rho": math.nan}, {"rho_year": math.inf}, {"days": 0},
    {"days": 1.5}, {"delta": 0.0}, {"delta": 1.0}, {"rho": 2.0, "rho_year": 1.0},
    {"hours_cap": 0}, {"fee_cap": True}, {"questions_cap": 0}, {"questions_cap": 2.5},
])
def test_a_budget_that_makes_no_sense_is_refused(kwargs):
    with pytest.raises(ValueError):
        Budget(**kwargs)


def test_the_shares_of_rho_add_up_to_what_a_change_a_presence_and_a_move_may_cost():
    """Tables and questions are paid for a change, half for a presence (half the cells
    move); the learners only by a presence; the plan sums by both."""
    sums = rules.SHARE_MINUTES + rules.SHARE_FEES + rules.SHARE_COVERED + rules.SHARE_UNCOVERED
    assert sums == pytest.approx(0.15)
    change = rules.SHARE_TABLES + rules.SHARE_QUESTIONS + sums
    presence = (rules.SHARE_TABLES + rules.SHARE_QUESTIONS) / 2 + rules.SHARE_LEARNERS + sums
    assert change == pytest.approx(0.75)
    assert presence == pytest.approx(0.5)  # so a move between two roles: 1.0
    # OpenDP's maps agree: 3 competencies, K = 10 at rho 0.5.
    found = rules.scales(Budget(), 3)
    assert found.change == pytest.approx(0.375, rel=1e-6)
    assert found.presence == pytest.approx(0.25, rel=1e-6)


def test_the_question_cells_are_as_sensitive_as_2k_cells_can_be():
    # K = 10: a change moves 4K = 40 cells by one (sqrt 40 = 2 sqrt 10), a presence 20.
    assert rules.distances(10) == pytest.approx((math.sqrt(40), math.sqrt(20)))
    # Their share of rho 0.5 for a change: 0.075 = d^2 / (2 sigma^2), so sigma = sqrt(40 / 0.15).
    assert rules.scales(Budget(), 3).questions == pytest.approx(math.sqrt(40 / 0.15))
    assert rules.scales(Budget(questions_cap=5), 3).questions == pytest.approx(
        math.sqrt(20 / 0.15))


@given(st.integers(1, 60), st.floats(0.01, 5), st.integers(1, 50))
def test_a_release_never_spends_more_than_its_rho_whatever_one_person_does(competencies, rho,
                                                                          k):
    budget = Budget(rho=rho, rho_year=rho * 52, questions_cap=k)
    one = rules.scales(budget, competencies)
    other = rules.scales(budget, max(1, competencies // 2))
    # Within a role: a change costs 0.75 of rho; joining or leaving, 0.5; a move between
    # two roles is a leaving and a joining: 1.0. OpenDP's maps say so, never more.
    assert one.change <= 0.75 * rho * (1 + 1e-9)
    assert one.presence <= 0.5 * rho * (1 + 1e-9)
    assert rules.loss([one, other]) <= rho * (1 + 1e-9)
    assert rules.loss([one]) <= rho * (1 + 1e-9)


@settings(max_examples=200)
@given(st.lists(st.tuples(st.integers(0, 800), st.sampled_from([0.25, 0.5, 1.0])),
                max_size=60))
def test_no_sequence_of_releases_exceeds_the_yearly_budget(attempts):
    """Attempts at any days, any order of sizes: the published ones of any 365 days fit."""
    budget = Budget(rho=1.0, rho_year=4.0)
    history: list[tuple[datetime, float]] = []
    for day, rho in sorted(attempts):
        now = T0 + timedelta(days=day)
        if rules.allowed(history, now, rho, budget):
            history.append((now, rho))
        else:
            assert rules.spent(history, now) + rho > budget.rho_year
    for at, _ in history:
        window = [r for t, r in history if at - rules.YEAR < t <= at]
        assert sum(window) <= budget.rho_year * (1 + 1e-9)


def test_a_release_past_the_budget_is_refused_until_the_year_has_passed():
    budget = Budget(rho=0.5, rho_year=1.0)
    history = [(T0, 0.5), (T0 + timedelta(days=7), 0.5)]
    assert not rules.allowed(history, T0 + timedelta(days=14), 0.5, budget)
    assert not rules.allowed(history, T0 + timedelta(days=364), 0.5, budget)
    assert rules.allowed(history, T0 + timedelta(days=365), 0.5, budget)  # the first aged out
    assert rules.next_release(None, T0, budget) == T0
    assert rules.next_release(T0, T0, Budget(days=7)) == T0 + timedelta(days=7)


# --- what one person can move ---------------------------------------------------------------

People = list[tuple[str, str, tuple[int, ...]]]  # (site, future, a level per competency)
SITES, FUTURES = ("North", "South"), ("shift-lead",)


def counts(people: People, keys=KEYS) -> RoleCounts:
    atoms: dict[rules.Atom, int] = {}
    for site, future, levels in people:
        for key, level in zip(keys, levels, strict=True):
            atom = (key, site, future, level)
            atoms[atom] = atoms.get(atom, 0) + 1
    n = len(people)  # each with a plan of 600 minutes, no fees, one gap covered
    return RoleCounts("store-associate", keys, SITES, FUTURES, atoms, n,
                      minutes=600 * n, fee_cents=0, covered=n, uncovered=0,
                      programme_minutes=600, programme_fees_cents=0)


person = st.tuples(st.sampled_from((NONE, *SITES)), st.sampled_from((NONE, *FUTURES)),
                   st.tuples(*(st.integers(1, 5) for _ in KEYS)))


@given(st.lists(person, max_size=12), person, person)
def test_the_tables_move_no_more_than_the_sensitivity_the_noise_is_made_for(others, a, b):
    """One person changing anything (levels, site, future role) moves the true tables by at
    most 2 sqrt(C) in L2; joining or leaving, by sqrt(2C)."""
    c = len(KEYS)
    before = rules.truth(counts([*others, a]))
    changed = rules.truth(counts([*others, b]))
    absent = rules.truth(counts(others))
    assert np.linalg.norm((before - changed).ravel()) <= 2 * math.sqrt(c) + 1e-9
    assert np.linalg.norm((before - absent).ravel()) <= math.sqrt(2 * c) + 1e-9


def test_plan_sums_are_taken_clipped_and_one_that_cannot_be_is_refused():
    """The noise of a plan sum is made for one person moving it by at most a cap: a sum
    more than the learners' clipped shares can add up to was counted unclipped."""
    budget = Budget(hours_cap=1.0)  # 60 minutes a person
    fair = counts(population(3))
    assert rules.clipped_sums(replace(fair, minutes=180), budget) == (180, 0, 3, 0)
    for wrong in ({"minutes": 181}, {"covered": 3 * len(KEYS) + 1}, {"uncovered": -1}):
        with pytest.raises(ValueError, match="shares each between 0 and"):
            rules.measure(replace(fair, **wrong), budget)


# --- a release behaves ------------------------------------------------------------------------

def population(n: int, seed: int = 7) -> People:
    rng = np.random.default_rng(seed)
    return [(str(rng.choice([NONE, *SITES])), str(rng.choice([NONE, *FUTURES])),
             tuple(int(x) for x in rng.integers(1, 6, len(KEYS)))) for _ in range(n)]


def test_released_counts_are_whole_non_negative_and_add_up_across_every_filter():
    release = rules.measure(counts(population(80)), Budget())
    for key in KEYS:
        total = release.count(key)
        assert total.value >= 0
        assert sum(release.count(key, levels=[lv]).value for lv in range(1, 6)) == total.value
        for site in (NONE, *SITES):
            assert all(release.count(key, (site, None), [lv]).value >= 0
                       for lv in range(1, 6))
        assert sum(release.count(key, (s, None)).value for s in (NONE, *SITES)) == total.value
        assert sum(release.count(key, (None, f)).value for f in (NONE, *FUTURES)) == total.value
        assert sum(release.count(key, (s, f)).value for s in (NONE, *SITES)
                   for f in (NONE, *FUTURES)) == total.value
    assert release.learners >= 0 and release.minutes >= 0
    again = rules.RoleRelease.from_dict(release.to_dict())
    assert again == release
    assert "store-associate" == again.role  # the release holds groups, never a person


def test_the_noise_is_what_the_margin_says():
    """Over many releases of the same people, about 95% of the totals fall within margin."""
    people = population(60)
    truth = sum(1 for *_, levels in people if levels[0] == 3)
    inside = 0
    runs = 300
    for _ in range(runs):
        estimate = rules.measure(counts(people), Budget()).count("greet", levels=[3])
        inside += abs(estimate.value - truth) <= estimate.margin
    assert 0.88 <= inside / runs <= 1.0


# --- the attacks --------------------------------------------------------------------------------

def _balanced_accuracy(guess_right: list[bool]) -> float:
    return sum(guess_right) / len(guess_right)


def _phi(x: float) -> float:
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


def _attack(others: People, her_site: str, one: int, other: int, releases_after: int,
            runs: int, budget: Budget) -> float:
    """How often an attacker who knows everyone else tells her rating ``one`` from ``other``.

    She self-assesses (greet at ``one`` or ``other``, the rest at 3) between two releases;
    the attacker reads the releases after, subtracts what everyone else contributes, and
    guesses the level whose cells rose the more (the likelihood ratio test on the two cells).
    """
    known = counts(others)
    right = []
    for run in range(runs):
        level = one if run % 2 == 0 else other
        her = (her_site, NONE, (level, 3, 3))
        seen = [rules.measure(counts([*others, her]), budget) for _ in range(releases_after)]
        rise = {}
        for candidate in (one, other):
            base = sum(n for (key, _, _, lv), n in known.atoms.items()
                       if key == "greet" and lv == candidate)
            rise[candidate] = statistics.fmean(
                r.count("greet", levels=[candidate]).value for r in seen) - base
        guess = one if rise[one] > rise[other] else other
        if rise[one] == rise[other]:
            guess = one if run % 4 < 2 else other  # a coin, fairly
        right.append(guess == level)
    return _balanced_accuracy(right)


def _bound(rho: float) -> float:
    """The best any test can do against a Gaussian mechanism of loss rho (mu = sqrt(2 rho)
    Gaussian DP): tell two neighbours apart with accuracy Phi(mu / 2)."""
    return _phi(math.sqrt(2 * rho) / 2)


@pytest.mark.parametrize("releases_after", [1, 4])
def test_an_attacker_who_knows_everyone_else_learns_no_more_than_the_budget_allows(
        releases_after, record_property):
    budget = Budget()
    others = population(40, seed=11)
    runs = 400
    accuracy = _attack(others, "North", 1, 5, releases_after, runs, budget)
    bound = _bound(budget.rho * releases_after)
    error = 3 * math.sqrt(0.25 / runs)  # three standard errors of a proportion
    record_property("attacker_accuracy", float(accuracy))
    print(f"attacker, {releases_after} release(s) after: right {accuracy:.1%} of the time; "
          f"a coin 50.0%; the guarantee allows at most {bound:.1%}")
    assert accuracy <= bound + error


def test_an_attacker_who_knows_her_old_rating_cannot_tell_her_new_one(record_property):
    """One re-rating between two releases: greet 3 -> 1 or 3 -> 5. The attacker reads both
    releases and knows everyone else; the change costs at most the release's rho."""
    budget = Budget()
    others = population(40, seed=5)
    runs, right = 400, []
    for run in range(runs):
        new = 1 if run % 2 == 0 else 5
        before = rules.measure(counts([*others, ("South", NONE, (3, 3, 3))]), budget)
        after = rules.measure(counts([*others, ("South", NONE, (new, 3, 3))]), budget)
        moved = {lv: after.count("greet", levels=[lv]).value
                 - before.count("greet", levels=[lv]).value for lv in (1, 5)}
        guess = 1 if moved[1] > moved[5] else 5 if moved[5] > moved[1] else (
            1 if run % 4 < 2 else 5)
        right.append(guess == new)
    accuracy = _balanced_accuracy(right)
    # Two releases, but only the second depends on what she chose: the bound of one.
    bound = _bound(budget.rho)
    record_property("attacker_accuracy", float(accuracy))
    print(f"re-rating: right {accuracy:.1%}; a coin 50.0%; the guarantee allows {bound:.1%}")
    assert accuracy <= bound + 3 * math.sqrt(0.25 / runs)


def test_guessing_her_level_among_five_is_barely_better_than_chance(record_property):
    """Her first self-assessment, any level 1-5: the attacker guesses the level whose count
    rose most against what everyone else contributes. Chance is 20%."""
    budget = Budget()
    others = population(40, seed=13)
    known = counts(others)
    base = {lv: sum(n for (key, _, _, level), n in known.atoms.items()
                    if key == "greet" and level == lv) for lv in range(1, 6)}
    runs, right = 500, []
    for run in range(runs):
        level = 1 + run % 5
        seen = rules.measure(counts([*others, ("North", NONE, (level, 3, 3))]), budget)
        rise = {lv: seen.count("greet", levels=[lv]).value - base[lv] for lv in range(1, 6)}
        right.append(max(rise, key=lambda lv: (rise[lv], -lv)) == level)
    accuracy = sum(right) / runs
    record_property("attacker_accuracy", float(accuracy))
    print(f"five levels: right {accuracy:.1%}; chance 20.0%")
    assert accuracy <= 0.35


# --- the question analysis ---------------------------------------------------------------------

QUESTIONS = tuple(("till-safety", place) for place in range(4)) + (("greeting", 0),)
K = 3
# A learner's answers: per question (first answer right?, a week later: None, right?, ...)
Answers = dict[rules.Question, tuple[bool, bool | None]]


def question_counts(learners: list[Answers], people: People | None = None) -> RoleCounts:
    cells: dict[rules.Question, list[int]] = {}
    for answers in learners:
        for q, (first, week) in answers.items():
            row = cells.setdefault(q, [0, 0, 0, 0])
            row[0 if first else 1] += 1
            if week is not None:
                row[2 if week else 3] += 1
    base = counts(people or population(3))
    return replace(base, questions=QUESTIONS,
                   answers={q: (a, b, c, d) for q, (a, b, c, d) in cells.items()})


answers_of = st.dictionaries(st.sampled_from(QUESTIONS),
                             st.tuples(st.booleans(), st.none() | st.booleans()), max_size=K)


@given(st.lists(answers_of, max_size=8), answers_of, answers_of)
def test_the_question_cells_move_no_more_than_their_sensitivity(others, a, b):
    """One learner of at most K questions, answering anything else (other questions, other
    answers), moves the true cells by at most 2 sqrt(K); joining or leaving, sqrt(2K)."""
    change, presence = rules.distances(K)
    before = rules.question_truth(question_counts([*others, a]))
    changed = rules.question_truth(question_counts([*others, b]))
    absent = rules.question_truth(question_counts(others))
    assert np.linalg.norm((before - changed).ravel()) <= change + 1e-9
    assert np.linalg.norm((before - absent).ravel()) <= presence + 1e-9


def test_question_cells_that_cannot_be_counts_are_refused():
    fair = question_counts([])
    for wrong in ({("elsewhere", 0): (1, 0, 0, 0)}, {QUESTIONS[0]: (1, 0, 1, 1)},
                  {QUESTIONS[0]: (-1, 0, 0, 0)}):
        with pytest.raises(ValueError):
            rules.measure(replace(fair, answers=wrong), Budget())


def test_tidy_cells_are_whole_non_negative_and_the_week_no_more_than_the_first():
    assert rules.tidy_cells([4.0, -2.0, 1.0, 0.0]) == (4, 0, 1, 0)
    # The week after (6 + 3 = 9) cannot be more learners than answered at all (5): 9 is
    # apportioned to 5 by projection: [6, 3] - 2 = [4, 1].
    assert rules.tidy_cells([3.0, 2.0, 6.0, 3.0]) == (3, 2, 4, 1)
    assert rules.tidy_cells([-1.0, -3.0, 2.0, 1.0]) == (0, 0, 0, 0)


def test_a_stage_is_withheld_under_the_threshold_and_its_share_with_it():
    # sigma 2: the answered count (two cells) has margin 1.96 * 2 * sqrt 2 = 5.5 -> 6.
    assert rules.stage(8, 2, 2.0) == rules.Stage(None, None)  # 10 - 6 = 4 < 5
    found = rules.stage(8, 3, 2.0)  # 11 - 6 = 5: shown
    assert found.answered == rules.Estimate(11, 6)
    assert found.wrong is not None and found.wrong.value == pytest.approx(3 / 11)
    # The share's margin: 1.96 * 2 * sqrt(64 + 9) / 121 = 0.2762.
    assert found.wrong.margin == pytest.approx(1.96 * 2 * math.sqrt(73) / 121)


def test_released_questions_behave_and_survive_the_round_trip():
    rng = np.random.default_rng(3)
    learners = [{QUESTIONS[i]: (bool(rng.random() < 0.7),
                                None if rng.random() < 0.5 else bool(rng.random() < 0.8))
                 for i in rng.permutation(len(QUESTIONS))[:K].tolist()} for _ in range(60)]
    release = rules.measure(question_counts(learners), Budget())
    assert release.questions == QUESTIONS and set(release.answers) == set(QUESTIONS)
    for right, wrong, week_right, week_wrong in release.answers.values():
        assert min(right, wrong, week_right, week_wrong) >= 0
        assert week_right + week_wrong <= right + wrong
    again = rules.RoleRelease.from_dict(release.to_dict())
    assert again == release
    old = release.to_dict()
    del old["answers"], old["questions_sigma"]  # a release stored before the analysis
    assert rules.RoleRelease.from_dict(old).first_sight(QUESTIONS[0]) == rules.Stage(None, None)


def test_an_attacker_cannot_tell_whether_she_got_a_question_wrong(record_property):
    """She answers one question for the first time between two releases, right or wrong;
    the attacker knows everyone else's answers and reads the release after."""
    budget = Budget()
    rng = np.random.default_rng(17)
    others = [{QUESTIONS[0]: (bool(rng.random() < 0.7), None)} for _ in range(40)]
    known = rules.question_truth(question_counts(others))[0]
    runs, right = 400, []
    for run in range(runs):
        wrong = run % 2 == 0
        seen = rules.measure(question_counts([*others, {QUESTIONS[0]: (not wrong, None)}]),
                             budget).answers[QUESTIONS[0]]
        rose_wrong, rose_right = seen[1] - known[1], seen[0] - known[0]
        guess = rose_wrong > rose_right if rose_wrong != rose_right else run % 4 < 2
        right.append(guess == wrong)
    accuracy = _balanced_accuracy(right)
    bound = _bound(budget.rho)
    record_property("attacker_accuracy", float(accuracy))
    print(f"a question's answer: right {accuracy:.1%}; a coin 50.0%; the guarantee allows "
          f"{bound:.1%}")
    assert accuracy <= bound + 3 * math.sqrt(0.25 / runs)
