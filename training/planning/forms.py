"""Planning forms: shape and range checks only; the services decide the rest."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, Optional

from training.workshops.forms import STRIP, plausible_year


class CopyWorkshopForm(FlaskForm):
    starts_on = DateField(
        "First day of the new edition",
        validators=[InputRequired(message="Give the first day of the new edition."), plausible_year],
        description="Every session moves by the same number of days and keeps its clock time at the venue.",
    )
    title = StringField(
        "Title",
        filters=STRIP,
        validators=[Optional(), Length(max=200)],
        description="Leave empty to keep the same title.",
    )
    venue_name = StringField(
        "Venue",
        filters=STRIP,
        validators=[Optional(), Length(max=200)],
        description="Leave empty to keep the same venue (same city and time zone).",
    )
    submit = SubmitField("Create the draft copy")
