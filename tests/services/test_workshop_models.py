"""The shared workshop tables: state moves, duties and the database's invariants."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from training.core.errors import Conflict
from training.enrolments.models import Enrolment, EnrolmentState
from training.extensions import db
from training.workshops.models import Duty, SessionKind, StationAssignment, WorkshopState
from training.workshops.permissions import certifies, is_staff_of, organizes, teaches
from training.workshops.stations import sync_stations

MOVES = [
    (WorkshopState.DRAFT, WorkshopState.PUBLISHED, True),
    (WorkshopState.DRAFT, WorkshopState.CANCELLED, True),
    (WorkshopState.DRAFT, WorkshopState.COMPLETED, False),
    (WorkshopState.PUBLISHED, WorkshopState.COMPLETED, True),
    (WorkshopState.PUBLISHED, WorkshopState.CANCELLED, True),
    (WorkshopState.PUBLISHED, WorkshopState.DRAFT, False),
    (WorkshopState.COMPLETED, WorkshopState.PUBLISHED, False),
    (WorkshopState.COMPLETED, WorkshopState.CANCELLED, False),
    (WorkshopState.CANCELLED, WorkshopState.PUBLISHED, False),
    (WorkshopState.CANCELLED, WorkshopState.DRAFT, False),
]


@pytest.mark.parametrize(("start", "target", "allowed"), MOVES)
def test_only_the_allowed_state_moves_happen(make, ctx, start, target, allowed):
    workshop = db.session.merge(make.workshop(state=start))
    if allowed:
        workshop.move_to(target)
        assert workshop.state is target
    else:
        with pytest.raises(Conflict):
            workshop.move_to(target)
        assert workshop.state is start


def test_duties_decide_the_per_workshop_predicates(make, ctx):
    workshop = db.session.merge(make.workshop())
    other = db.session.merge(make.workshop())
    organizer, teacher, certifier = (
        db.session.merge(u) for u in (workshop.organizer, workshop.teacher, workshop.certifier)
    )
    admin, trainee = db.session.merge(make.admin()), db.session.merge(make.trainee())

    assert workshop.duties_of(certifier) == {Duty.CERTIFIER}
    assert organizes(organizer, workshop)
    assert not organizes(organizer, other)
    assert organizes(admin, workshop)
    assert not teaches(admin, workshop)
    assert teaches(teacher, workshop)
    assert not certifies(teacher, workshop)
    assert teaches(certifier, workshop)
    assert certifies(certifier, workshop)
    assert not is_staff_of(trainee, workshop)
    assert not teaches(db.session.merge(other.teacher), workshop)


def test_the_database_refuses_a_session_ending_before_it_starts(make, ctx):
    session = db.session.merge(make.session(make.workshop(), kind=SessionKind.CADAVER_LAB, stations=2))
    assert len(session.stations) == 2
    assert session.minutes == 90
    session.ends_at = session.starts_at - timedelta(minutes=1)
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()


def test_a_trainee_enrols_once_per_workshop(make, ctx):
    workshop = make.workshop()
    enrolment = make.enrolment(workshop)
    db.session.add(
        Enrolment(
            workshop_id=workshop.id,
            trainee_id=enrolment.trainee_id,
            state=EnrolmentState.WAITLISTED,
            requested_at=enrolment.requested_at,
        )
    )
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()


def test_sessions_are_placed_in_the_venue_time_zone(make, ctx):
    workshop = make.workshop(timezone="America/Sao_Paulo")
    session = db.session.merge(make.session(workshop))
    assert session.local_start.strftime("%H:%M") == "09:00"
    assert session.starts_at.utcoffset() == timedelta(0)
    assert session.starts_at.hour == 12  # São Paulo is UTC-3 all year


def test_sync_stations_places_confirmed_trainees_and_frees_cancelled_ones(make, ctx):
    workshop = make.workshop()
    lab = make.session(workshop, kind=SessionKind.CADAVER_LAB, stations=2, station_capacity=3)
    enrolments = [make.enrolment(workshop) for _ in range(5)]
    make.enrolment(workshop, state=EnrolmentState.WAITLISTED)
    workshop = db.session.merge(workshop)

    assert sync_stations(workshop) == 5
    per_station = db.session.execute(
        sa.select(StationAssignment.station_id, sa.func.count()).group_by(StationAssignment.station_id)
    ).all()
    assert sorted(count for _, count in per_station) == [2, 3]
    assert sync_stations(workshop) == 0  # nothing moves the second time

    cancelled = db.session.merge(enrolments[0])
    cancelled.state = EnrolmentState.CANCELLED
    assert sync_stations(workshop) == 1
    placed = set(
        db.session.scalars(
            sa.select(StationAssignment.trainee_id).where(StationAssignment.session_id == lab.id)
        )
    )
    assert placed == {e.trainee_id for e in enrolments[1:]}
