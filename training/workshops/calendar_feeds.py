"""Private calendar addresses: a secret per person, kept only as a digest."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from training.accounts.models import User
from training.core import audit
from training.core.db import utcnow
from training.enrolments.models import Enrolment, EnrolmentState
from training.extensions import db
from training.workshops import permissions
from training.workshops.models import CalendarFeed, Workshop, WorkshopSession, WorkshopState


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def calendar_feed(user: User) -> CalendarFeed | None:
    return db.session.scalar(sa.select(CalendarFeed).where(CalendarFeed.user_id == user.id))


def issue_calendar_feed(user: User, *, actor: User) -> str:
    """A new secret feed URL token for ``user``; any earlier one stops working."""
    token = secrets.token_urlsafe(32)
    feed = calendar_feed(user)
    action = "calendar.regenerated" if feed else "calendar.created"
    if feed is None:
        feed = CalendarFeed(user_id=user.id)
        db.session.add(feed)
    feed.token_digest, feed.token_hint = _digest(token), token[:6]
    db.session.flush()
    audit.record(action, feed, actor=actor, summary=f"New private calendar address for {user.full_name}")
    return token


def revoke_calendar_feed(user: User, *, actor: User) -> bool:
    feed = calendar_feed(user)
    if feed is None:
        return False
    audit.record(
        "calendar.revoked", feed, actor=actor, summary=f"Revoked the calendar address of {user.full_name}"
    )
    db.session.delete(feed)
    db.session.flush()
    return True


def user_for_feed(token: str) -> User | None:
    if not token or len(token) > 100:
        return None
    feed = db.session.scalar(
        sa.select(CalendarFeed)
        .where(CalendarFeed.token_digest == _digest(token))
        .options(joinedload(CalendarFeed.user))
    )
    if feed is None or not feed.user.active:
        return None
    return feed.user


def feed_sessions(user: User) -> list[WorkshopSession]:
    """What a person's private feed shows: sessions of workshops where they hold a confirmed
    seat or are on the staff (drafts excepted), from a month back onwards."""
    enrolled = sa.select(Enrolment.workshop_id).where(
        Enrolment.trainee_id == user.id, Enrolment.state == EnrolmentState.CONFIRMED
    )
    staffed = permissions.staffed_workshops(user)
    return list(
        db.session.scalars(
            sa.select(WorkshopSession)
            .join(WorkshopSession.workshop)
            .where(
                sa.or_(WorkshopSession.workshop_id.in_(enrolled), WorkshopSession.workshop_id.in_(staffed)),
                Workshop.state != WorkshopState.DRAFT,
                WorkshopSession.ends_at >= utcnow() - timedelta(days=31),
            )
            .options(
                contains_eager(WorkshopSession.workshop),
                selectinload(WorkshopSession.faculty).lazyload(User.role_links),
                selectinload(WorkshopSession.modules),
            )
            .order_by(WorkshopSession.starts_at)
            .limit(2000)
        )
    )
