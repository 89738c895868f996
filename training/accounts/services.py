"""Account use cases. They take the acting user, change state and flush; the
caller (a view or a command) commits."""

from __future__ import annotations

import contextlib
import dataclasses
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import cache

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy.orm import joinedload

from training.accounts import rules, tokens
from training.accounts.models import LoginSession, Role, User
from training.core import audit
from training.core.db import utcnow
from training.core.errors import Conflict, DomainError, InvalidInput, NotAllowed
from training.core.mail import queue_mail
from training.core.queue import app_periodic_task, app_task, enqueue_after_commit
from training.core.urls import external_url
from training.extensions import db

# Fields a person keeps about themselves, audited when they change.
PROFILE_FIELDS = ("full_name", "email", "specialty", "registration_number", "institution", "country")


@cache
def _hasher(time_cost: int, memory_kib: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)


def hasher() -> PasswordHasher:
    config = current_app.config
    return _hasher(config["PASSWORD_HASH_TIME_COST"], config["PASSWORD_HASH_MEMORY_KIB"])


@cache
def _dummy_hash(time_cost: int, memory_kib: int) -> str:
    return _hasher(time_cost, memory_kib).hash("not a real password, only for timing")


def hash_password(password: str) -> str:
    return hasher().hash(password)


def check_password(user: User, password: str) -> bool:
    if not user.password_hash:
        return False
    try:
        hasher().verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return True


def find_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == rules.normalise_email(email)))


def _require_free_email(email: str, *, except_user: User | None = None) -> None:
    existing = find_by_email(email)
    if existing is not None and (except_user is None or existing.id != except_user.id):
        raise Conflict("An account with this e-mail address already exists.", field="email")


def _require_good_password(password: str, *, personal: list[str], field: str = "password") -> None:
    problems = rules.password_problems(password, personal=personal)
    if problems:
        raise InvalidInput({field: problems})


@dataclass
class Profile:
    full_name: str
    email: str
    specialty: str | None = None
    registration_number: str | None = None
    institution: str | None = None
    country: str | None = None

    def personal_words(self) -> list[str]:
        return [self.full_name, self.email]


def _apply_profile(user: User, profile: Profile) -> None:
    user.full_name = profile.full_name.strip()
    user.email = rules.normalise_email(profile.email)
    user.specialty = profile.specialty or None
    user.registration_number = (profile.registration_number or "").strip() or None
    user.institution = (profile.institution or "").strip() or None
    user.country = profile.country or None


def _profile_snapshot(user: User) -> dict[str, str | None]:
    return {field: getattr(user, field) for field in PROFILE_FIELDS}


def _new_account(
    profile: Profile,
    roles: set[Role],
    password: str | None,
    *,
    action: str,
    actor: User | None,
    summary: str,
    self_service: bool = False,
) -> User:
    """Check, create, flush and audit a new account; the callers add the welcome.
    ``self_service``: the new user is the one acting (sign-up)."""
    _require_free_email(profile.email)
    if not roles:
        raise InvalidInput({"roles": ["Choose at least one role."]})
    if password is not None:
        _require_good_password(password, personal=profile.personal_words())
    user = User()
    _apply_profile(user, profile)
    user.password_hash = hash_password(password) if password is not None else None
    user.set_roles(roles)
    db.session.add(user)
    db.session.flush()
    audit.record(
        action,
        user,
        actor=user if self_service else actor,
        summary=summary.format(name=user.full_name, roles=", ".join(user.role_names)),
        new={**_profile_snapshot(user), "roles": user.role_names},
    )
    return user


def sign_up(profile: Profile, password: str, *, next_path: str | None = None) -> None:
    """A trainee creates their own account, which works once they follow the link
    mailed to its address. ``next_path`` (a local path, already checked by the caller
    with ``rules.safe_next_url``) is where the links lead back to once signed in.

    Answers the same whether or not the address is taken, so sign-up cannot be used to
    discover accounts: the owner of a taken address is told by mail instead. Both paths
    check and hash the password once."""
    _require_good_password(password, personal=profile.personal_words())
    existing = find_by_email(profile.email)
    if existing is not None:
        hash_password(password)  # the work the other path does, so that both take as long
        queue_mail(
            existing.email,
            "Someone tried to sign up with your address",
            "signup_address_taken",
            topic="account",
            user=existing,
            login_link=external_url("accounts.login", **_back_to(next_path)),
            reset_link=external_url("accounts.forgot_password"),
        )
        return
    user = _new_account(
        profile,
        {Role.TRAINEE},
        password,
        action="user.signed_up",
        actor=None,
        summary="{name} signed up as a trainee",
        self_service=True,
    )
    user.email_confirmed_at = None
    token = tokens.make_token(user, tokens.EMAIL_CONFIRMATION)
    link = external_url("accounts.confirm_email", token=token, **_back_to(next_path))
    days = current_app.config["ACCOUNT_INVITE_MAX_AGE"].days
    queue_mail(
        user.email,
        "Confirm your e-mail address",
        "confirm_email",
        topic="account",
        user=user,
        link=link,
        days=days,
    )


