"""Building a workshop and moving it through its states: draft, published, completed,
cancelled.

Each function takes the acting user as ``actor``, changes state, flushes and records the
change in the audit log; the request commits. Refusals are ``DomainError``s naming what
is wrong."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from training.accounts.models import User
from training.core import audit
from training.core.audit import AuditEvent
from training.core.db import utcnow
from training.core.errors import Conflict, InvalidInput
from training.core.mail import queue_mail
from training.curriculum.models import CurriculumVersion, VersionState
from training.enrolments import services as enrolments
from training.extensions import db
from training.workshops import rules
from training.workshops.models import (
    DEFAULT_CME_DAILY_CAP,
    Duty,
    PrerequisitePolicy,
    Workshop,
    WorkshopSession,
    WorkshopStaff,
    WorkshopState,
)
from training.workshops.roster import confirmed_count, confirmed_trainees, lock_workshop
from training.workshops.timetables import sessions_of


@dataclass
class WorkshopInput:
    title: str
    description: str
    curriculum_version_id: int
    module_ids: list[int]
    venue_name: str
    venue_address: str
    city: str
    country: str
    timezone: str
    starts_on: date
    ends_on: date
    capacity: int
    # Wall-clock times at the venue (naive), converted with the venue's zone.
    enrolment_opens_local: datetime | None
    enrolment_closes_local: datetime | None
    prerequisite_policy: PrerequisitePolicy
    # CME/CPD accreditation: none unless designated credits are given.
    cme_accreditor: str = ""
    cme_statement: str = ""
    cme_designated_credits: Decimal | None = None
    cme_daily_cap: Decimal = DEFAULT_CME_DAILY_CAP


def _audit_view(workshop: Workshop) -> dict[str, Any]:
    return {
        "title": workshop.title,
        "description": workshop.description,
        "curriculum_version_id": workshop.curriculum_version_id,
        "modules": sorted(module.code for module in workshop.modules),
        "venue_name": workshop.venue_name,
        "venue_address": workshop.venue_address,
        "city": workshop.city,
        "country": workshop.country,
        "timezone": workshop.timezone,
        "starts_on": workshop.starts_on.isoformat() if workshop.starts_on else None,
        "ends_on": workshop.ends_on.isoformat() if workshop.ends_on else None,
        "capacity": workshop.capacity,
        "enrolment_opens_at": _iso(workshop.enrolment_opens_at),
        "enrolment_closes_at": _iso(workshop.enrolment_closes_at),
        "cme_accreditor": workshop.cme_accreditor,
        "cme_statement": workshop.cme_statement,
        "cme_designated_credits": _text(workshop.cme_designated_credits),
        "cme_daily_cap": _text(workshop.cme_daily_cap),
        "prerequisite_policy": workshop.prerequisite_policy.value if workshop.prerequisite_policy else None,
    }


def _text(value: Decimal | None) -> str | None:
    return str(Decimal(value).quantize(Decimal("0.01"))) if value is not None else None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _window(data: WorkshopInput, problems: dict[str | None, list[str]]) -> tuple[datetime | None, ...]:
    """The enrolment window in UTC, or the problems converting it."""
    if rules.timezone_problem(data.timezone):
        return None, None
    zone = ZoneInfo(data.timezone)
    converted: list[datetime | None] = []
    for name, value in (
        ("enrolment_opens_at", data.enrolment_opens_local),
        ("enrolment_closes_at", data.enrolment_closes_local),
    ):
        if value is None:
            converted.append(None)
            continue
        try:
            converted.append(rules.venue_to_utc(value.date(), value.time(), zone))
        except rules.NonexistentLocalTime as error:
            problems.setdefault(name, []).append(str(error))
            converted.append(None)
    return tuple(converted)


def _apply(
    workshop: Workshop,
    data: WorkshopInput,
    *,
    confirmed: int,
    sessions: list[WorkshopSession],
) -> None:
    version = db.session.get(CurriculumVersion, data.curriculum_version_id)
    problems: dict[str | None, list[str]] = {}
    if version is None or version.state is not VersionState.PUBLISHED:
        problems["curriculum_version_id"] = ["Choose a published curriculum version."]
        version_module_ids: frozenset[int] = frozenset()
    else:
        version_module_ids = frozenset(module.id for module in version.modules)
    if (
        workshop.id is not None
        and workshop.state is not WorkshopState.DRAFT
        and data.curriculum_version_id != workshop.curriculum_version_id
    ):
        problems.setdefault("curriculum_version_id", []).append(
            "Only a draft workshop may change its curriculum version."
        )
    opens_at, closes_at = _window(data, problems)
    zone_ok = rules.timezone_problem(data.timezone) is None
    outside = []
    if zone_ok and data.ends_on >= data.starts_on:
        zone = ZoneInfo(data.timezone)
        outside = [
            s.title
            for s in sessions
            if not s.cancelled
            and (
                s.starts_at.astimezone(zone).date() < data.starts_on
                or (s.ends_at.astimezone(zone) - timedelta(microseconds=1)).date() > data.ends_on
            )
        ]
    wanted = frozenset(data.module_ids)
    in_use = sorted(
        {module.code for s in sessions if not s.cancelled for module in s.modules if module.id not in wanted}
    )
    plan = rules.WorkshopPlan(
        timezone=data.timezone,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        capacity=data.capacity,
        enrolment_opens_at=opens_at,
        enrolment_closes_at=closes_at,
        module_ids=wanted,
        version_module_ids=version_module_ids,
        accreditation=_accreditation(data),
        scheduled_minutes=sum(
            s.minutes for s in sessions if not s.cancelled and s.kind.counts_for_attendance
        ),
    )
    timezone_locked = bool(sessions) and workshop.timezone is not None and data.timezone != workshop.timezone
    for key, messages in rules.workshop_problems(
        plan,
        confirmed=confirmed,
        sessions_outside=outside,
        modules_in_use=in_use,
        timezone_locked=timezone_locked,
    ).items():
        problems.setdefault(key, []).extend(messages)
    if problems:
        raise InvalidInput(problems)
    assert version is not None
    workshop.title = data.title
    workshop.description = data.description
    workshop.curriculum_version = version
    modules = [module for module in version.modules if module.id in wanted]
    if modules != list(workshop.modules):
        workshop.modules = modules
        workshop.updated_at = utcnow()  # a change of modules alone writes no workshop column
    workshop.venue_name = data.venue_name
    workshop.venue_address = data.venue_address
    workshop.city = data.city
    workshop.country = data.country.upper()
    workshop.timezone = data.timezone.strip()
    workshop.starts_on = data.starts_on
    workshop.ends_on = data.ends_on
    workshop.capacity = data.capacity
    workshop.enrolment_opens_at = opens_at
    workshop.enrolment_closes_at = closes_at
    accredited = _accreditation(data) is not None
    workshop.cme_accreditor = data.cme_accreditor.strip() if accredited else ""
    workshop.cme_statement = data.cme_statement.strip() if accredited else ""
    workshop.cme_designated_credits = data.cme_designated_credits if accredited else None
    workshop.cme_daily_cap = data.cme_daily_cap
    workshop.prerequisite_policy = data.prerequisite_policy


def _accreditation(data: WorkshopInput) -> rules.Accreditation | None:
    """The accreditation the organizer recorded, or None when every accreditation field is empty."""
    if not (data.cme_accreditor.strip() or data.cme_statement.strip() or data.cme_designated_credits):
        return None
    return rules.Accreditation(
        body=data.cme_accreditor,
        statement=data.cme_statement,
        designated_credits=data.cme_designated_credits,
        daily_cap=data.cme_daily_cap,
    )


def create_workshop(data: WorkshopInput, *, actor: User) -> Workshop:
    """A new draft workshop; its creator becomes its organizer."""
    workshop = Workshop(state=WorkshopState.DRAFT, created_by_id=actor.id)
    _apply(workshop, data, confirmed=0, sessions=[])
    workshop.staff = [WorkshopStaff(user_id=actor.id, duty=Duty.ORGANIZER)]
    db.session.add(workshop)
    db.session.flush()
    audit.record(
        "workshop.created",
        workshop,
        actor=actor,
        summary=f"Created the workshop “{workshop.title}”",
        new=_audit_view(workshop),
        workshop_id=workshop.id,
    )
    return workshop


def update_workshop(workshop: Workshop, data: WorkshopInput, *, actor: User) -> Workshop:
    """Change a workshop's fields; capacity never goes below the confirmed seats."""
    if workshop.state in (WorkshopState.COMPLETED, WorkshopState.CANCELLED):
        raise Conflict(f"A {workshop.state.value} workshop can no longer be changed.")
    lock_workshop(workshop)
    before = _audit_view(workshop)
    _apply(workshop, data, confirmed=confirmed_count(workshop), sessions=sessions_of(workshop))
    db.session.flush()
    old, new = audit.diff(before, _audit_view(workshop))
    if new:
        audit.record(
            "workshop.updated",
            workshop,
            actor=actor,
            summary=f"Changed {', '.join(sorted(new))} of “{workshop.title}”",
            old=old,
            new=new,
            workshop_id=workshop.id,
        )
    if new.get("capacity", 0) > old.get("capacity", new.get("capacity", 0)):
        # More seats: the waitlist moves up at once, first come first served.
        enrolments.promote(workshop, actor=actor)
    return workshop


