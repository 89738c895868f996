"""The attendance clock, and when a session takes attendance: check-ins from shortly before
it starts, roll call until it ends, nothing when it (or its workshop) is cancelled."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import current_app

from training.attendance import rules
from training.core.db import utcnow
from training.workshops.models import SessionKind, WorkshopSession, WorkshopState


def now() -> datetime:
    """The time attendance decisions use.

    ``ATTENDANCE_CLOCK_OFFSET`` (seconds, tests only) shifts it, so a test can
    step past a check-in window without waiting for it.
    """
    offset = float(current_app.config.get("ATTENDANCE_CLOCK_OFFSET", 0) or 0)
    return utcnow() + timedelta(seconds=offset)


def scan_time(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


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
