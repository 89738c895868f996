"""Workshop use cases: build a workshop, staff it, schedule it, publish it, share its calendar.

Each function takes the acting user as ``actor``, changes state, flushes and
records the change in the audit log; the view commits. Refusals are
``DomainError``s naming what is wrong.
"""

from __future__ import annotations

import hashlib
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload, lazyload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from training.accounts.forms import country_name
from training.accounts.models import Role, User
from training.accounts.services import ROLE_CONSEQUENCES, Ending, RoleConsequence
from training.core import audit
from training.core.db import utcnow
from training.core.errors import Conflict, InvalidInput, NotFound
from training.core.mail import queue_mail
from training.core.permissions import is_admin
from training.core.text import sort_key
from training.core.urls import external_url
from training.curriculum.models import CurriculumVersion, Module, VersionState
from training.enrolments.models import Enrolment, EnrolmentState
from training.extensions import db
from training.workshops import permissions, rules
from training.workshops.models import (
    DEFAULT_CME_DAILY_CAP,
    CalendarFeed,
    Duty,
    FacultyProfile,
    PrerequisitePolicy,
    SessionKind,
    Station,
    StationAssignment,
    Workshop,
    WorkshopSession,
    WorkshopStaff,
    WorkshopState,
    session_modules,
    workshop_modules,
)
from training.workshops.stations import sync_stations

# --- reading ----------------------------------------------------------------------------


def confirmed_count(workshop: Workshop) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Enrolment)
        .where(Enrolment.workshop_id == workshop.id, Enrolment.state == EnrolmentState.CONFIRMED)
    )


def confirmed_counts(workshop_ids: list[int]) -> dict[int, int]:
    """Confirmed seats per workshop, in one query (for lists)."""
    if not workshop_ids:
        return {}
    rows = db.session.execute(
        sa.select(Enrolment.workshop_id, sa.func.count())
        .where(Enrolment.workshop_id.in_(workshop_ids), Enrolment.state == EnrolmentState.CONFIRMED)
        .group_by(Enrolment.workshop_id)
    )
    return dict(rows.all())


def confirmed_trainees(workshop: Workshop, *, order: str = "arrival") -> list[User]:
    """Trainees holding a confirmed seat, in arrival order (or by name: ``order="name"``).

    The one roster query every capability uses. Roles are not loaded: a roster is
    for names and ids, not for permission checks."""
    ordering = (User.full_name, User.id) if order == "name" else (Enrolment.requested_at, Enrolment.id)
    return list(
        db.session.scalars(
            sa.select(User)
            .join(Enrolment, Enrolment.trainee_id == User.id)
            .where(Enrolment.workshop_id == workshop.id, Enrolment.state == EnrolmentState.CONFIRMED)
            .options(lazyload(User.role_links))
            .order_by(*ordering)
        )
    )


def lock_workshop(workshop: Workshop) -> Workshop:
    """Take the workshop's row lock (PostgreSQL; SQLite writers already hold the database)."""
    db.session.execute(sa.select(Workshop.id).where(Workshop.id == workshop.id).with_for_update())
    return workshop


def published_versions() -> list[CurriculumVersion]:
    return list(
        db.session.scalars(
            sa.select(CurriculumVersion)
            .where(CurriculumVersion.state == VersionState.PUBLISHED)
            .options(selectinload(CurriculumVersion.modules))
            .order_by(CurriculumVersion.title, CurriculumVersion.number.desc())
        )
    )


def faculty_profiles(user_ids: list[int]) -> dict[int, FacultyProfile]:
    if not user_ids:
        return {}
    profiles = db.session.scalars(sa.select(FacultyProfile).where(FacultyProfile.user_id.in_(user_ids)))
    return {profile.user_id: profile for profile in profiles}


def visible_filter(user: User | None) -> Any:
    """Drafts are visible to their own staff and to admins only."""
    not_draft = Workshop.state != WorkshopState.DRAFT
    if user is None or not getattr(user, "is_authenticated", False):
        return not_draft
    if not permissions.sees_drafts(user):
        return not_draft
    if is_admin(user):
        return sa.true()
    return sa.or_(not_draft, Workshop.id.in_(permissions.staffed_workshops(user)))


