"""Certificates forms: shape and range checks only."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from training.accounts.forms import MultiCheckboxField
from training.assessments.scale import ENTRUSTMENT_LEVELS, FLOOR_DOMAIN_SCORE, FLOOR_ENTRUSTMENT, HIGHEST
from training.certificates.models import CertificateKind, CertificateState, QuizPolicy
from training.certificates.rules import MAX_PUBLIC_DETAILS, REVOCATION_REASONS
from training.core.forms import choices

KIND_CHOICES = choices((kind.value, kind.label) for kind in CertificateKind)
SCALE = choices((str(n), str(n)) for n in range(1, 6))


class RulesForm(FlaskForm):
    quiz_policy = SelectField(
        "Quizzes to pass",
        choices=choices((p.value, p.label) for p in QuizPolicy),
        validators=[DataRequired()],
    )
    competence_enabled = BooleanField("Award a certificate of competence")
    required_skills = MultiCheckboxField(
        "Skills the certificate of competence requires",
        choices=[],
        description="Each must be signed off by certifying faculty. Attendance rules "
        "(threshold and mandatory sessions) are set with the attendance of the workshop.",
    )
    evaluation_required = BooleanField("Require the course evaluation")
    bilingual = BooleanField(
        lazy_gettext("Bilingual certificates"),
        description=lazy_gettext(
            "Each certificate in English as well as in its holder's language (else in the holder's only)."
        ),
    )
    min_domain_score = SelectField(
        "Lowest OSATS domain score a sign-off allows",
        coerce=int,
        choices=[SelectChoice(n, str(n)) for n in range(FLOOR_DOMAIN_SCORE, HIGHEST + 1)],
        validators=[Optional()],
        description=f"Every domain that applies must score at least this (never below {FLOOR_DOMAIN_SCORE}). "
        "Every critical checklist step must be done in any case.",
    )
    required_entrustment = SelectField(
        "Entrustment a sign-off requires (O-SCORE)",
        coerce=int,
        choices=[
            SelectChoice(level.level, level.words)
            for level in ENTRUSTMENT_LEVELS
            if level.level >= FLOOR_ENTRUSTMENT
        ],
        validators=[Optional()],
        description="The level, or a higher one, the assessment on record must give "
        f"(never below {FLOOR_ENTRUSTMENT}).",
    )
    submit = SubmitField("Save the rules")


class IssueForm(FlaskForm):
    trainee_id = HiddenField(validators=[InputRequired()])
    kind = SelectField("Kind", choices=KIND_CHOICES, validators=[DataRequired()])
    submit = SubmitField("Issue")


class BulkIssueForm(FlaskForm):
    kind = SelectField("Kind", choices=KIND_CHOICES, validators=[DataRequired()])
    submit = SubmitField("Issue all eligible")


class NameForm(FlaskForm):
    name = StringField(
        lazy_gettext("Your name as it must appear on the certificate"),
        validators=[DataRequired(), Length(min=2, max=200)],
        description=lazy_gettext(
            "Exactly as your medical board or employer expects it, with titles and accents."
        ),
    )
    confirm = BooleanField(
        lazy_gettext("I confirm this name is spelled exactly as it must appear"),
        validators=[DataRequired(message=lazy_gettext("Tick the box to confirm the spelling."))],
    )
    submit = SubmitField(lazy_gettext("Confirm my name"))


class RevokeForm(FlaskForm):
    reason_code = SelectField(
        "Public reason",
        choices=choices([("", "Choose a reason"), *REVOCATION_REASONS.items()]),
        validators=[DataRequired(message="Choose a reason from the list.")],
        description="Shown to anyone who checks the certificate.",
    )
    public_details = TextAreaField(
        "Public details (optional)",
        validators=[Optional(), Length(max=MAX_PUBLIC_DETAILS)],
        description="PUBLIC: anyone with the serial reads this. Name no one; give no health, "
        "conduct or personal details.",
    )
    internal_note = TextAreaField(
        "Internal note",
        validators=[Optional(), Length(max=2000)],
        description="For staff only: what happened and who decided. Never shown publicly.",
    )
    submit = SubmitField("Revoke the certificate")


class ReissueForm(FlaskForm):
    submit = SubmitField("Re-issue with a new serial")


class VerifyForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form

    serial = StringField(lazy_gettext("Serial"), validators=[DataRequired(), Length(max=40)])


class RegistryForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form

    q = StringField("Search", validators=[Optional(), Length(max=200)])
    state = SelectField(
        "Status",
        choices=choices([("", "Any status"), *((s.value, s.label) for s in CertificateState)]),
        validators=[Optional()],
    )


class EvaluationForm(FlaskForm):
    """The fixed part; one rating field per session and per faculty member is added by ``evaluation_form``."""

    overall = RadioField(
        lazy_gettext("Overall, how would you rate this workshop? (1 poor, 5 excellent)"),
        choices=SCALE,
        validators=[InputRequired(message=lazy_gettext("Choose an overall rating."))],
    )
    comments = TextAreaField(
        lazy_gettext("Comments"),
        validators=[Optional(), Length(max=5000)],
        description=lazy_gettext("What worked, what to improve. Organizers see comments without your name."),
    )
    submit = SubmitField(lazy_gettext("Send my evaluation"))


def evaluation_form(sessions: list[Any], faculty: list[Any], **kwargs: Any) -> EvaluationForm:
    class Form(EvaluationForm):
        pass

    for session in sessions:
        setattr(
            Form, f"session_{session.id}", RadioField(session.title, choices=SCALE, validators=[Optional()])
        )
    for person in faculty:
        setattr(
            Form, f"faculty_{person.id}", RadioField(person.full_name, choices=SCALE, validators=[Optional()])
        )
    return Form(**kwargs)


class SealForm(FlaskForm):
    seal = FileField(
        "Seal or logo",
        description="PNG, JPEG or SVG; at most 2 MB (an SVG at most 512 KB). Printed 24 mm tall at the top "
        "of every certificate issued from now on; certificates already issued keep the seal they carry.",
        validators=[FileRequired("Choose an image file.")],
    )
    submit = SubmitField("Upload")


class SignatureForm(FlaskForm):
    signature = FileField(
        "Signature image",
        description="PNG or JPEG, at most 1 MB: your signature in dark ink on a white or transparent "
        "background, cropped close (for example 600 x 200 pixels). Printed above your name on the "
        "certificates you issue from now on.",
        validators=[FileRequired("Choose an image file.")],
    )
    submit = SubmitField("Upload")
