"""Accounts against enumeration and takeover: answers that confirm no address,
the current password for changes of e-mail and password, notices to the old address."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.support.statements import recorded_statements


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