def sees_public_catalogue(user: User | None) -> bool:
    """Whether the person sees exactly the published catalogue, so may share its kept
    copy: decided by the same predicate as ``visible_filter``'s drafts."""
    if user is None or not getattr(user, "is_authenticated", False):
        return True
    return not permissions.sees_drafts(user)


def catalogue_stamp() -> tuple[Any, ...]:
    """Figures that change whenever the catalogue's lists could: a workshop or an
    enrolment written (latest update) or added (largest id). One statement, on indexes."""
    return tuple(
        db.session.execute(
            sa.select(
                sa.select(sa.func.max(Workshop.updated_at)).scalar_subquery(),
                sa.select(sa.func.max(Workshop.id)).scalar_subquery(),
                sa.select(sa.func.max(Enrolment.updated_at)).scalar_subquery(),
                sa.select(sa.func.max(Enrolment.id)).scalar_subquery(),
            )
        ).one()
    )


@dataclass(frozen=True)
class WorkshopFilters:
    when: str = "upcoming"  # or "past"
    q: str = ""
    module: str = ""  # a module code
    country: str = ""
    month: str = ""  # YYYY-MM


def workshop_list_query(user: User | None, filters: WorkshopFilters, *, today: date | None = None) -> Any:
    today = today or utcnow().date()
    query = sa.select(Workshop).where(visible_filter(user), _when(filters.when, today))
    if filters.when == "past":
        query = query.order_by(Workshop.starts_on.desc(), Workshop.id.desc())
    else:
        query = query.order_by(Workshop.starts_on, Workshop.id)
    if text := filters.q.strip()[:100]:
        cleaned = text.replace("\\", "").replace("%", "").replace("_", " ")
        pattern = f"%{cleaned}%"
        query = query.where(
            sa.or_(
                Workshop.title.ilike(pattern),
                Workshop.description.ilike(pattern),
                Workshop.city.ilike(pattern),
                Workshop.venue_name.ilike(pattern),
            )
        )
    if filters.module:
        query = query.where(
            sa.exists()
            .where(workshop_modules.c.workshop_id == Workshop.id)
            .where(workshop_modules.c.module_id == Module.id)
            .where(Module.code == filters.module[:20])
        )
    if filters.country:
        query = query.where(Workshop.country == filters.country[:2].upper())
    if bounds := rules.month_bounds(filters.month):
        first, last = bounds
        query = query.where(Workshop.starts_on <= last, Workshop.ends_on >= first)
    # The list shows modules, not staff: their (eager) loading is left out.
    return query.options(
        selectinload(Workshop.modules).load_only(Module.code, Module.title, Module.position),
        lazyload(Workshop.staff),
    )


def _when(when: str, today: date) -> Any:
    """Past workshops (finished, or marked completed) or upcoming ones (the rest)."""
    if when == "past":
        return sa.or_(Workshop.ends_on < today, Workshop.state == WorkshopState.COMPLETED)
    return sa.and_(Workshop.ends_on >= today, Workshop.state != WorkshopState.COMPLETED)


def filter_choices(
    user: User | None, when: str = "upcoming", *, today: date | None = None
) -> tuple[list[tuple[str, str]], list[str]]:
    """Module codes and countries of the visible workshops in the list's view (upcoming
    or past), for its filter menus: every choice finds something, and the upcoming
    view's menus cost the same after years of past workshops."""
    visible = sa.select(Workshop.id).where(visible_filter(user), _when(when, today or utcnow().date()))
    modules = db.session.execute(
        sa.select(Module.code, sa.func.min(Module.title))
        .join(workshop_modules, workshop_modules.c.module_id == Module.id)
        .where(workshop_modules.c.workshop_id.in_(visible))
        .group_by(Module.code)
        .order_by(Module.code)
    ).all()
    countries = db.session.scalars(
        sa.select(Workshop.country).where(Workshop.id.in_(visible)).distinct()
    ).all()
    # In the order of the names the menu shows, not of their codes.
    by_name = sorted(countries, key=lambda code: sort_key(country_name(code)))
    return [(code, title) for code, title in modules], by_name