def _back_to(next_path: str | None) -> dict[str, str]:
    path = rules.safe_next_url(next_path)
    return {"next": path} if path else {}


def confirm_email(token: str) -> User:
    """A new account's owner followed the link mailed to it: the account works now."""
    user = user_for_token(token, tokens.EMAIL_CONFIRMATION)
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
        audit.record(
            "user.email_confirmed", user, actor=user, summary=f"{user.full_name} confirmed their address"
        )
        queue_mail(user.email, "Welcome to the training programme", "welcome", topic="account", user=user)
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, else None.

    Takes as long for an unknown address as for a wrong password, so response
    times do not reveal who has an account.
    """
    user = find_by_email(email)
    if user is None or not user.password_hash:
        config = current_app.config
        dummy = _dummy_hash(config["PASSWORD_HASH_TIME_COST"], config["PASSWORD_HASH_MEMORY_KIB"])
        with contextlib.suppress(VerificationError):
            hasher().verify(dummy, password)
        return None
    if not check_password(user, password) or not user.active:
        return None
    if user.email_confirmed_at is None:
        raise NotAllowed(
            "Confirm your e-mail address first: follow the link we sent to it. No message? "
            "Ask for a password reset: its link confirms the address too."
        )
    return user


def update_profile(
    user: User, profile: Profile, *, actor: User, current_password: str | None = None
) -> str | None:
    """Save a profile. A person changing their own e-mail address gives their current
    password, and the change waits until they follow a link mailed to the new address;
    returns that address (None when it did not change). An admin changes it at once."""
    if actor.id != user.id and not actor.has_role(Role.ADMIN):
        raise NotAllowed("You may only change your own profile.")
    new_email = rules.normalise_email(profile.email)
    pending = None
    if new_email != user.email and actor.id == user.id:
        if not current_password or not check_password(user, current_password):
            raise InvalidInput(
                {"current_password": ["Enter your current password to change your e-mail address."]}
            )
        pending = new_email
        profile = dataclasses.replace(profile, email=user.email)
    else:
        _require_free_email(profile.email, except_user=user)
    before = _profile_snapshot(user)
    _apply_profile(user, profile)
    old, new = audit.diff(before, _profile_snapshot(user))
    if new:
        audit.record(
            "user.profile_changed",
            user,
            actor=actor,
            summary=f"Profile of {user.full_name} changed: {', '.join(sorted(new))}",
            old=old,
            new=new,
        )
    if pending is not None:
        _ask_to_confirm_new_email(user, pending)
    return pending


def _ask_to_confirm_new_email(user: User, new_email: str) -> None:
    """Mail a confirmation link to the new address, or, if an account already uses it,
    tell that account's owner instead: the page says the same either way."""
    existing = find_by_email(new_email)
    if existing is not None:
        queue_mail(
            existing.email,
            "Someone tried to use your address for another account",
            "email_address_taken",
            topic="account",
            user=existing,
        )
        return
    link = external_url(
        "accounts.change_email", token=tokens.make_token(user, tokens.EMAIL_CHANGE, e=new_email)
    )
    hours = int(current_app.config["PASSWORD_RESET_MAX_AGE"].total_seconds() // 3600)
    queue_mail(
        new_email,
        "Confirm your new e-mail address",
        "confirm_new_email",
        topic="account",
        user=user,
        new_email=new_email,
        link=link,
        hours=hours,
    )


def email_change_for_token(token: str) -> tuple[User, str]:
    """The person and the new address a change-of-address link is for."""
    try:
        user, data = tokens.read_token_data(
            token,
            tokens.EMAIL_CHANGE,
            current_app.config["PASSWORD_RESET_MAX_AGE"],
            lambda user_id: db.session.get(User, user_id),
        )
    except tokens.TokenError as error:
        raise DomainError(str(error)) from error
    return user, str(data.get("e", ""))


def change_email(token: str, *, keep_login: str | None = None) -> User:
    """The owner of the new address followed the link: change it, tell the old address,
    and end the person's other logins (all of them but ``keep_login``)."""
    user, new_email = email_change_for_token(token)
    _require_free_email(new_email, except_user=user)
    old_email = user.email
    user.email = new_email
    user.email_confirmed_at = utcnow()
    end_logins(user, keep=keep_login)
    audit.record(
        "user.email_changed",
        user,
        actor=user,
        summary=f"{user.full_name} changed their e-mail address",
        old={"email": old_email},
        new={"email": new_email},
    )
    queue_mail(
        old_email,
        "Your e-mail address was changed",
        "email_changed",
        topic="account",
        user=user,
        new_email=new_email,
        reset_link=external_url("accounts.forgot_password"),
    )
    return user


def change_password(user: User, current_password: str, new_password: str, *, actor: User) -> None:
    if not check_password(user, current_password):
        raise InvalidInput({"current_password": ["Your current password is not correct."]})
    _require_good_password(new_password, personal=[user.full_name, user.email], field="new_password")
    _set_password(user, new_password)
    audit.record(
        "user.password_changed", user, actor=actor, summary=f"{user.full_name} changed their password"
    )
    queue_mail(
        user.email,
        "Your password was changed",
        "password_changed",
        topic="account",
        user=user,
        reset_link=external_url("accounts.forgot_password"),
    )


def _set_password(user: User, password: str) -> None:
    user.password_hash = hash_password(password)
    # Any other signed-in browser must sign in again with the new password.
    user.sign_out_everywhere()
    end_logins(user)


def request_password_reset(email: str) -> None:
    """Mail a reset link if the address belongs to an active account.

    Says nothing either way, so the form cannot be used to discover accounts, and
    does nothing in the request but queue the work: looking the address up and
    writing the mail would make the answer measurably slower for real accounts.
    """
    enqueue_after_commit(mail_password_reset, rules.normalise_email(email))


@app_task()
def mail_password_reset(email: str) -> None:
    user = find_by_email(email)
    if user is None or not user.active:
        return
    link = external_url("accounts.reset_password", token=tokens.make_token(user, tokens.PASSWORD_RESET))
    hours = int(current_app.config["PASSWORD_RESET_MAX_AGE"].total_seconds() // 3600)
    queue_mail(
        user.email,
        "Reset your password",
        "password_reset",
        topic="account",
        user=user,
        link=link,
        hours=hours,
    )
    db.session.commit()


def user_for_token(token: str, purpose: str) -> User:
    max_age = current_app.config[
        "PASSWORD_RESET_MAX_AGE" if purpose == tokens.PASSWORD_RESET else "ACCOUNT_INVITE_MAX_AGE"
    ]
    try:
        return tokens.read_token(token, purpose, max_age, lambda user_id: db.session.get(User, user_id))
    except tokens.TokenError as error:
        raise DomainError(str(error)) from error


def reset_password(token: str, purpose: str, new_password: str) -> User:
    user = user_for_token(token, purpose)
    _require_good_password(new_password, personal=[user.full_name, user.email])
    _set_password(user, new_password)
    # The link came by mail to this address: it is the owner's.
    user.email_confirmed_at = user.email_confirmed_at or utcnow()
    action = "user.password_reset" if purpose == tokens.PASSWORD_RESET else "user.invitation_accepted"
    audit.record(action, user, actor=user, summary=f"{user.full_name} set a new password by e-mailed link")
    return user


# Logins -------------------------------------------------------------------------------

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
    return db.session.execute(query).rowcount


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


@app_periodic_task(minute="41")
def remove_ended_logins() -> None:
    """Delete the records of logins older than the longest a login lasts."""
    cutoff = utcnow() - current_app.config["PERMANENT_SESSION_LIFETIME"]
    db.session.execute(sa.delete(LoginSession).where(LoginSession.created_at < cutoff))
    db.session.commit()


# Administration -----------------------------------------------------------------------


def _other_active_admins(user: User) -> int:
    from training.accounts.models import UserRole

    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(User)
            .join(UserRole)
            .where(UserRole.role == Role.ADMIN, User.active.is_(True), User.id != user.id)
        )
        or 0
    )


