"""Who may do what: every access decision is a named predicate here.

Views call them (through ``ensure``) and templates call the same ones (as
``can.<name>``), so a button is shown exactly when pressing it is allowed.
Predicates take the acting user first and never read the request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from flask import abort, g

from training.accounts.models import Role
from training.workshops.models import Duty

if TYPE_CHECKING:
    from training.accounts.models import User
    from training.core.jobs import Job
    from training.workshops.models import Workshop


def _signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.is_active


def is_admin(user: User) -> bool:
    return _signed_in(user) and user.has_role(Role.ADMIN)


def can_edit_own_profile(user: User) -> bool:
    return _signed_in(user)


def can_manage_users(user: User) -> bool:
    return is_admin(user)


def can_view_audit_log(user: User) -> bool:
    return is_admin(user)


def can_view_outbox(user: User) -> bool:
    return is_admin(user)


def can_view_job(user: User, job: Job) -> bool:
    return _signed_in(user) and (job.created_by_id == user.id or is_admin(user))


# --- per-workshop duties (shared by every capability) ---
# A duty is held on one workshop (see workshops.models.Duty); admins may do
# everything an organizer of any workshop may do.


def organizes(user: User, workshop: Workshop) -> bool:
    return _signed_in(user) and (is_admin(user) or Duty.ORGANIZER in workshop.duties_of(user))


def teaches(user: User, workshop: Workshop) -> bool:
    """Faculty on the workshop (certifying faculty teach too)."""
    return _signed_in(user) and bool({Duty.FACULTY, Duty.CERTIFIER} & workshop.duties_of(user))


def certifies(user: User, workshop: Workshop) -> bool:
    return _signed_in(user) and Duty.CERTIFIER in workshop.duties_of(user)


def is_staff_of(user: User, workshop: Workshop) -> bool:
    """Organizer or faculty of the workshop, or an admin."""
    return organizes(user, workshop) or teaches(user, workshop)


def can_create_workshop(user: User) -> bool:
    return _signed_in(user) and (is_admin(user) or user.has_role(Role.ORGANIZER))


# --- curriculum ---


# --- workshops ---


# --- enrolments ---


# --- attendance ---


# --- quizzes ---


# --- assessments ---


# --- certificates ---


def can_view_eligibility(user: User, workshop: Workshop) -> bool:
    """Certifying faculty see who may be certified; organizers (and admins) too."""
    return certifies(user, workshop) or organizes(user, workshop)


def can_issue_certificates(user: User, workshop: Workshop) -> bool:
    return certifies(user, workshop) or is_admin(user)


def can_edit_certification_rules(user: User, workshop: Workshop) -> bool:
    return certifies(user, workshop) or organizes(user, workshop)


def can_download_workshop_certificates(user: User, workshop: Workshop) -> bool:
    return organizes(user, workshop)


def can_view_evaluation_results(user: User, workshop: Workshop) -> bool:
    return organizes(user, workshop)


def can_take_certificate_steps(user: User, workshop: Workshop) -> bool:
    """Evaluating the course and confirming one's name: the workshop's confirmed trainees."""
    from training.certificates.services import is_confirmed_trainee

    return _signed_in(user) and is_confirmed_trainee(workshop, user)


def can_view_certificate(user: User, certificate: Any) -> bool:
    """The holder, the workshop's certifying faculty and organizers, and admins."""
    return _signed_in(user) and (
        certificate.trainee_id == user.id
        or certifies(user, certificate.workshop)
        or organizes(user, certificate.workshop)
    )


def can_revoke_certificate(user: User, certificate: Any) -> bool:
    return certifies(user, certificate.workshop) or is_admin(user)


def can_reissue_certificate(user: User, certificate: Any) -> bool:
    return can_revoke_certificate(user, certificate)


def can_search_certificates(user: User) -> bool:
    return is_admin(user)


def can_view_my_certificates(user: User) -> bool:
    return _signed_in(user)


# --- end of capability sections ---


def ensure(allowed: bool) -> None:
    """Stop the request with 403 unless ``allowed``."""
    g.permission_checked = True
    if not allowed:
        abort(403)


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

    def __getattr__(self, name: str) -> Any:
        for candidate in (f"can_{name}", name):
            predicate = globals().get(candidate)
            if callable(predicate) and candidate != "ensure":
                return predicate
        raise AttributeError(name)
