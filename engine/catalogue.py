"""Rules of catalogue learning items and their micro-lesson content."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from engine.costs import fee_problems
from engine.errors import N_, InvalidInput
from engine.errors import problem as problem_entry


class Format(StrEnum):
    MICRO_LESSON = "micro_lesson"
    COURSE = "course"
    CLASSROOM = "classroom"
    GROUP_PROJECT = "group_project"
    BOOK_STUDY = "book_study"
    ON_THE_JOB = "on_the_job"
    PEER_SESSION = "peer_session"
    SUPERVISOR_INSTRUCTION = "supervisor_instruction"


# Labels are English templates; pages translate them where they are shown.
FORMAT_LABELS = {
    Format.MICRO_LESSON: N_("Micro-lesson"),
    Format.COURSE: N_("Course"),
    Format.CLASSROOM: N_("Classroom"),
    Format.GROUP_PROJECT: N_("Group project"),
    Format.BOOK_STUDY: N_("Book study"),
    Format.ON_THE_JOB: N_("On the job"),
    Format.PEER_SESSION: N_("Peer session"),
    Format.SUPERVISOR_INSTRUCTION: N_("Supervisor instruction"),
}


class QuestionKind(StrEnum):
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    TRUE_FALSE = "true_false"


MAX_MINUTES = 60 * 24 * 30
MAX_TITLE = 160


@dataclass(frozen=True)
class Card:
    text: str
    image: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "image": self.image}


@dataclass(frozen=True)
class Question:
    kind: str
    prompt: str
    options: tuple[str, ...]
    correct: tuple[int, ...]
    explanation: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "prompt": self.prompt, "options": list(self.options),
                "correct": list(self.correct), "explanation": self.explanation}


@dataclass(frozen=True)
class ItemContent:
    """Everything an item revision says; what ``validate`` checks.

    ``fee_cents`` is what the item costs the organisation per learner, in minor units
    of its currency (0: nothing to pay, as for a micro-lesson).
    """

    title: str
    format: str
    duration_minutes: int
    language: str
    level_from: int
    level_to: int
    competency_keys: tuple[str, ...]
    offline: bool = False
    url: str | None = None
    summary: str = ""
    cards: tuple[Card, ...] = field(default=())
    questions: tuple[Question, ...] = field(default=())
    fee_cents: int = 0


def validate(item: ItemContent) -> None:
    """Refuse an item that breaks a rule; all problems are listed in ``details``."""
    problems: list[dict[str, Any]] = []

    def problem(field_name: str, template: str, **params: Any) -> None:
        problems.append(problem_entry(field_name, template, **params))

    if not item.title.strip():
        problem("title", N_("An item needs a title."))
    elif len(item.title) > MAX_TITLE:
        problem("title", N_("A title can be at most %(limit)s characters."), limit=MAX_TITLE)
    if item.format not in {f.value for f in Format}:
        problem("format", N_("'%(format)s' is not a format. Use one of: %(formats)s."),
                format=item.format, formats=", ".join(f.value for f in Format))
    if not _whole(item.duration_minutes) or not 1 <= item.duration_minutes <= MAX_MINUTES:
        problem("duration_minutes", N_("The duration is a whole number of minutes, at least 1."))
    for name in ("level_from", "level_to"):
        if not _whole(getattr(item, name)) or not 1 <= getattr(item, name) <= 5:
            problem(name, N_("Levels are whole numbers from 1 to 5."))
    if _whole(item.level_from) and _whole(item.level_to) and item.level_from > item.level_to:
        problem("level_to", N_("The level range must run from low to high."))
    for template in fee_problems(item.fee_cents):
        problem("fee_cents", template)
    if not item.competency_keys:
        problem("competencies", N_("Choose at least one competency this item develops."))
    if item.url is not None and not item.url.startswith(("https://", "http://")):
        problem("url", N_("A link must start with https:// or http://."))
    if item.format == Format.MICRO_LESSON:
        if not item.cards:
            problem("cards", N_("A micro-lesson needs at least one card."))
        if not item.questions:
            problem("questions", N_("A micro-lesson needs at least one question."))
    for i, card in enumerate(item.cards, start=1):
        if not card.text.strip():
            problem(f"cards.{i}", N_("Card %(number)s has no text."), number=i)
    for i, question in enumerate(item.questions, start=1):
        for template in _question_problems(question):
            problem(f"questions.{i}", template, number=i, kind=question.kind)
    if problems:
        raise InvalidInput(N_("This item has problems to fix before it can be saved."),
                           {"problems": problems})


def _question_problems(q: Question) -> list[str]:
    """Templates (with ``%(number)s``, and ``%(kind)s`` where it matters) of what is wrong."""
    found = []
    if q.kind not in {k.value for k in QuestionKind}:
        return [N_("Question %(number)s: '%(kind)s' is not a question kind.")]
    if not q.prompt.strip():
        found.append(N_("Question %(number)s: it has no question text."))
    if q.kind == QuestionKind.TRUE_FALSE and list(q.options) != ["True", "False"]:
        found.append(N_("Question %(number)s: a true/false question has the options True "
                        "and False."))
    if len(q.options) < 2:
        found.append(N_("Question %(number)s: it needs at least two options."))
    if any(not o.strip() for o in q.options):
        found.append(N_("Question %(number)s: an option is empty."))
    if len(set(q.correct)) != len(q.correct) or \
            any(not _whole(c) or not 0 <= c < len(q.options) for c in q.correct):
        found.append(N_("Question %(number)s: a correct answer points at no option."))
    elif q.kind == QuestionKind.MULTIPLE_CHOICE:
        if len(q.correct) < 1:
            found.append(N_("Question %(number)s: mark at least one correct option."))
    elif len(q.correct) != 1:
        found.append(N_("Question %(number)s: mark exactly one correct option."))
    return found


def covers(level_from: int, level_to: int, level: int) -> bool:
    """Whether an item for levels ``level_from``..``level_to`` suits someone at ``level``."""
    return level_from <= level <= level_to


def cards_from(data: Sequence[dict[str, Any]]) -> tuple[Card, ...]:
    return tuple(Card(str(c.get("text", "")), c.get("image")) for c in data)


def questions_from(data: Sequence[dict[str, Any]]) -> tuple[Question, ...]:
    return tuple(
        Question(str(q.get("kind", "")), str(q.get("prompt", "")),
                 tuple(str(o) for o in q.get("options", [])), tuple(q.get("correct", [])),
                 str(q.get("explanation", "")))
        for q in data
    )


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def parse_cards(text: str) -> tuple[Card, ...]:
    """Cards written one after another, separated by a line holding only ``---``."""
    blocks = [b.strip() for b in _split_blocks(text)]
    return tuple(Card(b) for b in blocks if b)


def format_cards(cards: Sequence[Card]) -> str:
    return "\n---\n".join(c.text for c in cards)


def parse_questions(text: str) -> tuple[Question, ...]:
    """Questions in a small plain-text form that is easy to type on a phone.

    Each question is a block (blocks separated by ``---``)::

        ? What do you do first if you smell smoke?
        - Finish serving the customer
        * Raise the alarm
        > The alarm comes first: it gets everyone moving.

    ``?`` is the question, ``*`` a correct option, ``-`` another option, ``>`` the
    explanation. Options True and False make a true/false question; two or more
    correct options make a multiple-choice one.
    """
    questions = []
    for number, block in enumerate((b for b in _split_blocks(text) if b.strip()), start=1):
        prompt = ""
        options: list[str] = []
        correct: list[int] = []
        explanation: list[str] = []
        for raw in block.splitlines():
            line = raw.strip()
            if not line:
                continue
            mark, rest = line[0], line[1:].strip()
            if mark == "?":
                prompt = f"{prompt} {rest}".strip()
            elif mark in "*-":
                if mark == "*":
                    correct.append(len(options))
                options.append(rest)
            elif mark == ">":
                explanation.append(rest)
            else:
                raise InvalidInput(
                    N_("Question %(number)s: start each line with ?, *, - or > "
                       "(not “%(line)s”)."),
                    {"field": "questions"}, number=number, line=line[:30])
        if options in (["True", "False"], ["False", "True"]):
            kind = QuestionKind.TRUE_FALSE
            if options[0] == "False":
                options, correct = ["True", "False"], [1 - c for c in correct]
        else:
            kind = QuestionKind.MULTIPLE_CHOICE if len(correct) > 1 else QuestionKind.SINGLE_CHOICE
        questions.append(Question(kind.value, prompt, tuple(options), tuple(correct),
                                  " ".join(explanation)))
    return tuple(questions)


def format_questions(questions: Sequence[Question]) -> str:
    blocks = []
    for q in questions:
        lines = [f"? {q.prompt}"]
        lines += [("* " if i in q.correct else "- ") + o for i, o in enumerate(q.options)]
        if q.explanation:
            lines.append(f"> {q.explanation}")
        blocks.append("\n".join(lines))
    return "\n---\n".join(blocks)


def _split_blocks(text: str) -> list[str]:
    blocks: list[str] = []
    current: list[str] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        if line.strip() == "---":
            blocks.append("\n".join(current))
            current = []
        else:
            current.append(line)
    blocks.append("\n".join(current))
    return blocks
