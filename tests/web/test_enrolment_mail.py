"""Enrolment e-mail reaches a real SMTP server: trainees fill the workshop, the
next ones wait, one cancels and the first waitlisted is promoted and told."""

import pytest
import sqlalchemy as sa

from training.enrolments.models import Enrolment, EnrolmentState
from training.extensions import db


@pytest.fixture
def smtp(app, smtp_server):
    app.config["SMTP_URL"] = smtp_server.url
    yield smtp_server
    app.config["SMTP_URL"] = None


def body(message) -> str:
    return message.get_payload(decode=True).decode()


def test_enrolment_waitlist_cancellation_and_promotion_mail_arrive(client, make, smtp, mails):
    workshop = make.workshop(capacity=2, title="Nanofat and microneedling, Bologna")
    first, second, third, fourth = (make.trainee() for _ in range(4))
    for trainee in (first, second, third, fourth):
        client.login(trainee)
        assert client.post(f"/workshops/{workshop.id}/enrol").status_code == 302
    # The test client runs the delivery task after each request, as the consumer would.
    assert [m["Subject"] for m in smtp.inbox.to(first.email)] == [
        "Your seat is confirmed: Nanofat and microneedling, Bologna"
    ]
    (waiting,) = smtp.inbox.to(fourth.email)
    assert waiting["Subject"] == "You are on the waitlist: Nanofat and microneedling, Bologna"
    assert "at position 2" in body(waiting)

    client.login(second)
    client.post(f"/workshops/{workshop.id}/enrolment/cancel", data={"reason": ""})
    (cancelled,) = [m for m in smtp.inbox.to(second.email) if "cancelled" in m["Subject"]]
    assert "your seat is cancelled" in body(cancelled)
    promoted = smtp.inbox.to(third.email)[-1]
    assert promoted["Subject"] == "A seat is yours: Nanofat and microneedling, Bologna"
    assert "You are now confirmed" in body(promoted)
    assert f"http://training.test/workshops/{workshop.id}/enrolment" in body(promoted)
    assert smtp.inbox.to(fourth.email)[-1] is waiting  # still waiting, not told anything new

    client.login(workshop.organizer)
    client.post(
        f"/workshops/{workshop.id}/roster/{_enrolment_id(workshop, first)}/remove",
        data={"reason": "Visa refused"},
    )
    removed = smtp.inbox.to(first.email)[-1]
    assert removed["Subject"] == "Your enrolment was cancelled: Nanofat and microneedling, Bologna"
    assert "Their reason: Visa refused" in body(removed)
    assert smtp.inbox.to(fourth.email)[-1]["Subject"] == "A seat is yours: Nanofat and microneedling, Bologna"
    # Everything was delivered: nothing pending for the organizer to worry about.
    assert {m.state.value for m in mails()} == {"sent"}
    page = client.get(f"/workshops/{workshop.id}/mail")
    assert "Nothing is waiting" in page.text


def test_mail_waits_in_the_outbox_while_the_server_refuses(client, make, smtp):
    smtp.inbox.refuse = True
    workshop = make.workshop(capacity=1)
    trainee = client.login(make.trainee())
    client.post(f"/workshops/{workshop.id}/enrol")
    assert smtp.inbox.messages == []
    client.login(workshop.organizer)
    page = client.get(f"/workshops/{workshop.id}/mail")
    assert trainee.email in page.text
    assert "451" in page.text  # the server's answer, as the last error


def _enrolment_id(workshop, trainee) -> int:
    return db.session.scalar(
        sa.select(Enrolment.id).where(
            Enrolment.workshop_id == workshop.id,
            Enrolment.trainee_id == trainee.id,
            Enrolment.state == EnrolmentState.CONFIRMED,
        )
    )
