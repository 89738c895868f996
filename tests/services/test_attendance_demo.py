"""The attendance demo: marks for past sessions of the demo workshop, once."""

from datetime import timedelta

import sqlalchemy as sa

from training.attendance import demo, rules
from training.attendance.models import AttendanceRecord, AttendanceStatus
from training.certificates.models import Certificate
from training.core.db import utcnow
from training.extensions import db
from training.workshops.models import SessionKind, WorkshopSession


def records() -> dict[tuple[int, int], AttendanceStatus]:
    rows = db.session.execute(
        sa.select(AttendanceRecord.session_id, AttendanceRecord.trainee_id, AttendanceRecord.status)
    )
    return {(s, t): status for s, t, status in rows}


def test_past_sessions_of_the_demo_workshop_get_marks_once(ctx, make):
    organizer = make.organizer(email="organizer@example.org")
    workshop = make.workshop(organizer=organizer, starts_on=utcnow().date() - timedelta(days=5))
    past = [make.session(workshop, day=d) for d in range(3)]
    make.session(workshop, kind=SessionKind.BREAK, day=0, minutes=20)
    future = make.session(workshop, day=9)
    trainees = make.enrolled_trainees(workshop, 6)
    hand_made = make.attendance(past[0], trainees[0], "excused", note="by hand")

    lines = demo.seed()
    first = records()

    assert len(first) == 3 * 6
    assert {s for s, _ in first} == {s.id for s in past}
    assert future.id not in {s for s, _ in first}
    assert first[(past[0].id, trainees[0].id)] is AttendanceStatus.EXCUSED
    assert db.session.get(AttendanceRecord, hand_made.id).note == "by hand"
    assert set(first.values()) == set(AttendanceStatus)
    assert lines == [f"Attendance: 17 marks on 3 past sessions of {workshop.title}"]

    assert demo.seed() == []
    assert records() == first


def test_a_workshop_entirely_in_the_future_gets_nothing(ctx, make):
    organizer = make.organizer(email="organizer@example.org")
    workshop = make.workshop(organizer=organizer)
    make.session(workshop)
    make.enrolled_trainees(workshop, 2)
    assert demo.seed() == []
    assert records() == {}


def test_other_organizers_workshops_are_left_alone(ctx, make):
    workshop = make.workshop(starts_on=utcnow().date() - timedelta(days=5))
    make.session(workshop)
    make.enrolled_trainees(workshop, 2)
    assert demo.seed() == []


def test_the_whole_demo_records_nothing_before_it_happened(app, session):
    """After `flask seed-demo`: no mark for a session not yet open, none made before its
    opening, no check-in outside its session, and no certificate issued before the last
    session it counts had ended."""
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    now = utcnow()
    marks = db.session.scalars(sa.select(AttendanceRecord)).all()
    assert marks, "the demo shows attendance"
    for record in marks:
        opens = record.session.starts_at - rules.CHECK_IN_OPENS_BEFORE
        assert opens <= now, record.session.title
        assert record.created_at >= opens, record.session.title
        if record.checked_in_at is not None:
            assert opens <= record.checked_in_at < record.session.ends_at, record.session.title
    certificates = db.session.scalars(sa.select(Certificate)).all()
    assert certificates, "the demo issues certificates"
    for certificate in certificates:
        last_end = db.session.scalar(
            sa.select(WorkshopSession.ends_at)
            .where(
                WorkshopSession.workshop_id == certificate.workshop_id,
                WorkshopSession.kind != SessionKind.BREAK,
                WorkshopSession.cancelled.is_(False),
            )
            .order_by(WorkshopSession.ends_at.desc())
            .limit(1)
        )
        assert last_end is not None
        assert certificate.issued_at >= last_end, certificate.serial
