"""Attendance use cases: roll call, self check-in, settings, and what a workshop's
attendance adds up to. They take the acting user, flush, and never commit.

Every change to a record is written to the audit log in the same transaction
(old -> new), so a record's history can always be shown beside it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload, selectinload

from training.accounts.models import Role, User
from training.attendance import permissions, rules, tokens
from training.attendance.models import (
    AttendanceRecord,
    AttendanceSettings,
    AttendanceStatus,
    CheckInMethod,
    ExcusedPolicy,
)
from training.core import audit
from training.core.db import utcnow
from training.core.errors import Conflict, InvalidInput, NotAllowed
from training.core.urls import external_url
from training.core.venue_time import at_venue
from training.enrolments.models import Enrolment, EnrolmentState
from training.extensions import db
from training.workshops.models import SessionKind, Station, Workshop, WorkshopSession, WorkshopState
from training.workshops.permissions import enrolled_in, staffed_workshops
from training.workshops.services import confirmed_trainees

# The clock ------------------------------------------------------------------------------------


def now() -> datetime:
    """The time attendance decisions use.

    ``ATTENDANCE_CLOCK_OFFSET`` (seconds, tests only) shifts it, so a test can
    step past a check-in window without waiting for it.
    """
    offset = float(current_app.config.get("ATTENDANCE_CLOCK_OFFSET", 0) or 0)
    return utcnow() + timedelta(seconds=offset)


def secret() -> str:
    return current_app.config["SECRET_KEY"]


# Reading ---------------------------------------------------------------------------------------


def settings_for(workshop: Workshop) -> AttendanceSettings:
    found = db.session.scalar(
        sa.select(AttendanceSettings).where(AttendanceSettings.workshop_id == workshop.id)
    )
    return found or AttendanceSettings.defaults(workshop.id)


def policy_of(settings: AttendanceSettings, workshop: Workshop) -> rules.Policy:
    return rules.Policy(
        min_percent=Decimal(settings.min_percent),
        excused_policy=settings.excused_policy,
        late_grace_minutes=settings.late_grace_minutes,
        # The accreditation's cap per day and designated credits; no credit without accreditation.
        daily_cap_hours=Decimal(workshop.cme_daily_cap),
        offered_credit_hours=Decimal(workshop.cme_designated_credits or 0),
    )


def session_label(session: WorkshopSession, workshop: Workshop) -> str:
    return f"{session.title} ({at_venue(session.starts_at, workshop, '%a %d %b %Y %H:%M')})"


def session_facts(session: WorkshopSession, workshop: Workshop) -> rules.SessionFacts:
    return rules.SessionFacts(
        id=session.id,
        label=session_label(session, workshop),
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        day=session.starts_at.astimezone(workshop.zone).date(),
        counts=session.kind.counts_for_attendance and not session.cancelled,
        mandatory=session.mandatory,
    )


def mark_of(record: AttendanceRecord) -> rules.Mark:
    return rules.Mark(record.status, record.checked_in_at)


def is_confirmed(workshop: Workshop, trainee_id: int, *, lock: bool = False) -> bool:
    query = sa.select(Enrolment.id).where(
        Enrolment.workshop_id == workshop.id,
        Enrolment.trainee_id == trainee_id,
        Enrolment.state == EnrolmentState.CONFIRMED,
    )
    if lock:
        # Serialises changes to one trainee's attendance on this workshop (PostgreSQL).
        query = query.with_for_update()
    return db.session.scalar(query) is not None


def workshop_sessions(workshop: Workshop) -> list[WorkshopSession]:
    return list(
        db.session.scalars(
            sa.select(WorkshopSession)
            .where(WorkshopSession.workshop_id == workshop.id)
            .order_by(WorkshopSession.starts_at, WorkshopSession.id)
        )
    )


@dataclass
class WorkshopAttendance:
    """A workshop's attendance at once: trainees x sessions, and each trainee's summary."""

    workshop: Workshop
    settings: AttendanceSettings
    sessions: list[WorkshopSession]
    trainees: list[User]
    records: dict[tuple[int, int], AttendanceRecord]
    summaries: dict[int, rules.Summary]

    @property
    def counted_sessions(self) -> list[WorkshopSession]:
        return [s for s in self.sessions if s.kind.counts_for_attendance and not s.cancelled]

    def record(self, session_id: int, trainee_id: int) -> AttendanceRecord | None:
        return self.records.get((session_id, trainee_id))

    def present_count(self, session_id: int) -> int:
        return sum(
            1
            for trainee in self.trainees
            if (r := self.records.get((session_id, trainee.id))) and r.status.attended
        )

    @property
    def below_threshold(self) -> list[User]:
        return [t for t in self.trainees if not self.summaries[t.id].meets]


def workshop_attendance(workshop: Workshop, trainees: list[User] | None = None) -> WorkshopAttendance:
    """Everything the matrix, the CSV and the certificate evidence need: four queries."""
    settings = settings_for(workshop)
    sessions = workshop_sessions(workshop)
    if trainees is None:
        trainees = confirmed_trainees(workshop, order="name")
    records: dict[tuple[int, int], AttendanceRecord] = {}
    if sessions:
        for record in db.session.scalars(
            sa.select(AttendanceRecord).where(AttendanceRecord.session_id.in_([s.id for s in sessions]))
        ):
            records[(record.session_id, record.trainee_id)] = record
    facts = [session_facts(s, workshop) for s in sessions]
    policy = policy_of(settings, workshop)
    at = now()
    summaries = {}
    for trainee in trainees:
        marks = {
            s.id: mark_of(record) for s in sessions if (record := records.get((s.id, trainee.id))) is not None
        }
        summaries[trainee.id] = rules.summarise(facts, marks, policy, now=at)
    return WorkshopAttendance(workshop, settings, sessions, trainees, records, summaries)


@dataclass
class TraineeWorkshop:
    workshop: Workshop
    settings: AttendanceSettings
    sessions: list[WorkshopSession]
    records: dict[int, AttendanceRecord]  # by session id
    summary: rules.Summary


def trainee_attendance(trainee: User) -> list[TraineeWorkshop]:
    """A trainee's attendance and credit on each workshop they are confirmed on (four queries)."""
    workshops = list(
        db.session.scalars(
            sa.select(Workshop)
            .join(Enrolment, Enrolment.workshop_id == Workshop.id)
            .where(Enrolment.trainee_id == trainee.id, Enrolment.state == EnrolmentState.CONFIRMED)
            .order_by(Workshop.starts_on.desc(), Workshop.id)
        )
    )
    if not workshops:
        return []
    ids = [w.id for w in workshops]
    sessions_by_workshop: dict[int, list[WorkshopSession]] = defaultdict(list)
    for session in db.session.scalars(
        sa.select(WorkshopSession)
        .where(WorkshopSession.workshop_id.in_(ids))
        .order_by(WorkshopSession.starts_at, WorkshopSession.id)
    ):
        sessions_by_workshop[session.workshop_id].append(session)
    settings = {
        s.workshop_id: s
        for s in db.session.scalars(
            sa.select(AttendanceSettings).where(AttendanceSettings.workshop_id.in_(ids))
        )
    }
    all_session_ids = [s.id for sessions in sessions_by_workshop.values() for s in sessions]
    records: dict[int, AttendanceRecord] = {}
    if all_session_ids:
        records = {
            r.session_id: r
            for r in db.session.scalars(
                sa.select(AttendanceRecord).where(
                    AttendanceRecord.trainee_id == trainee.id,
                    AttendanceRecord.session_id.in_(all_session_ids),
                )
            )
        }
    result = []
    at = now()
    for workshop in workshops:
        sessions = sessions_by_workshop[workshop.id]
        workshop_settings = settings.get(workshop.id) or AttendanceSettings.defaults(workshop.id)
        own = {s.id: records[s.id] for s in sessions if s.id in records}
        summary = rules.summarise(
            [session_facts(s, workshop) for s in sessions],
            {session_id: mark_of(r) for session_id, r in own.items()},
            policy_of(workshop_settings, workshop),
            now=at,
        )
        result.append(TraineeWorkshop(workshop, workshop_settings, sessions, own, summary))
    return result


