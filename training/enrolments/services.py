"""Enrolment use cases: load -> decide (rules) -> change -> flush. The caller commits.

Every use case that counts seats first locks the workshop row (``SELECT ... FOR
UPDATE`` on PostgreSQL). On SQLite a write request, a command or a task already
holds the database's write lock from its first statement (``BEGIN IMMEDIATE``,
see core/db.py), so two enrolments can never take the same last seat on either.
Arrival order is the moment the lock is taken: ``requested_at`` is stamped
under the lock, so the waitlist order is exactly the order seats were decided.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from training.accounts import services as accounts
from training.accounts.models import SPECIALTIES, Role, User
from training.core import audit
from training.core.db import utcnow
from training.core.errors import Conflict, DomainError, InvalidInput, NotAllowed
from training.core.mail import queue_mail
from training.core.urls import external_url
from training.curriculum.models import Module
from training.enrolments import rules
from training.enrolments.models import Enrolment, EnrolmentSource, EnrolmentState
from training.extensions import db
from training.workshops.models import (
    PrerequisitePolicy,
    Station,
    StationAssignment,
    Workshop,
    WorkshopSession,
    WorkshopStaff,
    WorkshopState,
    workshop_modules,
)
from training.workshops.permissions import organizes
from training.workshops.roster import confirmed_trainees  # noqa: F401  (part of this module's API)
from training.workshops.stations import sync_stations

ACTIVE = (EnrolmentState.CONFIRMED, EnrolmentState.WAITLISTED)
MAIL_TOPIC = "enrolment"


# Reading ---------------------------------------------------------------------------------------


def _lock(workshop: Workshop) -> Workshop:
    """The workshop, re-read and locked for the rest of the transaction."""
    return db.session.scalars(
        sa.select(Workshop)
        .where(Workshop.id == workshop.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def seat_summary(workshop: Workshop) -> rules.SeatSummary:
    counts = dict(
        db.session.execute(
            sa.select(Enrolment.state, sa.func.count())
            .where(Enrolment.workshop_id == workshop.id, Enrolment.state.in_(ACTIVE))
            .group_by(Enrolment.state)
        ).all()
    )
    return rules.SeatSummary(
        workshop.capacity,
        counts.get(EnrolmentState.CONFIRMED, 0),
        counts.get(EnrolmentState.WAITLISTED, 0),
    )


def confirmed_count(workshop: Workshop) -> int:
    """The lowest capacity the workshop may be given."""
    return seat_summary(workshop).confirmed


def enrolment_of(workshop: Workshop, trainee: User) -> Enrolment | None:
    return db.session.scalar(
        sa.select(Enrolment)
        .where(Enrolment.workshop_id == workshop.id, Enrolment.trainee_id == trainee.id)
        .execution_options(populate_existing=True)
    )


def waitlist_position(enrolment: Enrolment) -> int | None:
    """1 for the next to get a seat; None unless waitlisted."""
    if enrolment.state is not EnrolmentState.WAITLISTED:
        return None
    ahead = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Enrolment)
        .where(
            Enrolment.workshop_id == enrolment.workshop_id,
            Enrolment.state == EnrolmentState.WAITLISTED,
            sa.or_(
                Enrolment.requested_at < enrolment.requested_at,
                sa.and_(Enrolment.requested_at == enrolment.requested_at, Enrolment.id < enrolment.id),
            ),
        )
    )
    return (ahead or 0) + 1


def window(workshop: Workshop) -> rules.Window:
    return rules.Window(
        workshop.state,
        workshop.enrolment_opens_at,
        rules.closes_at(workshop.enrolment_closes_at, workshop.starts_on, workshop.timezone),
    )


def prerequisites(workshop: Workshop, trainee_ids: Iterable[int]) -> dict[int, rules.PrerequisiteCheck]:
    """Each trainee's prerequisite check for this workshop, in two queries for them all."""
    trainee_ids = list(trainee_ids)
    policy = workshop.prerequisite_policy
    if policy is PrerequisitePolicy.OFF:
        return {tid: rules.check_prerequisites(policy, (), ()) for tid in trainee_ids}
    taught = db.session.execute(
        sa.select(Module.code, Module.prerequisites)
        .join(workshop_modules, workshop_modules.c.module_id == Module.id)
        .where(workshop_modules.c.workshop_id == workshop.id)
    ).all()
    required = rules.required_codes((code, prereqs or []) for code, prereqs in taught)
    completed: dict[int, set[str]] = {tid: set() for tid in trainee_ids}
    titles: dict[str, str] = {}
    if required:
        titles = dict(
            db.session.execute(
                sa.select(Module.code, Module.title).where(
                    Module.version_id == workshop.curriculum_version_id, Module.code.in_(required)
                )
            ).all()
        )
        if trainee_ids:
            done = db.session.execute(
                sa.select(Enrolment.trainee_id, Module.code)
                .join(Workshop, Workshop.id == Enrolment.workshop_id)
                .join(workshop_modules, workshop_modules.c.workshop_id == Workshop.id)
                .join(Module, Module.id == workshop_modules.c.module_id)
                .where(
                    Enrolment.trainee_id.in_(trainee_ids),
                    Enrolment.state == EnrolmentState.CONFIRMED,
                    Workshop.state == WorkshopState.COMPLETED,
                    Module.code.in_(required),
                )
                .distinct()
            ).all()
            for trainee_id, code in done:
                completed[trainee_id].add(code)
    return {tid: rules.check_prerequisites(policy, required, completed[tid], titles) for tid in trainee_ids}


