"""Enrolling: a trainee themselves, or an organizer enrolling someone (an existing
trainee or a new account)."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext

from training.accounts import services as accounts
from training.accounts.models import Role, User
from training.core import audit
from training.core.db import utcnow
from training.core.errors import Conflict, DomainError, NotAllowed
from training.enrolments import rules
from training.enrolments.models import Enrolment, EnrolmentSource, EnrolmentState
from training.enrolments.seats import (
    ACTIVE,
    enrolment_of,
    lock,
    mail_trainee,
    on_staff,
    prerequisites,
    require_organizer,
    seat_summary,
    waitlist_position,
    window,
)
from training.extensions import db
from training.workshops.models import Workshop
from training.workshops.stations import sync_stations


@dataclass(frozen=True)
class Enrolled:
    enrolment: Enrolment
    seat: rules.Seat
    prerequisites: rules.PrerequisiteCheck


def _already(enrolment: Enrolment, *, own: bool) -> Conflict:
    who = "You are" if own else f"{enrolment.trainee.full_name} is"
    if enrolment.state is EnrolmentState.CONFIRMED:
        return Conflict(f"{who} already enrolled in this workshop.")
    position = waitlist_position(enrolment)
    return Conflict(f"{who} already on the waitlist of this workshop (position {position}).")


def enrol_one(
    workshop: Workshop, trainee: User, *, actor: User, source: EnrolmentSource, locked: bool = False
) -> Enrolled:
    ws = workshop if locked else lock(workshop)
    refusal = rules.enrolment_refusal(window(ws), utcnow(), by_organizer=source is not EnrolmentSource.SELF)
    if refusal:
        raise Conflict(refusal)
    own = source is EnrolmentSource.SELF
    if on_staff(ws, trainee):
        who = "You are" if own else f"{trainee.full_name} is"
        raise Conflict(
            f"{who} on the staff of this workshop: nobody can attend as a trainee a workshop they "
            "organize or teach."
        )
    enrolment = enrolment_of(ws, trainee)
    if enrolment is not None and enrolment.state in ACTIVE:
        raise _already(enrolment, own=own)
    check = prerequisites(ws, [trainee.id])[trainee.id]
    if not check.allowed:
        raise DomainError(check.message() if own else f"{trainee.full_name}: {check.message()}")
    summary = seat_summary(ws)
    seat = rules.seat_for_newcomer(summary.capacity, summary.confirmed, summary.waitlisted)
    now = utcnow()  # taken under the lock: this is the arrival order
    if enrolment is None:
        enrolment = Enrolment(workshop_id=ws.id, trainee_id=trainee.id)
        db.session.add(enrolment)
    enrolment.state = seat.state
    enrolment.source = source
    enrolment.requested_at = now
    enrolment.confirmed_at = now if seat.confirmed else None
    enrolment.cancelled_at = None
    enrolment.cancelled_by_id = None
    enrolment.cancellation_reason = ""
    db.session.flush()
    where = "confirmed" if seat.confirmed else f"waitlisted (position {seat.position})"
    audit.record(
        "enrolment.created",
        enrolment,
        actor=actor,
        summary=f"{trainee.full_name} enrolled in {ws.title}: {where}",
        new={"state": seat.state.value, "source": source.value},
        workshop_id=ws.id,
    )
    if seat.confirmed:
        mail_trainee(
            enrolment,
            ws,
            trainee,
            "enrolment_confirmed",
            lazy_gettext("Your seat is confirmed: %(title)s", title=ws.title),
        )
        sync_stations(ws)
    else:
        mail_trainee(
            enrolment,
            ws,
            trainee,
            "enrolment_waitlisted",
            lazy_gettext("You are on the waitlist: %(title)s", title=ws.title),
            position=seat.position,
        )
    return Enrolled(enrolment, seat, check)


def enrol(workshop: Workshop, *, actor: User) -> Enrolled:
    """A trainee enrols themselves, during the enrolment window of a published workshop."""
    if not actor.has_role(Role.TRAINEE):
        raise NotAllowed("Only trainees can enrol in a workshop.")
    return enrol_one(workshop, actor, actor=actor, source=EnrolmentSource.SELF)


def _require_trainee(trainee: User) -> None:
    if not trainee.active:
        raise Conflict(f"The account of {trainee.full_name} is deactivated.")
    if not trainee.has_role(Role.TRAINEE):
        raise Conflict(f"{trainee.full_name} is not a trainee.")


def enrol_by_organizer(workshop: Workshop, trainee: User, *, actor: User) -> Enrolled:
    """An organizer enrols an existing trainee (also outside the window); the
    capacity and the waitlist apply as to everyone."""
    require_organizer(workshop, actor)
    _require_trainee(trainee)
    return enrol_one(workshop, trainee, actor=actor, source=EnrolmentSource.ORGANIZER)


def enrol_new_trainee(workshop: Workshop, profile: accounts.Profile, *, actor: User) -> Enrolled:
    """An organizer creates a trainee's account (they are e-mailed an invitation) and enrols them."""
    require_organizer(workshop, actor)
    existing = accounts.find_by_email(profile.email)
    if existing is not None:
        raise Conflict(
            f"{existing.email} already has an account ({existing.full_name}): find them with the search.",
            field="email",
        )
    ws = lock(workshop)
    refusal = rules.enrolment_refusal(window(ws), utcnow(), by_organizer=True)
    if refusal:
        raise Conflict(refusal)
    trainee = accounts.create_account(profile, {Role.TRAINEE}, actor=actor)
    return enrol_one(ws, trainee, actor=actor, source=EnrolmentSource.ORGANIZER, locked=True)
