"""Two requests at the same moment, on real separate connections: one attempt started,
one grading. The database (row lock, unique index, conditional state change) decides."""

import threading

import pytest
import sqlalchemy as sa

from tests.support import database
from tests.support.detached_factories import factories
from training.accounts.models import User
from training.extensions import db
from training.quizzes import services
from training.quizzes.models import Attempt, AttemptState, Quiz

SCHEMA = "quiz_concurrency"


@pytest.fixture
def own_app(run_dir, database_url, tmp_path):
    with database.separate_app(database_url, run_dir, tmp_path / "instance", SCHEMA) as app:
        yield app


def at_once(app, work, count=2):
    """Run ``work()`` in ``count`` threads released together, each in its own app
    context (its own connection and transaction), committing at the end."""
    barrier = threading.Barrier(count)
    results, errors = [], []

    def run():
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                results.append(work())
                db.session.commit()
            except Exception as error:  # collected and asserted on by the test
                db.session.rollback()
                errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, errors


def test_two_tabs_start_and_submit_at_once_make_one_graded_attempt(own_app):
    with factories(own_app) as make:
        version = make.curriculum_version(["ANAT-101"], questions_per_module=3)
        workshop = make.workshop(version=version)
        trainee = make.enrolment(workshop).trainee
        quiz_id, trainee_id = make.quiz(workshop, max_attempts=3).id, trainee.id

    def start():
        quiz = db.session.get(Quiz, quiz_id)
        return services.start_attempt(quiz, actor=db.session.get(User, trainee_id)).id

    started, errors = at_once(own_app, start)
    assert errors == []
    assert len(set(started)) == 1

    def submit():
        attempt = services.load_attempt(started[0])
        return services.submit_attempt(attempt, actor=db.session.get(User, trainee_id)).already

    already, errors = at_once(own_app, submit)
    assert errors == []
    assert sorted(already) == [False, True]
    with own_app.app_context():
        attempts = db.session.scalars(sa.select(Attempt)).all()
        assert [(a.number, a.state) for a in attempts] == [(1, AttemptState.GRADED)]
