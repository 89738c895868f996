"""Under gunicorn with two workers, 50 trainees write at once through the real pages:
each logs in with the form, checks in to the running session with its code, starts a
quiz, saves every answer through the autosave and submits. Nothing fails (no 5xx, no
"database is locked") and every write is in the database afterwards, on SQLite (WAL,
busy timeout, writers queueing on BEGIN IMMEDIATE) and on PostgreSQL."""

from __future__ import annotations

import http.cookiejar
import re
import secrets
import threading
import time
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
import sqlalchemy as sa

from bench.load import Server
from tests.support import database
from tests.support.detached_factories import factories
from training.attendance import tokens
from training.attendance.models import AttendanceRecord, CheckInMethod
from training.core.db import utcnow
from training.extensions import db
from training.quizzes.models import Attempt, AttemptQuestion, AttemptState

SCHEMA = "concurrent_writers"
CLIENTS = 50
QUESTIONS = 4


class _EveryStatus(urllib.request.HTTPErrorProcessor):
    """Hand back every response as it came: no exception for 4xx/5xx, no redirect followed."""

    def http_response(self, request, response):
        return response

    https_response = http_response


@dataclass
class Reply:
    status: int
    location: str
    body: str


@dataclass
class Browser:
    """One trainee's browser: its own cookies, every request and status it saw."""

    base: str
    seen: list[tuple[str, str, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _EveryStatus()
        )

    def request(self, method: str, path: str, data: list[tuple[str, str]] | None = None) -> Reply:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body, method=method)  # noqa: S310
        with self.opener.open(request, timeout=60) as response:
            reply = Reply(response.status, response.headers.get("Location", ""), response.read().decode())
        self.seen.append((method, path, reply.status))
        return reply

    def get(self, path: str) -> Reply:
        return self.request("GET", path)

    def post(self, path: str, data: list[tuple[str, str]], token: str) -> Reply:
        return self.request("POST", path, [*data, ("csrf_token", token)])


def csrf_token(html: str) -> str:
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', html)
    assert match, "every page carries the CSRF token for its forms and scripts"
    return match.group(1)


def path_of(location: str) -> str:
    return urllib.parse.urlsplit(location).path


@pytest.fixture
def writers_app(run_dir, database_url, tmp_path):
    with database.separate_app(database_url, run_dir, tmp_path / "instance", SCHEMA) as app:
        yield app