def sessions_of(workshop: Workshop) -> list[WorkshopSession]:
    """The workshop's sessions with their faculty, modules and stations; they also
    fill ``workshop.sessions`` so the page's panels read them without a query."""
    sessions = list(
        db.session.scalars(
            sa.select(WorkshopSession)
            .where(WorkshopSession.workshop_id == workshop.id)
            .options(
                selectinload(WorkshopSession.faculty).lazyload(User.role_links),
                selectinload(WorkshopSession.modules),
                selectinload(WorkshopSession.stations),
            )
            .order_by(WorkshopSession.starts_at, WorkshopSession.id)
        )
    )
    set_committed_value(workshop, "sessions", sessions)
    return sessions


@dataclass
class Day:
    day: date
    sessions: list[WorkshopSession] = field(default_factory=list)


def timetable(workshop: Workshop, sessions: list[WorkshopSession] | None = None) -> list[Day]:
    """Every day of the workshop (venue dates) with its sessions in venue time."""
    sessions = sessions if sessions is not None else sessions_of(workshop)
    days = {day: Day(day) for day in rules.workshop_days(workshop.starts_on, workshop.ends_on)}
    zone = workshop.zone
    for item in sessions:
        local_day = item.starts_at.astimezone(zone).date()
        days.setdefault(local_day, Day(local_day)).sessions.append(item)
    return [days[key] for key in sorted(days)]


@dataclass
class ScheduleItem:
    session: WorkshopSession
    station: Station | None


def user_schedule(user: User, *, past: bool = False) -> list[ScheduleItem]:
    """A trainee's sessions across every workshop where they hold a confirmed seat."""
    now = utcnow()
    enrolled = sa.select(Enrolment.workshop_id).where(
        Enrolment.trainee_id == user.id, Enrolment.state == EnrolmentState.CONFIRMED
    )
    query = (
        sa.select(WorkshopSession)
        .join(WorkshopSession.workshop)
        .where(WorkshopSession.workshop_id.in_(enrolled), Workshop.state != WorkshopState.DRAFT)
        .options(
            contains_eager(WorkshopSession.workshop),
            selectinload(WorkshopSession.faculty),
        )
    )
    if past:
        query = query.where(WorkshopSession.ends_at < now).order_by(WorkshopSession.starts_at.desc())
    else:
        query = query.where(WorkshopSession.ends_at >= now).order_by(WorkshopSession.starts_at)
    sessions = list(db.session.scalars(query.limit(500)))
    stations: dict[int, Station] = {}
    if sessions:
        rows = db.session.execute(
            sa.select(StationAssignment.session_id, Station)
            .join(Station, Station.id == StationAssignment.station_id)
            .where(
                StationAssignment.trainee_id == user.id,
                StationAssignment.session_id.in_([s.id for s in sessions]),
            )
        )
        stations = dict(rows.all())
    return [ScheduleItem(s, stations.get(s.id)) for s in sessions]


# --- workshops ----------------------------------------------------------------------------


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
        from training.enrolments.services import promote  # enrolments builds on this module

        promote(workshop, actor=actor)
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
    for item in workshop.sessions:
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


# --- staff and faculty profiles --------------------------------------------------------------

# The global roles a duty needs (a duty has effect only while its holder has one).
DUTY_NEEDS = {duty: permissions.DUTY_NEEDS[duty.value] for duty in Duty}


