"""Workshop forms: shape and range checks only; the services decide the rest."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    DecimalField,
    EmailField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
    widgets,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
    ValidationError,
)

from training.accounts.forms import country_choices
from training.core.forms import choices, optional_int
from training.workshops.models import DEFAULT_CME_DAILY_CAP, Duty, PrerequisitePolicy, SessionKind
from training.workshops.rules import MAX_CAPACITY, timezone_problem


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


STRIP = [_strip]


FIRST_YEAR, LAST_YEAR = 2000, 2100


def plausible_year(form: FlaskForm, field: DateField) -> None:
    if field.data is not None and not FIRST_YEAR <= field.data.year <= LAST_YEAR:
        raise StopValidation(f"Give a date between {FIRST_YEAR} and {LAST_YEAR}.")


def finite(form: FlaskForm, field: DecimalField) -> None:
    # Decimal("NaN") would make the range check itself fail.
    if field.data is not None and not field.data.is_finite():
        raise StopValidation("Give a number.")


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


POLICY_LABELS = {
    PrerequisitePolicy.OFF: "Off: prerequisites are not checked",
    PrerequisitePolicy.WARN: "Warn: trainees are told what is missing but may enrol",
    PrerequisitePolicy.REQUIRED: "Required: enrolment is refused, naming the missing module",
}


class WorkshopForm(FlaskForm):
    title = StringField("Title", filters=STRIP, validators=[DataRequired(), Length(max=200)])
    description = TextAreaField("Description", filters=STRIP, validators=[Length(max=10_000)])
    curriculum_version_id = SelectField(
        "Curriculum version", coerce=optional_int, validators=[DataRequired("Choose a curriculum version.")]
    )
    module_ids = MultiCheckboxField(
        "Modules covered", coerce=int, description="Modules of the chosen curriculum version."
    )
    venue_name = StringField("Venue", filters=STRIP, validators=[DataRequired(), Length(max=200)])
    venue_address = StringField("Address", filters=STRIP, validators=[Length(max=300)])
    city = StringField("City", filters=STRIP, validators=[DataRequired(), Length(max=100)])
    country = SelectField("Country", choices=choices([("", "Choose a country"), *country_choices()]))
    timezone = StringField(
        "Venue time zone",
        filters=STRIP,
        validators=[DataRequired(), Length(max=64)],
        description="IANA name, e.g. Europe/Rome. Session times are entered and shown in this zone.",
        render_kw={"list": "timezones", "autocomplete": "off"},
    )
    starts_on = DateField("First day", validators=[InputRequired(), plausible_year])
    ends_on = DateField("Last day", validators=[InputRequired(), plausible_year])
    capacity = IntegerField(
        "Capacity (seats)",
        validators=[InputRequired(), NumberRange(min=0, max=MAX_CAPACITY)],
        description="It cannot go below the number of confirmed trainees.",
    )
    enrolment_opens_at = DateTimeLocalField(
        "Enrolment opens", validators=[Optional(), plausible_year], description="Venue time. Empty: open now."
    )
    enrolment_closes_at = DateTimeLocalField(
        "Enrolment closes",
        validators=[Optional(), plausible_year],
        description="Venue time. Empty: until the workshop starts.",
    )
    cme_accreditor = StringField(
        "Accrediting body",
        filters=STRIP,
        validators=[Optional(), Length(max=200)],
        description="E.g. EACCME. Leave the accreditation fields empty when the workshop is not accredited: "
        "its certificates then state the hours attended only.",
    )
    cme_statement = TextAreaField(
        "Accreditation statement",
        filters=STRIP,
        validators=[Optional(), Length(max=2000)],
        description="Printed on each certificate of attendance, word for word.",
        render_kw={"rows": 3},
    )
    cme_designated_credits = DecimalField(
        "Credits designated",
        places=2,
        validators=[Optional(), finite, NumberRange(min=0.25, max=999.99)],
        description="As the accreditor designated them; never more than the scheduled educational hours.",
    )
    cme_daily_cap = DecimalField(
        "Credit cap per day",
        places=2,
        default=DEFAULT_CME_DAILY_CAP,
        validators=[InputRequired(), finite, NumberRange(min=0.25, max=24)],
        description="Nobody earns more credit on one day (EACCME: 6).",
    )
    prerequisite_policy = SelectField(
        "Prerequisites",
        choices=choices((policy.value, label) for policy, label in POLICY_LABELS.items()),
        default=PrerequisitePolicy.OFF.value,
    )
    submit = SubmitField("Save")

    def validate_timezone(self, field: StringField) -> None:
        if problem := timezone_problem(field.data or ""):
            raise ValidationError(problem)

    def validate_country(self, field: SelectField) -> None:
        if not field.data:
            raise ValidationError("Choose the venue's country.")


class CancelWorkshopForm(FlaskForm):
    reason = TextAreaField(
        "Why is the workshop cancelled?",
        filters=STRIP,
        validators=[DataRequired(message="Say why: confirmed trainees are told."), Length(max=2000)],
    )
    submit = SubmitField("Cancel the workshop")


class StaffForm(FlaskForm):
    email = EmailField(
        "E-mail address",
        filters=STRIP,
        validators=[DataRequired(), Length(max=254)],
    )
    duty = SelectField("Duty", choices=choices((duty.value, duty.label) for duty in Duty))
    submit = SubmitField("Add to the staff")


class FacultyProfileForm(FlaskForm):
    biography = TextAreaField(
        "Biography",
        filters=STRIP,
        validators=[Length(max=5000)],
        description="Shown to trainees on the workshops you teach.",
    )
    disclosure = TextAreaField(
        "Financial relationships with industry",
        filters=STRIP,
        validators=[Length(max=5000)],
        description="Consulting, speaking fees, research grants, shares or royalties, naming the companies.",
    )
    nothing_to_disclose = BooleanField("I have no financial relationship with industry to disclose")
    submit = SubmitField("Save")


class SessionForm(FlaskForm):
    title = StringField("Title", filters=STRIP, validators=[DataRequired(), Length(max=200)])
    kind = SelectField("Kind", choices=choices((kind.value, kind.label) for kind in SessionKind))
    day = DateField("Day", validators=[InputRequired(), plausible_year])
    start = TimeField("Starts", validators=[InputRequired()])
    end = TimeField("Ends", validators=[InputRequired()])
    room = StringField("Room", filters=STRIP, validators=[Length(max=100)])
    module_ids = MultiCheckboxField("Modules taught", coerce=int)
    faculty_ids = MultiCheckboxField("Faculty", coerce=int)
    mandatory = BooleanField("Attendance is mandatory")
    description = TextAreaField("Description", filters=STRIP, validators=[Length(max=5000)])
    stations = IntegerField(
        "Stations",
        default=0,
        validators=[Optional(), NumberRange(min=0, max=50)],
        description="Cadaver labs and hands-on sessions: how many tables or devices.",
    )
    station_capacity = IntegerField(
        "Places per station", default=4, validators=[Optional(), NumberRange(min=1, max=200)]
    )
    submit = SubmitField("Save")


class StationForm(FlaskForm):
    name = StringField("Name", filters=STRIP, validators=[DataRequired(), Length(max=100)])
    equipment = StringField("Specimen or device", filters=STRIP, validators=[Length(max=300)])
    capacity = IntegerField("Places", validators=[InputRequired(), NumberRange(min=1, max=200)])
    faculty_id = SelectField("Faculty in charge", coerce=optional_int, choices=[])
    submit = SubmitField("Add the station")


class MoveTraineeForm(FlaskForm):
    trainee_id = SelectField("Trainee", coerce=int, choices=[])
    station_id = SelectField("To station", coerce=int, choices=[])
    submit = SubmitField("Move")
