"""Accounts against enumeration and takeover: answers that confirm no address,
the current password for changes of e-mail and password, notices to the old address."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from tests.support.statements import recorded_statements


def without_tokens(html: str) -> str:
    """A page with its CSRF tokens (signed, so different each second) blanked out."""
    return re.sub(r"[\w-]{20,}\.[\w-]{6}\.[\w-]{20,}", "TOKEN", html)


def post_without_running_tasks(client, url: str, data: dict[str, str]):
    """The request alone, without the consumer's work that the test client runs after it."""
    return FlaskClient.open(client, url, method="POST", data={**data, "csrf_token": client.csrf_token()})


def test_forgot_password_does_the_same_work_for_known_and_unknown_addresses(
    app, client, make, mails, run_tasks
):
    user = make.trainee()
    answers, statements = [], []
    for email in (user.email, "nobody@example.org"):
        with recorded_statements(app) as sent:
            response = post_without_running_tasks(client, "/password/forgot", {"email": email})
        answers.append((response.status_code, response.location))
        statements.append(sent)
    assert answers[0] == answers[1]
    assert statements[0] == statements[1]
    assert not any("users" in statement for statement in statements[0])
    assert mails() == []
    run_tasks()
    (message,) = mails()
    assert message.recipient == user.email
    assert message.subject == "Reset your password"


def profile_data(user, **changes) -> dict[str, str]:
    data = {
        "full_name": user.full_name,
        "email": user.email,
        "specialty": user.specialty,
        "registration_number": user.registration_number,
        "institution": user.institution,
        "country": user.country,
    }
    return {**data, **changes}


def test_changing_the_address_needs_the_password_and_a_link_to_the_new_one(app, client, make, mails):
    import sqlalchemy as sa

    from training.accounts.models import LoginSession
    from training.extensions import db

    user = make.trainee(email="old@example.org")
    other_browser = app.test_client()
    other_browser.login(user)
    client.login(user)

    refused = client.post("/profile", data=profile_data(user, email="new@example.org"))
    assert refused.status_code == 200
    assert "Enter your current password to change your e-mail address." in refused.text
    wrong = client.post("/profile", data=profile_data(user, email="new@example.org", current_password="nope"))
    assert "Enter your current password to change your e-mail address." in wrong.text
    assert mails() == []

    asked = client.post(
        "/profile",
        data=profile_data(user, email="new@example.org", current_password=user.password),
        follow_redirects=True,
    )
    assert (
        "follow the link we have sent to new@example.org. Until then it stays old@example.org" in asked.text
    )
    db.session.refresh(user)
    assert user.email == "old@example.org"
    (message,) = mails("new@example.org")
    link = re.search(r"http://training\.test(/profile/email/\S+)", message.body).group(1)
    assert client.get(link).status_code == 200
    done = client.post(link, follow_redirects=True)
    assert "Your e-mail address is now new@example.org" in done.text
    db.session.refresh(user)
    assert user.email == "new@example.org"
    (notice,) = mails("old@example.org")
    assert notice.subject == "Your e-mail address was changed"
    assert "new@example.org" in notice.body
    # This browser stays logged in; the other one is out.
    assert client.get("/profile").status_code == 200
    assert other_browser.get("/profile").status_code == 302
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(LoginSession).where(LoginSession.user_id == user.id)
        )
        == 1
    )
    assert client.post(link).status_code == 400  # works once


def test_the_profile_answers_alike_for_a_taken_and_a_free_address(client, make, mails):
    owner = make.trainee(email="taken@example.org")
    user = client.login(make.trainee())
    answers = []
    for email in ("taken@example.org", "free@example.org"):
        response = client.post(
            "/profile",
            data=profile_data(user, email=email, current_password=user.password),
            follow_redirects=True,
        )
        answers.append(without_tokens(response.text.replace(email, "ADDRESS")))
    assert "already" not in answers[0]
    assert answers[0] == answers[1]
    (warning,) = mails(owner.email)
    assert warning.subject == "Someone tried to use your address for another account"


def test_profile_posts_are_limited_per_account(client, make):
    user = client.login(make.trainee())
    statuses = [
        client.post("/profile", data=profile_data(user, email=f"n{n}@example.org")).status_code
        for n in range(21)
    ]
    assert statuses[:20] == [200] * 20
    assert statuses[20] == 429
    client.login(make.trainee())  # another account, from the same address, is not held back
    assert client.get("/profile").status_code == 200
    assert client.post("/profile", data=profile_data(user)).status_code != 429


def test_a_password_change_is_told_to_the_address(client, make, mails):
    user = client.login(make.trainee())
    strong = "correct horse battery staple 42"
    response = client.post(
        "/profile/password",
        data={"current_password": user.password, "new_password": strong, "confirm": strong},
    )
    assert response.status_code == 302
    assert [m.subject for m in mails(user.email)] == ["Your password was changed"]