def add_staff(workshop: Workshop, email: str, duty: Duty, *, actor: User) -> WorkshopStaff:
    email = (email or "").strip().lower()
    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is None or not user.active:
        raise InvalidInput({"email": [f"No active account uses {email[:254] or 'that address'}."]})
    if not any(user.has_role(role) for role in DUTY_NEEDS[duty]):
        needed = " or ".join(role.label.lower() for role in DUTY_NEEDS[duty])
        raise InvalidInput(
            {"email": [f"{user.full_name} is not {needed}: an admin must give the role first."]}
        )
    if duty in workshop.duties_of(user):
        raise Conflict(f"{user.full_name} is already {duty.label.lower()} on this workshop.")
    lock_workshop(workshop)  # enrolling takes the same lock: the two cannot cross
    if permissions.enrolled_in(user, workshop.id):
        raise InvalidInput(
            {
                "email": [
                    f"{user.full_name} is enrolled in this workshop as a trainee: nobody can be on the "
                    "staff of a workshop they attend (cancel the enrolment first)."
                ]
            }
        )
    member = WorkshopStaff(workshop=workshop, user_id=user.id, duty=duty)
    member.user = user
    db.session.add(member)
    db.session.flush()
    audit.record(
        "workshop.staff_added",
        workshop,
        actor=actor,
        summary=f"Made {user.full_name} {duty.label.lower()} of “{workshop.title}”",
        new={"user": user.email, "duty": duty.value},
        workshop_id=workshop.id,
    )
    return member


def remove_staff(workshop: Workshop, member: WorkshopStaff, *, actor: User) -> None:
    if member.workshop_id != workshop.id:
        raise NotFound("That person is not on this workshop's staff.")
    user = member.user
    if member.duty is Duty.ORGANIZER and len(workshop.staff_with(Duty.ORGANIZER)) <= 1:
        raise Conflict("A workshop needs at least one organizer: add another before removing this one.")
    remaining = workshop.duties_of(user) - {member.duty}
    if member.duty in (Duty.FACULTY, Duty.CERTIFIER) and not remaining & {Duty.FACULTY, Duty.CERTIFIER}:
        teaching = db.session.scalars(
            sa.select(WorkshopSession.title)
            .join(WorkshopSession.faculty)
            .where(WorkshopSession.workshop_id == workshop.id, User.id == user.id)
            .where(WorkshopSession.cancelled.is_(False))
            .order_by(WorkshopSession.starts_at)
        ).all()
        if teaching:
            names = ", ".join(f"“{title}”" for title in teaching)
            raise Conflict(f"{user.full_name} teaches {names}: take them off these sessions first.")
    _drop_staff(member, actor=actor)


def _drop_staff(member: WorkshopStaff, *, actor: User | None, why: str = "", **old: object) -> None:
    """Delete one duty and record it in the workshop's history."""
    workshop, user = member.workshop, member.user
    workshop.staff.remove(member)
    db.session.delete(member)
    db.session.flush()
    audit.record(
        "workshop.staff_removed",
        workshop,
        actor=actor,
        summary=f"{user.full_name} is no longer {member.duty.label.lower()} of “{workshop.title}”{why}",
        old={"user": user.email, "duty": member.duty.value, **old},
        workshop_id=workshop.id,
    )


# A change of global roles ends the duties that needed a removed role (accounts asks).


def duties_without_role(user: User, roles: frozenset[Role]) -> list[WorkshopStaff]:
    """The person's duties that ``roles`` would leave without effect, by workshop date."""
    kept = [duty for duty, needs in DUTY_NEEDS.items() if roles & set(needs)]
    return list(
        db.session.scalars(
            sa.select(WorkshopStaff)
            .join(Workshop, Workshop.id == WorkshopStaff.workshop_id)
            .where(WorkshopStaff.user_id == user.id, WorkshopStaff.duty.not_in(kept))
            .options(contains_eager(WorkshopStaff.workshop))
            .order_by(Workshop.starts_on, Workshop.id, WorkshopStaff.duty)
        )
    )


def _sessions_to_leave(member: WorkshopStaff, ending: list[WorkshopStaff]) -> list[WorkshopSession]:
    """Sessions of the workshop not yet begun that the person teaches, when no teaching
    duty on it outlives ``ending``: they are taken off them (past ones keep the record)."""
    teaching = {Duty.FACULTY, Duty.CERTIFIER}
    if member.duty not in teaching:
        return []
    staying = {m.duty for m in member.workshop.staff if m.user_id == member.user_id} - {
        m.duty for m in ending if m.workshop_id == member.workshop_id
    }
    if staying & teaching:
        return []
    return list(
        db.session.scalars(
            sa.select(WorkshopSession)
            .join(WorkshopSession.faculty)
            .where(
                WorkshopSession.workshop_id == member.workshop_id,
                WorkshopSession.starts_at > utcnow(),
                User.id == member.user_id,
            )
            .order_by(WorkshopSession.starts_at, WorkshopSession.id)
        )
    )


