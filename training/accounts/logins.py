"""Logins on record: each signed-in browser, so one can be ended from another."""

from __future__ import annotations

import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from training.accounts import rules
from training.accounts.models import LoginSession, User
from training.core import audit
from training.core.db import affected_rows, utcnow
from training.extensions import db

# How stale a login's "last seen" may get before it is written again: not once a request.
LOGIN_SEEN_EVERY = timedelta(minutes=5)


def start_login(user: User, *, user_agent: str) -> str:
    """Record a new login of ``user``, however they signed in (password, the sign-up or
    reset link, an invitation); return the key its session cookie carries."""
    user.last_login_at = utcnow()
    key = secrets.token_urlsafe(32)
    db.session.add(LoginSession(key=key, user_id=user.id, user_agent=(user_agent or "")[:300]))
    db.session.flush()
    return key


def _login_check(login: LoginSession) -> rules.LoginCheck:
    config = current_app.config
    return rules.check_login(
        created_at=login.created_at,
        last_seen_at=login.last_seen_at,
        now=utcnow(),
        lifetime=config["PERMANENT_SESSION_LIFETIME"],
        idle_limit=config["SESSION_IDLE_TIMEOUT"],
        seen_every=LOGIN_SEEN_EVERY,
    )


def current_login(user_id: int, key: str | None) -> LoginSession | None:
    """The login ``key`` names, with its user and their roles, if it is user ``user_id``'s
    and has not ended. Notes that it was seen again (every few minutes at most, leaving it
    changed in the session); the caller commits."""
    if not key:
        return None
    login = db.session.scalar(
        sa.select(LoginSession)
        .where(LoginSession.key == key, LoginSession.user_id == user_id)
        .options(joinedload(LoginSession.user).joinedload(User.role_links))
    )
    if login is None:
        return None
    check = _login_check(login)
    if check.over:
        return None
    if check.touch:
        login.last_seen_at = utcnow()
    return login


def logins_of(user: User) -> list[LoginSession]:
    """The person's logins that have not ended, the most recently used first."""
    logins = db.session.scalars(
        sa.select(LoginSession)
        .where(LoginSession.user_id == user.id)
        .order_by(LoginSession.last_seen_at.desc(), LoginSession.id.desc())
    ).all()
    return [login for login in logins if not _login_check(login).over]


def end_login(key: str | None) -> None:
    if key:
        db.session.execute(sa.delete(LoginSession).where(LoginSession.key == key))


def end_logins(user: User, *, keep: str | None = None) -> int:
    """End every login of ``user`` (but the one whose key is ``keep``); how many ended."""
    query = sa.delete(LoginSession).where(LoginSession.user_id == user.id)
    if keep:
        query = query.where(LoginSession.key != keep)
    return affected_rows(db.session.execute(query))


def sign_out_everywhere(user: User, *, actor: User) -> None:
    """End every login of ``user``, the actor's own browser included."""
    ended = end_logins(user)
    user.sign_out_everywhere()
    audit.record(
        "user.signed_out_everywhere",
        user,
        actor=actor,
        summary=f"{user.full_name} was signed out everywhere ({ended} login(s) ended)",
    )
