"""Pure decisions about workshops: no database, no request."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


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