def _ending_text(member: WorkshopStaff, sessions: list[WorkshopSession]) -> str:
    workshop = member.workshop
    text = f"{member.duty.label} of “{workshop.title}” ({workshop.starts_on.isoformat()})"
    if sessions:
        count = f"{len(sessions)} upcoming session" + ("s" if len(sessions) > 1 else "")
        text += f", and teaching its {count}"
    return text


def _preview_duty_endings(user: User, roles: frozenset[Role]) -> list[Ending]:
    ending = duties_without_role(user, roles)
    return [
        Ending(f"workshop_staff:{member.id}", _ending_text(member, _sessions_to_leave(member, ending)))
        for member in ending
    ]


def _end_duties(user: User, roles: frozenset[Role], *, actor: User) -> None:
    ending = duties_without_role(user, roles)
    leaving = {member.id: _sessions_to_leave(member, ending) for member in ending}
    for member in ending:
        for item in leaving[member.id]:
            item.faculty = [person for person in item.faculty if person.id != user.id]
            for station in item.stations:
                if station.faculty_id == user.id:
                    station.faculty_id = None
            item.sequence += 1  # calendars show who teaches
        left = {"sessions": [item.title for item in leaving[member.id]]} if leaving[member.id] else {}
        _drop_staff(member, actor=actor, why=": the global role it needs was removed", **left)


ROLE_CONSEQUENCES.append(RoleConsequence(preview=_preview_duty_endings, end=_end_duties))


def faculty_profile(user: User) -> FacultyProfile | None:
    return db.session.scalar(sa.select(FacultyProfile).where(FacultyProfile.user_id == user.id))


def save_faculty_profile(
    user: User, *, biography: str, disclosure: str, nothing_to_disclose: bool, actor: User
) -> FacultyProfile:
    biography, disclosure = (biography or "").strip(), (disclosure or "").strip()
    if nothing_to_disclose and disclosure:
        raise InvalidInput(
            {
                "disclosure": [
                    "Either list your relationships with industry or tick “nothing to disclose”, not both."
                ]
            }
        )
    if not nothing_to_disclose and not disclosure:
        raise InvalidInput(
            {
                "disclosure": [
                    "List your financial relationships with industry (consulting, fees, grants, shares), "
                    "or tick “nothing to disclose”."
                ]
            }
        )
    profile = faculty_profile(user) or FacultyProfile(user_id=user.id)
    before = {
        "biography": profile.biography or "",
        "disclosure": profile.disclosure or "",
        "nothing_to_disclose": bool(profile.nothing_to_disclose),
    }
    after = {"biography": biography, "disclosure": disclosure, "nothing_to_disclose": nothing_to_disclose}
    if (before["disclosure"], before["nothing_to_disclose"]) != (disclosure, nothing_to_disclose):
        profile.disclosure_updated_at = utcnow()
    profile.biography, profile.disclosure, profile.nothing_to_disclose = (
        biography,
        disclosure,
        nothing_to_disclose,
    )
    db.session.add(profile)
    db.session.flush()
    audit.record_changes(
        "faculty.profile_updated",
        profile,
        before,
        after,
        actor=actor,
        summary=f"Updated the faculty profile of {user.full_name}",
    )
    return profile


# --- sessions ---------------------------------------------------------------------------------


@dataclass
class SessionInput:
    title: str
    description: str
    kind: SessionKind
    day: date
    start: time  # venue wall clock
    end: time
    room: str
    module_ids: list[int]
    faculty_ids: list[int]
    mandatory: bool
    stations: int = 0  # new sessions only: how many stations to create
    station_capacity: int = 0


