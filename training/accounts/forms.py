"""Account forms: shape and range checks only; the services decide the rest."""

from __future__ import annotations

from functools import cache

import pycountry
from babel import Locale
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
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
from training.core.i18n import (
    LANGUAGE_NAMES,
    SUPPORTED,
    current_locale,
    select_language,
    sorted_by_name,
    territory_names,
)
from training.core.text import sort_key


@cache
def _country_names(locale: str) -> dict[str, str]:
    """ISO 3166 countries by code, named in ``locale`` (English: pycountry's common names)."""
    english = {
        country.alpha_2: getattr(country, "common_name", country.name) for country in pycountry.countries
    }
    if locale.startswith("en"):
        return english
    local = territory_names(Locale.parse(locale))
    return {code: local.get(code, name) for code, name in english.items()}


@cache
def _sorted_countries(locale: str) -> list[tuple[str, str]]:
    names = _country_names(locale)
    if locale.startswith("en"):
        return sorted(names.items(), key=lambda item: sort_key(item[1]))
    return sorted_by_name(list(names.items()))


def country_choices() -> list[tuple[str, str]]:
    """Every country, named and sorted in the page's language."""
    return _sorted_countries(str(current_locale()))


def country_name(code: str | None) -> str:
    if not code:
        return ""
    return _country_names(str(current_locale())).get(code, code)


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


STRIP = [_strip]
SPECIALTY_CHOICES = choices([("", _l("Choose your specialty"))] + [(s, s) for s in SPECIALTIES])
ROLE_CHOICES = choices((role.value, role.label) for role in Role)
LANGUAGE_CHOICES = choices((code, LANGUAGE_NAMES[code]) for code in SUPPORTED)


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


def _new_password(label: str | LazyString = _l("Password")) -> PasswordField:
    return PasswordField(
        label,
        validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH), StrongPassword()],
        description=_l(
            "At least %(count)d characters. A few unrelated words make a "
            "strong password that is easy to remember.",
            count=MIN_PASSWORD_LENGTH,
        ),
        render_kw={"autocomplete": "new-password", "minlength": MIN_PASSWORD_LENGTH},
    )


class ProfileFields(FlaskForm):
    full_name = StringField(
        _l("Full name"),
        filters=STRIP,
        validators=[DataRequired(), Length(min=2, max=200)],
        description=_l("Exactly as it must appear on your certificates."),
        render_kw={"autocomplete": "name"},
    )
    email = EmailField(
        _l("E-mail"),
        filters=STRIP,
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
        render_kw={"autocomplete": "email"},
    )
    specialty = SelectField(_l("Specialty"), choices=SPECIALTY_CHOICES, validators=[DataRequired()])
    registration_number = StringField(
        _l("Professional registration number"),
        filters=STRIP,
        validators=[DataRequired(), Length(min=2, max=60)],
        description=_l("Your licence number with your medical council or board."),
    )
    institution = StringField(
        _l("Institution"),
        filters=STRIP,
        validators=[DataRequired(), Length(max=200)],
        render_kw={"autocomplete": "organization"},
    )
    country = SelectField(_l("Country"), validators=[DataRequired()])
    language = SelectField(
        _l("Language"),
        choices=LANGUAGE_CHOICES,
        validators=[DataRequired()],
        description=_l("The language of these pages and of the messages we send you."),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.country.choices = choices([("", _l("Choose your country")), *country_choices()])
        if not self.language.raw_data and self.language.data not in SUPPORTED:
            # Someone who never chose: the language they are reading (their browser's).
            self.language.data = select_language()


class SignUpForm(ProfileFields):
    password = _new_password()
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Create my account"))


class ProfileForm(ProfileFields):
    current_password = PasswordField(
        _l("Current password"),
        validators=[Optional(), Length(max=MAX_PASSWORD_LENGTH)],
        description=_l("Needed only to change your e-mail address."),
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField(_l("Save my details"))

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
        _l("E-mail"),
        filters=STRIP,
        validators=[DataRequired(), Length(max=254)],
        render_kw={"autocomplete": "username", "autofocus": True},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField(_l("Log in"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        _l("E-mail"),
        filters=STRIP,
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
        render_kw={"autocomplete": "email", "autofocus": True},
    )
    submit = SubmitField(_l("Send me a reset link"))


class SetPasswordForm(FlaskForm):
    password = _new_password(_l("New password"))
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Set my password"))


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = _new_password(_l("New password"))
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Change my password"))


class ConfirmPasswordForm(FlaskForm):
    password = PasswordField(
        _l("Your password"),
        validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)],
        render_kw={"autocomplete": "current-password", "autofocus": True},
    )
    submit = SubmitField(_l("Confirm"))


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class RolesForm(FlaskForm):
    roles = MultiCheckboxField(_l("Roles"), choices=ROLE_CHOICES)
    # The duties the admin was shown to end (services.endings_key); empty until shown.
    ending = HiddenField(validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Save roles"))


class CreateAccountForm(FlaskForm):
    full_name = StringField(
        _l("Full name"), filters=STRIP, validators=[DataRequired(), Length(min=2, max=200)]
    )
    email = EmailField(
        _l("E-mail"),
        filters=STRIP,
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
    )
    roles = MultiCheckboxField(_l("Roles"), choices=ROLE_CHOICES, default=["faculty"])
    specialty = SelectField(_l("Specialty"), choices=SPECIALTY_CHOICES, validators=[Optional()])
    institution = StringField(_l("Institution"), filters=STRIP, validators=[Optional(), Length(max=200)])
    country = SelectField(_l("Country"), validators=[Optional()])
    submit = SubmitField(_l("Create and send the invitation"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.country.choices = choices([("", "—"), *country_choices()])


class ConfirmForm(FlaskForm):
    """A button that changes something: only the CSRF token travels."""

    submit = SubmitField(_l("Confirm"))


class EraseForm(FlaskForm):
    """Erasing a person's data cannot be undone: the admin types their e-mail address."""

    confirm_email = StringField(
        _l("Type the person's e-mail address to confirm"),
        validators=[DataRequired(), Length(max=254)],
    )
    submit = SubmitField(_l("Erase personal data"))

    def __init__(self, *args, expected_email: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.expected_email = expected_email

    def validate_confirm_email(self, field: StringField) -> None:
        if (field.data or "").strip().lower() != self.expected_email.lower():
            raise ValidationError(_l("This is not the e-mail address of the account."))


class UserSearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form changes nothing

    q = StringField(_l("Search"), filters=STRIP, validators=[Optional(), Length(max=100)])
    role = SelectField(
        _l("Role"),
        choices=choices([("", _l("Any role")), *((r.value, r.label) for r in Role)]),
        validators=[Optional()],
    )
    status = SelectField(
        _l("Status"),
        choices=choices(
            [("", _l("Active and inactive")), ("active", _l("Active")), ("inactive", _l("Deactivated"))]
        ),
        validators=[Optional()],
    )
