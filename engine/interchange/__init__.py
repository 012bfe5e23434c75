"""Success Profiles to and from other systems' formats: pure mappings, no I/O.

Each format is one module (``case`` for 1EdTech CASE 1.1, ``moodle`` for the CSV of
Moodle's ``tool_lpimportcsv``) with the same two halves:

- ``read(data: bytes) -> Reading``: what a file says, as the competencies of a draft
  profile, with a :class:`Note` for everything that did not map (never dropped silently)
  and for every deviation that was read anyway. A file that cannot be read at all raises
  :class:`Unreadable` with the reason; nothing is half-created from it.
- ``write(profile: Written) -> bytes``: a published version in that format.

A reading becomes a *draft* that the role's authors review, edit and publish: an import
never publishes and never touches a published version. Self-ratings, plans and anything
else personal never enter or leave through these modules: they see profiles only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.errors import N_, InvalidInput, render, render_count
from engine.profiles import Competency

UNSET = 0
"""What stands in for a target or importance a file does not give: not a level, so the
rules refuse to publish the draft until its authors set one."""


AS_IN_FILE = "%(text)s"  # a place named in the file's own words: shown as it is


@dataclass(frozen=True)
class Place:
    """Where in a file a note points: in the file's own words (an identifier, a JSON
    path; :func:`place`), or in ours, as an ``N_`` template and its params ("line
    %(line)s"), which the page translates as it does the note."""

    template: str
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The place in English, as logs and the command line show it."""
        return render(self.template, self.params)


def place(where: str | Place) -> Place:
    """``where`` as a :class:`Place`: a string is the file's own words."""
    return where if isinstance(where, Place) else Place(AS_IN_FILE, {"text": where})


def line(number: int) -> Place:
    """A line of a CSV file."""
    return Place(N_("line %(line)s"), {"line": number})


FILE = Place(N_("file"))
FRAMEWORK = Place(N_("framework"))
PACKAGE = Place(N_("package"))
ID_NUMBERS = Place(N_("ID numbers"))


@dataclass(frozen=True)
class Note:
    """Something in a file that did not map, or that was read despite a deviation.

    ``where`` says where in the file (a line number, an identifier) in English; ``places``
    says the same, place by place (:class:`Place`), for a page to show in its language.
    ``what`` says what happened to it, as a translatable template marked with ``N_``
    (``"“%(name)s” has no target level: set one."``) and its ``params``, like the
    engine's errors: the page translates it into its reader's language, and
    :attr:`text` is the English. A note whose words depend on ``params["count"]`` also
    has its ``plural`` template (the pair is marked with ``N_plural``).
    """

    where: str
    what: str
    params: Mapping[str, Any] = field(default_factory=dict)
    plural: str = ""
    places: tuple[Place, ...] = ()  # ``where``, place by place, for the page to translate

    @property
    def template(self) -> str:
        """``what``, by the name translation reads a message's template under."""
        return self.what

    @property
    def text(self) -> str:
        """The note in English, as logs and the command line show it."""
        if self.plural:
            return render_count(self.what, self.plural, self.params)
        return render(self.what, self.params)


@dataclass(frozen=True)
class Reading:
    """What a file holds, as a draft's competencies, in the file's order.

    Where the file does not give a competency's descriptors, target or importance, a
    note says so; empty descriptors and :data:`UNSET` stand in for them, which the
    rules refuse to publish: the authors complete the draft first.
    """

    title: str
    competencies: tuple[Competency, ...]
    notes: tuple[Note, ...]


@dataclass(frozen=True)
class Written:
    """A published version as the writers need it."""

    role: str
    number: int
    summary: str
    published_at: str  # ISO 8601, UTC
    competencies: tuple[Competency, ...]
    identifier: str  # a stable id for the profile (the organisation's and the role's)


class Unreadable(InvalidInput):
    """A file that cannot be read as its format at all: not JSON, not the CSV's columns."""

    code = "unreadable_file"
