"""Domain errors: what a use case refuses, in words a user can act on.

Services raise these; views turn them into a message on the page (or a 4xx
JSON error on the API). They never become a 500.
"""

from __future__ import annotations

from collections.abc import Iterable


class DomainError(Exception):
    """A request the domain refuses. ``field`` names the form field at fault."""

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return self.message


class NotAllowed(DomainError):
    status_code = 403


class NotFound(DomainError):
    status_code = 404


class Conflict(DomainError):
    """The request clashes with the current state (already done, taken, full)."""

    status_code = 409


class InvalidInput(DomainError):
    """Several problems at once, all reported, keyed by field (or ``None``)."""

    status_code = 422

    def __init__(self, problems: dict[str | None, list[str]]) -> None:
        self.problems = {key: list(messages) for key, messages in problems.items() if messages}
        first = next(iter(self.problems.values()), ["Invalid input."])[0]
        super().__init__(first)

    @classmethod
    def of(cls, messages: Iterable[str], field: str | None = None) -> InvalidInput:
        return cls({field: list(messages)})
