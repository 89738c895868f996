"""Two check-ins of the same trainee at the same moment (a double tap, two phones):
the service locks the trainee's enrolment, so one record results and no error."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.support import database
from tests.support.detached_factories import factories
from training.accounts.models import User
from training.attendance import services
from training.attendance.models import AttendanceRecord, CheckInMethod
from training.core.audit import AuditEvent
from training.core.db import utcnow
from training.extensions import db
from training.workshops.models import WorkshopSession

SCHEMA = "attendance_race"


@pytest.fixture
def racing_app(run_dir, database_url, tmp_path):
    with database.separate_app(database_url, run_dir, tmp_path / "instance", SCHEMA) as app:
        yield app


def test_simultaneous_check_ins_make_one_record(racing_app):
    with factories(racing_app) as make:
        workshop = make.workshop(starts_on=utcnow().date())
        session_id = make.running_session(workshop, started=timedelta(minutes=1)).id
        trainee_id = make.enrolled_trainees(workshop, 1)[0].id

    barrier = threading.Barrier(2)
    results: list[object] = []

    def check_in() -> None:
        # Both start together (on SQLite the first statement already takes the write lock).
        barrier.wait(timeout=10)
        with racing_app.app_context():
            try:
                session = db.session.get(WorkshopSession, session_id)
                trainee = db.session.get(User, trainee_id)
                result = services.check_in(session, trainee, scanned_at=utcnow(), method=CheckInMethod.QR)
                db.session.commit()
                results.append(result.changed)
            except Exception as error:  # the test reports it below
                db.session.rollback()
                results.append(error)

    threads = [threading.Thread(target=check_in) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(results, key=str) == [False, True], results
    with racing_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(AttendanceRecord.id))) == 1
        assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) == 1
