"""Account forms: shape and range checks only; the services decide the rest."""

from __future__ import annotations

from functools import cache

import pycountry
from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    widgets,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from training.accounts.models import SPECIALTIES, Role
from training.accounts.rules import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, password_problems
from training.core.forms import choices
from training.core.text import sort_key


@cache
def country_choices() -> list[tuple[str, str]]:
    countries = [
        (country.alpha_2, getattr(country, "common_name", country.name)) for country in pycountry.countries
    ]
    return sorted(countries, key=lambda item: sort_key(item[1]))


def country_name(code: str | None) -> str:
    if not code:
        return ""
    country = pycountry.countries.get(alpha_2=code)
    return getattr(country, "common_name", country.name) if country else code


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


STRIP = [_strip]
SPECIALTY_CHOICES = choices([("", "Choose your specialty")] + [(s, s) for s in SPECIALTIES])
ROLE_CHOICES = choices((role.value, role.label) for role in Role)


class StrongPassword:
    """The password policy, checked with the rest of the form so that every
    problem is shown at once. ``personal`` names the form's fields that hold the
    person's name and e-mail; a form without them gets ``form.personal_words``."""

    def __init__(self, personal: tuple[str, ...] = ("full_name", "email")) -> None:
        self.personal = personal

    def __call__(self, form: FlaskForm, field: PasswordField) -> None:
        words = [str(form[name].data or "") for name in self.personal if name in form]
        words.extend(getattr(form, "personal_words", []))
        problems = password_problems(field.data or "", personal=words)
        if problems:
            raise ValidationError(" ".join(problems))


def _new_password(label: str = "Password") -> PasswordField:
    return PasswordField(
        label,
        validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH), StrongPassword()],
        description=f"At least {MIN_PASSWORD_LENGTH} characters. A few unrelated words make a "
        "strong password that is easy to remember.",
        render_kw={"autocomplete": "new-password", "minlength": MIN_PASSWORD_LENGTH},
    )


class ProfileFields(FlaskForm):
    full_name = StringField(
        "Full name",
        filters=STRIP,
        validators=[DataRequired(), Length(min=2, max=200)],
        description="Exactly as it must appear on your certificates.",
        render_kw={"autocomplete": "name"},
    )
    email = EmailField(
        "E-mail",
        filters=STRIP,
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
        render_kw={"autocomplete": "email"},
    )
    specialty = SelectField("Specialty", choices=SPECIALTY_CHOICES, validators=[DataRequired()])
    registration_number = StringField(
        "Professional registration number",
        filters=STRIP,
        validators=[DataRequired(), Length(min=2, max=60)],
        description="Your licence number with your medical council or board.",
    )
    institution = StringField(
        "Institution",
        filters=STRIP,
        validators=[DataRequired(), Length(max=200)],
        render_kw={"autocomplete": "organization"},
    )
    country = SelectField("Country", validators=[DataRequired()])

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.country.choices = choices([("", "Choose your country"), *country_choices()])


class SignUpForm(ProfileFields):
    password = _new_password()
    confirm = PasswordField(
        "Repeat the password",
        validators=[DataRequired(), EqualTo("password", message="The two passwords differ.")],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField("Create my account")


class ProfileForm(ProfileFields):
    current_password = PasswordField(
        "Current password",
        validators=[Optional(), Length(max=MAX_PASSWORD_LENGTH)],
        description="Needed only to change your e-mail address.",
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField("Save my details")

    # Trainees need these for enrolment and certificates; staff may leave them blank.
    TRAINEE_ONLY = ("specialty", "registration_number", "institution", "country")

    def relax_for_staff(self) -> ProfileForm:
        for name in self.TRAINEE_ONLY:
            field = self._fields[name]
            field.validators = [Optional(), *(v for v in field.validators if not isinstance(v, DataRequired))]
            field.flags.required = False
        return self


class LoginForm(FlaskForm):
    email = EmailField(
        "E-mail",
        filters=STRIP,
        validators=[DataRequired(), Length(max=254)],
        render_kw={"autocomplete": "username", "autofocus": True},
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField("Log in")


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        "E-mail",
        filters=STRIP,
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
        render_kw={"autocomplete": "email", "autofocus": True},
    )
    submit = SubmitField("Send me a reset link")


class SetPasswordForm(FlaskForm):
    password = _new_password("New password")
    confirm = PasswordField(
        "Repeat the new password",
        validators=[DataRequired(), EqualTo("password", message="The two passwords differ.")],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField("Set my password")


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password",
        validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = _new_password("New password")
    confirm = PasswordField(
        "Repeat the new password",
        validators=[DataRequired(), EqualTo("new_password", message="The two passwords differ.")],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField("Change my password")


class ConfirmPasswordForm(FlaskForm):
    password = PasswordField(
        "Your password",
        validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)],
        render_kw={"autocomplete": "current-password", "autofocus": True},
    )
    submit = SubmitField("Confirm")


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class RolesForm(FlaskForm):
    roles = MultiCheckboxField("Roles", choices=ROLE_CHOICES)
    # The duties the admin was shown to end (services.endings_key); empty until shown.
    ending = HiddenField(validators=[Optional(), Length(max=2000)])
    submit = SubmitField("Save roles")


class CreateAccountForm(FlaskForm):
    full_name = StringField("Full name", filters=STRIP, validators=[DataRequired(), Length(min=2, max=200)])
    email = EmailField(
        "E-mail",
        filters=STRIP,
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
    )
    roles = MultiCheckboxField("Roles", choices=ROLE_CHOICES, default=["faculty"])
    specialty = SelectField("Specialty", choices=SPECIALTY_CHOICES, validators=[Optional()])
    institution = StringField("Institution", filters=STRIP, validators=[Optional(), Length(max=200)])
    country = SelectField("Country", validators=[Optional()])
    submit = SubmitField("Create and send the invitation")

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.country.choices = choices([("", "—"), *country_choices()])


class ConfirmForm(FlaskForm):
    """A button that changes something: only the CSRF token travels."""

    submit = SubmitField("Confirm")


class EraseForm(FlaskForm):
    """Erasing a person's data cannot be undone: the admin types their e-mail address."""

    confirm_email = StringField(
        "Type the person's e-mail address to confirm",
        validators=[DataRequired(), Length(max=254)],
    )
    submit = SubmitField("Erase personal data")

    def __init__(self, *args, expected_email: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.expected_email = expected_email

    def validate_confirm_email(self, field: StringField) -> None:
        if (field.data or "").strip().lower() != self.expected_email.lower():
            raise ValidationError("This is not the e-mail address of the account.")


class UserSearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form changes nothing

    q = StringField("Search", filters=STRIP, validators=[Optional(), Length(max=100)])
    role = SelectField(
        "Role",
        choices=choices([("", "Any role"), *((r.value, r.label) for r in Role)]),
        validators=[Optional()],
    )
    status = SelectField(
        "Status",
        choices=choices([("", "Active and inactive"), ("active", "Active"), ("inactive", "Deactivated")]),
        validators=[Optional()],
    )