# Enrolling ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Enrolled:
    enrolment: Enrolment
    seat: rules.Seat
    prerequisites: rules.PrerequisiteCheck


def on_staff(workshop: Workshop, person: User) -> bool:
    """Any duty on the workshop, in effect or not: the two roles never mix."""
    query = sa.select(WorkshopStaff.id).where(
        WorkshopStaff.workshop_id == workshop.id, WorkshopStaff.user_id == person.id
    )
    return db.session.scalar(query.limit(1)) is not None


def _already(enrolment: Enrolment, *, own: bool) -> Conflict:
    who = "You are" if own else f"{enrolment.trainee.full_name} is"
    if enrolment.state is EnrolmentState.CONFIRMED:
        return Conflict(f"{who} already enrolled in this workshop.")
    position = waitlist_position(enrolment)
    return Conflict(f"{who} already on the waitlist of this workshop (position {position}).")


def _enrol(
    workshop: Workshop, trainee: User, *, actor: User, source: EnrolmentSource, locked: bool = False
) -> Enrolled:
    ws = workshop if locked else _lock(workshop)
    refusal = rules.enrolment_refusal(window(ws), utcnow(), by_organizer=source is not EnrolmentSource.SELF)
    if refusal:
        raise Conflict(refusal)
    own = source is EnrolmentSource.SELF
    if on_staff(ws, trainee):
        who = "You are" if own else f"{trainee.full_name} is"
        raise Conflict(
            f"{who} on the staff of this workshop: nobody can attend as a trainee a workshop they "
            "organize or teach."
        )
    enrolment = enrolment_of(ws, trainee)
    if enrolment is not None and enrolment.state in ACTIVE:
        raise _already(enrolment, own=own)
    check = prerequisites(ws, [trainee.id])[trainee.id]
    if not check.allowed:
        raise DomainError(check.message() if own else f"{trainee.full_name}: {check.message()}")
    summary = seat_summary(ws)
    seat = rules.seat_for_newcomer(summary.capacity, summary.confirmed, summary.waitlisted)
    now = utcnow()  # taken under the lock: this is the arrival order
    if enrolment is None:
        enrolment = Enrolment(workshop_id=ws.id, trainee_id=trainee.id)
        db.session.add(enrolment)
    enrolment.state = seat.state
    enrolment.source = source
    enrolment.requested_at = now
    enrolment.confirmed_at = now if seat.confirmed else None
    enrolment.cancelled_at = None
    enrolment.cancelled_by_id = None
    enrolment.cancellation_reason = ""
    db.session.flush()
    where = "confirmed" if seat.confirmed else f"waitlisted (position {seat.position})"
    audit.record(
        "enrolment.created",
        enrolment,
        actor=actor,
        summary=f"{trainee.full_name} enrolled in {ws.title}: {where}",
        new={"state": seat.state.value, "source": source.value},
        workshop_id=ws.id,
    )
    if seat.confirmed:
        _mail(enrolment, ws, trainee, "enrolment_confirmed", f"Your seat is confirmed: {ws.title}")
        sync_stations(ws)
    else:
        _mail(
            enrolment,
            ws,
            trainee,
            "enrolment_waitlisted",
            f"You are on the waitlist: {ws.title}",
            position=seat.position,
        )
    return Enrolled(enrolment, seat, check)


