"""Language tags: the languages a mentor speaks and a learner can learn in.

One rule for every list of languages, so that an offer's and a learner's are
written alike (``en``, ``es-MX``, ``pt-BR``: the language in lower case, a
region in upper case) and compared alike, by primary language subtag: someone
who speaks ``en-US`` can talk with someone who speaks ``en``.

The check is BCP 47 in shape only (a 2 or 3 letter language, then subtags of 1
to 8 letters or digits); which languages exist is for the phone's
``Intl.DisplayNames`` to name, not for the server to know.
"""

from __future__ import annotations

import re

from engine.errors import N_
from engine.sync import Refused

MAX_TAG = 35  # the longest tag anyone needs, with room for a script and a variant

# ASCII only, matched whole (``$`` would let a trailing newline through).
_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")


def language(tag: str) -> str:
    """The primary language subtag of a BCP 47 tag: what two people must share to talk."""
    return tag.split("-", 1)[0].lower()


def tag(value: object) -> str:
    """``value`` as a normalised tag (``ES-mx`` -> ``es-MX``), or refused with a reason that
    quotes it when it is short, printable text (what a person typed), else describes it."""
    if isinstance(value, str) and len(value) <= MAX_TAG and _TAG.fullmatch(value):
        first, *rest = value.split("-")
        return "-".join([first.lower(), *(p.upper() if len(p) == 2 else p for p in rest)])
    if isinstance(value, str) and len(value) > MAX_TAG:
        raise Refused("invalid_data", N_(
            "A language tag is at most %(limit)s characters, such as 'en' or 'pt-BR'."),
            limit=MAX_TAG)
    if isinstance(value, str) and value.isprintable() and value.strip():
        raise Refused("invalid_data", N_(
            "'%(tag)s' is not a language tag such as 'en', 'es' or 'pt-BR'."), tag=value)
    raise Refused("invalid_data", N_("A language is a tag such as 'en', 'es' or 'pt-BR'."))
