"""Administration of accounts: creating and inviting, roles (and what they carry
elsewhere), deactivation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext

from training.accounts import rules, tokens
from training.accounts.logins import end_logins
from training.accounts.models import Role, User, UserRole
from training.accounts.profiles import Profile, new_account
from training.core import audit
from training.core.db import utcnow
from training.core.errors import InvalidInput
from training.core.mail import queue_mail
from training.core.urls import external_url
from training.extensions import db


def _other_active_admins(user: User) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(User)
            .join(UserRole)
            .where(UserRole.role == Role.ADMIN, User.active.is_(True), User.id != user.id)
        )
        or 0
    )


def find_users(text: str = "", role: Role | None = None, active: bool | None = None) -> sa.Select[User]:
    """People whose name, address or institution contains ``text``, with ``role``, active
    or not, by name (a query, to page through)."""
    query = sa.select(User).order_by(User.full_name, User.id)
    if text:
        pattern = f"%{text.lower()}%"
        query = query.where(
            sa.or_(
                sa.func.lower(User.full_name).like(pattern),
                User.email.like(pattern),
                sa.func.lower(User.institution).like(pattern),
            )
        )
    if role is not None:
        query = query.where(User.id.in_(sa.select(UserRole.user_id).where(UserRole.role == role)))
    if active is not None:
        query = query.where(User.active.is_(active))
    return query


def create_account(profile: Profile, roles: set[Role], *, actor: User) -> User:
    """An admin creates an account (usually organizer or faculty) and invites its owner."""
    user = new_account(
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
        user,
        lazy_gettext("Your account on the training programme"),
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
    return new_account(
        profile,
        roles,
        password,
        action="user.created",
        actor=None,
        summary="Account for {name} created from the command line with roles {roles}",
    )
