"""Attendance use cases on a real database: roll call, self check-in, settings, evidence."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from tests.support.statements import recorded_statements
from training.attendance import services, tokens
from training.attendance.evidence import attendance_evidence
from training.attendance.models import (
    AttendanceRecord,
    AttendanceStatus,
    CheckInMethod,
    ExcusedPolicy,
)
from training.core.audit import AuditEvent
from training.core.db import utcnow
from training.core.errors import Conflict, InvalidInput, NotAllowed
from training.core.evidence import AttendanceEvidence
from training.core.venue_time import at_venue
from training.enrolments.models import EnrolmentState
from training.extensions import db
from training.workshops.models import SessionKind, WorkshopSession, WorkshopState

PRESENT, LATE = AttendanceStatus.PRESENT, AttendanceStatus.LATE
ABSENT, EXCUSED = AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED


def load(obj):
    return db.session.get(type(obj), obj.id)


@pytest.fixture
def lab(make):
    workshop = make.workshop(starts_on=utcnow().date())
    session = make.running_session(workshop, started=timedelta(minutes=5))
    trainee = make.enrolled_trainees(workshop, 1)[0]
    return workshop, session, trainee


def test_roll_call_creates_then_changes_a_record_and_audits_old_and_new(ctx, make, lab):
    workshop, session, trainee = lab
    session = load(session)
    teacher = load(workshop.teacher)
    record = services.record_status(session, trainee.id, ABSENT, note="", actor=teacher)
    services.record_status(session, trainee.id, PRESENT, note="arrived from theatre", actor=teacher)
    db.session.commit()

    assert (record.status, record.note, record.method, record.recorded_by_id) == (
        PRESENT,
        "arrived from theatre",
        CheckInMethod.ROLL_CALL,
        teacher.id,
    )
    events = services.history(record)
    assert [e.actor_id for e in events] == [teacher.id, teacher.id]
    assert events[0].old is None
    assert events[0].new["status"] == "absent"
    assert events[1].old == {"status": "absent", "note": ""}
    assert events[1].new == {"status": "present", "note": "arrived from theatre"}
    assert events[1].workshop_id == workshop.id
    assert "absent -> present" in events[1].summary


def test_saving_the_same_status_again_records_nothing_new(ctx, lab):
    workshop, session, trainee = lab
    session, teacher = load(session), load(workshop.teacher)
    record = services.record_status(session, trainee.id, PRESENT, actor=teacher)
    services.record_status(session, trainee.id, PRESENT, actor=teacher)
    assert len(services.history(record)) == 1


def test_late_marked_while_the_session_runs_counts_from_now(ctx, lab):
    workshop, session, trainee = lab
    record = services.record_status(load(session), trainee.id, LATE, actor=load(workshop.teacher))
    assert record.checked_in_at is not None
    assert abs((record.checked_in_at - utcnow()).total_seconds()) < 5


def test_roll_call_refuses_people_not_confirmed_breaks_and_cancelled_sessions(ctx, make, lab):
    workshop, session, trainee = lab
    teacher = load(workshop.teacher)
    outsider = make.trainee()
    waiting = make.enrolment(workshop, state=EnrolmentState.WAITLISTED).trainee
    for person in (outsider, waiting):
        with pytest.raises(NotAllowed):
            services.record_status(load(session), person.id, PRESENT, actor=teacher)
    coffee = make.running_session(workshop, kind=SessionKind.BREAK)
    with pytest.raises(Conflict, match="Breaks"):
        services.record_status(load(coffee), trainee.id, PRESENT, actor=teacher)
    off = make.running_session(workshop, cancelled=True)
    with pytest.raises(Conflict, match="cancelled"):
        services.record_status(load(off), trainee.id, PRESENT, actor=teacher)
    assert db.session.scalar(sa.select(sa.func.count(AttendanceRecord.id))) == 0


def test_mark_all_present_keeps_marks_already_made(ctx, make, lab):
    workshop, session, trainee = lab
    others = make.enrolled_trainees(workshop, 3)
    make.attendance(session, trainee, "excused")
    count = services.mark_all_present(load(session), actor=load(workshop.organizer))
    assert count == 3
    statuses = dict(db.session.execute(sa.select(AttendanceRecord.trainee_id, AttendanceRecord.status)).all())
    assert statuses == {trainee.id: EXCUSED, **{o.id: PRESENT for o in others}}
    assert services.mark_all_present(load(session), actor=load(workshop.organizer)) == 0


# self check-in -------------------------------------------------------------------------------------


def test_check_in_within_grace_is_present_and_after_grace_is_late(ctx, make, lab):
    workshop, session, trainee = lab
    session = load(session)
    result = services.check_in(
        session, load(trainee), scanned_at=session.starts_at + timedelta(minutes=10), method=CheckInMethod.QR
    )
    assert result.changed
    assert (result.record.status, result.record.method) == (PRESENT, CheckInMethod.QR)

    late = make.enrolled_trainees(workshop, 1)[0]
    at = session.starts_at + timedelta(minutes=11)
    result = services.check_in(session, load(late), scanned_at=at, method=CheckInMethod.QR)
    assert (result.record.status, result.record.checked_in_at) == (LATE, at)
    assert services.history(result.record)[0].actor_id == late.id


def test_the_grace_period_comes_from_the_workshop_settings(ctx, make, lab):
    workshop, session, trainee = lab
    make.attendance_settings(workshop, late_grace_minutes=0)
    session = load(session)
    at = session.starts_at + timedelta(minutes=1)
    assert (
        services.check_in(session, load(trainee), scanned_at=at, method=CheckInMethod.QR).record.status
        is LATE
    )


def test_a_second_scan_changes_nothing(ctx, lab):
    _workshop, session, trainee = lab
    session = load(session)
    first = services.check_in(session, load(trainee), scanned_at=session.starts_at, method=CheckInMethod.QR)
    checked_in_at = first.record.checked_in_at
    again = services.check_in(
        session,
        load(trainee),
        scanned_at=session.starts_at + timedelta(minutes=30),
        method=CheckInMethod.CODE,
    )
    assert not again.changed
    assert (again.record.status, again.record.checked_in_at, again.record.method) == (
        PRESENT,
        checked_in_at,
        CheckInMethod.QR,
    )
    assert len(services.history(again.record)) == 1


def test_a_scan_turns_an_early_absent_into_an_arrival_but_leaves_an_excusal(ctx, make, lab):
    workshop, session, trainee = lab
    make.attendance(session, trainee, "absent")
    session = load(session)
    result = services.check_in(session, load(trainee), scanned_at=session.starts_at, method=CheckInMethod.QR)
    assert result.changed
    assert result.record.status is PRESENT

    excused = make.enrolled_trainees(workshop, 1)[0]
    make.attendance(session, excused, "excused")
    result = services.check_in(load(session), load(excused), scanned_at=utcnow(), method=CheckInMethod.QR)
    assert not result.changed
    assert result.record.status is EXCUSED


def test_check_in_refuses_trainees_not_enrolled_and_times_outside_the_session(ctx, make, lab):
    _workshop, session, trainee = lab
    session = load(session)
    with pytest.raises(NotAllowed, match="not a confirmed trainee"):
        services.check_in(session, make.trainee(), scanned_at=utcnow(), method=CheckInMethod.QR)
    with pytest.raises(Conflict, match="ended"):
        services.check_in(session, load(trainee), scanned_at=session.ends_at, method=CheckInMethod.QR)
    opens = r"Check-in opens (on .+ )?at \d\d:\d\d \(venue time\), 15 minutes before"
    with pytest.raises(Conflict, match=opens):
        services.check_in(
            session,
            load(trainee),
            scanned_at=session.starts_at - timedelta(minutes=16),
            method=CheckInMethod.QR,
        )
    assert db.session.scalar(sa.select(sa.func.count(AttendanceRecord.id))) == 0


def test_the_typed_code_finds_the_trainees_open_session(ctx, app, make, lab):
    _workshop, session, trainee = lab
    code = tokens.short_code(app.config["SECRET_KEY"], session.id, tokens.window_at(utcnow()).number)
    found, result = services.check_in_with_code(load(trainee), tokens.format_code(code))
    assert found.id == session.id
    assert (result.record.status, result.record.method) == (PRESENT, CheckInMethod.CODE)


def test_a_wrong_or_foreign_code_is_refused_by_the_field(ctx, app, make, lab):
    _workshop, _session, trainee = lab
    with pytest.raises(InvalidInput) as refused:
        services.check_in_with_code(load(trainee), "000000")
    assert "code" in refused.value.problems
    # The code of a session of a workshop the trainee is not on names nothing for them.
    other = make.workshop(starts_on=utcnow().date())
    foreign = make.running_session(other)
    code = tokens.short_code(app.config["SECRET_KEY"], foreign.id, tokens.window_at(utcnow()).number)
    with pytest.raises(InvalidInput):
        services.check_in_with_code(load(trainee), code)
    stranger = make.trainee()
    with pytest.raises(InvalidInput, match="None of your sessions"):
        services.check_in_with_code(stranger, code)


def test_the_clock_offset_moves_the_check_in_window(app, ctx, lab):
    _workshop, _session, _trainee = lab
    before = services.now()
    app.config["ATTENDANCE_CLOCK_OFFSET"] = 3600
    try:
        assert services.now() - before >= timedelta(minutes=59)
    finally:
        app.config.pop("ATTENDANCE_CLOCK_OFFSET")


# settings ------------------------------------------------------------------------------------------


def test_settings_are_saved_and_audited(ctx, make, lab):
    workshop, _session, _trainee = lab
    organizer = load(workshop.organizer)
    services.save_settings(
        load(workshop),
        min_percent=Decimal("75.5"),
        excused_policy=ExcusedPolicy.REMOVE_FROM_TOTAL,
        late_grace_minutes=5,
        actor=organizer,
    )
    db.session.commit()
    settings = services.settings_for(load(workshop))
    assert (settings.min_percent, settings.excused_policy, settings.late_grace_minutes) == (
        Decimal("75.50"),
        ExcusedPolicy.REMOVE_FROM_TOTAL,
        5,
    )
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "attendance.settings_changed"))
    assert event.old["min_percent"] == "80.00"
    assert event.new["min_percent"] == "75.50"
    assert event.actor_id == organizer.id


def test_settings_out_of_range_are_all_refused_at_once(ctx, lab):
    workshop, _session, _trainee = lab
    with pytest.raises(InvalidInput) as refused:
        services.save_settings(
            load(workshop),
            min_percent=Decimal("101"),
            excused_policy=ExcusedPolicy.COUNT_AS_ABSENT,
            late_grace_minutes=-1,
            actor=load(workshop.organizer),
        )
    assert set(refused.value.problems) == {"min_percent", "late_grace_minutes"}


# evidence for certificates --------------------------------------------------------------------------


def past_workshop(make, **fields):
    """A workshop held last week: its sessions have ended, so attendance counts them."""
    return make.workshop(starts_on=utcnow().date() - timedelta(days=7), **fields)


def test_evidence_names_every_confirmed_trainee_with_their_minutes_and_credit(ctx, make):
    workshop = past_workshop(make, cme_credit_hours=Decimal("3.00"))
    morning = make.session(workshop, minutes=120, mandatory=True)
    make.session(
        workshop, kind=SessionKind.BREAK, start=morning.local_start.time().replace(hour=11), minutes=30
    )
    afternoon = make.session(workshop, start=morning.local_start.time().replace(hour=14), minutes=120)
    full, late, none = make.enrolled_trainees(workshop, 3)
    make.enrolment(workshop, state=EnrolmentState.WAITLISTED)
    make.attend_all(workshop, full)
    make.attendance(morning, late, "late", checked_in_at=morning.starts_at + timedelta(minutes=50))
    make.attendance(afternoon, late, "present")

    evidence = attendance_evidence(load(workshop))

    assert set(evidence) == {full.id, late.id, none.id}
    assert evidence[full.id] == AttendanceEvidence(
        attended_minutes=240,
        scheduled_minutes=240,
        percent=Decimal("100.0"),
        threshold_percent=Decimal("80.00"),
        missing_mandatory=(),
        credit_hours=Decimal("3.00"),  # 4 h attended, capped at the 3 h offered
        last_ends_at=afternoon.ends_at,
        last_ends_label=at_venue(afternoon.ends_at, workshop, "%a %d %b %Y %H:%M"),
        sessions_held=2,  # the break does not count
        sessions_attended=2,
    )
    assert evidence[full.id].meets
    assert (evidence[late.id].sessions_held, evidence[late.id].sessions_attended) == (2, 2)  # late is there
    assert (evidence[none.id].sessions_held, evidence[none.id].sessions_attended) == (2, 0)
    assert (evidence[late.id].attended_minutes, evidence[late.id].percent) == (190, Decimal("79.1"))
    assert not evidence[late.id].meets
    assert evidence[late.id].credit_hours == Decimal("3.00")
    assert evidence[none.id].attended_minutes == 0
    assert evidence[none.id].missing_mandatory[0].startswith(morning.title + " (")
    assert "Europe/Rome" in evidence[none.id].missing_mandatory[0]


def test_evidence_takes_a_constant_number_of_queries(ctx, make):
    def queries_for(trainees: int) -> int:
        workshop = make.workshop()
        sessions = [make.session(workshop, day=d) for d in range(3)]
        for trainee in make.enrolled_trainees(workshop, trainees):
            for session in sessions:
                make.attendance(session, trainee, "present")
        db.session.expire_all()
        workshop = load(workshop)
        with recorded_statements() as statements:
            evidence = attendance_evidence(workshop)
        assert len(evidence) == trainees
        return len(statements)

    assert queries_for(2) == queries_for(12) <= 5


def test_a_trainees_own_summary_agrees_with_the_workshop_evidence(ctx, make):
    workshop = past_workshop(make)
    first = make.session(workshop, minutes=90)
    make.session(workshop, day=1, minutes=60)
    trainee = make.enrolled_trainees(workshop, 1)[0]
    make.attendance(first, trainee, "present")
    mine = services.trainee_attendance(load(trainee))
    assert len(mine) == 1
    evidence = attendance_evidence(load(workshop))[trainee.id]
    assert (mine[0].summary.attended_minutes, mine[0].summary.percent, mine[0].summary.credit_hours) == (
        evidence.attended_minutes,
        evidence.percent,
        evidence.credit_hours,
    )
    assert evidence.percent == Decimal("60.0")


def test_cancelled_and_break_sessions_do_not_count_in_the_workshop_attendance(ctx, make):
    workshop = past_workshop(make)
    make.session(workshop, minutes=60)
    make.session(workshop, day=1, minutes=60, cancelled=True)
    trainee = make.enrolled_trainees(workshop, 1)[0]
    attendance = services.workshop_attendance(load(workshop))
    assert [s.cancelled for s in attendance.counted_sessions] == [False]
    assert attendance.summaries[trainee.id].scheduled_minutes == 60
    assert isinstance(attendance.sessions[0], WorkshopSession)


def test_a_cancelled_workshop_takes_no_attendance(ctx, make):
    workshop = make.workshop(starts_on=utcnow().date(), state=WorkshopState.CANCELLED)
    session = make.running_session(workshop)
    trainee = make.enrolled_trainees(workshop, 1)[0]
    with pytest.raises(Conflict, match="cancelled"):
        services.check_in(load(session), load(trainee), scanned_at=utcnow(), method=CheckInMethod.QR)
    with pytest.raises(Conflict, match="cancelled"):
        services.record_status(load(session), trainee.id, PRESENT, actor=load(workshop.organizer))
