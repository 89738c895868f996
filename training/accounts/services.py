"""Account use cases, and the accounts capability's public interface: what other
capabilities, templates and tests call is importable from here. They take the acting
user, change state and flush; the caller (a view or a command) commits.

This module holds what people do for themselves (signing up, logging in, their
profile, address and password); the rest lives beside it by use case: passwords,
profiles, logins, administration."""

from __future__ import annotations

import dataclasses

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext, lazy_gettext

from training.accounts import rules, tokens
from training.accounts.administration import (
    ROLE_CONSEQUENCES,
    Ending,
    RoleConsequence,
    change_roles,
    create_account,
    create_user_from_command,
    deactivate,
    ended_by_roles,
    endings_key,
    find_users,
    reactivate,
    send_invitation,
)
from training.accounts.logins import (
    LOGIN_SEEN_EVERY,
    authenticate,
    current_login,
    end_login,
    end_logins,
    logins_of,
    sign_out_everywhere,
    start_login,
)
from training.accounts.models import LoginSession, Role, User
from training.accounts.passwords import (
    check_password,
    hash_password,
    hasher,
    require_good_password,
)
from training.accounts.profiles import (
    PROFILE_FIELDS,
    Profile,
    apply_profile,
    find_by_email,
    new_account,
    profile_snapshot,
    require_free_email,
)
from training.core import audit
from training.core.db import utcnow
from training.core.errors import DomainError, InvalidInput, NotAllowed
from training.core.mail import queue_mail
from training.core.queue import app_periodic_task, app_task, enqueue_after_commit
from training.core.urls import external_url
from training.extensions import db

__all__ = [
    "LOGIN_SEEN_EVERY",
    "PROFILE_FIELDS",
    "ROLE_CONSEQUENCES",
    "Ending",
    "Profile",
    "RoleConsequence",
    "authenticate",
    "change_email",
    "change_password",
    "change_roles",
    "check_password",
    "confirm_email",
    "create_account",
    "create_user_from_command",
    "current_login",
    "deactivate",
    "email_change_for_token",
    "end_login",
    "end_logins",
    "ended_by_roles",
    "endings_key",
    "find_by_email",
    "find_users",
    "hash_password",
    "hasher",
    "logins_of",
    "mail_password_reset",
    "reactivate",
    "remove_ended_logins",
    "request_password_reset",
    "reset_password",
    "send_invitation",
    "sign_out_everywhere",
    "sign_up",
    "start_login",
    "update_profile",
    "user_for_token",
]


def sign_up(profile: Profile, password: str, *, next_path: str | None = None) -> None:
    """A trainee creates their own account, which works once they follow the link
    mailed to its address. ``next_path`` (a local path, already checked by the caller
    with ``rules.safe_next_url``) is where the links lead back to once signed in.

    Answers the same whether or not the address is taken, so sign-up cannot be used to
    discover accounts: the owner of a taken address is told by mail instead. Both paths
    check and hash the password once."""
    require_good_password(password, personal=profile.personal_words())
    existing = find_by_email(profile.email)
    if existing is not None:
        hash_password(password)  # the work the other path does, so that both take as long
        queue_mail(
            existing,
            lazy_gettext("Someone tried to sign up with your address"),
            "signup_address_taken",
            topic="account",
            user=existing,
            login_link=external_url("accounts.login", **_back_to(next_path)),
            reset_link=external_url("accounts.forgot_password"),
        )
        return
    user = new_account(
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
        user,
        lazy_gettext("Confirm your e-mail address"),
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
        queue_mail(
            user, lazy_gettext("Welcome to the training programme"), "welcome", topic="account", user=user
        )
    return user


def update_profile(
    user: User, profile: Profile, *, actor: User, current_password: str | None = None
) -> str | None:
    """Save a profile. A person changing their own e-mail address gives their current
    password, and the change waits until they follow a link mailed to the new address;
    returns that address (None when it did not change). An admin changes it at once."""
    if actor.id != user.id and not actor.has_role(Role.ADMIN):
        raise NotAllowed(gettext("You may only change your own profile."))
    new_email = rules.normalise_email(profile.email)
    pending = None
    if new_email != user.email and actor.id == user.id:
        if not current_password or not check_password(user, current_password):
            raise InvalidInput(
                {"current_password": [gettext("Enter your current password to change your e-mail address.")]}
            )
        pending = new_email
        profile = dataclasses.replace(profile, email=user.email)
    else:
        require_free_email(profile.email, except_user=user)
    before = profile_snapshot(user)
    apply_profile(user, profile)
    old, new = audit.diff(before, profile_snapshot(user))
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
            existing,
            lazy_gettext("Someone tried to use your address for another account"),
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
        lazy_gettext("Confirm your new e-mail address"),
        "confirm_new_email",
        topic="account",
        language=user.language,
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
    require_free_email(new_email, except_user=user)
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
        lazy_gettext("Your e-mail address was changed"),
        "email_changed",
        topic="account",
        language=user.language,
        user=user,
        new_email=new_email,
        reset_link=external_url("accounts.forgot_password"),
    )
    return user


def change_password(user: User, current_password: str, new_password: str, *, actor: User) -> None:
    if not check_password(user, current_password):
        raise InvalidInput({"current_password": [gettext("Your current password is not correct.")]})
    require_good_password(new_password, personal=[user.full_name, user.email], field="new_password")
    _set_password(user, new_password)
    audit.record(
        "user.password_changed", user, actor=actor, summary=f"{user.full_name} changed their password"
    )
    queue_mail(
        user,
        lazy_gettext("Your password was changed"),
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
        user,
        lazy_gettext("Reset your password"),
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
    require_good_password(new_password, personal=[user.full_name, user.email])
    _set_password(user, new_password)
    # The link came by mail to this address: it is the owner's.
    user.email_confirmed_at = user.email_confirmed_at or utcnow()
    action = "user.password_reset" if purpose == tokens.PASSWORD_RESET else "user.invitation_accepted"
    audit.record(action, user, actor=user, summary=f"{user.full_name} set a new password by e-mailed link")
    return user


@app_periodic_task(minute="41")
def remove_ended_logins() -> None:
    """Delete the records of logins older than the longest a login lasts."""
    cutoff = utcnow() - current_app.config["PERMANENT_SESSION_LIFETIME"]
    db.session.execute(sa.delete(LoginSession).where(LoginSession.created_at < cutoff))
    db.session.commit()
