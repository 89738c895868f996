"""Leaving a workshop (the trainee cancels, an organizer removes), and the waitlist
moving up into the seats that frees."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext
from sqlalchemy.orm import joinedload

from training.accounts.models import User
from training.core import audit
from training.core.db import utcnow
from training.core.errors import Conflict, NotAllowed
from training.enrolments import rules
from training.enrolments.models import Enrolment, EnrolmentState
from training.enrolments.seats import lock, mail_trainee, require_organizer, seat_summary
from training.extensions import db
from training.workshops.models import Workshop, WorkshopState
from training.workshops.stations import sync_stations


def _fill_free_seats(ws: Workshop, *, actor: User | None) -> list[Enrolment]:
    """Give free seats to the waitlist, first come first served (the workshop is locked)."""
    if ws.state is not WorkshopState.PUBLISHED:
        return []
    summary = seat_summary(ws)
    waiting = (
        list(
            db.session.scalars(
                sa.select(Enrolment)
                .options(joinedload(Enrolment.trainee))
                .where(Enrolment.workshop_id == ws.id, Enrolment.state == EnrolmentState.WAITLISTED)
                .order_by(Enrolment.requested_at, Enrolment.id)
                .limit(max(summary.left, 0))
            )
        )
        if summary.left
        else []
    )
    chosen = set(rules.to_promote(summary.capacity, summary.confirmed, [e.id for e in waiting]))
    promoted = [e for e in waiting if e.id in chosen]
    now = utcnow()
    for enrolment in promoted:
        enrolment.state = EnrolmentState.CONFIRMED
        enrolment.confirmed_at = now
        audit.record(
            "enrolment.promoted",
            enrolment,
            actor=actor,
            summary=f"{enrolment.trainee.full_name} moved from the waitlist to a seat in {ws.title}",
            old={"state": "waitlisted"},
            new={"state": "confirmed"},
            workshop_id=ws.id,
        )
        mail_trainee(
            enrolment,
            ws,
            enrolment.trainee,
            "enrolment_promoted",
            lazy_gettext("A seat is yours: %(title)s", title=ws.title),
        )
    if promoted:
        db.session.flush()
    return promoted


def _leave(enrolment: Enrolment, *, actor: User, reason: str, by_organizer: bool) -> list[Enrolment]:
    ws = lock(enrolment.workshop)
    db.session.refresh(enrolment)
    if enrolment.state is EnrolmentState.CANCELLED:
        raise Conflict("This enrolment is already cancelled.")
    if ws.state is WorkshopState.COMPLETED:
        raise Conflict("This workshop has already taken place: its roster is kept as it was.")
    was = enrolment.state
    enrolment.state = EnrolmentState.CANCELLED
    enrolment.cancelled_at = utcnow()
    enrolment.cancelled_by_id = actor.id
    enrolment.cancellation_reason = (reason or "").strip()[:1000]
    db.session.flush()
    trainee = enrolment.trainee
    audit.record(
        "enrolment.removed" if by_organizer else "enrolment.cancelled",
        enrolment,
        actor=actor,
        summary=(
            f"{trainee.full_name} removed from {ws.title}"
            if by_organizer
            else f"{trainee.full_name} cancelled their enrolment in {ws.title}"
        )
        + (f": {enrolment.cancellation_reason}" if enrolment.cancellation_reason else ""),
        old={"state": was.value},
        new={"state": "cancelled"},
        workshop_id=ws.id,
    )
    if by_organizer:
        mail_trainee(
            enrolment,
            ws,
            trainee,
            "enrolment_removed",
            lazy_gettext("Your enrolment was cancelled: %(title)s", title=ws.title),
            was=was,
        )
    else:
        mail_trainee(
            enrolment,
            ws,
            trainee,
            "enrolment_cancelled",
            lazy_gettext("You have cancelled your enrolment: %(title)s", title=ws.title),
            was=was,
        )
    promoted: list[Enrolment] = []
    if was is EnrolmentState.CONFIRMED:
        promoted = _fill_free_seats(ws, actor=actor)
        sync_stations(ws)
    return promoted


def cancel(enrolment: Enrolment, *, actor: User, reason: str = "") -> list[Enrolment]:
    """The trainee gives up their seat or waitlist place; the first waitlisted
    trainee takes a freed seat in the same transaction. Returns who was promoted."""
    if enrolment.trainee_id != actor.id:
        raise NotAllowed("You can only cancel your own enrolment.")
    return _leave(enrolment, actor=actor, reason=reason, by_organizer=False)


def remove(enrolment: Enrolment, *, actor: User, reason: str = "") -> list[Enrolment]:
    """An organizer takes a trainee off the workshop (seat or waitlist)."""
    require_organizer(enrolment.workshop, actor)
    return _leave(enrolment, actor=actor, reason=reason, by_organizer=True)


def promote(workshop: Workshop, *, actor: User) -> list[Enrolment]:
    """Fill every free seat from the waitlist (after the capacity was raised)."""
    require_organizer(workshop, actor)
    ws = lock(workshop)
    promoted = _fill_free_seats(ws, actor=actor)
    if promoted:
        sync_stations(ws)
    return promoted
