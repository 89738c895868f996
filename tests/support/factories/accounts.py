"""Account factories. ``make.user(roles={Role.ADMIN})`` returns a User whose
plain password is kept on it as ``.password`` for tests that log in through the form."""

from __future__ import annotations

from typing import Any

from flask import Flask

from tests.support.factories.base import sequence
from training.accounts.models import Role, User
from training.accounts.services import hash_password
from training.extensions import db

DEFAULT_PASSWORD = "lipofilling-cannula-harvest"


class AccountFactories:
    app: Flask

    def user(
        self,
        roles: set[Role] | frozenset[Role] = frozenset({Role.TRAINEE}),
        *,
        email: str | None = None,
        full_name: str | None = None,
        password: str = DEFAULT_PASSWORD,
        **fields: Any,
    ) -> User:
        n = sequence()
        with self.app.app_context():
            user = User(
                email=email or f"person{n}@example.org",
                full_name=full_name or f"Dr. Test Person {n}",
                password_hash=hash_password(password) if password else None,
                specialty=fields.pop("specialty", "Plastic, reconstructive and aesthetic surgery"),
                registration_number=fields.pop("registration_number", f"REG-{n:05d}"),
                institution=fields.pop("institution", "Teaching Hospital"),
                country=fields.pop("country", "FR"),
                **fields,
            )
            user.set_roles(set(roles))
            db.session.add(user)
            db.session.commit()
        user.password = password  # type: ignore[attr-defined]
        return user

    def admin(self, **kwargs: Any) -> User:
        return self.user({Role.ADMIN}, **kwargs)

    def organizer(self, **kwargs: Any) -> User:
        return self.user({Role.ORGANIZER}, **kwargs)

    def faculty(self, **kwargs: Any) -> User:
        return self.user({Role.FACULTY}, **kwargs)

    def trainee(self, **kwargs: Any) -> User:
        return self.user({Role.TRAINEE}, **kwargs)
