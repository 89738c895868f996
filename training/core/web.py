"""Small helpers every view uses: showing domain errors, paging, JSON errors."""

from __future__ import annotations

from typing import Any

from flask import Request, flash, jsonify, request
from flask_wtf import FlaskForm
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.exceptions import HTTPException

from training.core.errors import DomainError, InvalidInput
from training.extensions import db


def show_domain_error(error: DomainError, form: FlaskForm | None = None) -> None:
    """Undo the request's changes and put the refusal where the user will see it:
    next to the field at fault, or as a message at the top of the page."""
    db.session.rollback()
    problems = error.problems if isinstance(error, InvalidInput) else {error.field: [error.message]}
    for field_name, messages in problems.items():
        field = form._fields.get(field_name) if form is not None and field_name else None
        if field is not None:
            field.errors = [*field.errors, *messages]
        else:
            for message in messages:
                flash(message, "danger")


def wants_json() -> bool:
    if request.path.startswith("/api/") or request.path.endswith(".json"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return (
        best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def json_error(status: int, message: str, **extra: Any) -> Any:
    response = jsonify({"error": message, "status": status, **extra})
    response.status_code = status
    return response


def page_number() -> int:
    """The ``page`` query argument, forgiving anything that is not a positive number."""
    try:
        return max(1, min(int(request.args.get("page", 1)), 100_000))
    except (TypeError, ValueError):
        return 1


def http_message(error: HTTPException) -> str:
    return {
        400: "The request could not be understood. Go back, reload the page and try again.",
        401: "Please log in to continue.",
        403: "You do not have permission to open this page.",
        404: "There is nothing at this address. It may have been moved or removed.",
        405: "This page cannot be used that way.",
        413: "What you sent is too large.",
        429: "Too many attempts. Please wait a moment and try again.",
    }.get(error.code or 500, "Something went wrong on our side. It has been logged; please try again.")


def _without_nul(value: Any) -> Any:
    return value.replace("\x00", "") if isinstance(value, str) else value


class NulFreeMultiDict(ImmutableMultiDict):
    """Query parameters and form fields without NUL characters. PostgreSQL refuses
    NUL in text, so one in a search box or a form would otherwise be a 500 there;
    no field of ours has a use for it."""

    def __init__(self, mapping: Any = None) -> None:
        pairs = MultiDict(mapping).items(multi=True) if mapping is not None else []
        super().__init__([(_without_nul(key), _without_nul(value)) for key, value in pairs])


class AppRequest(Request):
    """Every request's ``args`` and ``form`` (so ``values`` too) come cleaned of NUL."""

    parameter_storage_class = NulFreeMultiDict
