"""A Flask test client that behaves like a browser on our pages.

Forms carry a CSRF token as the real pages do (pass ``csrf=False`` to send a
forged request), and ``login`` signs a user in without the password round
trip, as the login page would leave the session.
"""

from __future__ import annotations

import re
import secrets
import time
from typing import Any

from flask.testing import FlaskClient, FlaskCliRunner
from itsdangerous import URLSafeTimedSerializer

from tests.support.tasks import run_pending
from training.accounts.models import User
from training.core.db import watching_lazy_loads

CSRF_SALT = "wtf-csrf-token"  # Flask-WTF's salt for signing the token


class TestClient(FlaskClient):
    __test__ = False  # not a test class, whatever pytest thinks of its name

    def csrf_token(self) -> str:
        with self.session_transaction() as session:
            raw = session.setdefault("csrf_token", secrets.token_hex(20))
        return URLSafeTimedSerializer(self.application.secret_key, salt=CSRF_SALT).dumps(raw)

    def open(self, *args: Any, csrf: bool = True, **kwargs: Any) -> Any:
        method = kwargs.get("method", "GET").upper()
        if csrf and method not in ("GET", "HEAD", "OPTIONS"):
            if "json" in kwargs:
                headers = dict(kwargs.pop("headers", None) or {})
                headers.setdefault("X-CSRFToken", self.csrf_token())
                kwargs["headers"] = headers
            else:
                data = kwargs.get("data")
                if data is None:
                    data = {}
                if isinstance(data, dict) and "csrf_token" not in data:
                    kwargs["data"] = {**data, "csrf_token": self.csrf_token()}
        # A request loads what its page needs up front: a lazy load fails it (core.db).
        with watching_lazy_loads():
            response = super().open(*args, **kwargs)
        # A consumer would now run what the request queued (mail, jobs).
        with self.application.app_context():
            run_pending()
        return response

    def login(self, user: User) -> User:
        from training.accounts.services import start_login
        from training.extensions import db

        with self.application.test_request_context():
            key = start_login(user, user_agent="Test client")
            db.session.commit()
        with self.session_transaction() as session:
            session.clear()
            session["login"] = key
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
            session["seen"] = int(time.time())
            session["password_confirmed_at"] = int(time.time())  # as the login form leaves it
        return user

    def logout(self) -> None:
        with self.session_transaction() as session:
            session.clear()


def form_values(html: str) -> dict[str, str]:
    """The name -> value pairs of the inputs on a page (hidden ones included)."""
    values = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name:
            values[name.group(1)] = value.group(1) if value else ""
    return values


class CliRunner(FlaskCliRunner):
    """Flask's command runner, with a command's lazy loads watched as on a real terminal."""

    def invoke(self, *args: Any, **kwargs: Any) -> Any:
        with watching_lazy_loads():
            return super().invoke(*args, **kwargs)