def test_fifty_trainees_writing_at_once_under_two_workers_lose_nothing(writers_app, tmp_path):
    with factories(writers_app) as make:
        started = utcnow() - timedelta(minutes=1)
        workshop = make.workshop(starts_on=started.date(), timezone="UTC", capacity=CLIENTS + 10)
        session = make.running_session(workshop, started=timedelta(minutes=1))
        trainees = make.enrolled_trainees(workshop, CLIENTS)
        quiz = make.quiz(workshop, question_count=QUESTIONS)
    with writers_app.app_context():
        db.engine.dispose()  # the server's workers are the only writers from here on

    secret = secrets.token_urlsafe(32)
    server = Server(
        writers_app.config["SQLALCHEMY_DATABASE_URI"],
        tmp_path / "instance",
        env={"TRAINING_SECRET_KEY": secret},
        log=tmp_path / "gunicorn.log",
    )
    browsers = [Browser(server.base) for _ in trainees]
    saved: dict[int, dict[int, str]] = {}  # attempt id -> question id -> option chosen
    failures: list[str] = []
    ready = threading.Barrier(CLIENTS, timeout=60)

    def trainee_at_work(trainee, browser: Browser) -> None:
        login = browser.get("/login")
        token = csrf_token(login.body)
        ready.wait()  # everyone logs in at once (a login rehashes the password: a write)
        signed_in = browser.post("/login", [("email", trainee.email), ("password", trainee.password)], token)
        assert signed_in.status == 302, f"login answered {signed_in.status}"

        form = browser.get("/attendance/check-in")
        code = tokens.short_code(secret, session.id, tokens.window_at(utcnow()).number)
        checked_in = browser.post("/attendance/check-in", [("code", code)], csrf_token(form.body))
        assert checked_in.status == 302, f"check-in answered {checked_in.status}: {checked_in.body[-500:]}"

        page = browser.get(f"/quizzes/{quiz.id}")
        token = csrf_token(page.body)
        start = browser.post(f"/quizzes/{quiz.id}/start", [], token)
        assert start.status == 302, start.status
        assert "/attempts/" in start.location
        attempt_path = path_of(start.location)
        attempt_id = int(attempt_path.rsplit("/", 1)[1])
        attempt_page = browser.get(attempt_path)
        token = csrf_token(attempt_page.body)
        choices: dict[int, str] = {}
        options = re.findall(r'name="q-(\d+)" id="[^"]+" value="([^"]+)"', attempt_page.body)
        for question_id, option in options:
            choices.setdefault(int(question_id), option)
        assert len(choices) == QUESTIONS, attempt_page.body[-1000:]
        for question_id, option in choices.items():
            answer = browser.post(
                f"{attempt_path}/answer",
                [("question_id", str(question_id)), (f"q-{question_id}", option)],
                token,
            )
            assert answer.status == 200, answer.body
            assert '"saved":true' in answer.body.replace(" ", ""), answer.body
        saved[attempt_id] = choices
        form_data = [(f"present-{q}", "1") for q in choices] + [(f"q-{q}", o) for q, o in choices.items()]
        submitted = browser.post(f"{attempt_path}/submit", form_data, token)
        assert submitted.status == 302, submitted.status
        assert path_of(submitted.location) == f"{attempt_path}/result"

    def run(trainee, browser: Browser) -> None:
        try:
            trainee_at_work(trainee, browser)
        except BaseException as error:  # reported below, with every other trainee's
            failures.append(f"{trainee.email}: {type(error).__name__}: {error}")
            ready.abort()

    began = time.monotonic()
    threads = [threading.Thread(target=run, args=pair) for pair in zip(trainees, browsers, strict=True)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        server.stop()
    seconds = time.monotonic() - began
    log = server.stderr_text()

    statuses = Counter(status for browser in browsers for _, _, status in browser.seen)
    assert failures == [], (failures[:5], statuses, log[-3000:])
    assert all(200 <= status < 400 for status in statuses), statuses
    assert "database is locked" not in log, log[-3000:]
    assert "Traceback" not in log, log[-3000:]
    requests = sum(statuses.values())
    assert requests == CLIENTS * (8 + QUESTIONS)  # 7 pages and forms, an autosave per question, a submit
    print(f"{requests} requests from {CLIENTS} clients in {seconds:.1f} s")

    trainee_ids = {t.id for t in trainees}
    with writers_app.app_context():
        records = db.session.execute(
            sa.select(AttendanceRecord.trainee_id, AttendanceRecord.method).where(
                AttendanceRecord.session_id == session.id
            )
        ).all()
        assert sorted(r.trainee_id for r in records) == sorted(trainee_ids)  # one each, nobody missing
        assert {r.method for r in records} == {CheckInMethod.CODE}

        attempts = db.session.scalars(sa.select(Attempt).where(Attempt.quiz_id == quiz.id)).all()
        assert sorted(a.trainee_id for a in attempts) == sorted(trainee_ids)
        assert {a.id for a in attempts} == set(saved)
        assert all(a.state is AttemptState.GRADED and a.submitted_at is not None for a in attempts)

        answers = db.session.execute(
            sa.select(
                AttemptQuestion.attempt_id, AttemptQuestion.question_id, AttemptQuestion.response
            ).where(AttemptQuestion.attempt_id.in_(saved))
        ).all()
        assert len(answers) == CLIENTS * QUESTIONS
        stored = {(a.attempt_id, a.question_id): a.response for a in answers}
        for attempt_id, choices in saved.items():
            for question_id, option in choices.items():
                assert stored[(attempt_id, question_id)] == {"options": [option]}, (attempt_id, question_id)
    assert seconds < 60
