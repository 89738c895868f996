"""TRAINING_BASE_URL: derived by `make run` / `make serve` from where they serve, and a
warning when the app is reached elsewhere than a base URL on this computer."""

from __future__ import annotations

import logging
import subprocess

import icalendar
import pytest

from tests.support.makefile import clean_environment, derived_base_url, dry_run
from training import create_app
from training.config import Config, TestConfig
from training.workshops.models import SessionKind

FAVICON = "/static/img/favicon.svg"


def warnings_in(caplog) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.levelno == logging.WARNING and "TRAINING_BASE_URL" in r.getMessage()
    ]


def fetch(app, base_url: str, path: str = FAVICON) -> int:
    with app.test_client().get(path, base_url=base_url) as response:  # closes the static file
        return response.status_code


@pytest.fixture
def local_app(tmp_path):
    config = TestConfig(tmp_path / "instance", f"sqlite:///{tmp_path / 'unused.db'}")
    config.BASE_URL = "http://127.0.0.1:5000"
    return create_app(config)


def test_reached_under_another_name_the_app_warns_once(local_app, caplog):
    with caplog.at_level(logging.WARNING):
        assert fetch(local_app, "http://127.0.0.1:5000") == 200
        assert fetch(local_app, "http://localhost:5000") == 200
        assert warnings_in(caplog) == []  # this computer, the port of the base URL: links work here
        assert fetch(local_app, "http://training.example.org") == 200
        assert fetch(local_app, "http://training.example.org/") == 200
    (warning,) = warnings_in(caplog)
    assert "TRAINING_BASE_URL is http://127.0.0.1:5000" in warning
    assert "reached as http://training.example.org" in warning


def test_reached_on_another_port_the_app_warns(local_app, caplog):
    with caplog.at_level(logging.WARNING):
        assert fetch(local_app, "http://127.0.0.1:8000") == 200
    (warning,) = warnings_in(caplog)
    assert "reached as http://127.0.0.1:8000" in warning


def test_a_public_base_url_never_warns(tmp_path, caplog):
    config = TestConfig(tmp_path / "instance", f"sqlite:///{tmp_path / 'unused.db'}")
    config.BASE_URL = "https://training.example.org"
    app = create_app(config)
    with caplog.at_level(logging.WARNING):
        assert fetch(app, "http://10.0.0.7:8000") == 200
    assert warnings_in(caplog) == []


def test_make_derives_the_base_url_from_host_and_port():
    assert derived_base_url("run") == "http://127.0.0.1:5000"
    assert derived_base_url("run", "PORT=8000") == "http://127.0.0.1:8000"
    # As the README says it: `PORT=8000 make run`.
    assert derived_base_url("run", env=clean_environment(PORT="8000")) == "http://127.0.0.1:8000"
    assert derived_base_url("serve", "HOST=10.0.0.7", "PORT=8080") == "http://10.0.0.7:8080"
    assert derived_base_url("serve", "HOST=::1") == "http://[::1]:5000"
    assert derived_base_url("worker", "PORT=8080") == "http://127.0.0.1:8080"
    # Bound to every address: reached by the machine's name.
    name = subprocess.run(
        ["/bin/sh", "-c", "hostname -f 2>/dev/null || hostname"], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert derived_base_url("serve", "HOST=0.0.0.0") == f"http://{name}:5000"
    # A TRAINING_BASE_URL that is set is kept.
    env = clean_environment(TRAINING_BASE_URL="https://training.example.org")
    assert derived_base_url("run", "PORT=8000", env=env) == "https://training.example.org"


def test_the_derived_port_is_the_one_served_on():
    run = dry_run("run", "PORT=8000")
    assert "--port 8000" in run
    serve = dry_run("serve", "PORT=8000")
    assert "--bind 127.0.0.1:8000" in serve


def test_the_environment_is_production_unless_said_otherwise(monkeypatch, tmp_path):
    monkeypatch.delenv("TRAINING_ENV", raising=False)
    assert Config(tmp_path).ENVIRONMENT == "production"
    monkeypatch.setenv("TRAINING_ENV", "development")
    assert Config(tmp_path).ENVIRONMENT == "development"
    monkeypatch.setenv("TRAINING_ENV", "dev")
    with pytest.raises(ValueError, match="TRAINING_ENV is 'dev'; it must be one of: production, development"):
        Config(tmp_path)


def test_the_calendar_links_to_the_port_make_run_serves_on(app, client, make, monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL", derived_base_url("run", "PORT=8000"))
    workshop = make.workshop(title="Autumn cadaver course")
    session = make.session(workshop, kind=SessionKind.CADAVER_LAB, title="Night dissection")
    client.login(make.trainee())
    response = client.get(f"/workshops/{workshop.id}/calendar.ics")
    assert response.status_code == 200
    (event,) = icalendar.Calendar.from_ical(response.data).walk("VEVENT")
    assert str(event["URL"]) == f"http://127.0.0.1:8000/sessions/{session.id}"
    assert str(event["UID"]).endswith("@127.0.0.1")
