"""The enrolments section of a person's data: their seats, stations and calendar feed."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from training.accounts.models import User
from training.accounts.personal_data import forget_history, held_by, section
from training.enrolments.models import Enrolment
from training.extensions import db
from training.workshops.models import CalendarFeed, StationAssignment


def erase_enrolments(user: User) -> None:
    """Seats stay (they are counted); what the person wrote and the secret feed go."""
    enrolments = held_by(Enrolment, user)
    for enrolment in enrolments:
        enrolment.cancellation_reason = ""
    forget_history("enrolments", [e.id for e in enrolments])
    feed = db.session.scalar(sa.select(CalendarFeed).where(CalendarFeed.user_id == user.id))
    if feed is not None:
        forget_history("calendar_feeds", [feed.id])
        db.session.delete(feed)


@section("enrolments", erase=erase_enrolments)
def export_enrolments(user: User) -> dict[str, Any]:
    stations = db.session.scalars(
        sa.select(StationAssignment)
        .where(StationAssignment.trainee_id == user.id)
        .order_by(StationAssignment.id)
    ).all()
    feed = db.session.scalar(sa.select(CalendarFeed).where(CalendarFeed.user_id == user.id))
    return {
        "enrolments": [
            {
                "workshop": e.workshop.title,
                "starts_on": e.workshop.starts_on,
                "ends_on": e.workshop.ends_on,
                "state": e.state,
                "source": e.source,
                "requested_at": e.requested_at,
                "confirmed_at": e.confirmed_at,
                "cancelled_at": e.cancelled_at,
                "cancellation_reason": e.cancellation_reason,
            }
            for e in held_by(Enrolment, user)
        ],
        "stations": [
            {
                "workshop": a.station.session.workshop.title,
                "session": a.station.session.title,
                "starts_at": a.station.session.starts_at,
                "station": a.station.name,
            }
            for a in stations
        ],
        "calendar_feed": {"created_at": feed.created_at, "address_starts_with": feed.token_hint}
        if feed
        else None,
    }
