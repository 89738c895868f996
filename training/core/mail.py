"""Outgoing e-mail through an outbox table.

A message is written to the outbox in the same transaction as the change it
announces, so nothing is lost when the mail server is down or the process dies.
A queued task delivers pending messages over SMTP, retrying with exponential
backoff; with no SMTP server configured, messages are written to the log.
"""

from __future__ import annotations

import enum
import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import LazyString, force_locale
from sqlalchemy.orm import Mapped, mapped_column

from training.accounts.models import User
from training.core.db import IdMixin, TimestampMixin, affected_rows, enum_column, utcnow
from training.core.i18n import REGIONS, language_code, language_of
from training.core.queue import app_periodic_task, app_task, enqueue_after_commit
from training.extensions import Model, db

log = logging.getLogger("training.mail")

MAX_ATTEMPTS = 8
# A message claimed by a worker that died is retried after this long.
CLAIM_TIMEOUT = timedelta(minutes=10)


class MailState(enum.Enum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class OutboxMessage(IdMixin, TimestampMixin, Model):
    __tablename__ = "outbox_messages"
    __table_args__ = (
        sa.Index("ix_outbox_messages_due", "state", "next_attempt_at"),
        sa.CheckConstraint("attempts >= 0", name="attempts_not_negative"),
    )

    recipient: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    # What the message is about, so an organizer can see what is still pending.
    topic: Mapped[str] = mapped_column(sa.String(60))
    workshop_id: Mapped[int | None] = mapped_column(index=True)
    state: Mapped[MailState] = enum_column(MailState, default=MailState.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(sa.String(500))


def queue_mail(
    recipient: str | User,
    subject: str | LazyString,
    template: str,
    *,
    topic: str,
    workshop_id: int | None = None,
    language: str | None = None,
    **context: object,
) -> OutboxMessage:
    """Write a message rendered from ``templates/mail/<template>.txt`` to the outbox.

    The message is in the recipient's language: ``language``, else the language of
    ``recipient`` when it is a person (a User), else the programme's. Give the subject
    as ``lazy_gettext("...", name=value)`` so that it is translated into that language
    too (a plain string is sent as it is)."""
    if isinstance(recipient, str):
        address = recipient
        chosen = language_code(language) or language_of(None)
    else:
        address = recipient.email
        chosen = language_code(language) or language_of(recipient)
    with force_locale(REGIONS[chosen]):
        body = render_template(f"mail/{template}.txt", base_url=current_app.config["BASE_URL"], **context)
        subject_text = str(subject)
    message = OutboxMessage(
        recipient=address,
        subject=subject_text[:200],
        body=body,
        topic=topic,
        workshop_id=workshop_id,
    )
    db.session.add(message)
    enqueue_after_commit(deliver_outbox)
    return message


def backoff(attempts: int) -> timedelta:
    """Wait 1, 2, 4 ... minutes between attempts, at most an hour."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    username: str | None
    password: str | None
    security: str  # "none", "starttls" or "ssl"

    @classmethod
    def from_url(cls, url: str) -> SmtpSettings:
        """``smtp://`` (plain, ``?starttls=1`` to upgrade), ``smtps://`` (TLS)."""
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps"):
            raise ValueError(f"TRAINING_SMTP_URL must start with smtp:// or smtps://, not {url!r}")
        query = parse_qs(parts.query)
        if parts.scheme == "smtps":
            security = "ssl"
        elif query.get("starttls", ["0"])[0].lower() in ("1", "true", "yes"):
            security = "starttls"
        else:
            security = "none"
        return cls(
            host=parts.hostname or "localhost",
            port=parts.port or (465 if security == "ssl" else 25),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            security=security,
        )


def _send(message: OutboxMessage) -> None:
    config = current_app.config
    email = EmailMessage()
    email["From"] = config["MAIL_FROM"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(idstring=f"outbox{message.id}")
    email.set_content(message.body)
    if not config.get("SMTP_URL"):
        log.info("mail (no SMTP server configured)\n%s", email.as_string())
        return
    smtp = SmtpSettings.from_url(config["SMTP_URL"])
    context = ssl.create_default_context()
    client = (
        smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=30, context=context)
        if smtp.security == "ssl"
        else smtplib.SMTP(smtp.host, smtp.port, timeout=30)
    )
    with client:
        if smtp.security == "starttls":
            client.starttls(context=context)
        if smtp.username:
            client.login(smtp.username, smtp.password or "")
        client.send_message(email)


def _claim(message_id: int) -> bool:
    """Take a message for delivery; False if another worker took it first."""
    claimed = db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.state == MailState.PENDING)
        .values(state=MailState.SENDING, claimed_at=utcnow())
    )
    db.session.commit()
    return affected_rows(claimed) == 1


def deliver_pending(limit: int = 100) -> int:
    """Deliver the messages that are due; returns how many were sent."""
    now = utcnow()
    # Messages whose worker died mid-delivery go back in the queue.
    db.session.execute(
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.state == MailState.SENDING,
            OutboxMessage.claimed_at < now - CLAIM_TIMEOUT,
        )
        .values(state=MailState.PENDING)
    )
    due = db.session.scalars(
        sa.select(OutboxMessage.id)
        .where(OutboxMessage.state == MailState.PENDING, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    ).all()
    db.session.commit()
    sent = 0
    for message_id in due:
        if not _claim(message_id):
            continue
        message = db.session.get(OutboxMessage, message_id)
        assert message is not None
        message.attempts += 1
        try:
            _send(message)
        except (OSError, smtplib.SMTPException, ValueError) as error:
            message.last_error = f"{type(error).__name__}: {error}"[:500]
            if message.attempts >= MAX_ATTEMPTS:
                message.state = MailState.FAILED
                log.error("giving up on mail %s to %s: %s", message.id, message.recipient, error)
            else:
                message.state = MailState.PENDING
                message.next_attempt_at = utcnow() + backoff(message.attempts)
                log.warning("mail %s to %s failed, retrying: %s", message.id, message.recipient, error)
        else:
            message.state = MailState.SENT
            message.sent_at = utcnow()
            message.last_error = None
            sent += 1
        db.session.commit()
    return sent


def retry_now(message: OutboxMessage) -> None:
    """Put a failed or waiting message back at the front of the queue."""
    message.state = MailState.PENDING
    message.next_attempt_at = utcnow()
    if message.attempts >= MAX_ATTEMPTS:
        message.attempts = MAX_ATTEMPTS - 1
    enqueue_after_commit(deliver_outbox)


def outbox(state: str) -> tuple[sa.Select[OutboxMessage], str]:
    """The outbox's messages in ``state`` ("waiting": pending or being sent; "all" or
    anything unknown: every one), the latest first, and the state the list shows."""
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id.desc())
    if state == "waiting":
        return query.where(OutboxMessage.state.in_([MailState.PENDING, MailState.SENDING])), state
    if state in {s.value for s in MailState}:
        return query.where(OutboxMessage.state == MailState(state)), state
    return query, "all"


def outbox_counts() -> dict[MailState, int]:
    """How many messages of the outbox are in each state."""
    counted = sa.select(OutboxMessage.state, sa.func.count()).group_by(OutboxMessage.state)
    return dict(db.session.execute(counted).all())


@app_task()
def deliver_outbox() -> int:
    return deliver_pending()


@app_periodic_task(minute="*")
def deliver_outbox_every_minute() -> None:
    # Retries, and anything queued while no consumer ran.
    deliver_pending()