def enrol(workshop: Workshop, *, actor: User) -> Enrolled:
    """A trainee enrols themselves, during the enrolment window of a published workshop."""
    if not actor.has_role(Role.TRAINEE):
        raise NotAllowed("Only trainees can enrol in a workshop.")
    return _enrol(workshop, actor, actor=actor, source=EnrolmentSource.SELF)


def _require_organizer(workshop: Workshop, actor: User) -> None:
    if not organizes(actor, workshop):
        raise NotAllowed("Only the organizers of this workshop can do this.")


def _require_trainee(trainee: User) -> None:
    if not trainee.active:
        raise Conflict(f"The account of {trainee.full_name} is deactivated.")
    if not trainee.has_role(Role.TRAINEE):
        raise Conflict(f"{trainee.full_name} is not a trainee.")


def enrol_by_organizer(workshop: Workshop, trainee: User, *, actor: User) -> Enrolled:
    """An organizer enrols an existing trainee (also outside the window); the
    capacity and the waitlist apply as to everyone."""
    _require_organizer(workshop, actor)
    _require_trainee(trainee)
    return _enrol(workshop, trainee, actor=actor, source=EnrolmentSource.ORGANIZER)


def enrol_new_trainee(workshop: Workshop, profile: accounts.Profile, *, actor: User) -> Enrolled:
    """An organizer creates a trainee's account (they are e-mailed an invitation) and enrols them."""
    _require_organizer(workshop, actor)
    existing = accounts.find_by_email(profile.email)
    if existing is not None:
        raise Conflict(
            f"{existing.email} already has an account ({existing.full_name}): find them with the search.",
            field="email",
        )
    ws = _lock(workshop)
    refusal = rules.enrolment_refusal(window(ws), utcnow(), by_organizer=True)
    if refusal:
        raise Conflict(refusal)
    trainee = accounts.create_account(profile, {Role.TRAINEE}, actor=actor)
    return _enrol(ws, trainee, actor=actor, source=EnrolmentSource.ORGANIZER, locked=True)


# The organizer's CSV file ----------------------------------------------------------------------------


@dataclass
class ImportReport:
    created: int = 0
    confirmed: list[str] = field(default_factory=list)
    waitlisted: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.confirmed) + len(self.waitlisted)


def _countries() -> dict[str, str]:
    from training.enrolments.forms import country_lookup

    return country_lookup()


