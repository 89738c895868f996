"""Who may do what with workshops, and the per-workshop duties every capability's
predicates build on (organizer of, faculty on, certifying faculty of)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session as SASession

from training.accounts.models import Role
from training.core.permissions import is_admin, predicate, signed_in
from training.enrolments.models import Enrolment, EnrolmentState
from training.extensions import db
from training.workshops.models import Duty, WorkshopStaff, WorkshopState

if TYPE_CHECKING:
    from training.accounts.models import User
    from training.workshops.models import Workshop

# A duty is held on one workshop (see workshops.models.Duty); admins may do
# everything an organizer of any workshop may do. A duty has effect only while its
# holder is active, holds a global role it needs, and is not a trainee (confirmed or
# waitlisted) of the same workshop. Every per-workshop check, in Python or in SQL,
# goes through ``_duties`` or ``staffed_workshops`` below.

# The global roles each duty needs, by the duty's value.
DUTY_NEEDS: dict[str, tuple[Role, ...]] = {
    "organizer": (Role.ORGANIZER, Role.ADMIN),
    "faculty": (Role.FACULTY,),
    "certifier": (Role.FACULTY,),
}


def duties_in_effect(user: User) -> frozenset[str]:
    """The duties that would have effect for this person, by their roles alone."""
    if not signed_in(user):
        return frozenset()
    return frozenset(duty for duty, needs in DUTY_NEEDS.items() if any(user.has_role(r) for r in needs))


def trainee_of(workshop_id: int, person_id: int, *states: str) -> bool:
    """Whether the person has an enrolment in the workshop in one of ``states``
    (enrolment state values; confirmed or waitlisted when none is named)."""

    wanted = [EnrolmentState(state) for state in states or ("confirmed", "waitlisted")]
    query = sa.select(Enrolment.id).where(
        Enrolment.workshop_id == workshop_id, Enrolment.trainee_id == person_id, Enrolment.state.in_(wanted)
    )
    return db.session.scalar(query) is not None


_ENROLLED = "permissions.enrolled_in"


def enrolled_in(user: User, workshop_id: int) -> bool:
    """A trainee of the workshop: a confirmed or waitlisted enrolment.

    Asked by every duty check of a page, so kept in the database session until it next
    writes or its transaction ends (see ``_forget_enrolments``)."""

    known = db.session.info.setdefault(_ENROLLED, {})
    key = (user.id, workshop_id)
    if key not in known:
        known[key] = trainee_of(workshop_id, user.id)
    return known[key]


@sa_event.listens_for(SASession, "after_flush")
@sa_event.listens_for(SASession, "after_transaction_end")
def _forget_enrolments(session: SASession, *args: Any) -> None:
    session.info.pop(_ENROLLED, None)


def _duties(user: User, workshop: Workshop) -> set[str]:
    held = {duty.value for duty in workshop.duties_of(user)} & duties_in_effect(user)
    if held and enrolled_in(user, workshop.id):
        return set()  # a trainee of the workshop judges nobody on it
    return held


def staffed_workshops(user: User, *duties: str) -> Any:
    """The ids of the workshops where the person holds one of ``duties`` (any duty
    when none is named) with effect: the SQL twin of ``organizes``, ``teaches``,
    ``certifies`` and ``is_staff_of`` (admins excepted: callers decide for them)."""

    wanted = sorted(set(duties or DUTY_NEEDS) & duties_in_effect(user))
    as_trainee = sa.select(Enrolment.workshop_id).where(
        Enrolment.trainee_id == user.id,
        Enrolment.state.in_([EnrolmentState.CONFIRMED, EnrolmentState.WAITLISTED]),
    )
    return sa.select(WorkshopStaff.workshop_id).where(
        WorkshopStaff.user_id == user.id,
        WorkshopStaff.duty.in_([Duty(duty) for duty in wanted]),
        WorkshopStaff.workshop_id.not_in(as_trainee),
    )


def sees_drafts(user: User) -> bool:
    """Whether any draft could show to the person: admins, and whoever could hold a
    duty with effect. Everyone else sees exactly the published workshops."""
    return is_admin(user) or bool(duties_in_effect(user))


def organizes(user: User, workshop: Workshop) -> bool:
    return signed_in(user) and (is_admin(user) or "organizer" in _duties(user, workshop))


def teaches(user: User, workshop: Workshop) -> bool:
    """Faculty on the workshop (certifying faculty teach too)."""
    return signed_in(user) and bool({"faculty", "certifier"} & _duties(user, workshop))


def certifies(user: User, workshop: Workshop) -> bool:
    return signed_in(user) and "certifier" in _duties(user, workshop)


def judges(user: User, workshop: Workshop, trainee_id: int) -> bool:
    """Whether the person may record something about this trainee on the workshop
    (attendance, a rating, a sign-off, a certificate), their duty aside: never about
    themselves, nor while they are a trainee of the same workshop."""
    return signed_in(user) and user.id != trainee_id and not enrolled_in(user, workshop.id)


def is_staff_of(user: User, workshop: Workshop) -> bool:
    """Organizer or faculty of the workshop, or an admin."""
    return organizes(user, workshop) or teaches(user, workshop)


@predicate
def can_create_workshop(user: User) -> bool:
    return signed_in(user) and (is_admin(user) or user.has_role(Role.ORGANIZER))


@predicate
def can_view_workshop(user: User, workshop: Workshop) -> bool:
    """Drafts are seen by their own staff and admins; other workshops by anyone, signed in
    or not: a programme advertises its workshops (their pages show nothing private to
    those who are not staff, see templates/workshops/detail.html)."""

    if workshop.state is not WorkshopState.DRAFT:
        return True
    return signed_in(user) and is_staff_of(user, workshop)


@predicate
def can_edit_workshop(user: User, workshop: Workshop) -> bool:
    return organizes(user, workshop)


@predicate
def can_manage_staff(user: User, workshop: Workshop) -> bool:
    return organizes(user, workshop)


@predicate
def can_manage_sessions(user: User, workshop: Workshop) -> bool:
    return organizes(user, workshop)


@predicate
def can_see_station_lists(user: User, workshop: Workshop) -> bool:
    """Who sees every trainee's station (trainees see only their own)."""
    return is_staff_of(user, workshop)


@predicate
def can_edit_faculty_profile(user: User) -> bool:
    """Faculty (and organizers, who often teach) keep their own profile and disclosure."""
    return signed_in(user) and (
        user.has_role(Role.FACULTY) or user.has_role(Role.ORGANIZER) or user.has_role(Role.ADMIN)
    )


@predicate
def can_browse_workshops(user: User) -> bool:
    """Lists of workshops and faculty pages: anyone, signed in or not (drafts are
    filtered out for those who may not see them)."""
    return True


@predicate
def can_view_schedule(user: User) -> bool:
    return signed_in(user)


@predicate
def can_manage_calendar_feed(user: User) -> bool:
    return signed_in(user)
