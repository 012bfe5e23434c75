"""Flask-WTF forms of the server-rendered pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional


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
