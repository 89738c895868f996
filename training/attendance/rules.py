"""Attendance decisions as pure functions over plain data.

No database, no request, no clock of their own: every function is given the
sessions, the marks and the time it needs, so each edge can be unit-tested.

The rules, in words:

- A session counts when it is not a break and not cancelled. The scheduled
  minutes are the sum of the counted sessions' lengths; with the "remove from
  total" policy an excused session leaves that sum, otherwise it stays in it
  as an absence.
- Present earns the whole session; late earns the minutes from check-in to the
  end (from the end of the grace period when no check-in time is known);
  absent, excused and unmarked earn nothing.
- Only sessions that have ended count: a session not yet started is "not yet
  held", one running is "in progress"; neither is attended nor missed yet.
- The percentage is attended / scheduled, rounded down to 0.1; a trainee meets
  the rule when it reaches the workshop's minimum and no mandatory session was
  missed (an excused mandatory session is still missed).
- Roll call, "mark all present" and self check-in are taken from the check-in
  opening (``CHECK_IN_OPENS_BEFORE`` the start) until the session ends. Outside
  that window only an organizer changes a mark, as a correction with a reason,
  and nobody records a session that has not started as attended or absent
  (an excusal may be agreed in advance).
- CME credit: the minutes attended each venue day, capped at the daily cap,
  summed, rounded down to a quarter hour, and never above the workshop's
  offered credit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from decimal import ROUND_FLOOR, Decimal
from enum import Enum

from flask_babel import gettext

from training.attendance.models import AttendanceStatus, ExcusedPolicy

# Trainees arrive early: check-in opens this long before a session starts.
CHECK_IN_OPENS_BEFORE = timedelta(minutes=15)
QUARTER_HOUR_MINUTES = 15


@dataclass(frozen=True)
class SessionFacts:
    id: int
    label: str  # the title with its venue date and time, as shown to people
    starts_at: datetime  # aware UTC
    ends_at: datetime
    day: date  # the venue's calendar day of the start
    counts: bool = True  # False for breaks and cancelled sessions
    mandatory: bool = False

    @property
    def minutes(self) -> int:
        return max(0, int((self.ends_at - self.starts_at).total_seconds() // 60))


@dataclass(frozen=True)
class Mark:
    status: AttendanceStatus
    checked_in_at: datetime | None = None


@dataclass(frozen=True)
class Policy:
    min_percent: Decimal
    excused_policy: ExcusedPolicy
    late_grace_minutes: int
    daily_cap_hours: Decimal
    offered_credit_hours: Decimal


@dataclass(frozen=True)
class Summary:
    attended_minutes: int
    scheduled_minutes: int
    percent: Decimal
    threshold_percent: Decimal
    missing_mandatory: tuple[str, ...]
    credit_hours: Decimal
    minutes_by_session: Mapping[int, int] = field(default_factory=dict)
    # Counted sessions that have not ended yet (labels): they are neither attended nor missed.
    not_yet_held: tuple[str, ...] = ()
    in_progress: tuple[str, ...] = ()
    mandatory_not_yet_held: tuple[str, ...] = ()
    mandatory_in_progress: tuple[str, ...] = ()
    last_ends_at: datetime | None = None  # the end of the last counted session
    attended_sessions: int = 0  # counted sessions that have ended with the trainee there

    @property
    def held_sessions(self) -> int:
        """Counted sessions that have ended."""
        return len(self.minutes_by_session)

    @property
    def meets(self) -> bool:
        """Whether the sessions held so far meet the rule (sessions to come are not counted)."""
        return self.percent >= self.threshold_percent and not self.missing_mandatory

    @property
    def reasons(self) -> list[str]:
        """Every requirement not met, in words (empty when the rule is met)."""
        reasons = []
        if self.percent < self.threshold_percent:
            reasons.append(
                gettext(
                    "Attended %(percent)s%% of the scheduled time; at least %(threshold)s%% is required.",
                    percent=self.percent,
                    threshold=format(self.threshold_percent, ".1f"),
                )
            )
        reasons.extend(
            gettext("Mandatory session not attended: %(session)s.", session=label)
            for label in self.missing_mandatory
        )
        return reasons


class Timing(Enum):
    NOT_YET_HELD = "not yet held"
    IN_PROGRESS = "in progress"
    ENDED = "ended"


def timing(starts_at: datetime, ends_at: datetime, now: datetime) -> Timing:
    if now < starts_at:
        return Timing.NOT_YET_HELD
    if now < ends_at:
        return Timing.IN_PROGRESS
    return Timing.ENDED


# Taking attendance ---------------------------------------------------------------------------


def arrival_status(starts_at: datetime, arrived_at: datetime, grace_minutes: int) -> AttendanceStatus:
    """Present up to the end of the grace period after the start, late afterwards."""
    if arrived_at <= starts_at + timedelta(minutes=grace_minutes):
        return AttendanceStatus.PRESENT
    return AttendanceStatus.LATE


def opens_at(starts_at: datetime) -> datetime:
    """When a session starts taking attendance (roll call and self check-in)."""
    return starts_at - CHECK_IN_OPENS_BEFORE


def venue_clock(moment: datetime, zone: tzinfo, now: datetime) -> str:
    """The venue's clock time, "at 16:20" on the venue's day of ``now``, else "on Tue 8 Dec 2026 at 16:20"."""
    local = moment.astimezone(zone)
    if local.date() == now.astimezone(zone).date():
        return f"at {local:%H:%M}"
    return f"on {local:%a} {local.day} {local:%b %Y} at {local:%H:%M}"


def roll_call_refusal(*, starts_at: datetime, ends_at: datetime, zone: tzinfo, now: datetime) -> str | None:
    """Why roll call ("mark" and "mark all present") is not taken at ``now``, or None.

    Times are said at the venue; ``zone`` is the workshop's."""
    opening = opens_at(starts_at)
    if now < opening:
        return (
            f"Roll call opens {venue_clock(opening, zone, now)} (venue time), "
            f"{_minutes(CHECK_IN_OPENS_BEFORE)} minutes before the session starts."
        )
    if now >= ends_at:
        return (
            f"Roll call closed when the session ended {venue_clock(ends_at, zone, now)} (venue time). "
            "An organizer can correct a mark, giving the reason."
        )
    return None


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


