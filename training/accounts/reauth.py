"""Confirming one's password again before sensitive actions ("sudo mode").

Changing roles, deactivating accounts, issuing certificates in bulk or revoking
one are actions a stolen, unattended session must not be able to take. After
the password is typed (at login or on the confirmation page), such actions are
allowed for a few minutes; after that the page asks for it again.
"""

from __future__ import annotations

import time

from flask import flash, redirect, request, session, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from training.accounts.rules import safe_next_url

CONFIRMED_AT = "password_confirmed_at"
WINDOW_SECONDS = 10 * 60


def mark_password_confirmed() -> None:
    session[CONFIRMED_AT] = int(time.time())


def password_confirmed_recently() -> bool:
    return int(time.time()) - int(session.get(CONFIRMED_AT, 0)) <= WINDOW_SECONDS


def ask_for_password_if_stale() -> Response | None:
    """A redirect to the confirmation page when the password was typed too long
    ago, else None. Call it after the permission check:

        ensure(permissions.can_manage_users(current_user))
        if (confirm := ask_for_password_if_stale()) is not None:
            return confirm

    A GET comes back to itself afterwards; a POST goes back to the page it was
    sent from, where the user sends the form again.
    """
    if password_confirmed_recently():
        return None
    back: str | None
    if request.method == "GET":
        back = request.full_path.rstrip("?")
    else:
        referrer = request.referrer or ""
        host = request.host_url.rstrip("/")
        back = referrer[len(host) :] if referrer.startswith(host) else None
        flash(gettext("For this action, please confirm your password first."), "info")
    return redirect(url_for("accounts.confirm_password", next=safe_next_url(back) or None))
