"""Values worked out from the database, kept in this process while they stay true.

Each value is stored with a stamp: a few figures that one cheap query reads and
that change whenever anything the value shows changes (a count, a largest id, a
latest update). A request reads the stamp; only when it differs is the value
worked out again. Nothing is shared between processes, so nothing needs
clearing: each gunicorn worker keeps its own, bounded, and a stale entry is
simply never matched again.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")


class StampedCache(Generic[T]):
    def __init__(self, size: int = 128) -> None:
        self.size = size
        self._entries: OrderedDict[Hashable, tuple[Hashable, T]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, stamp: Hashable) -> T | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] != stamp:
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, key: Hashable, stamp: Hashable, value: T) -> T:
        with self._lock:
            self._entries[key] = (stamp, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return value

    def fetch(self, key: Hashable, stamp: Hashable, work_out: Callable[[], T]) -> T:
        """The kept value, or ``work_out()`` kept under ``stamp``."""
        found = self.get(key, stamp)
        return found if found is not None else self.put(key, stamp, work_out())