def _slot(
    workshop: Workshop, session_id: int | None, data_title: str, start, end, room, faculty
) -> rules.Slot:
    return rules.Slot(
        session_id=session_id,
        workshop_id=workshop.id,
        workshop_title=workshop.title,
        title=data_title,
        starts_at=start,
        ends_at=end,
        venue=f"{workshop.venue_name} {workshop.city}",
        room=room or "",
        faculty={person.id: person.full_name for person in faculty},
    )


def possible_clashes(start: datetime, end: datetime, exclude_id: int | None = None) -> list[rules.Slot]:
    """Live sessions of every workshop between two moments, for the clash check (one query)."""
    query = (
        sa.select(WorkshopSession)
        .join(WorkshopSession.workshop)
        .where(
            WorkshopSession.cancelled.is_(False),
            Workshop.state != WorkshopState.CANCELLED,
            WorkshopSession.starts_at < end,
            WorkshopSession.ends_at > start,
        )
        .options(contains_eager(WorkshopSession.workshop), selectinload(WorkshopSession.faculty))
    )
    if exclude_id is not None:
        query = query.where(WorkshopSession.id != exclude_id)
    return [
        _slot(s.workshop, s.id, s.title, s.starts_at, s.ends_at, s.room, s.faculty)
        for s in db.session.scalars(query)
    ]


def _session_times(workshop: Workshop, data: SessionInput) -> tuple[datetime, datetime]:
    zone = workshop.zone
    try:
        start = rules.venue_to_utc(data.day, data.start, zone)
    except rules.NonexistentLocalTime as error:
        raise InvalidInput({"start": [str(error)]}) from error
    try:
        end = rules.venue_to_utc(data.day, data.end, zone)
    except rules.NonexistentLocalTime as error:
        raise InvalidInput({"end": [str(error)]}) from error
    return start, end


def _session_checks(
    workshop: Workshop, data: SessionInput, session_id: int | None
) -> tuple[datetime, datetime, list[Module], list[User]]:
    problems: dict[str | None, list[str]] = {}
    start, end = _session_times(workshop, data)
    # Two organizers booking the same person (or this workshop's rooms) at once wait for
    # each other here, so both cannot pass the clash check (PostgreSQL; SQLite writers queue).
    lock_workshop(workshop)
    if data.faculty_ids:
        db.session.execute(
            sa.select(User.id)
            .where(User.id.in_(sorted(set(data.faculty_ids))))
            .order_by(User.id)
            .with_for_update()
        )
    modules_by_id = {module.id: module for module in workshop.modules}
    unknown_modules = [mid for mid in data.module_ids if mid not in modules_by_id]
    if unknown_modules:
        problems["module_ids"] = ["Choose modules that this workshop covers."]
    teachers = {
        member.user_id: member.user
        for member in workshop.staff
        if member.duty in (Duty.FACULTY, Duty.CERTIFIER)
    }
    unknown_faculty = [uid for uid in data.faculty_ids if uid not in teachers]
    if unknown_faculty:
        problems["faculty_ids"] = ["Choose faculty of this workshop (add them to the staff first)."]
    faculty = [teachers[uid] for uid in dict.fromkeys(data.faculty_ids) if uid in teachers]
    slot = _slot(workshop, session_id, data.title, start, end, data.room, faculty)
    clashes = rules.session_problems(
        slot,
        zone=workshop.zone,
        starts_on=workshop.starts_on,
        ends_on=workshop.ends_on,
        others=possible_clashes(start, end, session_id) if end > start else [],
    )
    if clashes:
        problems[None] = clashes
    if problems:
        raise InvalidInput(problems)
    modules = [modules_by_id[mid] for mid in dict.fromkeys(data.module_ids)]
    return start, end, modules, faculty


def _session_view(item: WorkshopSession) -> dict[str, Any]:
    return {
        "title": item.title,
        "kind": item.kind.value,
        "starts_at": _iso(item.starts_at),
        "ends_at": _iso(item.ends_at),
        "room": item.room,
        "mandatory": item.mandatory,
        "modules": sorted(module.code for module in item.modules),
        "faculty": sorted(person.email for person in item.faculty),
        "description": item.description,
    }


