"""Who may do what with curricula.

The catalogue is open to everyone (it says what the programme teaches); the
content is for signed-in users; question banks (answer keys) and drafts are for
authors: faculty, organizers and admins (global roles)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from training.accounts.models import Role
from training.core.permissions import predicate, signed_in

if TYPE_CHECKING:
    from training.accounts.models import User
    from training.curriculum.models import CurriculumVersion


@predicate
def can_browse_catalogue(user: User) -> bool:
    return True


@predicate
def can_author_curriculum(user: User) -> bool:
    authors = (Role.ADMIN, Role.ORGANIZER, Role.FACULTY)
    return signed_in(user) and any(user.has_role(role) for role in authors)


@predicate
def can_view_curriculum_version(user: User, version: CurriculumVersion) -> bool:
    return signed_in(user) and (version.frozen or can_author_curriculum(user))


@predicate
def can_view_question_bank(user: User, version: CurriculumVersion) -> bool:
    return can_author_curriculum(user)


@predicate
def can_edit_curriculum_version(user: User, version: CurriculumVersion) -> bool:
    """Authors edit drafts; a published version never changes."""
    return can_author_curriculum(user) and not version.frozen