def import_csv(workshop: Workshop, data: bytes, *, actor: User) -> ImportReport:
    """Enrol everyone in the file, in its order, creating (and inviting) the new
    people. Every problem of every row is reported at once, and nothing is
    imported unless the whole file is clean."""
    _require_organizer(workshop, actor)
    try:
        text = rules.decode_upload(data)
        parsed = rules.parse_roster(text, specialties=SPECIALTIES, countries=_countries())
    except rules.FileRefused as error:
        raise InvalidInput({"file": [str(error)]}) from error
    ws = _lock(workshop)
    refusal = rules.enrolment_refusal(window(ws), utcnow(), by_organizer=True)
    if refusal:
        raise Conflict(refusal)
    problems = list(parsed.problems)
    emails = [row.email for row in parsed.rows]
    users = (
        {user.email: user for user in db.session.scalars(sa.select(User).where(User.email.in_(emails)))}
        if emails
        else {}
    )
    existing = (
        {
            e.trainee_id: e
            for e in db.session.scalars(
                sa.select(Enrolment).where(
                    Enrolment.workshop_id == ws.id,
                    Enrolment.trainee_id.in_([u.id for u in users.values()]),
                    Enrolment.state.in_(ACTIVE),
                )
            )
        }
        if users
        else {}
    )
    checks = prerequisites(ws, [u.id for u in users.values()])
    new_people_check = prerequisites(ws, [0])[0]
    for row in parsed.rows:
        user = users.get(row.email)
        if user is None:
            if not new_people_check.allowed:
                problems.append(
                    (row.line, f"{row.email} has no account yet, so: {new_people_check.message()}")
                )
            continue
        if not user.active:
            problems.append((row.line, f"the account of {user.email} is deactivated"))
        elif not user.has_role(Role.TRAINEE):
            problems.append((row.line, f"{user.email} belongs to {user.full_name}, who is not a trainee"))
        elif on_staff(ws, user):
            problems.append((row.line, f"{user.full_name} ({user.email}) is on the staff of this workshop"))
        elif user.id in existing:
            state = existing[user.id].state.label.lower()
            problems.append(
                (row.line, f"{user.full_name} ({user.email}) is already {state} on this workshop")
            )
        elif not checks[user.id].allowed:
            problems.append((row.line, f"{user.full_name}: {checks[user.id].message()}"))
    if problems:
        raise InvalidInput(
            {"file": [f"Line {line}: {message}" if line else message for line, message in sorted(problems)]}
        )
    report = ImportReport()
    for row in parsed.rows:
        user = users.get(row.email)
        if user is None:
            user = accounts.create_account(
                accounts.Profile(
                    full_name=row.name, email=row.email, specialty=row.specialty, country=row.country
                ),
                {Role.TRAINEE},
                actor=actor,
            )
            report.created += 1
        result = _enrol(ws, user, actor=actor, source=EnrolmentSource.IMPORT, locked=True)
        (report.confirmed if result.seat.confirmed else report.waitlisted).append(user.full_name)
    audit.record(
        "enrolment.imported",
        ("workshops", ws.id),
        actor=actor,
        summary=f"{report.total} trainees imported into {ws.title} from a CSV file "
        f"({len(report.confirmed)} confirmed, {len(report.waitlisted)} waitlisted, "
        f"{report.created} new accounts)",
        workshop_id=ws.id,
    )
    return report


# Leaving, and the waitlist moving up -------------------------------------------------------------------


def _fill_free_seats(ws: Workshop, *, actor: User | None) -> list[Enrolment]:
    """Give free seats to the waitlist, first come first served (the workshop is locked)."""
    if ws.state is not WorkshopState.PUBLISHED:
        return []
    summary = seat_summary(ws)
    waiting = (
        list(
            db.session.scalars(
                sa.select(Enrolment)
                .options(joinedload(Enrolment.trainee))
                .where(Enrolment.workshop_id == ws.id, Enrolment.state == EnrolmentState.WAITLISTED)
                .order_by(Enrolment.requested_at, Enrolment.id)
                .limit(max(summary.left, 0))
            )
        )
        if summary.left
        else []
    )
    chosen = set(rules.to_promote(summary.capacity, summary.confirmed, [e.id for e in waiting]))
    promoted = [e for e in waiting if e.id in chosen]
    now = utcnow()
    for enrolment in promoted:
        enrolment.state = EnrolmentState.CONFIRMED
        enrolment.confirmed_at = now
        audit.record(
            "enrolment.promoted",
            enrolment,
            actor=actor,
            summary=f"{enrolment.trainee.full_name} moved from the waitlist to a seat in {ws.title}",
            old={"state": "waitlisted"},
            new={"state": "confirmed"},
            workshop_id=ws.id,
        )
        _mail(enrolment, ws, enrolment.trainee, "enrolment_promoted", f"A seat is yours: {ws.title}")
    if promoted:
        db.session.flush()
    return promoted


