"""Logging in with a password, and logins on record: each signed-in browser, so one can
be ended from another."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext
from sqlalchemy.orm import joinedload

from training.accounts import passwords, rules
from training.accounts.models import LoginSession, User
from training.core import audit
from training.core.db import affected_rows, reading, utcnow
from training.core.errors import NotAllowed
from training.extensions import db

# How stale a login's "last seen" may get before it is written again: not once a request.
LOGIN_SEEN_EVERY = timedelta(minutes=5)


@dataclass(frozen=True)
class _Account:
    """What checking a login needs of an account, read before any write begins."""

    id: int
    password_hash: str | None
    active: bool
    confirmed: bool


def _account_for(email: str) -> _Account | None:
    row = db.session.execute(
        sa.select(User.id, User.password_hash, User.active, User.email_confirmed_at).where(
            User.email == rules.normalise_email(email)
        )
    ).one_or_none()
    if row is None:
        return None
    return _Account(row.id, row.password_hash, row.active, row.email_confirmed_at is not None)


def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, else None; the right password for
    an address not yet confirmed is refused (``NotAllowed``).

    Takes as long for an unknown address as for a wrong password, so response times do
    not reveal who has an account. The password is checked with no transaction open:
    the account is read in a read transaction (on SQLite a POST's transaction would
    otherwise take the write lock at its first statement and hold every other writer
    behind the ~30 ms of CPU that Argon2 takes), then the check runs, and only a matching password
    begins the short write transaction (an upgraded hash here, the login on record in
    ``start_login``) that the request commits. The login view calls it with no
    transaction open."""
    if db.session().in_transaction():
        # The caller's transaction is open (a command, a test): read in it, and leave it.
        account = _account_for(email)
    else:
        with reading():
            account = _account_for(email)
    verdict = passwords.verify(account.password_hash if account else None, password)
    if account is None or not verdict.matches or not account.active:
        return None
    if not account.confirmed:
        raise NotAllowed(
            gettext(
                "Confirm your e-mail address first: follow the link we sent to it. No message? "
                "Ask for a password reset: its link confirms the address too."
            )
        )
    if verdict.upgraded_hash is not None:
        # Only over the hash that was checked: a password changed meanwhile stays.
        db.session.execute(
            sa.update(User)
            .where(User.id == account.id, User.password_hash == account.password_hash)
            .values(password_hash=verdict.upgraded_hash)
        )
    user = db.session.get(User, account.id)
    # Changed between the check and now (a new password, a deactivation): not this login.
    if user is None or user.password_hash not in (account.password_hash, verdict.upgraded_hash):
        return None
    if not user.active:
        return None
    return user


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
