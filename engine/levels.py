"""The shared 1-5 scale and the limits every layer uses; the client gets them in the bootstrap.

One place for each number, so a form, an event rule, the API schema and the
phone can never disagree about how long a note may be or what a level is.
"""

from __future__ import annotations

from typing import Any, TypeGuard

from engine.errors import N_

LEVEL_MIN = 1
LEVEL_MAX = 5
LEVELS = tuple(range(LEVEL_MIN, LEVEL_MAX + 1))

# Ids, version and revision numbers live in 32-bit columns: a larger number names nothing.
MAX_NUMBER = 2**31 - 1

MAX_NOTE = 1000
MAX_FEEDBACK = 2000
MAX_REPLY = 2000

# What a learner can say is wrong with a profile: the kind and its label (an English
# template that pages translate where they show it).
FEEDBACK_KINDS: dict[str, str] = {
    "outdated": N_("Outdated"),
    "unclear": N_("Unclear"),
    "missing": N_("Something is missing"),
    "other": N_("Other"),
}


def is_level(value: object) -> TypeGuard[int]:
    """A whole number on the scale (``True`` is not a level)."""
    if not isinstance(value, int) or isinstance(value, bool):
        return False
    return LEVEL_MIN <= value <= LEVEL_MAX


def limits() -> dict[str, Any]:
    """The scale and limits as the phone receives them in the bootstrap bundle."""
    return {
        "level_min": LEVEL_MIN,
        "level_max": LEVEL_MAX,
        "max_note": MAX_NOTE,
        "max_feedback": MAX_FEEDBACK,
        "feedback_kinds": list(FEEDBACK_KINDS),
    }