def create_account(profile: Profile, roles: set[Role], *, actor: User) -> User:
    """An admin creates an account (usually organizer or faculty) and invites its owner."""
    user = _new_account(
        profile,
        roles,
        None,
        action="user.created",
        actor=actor,
        summary="Account for {name} created with roles {roles}",
    )
    send_invitation(user, actor=actor)
    return user


def send_invitation(user: User, *, actor: User) -> None:
    link = external_url("accounts.accept_invitation", token=tokens.make_token(user, tokens.INVITATION))
    days = current_app.config["ACCOUNT_INVITE_MAX_AGE"].days
    queue_mail(
        user.email,
        "Your account on the training programme",
        "invitation",
        topic="account",
        user=user,
        link=link,
        days=days,
        inviter=actor,
    )


@dataclass(frozen=True)
class Ending:
    """Something elsewhere that a change of roles ends (a duty that needs the role)."""

    key: str  # stable, e.g. "workshop_staff:12": the admin confirms exactly these
    text: str  # in words, for the admin


@dataclass(frozen=True)
class RoleConsequence:
    """Registered by a capability (accounts imports none): ``preview(user, roles)``
    lists what the new roles would end; ``end(user, roles, actor=...)`` ends it, audited."""

    preview: Callable[[User, frozenset[Role]], list[Ending]]
    end: Callable[..., None]


