"""Assessment forms: shape and range checks only."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    SubmitField,
    TextAreaField,
    widgets,
)
from wtforms.validators import InputRequired, Length, Optional

from training.assessments.scale import ENTRUSTMENT_LEVELS, HIGHEST, LOWEST, OSATS_DOMAINS
from training.core.forms import choices, optional_int

STRIP = [lambda value: value.strip() if isinstance(value, str) else value]
# A domain's radio value when it does not apply to the station (left out of the total).
NOT_APPLICABLE = "na"
SCORE_CHOICES = [
    *(SelectChoice(n, str(n)) for n in range(LOWEST, HIGHEST + 1)),
    SelectChoice(NOT_APPLICABLE, "Not applicable"),
]


def _score(value: Any) -> int | str | None:
    """A domain's score 1-5, or NOT_APPLICABLE."""
    if value == NOT_APPLICABLE:
        return NOT_APPLICABLE
    return optional_int(value)


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class AssessmentForm(FlaskForm):
    """The OSATS form for one trainee and one skill. Built per skill: the checklist
    steps are its choices; one radio group per domain."""

    steps = MultiCheckboxField("Task-specific checklist", validate_choice=True)
    entrustment = RadioField(
        "Entrustment (O-SCORE)",
        coerce=int,
        choices=[SelectChoice(level.level, level.words) for level in ENTRUSTMENT_LEVELS],
        validators=[InputRequired("Choose an entrustment level.")],
    )
    competent = RadioField(
        "Overall judgement",
        choices=choices([("yes", "Competent"), ("no", "Not yet competent")]),
        validators=[InputRequired("Say whether the trainee is competent or not yet competent.")],
    )
    feedback = TextAreaField(
        "Feedback to the trainee",
        filters=STRIP,
        validators=[Optional(), Length(max=5000)],
        description="What went well, and the one or two things to work on next. The trainee reads this.",
        render_kw={"rows": 5},
    )
    session_id = SelectField(
        "Session where you watched the trainee",
        coerce=optional_int,
        validators=[InputRequired("Choose the session at which you watched the trainee.")],
        description="An assessment records an attempt you watched: "
        "it can be saved once that session has begun.",
    )
    submit = SubmitField("Save the assessment")

    def __init__(
        self, *args: Any, checklist: list[dict], sessions: list[tuple[int, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.steps.choices = choices(
            (
                str(step["id"]),
                str(step.get("text", step["id"])) + (" (critical)" if step.get("critical") else ""),
            )
            for step in checklist
        )
        self.session_id.choices = [SelectChoice(session_id, label) for session_id, label in sessions]

    @property
    def domain_fields(self) -> list[tuple[Any, Any]]:
        return [(domain, self[domain.key]) for domain in OSATS_DOMAINS]

    def scores(self) -> dict[str, Any]:
        """Each domain's score; None where the assessor marked it not applicable."""
        return {
            domain.key: None if self[domain.key].data == NOT_APPLICABLE else self[domain.key].data
            for domain in OSATS_DOMAINS
        }


for _domain in OSATS_DOMAINS:
    setattr(
        AssessmentForm,
        _domain.key,
        RadioField(
            _domain.title,
            coerce=_score,
            choices=SCORE_CHOICES,
            validators=[
                InputRequired(f"Choose a score for {_domain.title.lower()}, or mark it not applicable.")
            ],
        ),
    )


class SignOffForm(FlaskForm):
    evidence_id = RadioField(
        "The assessment that justifies the sign-off",
        coerce=optional_int,
        validators=[InputRequired("Choose the assessment that justifies the sign-off.")],
    )
    reviewed_disagreement = BooleanField("I have reviewed the raters' disagreement and weighed it")
    note = TextAreaField(
        "Note",
        filters=STRIP,
        validators=[Optional(), Length(max=2000)],
        description="Kept with the sign-off. Required when the raters disagree.",
        render_kw={"rows": 3},
    )
    submit = SubmitField("Sign the skill off")

    def __init__(self, *args: Any, assessments: list, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.evidence_id.choices = [SelectChoice(a.id, _describe(a)) for a in assessments]


def _describe(assessment: Any) -> str:
    judgement = "competent" if assessment.competent else "not yet competent"
    return (
        f"{assessment.assessor.full_name}: {assessment.total_text}, entrustment "
        f"{assessment.entrustment_words}, {judgement}"
    )


class RevokeSignOffForm(FlaskForm):
    reason = TextAreaField(
        "Reason for revoking",
        filters=STRIP,
        validators=[InputRequired("Give the reason for revoking the sign-off."), Length(max=2000)],
        render_kw={"rows": 2},
    )
    submit = SubmitField("Revoke the sign-off")
