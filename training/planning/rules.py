"""Pure decisions for planning: shifting a timetable to a new date, the month grid,
rates. No database, no request."""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from training.workshops.rules import venue_to_utc

# How far ahead a next edition may be scheduled.
MAX_YEARS_AHEAD = 5


def shift_at_venue(moment: datetime, zone: ZoneInfo, days: int) -> datetime:
    """``moment`` moved by ``days`` calendar days at the venue, keeping its wall-clock
    time there: 09:00 local stays 09:00 local across a daylight-saving change.

    Raises ``NonexistentLocalTime`` when that clock time does not exist on the new day."""
    local = moment.astimezone(zone)
    return venue_to_utc(local.date() + timedelta(days=days), local.time().replace(tzinfo=None), zone)


def copy_date_problems(*, source_starts_on: date, new_starts_on: date, today: date) -> list[str]:
    """Why a next edition cannot start on ``new_starts_on`` (``today`` at the venue)."""
    problems = []
    if new_starts_on <= today:
        problems.append(
            f"The new edition must start after today ({today.isoformat()} at the venue): "
            "choose a date in the future."
        )
    elif new_starts_on.year > today.year + MAX_YEARS_AHEAD:
        problems.append(f"Choose a start date within {MAX_YEARS_AHEAD} years.")
    if new_starts_on == source_starts_on:
        problems.append("The copy would start on the same day as this workshop: choose another date.")
    return problems


def rate(part: int, whole: int) -> int | None:
    """``part`` of ``whole`` as a whole percent, rounded down; None when there is no whole."""
    if whole <= 0:
        return None
    return min(100, max(0, part * 100 // whole))


# --- the month grid ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """Something that takes days of the calendar: a workshop, as the grid sees it."""

    key: int
    starts_on: date
    ends_on: date


@dataclass(frozen=True)
class Cell:
    day: date
    in_month: bool
    keys: tuple[int, ...]  # the spans on that day, in the order given


def month_grid(year: int, month: int, spans: Sequence[Span]) -> list[list[Cell]]:
    """The weeks (Monday first) that show ``month``, each day with the spans on it."""
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    return [
        [
            Cell(
                day=day,
                in_month=day.month == month,
                keys=tuple(s.key for s in spans if s.starts_on <= day <= s.ends_on),
            )
            for day in week
        ]
        for week in weeks
    ]


def parse_month(text: str | None, today: date) -> tuple[int, int, str | None]:
    """``YYYY-MM`` as (year, month), or this month and a message when it is not usable."""
    if not text:
        return today.year, today.month, None
    try:
        year_text, month_text = text.split("-", 1)
        year, month = int(year_text), int(month_text)
        date(year, month, 1)
    except ValueError:
        return (
            today.year,
            today.month,
            f"“{text[:20]}” is not a month (write it as YYYY-MM): showing this month.",
        )
    if not 2000 <= year <= 2100:
        return today.year, today.month, "Choose a month between 2000 and 2100: showing this month."
    return year, month, None


def neighbours(year: int, month: int) -> tuple[str, str]:
    """The months before and after, as ``YYYY-MM``."""
    before = (year - 1, 12) if month == 1 else (year, month - 1)
    after = (year + 1, 1) if month == 12 else (year, month + 1)
    return f"{before[0]:04d}-{before[1]:02d}", f"{after[0]:04d}-{after[1]:02d}"
