"""Who may take, read and correct attendance."""

from __future__ import annotations

from typing import TYPE_CHECKING

from training.core.permissions import predicate, signed_in
from training.workshops.permissions import organizes, teaches

if TYPE_CHECKING:
    from training.accounts.models import User
    from training.workshops.models import Workshop


@predicate
def can_take_attendance(user: User, workshop: Workshop) -> bool:
    """Roll call, the check-in screen and the paper sign-in sheet."""
    return organizes(user, workshop) or teaches(user, workshop)


@predicate
def can_view_attendance_report(user: User, workshop: Workshop) -> bool:
    """The trainees x sessions matrix and its CSV file."""
    return organizes(user, workshop) or teaches(user, workshop)


@predicate
def can_configure_attendance(user: User, workshop: Workshop) -> bool:
    return organizes(user, workshop)


@predicate
def can_correct_attendance(user: User, workshop: Workshop) -> bool:
    """Change a mark outside roll call (before it opens, after the session), with a reason."""
    return organizes(user, workshop)


@predicate
def can_view_attendance_record(user: User, workshop: Workshop, trainee_id: int) -> bool:
    """Staff of the workshop, or the trainee the record is about."""
    return can_take_attendance(user, workshop) or (signed_in(user) and user.id == trainee_id)


@predicate
def can_check_in(user: User) -> bool:
    return signed_in(user)


@predicate
def can_view_own_attendance(user: User) -> bool:
    return signed_in(user)