@dataclass
class RosterGroup:
    title: str
    station: Station | None
    rows: list[tuple[User, AttendanceRecord | None]] = field(default_factory=list)


def roster(session: WorkshopSession) -> list[RosterGroup]:
    """The session's confirmed trainees with their records, grouped by station for labs."""
    workshop = session.workshop
    trainees = confirmed_trainees(workshop, order="name")
    records = {
        r.trainee_id: r
        for r in db.session.scalars(
            sa.select(AttendanceRecord).where(AttendanceRecord.session_id == session.id)
        )
    }
    if not session.kind.has_stations:
        return [RosterGroup("Trainees", None, [(t, records.get(t.id)) for t in trainees])]
    stations = list(
        db.session.scalars(
            sa.select(Station)
            .where(Station.session_id == session.id)
            .options(selectinload(Station.assignments), selectinload(Station.faculty))
            .order_by(Station.position, Station.id)
        )
    )
    by_id = {t.id: t for t in trainees}
    groups, placed = [], set()
    for station in stations:
        group = RosterGroup(station.name, station)
        for assignment in sorted(
            station.assignments, key=lambda a: by_id[a.trainee_id].full_name if a.trainee_id in by_id else ""
        ):
            if assignment.trainee_id in by_id:
                placed.add(assignment.trainee_id)
                trainee = by_id[assignment.trainee_id]
                group.rows.append((trainee, records.get(trainee.id)))
        groups.append(group)
    unplaced = [t for t in trainees if t.id not in placed]
    if unplaced:
        groups.append(
            RosterGroup("Not placed at a station", None, [(t, records.get(t.id)) for t in unplaced])
        )
    return groups