def create_session(workshop: Workshop, data: SessionInput, *, actor: User) -> WorkshopSession:
    if workshop.state in (WorkshopState.COMPLETED, WorkshopState.CANCELLED):
        raise Conflict(f"A {workshop.state.value} workshop's timetable can no longer change.")
    if data.stations and not data.kind.has_stations:
        raise InvalidInput({"stations": [f"A {data.kind.label.lower()} has no stations."]})
    if data.stations and not 1 <= data.station_capacity <= 200:
        raise InvalidInput({"station_capacity": ["Give each station between 1 and 200 places."]})
    start, end, modules, faculty = _session_checks(workshop, data, None)
    item = WorkshopSession(
        workshop=workshop,
        title=data.title,
        description=data.description,
        kind=data.kind,
        starts_at=start,
        ends_at=end,
        room=data.room,
        mandatory=data.mandatory,
    )
    item.modules = modules
    item.faculty = faculty
    for position in range(data.stations):
        item.stations.append(
            Station(name=f"Table {position + 1}", capacity=data.station_capacity, position=position)
        )
    db.session.add(item)
    db.session.flush()
    if item.stations:
        sync_stations(workshop)
    audit.record(
        "session.created",
        item,
        actor=actor,
        summary=f"Scheduled “{item.title}” in “{workshop.title}”",
        new=_session_view(item),
        workshop_id=workshop.id,
    )
    return item


def update_session(item: WorkshopSession, data: SessionInput, *, actor: User) -> list[str]:
    """Change a session; returns what changed for trainees ("time", "room"), who are e-mailed."""
    workshop = item.workshop
    if item.cancelled:
        raise Conflict("This session is cancelled; schedule a new one instead.")
    if workshop.state in (WorkshopState.COMPLETED, WorkshopState.CANCELLED):
        raise Conflict(f"A {workshop.state.value} workshop's timetable can no longer change.")
    if item.stations and not data.kind.has_stations:
        raise InvalidInput(
            {"kind": [f"This session has stations; a {data.kind.label.lower()} cannot. Remove them first."]}
        )
    start, end, modules, faculty = _session_checks(workshop, data, item.id)
    before = _session_view(item)
    previous = (item.starts_at, item.ends_at, item.room)
    item.title, item.description, item.kind = data.title, data.description, data.kind
    item.starts_at, item.ends_at, item.room, item.mandatory = start, end, data.room, data.mandatory
    item.modules, item.faculty = modules, faculty
    old, new = audit.diff(before, _session_view(item))
    changes = rules.schedule_change(previous, (start, end, data.room))
    if new:
        item.sequence += 1
        db.session.flush()
        audit.record(
            "session.updated",
            item,
            actor=actor,
            summary=f"Changed {', '.join(sorted(new))} of “{item.title}”",
            old=old,
            new=new,
            workshop_id=workshop.id,
        )
    if changes:
        _tell_trainees(item, changes, previous)
    return changes


def cancel_session(item: WorkshopSession, *, actor: User) -> None:
    """Mark the session cancelled (it stays on the timetable, struck through) and tell trainees."""
    if item.cancelled:
        raise Conflict("This session is already cancelled.")
    if item.workshop.state in (WorkshopState.COMPLETED, WorkshopState.CANCELLED):
        raise Conflict(f"A {item.workshop.state.value} workshop's timetable can no longer change.")
    item.cancelled = True
    item.sequence += 1
    db.session.flush()
    audit.record(
        "session.cancelled",
        item,
        actor=actor,
        summary=f"Cancelled “{item.title}”",
        old={"cancelled": False},
        new={"cancelled": True},
        workshop_id=item.workshop_id,
    )
    _tell_trainees(item, ["cancelled"], (item.starts_at, item.ends_at, item.room))


