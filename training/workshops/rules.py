"""Pure decisions about workshops: no database, no request."""

from __future__ import annotations

import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import cache
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class StationLoad:
    station_id: int
    capacity: int
    trainee_ids: frozenset[int]


def place_evenly(stations: Sequence[StationLoad], trainee_ids: Sequence[int]) -> dict[int, int]:
    """Where each new trainee goes: always to the least-filled station with room.

    Stations are compared by how full they are relative to their capacity, then
    by their order, so a 4-seat and an 8-seat table fill at the same pace.
    Trainees who find no room are left out of the result (the session is full).
    """
    counts = {station.station_id: len(station.trainee_ids) for station in stations}
    order = {station.station_id: position for position, station in enumerate(stations)}
    capacity = {station.station_id: station.capacity for station in stations}
    placed: dict[int, int] = {}
    for trainee_id in trainee_ids:
        open_stations = [sid for sid in counts if counts[sid] < capacity[sid]]
        if not open_stations:
            break
        best = min(open_stations, key=lambda sid: (counts[sid] / capacity[sid], counts[sid], order[sid]))
        placed[trainee_id] = best
        counts[best] += 1
    return placed


# --- time at the venue -----------------------------------------------------------------


@cache
def known_timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def timezone_problem(name: str) -> str | None:
    """Why ``name`` is not a usable IANA time zone, or None when it is."""
    name = (name or "").strip()
    if not name:
        return "Give the venue's time zone, e.g. Europe/Rome."
    if name not in known_timezones():
        return (
            f"“{name[:64]}” is not a known IANA time zone; "
            "use a name such as Europe/Rome or America/Sao_Paulo."
        )
    return None


class NonexistentLocalTime(ValueError):
    """A wall-clock time skipped by a daylight-saving change at the venue."""


def venue_to_utc(day: date, at: time, zone: ZoneInfo) -> datetime:
    """A venue wall-clock time as aware UTC, refusing times the clocks skip.

    In an ambiguous hour (clocks going back) the first occurrence is meant.
    """
    local = datetime.combine(day, at, zone)
    try:
        utc = local.astimezone(UTC)
    except OverflowError as error:
        raise NonexistentLocalTime(f"{day.isoformat()} is not a usable date.") from error
    if utc.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise NonexistentLocalTime(
            f"{day.isoformat()} {at.strftime('%H:%M')} does not exist in {zone.key}: "
            "the clocks skip that hour for daylight saving."
        )
    return utc


def zone_abbreviations(zone: ZoneInfo, first: date, last: date) -> list[str]:
    """The abbreviations a zone uses between two days (CEST, CET...), in order."""
    names: list[str] = []
    day = first
    while day <= last:
        name = datetime.combine(day, time(12), zone).tzname() or ""
        if name and name not in names:
            names.append(name)
        day += timedelta(days=1)
    return names


def workshop_days(starts_on: date, ends_on: date) -> list[date]:
    return [starts_on + timedelta(days=n) for n in range((ends_on - starts_on).days + 1)]


# --- the workshop's own fields -----------------------------------------------------------

MAX_CAPACITY = 2000
MAX_DAYS = 31


@dataclass(frozen=True)
class Accreditation:
    """A CME/CPD accreditation as the organizer records it."""

    body: str
    statement: str
    designated_credits: Decimal | None
    daily_cap: Decimal


def accreditation_problems(accreditation: Accreditation, scheduled_minutes: int) -> dict[str, list[str]]:
    """Every problem with an accreditation, by form field. The credits the accreditor
    designated never exceed the scheduled educational hours."""
    problems: dict[str, list[str]] = {}
    credits = accreditation.designated_credits
    if not accreditation.body.strip():
        problems["cme_accreditor"] = ["Name the body that accredited the workshop."]
    if not accreditation.statement.strip():
        problems["cme_statement"] = ["Give the accreditation statement, as the accreditor worded it."]
    if credits is None:
        problems["cme_designated_credits"] = ["Give the credits the accreditor designated."]
    elif credits <= 0 or credits > Decimal("999.99"):
        problems["cme_designated_credits"] = ["Designated credits must be above 0 and at most 999.99."]
    else:
        hours = Decimal(scheduled_minutes) / 60
        if credits > hours:
            problems["cme_designated_credits"] = [
                f"{credits.normalize():f} credits designated, but only {_hours_text(hours)} of educational "
                "sessions are scheduled (breaks and cancelled sessions do not count): the credits cannot "
                "exceed the scheduled hours. Schedule the sessions first, or correct the credits."
            ]
    if not Decimal(0) < accreditation.daily_cap <= Decimal(24):
        problems["cme_daily_cap"] = ["The credit cap per day must be above 0 and at most 24."]
    return problems


def _hours_text(hours: Decimal) -> str:
    value = hours.quantize(Decimal("0.01"))
    text = f"{value.normalize():f}"
    return f"{text} hour" + ("" if value == 1 else "s")


@dataclass(frozen=True)
class WorkshopPlan:
    """What an organizer asks a workshop to be (already shaped by the form)."""

    timezone: str
    starts_on: date
    ends_on: date
    capacity: int
    enrolment_opens_at: datetime | None
    enrolment_closes_at: datetime | None
    module_ids: frozenset[int]
    version_module_ids: frozenset[int]
    accreditation: Accreditation | None = None  # None: not accredited for CME/CPD
    scheduled_minutes: int = 0  # the educational time scheduled (no breaks, nothing cancelled)


