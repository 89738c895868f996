"""Attendance forms: shape and range checks only."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from wtforms import DecimalField, IntegerField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, StopValidation

from training.attendance.models import AttendanceStatus, ExcusedPolicy
from training.core.forms import choices


def finite(form: FlaskForm, field: DecimalField) -> None:
    # "NaN" and "Infinity" parse as decimals but cannot be compared with a range.
    if field.data is not None and not Decimal(field.data).is_finite():
        raise StopValidation("Give a number.")


class MarkForm(FlaskForm):
    """One trainee's row in the roll call: the pressed button carries the status."""

    status = SelectField(
        "Status",
        choices=choices((s.value, s.label) for s in AttendanceStatus),
        validators=[DataRequired("Choose present, late, absent or excused.")],
    )
    note = StringField("Note", validators=[Optional(), Length(max=500)])
    # Outside roll call (before it opens, after the session) an organizer corrects with a reason.
    reason = StringField("Reason for the correction", validators=[Optional(), Length(max=500)])


class ConfirmForm(FlaskForm):
    """A button only: the CSRF token is what it carries."""


class CodeForm(FlaskForm):
    code = StringField(
        lazy_gettext("Check-in code"),
        validators=[
            DataRequired(lazy_gettext("Type the six digits shown beside the QR code.")),
            Length(max=20),
        ],
        description=lazy_gettext(
            "The six digits shown beside the QR code on the screen; they change every 45 seconds."
        ),
        render_kw={"inputmode": "numeric", "autocomplete": "one-time-code", "autofocus": True},
    )


class SettingsForm(FlaskForm):
    min_percent = DecimalField(
        "Minimum attendance (% of scheduled minutes)",
        places=2,
        validators=[InputRequired(), finite, NumberRange(0, 100, "Give a percentage from 0 to 100.")],
        description="Counted on the minutes of the sessions (breaks and cancelled sessions excluded).",
    )
    excused_policy = RadioField(
        "Excused absences",
        choices=choices((p.value, p.label) for p in ExcusedPolicy),
        validators=[InputRequired("Choose how excused absences count.")],
    )
    late_grace_minutes = IntegerField(
        "Grace period for late arrivals (minutes)",
        validators=[InputRequired(), NumberRange(0, 120, "Give a number of minutes from 0 to 120.")],
        description="A trainee who checks in later than this after the start is marked late.",
    )