def _tell_trainees(
    item: WorkshopSession, changes: list[str], previous: tuple[datetime, datetime, str]
) -> int:
    workshop = item.workshop
    if workshop.state is not WorkshopState.PUBLISHED:
        return 0
    zone = workshop.zone
    cancelled = "cancelled" in changes
    subject = (
        f"Cancelled: {item.title} ({workshop.title})"
        if cancelled
        else f"Timetable change: {item.title} ({workshop.title})"
    )
    trainees = confirmed_trainees(workshop)
    for trainee in trainees:
        queue_mail(
            trainee.email,
            subject,
            "schedule_change",
            topic="schedule-change",
            workshop_id=workshop.id,
            trainee=trainee,
            workshop=workshop,
            session=item,
            changes=changes,
            cancelled=cancelled,
            old_start=previous[0].astimezone(zone),
            old_end=previous[1].astimezone(zone),
            old_room=previous[2],
            new_start=item.starts_at.astimezone(zone),
            new_end=item.ends_at.astimezone(zone),
            zone=zone.key,
            timetable_url=external_url("workshops.timetable", workshop_id=workshop.id),
        )
    return len(trainees)


# --- stations -----------------------------------------------------------------------------------


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
    occupied = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(StationAssignment)
        .where(StationAssignment.station_id == station.id)
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


# --- calendar feeds --------------------------------------------------------------------------


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def calendar_feed(user: User) -> CalendarFeed | None:
    return db.session.scalar(sa.select(CalendarFeed).where(CalendarFeed.user_id == user.id))


def issue_calendar_feed(user: User, *, actor: User) -> str:
    """A new secret feed URL token for ``user``; any earlier one stops working."""
    token = secrets.token_urlsafe(32)
    feed = calendar_feed(user)
    action = "calendar.regenerated" if feed else "calendar.created"
    if feed is None:
        feed = CalendarFeed(user_id=user.id)
        db.session.add(feed)
    feed.token_digest, feed.token_hint = _digest(token), token[:6]
    db.session.flush()
    audit.record(action, feed, actor=actor, summary=f"New private calendar address for {user.full_name}")
    return token


def revoke_calendar_feed(user: User, *, actor: User) -> bool:
    feed = calendar_feed(user)
    if feed is None:
        return False
    audit.record(
        "calendar.revoked", feed, actor=actor, summary=f"Revoked the calendar address of {user.full_name}"
    )
    db.session.delete(feed)
    db.session.flush()
    return True


def user_for_feed(token: str) -> User | None:
    if not token or len(token) > 100:
        return None
    feed = db.session.scalar(
        sa.select(CalendarFeed)
        .where(CalendarFeed.token_digest == _digest(token))
        .options(joinedload(CalendarFeed.user))
    )
    if feed is None or not feed.user.active:
        return None
    return feed.user


def feed_sessions(user: User) -> list[WorkshopSession]:
    """What a person's private feed shows: sessions of workshops where they hold a confirmed
    seat or are on the staff (drafts excepted), from a month back onwards."""
    enrolled = sa.select(Enrolment.workshop_id).where(
        Enrolment.trainee_id == user.id, Enrolment.state == EnrolmentState.CONFIRMED
    )
    staffed = permissions.staffed_workshops(user)
    return list(
        db.session.scalars(
            sa.select(WorkshopSession)
            .join(WorkshopSession.workshop)
            .where(
                sa.or_(WorkshopSession.workshop_id.in_(enrolled), WorkshopSession.workshop_id.in_(staffed)),
                Workshop.state != WorkshopState.DRAFT,
                WorkshopSession.ends_at >= utcnow() - timedelta(days=31),
            )
            .options(
                contains_eager(WorkshopSession.workshop),
                selectinload(WorkshopSession.faculty).lazyload(User.role_links),
                selectinload(WorkshopSession.modules),
            )
            .order_by(WorkshopSession.starts_at)
            .limit(2000)
        )
    )


def session_module_codes(session_ids: list[int]) -> dict[int, list[str]]:
    if not session_ids:
        return {}
    rows = db.session.execute(
        sa.select(session_modules.c.session_id, Module.code)
        .join(Module, Module.id == session_modules.c.module_id)
        .where(session_modules.c.session_id.in_(session_ids))
        .order_by(Module.position)
    )
    codes: dict[int, list[str]] = defaultdict(list)
    for session_id, code in rows:
        codes[session_id].append(code)
    return codes
