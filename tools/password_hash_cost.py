"""What a password hash costs on this machine: Argon2id with the parameters the project
used before (argon2-cffi's defaults, t=3, 64 MiB, p=4) and with the ones it uses now
(OWASP's minimum for argon2id, t=2, 19 MiB, p=1). Prints the median wall-clock and CPU
time of a hash and of a verify, and how many verifies a second the machine's cores
could do at most.

    .venv/bin/python tools/password_hash_cost.py [--rounds 30]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable

from argon2 import PasswordHasher

CANDIDATES = {
    "before: t=3, m=65536 KiB, p=4": PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4),
    "now:    t=2, m=19456 KiB, p=1": PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1),
}
PASSWORD = "lipofilling-cannula-harvest"  # noqa: S105  # a sample to hash, not a credential


def timed(work: Callable[[], object], rounds: int) -> tuple[float, float]:
    """Median wall-clock and CPU milliseconds of ``work``."""
    walls, cpus = [], []
    for _ in range(rounds):
        wall, cpu = time.perf_counter(), time.process_time()
        work()
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    rounds = parser.parse_args().rounds
    cores = os.cpu_count() or 1
    print(f"{cores} core(s), median of {rounds} rounds")
    for name, hasher in CANDIDATES.items():
        stored = hasher.hash(PASSWORD)
        hash_wall, hash_cpu = timed(lambda h=hasher: h.hash(PASSWORD), rounds)
        verify_wall, verify_cpu = timed(lambda h=hasher, s=stored: h.verify(s, PASSWORD), rounds)
        ceiling = cores * 1000 / verify_cpu
        print(
            f"{name}: hash {hash_wall:6.1f} ms wall / {hash_cpu:6.1f} ms CPU; "
            f"verify {verify_wall:6.1f} ms wall / {verify_cpu:6.1f} ms CPU "
            f"(at most ~{ceiling:.0f} verifies/s on {cores} cores)"
        )


if __name__ == "__main__":
    main()
