"""50 trainees ask for the last 10 seats at the same moment, each over its own
connection: exactly 10 get a seat and 40 wait, in the order they were served.

Two ways in: real HTTP requests to the app served live (threads, each with its
own HTTP and database connection), and the service called from threads each in
its own app context (its own session and database connection), as a command or
a task would. Both on SQLite and, with TEST_DATABASE_URL, on PostgreSQL.
"""

from __future__ import annotations

import http.client
import re
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

import pytest
import sqlalchemy as sa
from itsdangerous import URLSafeTimedSerializer

from tests.support import database
from tests.support.detached_factories import factories
from tests.support.servers import LiveServer
from tests.support.tasks import run_pending
from training import create_app
from training.accounts.models import User
from training.accounts.services import start_login
from training.config import TestConfig
from training.core.mail import OutboxMessage
from training.enrolments import services
from training.enrolments.models import Enrolment, EnrolmentState
from training.extensions import db
from training.workshops.models import Workshop

SEATS = 10
CROWD = 50
ALREADY_CONFIRMED = 5  # the workshop has 15 seats, 5 of them taken before the rush


@pytest.fixture(scope="module")
def race_app(app, run_dir, database_url, tmp_path_factory):
    # ``app`` first: it puts the task queue in memory for the whole run.
    name = "enrolment_race"
    url = database.separate_url(database_url, run_dir, name)
    database.recreate(url, schema=name)
    race = create_app(TestConfig(tmp_path_factory.mktemp("race-instance"), url))
    with race.app_context():
        database.migrate_to_head()
    yield race
    with race.app_context():
        run_pending()  # the mail the rush queued, delivered to the log
        db.engine.dispose()
    database.drop(url, name)


@dataclass(frozen=True)
class Racer:
    id: int
    email: str
    login_id: str  # what Flask-Login keeps in the session


def crowd(race_app) -> tuple[int, list[Racer]]:
    """A workshop with 10 free seats, and 50 trainees, all committed."""
    with factories(race_app) as make:
        workshop = make.workshop(capacity=SEATS + ALREADY_CONFIRMED)
        for _ in range(ALREADY_CONFIRMED):
            make.enrolment(workshop)
        trainees = [make.trainee() for _ in range(CROWD)]
        return workshop.id, [Racer(t.id, t.email, t.get_id()) for t in trainees]


def check_the_outcome(race_app, workshop_id: int) -> None:
    with race_app.app_context():
        enrolments = db.session.scalars(
            sa.select(Enrolment)
            .where(Enrolment.workshop_id == workshop_id)
            .order_by(Enrolment.requested_at, Enrolment.id)
        ).all()
        states = [e.state for e in enrolments]
        assert states.count(EnrolmentState.CONFIRMED) == SEATS + ALREADY_CONFIRMED
        assert states.count(EnrolmentState.WAITLISTED) == CROWD - SEATS
        # In arrival order: every seat went before every waitlist place...
        assert states == [EnrolmentState.CONFIRMED] * (SEATS + ALREADY_CONFIRMED) + [
            EnrolmentState.WAITLISTED
        ] * (CROWD - SEATS)
        # ...arrival times are all different (each decided after the one before)...
        stamps = [e.requested_at for e in enrolments[ALREADY_CONFIRMED:]]
        assert len(set(stamps)) == CROWD
        # ...and the position each waitlisted trainee was told is their place in that order.
        waitlisted = [e for e in enrolments if e.state is EnrolmentState.WAITLISTED]
        told = {}
        for message in db.session.scalars(
            sa.select(OutboxMessage).where(
                OutboxMessage.workshop_id == workshop_id,
                OutboxMessage.subject.like("You are on the waitlist%"),
            )
        ):
            told[message.recipient] = int(re.search(r"at position (\d+)", message.body).group(1))
        assert [told[e.trainee.email] for e in waitlisted] == list(range(1, CROWD - SEATS + 1))
        assert [services.waitlist_position(e) for e in waitlisted] == list(range(1, CROWD - SEATS + 1))
        workshop = db.session.get(Workshop, workshop_id)
        assert services.seat_summary(workshop).left == 0


def signed_in_cookie(race_app, racer: Racer) -> tuple[str, str]:
    """A session cookie as the login page leaves it, and the form's CSRF token."""
    raw = f"csrf-{racer.id}"
    with race_app.test_request_context():
        key = start_login(db.session.get(User, racer.id), user_agent="Race client")
        db.session.commit()
    session = {
        "login": key,
        "_user_id": racer.login_id,
        "_fresh": True,
        "seen": int(time.time()),
        "password_confirmed_at": int(time.time()),
        "csrf_token": raw,
    }
    cookie = race_app.session_interface.get_signing_serializer(race_app).dumps(session)
    token = URLSafeTimedSerializer(race_app.secret_key, salt="wtf-csrf-token").dumps(raw)
    return f"{race_app.config['SESSION_COOKIE_NAME']}={cookie}", token


@pytest.mark.slow
def test_fifty_requests_over_http_for_ten_seats(race_app):
    workshop_id, trainees = crowd(race_app)
    credentials = [signed_in_cookie(race_app, t) for t in trainees]
    start = threading.Barrier(CROWD)
    answers: list[tuple[int, str]] = []
    failures: list[BaseException] = []

    with LiveServer(race_app) as live:
        address = urlsplit(live.url)

        def ask(cookie: str, token: str) -> None:
            try:
                connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
                body = urlencode({"csrf_token": token})
                start.wait(timeout=30)
                connection.request(
                    "POST",
                    f"/workshops/{workshop_id}/enrol",
                    body=body,
                    headers={
                        "Cookie": cookie,
                        "Content-Type": "application/x-www-form-urlencoded",
                    },
                )
                response = connection.getresponse()
                response.read()
                answers.append((response.status, response.getheader("Location") or ""))
                connection.close()
            except BaseException as error:  # reported below, in the test's thread
                failures.append(error)

        threads = [threading.Thread(target=ask, args=c) for c in credentials]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)

    assert failures == []
    assert len(answers) == CROWD
    assert {status for status, _ in answers} == {302}
    assert {location for _, location in answers} == {f"/workshops/{workshop_id}/enrolment"}
    check_the_outcome(race_app, workshop_id)


@pytest.mark.slow
def test_fifty_service_calls_in_their_own_app_contexts_for_ten_seats(race_app):
    workshop_id, trainees = crowd(race_app)
    start = threading.Barrier(CROWD)
    failures: list[BaseException] = []

    def enrol(trainee_id: int) -> None:
        try:
            start.wait(timeout=30)
            with race_app.app_context():
                # Its own session, so its own connection and transaction.
                trainee = db.session.get(User, trainee_id)
                services.enrol(db.session.get(Workshop, workshop_id), actor=trainee)
                db.session.commit()
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=enrol, args=(t.id,)) for t in trainees]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    check_the_outcome(race_app, workshop_id)
