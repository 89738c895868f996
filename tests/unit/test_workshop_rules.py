"""Placing trainees at stations evenly."""

from collections import Counter

from training.workshops.rules import StationLoad, place_evenly


def loads(*capacities: int, filled: dict[int, int] | None = None) -> list[StationLoad]:
    filled = filled or {}
    return [
        StationLoad(i, capacity, frozenset(range(1000 * i, 1000 * i + filled.get(i, 0))))
        for i, capacity in enumerate(capacities, start=1)
    ]


def test_equal_stations_fill_round_robin():
    placed = place_evenly(loads(4, 4, 4), list(range(9)))
    assert Counter(placed.values()) == {1: 3, 2: 3, 3: 3}


def test_stations_fill_in_proportion_to_their_capacity():
    placed = place_evenly(loads(4, 8), list(range(6)))
    assert Counter(placed.values()) == {1: 2, 2: 4}


def test_existing_places_count_and_are_kept():
    placed = place_evenly(loads(4, 4, filled={1: 3}), [1, 2, 3])
    assert Counter(placed.values()) == {2: 3}  # table 1 is 3/4 full, table 2 catches up


def test_nobody_is_placed_beyond_capacity():
    placed = place_evenly(loads(2, 1), list(range(5)))
    assert len(placed) == 3
    assert Counter(placed.values()) == {1: 2, 2: 1}


def test_no_stations_places_nobody():
    assert place_evenly([], [1, 2]) == {}
