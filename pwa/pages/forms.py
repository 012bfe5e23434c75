"""Flask-WTF forms of the server-rendered pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
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

from engine.levels import LEVELS, MAX_FEEDBACK, MAX_REPLY


class InviteForm(FlaskForm):  # type: ignore[misc]
    name = StringField("Full name", validators=[DataRequired(), Length(max=120)])
    role = SelectField("Job role", validators=[DataRequired()])
    ld_admin = BooleanField("Also an L&D admin")
    days = IntegerField("Link works for (days)", default=7,
                        validators=[DataRequired(), NumberRange(min=1, max=30)])


class SettingsForm(FlaskForm):  # type: ignore[misc]
    future_role = SelectField("Role you are aiming for (optional)", validators=[Optional()])
    time_zone = SelectField("Your time zone", validators=[DataRequired()])
    locale = StringField("Language", validators=[DataRequired(), Length(max=16)])


class ConfirmForm(FlaskForm):  # type: ignore[misc]
    """A button that changes something: only the CSRF token."""


class DeleteAccountForm(FlaskForm):  # type: ignore[misc]
    confirm = BooleanField(
        "I understand that my ratings, history and passkeys will be deleted for good.",
        validators=[DataRequired(message="Tick the box to confirm.")],
    )


LEVEL_CHOICES = {str(n): str(n) for n in LEVELS}


class FeedbackForm(FlaskForm):  # type: ignore[misc]
    competency = SelectField("About", validators=[Optional()])
    kind = RadioField("What's wrong?", validators=[DataRequired(message="Choose one.")])
    text = TextAreaField("Tell the authors", validators=[
        DataRequired(message="Write a few words about what should change."),
        Length(max=MAX_FEEDBACK)])


class AnswerForm(FlaskForm):  # type: ignore[misc]
    reply = TextAreaField("Reply to the learner", validators=[Length(max=MAX_REPLY)])


class RevisionForm(FlaskForm):  # type: ignore[misc]
    """A draft action based on the revision the author saw."""

    revision = HiddenField(validators=[DataRequired()])


class CompetencyForm(RevisionForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    description = TextAreaField("Short description", validators=[Length(max=500)])
    group = StringField("Group", validators=[DataRequired(), Length(max=60)])
    target = SelectField("Target level for the role", choices=LEVEL_CHOICES,
                         validators=[DataRequired()])
    importance = SelectField("Importance to the business (5 = most)", choices=LEVEL_CHOICES,
                             validators=[DataRequired()])
    level_1 = TextAreaField("Level 1: just starting", validators=[DataRequired()])
    level_2 = TextAreaField("Level 2", validators=[DataRequired()])
    level_3 = TextAreaField("Level 3", validators=[DataRequired()])
    level_4 = TextAreaField("Level 4", validators=[DataRequired()])
    level_5 = TextAreaField("Level 5: coaches others", validators=[DataRequired()])


class PublishForm(RevisionForm):
    summary = TextAreaField("What changed, for learners to read", validators=[
        DataRequired(message="Say in a sentence what changed."), Length(max=1000)])


class NominateForm(FlaskForm):  # type: ignore[misc]
    person = SelectField("Nominate an author", validators=[DataRequired()])


class ItemForm(FlaskForm):  # type: ignore[misc]
    title = StringField("Title", validators=[DataRequired(), Length(max=160)])
    format = SelectField("Format", validators=[DataRequired()])
    summary = TextAreaField("Summary", validators=[Length(max=1000)])
    duration_minutes = IntegerField("Duration (minutes)", validators=[
        DataRequired(), NumberRange(min=1, max=43200)])
    language = StringField("Language", default="en", validators=[DataRequired(), Length(max=16)])
    level_from = SelectField("Suits from level", choices=LEVEL_CHOICES, default="1")
    level_to = SelectField("to level", choices=LEVEL_CHOICES, default="5")
    competencies = SelectMultipleField("Competencies it develops", validators=[
        DataRequired(message="Choose at least one competency.")])
    offline = BooleanField("Works offline (on the phone, no signal needed)")
    url = StringField("Link (optional)", validators=[Optional(), Length(max=500)])
    cards = TextAreaField("Cards (micro-lessons)", render_kw={"rows": 12})
    questions = TextAreaField("Questions (micro-lessons)", render_kw={"rows": 12})
