"""Who may decide, issue, revoke, read and design certificates."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from training.accounts.models import Role
from training.core.permissions import is_admin, predicate, signed_in
from training.enrolments.permissions import confirmed_in
from training.workshops.permissions import certifies, organizes

if TYPE_CHECKING:
    from training.accounts.models import User
    from training.workshops.models import Workshop


@predicate
def can_view_eligibility(user: User, workshop: Workshop) -> bool:
    """Certifying faculty see who may be certified; organizers (and admins) too."""
    return certifies(user, workshop) or organizes(user, workshop)


@predicate
def can_issue_certificates(user: User, workshop: Workshop) -> bool:
    return certifies(user, workshop) or is_admin(user)


@predicate
def can_edit_certification_rules(user: User, workshop: Workshop) -> bool:
    return certifies(user, workshop) or organizes(user, workshop)


@predicate
def can_download_workshop_certificates(user: User, workshop: Workshop) -> bool:
    return organizes(user, workshop)


@predicate
def can_view_evaluation_results(user: User, workshop: Workshop) -> bool:
    return organizes(user, workshop)


@predicate
def can_take_certificate_steps(user: User, workshop: Workshop) -> bool:
    """Evaluating the course and confirming one's name: the workshop's confirmed trainees."""

    return confirmed_in(user, workshop.id)


@predicate
def can_view_certificate(user: User, certificate: Any) -> bool:
    """The holder, the workshop's certifying faculty and organizers, and admins."""
    return signed_in(user) and (
        certificate.trainee_id == user.id
        or certifies(user, certificate.workshop)
        or organizes(user, certificate.workshop)
    )


@predicate
def can_revoke_certificate(user: User, certificate: Any) -> bool:
    return certifies(user, certificate.workshop) or is_admin(user)


@predicate
def can_reissue_certificate(user: User, certificate: Any) -> bool:
    return can_revoke_certificate(user, certificate)


@predicate
def can_search_certificates(user: User) -> bool:
    return is_admin(user)


@predicate
def can_view_my_certificates(user: User) -> bool:
    return signed_in(user)


@predicate
def can_view_own_workshop_progress(user: User, workshop: Workshop) -> bool:
    """A trainee's own progress on a workshop (attendance, quizzes, skills, what each
    certificate still needs): its confirmed trainees, each about themselves only."""
    return confirmed_in(user, workshop.id)


@predicate
def can_design_certificates(user: User) -> bool:
    """The programme's seal or logo on its certificates."""
    return is_admin(user)


@predicate
def can_keep_signature(user: User) -> bool:
    """A signature image for the certificates one issues: faculty (who may certify) and admins."""
    return signed_in(user) and (user.has_role(Role.FACULTY) or user.has_role(Role.ADMIN))
