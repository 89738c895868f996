"""A programme-sized database, built with bulk inserts from a fixed seed.

Full scale (``--scale 1``): 10,000 trainees, 300 faculty, 500 workshops over five
years (20-60 trainees and 8-15 sessions each, labs with stations), attendance
for every session, 200,000 quiz attempts with their answers, 5,000 skill
assessments and 20,000 certificates. ``--scale 0.1`` builds a tenth of each
count (the per-workshop sizes stay real: a workshop has 20-60 trainees at
every scale, because pages are measured on real-sized workshops).

The database is reused when one built with the same parameters exists: the
parameters are kept in a ``bench_meta`` table.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time
from typing import Any

import sqlalchemy as sa

GENERATOR_VERSION = 2
BATCH = 5000


@dataclass(frozen=True)
class Size:
    scale: float
    seed: int

    def of(self, full: int, minimum: int = 1) -> int:
        return max(minimum, round(full * self.scale))

    @property
    def trainees(self) -> int:
        return self.of(10_000, 100)  # at least enough for two 60-trainee workshops

    @property
    def faculty(self) -> int:
        return self.of(300, 4)

    @property
    def workshops(self) -> int:
        return self.of(500, 3)

    @property
    def attempts(self) -> int:
        return self.of(200_000, 100)

    @property
    def assessments(self) -> int:
        return self.of(5_000, 20)

    @property
    def certificates(self) -> int:
        return self.of(20_000, 20)

    def key(self) -> str:
        """The parameters a database was built with, the schema's revision included:
        a new migration means a new build."""
        return json.dumps(
            {**asdict(self), "version": GENERATOR_VERSION, "schema": schema_revision()}, sort_keys=True
        )


def schema_revision() -> str:
    """The newest migration's revision, read from the migration scripts."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from training import MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head() or ""


def batched(rows: Iterable[dict[str, Any]], size: int = BATCH) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def insert(connection: sa.Connection, table: sa.Table, rows: Iterable[dict[str, Any]]) -> int:
    """Insert ``rows`` in batches. Rows that leave out different columns go in separate
    statements, so the table's defaults fill what each one leaves out."""
    count = 0
    for batch in batched(rows):
        shapes: dict[frozenset[str], list[dict[str, Any]]] = {}
        for row in batch:
            shapes.setdefault(frozenset(row), []).append(row)
        for group in shapes.values():
            connection.execute(table.insert(), group)
        count += len(batch)
    return count


def utc(day: date, at: time, zone: Any) -> datetime:
    return datetime.combine(day, at, zone).astimezone(UTC)


def stored_meta(engine: sa.Engine) -> tuple[str, dict[str, Any]] | None:
    """The size key and the facts of a finished build, or None."""
    with engine.connect() as connection:
        if not sa.inspect(connection).has_table("bench_meta"):
            return None
        rows = dict(connection.execute(sa.text("SELECT name, value FROM bench_meta")).tuples().all())
    if "size" not in rows or "facts" not in rows:
        return None
    return rows["size"], json.loads(rows["facts"])


def remember(connection: sa.Connection, size: Size, facts: dict[str, Any]) -> None:
    """Written last, in the build's transaction: a build cut short is never reused."""
    connection.execute(sa.text("CREATE TABLE IF NOT EXISTS bench_meta (name TEXT PRIMARY KEY, value TEXT)"))
    connection.execute(
        sa.text("INSERT INTO bench_meta (name, value) VALUES ('size', :size), ('facts', :facts)"),
        {"size": size.key(), "facts": json.dumps(facts)},
    )


def rng(size: Size, part: str) -> random.Random:
    """A generator per part, so adding a part never changes the data of another."""
    return random.Random(f"{size.seed}:{part}")
