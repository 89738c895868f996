"""Who may do what: the mechanism every access decision goes through.

Each decision is a named predicate, ``can_<verb>_<noun>(user, obj)``, kept in its
capability's ``permissions.py`` and registered here with ``@predicate``. Views call
them through ``ensure`` and templates call the same ones (as ``can.<verb>_<noun>``),
so a button is shown exactly when pressing it is allowed. Predicates take the acting
user first and never read the request. This module knows no capability but accounts:
the account-wide predicates live here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from flask import abort, g

from training.accounts.models import Role

if TYPE_CHECKING:
    from training.accounts.models import User
    from training.core.jobs import Job


def signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.is_active


Predicate = TypeVar("Predicate", bound=Callable[..., bool])
_registry: dict[str, Callable[..., bool]] = {}


def predicate(func: Predicate) -> Predicate:
    """Register ``can_<verb>_<noun>`` so templates can ask ``can.<verb>_<noun>(...)``."""
    name = func.__name__.removeprefix("can_")
    known = _registry.get(name)
    if known is not None and known.__module__ != func.__module__:
        raise ValueError(f"two predicates are named {func.__name__}")
    _registry[name] = func
    return func


def is_admin(user: User) -> bool:
    return signed_in(user) and user.has_role(Role.ADMIN)


@predicate
def can_edit_own_profile(user: User) -> bool:
    return signed_in(user)


@predicate
def can_manage_users(user: User) -> bool:
    return is_admin(user)


@predicate
def can_view_audit_log(user: User) -> bool:
    return is_admin(user)


@predicate
def can_view_outbox(user: User) -> bool:
    return is_admin(user)


@predicate
def can_export_own_data(user: User) -> bool:
    return signed_in(user)


@predicate
def can_erase_personal_data(user: User) -> bool:
    return is_admin(user)


@predicate
def can_view_job(user: User, job: Job) -> bool:
    return signed_in(user) and (job.created_by_id == user.id or is_admin(user))


def ensure(allowed: bool) -> None:
    """Stop the request with 403 unless ``allowed``."""
    g.permission_checked = True
    if not allowed:
        abort(403)


def ensure_or_404(allowed: bool) -> None:
    """``ensure`` for objects whose very existence is private (another trainee's
    attempt, a draft workshop): refuse with 404, as if there were nothing there."""
    g.permission_checked = True
    if not allowed:
        abort(404)


View = TypeVar("View", bound=Callable[..., Any])


def public(view: View) -> View:
    """Mark a view as open to everyone, signed in or not.

    Every other view must call ``ensure``; under test, a view that does
    neither fails the request (see ``create_app``), so no page can forget.
    """
    view.is_public = True  # type: ignore[attr-defined]
    return view


def was_checked(view: Callable[..., Any] | None) -> bool:
    return bool(getattr(view, "is_public", False) or g.get("permission_checked"))


class TemplatePredicates:
    """``can.manage_users(current_user)`` in a template calls ``can_manage_users``."""

    def __getattr__(self, name: str) -> Callable[..., bool]:
        try:
            return _registry[name]
        except KeyError:
            raise AttributeError(name) from None
