"""Attendance describes the past: roll call, "mark all present" and self check-in are
taken from the check-in opening until the session ends; afterwards only an organizer
corrects a mark, with a reason, and nothing before the start says "present"."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from training.attendance import services, tokens
from training.attendance.models import AttendanceRecord, AttendanceStatus, CheckInMethod
from training.core.audit import AuditEvent
from training.core.db import utcnow
from training.core.errors import Conflict, InvalidInput
from training.extensions import db
from training.workshops.models import SessionKind

PRESENT, LATE = AttendanceStatus.PRESENT, AttendanceStatus.LATE
ABSENT, EXCUSED = AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED


def load(obj):
    return db.session.get(type(obj), obj.id)


def nothing_written() -> bool:
    records = db.session.scalar(sa.select(sa.func.count(AttendanceRecord.id)))
    events = db.session.scalar(
        sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action.like("attendance.%"))
    )
    return records == 0 and events == 0


@pytest.fixture
def later_today(make):
    """A cadaver lab that starts in three hours and twenty-four minutes (13:11 -> 16:35)."""
    workshop = make.workshop(starts_on=utcnow().date())
    lab = make.running_session(
        workshop, started=-timedelta(hours=3, minutes=24), minutes=150, kind=SessionKind.CADAVER_LAB
    )
    trainees = make.enrolled_trainees(workshop, 3)
    return workshop, lab, trainees


@pytest.fixture
def ended(make):
    """A live demonstration that ended ten minutes ago."""
    workshop = make.workshop(starts_on=utcnow().date())
    demo = make.running_session(workshop, started=timedelta(minutes=70), minutes=60)
    trainee = make.enrolled_trainees(workshop, 1)[0]
    return workshop, demo, trainee


def test_a_mark_before_roll_call_opens_is_refused_and_writes_nothing(ctx, later_today):
    workshop, lab, trainees = later_today
    for status in AttendanceStatus:
        with pytest.raises(Conflict, match=r"Roll call opens (on .+ )?at \d\d:\d\d \(venue time\)"):
            services.record_status(load(lab), trainees[0].id, status, actor=load(workshop.teacher))
    assert nothing_written()


def test_mark_all_present_before_roll_call_opens_is_refused_and_writes_nothing(ctx, later_today):
    workshop, lab, _ = later_today
    for actor in (workshop.teacher, workshop.organizer):
        with pytest.raises(Conflict, match="Roll call opens"):
            services.mark_all_present(load(lab), actor=load(actor))
    assert nothing_written()


def test_self_check_in_before_the_opening_is_refused_and_writes_nothing(ctx, later_today):
    _, lab, trainees = later_today
    with pytest.raises(Conflict, match="Check-in opens"):
        services.check_in(load(lab), load(trainees[0]), scanned_at=utcnow(), method=CheckInMethod.QR)
    code = tokens.short_code(services.secret(), lab.id, tokens.window_at(utcnow()).number)
    with pytest.raises(InvalidInput, match="None of your sessions is open"):
        services.check_in_with_code(load(trainees[1]), code)
    assert nothing_written()


def test_roll_call_opens_a_quarter_hour_before_the_start(ctx, make):
    workshop = make.workshop(starts_on=utcnow().date())
    soon = make.running_session(workshop, started=-timedelta(minutes=10))
    trainees = make.enrolled_trainees(workshop, 2)
    record = services.record_status(load(soon), trainees[0].id, PRESENT, actor=load(workshop.teacher))
    assert record.status is PRESENT
    assert services.mark_all_present(load(soon), actor=load(workshop.teacher)) == 1


def test_after_the_session_faculty_cannot_mark_and_nobody_marks_all(ctx, ended):
    workshop, demo, trainee = ended
    with pytest.raises(Conflict, match=r"Roll call closed when the session ended (on .+ )?at \d\d:\d\d"):
        services.record_status(load(demo), trainee.id, PRESENT, actor=load(workshop.teacher))
    with pytest.raises(Conflict, match="Roll call closed"):
        services.mark_all_present(load(demo), actor=load(workshop.organizer))
    assert nothing_written()


def test_an_organizer_corrects_a_mark_after_the_session_only_with_a_reason(ctx, ended):
    workshop, demo, trainee = ended
    organizer = load(workshop.organizer)
    with pytest.raises(InvalidInput) as refused:
        services.record_status(load(demo), trainee.id, PRESENT, reason="  ", actor=organizer)
    assert "Say why the mark is corrected" in refused.value.problems["reason"][0]
    assert nothing_written()

    record = services.record_status(
        load(demo), trainee.id, PRESENT, reason="Signed the paper sheet; the scan failed", actor=organizer
    )
    db.session.commit()
    assert record.status is PRESENT
    (event,) = services.history(record)
    assert event.action == "attendance.corrected"
    assert event.actor_id == organizer.id
    assert event.new["status"] == "present"
    assert event.new["reason"] == "Signed the paper sheet; the scan failed"
    assert "unmarked -> present (corrected: Signed the paper sheet; the scan failed)" in event.summary


def test_a_correction_before_the_start_may_excuse_but_never_say_present(ctx, later_today):
    workshop, lab, trainees = later_today
    organizer = load(workshop.organizer)
    for status in (PRESENT, LATE, ABSENT):
        with pytest.raises(InvalidInput, match=f"cannot be marked {status.value} yet"):
            services.record_status(load(lab), trainees[0].id, status, reason="Arrived early", actor=organizer)
    assert nothing_written()
    record = services.record_status(
        load(lab), trainees[0].id, EXCUSED, reason="Operating list overran; agreed by e-mail", actor=organizer
    )
    assert record.status is EXCUSED
    assert services.history(record)[0].action == "attendance.corrected"