MIN_REASON_LENGTH = 5


def correction_problems(
    *, status: AttendanceStatus, reason: str, starts_at: datetime, now: datetime
) -> list[str]:
    """What is wrong with an organizer's correction of a mark outside roll call (empty: fine)."""
    problems = []
    if len(reason.strip()) < MIN_REASON_LENGTH:
        problems.append(f"Say why the mark is corrected (at least {MIN_REASON_LENGTH} characters).")
    if now < starts_at and status is not AttendanceStatus.EXCUSED:
        problems.append(
            f"This session has not started: it cannot be marked {status.value} yet. "
            "Only an excused absence can be recorded in advance."
        )
    return problems


def check_in_refusal(
    *,
    starts_at: datetime,
    ends_at: datetime,
    is_break: bool,
    cancelled: bool,
    at: datetime,
    zone: tzinfo | None = None,
) -> str | None:
    """Why a self check-in at ``at`` is refused, or None when the session takes it."""
    if cancelled:
        return gettext("This session was cancelled: there is nothing to check in to.")
    if is_break:
        return gettext("Breaks do not take attendance.")
    if at < opens_at(starts_at):
        minutes = _minutes(CHECK_IN_OPENS_BEFORE)
        if zone is None:
            return gettext("Check-in opens %(minutes)s minutes before the session starts.", minutes=minutes)
        return gettext(
            "Check-in opens %(time)s (venue time), %(minutes)s minutes before the session starts.",
            time=venue_clock(opens_at(starts_at), zone, at),
            minutes=minutes,
        )
    if at >= ends_at:
        return gettext("This session has ended: check-in is closed. Ask the faculty to mark you.")
    return None


