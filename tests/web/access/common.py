"""Shorthands for the expected statuses of the access matrix."""

from __future__ import annotations

from dataclasses import dataclass

ROLES = ("anonymous", "trainee", "faculty", "organizer", "admin")
STAFF = ("faculty", "organizer", "admin")
TO_LOGIN = 302  # anonymous visitors of a protected page are sent to the login page


@dataclass(frozen=True)
class Entry:
    url: str  # formatted with the world's objects, e.g. "/admin/users/{trainee.id}"
    expected: dict[str, int]


def everyone(status: int = 200, **overrides: int) -> dict[str, int]:
    return {role: overrides.get(role, status) for role in ROLES}


def signed_in(status: int = 200, **overrides: int) -> dict[str, int]:
    """Any signed-in user; anonymous visitors go to the login page."""
    return everyone(status, anonymous=TO_LOGIN, **overrides)


def only(*roles: str, status: int = 200, denied: int = 403) -> dict[str, int]:
    """The given roles get ``status``; other signed-in users ``denied``."""
    return {
        role: TO_LOGIN if role == "anonymous" else (status if role in roles else denied) for role in ROLES
    }


def admin_only(status: int = 200) -> dict[str, int]:
    return only("admin", status=status)
