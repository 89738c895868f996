"""Quiz forms: shape and range checks only."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    DecimalField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, StopValidation

from training.core.forms import choices, optional_int
from training.quizzes.models import FeedbackTiming, GradingMethod, QuizPurpose


def finite(form: Any, field: Any) -> None:
    """Refuse NaN and infinity before any range check compares them."""
    if isinstance(field.data, Decimal) and not field.data.is_finite():
        field.errors[:] = []
        raise StopValidation("Give a number.")


def plausible_date(form: Any, field: Any) -> None:
    if field.data is not None and not 2000 <= field.data.year <= 2200:
        raise StopValidation("Give a date between 2000 and 2200.")


class QuizForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    instructions = TextAreaField("Instructions for trainees", validators=[Optional(), Length(max=5000)])
    module_ids = SelectMultipleField(
        "Modules", coerce=int, validators=[DataRequired(message="Choose one or more modules.")]
    )
    question_count = IntegerField(
        "Questions per attempt",
        validators=[InputRequired(), NumberRange(1, 200)],
        description="Drawn at random for each attempt, spread evenly across the modules' objectives.",
    )
    shuffle_options = BooleanField("Shuffle the options of each question", default=True)
    time_limit_minutes = IntegerField(
        "Time limit (minutes)",
        validators=[Optional(), NumberRange(1, 600)],
        description="Leave empty for no limit. The server enforces it.",
    )
    opens_at = DateTimeLocalField(
        "Opens at", validators=[Optional(), plausible_date], format="%Y-%m-%dT%H:%M"
    )
    closes_at = DateTimeLocalField(
        "Closes at", validators=[Optional(), plausible_date], format="%Y-%m-%dT%H:%M"
    )
    pass_percent = DecimalField(
        "Pass mark (%)",
        places=2,
        validators=[InputRequired(), finite, NumberRange(0, 100)],
        default=Decimal(70),
    )
    max_attempts = IntegerField(
        "Maximum attempts", validators=[InputRequired(), NumberRange(1, 20)], default=1
    )
    grading_method = SelectField(
        "Grade by",
        choices=choices((m.value, m.label) for m in GradingMethod),
        default=GradingMethod.HIGHEST.value,
    )
    feedback_timing = SelectField(
        "Show per-question feedback",
        choices=choices((t.value, t.label) for t in FeedbackTiming),
        default=FeedbackTiming.IMMEDIATE.value,
    )
    purpose = SelectField(
        "Purpose",
        choices=choices(
            [
                ("practice", "Quiz"),
                ("pre_test", "Pre-test of a module"),
                ("post_test", "Post-test of a module"),
            ]
        ),
        default=QuizPurpose.PRACTICE.value,
    )
    purpose_module_id = SelectField(
        "Module tested (pre- or post-test)", coerce=optional_int, validators=[Optional()]
    )
    required_for_certificate = BooleanField("Passing is required for the certificate")
    submit = SubmitField("Save quiz")


class AccommodationForm(FlaskForm):
    trainee_id = SelectField("Trainee", coerce=int, validators=[InputRequired()])
    time_factor = DecimalField(
        "Extra time factor",
        places=2,
        validators=[InputRequired(), finite, NumberRange(1, 4)],
        default=Decimal("1.25"),
        description="1.25 gives 25% more time on every timed quiz of this workshop.",
    )
    extra_attempts = IntegerField(
        "Extra attempts", validators=[InputRequired(), NumberRange(0, 5)], default=0
    )
    note = StringField("Note", validators=[Optional(), Length(max=300)])
    submit = SubmitField("Save accommodation")


class OverrideForm(FlaskForm):
    percent = DecimalField("Grade (%)", places=2, validators=[InputRequired(), finite, NumberRange(0, 100)])
    reason = TextAreaField("Reason", validators=[DataRequired(message="Say why."), Length(max=2000)])
    submit = SubmitField("Set grade")


class RemoveOverrideForm(FlaskForm):
    reason = TextAreaField(
        "Reason for removing", validators=[DataRequired(message="Say why."), Length(max=2000)]
    )
    submit = SubmitField("Remove manual grade")


class HotspotQuestionForm(FlaskForm):
    stem = TextAreaField("Question", validators=[DataRequired(), Length(max=2000)])
    objective_id = SelectField("Objective", coerce=int, validators=[InputRequired()])
    explanation = TextAreaField("Explanation shown as feedback", validators=[Optional(), Length(max=5000)])
    image = FileField("Anatomical image (PNG, JPEG or WebP)")
    refs = StringField(
        "References it rests on",
        description="Ids from the module's references, e.g. R12.",
        validators=[Optional(), Length(max=200)],
    )
    tags = StringField("Tags", description="e.g. safety", validators=[Optional(), Length(max=200)])
    hotspots = TextAreaField(
        "Regions (drawn on the image)",
        validators=[Optional(), Length(max=50_000)],
        description="Drawn with the editor; stored as JSON in image pixels.",
    )
    submit = SubmitField("Save question")
