"""The outbox: written with the change, delivered over real SMTP, retried when down."""

import logging
from datetime import timedelta

import pytest
import sqlalchemy as sa

from training.core.db import utcnow
from training.core.mail import MAX_ATTEMPTS, MailState, OutboxMessage, deliver_pending, queue_mail, retry_now
from training.extensions import db


@pytest.fixture
def smtp(app, smtp_server):
    app.config["SMTP_URL"] = smtp_server.url
    yield smtp_server
    app.config["SMTP_URL"] = None


def queue(recipient="dr.x@example.org"):
    from training.accounts.models import User

    user = User(full_name="Dr. X", email=recipient)
    return queue_mail(recipient, "Welcome", "welcome", topic="account", user=user)


def test_delivers_pending_mail_to_the_smtp_server(ctx, smtp, run_tasks):
    message = queue()
    assert run_tasks() == 0  # nothing is queued before the commit
    db.session.commit()
    assert run_tasks() == 1
    assert message.state is MailState.SENT
    assert deliver_pending() == 0
    (received,) = smtp.inbox.to("dr.x@example.org")
    assert received["Subject"] == "Welcome"
    assert "Dr. X" in received.get_payload(decode=True).decode()
    assert received["From"].endswith("<no-reply@localhost>")


def test_nothing_is_sent_when_the_change_is_rolled_back(ctx, smtp, run_tasks):
    queue()
    db.session.rollback()
    assert run_tasks() == 0
    assert deliver_pending() == 0
    assert smtp.inbox.messages == []


def test_a_refusing_server_means_a_retry_later(ctx, smtp, run_tasks):
    smtp.inbox.refuse = True
    message = queue()
    db.session.commit()
    run_tasks()
    assert message.state is MailState.PENDING
    assert message.attempts == 1
    assert "451" in message.last_error
    assert message.next_attempt_at > utcnow() + timedelta(seconds=50)
    # not due yet: a new run does not hammer the server
    assert deliver_pending() == 0
    assert message.attempts == 1

    smtp.inbox.refuse = False
    retry_now(message)
    db.session.commit()
    run_tasks()
    assert message.state is MailState.SENT
    assert len(smtp.inbox.messages) == 1


def test_a_server_that_is_down_is_retried_then_given_up(ctx, app, run_tasks):
    from tests.support.servers import free_port

    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{free_port()}"
    try:
        message = queue()
        db.session.commit()
        run_tasks()
        for _ in range(MAX_ATTEMPTS - 1):
            assert message.state is MailState.PENDING
            message.next_attempt_at = utcnow()
            db.session.commit()
            deliver_pending()
        assert message.state is MailState.FAILED
        assert message.attempts == MAX_ATTEMPTS
        assert "ConnectionRefusedError" in message.last_error
    finally:
        app.config["SMTP_URL"] = None


def test_without_smtp_mail_goes_to_the_log(ctx, caplog, run_tasks):
    with caplog.at_level(logging.INFO, logger="training.mail"):
        message = queue()
        db.session.commit()
        run_tasks()
    assert message.state is MailState.SENT
    assert "To: dr.x@example.org" in caplog.text
    assert "Subject: Welcome" in caplog.text


def test_a_message_left_by_a_dead_worker_is_sent_again(ctx, smtp):
    message = OutboxMessage(recipient="y@example.org", subject="S", body="B", topic="t")
    message.state = MailState.SENDING
    message.claimed_at = utcnow() - timedelta(hours=1)
    db.session.add(message)
    db.session.commit()
    assert deliver_pending() == 1
    assert message.state is MailState.SENT


def test_attempts_cannot_go_negative(ctx):
    db.session.add(OutboxMessage(recipient="z@example.org", subject="S", body="B", topic="t", attempts=-1))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()
