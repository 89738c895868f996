"""The request's one transaction, and small helpers every view uses: showing domain
errors, paging, JSON errors.

A view is: load, permission, form, one service call, response. It never commits:
``install_request_transaction`` commits once when the view's response is a success
(below 400) and rolls back otherwise, and ``service_call`` turns a refusal into the
form's message or a flash, with the request's changes undone::

    with service_call(form) as call:
        result = services.enrol(workshop, actor=current_user._get_current_object())
    if call.ok:
        flash("You are enrolled.", "success")
        return redirect(...)
    return render_template(..., form=form)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask import Flask, Request, Response, flash, jsonify, request
from flask_babel import gettext
from flask_wtf import FlaskForm
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.exceptions import HTTPException

from training.core.db import reloads_expected
from training.core.errors import DomainError, InvalidInput
from training.extensions import db


def show_domain_error(error: DomainError, form: FlaskForm | None = None) -> None:
    """Undo the request's changes and put the refusal where the user will see it:
    next to the field at fault, or as a message at the top of the page."""
    db.session.rollback()
    reloads_expected()
    problems = error.problems if isinstance(error, InvalidInput) else {error.field: [error.message]}
    for field_name, messages in problems.items():
        field = form._fields.get(field_name) if form is not None and field_name else None
        if field is not None:
            field.errors = [*field.errors, *messages]
        else:
            for message in messages:
                flash(message, "danger")


def install_request_transaction(app: Flask) -> None:
    """One commit per request, at its end: a response below 400 commits what the view
    changed; an error response (and any exception, through the error handlers) rolls it
    back. Records a refusal must keep (a failed login) are committed by their service's
    caller with ``commit_now`` before answering 4xx."""

    @app.after_request
    def end_the_transaction(response: Response) -> Response:
        if response.status_code < 400:
            db.session.commit()
        else:
            db.session.rollback()
        return response


def commit_now() -> None:
    """Commit before the response is made: for work that must outlive an error response,
    or that the response itself hands to another process (a queued job)."""
    db.session.commit()
    reloads_expected()


@dataclass
class ServiceCall:
    """What became of the service call made inside ``service_call``."""

    error: DomainError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@contextmanager
def service_call(form: FlaskForm | None = None) -> Iterator[ServiceCall]:
    """Run a use case; a ``DomainError`` it raises undoes the request's changes and is
    shown next to the form's field at fault, or flashed. ``call.ok`` says which."""
    call = ServiceCall()
    try:
        yield call
    except DomainError as error:
        call.error = error
        show_domain_error(error, form)


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
        400: gettext("The request could not be understood. Go back, reload the page and try again."),
        401: gettext("Please log in to continue."),
        403: gettext("You do not have permission to open this page."),
        404: gettext("There is nothing at this address. It may have been moved or removed."),
        405: gettext("This page cannot be used that way."),
        413: gettext("What you sent is too large."),
        429: gettext("Too many attempts. Please wait a moment and try again."),
    }.get(
        error.code or 500,
        gettext("Something went wrong on our side. It has been logged; please try again."),
    )


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
