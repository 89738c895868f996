"""Planning's pure rules: moving a timetable by days at the venue, the month grid,
the month in the address, rates and bar lengths."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from training.planning import charts, rules
from training.workshops.rules import NonexistentLocalTime

ROME = ZoneInfo("Europe/Rome")


def test_a_shift_keeps_the_clock_time_at_the_venue_across_daylight_saving():
    winter = datetime(2027, 3, 22, 8, 0, tzinfo=UTC)  # 09:00 CET
    summer = rules.shift_at_venue(winter, ROME, 14)
    assert summer == datetime(2027, 4, 5, 7, 0, tzinfo=UTC)  # 09:00 CEST
    assert summer.astimezone(ROME).time() == time(9, 0)
    back = rules.shift_at_venue(datetime(2027, 11, 1, 8, 0, tzinfo=UTC), ROME, -7)  # 09:00 CET
    assert back.astimezone(ROME).time() == time(9, 0)
    assert back == datetime(2027, 10, 25, 7, 0, tzinfo=UTC)  # 09:00 CEST


def test_a_shift_to_a_skipped_hour_is_refused():
    with pytest.raises(NonexistentLocalTime, match="02:30 does not exist"):
        rules.shift_at_venue(datetime(2027, 3, 21, 1, 30, tzinfo=UTC), ROME, 7)  # to 28 March 02:30


def test_copy_dates():
    today = date(2026, 12, 7)
    assert (
        rules.copy_date_problems(
            source_starts_on=date(2026, 1, 5), new_starts_on=date(2027, 1, 4), today=today
        )
        == []
    )
    assert (
        "after today"
        in rules.copy_date_problems(source_starts_on=date(2026, 1, 5), new_starts_on=today, today=today)[0]
    )
    assert (
        "within 5 years"
        in rules.copy_date_problems(
            source_starts_on=date(2026, 1, 5), new_starts_on=date(2032, 1, 1), today=today
        )[0]
    )
    assert (
        "same day"
        in rules.copy_date_problems(
            source_starts_on=date(2027, 1, 4), new_starts_on=date(2027, 1, 4), today=today
        )[0]
    )


def test_the_month_grid_starts_on_monday_and_places_spans_on_each_of_their_days():
    spans = [
        rules.Span(1, date(2027, 2, 27), date(2027, 3, 2)),
        rules.Span(2, date(2027, 3, 2), date(2027, 3, 2)),
    ]
    weeks = rules.month_grid(2027, 3, spans)
    assert weeks[0][0].day == date(2027, 3, 1)  # a Monday
    assert all(len(week) == 7 for week in weeks)
    cells = {cell.day: cell for week in weeks for cell in week}
    assert cells[date(2027, 3, 1)].keys == (1,)
    assert cells[date(2027, 3, 2)].keys == (1, 2)
    assert cells[date(2027, 3, 3)].keys == ()
    assert weeks[-1][-1].day == date(2027, 4, 4)
    assert not weeks[-1][-1].in_month


@pytest.mark.parametrize(
    ("text", "expected", "warned"),
    [
        (None, (2026, 12), False),
        ("2027-03", (2027, 3), False),
        ("2027-13", (2026, 12), True),
        ("march", (2026, 12), True),
        ("1850-01", (2026, 12), True),
    ],
)
def test_the_month_from_the_address(text, expected, warned):
    year, month, problem = rules.parse_month(text, date(2026, 12, 7))
    assert (year, month) == expected
    assert (problem is not None) == warned


def test_neighbours_cross_the_year():
    assert rules.neighbours(2027, 1) == ("2026-12", "2027-02")
    assert rules.neighbours(2027, 12) == ("2027-11", "2028-01")


def test_rates_and_bars():
    assert rules.rate(2, 3) == 66
    assert rules.rate(5, 0) is None
    assert rules.rate(9, 4) == 100
    assert charts.bar(3, 4, "x").filled == 90.0
    assert charts.bar(9, 4, "x").filled == charts.WIDTH
    assert charts.bar(None, 4, "x").filled == 0.0
    assert charts.bar(3, 0, "x").filled == 0.0
