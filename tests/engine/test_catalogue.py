from __future__ import annotations

import pytest

from engine import catalogue as cat
from engine.costs import MAX_FEE_CENTS
from engine.errors import InvalidInput

QUESTIONS = """? What do you do first if you smell smoke?
- Finish serving the customer
* Raise the alarm
> The alarm comes first.
---
? Fire doors may be wedged open on busy days.
- True
* False
---
? Which are signs of a heavy load?
* A label saying "team lift"
* It does not move when you tip it
- It is brightly coloured
"""


def test_parse_questions_golden():
    parsed = cat.parse_questions(QUESTIONS)
    assert [q.to_dict() for q in parsed] == [
        {"kind": "single_choice", "prompt": "What do you do first if you smell smoke?",
         "options": ["Finish serving the customer", "Raise the alarm"], "correct": [1],
         "explanation": "The alarm comes first."},
        {"kind": "true_false", "prompt": "Fire doors may be wedged open on busy days.",
         "options": ["True", "False"], "correct": [1], "explanation": ""},
        {"kind": "multiple_choice", "prompt": "Which are signs of a heavy load?",
         "options": ['A label saying "team lift"', "It does not move when you tip it",
                     "It is brightly coloured"], "correct": [0, 1], "explanation": ""},
    ]
    assert cat.parse_questions(cat.format_questions(parsed)) == parsed


def test_false_first_true_false_is_normalised():
    (q,) = cat.parse_questions("? Sky is green\n* False\n- True")
    assert (q.kind, q.options, q.correct) == ("true_false", ("True", "False"), (1,))


def test_parse_questions_refuses_unmarked_lines():
    with pytest.raises(InvalidInput, match="Question 2"):
        cat.parse_questions("? ok\n* a\n- b\n---\n? next\nno mark here")


def test_cards_round_trip():
    cards = cat.parse_cards("First card.\n\nStill first.\n---\nSecond card.\n---\n\n")
    assert [c.text for c in cards] == ["First card.\n\nStill first.", "Second card."]
    assert cat.parse_cards(cat.format_cards(cards)) == cards


def item(**kw):
    base = dict(title="Fire safety basics", format="micro_lesson", duration_minutes=4,
                language="en", level_from=1, level_to=3, competency_keys=("sa/safety",),
                offline=True, cards=(cat.Card("Know your exits."),),
                questions=cat.parse_questions("? Exits?\n* Know them\n- Ignore them"))
    base.update(kw)
    return cat.ItemContent(**base)


def test_a_good_item_passes():
    cat.validate(item())
    cat.validate(item(format="course", cards=(), questions=(), url="https://x.example/c"))


@pytest.mark.parametrize(("changes", "field"), [
    ({"title": " "}, "title"),
    ({"format": "podcast"}, "format"),
    ({"duration_minutes": 0}, "duration_minutes"),
    ({"duration_minutes": "4"}, "duration_minutes"),
    ({"level_from": 0}, "level_from"),
    ({"level_from": 4, "level_to": 2}, "level_to"),
    ({"competency_keys": ()}, "competencies"),
    ({"url": "javascript:alert(1)"}, "url"),
    ({"cards": ()}, "cards"),
    ({"questions": ()}, "questions"),
    ({"questions": (cat.Question("single_choice", "Q", ("a", "b"), (0, 1)),)}, "questions.1"),
    ({"questions": (cat.Question("single_choice", "Q", ("a", "b"), (2,)),)}, "questions.1"),
    ({"questions": (cat.Question("true_false", "Q", ("Yes", "No"), (0,)),)}, "questions.1"),
    ({"questions": (cat.Question("essay", "Q", ("a", "b"), (0,)),)}, "questions.1"),
])
def test_bad_items_are_refused(changes, field):
    with pytest.raises(InvalidInput) as caught:
        cat.validate(item(**changes))
    assert [p["field"] for p in caught.value.details["problems"]] == [field]


def test_a_fee_is_optional_and_kept_in_whole_minor_units():
    assert item().fee_cents == 0
    cat.validate(item(format="classroom", cards=(), questions=(), fee_cents=12000))
    cat.validate(item(fee_cents=MAX_FEE_CENTS))


@pytest.mark.parametrize(("fee", "message"), [
    (-1, "A fee cannot be less than zero."),
    (1250.5, "A fee is an amount with at most two decimal places."),
    ("1200", "A fee is an amount with at most two decimal places."),
    (None, "A fee is an amount with at most two decimal places."),
    (True, "A fee is an amount with at most two decimal places."),
    (MAX_FEE_CENTS + 1, "That fee is too large: check the amount."),
    (10**12, "That fee is too large: check the amount."),
])
def test_a_bad_fee_is_one_problem_of_the_one_error_shape(fee, message):
    with pytest.raises(InvalidInput) as caught:
        cat.validate(item(fee_cents=fee, title=" "))
    assert caught.value.template == "This item has problems to fix before it can be saved."
    problems = caught.value.details["problems"]
    assert [(p["field"], p["message"]) for p in problems] == [
        ("title", "An item needs a title."), ("fee_cents", message)]
    assert problems[1]["template"] == message and problems[1]["params"] == {}


def test_covers():
    assert cat.covers(1, 3, 1) and cat.covers(1, 3, 3)
    assert not cat.covers(2, 3, 1) and not cat.covers(1, 3, 4)