ROLE_CONSEQUENCES: list[RoleConsequence] = []


def ended_by_roles(user: User, roles: set[Role] | frozenset[Role]) -> list[Ending]:
    """What giving the person exactly ``roles`` would end, in the order to show it."""
    return [
        ending for consequence in ROLE_CONSEQUENCES for ending in consequence.preview(user, frozenset(roles))
    ]


def endings_key(endings: list[Ending]) -> str:
    return ",".join(sorted(ending.key for ending in endings))


def change_roles(user: User, roles: set[Role], *, actor: User) -> None:
    """Give the person exactly ``roles``; what the removed roles carried elsewhere
    (duties on workshops) ends with them, each audited where it was held."""
    old, new = user.roles, frozenset(roles)
    if old == new:
        return
    problems = rules.role_change_problems(
        rules.RoleChange(
            actor_id=actor.id,
            target_id=user.id,
            old=old,
            new=new,
            target_active=user.active,
            other_active_admins=_other_active_admins(user),
        )
    )
    if problems:
        raise InvalidInput({"roles": problems})
    ended = ended_by_roles(user, new)
    for consequence in ROLE_CONSEQUENCES:
        consequence.end(user, new, actor=actor)
    user.set_roles(new)
    summary = (
        f"Roles of {user.full_name}: {', '.join(sorted(r.value for r in old))} -> "
        f"{', '.join(sorted(r.value for r in new))}"
    )
    audit.record(
        "user.roles_changed",
        user,
        actor=actor,
        summary=summary + (f"; ended: {'; '.join(e.text for e in ended)}" if ended else ""),
        old={"roles": sorted(r.value for r in old)},
        new={"roles": sorted(r.value for r in new), **({"ended": [e.text for e in ended]} if ended else {})},
    )


def deactivate(user: User, *, actor: User) -> None:
    if not user.active:
        return
    problems = rules.deactivation_problems(
        actor_id=actor.id,
        target_id=user.id,
        target_is_admin=user.has_role(Role.ADMIN),
        other_active_admins=_other_active_admins(user),
    )
    if problems:
        raise InvalidInput({None: problems})
    # Duties on workshops stay, without effect while the account is deactivated
    # (core.permissions): reactivating restores the person as they were, and past
    # workshops keep their staff list. Ending a duty is what removing a role does.
    user.active = False
    user.deactivated_at = utcnow()
    user.sign_out_everywhere()
    end_logins(user)
    audit.record(
        "user.deactivated",
        user,
        actor=actor,
        summary=f"{user.full_name} deactivated",
        old={"active": True},
        new={"active": False},
    )


def reactivate(user: User, *, actor: User) -> None:
    if user.active:
        return
    user.active = True
    user.deactivated_at = None
    audit.record(
        "user.reactivated",
        user,
        actor=actor,
        summary=f"{user.full_name} reactivated",
        old={"active": False},
        new={"active": True},
    )


def create_user_from_command(profile: Profile, roles: set[Role], password: str) -> User:
    """``flask create-user``: the operator sets the password directly."""
    return _new_account(
        profile,
        roles,
        password,
        action="user.created",
        actor=None,
        summary="Account for {name} created from the command line with roles {roles}",
    )
