"""Headers, cookies and the health check."""

from datetime import timedelta

import pytest

from training import create_app
from training.config import TestConfig
from training.core.db import utcnow
from training.core.jobs import Job, JobState, run_job
from training.extensions import db


def test_every_page_sends_the_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "style-src 'self'" in csp
    assert "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in response.headers  # plain http here


def test_pages_hold_no_inline_script_or_style(client, make):
    client.login(make.admin())
    for url in ("/", "/admin/users", "/admin/audit", "/profile", "/admin/outbox"):
        html = client.get(url).text
        assert "<script>" not in html, url
        assert " style=" not in html, url
        assert "<style" not in html, url


def test_personal_pages_are_not_cached(client, make):
    client.login(make.trainee())
    assert client.get("/profile").headers["Cache-Control"] == "no-store"


def test_session_cookie_is_httponly_and_samesite_lax(client):
    cookie = client.get("/login").headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie


@pytest.fixture
def https_app(tmp_path, database_url, monkeypatch):
    """An app configured from the environment alone, as in production."""
    monkeypatch.setenv("TRAINING_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("TRAINING_DATABASE_URL", database_url)
    monkeypatch.setenv("TRAINING_BASE_URL", "https://training.example.org/")
    monkeypatch.delenv("TRAINING_SECRET_KEY", raising=False)
    app = create_app()
    yield app
    with app.app_context():
        db.engine.dispose()


def test_configuration_comes_from_the_environment(https_app, tmp_path):
    assert https_app.config["BASE_URL"] == "https://training.example.org"
    key_file = tmp_path / "instance" / "secret_key"
    assert https_app.config["SECRET_KEY"] == key_file.read_text().strip()
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert https_app.config["SMTP_URL"] is None


def test_https_sites_send_secure_cookies_and_hsts(https_app):
    response = https_app.test_client().get("/login", base_url="https://training.example.org")
    assert https_app.config["SESSION_COOKIE_SECURE"] is True
    assert "Secure" in response.headers["Set-Cookie"]
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_healthz_answers_when_the_database_does(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {
        "status": "ok",
        "database": "ok",
        "queue": {"pending": 0},
        "jobs": {"failed_last_day": 0},
    }


def test_healthz_reports_waiting_tasks_and_jobs_failed_in_the_last_day(app, client, session):
    with app.app_context():
        session.add(Job(kind="export", title="Failed today", state=JobState.FAILED))
        session.add(
            Job(
                kind="export",
                title="Failed last week",
                state=JobState.FAILED,
                updated_at=utcnow() - timedelta(days=7),
            )
        )
        session.add(Job(kind="export", title="Done today", state=JobState.DONE))
        session.commit()
        run_job(999_999)  # waits in the queue: nothing consumes it before the probe
        run_job(999_998)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["queue"] == {"pending": 2}
    assert response.json["jobs"] == {"failed_last_day": 1}


def test_healthz_says_503_when_the_database_does_not(tmp_path):
    app = create_app(TestConfig(tmp_path / "instance", f"sqlite:///{tmp_path}/missing/dir/none.db"))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "unavailable", "database": "unreachable"}
