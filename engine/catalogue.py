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


# Translations ------------------------------------------------------------------------------
#
# A translation is an item revision's words in another language, part by part: ``title``,
# ``summary``, ``cards.<n>`` (a card's text) and ``questions.<n>`` (a question's prompt,
# options and explanation, one part: its answer key points at its options by place). Each
# translated part remembers the original it was made from; when the original of a part is
# no longer that, the part is out of date, and learners read the original instead.

MISSING, OUTDATED, CURRENT = "missing", "outdated", "current"


def language_of(tag: str | None) -> str:
    """The language subtag of a locale: ``es-MX`` → ``es``; none → ``en``."""
    return (tag or "en").replace("_", "-").split("-")[0].lower() or "en"


def original_parts(title: str, summary: str, cards: Sequence[dict[str, Any]],
                   questions: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Each part of a revision that can be translated, with its original words, in order.

    A question's part holds its kind and answer key too: a changed key changes what its
    words mean, so its translation is out of date as well. No summary, no summary part.
    """
    parts: dict[str, Any] = {"title": title}
    if summary:
        parts["summary"] = summary
    for n, card in enumerate(cards):
        parts[f"cards.{n}"] = str(card.get("text", ""))
    for n, q in enumerate(questions):
        parts[f"questions.{n}"] = {
            "kind": q.get("kind"), "prompt": q.get("prompt", ""),
            "options": list(q.get("options", [])), "correct": list(q.get("correct", [])),
            "explanation": q.get("explanation", "")}
    return parts


def complete(original: Any, translated: Any) -> bool:
    """Whether ``translated`` says all that the part ``original`` says.

    A question needs its prompt, one option for each of the original's (a true/false
    question's options are the app's own words), and an explanation if it has one.
    """
    if isinstance(original, str):
        return isinstance(translated, str) and bool(translated.strip())
    if not isinstance(translated, dict) or not str(translated.get("prompt", "")).strip():
        return False
    if original.get("explanation") and not str(translated.get("explanation", "")).strip():
        return False
    if original.get("kind") == QuestionKind.TRUE_FALSE:
        return True
    options = translated.get("options") or []
    return len(options) == len(original["options"]) and all(str(o).strip() for o in options)


def translation_status(original: dict[str, Any], translated: dict[str, Any],
                       source: dict[str, Any]) -> dict[str, str]:
    """Each part of ``original`` (:func:`original_parts`): ``missing`` (not translated, or
    not all of it), ``outdated`` (translated from words the original no longer has) or
    ``current``."""
    return {part: MISSING if not complete(words, translated.get(part))
            else OUTDATED if source.get(part) != words else CURRENT
            for part, words in original.items()}


def translation_problems(original: dict[str, Any], translated: dict[str, Any]) -> None:
    """Refuse a translation that cannot stand beside its original; all problems listed."""
    problems: list[dict[str, Any]] = []
    title = translated.get("title")
    if isinstance(title, str) and len(title) > MAX_TITLE:
        problems.append(problem_entry("title", N_("A title can be at most %(limit)s "
                                                  "characters."), limit=MAX_TITLE))
    for part in translated:
        if part not in original:
            problems.append(problem_entry(part, N_("The original has no part “%(part)s” to "
                                                   "translate."), part=part))
    for part, words in translated.items():
        if not isinstance(words, dict) or part not in original:
            continue
        options = words.get("options") or []
        wanted = original[part]["options"]
        if original[part].get("kind") != QuestionKind.TRUE_FALSE and options and \
                len(options) != len(wanted):
            problems.append(problem_entry(
                part, N_("Question %(number)s: translate each of its %(count)s options, in "
                         "their order."), number=int(part.split(".")[1]) + 1,
                count=len(wanted)))
    if problems:
        raise InvalidInput(N_("This translation has problems to fix before it can be saved."),
                           {"problems": problems})


def shown_in(content: dict[str, Any], translated: dict[str, Any],
             status: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
    """``content`` (an item's title, summary, cards and questions) with each current part
    in its translation, and the parts left in the original's words.

    A question keeps its kind and answer key; only its words change.
    """
    out = dict(content)
    out["cards"] = [dict(c) for c in content.get("cards", [])]
    out["questions"] = [dict(q) for q in content.get("questions", [])]
    original = []
    for part, state in status.items():
        if state != CURRENT:
            original.append(part)
            continue
        words = translated[part]
        if part in ("title", "summary"):
            out[part] = words
        elif part.startswith("cards."):
            out["cards"][int(part.split(".")[1])]["text"] = words
        else:
            q = out["questions"][int(part.split(".")[1])]
            q["prompt"] = words["prompt"]
            q["explanation"] = words.get("explanation", "")
            if q.get("kind") != QuestionKind.TRUE_FALSE:
                q["options"] = list(words["options"])
    return out, original
