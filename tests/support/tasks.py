"""The task queue in tests: an in-memory Huey storage, drained on demand.

A test (or the test client, after each request) runs what was queued, as a
consumer would have, so tests see the effect without waiting for a process.
"""

from __future__ import annotations

from huey.storage import MemoryStorage

from training.core.queue import huey


def use_memory_queue() -> None:
    huey.immediate = False
    huey.storage = MemoryStorage(huey.name)


def run_pending() -> int:
    """Run every task waiting in the queue, including those they queue; return how many ran."""
    ran = 0
    while (task := huey.dequeue()) is not None:
        huey.execute(task)
        ran += 1
    return ran
