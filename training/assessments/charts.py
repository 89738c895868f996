"""The OSATS radar chart as geometry for a server-rendered SVG (no script, no library).

Seven axes, one per domain, from the centre (score 0) to the rim (score 5);
each profile is a polygon. Pure: numbers in, coordinates out.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from training.assessments.scale import HIGHEST, OSATS_DOMAINS


@dataclass(frozen=True)
class Axis:
    key: str
    label: str
    x: float  # the rim end of the axis
    y: float
    label_x: float
    label_y: float
    anchor: str  # SVG text-anchor: start, middle or end


@dataclass(frozen=True)
class Radar:
    size: int
    centre: float
    axes: tuple[Axis, ...]
    rings: tuple[str, ...]  # polygon points of the grid at scores 1..5
    polygons: tuple[str, ...]  # one per profile, in the order given


def _point(centre: float, radius: float, index: int, count: int, value: float) -> tuple[float, float]:
    # The first axis points straight up; the others follow clockwise.
    angle = -math.pi / 2 + 2 * math.pi * index / count
    distance = radius * value / HIGHEST
    return round(centre + distance * math.cos(angle), 1), round(centre + distance * math.sin(angle), 1)


def _points(coordinates: Sequence[tuple[float, float]]) -> str:
    return " ".join(f"{x},{y}" for x, y in coordinates)


def radar(profiles: Sequence[Mapping[str, float | None]], *, size: int = 340) -> Radar:
    """The chart of ``profiles`` (domain key -> score 1-5); missing and not-applicable domains count as 0."""
    count = len(OSATS_DOMAINS)
    centre = size / 2
    radius = size / 2 - 60  # room for the labels around the rim
    axes = []
    for index, domain in enumerate(OSATS_DOMAINS):
        x, y = _point(centre, radius, index, count, HIGHEST)
        label_x, label_y = _point(centre, radius + 14, index, count, HIGHEST)
        anchor = "middle" if abs(label_x - centre) < 1 else ("start" if label_x > centre else "end")
        axes.append(Axis(domain.key, domain.short, x, y, label_x, label_y + 4, anchor))
    rings = tuple(
        _points([_point(centre, radius, i, count, level) for i in range(count)])
        for level in range(1, HIGHEST + 1)
    )
    polygons = tuple(
        _points(
            [
                _point(
                    centre,
                    radius,
                    i,
                    count,
                    max(0.0, min(float(HIGHEST), float(profile.get(domain.key) or 0))),
                )
                for i, domain in enumerate(OSATS_DOMAINS)
            ]
        )
        for profile in profiles
    )
    return Radar(size, centre, tuple(axes), rings, polygons)
