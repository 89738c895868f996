"""A person's details, and the account created from them."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext

from training.accounts import rules
from training.accounts.models import Role, User
from training.accounts.passwords import hash_password, require_good_password
from training.core import audit
from training.core.errors import Conflict, InvalidInput
from training.core.i18n import language_code
from training.extensions import db

# Fields a person keeps about themselves, audited when they change.
PROFILE_FIELDS = (
    "full_name",
    "email",
    "specialty",
    "registration_number",
    "institution",
    "country",
    "language",
)


def find_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == rules.normalise_email(email)))


def require_free_email(email: str, *, except_user: User | None = None) -> None:
    existing = find_by_email(email)
    if existing is not None and (except_user is None or existing.id != except_user.id):
        raise Conflict(gettext("An account with this e-mail address already exists."), field="email")


@dataclass
class Profile:
    full_name: str
    email: str
    specialty: str | None = None
    registration_number: str | None = None
    institution: str | None = None
    country: str | None = None
    # "en", "es" or "pt"; None leaves the person's choice as it is.
    language: str | None = None

    def personal_words(self) -> list[str]:
        return [self.full_name, self.email]


def apply_profile(user: User, profile: Profile) -> None:
    user.full_name = profile.full_name.strip()
    user.email = rules.normalise_email(profile.email)
    user.specialty = profile.specialty or None
    user.registration_number = (profile.registration_number or "").strip() or None
    user.institution = (profile.institution or "").strip() or None
    user.country = profile.country or None
    if profile.language is not None:
        language = language_code(profile.language)
        if language is None:
            raise InvalidInput({"language": [gettext("Choose one of the languages offered.")]})
        user.language = language


def profile_snapshot(user: User) -> dict[str, str | None]:
    return {field: getattr(user, field) for field in PROFILE_FIELDS}


def new_account(
    profile: Profile,
    roles: set[Role],
    password: str | None,
    *,
    action: str,
    actor: User | None,
    summary: str,
    self_service: bool = False,
) -> User:
    """Check, create, flush and audit a new account; the callers add the welcome.
    ``self_service``: the new user is the one acting (sign-up)."""
    require_free_email(profile.email)
    if not roles:
        raise InvalidInput({"roles": [gettext("Choose at least one role.")]})
    if password is not None:
        require_good_password(password, personal=profile.personal_words())
    user = User()
    apply_profile(user, profile)
    user.password_hash = hash_password(password) if password is not None else None
    user.set_roles(roles)
    db.session.add(user)
    db.session.flush()
    audit.record(
        action,
        user,
        actor=user if self_service else actor,
        summary=summary.format(name=user.full_name, roles=", ".join(user.role_names)),
        new={**profile_snapshot(user), "roles": user.role_names},
    )
    return user
