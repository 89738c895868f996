"""Where a benchmark database lives, and building it once per set of parameters."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask

from bench.data import Size, stored_meta


@dataclass(frozen=True)
class Built:
    size: Size
    folder: Path
    facts: dict[str, Any]
    seconds: float  # building time; 0.0 when an existing database was reused

    @property
    def path(self) -> Path:
        return self.folder / "bench.db"

    @property
    def instance(self) -> Path:
        return self.folder / "instance"

    @property
    def url(self) -> str:
        return f"sqlite:///{self.path}"


def app_for(folder: Path, url: str | None = None) -> Flask:
    from training import create_app

    folder = folder.resolve()
    instance = folder / "instance"
    instance.mkdir(parents=True, exist_ok=True)
    return create_app(
        {
            "INSTANCE_PATH": str(instance),
            "SQLALCHEMY_DATABASE_URI": url or f"sqlite:///{folder / 'bench.db'}",
            "SECRET_KEY": "bench-" + folder.name,
            "RATELIMIT_ENABLED": False,
            "BASE_URL": "http://127.0.0.1:5000",
            # Certificates issued here link to this computer: allowed in development only.
            "ENVIRONMENT": "development",
        }
    )


def prepare(root: Path, size: Size, now: datetime, log: Any = print) -> Built:
    """The database for ``size`` under ``root``: reused when built before with the same
    parameters, else (re)built from nothing."""
    import time

    from bench.generate import build

    folder = root.resolve() / f"scale-{size.scale:g}-seed-{size.seed}"
    database = folder / "bench.db"
    if database.exists():
        engine = sa.create_engine(f"sqlite:///{database}")
        try:
            meta = stored_meta(engine)
        finally:
            engine.dispose()
        if meta is not None and meta[0] == size.key():
            log(f"reusing {database} (scale {size.scale:g})")
            return Built(size, folder, meta[1], 0.0)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    log(f"building {database} at scale {size.scale:g} (seed {size.seed})...")
    started = time.perf_counter()
    app = app_for(folder)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
    facts = build(app, size, now)
    with app.app_context():
        from training.extensions import db

        db.engine.dispose()
    seconds = time.perf_counter() - started
    log(f"built in {seconds:.1f} s: " + ", ".join(f"{n:,} {t}" for t, n in sorted(facts.counts.items())))
    engine = sa.create_engine(f"sqlite:///{database}")
    with engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")
    engine.dispose()
    return Built(size, folder, stored_meta_facts(database), seconds)


def stored_meta_facts(database: Path) -> dict[str, Any]:
    engine = sa.create_engine(f"sqlite:///{database}")
    try:
        meta = stored_meta(engine)
    finally:
        engine.dispose()
    assert meta is not None, "the build did not record its facts"
    return meta[1]
