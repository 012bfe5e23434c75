"""A rating carries across profiles only for a shared competency: same key, same descriptors."""

from __future__ import annotations

from engine.assessment import shared, standing
from engine.profiles import Competency

LEVELS = ("Watches", "Helps", "Does it", "Does it well", "Teaches it")


def comp(key: str, levels: tuple[str, ...] = LEVELS, target: int = 3, name: str = "") -> Competency:
    return Competency(key, name or key, "", "G", levels, target, 3)


def rating(role: str, key: str, level: int, at: str) -> dict[str, object]:
    return {"role": role, "competency": key, "version": 1, "level": level, "occurred_at": at}


def test_shared_is_the_same_key_and_the_same_five_descriptors() -> None:
    assert shared(comp("greet"), comp("greet"))
    # Target, name and importance are the profile's view of the skill, not its yardstick.
    assert shared(comp("greet", target=3), comp("greet", target=4, name="Greeting"))
    assert not shared(comp("greet"), comp("welcome"))
    assert not shared(comp("greet"), comp("greet", (*LEVELS[:4], "Coaches others")))


def test_a_shared_competency_carries_its_rating_to_the_future_role() -> None:
    current = {"associate": [comp("greet"), comp("tills")],
               "lead": [comp("greet"), comp("tills", (*LEVELS[:2], "Runs a till alone",
                                                      *LEVELS[3:])), comp("rota")]}
    greet = rating("associate", "greet", 2, "2026-12-01T09:00:00+00:00")
    tills = rating("associate", "tills", 3, "2026-12-01T09:01:00+00:00")
    found = standing(current, {("associate", "greet"): greet, ("associate", "tills"): tills})
    # greet is shared: it stands for the lead's too. tills reads otherwise there: asked
    # again. rota was never rated.
    assert found == {("associate", "greet"): greet, ("associate", "tills"): tills,
                     ("lead", "greet"): greet}


def test_the_latest_rating_of_a_shared_competency_stands_in_both_profiles() -> None:
    current = {"associate": [comp("greet")], "lead": [comp("greet")]}
    older = rating("associate", "greet", 2, "2026-12-01T09:00:00+00:00")
    newer = rating("lead", "greet", 4, "2026-12-02T09:00:00+00:00")
    latest = {("associate", "greet"): older, ("lead", "greet"): newer}
    assert standing(current, latest) == {("associate", "greet"): newer, ("lead", "greet"): newer}
    same_time = rating("lead", "greet", 4, "2026-12-01T09:00:00+00:00")
    latest[("lead", "greet")] = same_time  # a tie: each keeps its own
    assert standing(current, latest) == {("associate", "greet"): older,
                                         ("lead", "greet"): same_time}


def test_a_rating_of_a_role_the_learner_left_stands_for_nothing() -> None:
    current = {"lead": [comp("greet")]}
    old_role = rating("associate", "greet", 2, "2026-12-01T09:00:00+00:00")
    assert standing(current, {("associate", "greet"): old_role}) == {}