def record_of(session: WorkshopSession, trainee_id: int) -> AttendanceRecord | None:
    return db.session.scalar(
        sa.select(AttendanceRecord).where(
            AttendanceRecord.session_id == session.id, AttendanceRecord.trainee_id == trainee_id
        )
    )


def checked_in_count(session: WorkshopSession) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count(AttendanceRecord.id)).where(
                AttendanceRecord.session_id == session.id,
                AttendanceRecord.status.in_([AttendanceStatus.PRESENT, AttendanceStatus.LATE]),
            )
        )
        or 0
    )


def is_cancelled(session: WorkshopSession) -> bool:
    return session.cancelled or session.workshop.state is WorkshopState.CANCELLED


def check_in_refusal(session: WorkshopSession, at: datetime) -> str | None:
    return rules.check_in_refusal(
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        is_break=session.kind is SessionKind.BREAK,
        cancelled=is_cancelled(session),
        at=at,
        zone=session.workshop.zone,
    )


def roll_call_refusal(session: WorkshopSession, at: datetime) -> str | None:
    """Why roll call is not taken at ``at`` (before the check-in opening, after the end)."""
    return rules.roll_call_refusal(
        starts_at=session.starts_at, ends_at=session.ends_at, zone=session.workshop.zone, now=at
    )


def external_check_in_url(session_id: int, token: str) -> str:
    """The address the QR code holds: absolute, so any phone's camera app can open it."""
    return external_url("attendance.scan", session_id=session_id, token=token)


def history(record: AttendanceRecord) -> list[audit.AuditEvent]:
    return list(
        db.session.scalars(
            sa.select(audit.AuditEvent)
            .where(
                audit.AuditEvent.target_type == AttendanceRecord.__tablename__,
                audit.AuditEvent.target_id == record.id,
            )
            .order_by(audit.AuditEvent.at, audit.AuditEvent.id)
        )
    )


# Changing records --------------------------------------------------------------------------------


def _snapshot(record: AttendanceRecord | None) -> dict[str, Any]:
    if record is None:
        return {}
    return {
        "status": record.status.value,
        "note": record.note or "",
        "checked_in_at": record.checked_in_at.strftime("%Y-%m-%d %H:%M:%S UTC")
        if record.checked_in_at
        else None,
        "method": record.method.value,
    }


def _ensure_takes_attendance(session: WorkshopSession) -> None:
    if is_cancelled(session):
        raise Conflict("This session was cancelled: it takes no attendance.")
    if session.kind is SessionKind.BREAK:
        raise Conflict("Breaks take no attendance.")


def _ensure_may_mark(session: WorkshopSession, actor: User, trainee_id: int | None = None) -> None:
    """Authority at this moment: staff of the workshop, marking neither themselves nor,
    as a trainee of the same workshop, a fellow trainee."""
    workshop = session.workshop
    if not permissions.can_take_attendance(actor, workshop):
        raise NotAllowed("Only the organizers and faculty of this workshop take its attendance.")
    if trainee_id is not None and trainee_id == actor.id:
        raise NotAllowed("Nobody records their own attendance.")
    if enrolled_in(actor, workshop.id):
        raise NotAllowed("A trainee of this workshop does not record the attendance of fellow trainees.")


def _locked_record(session: WorkshopSession, trainee_id: int) -> AttendanceRecord | None:
    return db.session.scalar(
        sa.select(AttendanceRecord)
        .where(AttendanceRecord.session_id == session.id, AttendanceRecord.trainee_id == trainee_id)
        .with_for_update()
    )


def _audit_change(
    record: AttendanceRecord,
    before: dict[str, Any],
    *,
    actor: User | None,
    session: WorkshopSession,
    reason: str | None = None,
) -> bool:
    old, new = audit.diff(before, _snapshot(record))
    if not new:
        return False
    if not before:
        old = {}  # a new record: nothing was there before
    trainee_name = db.session.get(User, record.trainee_id).full_name
    was = before.get("status", "unmarked")
    summary = f"{trainee_name} at {session.title}: {was} -> {record.status.value}"
    if reason:
        new["reason"] = reason
        summary += f" (corrected: {reason})"
    audit.record(
        "attendance.corrected" if reason else "attendance.marked",
        record,
        actor=actor,
        summary=summary,
        old=old or None,
        new=new,
        workshop_id=session.workshop_id,
    )
    return True


