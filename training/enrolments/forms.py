"""Enrolment forms: shape and range checks only; the services decide the rest."""

from __future__ import annotations

from functools import cache

import pycountry
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import EmailField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

from training.accounts.forms import SPECIALTY_CHOICES, STRIP, country_choices
from training.core.forms import choices
from training.enrolments.rules import MAX_IMPORT_BYTES


@cache
def country_lookup() -> dict[str, str]:
    """Lower-cased codes and names of every country -> its ISO alpha-2 code."""
    lookup: dict[str, str] = {}
    for country in pycountry.countries:
        for name in ("alpha_2", "alpha_3", "name", "common_name", "official_name"):
            value = getattr(country, name, None)
            if value:
                lookup.setdefault(value.lower(), country.alpha_2)
    # Names people commonly write that the standard spells otherwise.
    for alias, code in {"uk": "GB", "england": "GB", "usa": "US", "the netherlands": "NL"}.items():
        lookup.setdefault(alias, code)
    return lookup


class EnrolForm(FlaskForm):
    submit = SubmitField(_l("Enrol"))


class CancelForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason (optional)"),
        filters=STRIP,
        validators=[Optional(), Length(max=1000)],
        description=_l("Helps the organizers; it is not shown to other trainees."),
    )
    submit = SubmitField(_l("Cancel my enrolment"))


class RemoveForm(FlaskForm):
    reason = StringField(
        "Reason",
        filters=STRIP,
        validators=[Optional(), Length(max=1000)],
        description="Sent to the trainee in the e-mail that tells them.",
    )
    submit = SubmitField("Remove")


class TraineeSearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    q = StringField(
        "Find a trainee",
        filters=STRIP,
        validators=[Optional(), Length(min=2, max=100)],
        description="Part of the name or e-mail address.",
    )


ATTENDANCE_FILTERS = (
    ("", "Any attendance"),
    ("at_risk", "At risk: below the attendance rule so far"),
    ("absent", "Marked absent at least once"),
    ("late", "Arrived late at least once"),
    ("excused", "Excused at least once"),
)


class RosterFilterForm(FlaskForm):
    """The roster's search and filters: a GET form, bookmarkable."""

    class Meta:
        csrf = False  # a GET search changes nothing

    q = StringField("Search", filters=STRIP, validators=[Optional(), Length(max=100)])
    # Choices: the workshop's stations, set by the view.
    station = SelectField("Station", validators=[Optional()])
    attendance = SelectField("Attendance", choices=choices(ATTENDANCE_FILTERS), validators=[Optional()])


class AddTraineeForm(FlaskForm):
    trainee_id = IntegerField(validators=[DataRequired(), NumberRange(min=1, max=2**31 - 1)])
    submit = SubmitField(_l("Enrol"))


class NewTraineeForm(FlaskForm):
    full_name = StringField(
        "Full name",
        filters=STRIP,
        validators=[DataRequired(), Length(min=2, max=200)],
        description="As it must appear on the certificate.",
    )
    email = EmailField(
        "E-mail",
        filters=STRIP,
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
        description="They receive an invitation to choose their password.",
    )
    specialty = SelectField("Specialty", choices=SPECIALTY_CHOICES, validators=[DataRequired()])
    country = SelectField("Country", validators=[DataRequired()])
    submit = SubmitField("Create the account and enrol")

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.country.choices = choices([("", "Choose a country"), *country_choices()])


class ImportForm(FlaskForm):
    file = FileField(
        "CSV file",
        validators=[FileRequired("Choose a CSV file.")],
        description=f"UTF-8, with the columns name, email, specialty, country; at most "
        f"{MAX_IMPORT_BYTES // 1024} KB.",
        render_kw={"accept": ".csv,text/csv"},
    )
    submit = SubmitField("Import")


class ConfirmForm(FlaskForm):
    submit = SubmitField("Confirm")
