"""Flask-WTF forms of the server-rendered pages.

Labels and messages are lazy: they are translated when a page is drawn, for its reader.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import render_template, request, session
from flask_babel import gettext, lazy_gettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from engine.costs import CURRENCIES, minor_units
from engine.levels import LEVELS, MAX_FEEDBACK, MAX_REPLY
from pwa.i18n import amount_text, parse_amount
from pwa.models.base import again_after_race

V = TypeVar("V", bound=Callable[..., Any])


def done_again_after_race(view: V) -> V:
    """A form's POST whose transaction PostgreSQL ended as a deadlock or a serialization
    failure (an author's publish, say, meeting a sync or the mentor assignment) is done
    again, whole, up to ``pwa.models.base.TRIES`` times in all, as the API's sync is: what
    the person typed is saved, not answered with a server error. Nothing of the lost try
    stays: its transaction is rolled back, its flashed messages are taken back and an
    uploaded file is read again from its start. Each page's unit of work reads what it
    needs, writes, commits, and only then acts outside the database (signs out, asks for
    jobs, answers); a race after its commit is not done again (``again_after_race``).

    If every try lost, nothing was saved and nothing typed is lost either: a 503 page
    says so and holds what was sent, ready to send again with one button (a file must
    be chosen again: a page cannot hold one).
    """

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if request.method != "POST":
            return view(*args, **kwargs)
        flashed = list(session.get("_flashes", []))

        def undo() -> None:
            if flashed:
                session["_flashes"] = list(flashed)
            else:
                session.pop("_flashes", None)
            for upload in request.files.values():
                upload.stream.seek(0)

        return again_after_race(lambda: view(*args, **kwargs), before_again=undo,
                                lost=_lost_race)

    wrapped.done_again_after_race = True  # type: ignore[attr-defined]
    return wrapped  # type: ignore[return-value]


def _lost_race() -> tuple[str, int]:
    """Every try lost a race: what was sent, on a page that sends it again."""
    return render_template(
        "lost_race.html", action=request.full_path.rstrip("?"),
        fields=list(request.form.items(multi=True)), files=sorted(request.files)), 503


class MoneyField(StringField):  # type: ignore[misc]
    """An amount of money typed as the reader writes numbers; its data is whole minor units.

    Empty is None. What is not an amount (or has finer decimals than cents) is this
    field's error; a negative or too large amount is left to the engine's rules, which
    say it once for the pages and for every other way in. What was typed is shown again.
    """

    EXAMPLE_CENTS = 2500

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("render_kw", {"inputmode": "decimal", "autocomplete": "off"})
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist: list[Any]) -> None:
        text = str(valuelist[0]).strip() if valuelist else ""
        self.data = None
        if not text:
            return
        try:
            cents = minor_units(parse_amount(text))
        except ValueError as exc:
            raise ValueError(gettext("Write an amount of money, such as %(example)s.",
                                     example=amount_text(self.EXAMPLE_CENTS))) from exc
        if cents is None:
            raise ValueError(gettext("Write the amount with at most two decimal places, such "
                                     "as %(example)s.", example=amount_text(self.EXAMPLE_CENTS)))
        self.data = cents

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        return amount_text(self.data) if self.data is not None else ""


class InviteForm(FlaskForm):  # type: ignore[misc]
    name = StringField(lazy_gettext("Full name"), validators=[DataRequired(), Length(max=120)])
    role = SelectField(lazy_gettext("Job role"), validators=[DataRequired()])
    ld_admin = BooleanField(lazy_gettext("Also an L&D admin"))
    days = IntegerField(lazy_gettext("Link works for (days)"), default=7,
                        validators=[DataRequired(), NumberRange(min=1, max=30)])


class RosterForm(FlaskForm):  # type: ignore[misc]
    file = FileField(lazy_gettext("CSV file from your HR system"), validators=[
        FileRequired(message=lazy_gettext("Choose a CSV file."))])


class ApplyRosterForm(FlaskForm):  # type: ignore[misc]
    """Apply exactly what was previewed: the fingerprint of the preview's decisions."""

    digest = HiddenField(validators=[DataRequired()])


class ReprintForm(FlaskForm):  # type: ignore[misc]
    """Reprint a site's invite sheet: new invites replace the old."""

    site = HiddenField(validators=[DataRequired(), Length(max=200)])


class SettingsForm(FlaskForm):  # type: ignore[misc]
    future_role = SelectField(lazy_gettext("Role you are aiming for (optional)"),
                              validators=[Optional()])
    time_zone = SelectField(lazy_gettext("Your time zone"), validators=[DataRequired()])
    language = SelectField(lazy_gettext("Language"), validators=[DataRequired()])


class ConfirmForm(FlaskForm):  # type: ignore[misc]
    """A button that changes something: only the CSRF token."""


class DeleteAccountForm(FlaskForm):  # type: ignore[misc]
    confirm = BooleanField(
        lazy_gettext(
            "I understand that my ratings, history and passkeys will be deleted for good."),
        validators=[DataRequired(message=lazy_gettext("Tick the box to confirm."))],
    )


LEVEL_CHOICES = {str(n): str(n) for n in LEVELS}


class FeedbackForm(FlaskForm):  # type: ignore[misc]
    competency = SelectField(lazy_gettext("About"), validators=[Optional()])
    kind = RadioField(lazy_gettext("What's wrong?"),
                      validators=[DataRequired(message=lazy_gettext("Choose one."))])
    text = TextAreaField(lazy_gettext("Tell the authors"), validators=[
        DataRequired(message=lazy_gettext("Write a few words about what should change.")),
        Length(max=MAX_FEEDBACK)])


class AnswerForm(FlaskForm):  # type: ignore[misc]
    reply = TextAreaField(lazy_gettext("Reply to the learner"), validators=[Length(max=MAX_REPLY)])


class RevisionForm(FlaskForm):  # type: ignore[misc]
    """A draft action based on the revision the author saw."""

    revision = HiddenField(validators=[DataRequired()])


class CompetencyForm(RevisionForm):
    name = StringField(lazy_gettext("Name"), validators=[DataRequired(), Length(max=120)])
    description = TextAreaField(lazy_gettext("Short description"), validators=[Length(max=500)])
    group = StringField(lazy_gettext("Group"), validators=[DataRequired(), Length(max=60)])
    target = SelectField(lazy_gettext("Target level for the role"), choices=LEVEL_CHOICES,
                         validators=[DataRequired()])
    importance = SelectField(lazy_gettext("Importance to the business (5 = most)"),
                             choices=LEVEL_CHOICES, validators=[DataRequired()])
    level_1 = TextAreaField(lazy_gettext("Level 1: just starting"), validators=[DataRequired()])
    level_2 = TextAreaField(lazy_gettext("Level 2"), validators=[DataRequired()])
    level_3 = TextAreaField(lazy_gettext("Level 3"), validators=[DataRequired()])
    level_4 = TextAreaField(lazy_gettext("Level 4"), validators=[DataRequired()])
    level_5 = TextAreaField(lazy_gettext("Level 5: coaches others"), validators=[DataRequired()])


class TranslationForm(FlaskForm):  # type: ignore[misc]
    """A competency's words in another language; any may stay empty (not translated yet)."""

    seen = HiddenField()  # when the translation the author started from was saved
    name = StringField(lazy_gettext("Name"), validators=[Length(max=120)])
    description = TextAreaField(lazy_gettext("Short description"), validators=[Length(max=500)],
                               render_kw={"rows": 4})
    group = StringField(lazy_gettext("Group"), validators=[Length(max=60)])
    level_1 = TextAreaField(lazy_gettext("Level 1"), validators=[Length(max=600)],
                            render_kw={"rows": 5})
    level_2 = TextAreaField(lazy_gettext("Level 2"), validators=[Length(max=600)],
                            render_kw={"rows": 5})
    level_3 = TextAreaField(lazy_gettext("Level 3"), validators=[Length(max=600)],
                            render_kw={"rows": 5})
    level_4 = TextAreaField(lazy_gettext("Level 4"), validators=[Length(max=600)],
                            render_kw={"rows": 5})
    level_5 = TextAreaField(lazy_gettext("Level 5"), validators=[Length(max=600)],
                            render_kw={"rows": 5})


class RoleTranslationForm(FlaskForm):  # type: ignore[misc]
    """A role's name and short description in another language; either may stay empty."""

    seen = HiddenField()  # when the translation the author started from was saved
    name = StringField(lazy_gettext("Role name"), validators=[Length(max=120)])
    description = TextAreaField(lazy_gettext("Short description"),
                                validators=[Length(max=1000)], render_kw={"rows": 4})


class PublishForm(RevisionForm):
    summary = TextAreaField(lazy_gettext("What changed, for learners to read"), validators=[
        DataRequired(message=lazy_gettext("Say in a sentence what changed.")), Length(max=1000)])


class NominateForm(FlaskForm):  # type: ignore[misc]
    person = SelectField(lazy_gettext("Nominate an author"), validators=[DataRequired()])


class ItemForm(FlaskForm):  # type: ignore[misc]
    title = StringField(lazy_gettext("Title"), validators=[DataRequired(), Length(max=160)])
    format = SelectField(lazy_gettext("Format"), validators=[DataRequired()])
    summary = TextAreaField(lazy_gettext("Summary"), validators=[Length(max=1000)])
    duration_minutes = IntegerField(lazy_gettext("Duration (minutes)"), validators=[
        DataRequired(), NumberRange(min=1, max=43200)])
    language = StringField(lazy_gettext("Language"), default="en",
                           validators=[DataRequired(), Length(max=16)])
    level_from = SelectField(lazy_gettext("Suits from level"), choices=LEVEL_CHOICES, default="1")
    level_to = SelectField(lazy_gettext("Suits up to level"), choices=LEVEL_CHOICES, default="5")
    competencies = SelectMultipleField(lazy_gettext("Competencies it develops"), validators=[
        DataRequired(message=lazy_gettext("Choose at least one competency."))])
    offline = BooleanField(lazy_gettext("Works offline (on the phone, no signal needed)"))
    url = StringField(lazy_gettext("Link (optional)"), validators=[Optional(), Length(max=500)])
    fee = MoneyField(lazy_gettext("Fee (optional)"))
    cards = TextAreaField(lazy_gettext("Cards (micro-lessons)"), render_kw={"rows": 12})
    questions = TextAreaField(lazy_gettext("Questions (micro-lessons)"), render_kw={"rows": 12})


class CostsForm(FlaskForm):  # type: ignore[misc]
    hourly_cost = MoneyField(lazy_gettext("Hourly cost of a learner's time (optional)"))
    currency = SelectField(lazy_gettext("Currency"), choices=list(CURRENCIES),
                           validators=[DataRequired()])


class ProfileImportForm(FlaskForm):  # type: ignore[misc]
    """A file of another system's competencies, its format and the role it becomes a draft of."""

    file = FileField(lazy_gettext("File"), validators=[
        FileRequired(message=lazy_gettext("Choose a file."))])
    format = SelectField(lazy_gettext("Format"), validators=[DataRequired()])
    role = SelectField(lazy_gettext("Job role"), validators=[DataRequired()])


class ProfileDraftForm(FlaskForm):  # type: ignore[misc]
    """Create the draft the preview showed: the same file (base64), format and role."""

    content = HiddenField(validators=[DataRequired()])
    format = HiddenField(validators=[DataRequired()])
    role = HiddenField(validators=[DataRequired()])
