"""Who may do what with enrolments."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

from training.accounts.models import Role
from training.core.permissions import predicate, signed_in
from training.enrolments.models import Enrolment, EnrolmentState
from training.extensions import db
from training.workshops.models import WorkshopState
from training.workshops.permissions import is_staff_of, organizes

if TYPE_CHECKING:
    from training.accounts.models import User
    from training.workshops.models import Workshop


@predicate
def can_enrol(user: User, workshop: Workshop) -> bool:
    """Enrol oneself: trainees who are not on the workshop's staff. Whether
    enrolment is open now is the service's decision, said in words."""
    return signed_in(user) and user.has_role(Role.TRAINEE) and not is_staff_of(user, workshop)


@predicate
def can_see_enrolment(user: User, workshop: Workshop) -> bool:
    """A workshop's enrolment page: any signed-in user once it is published;
    drafts only for their organizers."""

    return signed_in(user) and (workshop.state is not WorkshopState.DRAFT or organizes(user, workshop))


@predicate
def can_view_own_enrolments(user: User) -> bool:
    return signed_in(user)


@predicate
def can_view_roster(user: User, workshop: Workshop) -> bool:
    """Organizers and faculty of the workshop see who comes."""
    return is_staff_of(user, workshop)


@predicate
def can_manage_enrolments(user: User, workshop: Workshop) -> bool:
    """Enrol, remove, import, export and follow the workshop's mail: its organizers."""
    return organizes(user, workshop)


def confirmed_in(user: User, workshop_id: int) -> bool:
    """A confirmed trainee of the workshop (the waitlist does not count)."""

    return signed_in(user) and (
        db.session.scalar(
            sa.select(Enrolment.id).where(
                Enrolment.workshop_id == workshop_id,
                Enrolment.trainee_id == user.id,
                Enrolment.state == EnrolmentState.CONFIRMED,
            )
        )
        is not None
    )