def publish_workshop(workshop: Workshop, *, actor: User) -> None:
    problems = []
    if not workshop.modules:
        problems.append("Choose the modules the workshop covers before publishing it.")
    if workshop.capacity < 1:
        problems.append("Give the workshop at least one seat before publishing it.")
    if problems:
        raise InvalidInput.of(problems)
    _move(workshop, WorkshopState.PUBLISHED, actor=actor)
    workshop.published_at = utcnow()


def complete_workshop(workshop: Workshop, *, actor: User, today: date | None = None) -> None:
    today = today or utcnow().astimezone(workshop.zone).date()
    if workshop.state is WorkshopState.PUBLISHED and workshop.starts_on > today:
        raise Conflict(
            f"The workshop has not begun yet (it starts on {workshop.starts_on.isoformat()}): "
            "it can be completed once it has taken place."
        )
    _move(workshop, WorkshopState.COMPLETED, actor=actor)


def cancel_workshop(workshop: Workshop, reason: str, *, actor: User) -> int:
    """Cancel the workshop; every confirmed trainee is told. Returns how many were told."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput({"reason": ["Say why the workshop is cancelled: trainees will read it."]})
    was_published = workshop.state is WorkshopState.PUBLISHED
    _move(workshop, WorkshopState.CANCELLED, actor=actor, reason=reason)
    workshop.cancelled_at = utcnow()
    workshop.cancellation_reason = reason
    # Calendars must see every session go.
    for item in sessions_of(workshop):
        item.sequence += 1
    told = 0
    if was_published:
        for trainee in confirmed_trainees(workshop):
            queue_mail(
                trainee.email,
                f"Cancelled: {workshop.title}",
                "workshop_cancelled",
                topic="workshop-cancelled",
                workshop_id=workshop.id,
                trainee=trainee,
                workshop=workshop,
                reason=reason,
            )
            told += 1
    return told


def _move(workshop: Workshop, state: WorkshopState, *, actor: User, reason: str = "") -> None:
    before = workshop.state
    workshop.move_to(state)
    db.session.flush()
    summary = f"Moved “{workshop.title}” from {before.value} to {state.value}"
    audit.record(
        f"workshop.{state.value}",
        workshop,
        actor=actor,
        summary=summary + (f": {reason}" if reason else ""),
        old={"state": before.value},
        new={"state": state.value, **({"reason": reason} if reason else {})},
        workshop_id=workshop.id,
    )


def recent_history(workshop: Workshop, *, limit: int = 8) -> list[AuditEvent]:
    """The latest changes to the workshop, newest first, for its organizers."""
    return list(
        db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.workshop_id == workshop.id)
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .limit(limit)
        )
    )
