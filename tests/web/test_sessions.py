"""A login is kept on the server: logging out, signing out everywhere, a new password
or deactivation end it for every copy of the cookie, and it lasts at most
TRAINING_SESSION_HOURS from the login, however often it is used."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from training.accounts.models import LoginSession
from training.core.db import utcnow
from training.extensions import db

STRONG = "correct horse battery staple 42"


def log_in(client, user, password: str, agent: str = "Firefox on the ward PC") -> None:
    response = client.post(
        "/login", data={"email": user.email, "password": password}, headers={"User-Agent": agent}
    )
    assert response.status_code == 302, response.text


def cookie(client) -> str:
    return client.get_cookie("session").value


def replay(client, value: str) -> None:
    client.set_cookie("session", value)


def logins_of(user) -> list[LoginSession]:
    return list(db.session.scalars(sa.select(LoginSession).where(LoginSession.user_id == user.id)))


def test_a_cookie_copied_before_logout_opens_nothing_after_it(client, make):
    user = make.trainee()
    log_in(client, user, user.password)
    assert client.get("/profile").status_code == 200
    stolen = cookie(client)
    client.post("/logout")
    assert logins_of(user) == []
    replay(client, stolen)
    response = client.get("/profile")
    assert response.status_code == 302
    assert response.location.startswith("/login")


def test_a_login_lasts_from_the_login_not_from_the_last_request(client, make, app):
    user = make.trainee()
    log_in(client, user, user.password)
    (login,) = logins_of(user)
    hours = app.config["PERMANENT_SESSION_LIFETIME"]
    # Used every hour since: still, the login is older than the longest a login lasts.
    login.created_at = utcnow() - hours - timedelta(minutes=1)
    login.last_seen_at = utcnow() - timedelta(minutes=50)
    db.session.commit()
    with client.session_transaction() as session:
        session["seen"] = int(utcnow().timestamp())
    response = client.get("/profile")
    assert response.status_code == 302
    assert response.location.startswith("/login")


def test_last_seen_is_written_every_few_minutes_not_on_every_request(client, make):
    user = make.trainee()
    log_in(client, user, user.password)
    (login,) = logins_of(user)
    earlier = utcnow() - timedelta(minutes=2)
    login.last_seen_at = earlier
    db.session.commit()
    client.get("/profile")
    db.session.refresh(login)
    assert login.last_seen_at == earlier
    login.last_seen_at = utcnow() - timedelta(minutes=6)
    db.session.commit()
    client.get("/profile")
    db.session.refresh(login)
    assert login.last_seen_at > utcnow() - timedelta(minutes=1)


def test_the_profile_lists_the_logins_and_signs_out_everywhere(app, client, make):
    user = make.trainee()
    other = app.test_client()
    log_in(other, user, user.password, agent="Safari on my phone")
    log_in(client, user, user.password, agent="Firefox on the ward PC")
    page = client.get("/profile").text
    assert page.count("data-login") == 2
    assert "Safari on my phone" in page
    assert "Firefox on the ward PC" in page
    assert "this browser" in page

    response = client.post("/profile/sign-out-everywhere", follow_redirects=True)
    assert "You are logged out on every browser and device" in response.text
    assert logins_of(user) == []
    assert other.get("/profile").status_code == 302
    assert client.get("/profile").status_code == 302


def test_a_new_password_ends_the_other_logins_and_keeps_this_one(app, client, make):
    user = make.trainee()
    other = app.test_client()
    log_in(other, user, user.password)
    log_in(client, user, user.password)
    response = client.post(
        "/profile/password",
        data={"current_password": user.password, "new_password": STRONG, "confirm": STRONG},
    )
    assert response.status_code == 302
    assert len(logins_of(user)) == 1
    assert client.get("/profile").status_code == 200
    assert other.get("/profile").status_code == 302


def test_deactivation_ends_every_login(client, make):
    user = make.trainee()
    log_in(client, user, user.password)
    stolen = cookie(client)
    admin = make.admin()
    client.login(admin)
    assert client.post(f"/admin/users/{user.id}/deactivate").status_code == 302
    assert logins_of(user) == []
    replay(client, stolen)
    assert client.get("/profile").status_code == 302


def test_the_sweep_deletes_logins_past_their_lifetime(app, client, make, run_tasks):
    from training.accounts.services import remove_ended_logins

    user = make.trainee()
    log_in(client, user, user.password)
    log_in(app.test_client(), user, user.password)
    old, recent = sorted(logins_of(user), key=lambda login: login.id)
    old.created_at = utcnow() - app.config["PERMANENT_SESSION_LIFETIME"] - timedelta(minutes=1)
    db.session.commit()
    remove_ended_logins()
    run_tasks()
    assert [login.id for login in logins_of(user)] == [recent.id]


def test_only_a_change_to_the_session_writes_the_cookie(client, make):
    # A late response (the favicon, an image) must not put back the cookie a logout replaced.
    trainee = make.trainee(password=STRONG)
    log_in(client, trainee, STRONG)
    assert client.get("/").status_code == 200
    for path in ("/static/img/favicon.svg", "/static/css/app.css", "/"):
        response = client.get(path)
        response.close()
        assert response.status_code == 200, path
        assert "Set-Cookie" not in response.headers, path
    response = client.post("/logout")
    assert "Set-Cookie" in response.headers  # the message for the login page
    assert "You have logged out." in client.get(response.location).text
