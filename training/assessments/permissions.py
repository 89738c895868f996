"""Who may assess practical skills, sign them off and read the ratings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from training.core.permissions import predicate, signed_in
from training.workshops.permissions import certifies, is_staff_of, organizes, teaches

if TYPE_CHECKING:
    from training.accounts.models import User
    from training.workshops.models import Workshop


@predicate
def can_assess(user: User, workshop: Workshop) -> bool:
    """Rate trainees' practical skills: faculty of the workshop (certifiers included)."""
    return teaches(user, workshop)


@predicate
def can_sign_off_skills(user: User, workshop: Workshop) -> bool:
    return certifies(user, workshop)


@predicate
def can_view_skills_matrix(user: User, workshop: Workshop) -> bool:
    return is_staff_of(user, workshop)


@predicate
def can_view_skill_record(user: User, workshop: Workshop, trainee_id: int) -> bool:
    """A trainee's assessments of one skill: the workshop's staff, and the trainee."""
    return is_staff_of(user, workshop) or (signed_in(user) and user.id == trainee_id)


@predicate
def can_compare_ratings(user: User, workshop: Workshop, *, has_rated: bool) -> bool:
    """See every rater's scores side by side. A faculty member who has not rated yet
    does not see the others' scores, so that their own rating stays independent."""
    return organizes(user, workshop) or certifies(user, workshop) or (teaches(user, workshop) and has_rated)


@predicate
def can_view_own_progress(user: User) -> bool:
    return signed_in(user)