def record_status(
    session: WorkshopSession,
    trainee_id: int,
    status: AttendanceStatus,
    *,
    note: str | None = None,
    reason: str | None = None,
    actor: User,
) -> AttendanceRecord:
    """Roll call: faculty or an organizer set a trainee's status (and note) for a session.

    Taken from the check-in opening until the session ends. Outside that window an
    organizer may still correct a mark, giving ``reason`` (audited with it), but
    never records a session that has not started as attended or absent."""
    _ensure_takes_attendance(session)
    _ensure_may_mark(session, actor, trainee_id)
    at = now()
    reason = (reason or "").strip()[:500] or None
    refusal = roll_call_refusal(session, at)
    if refusal is not None:
        if not permissions.can_correct_attendance(actor, session.workshop):
            raise Conflict(refusal)
        problems = rules.correction_problems(
            status=status, reason=reason or "", starts_at=session.starts_at, now=at
        )
        if problems:
            raise InvalidInput({"reason": problems})
    if not is_confirmed(session.workshop, trainee_id, lock=True):
        raise NotAllowed("This person is not a confirmed trainee of this workshop.")
    record = _locked_record(session, trainee_id)
    before = _snapshot(record)
    if record is None:
        record = AttendanceRecord(session_id=session.id, trainee_id=trainee_id, note="")
        db.session.add(record)
    record.status = status
    if note is not None:
        record.note = note.strip()[:500]
    if not before or before["status"] != status.value:
        record.method = CheckInMethod.ROLL_CALL
    record.recorded_by_id = actor.id
    # A late arrival marked while the session runs arrived now; minutes count from here.
    if (
        status is AttendanceStatus.LATE
        and record.checked_in_at is None
        and session.starts_at <= at < session.ends_at
    ):
        record.checked_in_at = at
    db.session.flush()
    _audit_change(record, before, actor=actor, session=session, reason=reason)
    return record


def mark_all_present(session: WorkshopSession, *, actor: User) -> int:
    """Mark every confirmed trainee not yet marked as present; marks already made stay.
    Only while roll call is open: a correction afterwards is one mark at a time, with a reason."""
    _ensure_takes_attendance(session)
    _ensure_may_mark(session, actor)
    refusal = roll_call_refusal(session, now())
    if refusal is not None:
        raise Conflict(refusal)
    # The same row locks as a single mark takes: no tap can slip in between.
    db.session.execute(
        sa.select(Enrolment.id)
        .where(Enrolment.workshop_id == session.workshop_id, Enrolment.state == EnrolmentState.CONFIRMED)
        .with_for_update()
    )
    trainees = confirmed_trainees(session.workshop, order="name")
    marked = set(
        db.session.scalars(
            sa.select(AttendanceRecord.trainee_id)
            .where(AttendanceRecord.session_id == session.id)
            .with_for_update()
        )
    )
    count = 0
    for trainee in trainees:
        if trainee.id in marked:
            continue
        record = AttendanceRecord(
            session_id=session.id,
            trainee_id=trainee.id,
            status=AttendanceStatus.PRESENT,
            note="",
            method=CheckInMethod.ROLL_CALL,
            recorded_by_id=actor.id,
        )
        db.session.add(record)
        db.session.flush()
        audit.record(
            "attendance.marked",
            record,
            actor=actor,
            summary=f"{trainee.full_name} at {session.title}: unmarked -> present (mark all present)",
            new=_snapshot(record),
            workshop_id=session.workshop_id,
        )
        count += 1
    return count


@dataclass(frozen=True)
class CheckInResult:
    record: AttendanceRecord
    changed: bool  # False on a second scan: nothing was touched


def check_in(
    session: WorkshopSession, trainee: User, *, scanned_at: datetime, method: CheckInMethod
) -> CheckInResult:
    """A trainee's own check-in with a valid code scanned (or typed) at ``scanned_at``."""
    refusal = check_in_refusal(session, scanned_at)
    if refusal:
        raise Conflict(refusal)
    if not is_confirmed(session.workshop, trainee.id, lock=True):
        raise NotAllowed(
            "You are not a confirmed trainee of this workshop, so you cannot check in to its sessions."
        )
    record = _locked_record(session, trainee.id)
    if record is not None and not rules.self_check_in_changes(record.status):
        return CheckInResult(record, changed=False)
    grace = settings_for(session.workshop).late_grace_minutes
    before = _snapshot(record)
    if record is None:
        record = AttendanceRecord(session_id=session.id, trainee_id=trainee.id, note="")
        db.session.add(record)
    record.status = rules.arrival_status(session.starts_at, scanned_at, grace)
    record.checked_in_at = scanned_at
    record.method = method
    record.recorded_by_id = trainee.id
    db.session.flush()
    _audit_change(record, before, actor=trainee, session=session)
    return CheckInResult(record, changed=True)