def self_check_in_changes(current: AttendanceStatus | None) -> bool:
    """Whether a trainee's own check-in may change the current record.

    A second scan changes nothing; an "absent" marked before the trainee
    arrived becomes an arrival; an excusal is faculty's decision and stays.
    """
    return current is None or current is AttendanceStatus.ABSENT


# Minutes, percentages and credit ----------------------------------------------------------------


def attended_minutes(session: SessionFacts, mark: Mark | None, grace_minutes: int) -> int:
    if mark is None or not mark.status.attended or not session.counts:
        return 0
    if mark.status is AttendanceStatus.PRESENT:
        return session.minutes
    arrived = mark.checked_in_at or session.starts_at + timedelta(minutes=grace_minutes)
    arrived = min(max(arrived, session.starts_at), session.ends_at)
    return int((session.ends_at - arrived).total_seconds() // 60)


def percent_of(attended: int, scheduled: int) -> Decimal:
    """attended / scheduled x 100, rounded down to 0.1 (0 when nothing is scheduled)."""
    if scheduled <= 0:
        return Decimal("0.0")
    tenths = (attended * 1000) // scheduled
    return (Decimal(tenths) / 10).quantize(Decimal("0.1"))


def credit_hours(
    minutes_by_day: Mapping[date, int], daily_cap_hours: Decimal, offered_hours: Decimal
) -> Decimal:
    cap_minutes = int((daily_cap_hours * 60).to_integral_value(rounding=ROUND_FLOOR))
    minutes = sum(min(max(0, day_minutes), cap_minutes) for day_minutes in minutes_by_day.values())
    quarters = minutes // QUARTER_HOUR_MINUTES
    hours = (Decimal(quarters) / 4).quantize(Decimal("0.01"))
    return min(hours, offered_hours.quantize(Decimal("0.01"), rounding=ROUND_FLOOR))


def summarise(
    sessions: Iterable[SessionFacts], marks: Mapping[int, Mark], policy: Policy, *, now: datetime
) -> Summary:
    """One trainee's attendance over a workshop's sessions that have ended by ``now``
    (``marks`` keyed by session id); sessions to come are listed, not counted."""
    attended = scheduled = present = 0
    missing: list[str] = []
    pending: dict[Timing, list[SessionFacts]] = {Timing.NOT_YET_HELD: [], Timing.IN_PROGRESS: []}
    last_ends_at: datetime | None = None
    by_day: dict[date, int] = {}
    by_session: dict[int, int] = {}
    for session in sessions:
        if not session.counts:
            continue
        last_ends_at = max(last_ends_at, session.ends_at) if last_ends_at else session.ends_at
        when = timing(session.starts_at, session.ends_at, now)
        if when is not Timing.ENDED:
            pending[when].append(session)
            continue
        mark = marks.get(session.id)
        status = mark.status if mark else None
        excused_out = (
            status is AttendanceStatus.EXCUSED and policy.excused_policy is ExcusedPolicy.REMOVE_FROM_TOTAL
        )
        if not excused_out:
            scheduled += session.minutes
        minutes = attended_minutes(session, mark, policy.late_grace_minutes)
        by_session[session.id] = minutes
        attended += minutes
        by_day[session.day] = by_day.get(session.day, 0) + minutes
        if status and status.attended:
            present += 1
        elif session.mandatory:
            missing.append(session.label)
    return Summary(
        attended_minutes=attended,
        scheduled_minutes=scheduled,
        percent=percent_of(attended, scheduled),
        threshold_percent=policy.min_percent,
        missing_mandatory=tuple(missing),
        credit_hours=credit_hours(by_day, policy.daily_cap_hours, policy.offered_credit_hours),
        minutes_by_session=by_session,
        not_yet_held=tuple(s.label for s in pending[Timing.NOT_YET_HELD]),
        in_progress=tuple(s.label for s in pending[Timing.IN_PROGRESS]),
        mandatory_not_yet_held=tuple(s.label for s in pending[Timing.NOT_YET_HELD] if s.mandatory),
        mandatory_in_progress=tuple(s.label for s in pending[Timing.IN_PROGRESS] if s.mandatory),
        last_ends_at=last_ends_at,
        attended_sessions=present,
    )