def _leave(enrolment: Enrolment, *, actor: User, reason: str, by_organizer: bool) -> list[Enrolment]:
    ws = _lock(enrolment.workshop)
    db.session.refresh(enrolment)
    if enrolment.state is EnrolmentState.CANCELLED:
        raise Conflict("This enrolment is already cancelled.")
    if ws.state is WorkshopState.COMPLETED:
        raise Conflict("This workshop has already taken place: its roster is kept as it was.")
    was = enrolment.state
    enrolment.state = EnrolmentState.CANCELLED
    enrolment.cancelled_at = utcnow()
    enrolment.cancelled_by_id = actor.id
    enrolment.cancellation_reason = (reason or "").strip()[:1000]
    db.session.flush()
    trainee = enrolment.trainee
    audit.record(
        "enrolment.removed" if by_organizer else "enrolment.cancelled",
        enrolment,
        actor=actor,
        summary=(
            f"{trainee.full_name} removed from {ws.title}"
            if by_organizer
            else f"{trainee.full_name} cancelled their enrolment in {ws.title}"
        )
        + (f": {enrolment.cancellation_reason}" if enrolment.cancellation_reason else ""),
        old={"state": was.value},
        new={"state": "cancelled"},
        workshop_id=ws.id,
    )
    if by_organizer:
        _mail(
            enrolment, ws, trainee, "enrolment_removed", f"Your enrolment was cancelled: {ws.title}", was=was
        )
    else:
        _mail(
            enrolment,
            ws,
            trainee,
            "enrolment_cancelled",
            f"You have cancelled your enrolment: {ws.title}",
            was=was,
        )
    promoted: list[Enrolment] = []
    if was is EnrolmentState.CONFIRMED:
        promoted = _fill_free_seats(ws, actor=actor)
        sync_stations(ws)
    return promoted


def cancel(enrolment: Enrolment, *, actor: User, reason: str = "") -> list[Enrolment]:
    """The trainee gives up their seat or waitlist place; the first waitlisted
    trainee takes a freed seat in the same transaction. Returns who was promoted."""
    if enrolment.trainee_id != actor.id:
        raise NotAllowed("You can only cancel your own enrolment.")
    return _leave(enrolment, actor=actor, reason=reason, by_organizer=False)


def remove(enrolment: Enrolment, *, actor: User, reason: str = "") -> list[Enrolment]:
    """An organizer takes a trainee off the workshop (seat or waitlist)."""
    _require_organizer(enrolment.workshop, actor)
    return _leave(enrolment, actor=actor, reason=reason, by_organizer=True)


def promote(workshop: Workshop, *, actor: User) -> list[Enrolment]:
    """Fill every free seat from the waitlist (after the capacity was raised)."""
    _require_organizer(workshop, actor)
    ws = _lock(workshop)
    promoted = _fill_free_seats(ws, actor=actor)
    if promoted:
        sync_stations(ws)
    return promoted


# Mail ---------------------------------------------------------------------------------------------------


def _mail(
    enrolment: Enrolment, ws: Workshop, trainee: User, template: str, subject: str, **context: object
) -> None:
    queue_mail(
        trainee.email,
        subject,
        template,
        topic=MAIL_TOPIC,
        workshop_id=ws.id,
        trainee=trainee,
        workshop=ws,
        enrolment=enrolment,
        link=external_url("enrolments.workshop", workshop_id=ws.id),
        **context,
    )


