"""Planning use cases: copy a workshop to schedule its next edition, read the
programme's month and the figures of an organizer's workshops.

``copy_workshop`` takes the acting user as ``actor``, flushes and records the copy
in the audit log; the view commits. The readers run a fixed number of queries
however many workshops there are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import lazyload, selectinload

from training.accounts.models import User
from training.assessments.models import CompetenceStandard
from training.attendance.models import AttendanceRecord, AttendanceSettings, AttendanceStatus
from training.certificates.models import Certificate, CertificateState, CertificationRules
from training.core import audit
from training.core.db import utcnow
from training.core.errors import InvalidInput
from training.core.permissions import is_admin
from training.enrolments.models import Enrolment, EnrolmentState
from training.extensions import db
from training.planning import rules
from training.quizzes.models import Attempt, AttemptState, Quiz
from training.workshops import rules as workshop_rules
from training.workshops import services as workshop_services
from training.workshops.models import (
    Duty,
    SessionKind,
    Station,
    Workshop,
    WorkshopSession,
    WorkshopStaff,
    WorkshopState,
)
from training.workshops.permissions import DUTY_NEEDS, staffed_workshops
from training.workshops.services import visible_filter

# --- copying a workshop -------------------------------------------------------------------------


@dataclass(frozen=True)
class CopyInput:
    starts_on: date  # the new edition's first day, at the venue
    title: str = ""  # empty: the same title
    venue_name: str = ""  # empty: the same venue


def _keeps_duty(user: User, duty: Duty) -> bool:
    """Whether the person may still hold this duty: active, with a role the duty needs."""
    return user.active and any(user.has_role(role) for role in DUTY_NEEDS[duty.value])


def _live_sessions(source: Workshop) -> list[WorkshopSession]:
    return list(
        db.session.scalars(
            sa.select(WorkshopSession)
            .where(WorkshopSession.workshop_id == source.id, WorkshopSession.cancelled.is_(False))
            .options(
                selectinload(WorkshopSession.modules),
                selectinload(WorkshopSession.faculty),
                selectinload(WorkshopSession.stations),
            )
            .order_by(WorkshopSession.starts_at, WorkshopSession.id)
        )
    )


def copy_workshop(source: Workshop, data: CopyInput, *, actor: User) -> Workshop:
    """A draft next edition of ``source`` starting on ``data.starts_on``.

    Copied: the curriculum modules, the live sessions (moved by whole days, keeping their
    clock times at the venue), their stations, the capacity, the staff duties of people who
    still hold the matching role (the actor becomes an organizer), the certification
    rules, the competence standard, the attendance rules and the CME accreditation.
    Never copied: enrolments, attendance, quiz attempts, assessments, sign-offs,
    certificates, evaluations (nothing about a person's participation)."""
    zone = source.zone
    today = utcnow().astimezone(zone).date()
    problems: dict[str | None, list[str]] = {}
    date_problems = rules.copy_date_problems(
        source_starts_on=source.starts_on, new_starts_on=data.starts_on, today=today
    )
    if date_problems:
        raise InvalidInput({"starts_on": date_problems})
    offset = (data.starts_on - source.starts_on).days
    ends_on = source.ends_on + timedelta(days=offset)
    title = (data.title or "").strip() or source.title
    venue_name = (data.venue_name or "").strip() or source.venue_name

    sessions = _live_sessions(source)
    moved: list[tuple[WorkshopSession, datetime, datetime]] = []
    for item in sessions:
        try:
            start = rules.shift_at_venue(item.starts_at, zone, offset)
            end = rules.shift_at_venue(item.ends_at, zone, offset)
        except workshop_rules.NonexistentLocalTime as error:
            problems.setdefault("starts_on", []).append(f"“{item.title}”: {error}")
            continue
        moved.append((item, start, end))
    window: dict[str, datetime | None] = {}
    for name in ("enrolment_opens_at", "enrolment_closes_at"):
        value = getattr(source, name)
        try:
            window[name] = rules.shift_at_venue(value, zone, offset) if value is not None else None
        except workshop_rules.NonexistentLocalTime as error:
            problems.setdefault("starts_on", []).append(f"Enrolment window: {error}")
    if problems:
        raise InvalidInput(problems)

    # Who comes along: people who still hold a role their duty needs.
    kept = [(m.user_id, m.duty) for m in source.staff if _keeps_duty(m.user, m.duty)]
    left_behind = sorted({m.user.full_name for m in source.staff if (m.user_id, m.duty) not in kept})
    if (actor.id, Duty.ORGANIZER) not in kept:
        kept.append((actor.id, Duty.ORGANIZER))
    teachers = {user_id for user_id, duty in kept if duty in (Duty.FACULTY, Duty.CERTIFIER)}

    # The moved timetable must not take a room or a person already booked elsewhere.
    if moved:
        others = workshop_services.possible_clashes(min(s for _, s, _ in moved), max(e for _, _, e in moved))
        clashes: list[str] = []
        for item, start, end in moved:
            slot = workshop_rules.Slot(
                session_id=None,
                workshop_id=0,
                workshop_title=title,
                title=item.title,
                starts_at=start,
                ends_at=end,
                venue=f"{venue_name} {source.city}",
                room=item.room or "",
                faculty={p.id: p.full_name for p in item.faculty if p.id in teachers},
            )
            clashes.extend(
                workshop_rules.session_problems(
                    slot, zone=zone, starts_on=data.starts_on, ends_on=ends_on, others=others
                )
            )
        if clashes:
            raise InvalidInput({"starts_on": [*clashes, "Choose another start date, or change the venue."]})

    copy = Workshop(
        title=title,
        description=source.description,
        curriculum_version_id=source.curriculum_version_id,
        venue_name=venue_name,
        venue_address=source.venue_address if venue_name == source.venue_name else "",
        city=source.city,
        country=source.country,
        timezone=source.timezone,
        starts_on=data.starts_on,
        ends_on=ends_on,
        capacity=source.capacity,
        enrolment_opens_at=window["enrolment_opens_at"],
        enrolment_closes_at=window["enrolment_closes_at"],
        cme_accreditor=source.cme_accreditor,
        cme_statement=source.cme_statement,
        cme_designated_credits=source.cme_designated_credits,
        cme_daily_cap=source.cme_daily_cap,
        state=WorkshopState.DRAFT,
        prerequisite_policy=source.prerequisite_policy,
        created_by_id=actor.id,
    )
    copy.modules = list(source.modules)
    copy.staff = [WorkshopStaff(user_id=user_id, duty=duty) for user_id, duty in kept]
    db.session.add(copy)
    for item, start, end in moved:
        new_item = WorkshopSession(
            workshop=copy,
            title=item.title,
            description=item.description,
            kind=item.kind,
            starts_at=start,
            ends_at=end,
            room=item.room,
            mandatory=item.mandatory,
        )
        new_item.modules = list(item.modules)
        new_item.faculty = [person for person in item.faculty if person.id in teachers]
        new_item.stations = [
            Station(
                name=station.name,
                equipment=station.equipment,
                capacity=station.capacity,
                position=station.position,
                faculty_id=station.faculty_id if station.faculty_id in teachers else None,
            )
            for station in item.stations
        ]
        db.session.add(new_item)
    db.session.flush()
    _copy_rules(source, copy)
    audit.record(
        "workshop.copied",
        copy,
        actor=actor,
        summary=f"Scheduled “{copy.title}” from {copy.starts_on.isoformat()} as a copy of “{source.title}”",
        old={"copied_from": source.id, "starts_on": source.starts_on.isoformat()},
        new={
            "starts_on": copy.starts_on.isoformat(),
            "ends_on": copy.ends_on.isoformat(),
            "sessions": len(moved),
            "staff": sorted(f"{m.duty.value}:{m.user_id}" for m in copy.staff),
            "not_copied_staff": left_behind,
        },
        workshop_id=copy.id,
    )
    return copy


# The per-workshop rule rows a copy takes, with the columns that carry the rule.
_RULE_ROWS = (
    (AttendanceSettings, ("min_percent", "excused_policy", "late_grace_minutes")),
    (CertificationRules, ("quiz_policy", "required_skills", "evaluation_required", "competence_enabled")),
    (CompetenceStandard, ("min_domain_score", "required_entrustment")),
)


def _copy_rules(source: Workshop, copy: Workshop) -> None:
    """The per-workshop rules of attendance, certificates and assessments (one query each)."""
    for model, columns in _RULE_ROWS:
        row = db.session.scalar(sa.select(model).where(model.workshop_id == source.id))
        if row is None:
            continue
        values = {name: getattr(row, name) for name in columns}
        # A list (the required skills) is the copy's own, not shared with the source row.
        values = {name: list(v) if isinstance(v, list) else v for name, v in values.items()}
        db.session.add(model(workshop_id=copy.id, **values))
    db.session.flush()


# --- the programme's month ----------------------------------------------------------------------


@dataclass(frozen=True)
class Month:
    year: int
    month: int
    first: date
    last: date
    workshops: list[Workshop]
    weeks: list[list[rules.Cell]]
    previous: str
    following: str

    def by_key(self) -> dict[int, Workshop]:
        return {w.id: w for w in self.workshops}


def month_view(user: User | None, year: int, month: int) -> Month:
    """The workshops the person may see that take a day of the month (one query)."""
    first = date(year, month, 1)
    last = (date(year + (month == 12), month % 12 + 1, 1)) - timedelta(days=1)
    workshops = list(
        db.session.scalars(
            sa.select(Workshop)
            .where(visible_filter(user), Workshop.starts_on <= last, Workshop.ends_on >= first)
            .options(lazyload(Workshop.staff))
            .order_by(Workshop.starts_on, Workshop.title, Workshop.id)
        )
    )
    spans = [rules.Span(w.id, w.starts_on, w.ends_on) for w in workshops]
    previous, following = rules.neighbours(year, month)
    return Month(
        year, month, first, last, workshops, rules.month_grid(year, month, spans), previous, following
    )


# --- the organizer dashboard --------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """What an organizer watches on one workshop."""

    workshop: Workshop
    confirmed: int
    waitlisted: int
    sessions_held: int  # counted sessions that have ended
    attended: int  # present or late marks of confirmed trainees at those sessions
    quiz_takers: int  # (trainee, quiz) pairs with a graded attempt
    quiz_passed: int  # of which passed at least once
    certificates: int  # valid certificates issued

    @property
    def seats_percent(self) -> int | None:
        return rules.rate(self.confirmed, self.workshop.capacity)

    @property
    def attendance_expected(self) -> int:
        return self.sessions_held * self.confirmed

    @property
    def attendance_percent(self) -> int | None:
        return rules.rate(self.attended, self.attendance_expected)

    @property
    def pass_percent(self) -> int | None:
        return rules.rate(self.quiz_passed, self.quiz_takers)


def dashboard_query(user: User, *, today: date | None = None) -> sa.Select:
    """The upcoming and running workshops the person organizes (admins: all), soonest first."""
    today = today or utcnow().date()
    query = sa.select(Workshop).where(
        Workshop.state.in_([WorkshopState.DRAFT, WorkshopState.PUBLISHED]),
        Workshop.ends_on >= today - timedelta(days=1),  # still running somewhere on Earth
    )
    if not is_admin(user):
        query = query.where(Workshop.id.in_(staffed_workshops(user, "organizer")))
    return query.options(lazyload(Workshop.staff)).order_by(Workshop.starts_on, Workshop.id)


def _grouped(query: sa.Select) -> dict[int, int]:
    return {workshop_id: int(count or 0) for workshop_id, count in db.session.execute(query).all()}


def figures(workshops: list[Workshop], *, now: datetime | None = None) -> list[Figures]:
    """The figures of these workshops: five queries, however many workshops."""
    if not workshops:
        return []
    now = now or utcnow()
    ids = [w.id for w in workshops]
    seats: dict[tuple[int, EnrolmentState], int] = {
        (workshop_id, state): count
        for workshop_id, state, count in db.session.execute(
            sa.select(Enrolment.workshop_id, Enrolment.state, sa.func.count())
            .where(Enrolment.workshop_id.in_(ids))
            .group_by(Enrolment.workshop_id, Enrolment.state)
        ).all()
    }
    held_filter = (
        WorkshopSession.workshop_id.in_(ids),
        WorkshopSession.cancelled.is_(False),
        WorkshopSession.kind != SessionKind.BREAK,
        WorkshopSession.ends_at <= now,
    )
    held = _grouped(
        sa.select(WorkshopSession.workshop_id, sa.func.count())
        .where(*held_filter)
        .group_by(WorkshopSession.workshop_id)
    )
    attended = _grouped(
        sa.select(WorkshopSession.workshop_id, sa.func.count())
        .select_from(AttendanceRecord)
        .join(WorkshopSession, WorkshopSession.id == AttendanceRecord.session_id)
        .join(
            Enrolment,
            sa.and_(
                Enrolment.workshop_id == WorkshopSession.workshop_id,
                Enrolment.trainee_id == AttendanceRecord.trainee_id,
                Enrolment.state == EnrolmentState.CONFIRMED,
            ),
        )
        .where(
            *held_filter,
            AttendanceRecord.status.in_([AttendanceStatus.PRESENT, AttendanceStatus.LATE]),
        )
        .group_by(WorkshopSession.workshop_id)
    )
    # One row per (quiz, trainee) with a graded attempt: did any attempt pass?
    pairs = (
        sa.select(
            Quiz.workshop_id.label("workshop_id"),
            sa.func.max(sa.case((Attempt.passed.is_(True), 1), else_=0)).label("passed"),
        )
        .join(Attempt, Attempt.quiz_id == Quiz.id)
        .where(Quiz.workshop_id.in_(ids), Attempt.state == AttemptState.GRADED)
        .group_by(Quiz.workshop_id, Attempt.quiz_id, Attempt.trainee_id)
        .subquery()
    )
    quizzes = {
        workshop_id: (int(takers), int(passed or 0))
        for workshop_id, takers, passed in db.session.execute(
            sa.select(pairs.c.workshop_id, sa.func.count(), sa.func.sum(pairs.c.passed)).group_by(
                pairs.c.workshop_id
            )
        ).all()
    }
    certificates = _grouped(
        sa.select(Certificate.workshop_id, sa.func.count())
        .where(Certificate.workshop_id.in_(ids), Certificate.state == CertificateState.VALID)
        .group_by(Certificate.workshop_id)
    )
    return [
        Figures(
            workshop=w,
            confirmed=seats.get((w.id, EnrolmentState.CONFIRMED), 0),
            waitlisted=seats.get((w.id, EnrolmentState.WAITLISTED), 0),
            sessions_held=held.get(w.id, 0),
            attended=attended.get(w.id, 0),
            quiz_takers=quizzes.get(w.id, (0, 0))[0],
            quiz_passed=quizzes.get(w.id, (0, 0))[1],
            certificates=certificates.get(w.id, 0),
        )
        for w in workshops
    ]