def workshop_problems(
    plan: WorkshopPlan,
    *,
    confirmed: int = 0,
    sessions_outside: Sequence[str] = (),
    modules_in_use: Sequence[str] = (),
    timezone_locked: bool = False,
) -> dict[str, list[str]]:
    """Every problem with a workshop plan, by form field.

    ``confirmed`` is how many trainees hold a seat; ``sessions_outside`` names
    sessions that the new dates would leave out; ``modules_in_use`` names
    modules still taught by a session that the plan drops.
    """
    problems: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        problems.setdefault(field, []).append(message)

    if timezone_locked:
        add("timezone", "The time zone cannot change once sessions are scheduled: move or delete them first.")
    elif problem := timezone_problem(plan.timezone):
        add("timezone", problem)
    if plan.ends_on < plan.starts_on:
        add("ends_on", "The last day cannot be before the first day.")
    elif (plan.ends_on - plan.starts_on).days + 1 > MAX_DAYS:
        add("ends_on", f"A workshop lasts at most {MAX_DAYS} days.")
    if plan.capacity < 0 or plan.capacity > MAX_CAPACITY:
        add("capacity", f"Capacity must be between 0 and {MAX_CAPACITY}.")
    elif plan.capacity < confirmed:
        add(
            "capacity",
            f"{confirmed} trainee{'s' if confirmed != 1 else ''} already hold{'' if confirmed != 1 else 's'} "
            f"a confirmed seat: the capacity cannot go below {confirmed}.",
        )
    if (
        plan.enrolment_opens_at is not None
        and plan.enrolment_closes_at is not None
        and plan.enrolment_closes_at <= plan.enrolment_opens_at
    ):
        add("enrolment_closes_at", "Enrolment must close after it opens.")
    if plan.accreditation is not None:
        for key, messages in accreditation_problems(plan.accreditation, plan.scheduled_minutes).items():
            for message in messages:
                add(key, message)
    if not plan.module_ids:
        add("module_ids", "Choose at least one module of the curriculum.")
    elif not plan.module_ids <= plan.version_module_ids:
        add("module_ids", "Choose modules of the chosen curriculum version only.")
    for title in sessions_outside:
        add("starts_on", f"The session “{title}” would fall outside the new dates; move it first.")
    for code in modules_in_use:
        add("module_ids", f"Module {code} is still taught in a session; take it off the session first.")
    return problems


# --- sessions and their clashes ----------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    """A session as the clash check sees it."""

    session_id: int | None
    workshop_id: int
    workshop_title: str
    title: str
    starts_at: datetime  # aware UTC
    ends_at: datetime
    venue: str  # venue name and city, compared without case
    room: str
    faculty: dict[int, str] = field(default_factory=dict)  # id -> name


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    """Half-open intervals: a session may start the minute the previous one ends."""
    return a_start < b_end and b_start < a_end


def same_place(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def _clock(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%a %d %b %H:%M")


def session_problems(
    slot: Slot,
    *,
    zone: ZoneInfo,
    starts_on: date,
    ends_on: date,
    others: Sequence[Slot],
) -> list[str]:
    """Every reason a session cannot take this slot, naming what it clashes with.

    ``others`` are the other live (not cancelled) sessions that might clash:
    those of every workshop, for faculty; those in the same venue, for rooms.
    """
    problems: list[str] = []
    start_text, end_text = _clock(slot.starts_at, zone), _clock(slot.ends_at, zone)
    if slot.ends_at <= slot.starts_at:
        problems.append(
            f"The session must end after it starts (it starts {start_text} and ends {end_text} {zone.key})."
        )
        return problems
    first_day = slot.starts_at.astimezone(zone).date()
    last_moment = slot.ends_at.astimezone(zone)
    last_day = (last_moment - timedelta(microseconds=1)).date()
    if first_day < starts_on or last_day > ends_on:
        problems.append(
            f"The session ({start_text} to {end_text} {zone.key}) is outside the workshop's dates, "
            f"{starts_on.isoformat()} to {ends_on.isoformat()}."
        )
    for other in others:
        if other.session_id is not None and other.session_id == slot.session_id:
            continue
        if not overlaps(slot.starts_at, slot.ends_at, other.starts_at, other.ends_at):
            continue
        when = f"{_clock(other.starts_at, zone)} to {_clock(other.ends_at, zone)} {zone.key}"
        where = "" if other.workshop_id == slot.workshop_id else f" in the workshop “{other.workshop_title}”"
        for person_id, name in slot.faculty.items():
            if person_id in other.faculty:
                problems.append(f"{name} already teaches “{other.title}”{where}, {when}.")
        if slot.room.strip() and same_place(slot.room, other.room) and same_place(slot.venue, other.venue):
            room = slot.room.strip()
            problems.append(f"The room {room} is already taken by “{other.title}”{where}, {when}.")
    return problems


def schedule_change(
    before: tuple[datetime, datetime, str], after: tuple[datetime, datetime, str]
) -> list[str]:
    """What a trainee must be told changed: ``(starts_at, ends_at, room)`` before and after."""
    changes = []
    if before[0] != after[0] or before[1] != after[1]:
        changes.append("time")
    if before[2].strip() != after[2].strip():
        changes.append("room")
    return changes


# --- lists --------------------------------------------------------------------------------


def month_bounds(text: str | None) -> tuple[date, date] | None:
    """``YYYY-MM`` as the first and last day of that month; None if it is not one."""
    if not text:
        return None
    try:
        year, month = (int(part) for part in text.split("-", 1))
        first = date(year, month, 1)
    except ValueError:
        return None
    following = date(year + (month == 12), month % 12 + 1, 1)
    return first, following - timedelta(days=1)


# --- stations -------------------------------------------------------------------------------


def move_problem(*, station_name: str, capacity: int, occupied: int, already_there: bool) -> str | None:
    if already_there:
        return None
    if occupied >= capacity:
        return f"{station_name} is full ({occupied} of {capacity} places taken)."
    return None
