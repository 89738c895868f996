"""What the public pages say about coming: the window and seat rules of enrolling itself."""

from datetime import UTC, datetime, timedelta

import pytest

from training.enrolments.rules import Availability, SeatSummary, Window, availability
from training.workshops.models import WorkshopState

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=10)


def window(state=WorkshopState.PUBLISHED, opens_at=None, closes_at=LATER):
    return Window(state, opens_at, closes_at)


@pytest.mark.parametrize(
    ("seats", "expected"),
    [
        (SeatSummary(3, 2, 0), Availability.SEATS),
        (SeatSummary(3, 3, 0), Availability.WAITLIST),
        # A seat freed while others wait goes to them: a newcomer waits too.
        (SeatSummary(3, 2, 1), Availability.WAITLIST),
    ],
)
def test_an_open_window_offers_a_seat_or_the_waitlist(seats, expected):
    assert availability(seats, window(), NOW) is expected
    assert expected.open


def test_before_the_window_opens_it_is_not_yet():
    assert (
        availability(SeatSummary(3, 0, 0), window(opens_at=NOW + timedelta(hours=1)), NOW)
        is Availability.NOT_YET
    )


@pytest.mark.parametrize(
    "closed",
    [
        window(closes_at=NOW),
        window(state=WorkshopState.CANCELLED, opens_at=NOW + timedelta(days=1)),
        window(state=WorkshopState.COMPLETED),
        window(state=WorkshopState.DRAFT),
    ],
)
def test_a_closed_window_is_closed_whatever_the_seats(closed):
    assert availability(SeatSummary(3, 0, 0), closed, NOW) is Availability.CLOSED
    assert not Availability.CLOSED.open
