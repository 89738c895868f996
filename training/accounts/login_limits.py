"""What the login form refuses, and when (issue 21).

A venue's trainees share one address (its Wi-Fi's NAT), so what is counted against
guessing is FAILED attempts: per account (from every address together) and per account
and address. A success counts only towards the address's ceiling on all posts to the
form, which is there against floods. The counts live in the limiter's storage (Redis
when configured), so every worker and host agrees. An address no account uses is
counted the same way: a refusal says nothing about who has an account. The limits are
settings (``LOGIN_*`` in config.py).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import Any

from flask import current_app, flash, g, render_template, request
from flask_limiter import RateLimitExceeded

from training.accounts import bp, rules
from training.accounts.forms import LoginForm
from training.core.web import http_message, json_error, wants_json
from training.extensions import limiter

REFUSED_FOR_ACCOUNT = (
    "Too many failed attempts to log in with this e-mail address. Wait 15 minutes and try "
    "again, or set a new password with “Forgot your password?”."
)
REFUSED_FOR_ADDRESS = "Too many login attempts from your network. Wait a few minutes and try again."

_FAILED = "login_failed"


def count_as_failed() -> None:
    """This request's login failed: the failure limits count it once it is answered."""
    setattr(g, _FAILED, True)


def _failed(_response: Any) -> bool:
    return bool(g.get(_FAILED))


def _email_key() -> str:
    """The address typed in the form, normalised and keyed-hashed with the secret key
    (which every worker and host shares): no e-mail addresses are kept in the limiter's
    storage, nor anything a list of addresses could be matched against."""
    email = rules.normalise_email(request.form.get("email", "") or "")
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, email.encode(), hashlib.sha256).hexdigest()[:32]


def _per_account() -> str:
    return f"login-account:{_email_key()}"


def _per_account_and_address() -> str:
    return f"login-account-address:{_email_key()}:{request.remote_addr or 'unknown'}"


def _setting(name: str) -> Callable[[], str]:
    return lambda: current_app.config[name]


def limited(view: Callable[..., Any]) -> Callable[..., Any]:
    """The login view with its three limits (the failure ones are tested before the view
    runs and counted after it, when it failed)."""
    failures = (
        ("LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS", _per_account_and_address),
        ("LOGIN_FAILURES_PER_ACCOUNT", _per_account),
    )
    for setting, key in failures:
        view = limiter.limit(
            _setting(setting),
            key_func=key,
            methods=["POST"],
            deduct_when=_failed,
            error_message=REFUSED_FOR_ACCOUNT,
        )(view)
    ceiling = limiter.limit(
        _setting("LOGIN_POSTS_PER_ADDRESS"), methods=["POST"], error_message=REFUSED_FOR_ADDRESS
    )
    return ceiling(view)


@bp.errorhandler(RateLimitExceeded)
def too_many_requests(error: RateLimitExceeded) -> Any:
    """A refused login is the login page again, saying why, with 429; another refused
    form of this blueprint gets the general answer."""
    if request.endpoint != "accounts.login":
        message = http_message(error)
        if wants_json():
            return json_error(429, message)
        return render_template("errors/error.html", status=429, message=message), 429
    message = error.description or http_message(error)
    if wants_json():
        return json_error(429, message)
    flash(message, "danger")
    next_url = rules.safe_next_url(request.values.get("next"))
    return render_template("accounts/login.html", form=LoginForm(), next_url=next_url), 429
