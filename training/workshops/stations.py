"""A session's stations: adding and removing them, placing and moving trainees, and
keeping station places in step with confirmed enrolments.

``sync_stations(workshop)`` is called after anything that changes who is confirmed on a
workshop or which stations a session has: it places every confirmed trainee without a
station evenly and frees the places of trainees who are no longer confirmed. It never
moves a trainee an organizer already placed.
"""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from training.accounts.models import User
from training.core import audit
from training.core.errors import Conflict, InvalidInput
from training.enrolments.models import Enrolment, EnrolmentState
from training.extensions import db
from training.workshops import rules
from training.workshops.models import (
    Duty,
    Station,
    StationAssignment,
    Workshop,
    WorkshopSession,
    WorkshopState,
)
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


# --- organizers' changes ------------------------------------------------------------------------


def _stations_editable(item: WorkshopSession) -> None:
    if item.cancelled:
        raise Conflict("This session is cancelled: its stations can no longer change.")
    if item.workshop.state in (WorkshopState.COMPLETED, WorkshopState.CANCELLED):
        raise Conflict(f"A {item.workshop.state.value} workshop's stations can no longer change.")


def add_station(
    item: WorkshopSession, *, name: str, equipment: str, capacity: int, faculty_id: int | None, actor: User
) -> Station:
    _stations_editable(item)
    if not item.kind.has_stations:
        raise Conflict(f"A {item.kind.label.lower()} has no stations.")
    name = (name or "").strip()
    if any(station.name.casefold() == name.casefold() for station in item.stations):
        raise InvalidInput({"name": [f"This session already has a station called {name}."]})
    if faculty_id is not None and faculty_id not in {
        m.user_id for m in item.workshop.staff if m.duty in (Duty.FACULTY, Duty.CERTIFIER)
    }:
        raise InvalidInput({"faculty_id": ["Choose faculty of this workshop."]})
    station = Station(
        name=name,
        equipment=(equipment or "").strip(),
        capacity=capacity,
        faculty_id=faculty_id,
        position=max((s.position for s in item.stations), default=-1) + 1,
    )
    item.stations.append(station)
    db.session.flush()
    sync_stations(item.workshop)
    audit.record(
        "station.added",
        station,
        actor=actor,
        summary=f"Added {station.name} ({capacity} places) to “{item.title}”",
        new={"name": station.name, "capacity": capacity, "equipment": station.equipment},
        workshop_id=item.workshop_id,
    )
    return station


def remove_station(station: Station, *, actor: User) -> int:
    """Remove a station; its trainees are placed again on the others. Returns how many moved."""
    item = station.session
    _stations_editable(item)
    displaced = len(station.assignments)
    audit.record(
        "station.removed",
        station,
        actor=actor,
        summary=f"Removed {station.name} from “{item.title}”",
        old={"name": station.name, "capacity": station.capacity, "trainees": displaced},
        workshop_id=item.workshop_id,
    )
    item.stations.remove(station)
    db.session.delete(station)
    db.session.flush()
    sync_stations(item.workshop)
    return displaced


def station_assignments(item: WorkshopSession) -> dict[int, list[StationAssignment]]:
    """Who is at which station of the session (station id -> assignments), names loaded."""
    rows = db.session.scalars(
        sa.select(StationAssignment)
        .where(StationAssignment.session_id == item.id)
        .options(joinedload(StationAssignment.trainee))
        .join(User, User.id == StationAssignment.trainee_id)
        .order_by(User.full_name)
    )
    by_station: dict[int, list[StationAssignment]] = defaultdict(list)
    for row in rows:
        by_station[row.station_id].append(row)
    return by_station


def place_trainees(item: WorkshopSession, *, actor: User) -> int:
    _stations_editable(item)
    if not item.stations:
        raise Conflict("Add stations to the session first.")
    changed = sync_stations(item.workshop)
    if changed:
        audit.record(
            "station.placed",
            item,
            actor=actor,
            summary=f"Placed trainees at the stations of “{item.title}” ({changed} changes)",
            workshop_id=item.workshop_id,
        )
    return changed


def move_trainee(
    item: WorkshopSession, *, trainee_id: int, station_id: int, actor: User
) -> StationAssignment:
    """Put a confirmed trainee at another station of the session, if it has room."""
    _stations_editable(item)
    station = next((s for s in item.stations if s.id == station_id), None)
    if station is None:
        raise InvalidInput({"station_id": ["Choose a station of this session."]})
    trainee = db.session.scalar(
        sa.select(User)
        .join(Enrolment, Enrolment.trainee_id == User.id)
        .where(
            Enrolment.workshop_id == item.workshop_id,
            Enrolment.state == EnrolmentState.CONFIRMED,
            User.id == trainee_id,
        )
    )
    if trainee is None:
        raise InvalidInput({"trainee_id": ["Choose a trainee with a confirmed seat on this workshop."]})
    # Lock the station so two organizers cannot both take its last place.
    db.session.execute(sa.select(Station.id).where(Station.id == station.id).with_for_update())
    assignment = db.session.scalar(
        sa.select(StationAssignment).where(
            StationAssignment.session_id == item.id, StationAssignment.trainee_id == trainee.id
        )
    )
    occupied = (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(StationAssignment)
            .where(StationAssignment.station_id == station.id)
        )
        or 0
    )
    already = assignment is not None and assignment.station_id == station.id
    if problem := rules.move_problem(
        station_name=station.name, capacity=station.capacity, occupied=occupied, already_there=already
    ):
        raise Conflict(problem)
    if already:
        assert assignment is not None
        return assignment
    previous = None
    if assignment is None:
        assignment = StationAssignment(session_id=item.id, station_id=station.id, trainee_id=trainee.id)
        db.session.add(assignment)
    else:
        previous = next((s.name for s in item.stations if s.id == assignment.station_id), None)
        assignment.station_id = station.id
    db.session.flush()
    audit.record(
        "station.moved",
        assignment,
        actor=actor,
        summary=f"Moved {trainee.full_name} to {station.name} in “{item.title}”",
        old={"station": previous},
        new={"station": station.name},
        workshop_id=item.workshop_id,
    )
    return assignment