def scan_time(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def open_sessions_of(trainee: User, at: datetime) -> list[WorkshopSession]:
    """Sessions of the trainee's workshops that take check-ins at ``at``."""
    return list(
        db.session.scalars(
            sa.select(WorkshopSession)
            .join(Enrolment, Enrolment.workshop_id == WorkshopSession.workshop_id)
            .where(
                Enrolment.trainee_id == trainee.id,
                Enrolment.state == EnrolmentState.CONFIRMED,
                WorkshopSession.cancelled.is_(False),
                WorkshopSession.kind != SessionKind.BREAK,
                WorkshopSession.starts_at <= at + rules.CHECK_IN_OPENS_BEFORE,
                WorkshopSession.ends_at > at,
            )
            .order_by(WorkshopSession.starts_at)
        )
    )


def sessions_to_take(user: User, at: datetime, *, limit: int = 5) -> list[WorkshopSession]:
    """Sessions around now (from 12 hours before to 12 after) on workshops the user is staff of,
    for the dashboard's shortcut to roll call and the check-in screen (one query)."""
    query = (
        sa.select(WorkshopSession)
        .options(joinedload(WorkshopSession.workshop))
        .where(
            WorkshopSession.cancelled.is_(False),
            WorkshopSession.kind != SessionKind.BREAK,
            WorkshopSession.ends_at > at - timedelta(hours=12),
            WorkshopSession.starts_at < at + timedelta(hours=12),
        )
        .order_by(WorkshopSession.starts_at, WorkshopSession.id)
        .limit(limit)
    )
    if not user.has_role(Role.ADMIN):
        query = query.where(WorkshopSession.workshop_id.in_(staffed_workshops(user)))
    return list(db.session.scalars(query))


def check_in_with_code(trainee: User, code: str) -> tuple[WorkshopSession, CheckInResult]:
    """The typed code, for phones whose camera fails: it names the session by itself."""
    at = now()
    candidates = open_sessions_of(trainee, at)
    if not candidates:
        raise InvalidInput.of(["None of your sessions is open for check-in at the moment."], "code")
    for session in candidates:
        if tokens.code_matches(secret(), session.id, code, at):
            return session, check_in(session, trainee, scanned_at=at, method=CheckInMethod.CODE)
    raise InvalidInput.of(
        ["This code is not valid now. Type the code shown on the screen: it changes every 45 seconds."],
        "code",
    )


# Settings -----------------------------------------------------------------------------------------


def save_settings(
    workshop: Workshop,
    *,
    min_percent: Decimal,
    excused_policy: ExcusedPolicy,
    late_grace_minutes: int,
    actor: User,
) -> AttendanceSettings:
    problems: dict[str | None, list[str]] = {}
    if not Decimal(0) <= min_percent <= Decimal(100):
        problems["min_percent"] = ["Give a percentage from 0 to 100."]
    if not 0 <= late_grace_minutes <= 120:
        problems["late_grace_minutes"] = ["Give a number of minutes from 0 to 120."]
    if problems:
        raise InvalidInput(problems)
    settings = db.session.scalar(
        sa.select(AttendanceSettings).where(AttendanceSettings.workshop_id == workshop.id).with_for_update()
    )
    current = settings or AttendanceSettings.defaults(workshop.id)
    before = _settings_snapshot(current)
    if settings is None:
        settings = current
        db.session.add(settings)
    settings.min_percent = min_percent
    settings.excused_policy = excused_policy
    settings.late_grace_minutes = late_grace_minutes
    db.session.flush()
    audit.record_changes(
        "attendance.settings_changed",
        settings,
        before,
        _settings_snapshot(settings),
        actor=actor,
        summary=f"Attendance rules of {workshop.title}",
        workshop_id=workshop.id,
    )
    return settings


def _settings_snapshot(settings: AttendanceSettings) -> dict[str, Any]:
    return {
        "min_percent": str(Decimal(settings.min_percent).quantize(Decimal("0.01"))),
        "excused_policy": settings.excused_policy.value,
        "late_grace_minutes": settings.late_grace_minutes,
    }
