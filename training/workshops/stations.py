"""Keeping station places in step with confirmed enrolments.

Called after anything that changes who is confirmed on a workshop or which
stations a session has: ``sync_stations(workshop)`` places every confirmed
trainee without a station evenly and frees the places of trainees who are no
longer confirmed. It never moves a trainee an organizer already placed.
"""

from __future__ import annotations

import sqlalchemy as sa

from training.enrolments.models import Enrolment, EnrolmentState
from training.extensions import db
from training.workshops.models import Station, StationAssignment, Workshop, WorkshopSession
from training.workshops.rules import StationLoad, place_evenly


def confirmed_trainee_ids(workshop: Workshop) -> list[int]:
    """Confirmed trainees in arrival order."""
    return list(
        db.session.scalars(
            sa.select(Enrolment.trainee_id)
            .where(Enrolment.workshop_id == workshop.id, Enrolment.state == EnrolmentState.CONFIRMED)
            .order_by(Enrolment.requested_at, Enrolment.id)
        )
    )


def sync_stations(workshop: Workshop) -> int:
    """Place unplaced confirmed trainees and free stale places; returns how many changed."""
    confirmed = confirmed_trainee_ids(workshop)
    confirmed_set = set(confirmed)
    session_ids = [
        s.id
        for s in db.session.scalars(
            sa.select(WorkshopSession)
            .where(WorkshopSession.workshop_id == workshop.id, WorkshopSession.cancelled.is_(False))
            .join(Station)
            .distinct()
        )
    ]
    if not session_ids:
        return 0
    stations = list(
        db.session.scalars(
            sa.select(Station)
            .where(Station.session_id.in_(session_ids))
            .order_by(Station.position, Station.id)
        )
    )
    assignments = list(
        db.session.scalars(sa.select(StationAssignment).where(StationAssignment.session_id.in_(session_ids)))
    )
    changed = 0
    for assignment in assignments:
        if assignment.trainee_id not in confirmed_set:
            db.session.delete(assignment)
            changed += 1
    kept = [a for a in assignments if a.trainee_id in confirmed_set]
    for session_id in session_ids:
        session_stations = [s for s in stations if s.session_id == session_id]
        placed = {a.trainee_id for a in kept if a.session_id == session_id}
        loads = [
            StationLoad(
                s.id,
                s.capacity,
                frozenset(a.trainee_id for a in kept if a.station_id == s.id),
            )
            for s in session_stations
        ]
        waiting = [trainee_id for trainee_id in confirmed if trainee_id not in placed]
        for trainee_id, station_id in place_evenly(loads, waiting).items():
            db.session.add(
                StationAssignment(session_id=session_id, station_id=station_id, trainee_id=trainee_id)
            )
            changed += 1
    db.session.flush()
    return changed
