"""Small bar charts as geometry for a server-rendered SVG (no script, no library), in
the way of assessments.charts: numbers in, lengths out. The page prints the same
numbers as text beside each chart."""

from __future__ import annotations

from dataclasses import dataclass

WIDTH = 120  # the SVG's user units
HEIGHT = 10


@dataclass(frozen=True)
class Bar:
    """One horizontal bar: ``filled`` of the track's width."""

    width: int
    height: int
    filled: float
    label: str  # what the chart says, in words (its accessible name)


def bar(part: int | None, whole: int | None, label: str) -> Bar:
    """``part`` of ``whole`` as a bar, capped at the track; nothing to measure (no whole)
    draws an empty track."""
    if not whole or part is None or whole <= 0:
        return Bar(WIDTH, HEIGHT, 0.0, label)
    return Bar(WIDTH, HEIGHT, round(WIDTH * max(0, min(part, whole)) / whole, 1), label)
