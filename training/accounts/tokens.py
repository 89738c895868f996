"""Signed, expiring, single-use links: password reset, invitations, and confirming
an e-mail address (a new account's, or a new address for an existing one).

The token carries a fingerprint of the account's current password hash and
session token. Setting a password changes both, so a used link stops working
without any table of used tokens.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from flask import current_app
from flask_babel import gettext
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from training.accounts.models import User

# A token purpose, not a password (ruff S105 and bandit B105 read the name "PASSWORD").
PASSWORD_RESET = "password-reset"  # noqa: S105  # nosec B105
INVITATION = "invitation"
EMAIL_CONFIRMATION = "email-confirmation"  # a new account's address
EMAIL_CHANGE = "email-change"  # carries the new address ("e")


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"training.{purpose}")


def _fingerprint(user: User) -> str:
    material = f"{user.password_hash or ''}|{user.session_token}|{user.email}"
    return hashlib.sha256(material.encode()).hexdigest()[:32]


def make_token(user: User, purpose: str, **extra: str) -> str:
    return _serializer(purpose).dumps({"u": user.id, "f": _fingerprint(user), **extra})


class TokenError(Exception):
    pass


def read_token(token: str, purpose: str, max_age: timedelta, load_user) -> User:
    """The user a valid token was made for, or TokenError saying why not."""
    return read_token_data(token, purpose, max_age, load_user)[0]


def read_token_data(token: str, purpose: str, max_age: timedelta, load_user) -> tuple[User, dict]:
    """The user a valid token was made for and what else it carries, or TokenError."""
    try:
        data = _serializer(purpose).loads(token, max_age=int(max_age.total_seconds()))
    except SignatureExpired as error:
        raise TokenError(gettext("This link has expired. Ask for a new one.")) from error
    except BadSignature as error:
        raise TokenError(gettext("This link is not valid. Check that you copied all of it.")) from error
    user = load_user(data.get("u")) if isinstance(data, dict) else None
    if user is None or not user.active or not hmac.compare_digest(str(data.get("f")), _fingerprint(user)):
        raise TokenError(gettext("This link has already been used or is no longer valid. Ask for a new one."))
    return user, data
