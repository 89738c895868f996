"""Two organizers booking the same faculty member at the same moment, from separate
connections: exactly one session is created, on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
from datetime import date, time

import sqlalchemy as sa

from tests.support import database
from training import create_app
from training.accounts.models import Role, User
from training.config import TestConfig
from training.core.errors import DomainError
from training.curriculum.models import Curriculum, CurriculumVersion, VersionState
from training.extensions import db
from training.workshops import services
from training.workshops.models import (
    Duty,
    SessionKind,
    Workshop,
    WorkshopSession,
    WorkshopStaff,
    WorkshopState,
)

ATTEMPTS = 8


def test_concurrent_bookings_of_one_faculty_member_leave_one_session(run_dir, database_url, tmp_path):
    name = "workshop_races"
    url = database.separate_url(database_url, run_dir, name)
    database.recreate(url, schema=name)
    app = create_app(TestConfig(tmp_path / "instance", url))
    try:
        with app.app_context():
            database.migrate_to_head()
        day = date(2031, 5, 6)
        with app.app_context():
            curriculum = Curriculum(slug="race", title="Race")
            version = CurriculumVersion(
                curriculum=curriculum, number=1, title="Race", state=VersionState.PUBLISHED
            )
            teacher = User(email="amara.race@example.org", full_name="Dr. Amara Okafor")
            teacher.set_roles({Role.FACULTY})
            organizer = User(email="marco.race@example.org", full_name="Marco Bellini")
            organizer.set_roles({Role.ORGANIZER})
            db.session.add_all([version, teacher, organizer])
            db.session.flush()
            ids = []
            for n in range(2):
                workshop = Workshop(
                    title=f"Course {n}",
                    curriculum_version=version,
                    venue_name=f"Venue {n}",
                    city="Bologna",
                    country="IT",
                    timezone="Europe/Rome",
                    starts_on=day,
                    ends_on=day,
                    capacity=10,
                    state=WorkshopState.PUBLISHED,
                )
                workshop.staff = [
                    WorkshopStaff(user_id=organizer.id, duty=Duty.ORGANIZER),
                    WorkshopStaff(user_id=teacher.id, duty=Duty.FACULTY),
                ]
                db.session.add(workshop)
                db.session.flush()
                ids.append(workshop.id)
            teacher_id, organizer_id = teacher.id, organizer.id
            db.session.commit()
        barrier = threading.Barrier(ATTEMPTS)
        outcomes: list[str] = []

        def book(n: int) -> None:
            # Everyone starts together; on SQLite the first statement takes the write lock.
            barrier.wait(timeout=30)
            with app.app_context():
                workshop = db.session.get(Workshop, ids[n % 2])
                organizer = db.session.get(User, organizer_id)
                data = services.SessionInput(
                    title=f"Lecture {n}",
                    description="",
                    kind=SessionKind.LECTURE,
                    day=day,
                    start=time(9, 0),
                    end=time(10, 0),
                    room=f"Room {n}",
                    module_ids=[],
                    faculty_ids=[teacher_id],
                    mandatory=False,
                )
                try:
                    services.create_session(workshop, data, actor=organizer)
                    db.session.commit()
                    outcomes.append("created")
                except DomainError:
                    db.session.rollback()
                    outcomes.append("refused")

        threads = [threading.Thread(target=book, args=(n,)) for n in range(ATTEMPTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert sorted(outcomes) == ["created"] + ["refused"] * (ATTEMPTS - 1)
        with app.app_context():
            assert db.session.scalar(sa.select(sa.func.count()).select_from(WorkshopSession)) == 1
    finally:
        with app.app_context():
            db.engine.dispose()
        database.drop(url, name)