# The roster's search and filters --------------------------------------------------------------


@dataclass(frozen=True)
class RosterFilters:
    q: str = ""  # part of the name, e-mail address or institution
    station_id: int | None = None  # placed at this station (in any session)
    attendance: str = ""  # "", "at_risk", "absent", "late" or "excused"


def roster_stations(workshop: Workshop) -> list[tuple[int, str]]:
    """The workshop's stations as (id, "Table 1 · Cadaver lab, Tue 09:00") in timetable order."""
    rows = db.session.execute(
        sa.select(Station.id, Station.name, WorkshopSession.title, WorkshopSession.starts_at)
        .join(WorkshopSession, WorkshopSession.id == Station.session_id)
        .where(WorkshopSession.workshop_id == workshop.id, WorkshopSession.cancelled.is_(False))
        .order_by(WorkshopSession.starts_at, WorkshopSession.id, Station.position, Station.id)
    ).all()
    zone = workshop.zone
    return [
        (sid, f"{name} · {title}, {starts.astimezone(zone):%a %H:%M}") for sid, name, title, starts in rows
    ]


def at_risk(workshop: Workshop) -> dict[int, Any]:
    """Confirmed trainees below the workshop's attendance rule over the sessions held so far
    (their attendance evidence, by trainee id). Nobody is at risk before a session is held."""
    # Attendance builds on enrolments: asked here, at the one place the roster needs it.
    from training.attendance.evidence import attendance_evidence

    return {
        trainee_id: evidence
        for trainee_id, evidence in attendance_evidence(workshop).items()
        if not evidence.meets and (evidence.scheduled_minutes > 0 or evidence.missing_mandatory)
    }


def roster_query(
    workshop: Workshop, state: EnrolmentState, filters: RosterFilters, *, risky: Iterable[int] = ()
) -> sa.Select:
    """The workshop's enrolments in ``state`` matching the filters (``risky``: the trainee ids
    at risk, when that filter is on), in the roster's order."""
    from training.attendance.models import AttendanceRecord, AttendanceStatus

    query = (
        sa.select(Enrolment)
        .options(joinedload(Enrolment.trainee), joinedload(Enrolment.cancelled_by))
        .where(Enrolment.workshop_id == workshop.id, Enrolment.state == state)
    )
    if text := filters.q.strip()[:100]:
        cleaned = text.lower().replace("\\", "").replace("%", "").replace("_", " ")
        pattern = f"%{cleaned}%"
        query = query.where(
            Enrolment.trainee_id.in_(
                sa.select(User.id).where(
                    sa.or_(
                        sa.func.lower(User.full_name).like(pattern),
                        sa.func.lower(User.email).like(pattern),
                        sa.func.lower(User.institution).like(pattern),
                    )
                )
            )
        )
    if filters.station_id is not None:
        query = query.where(
            Enrolment.trainee_id.in_(
                sa.select(StationAssignment.trainee_id).where(
                    StationAssignment.station_id == filters.station_id
                )
            )
        )
    if filters.attendance == "at_risk":
        query = query.where(Enrolment.trainee_id.in_(sorted(set(risky))))
    elif filters.attendance in ("absent", "late", "excused"):
        query = query.where(
            Enrolment.trainee_id.in_(
                sa.select(AttendanceRecord.trainee_id)
                .join(WorkshopSession, WorkshopSession.id == AttendanceRecord.session_id)
                .where(
                    WorkshopSession.workshop_id == workshop.id,
                    AttendanceRecord.status == AttendanceStatus(filters.attendance),
                )
            )
        )
    if state is EnrolmentState.CANCELLED:
        return query.order_by(Enrolment.cancelled_at.desc(), Enrolment.id.desc())
    return query.order_by(Enrolment.requested_at, Enrolment.id)
