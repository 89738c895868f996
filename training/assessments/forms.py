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
from training.core.forms import choices

STRIP = [lambda value: value.strip() if isinstance(value, str) else value]
SCORE_CHOICES = [SelectChoice(n, str(n)) for n in range(LOWEST, HIGHEST + 1)]


def _int_or_none(value: Any) -> int | None:
    if value in (None, "", "None"):
        return None
    return int(value)


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class AssessmentForm(FlaskForm):
    """The OSATS form for one trainee and one skill. Built per skill: the checklist
    steps are its choices; one radio group per domain."""

    steps = MultiCheckboxField("Task-specific checklist", validate_choice=True)
    entrustment = RadioField(
        "Entrustment level",
        coerce=int,
        choices=[SelectChoice(level.level, f"{level.level} · {level.title}") for level in ENTRUSTMENT_LEVELS],
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
    session_id = SelectField("Session", coerce=_int_or_none, validators=[Optional()])
    submit = SubmitField("Save the assessment")

    def __init__(self, *args: Any, checklist: list[dict], sessions: list, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.steps.choices = choices(
            (str(step["id"]), str(step.get("text", step["id"]))) for step in checklist
        )
        self.session_id.choices = [
            SelectChoice(None, "Not at a session"),
            *(SelectChoice(s.id, s.title) for s in sessions),
        ]

    @property
    def domain_fields(self) -> list[tuple[Any, Any]]:
        return [(domain, self[domain.key]) for domain in OSATS_DOMAINS]

    def scores(self) -> dict[str, Any]:
        return {domain.key: self[domain.key].data for domain in OSATS_DOMAINS}


for _domain in OSATS_DOMAINS:
    setattr(
        AssessmentForm,
        _domain.key,
        RadioField(
            _domain.title,
            coerce=int,
            choices=SCORE_CHOICES,
            validators=[InputRequired(f"Choose a score for {_domain.title.lower()}.")],
        ),
    )


class SignOffForm(FlaskForm):
    evidence_id = RadioField(
        "The assessment that justifies the sign-off",
        coerce=_int_or_none,
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
    return f"{assessment.assessor.full_name}: {assessment.total}/35, {judgement}"


class RevokeSignOffForm(FlaskForm):
    reason = TextAreaField(
        "Reason for revoking",
        filters=STRIP,
        validators=[InputRequired("Give the reason for revoking the sign-off."), Length(max=2000)],
        render_kw={"rows": 2},
    )
    submit = SubmitField("Revoke the sign-off")
