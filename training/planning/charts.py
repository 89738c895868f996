"""Small bar charts as geometry for a server-rendered SVG (no script, no library), in
the way of assessments.charts: numbers in, lengths out. The page prints the same
numbers as text beside each chart."""

from __future__ import annotations

from dataclasses import dataclass

WIDTH = 120  # the SVG's user units
HEIGHT = 10


@dataclass(frozen=True)
class Bar:
    """One horizontal bar: ``filled`` of the track's width, and an optional overflow
    (e.g. a waitlist beyond the seats) drawn after it, capped at the track."""

    width: int
    height: int
    filled: float
    overflow: float
    label: str  # what the chart says, in words (its accessible name)


def bar(part: int | None, whole: int | None, label: str, *, extra: int = 0) -> Bar:
    """``part`` of ``whole`` as a bar; ``extra`` beyond ``part`` as the overflow segment.
    Nothing to measure (no whole) draws an empty track."""
    if not whole or part is None or whole <= 0:
        return Bar(WIDTH, HEIGHT, 0.0, 0.0, label)
    filled = round(WIDTH * min(part, whole) / whole, 1)
    overflow = round(min(WIDTH - filled, WIDTH * max(0, extra) / whole), 1)
    return Bar(WIDTH, HEIGHT, filled, overflow, label)
