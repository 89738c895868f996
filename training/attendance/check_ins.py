"""Self check-in: a trainee scans the session's code (or types it) and is recorded
present or late by the time of the scan."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext

from training.accounts.models import User
from training.attendance import rules, tokens
from training.attendance.models import AttendanceRecord, CheckInMethod
from training.attendance.policy import settings_for
from training.attendance.records import audit_change, is_confirmed, locked_record, snapshot
from training.attendance.timing import check_in_refusal, now
from training.core.errors import Conflict, InvalidInput, NotAllowed
from training.core.urls import external_url
from training.enrolments.models import Enrolment, EnrolmentState
from training.extensions import db
from training.workshops.models import SessionKind, WorkshopSession


def secret() -> str:
    """The key that signs the check-in codes and scan tickets."""
    return current_app.config["SECRET_KEY"]


def external_check_in_url(session_id: int, token: str) -> str:
    """The address the QR code holds: absolute, so any phone's camera app can open it."""
    return external_url("attendance.scan", session_id=session_id, token=token)


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
            gettext(
                "You are not a confirmed trainee of this workshop, so you cannot check in to its sessions."
            )
        )
    record = locked_record(session, trainee.id)
    if record is not None and not rules.self_check_in_changes(record.status):
        return CheckInResult(record, changed=False)
    grace = settings_for(session.workshop).late_grace_minutes
    before = snapshot(record)
    if record is None:
        record = AttendanceRecord(session_id=session.id, trainee_id=trainee.id, note="")
        db.session.add(record)
    record.status = rules.arrival_status(session.starts_at, scanned_at, grace)
    record.checked_in_at = scanned_at
    record.method = method
    record.recorded_by_id = trainee.id
    db.session.flush()
    audit_change(record, before, actor=trainee, session=session)
    return CheckInResult(record, changed=True)


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
