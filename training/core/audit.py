"""The audit log: who did what, when, and what changed (old -> new).

Every feature that changes something a person may later dispute (roles,
attendance, grades, certificates) writes here through ``record``, in the same
transaction as the change itself, so the log can never disagree with the data.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask import has_request_context, request
from sqlalchemy.orm import Mapped, mapped_column, relationship

from training.core.db import IdMixin, utcnow
from training.extensions import db

if TYPE_CHECKING:
    from training.accounts.models import User


class AuditEvent(IdMixin, db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (
        sa.Index("ix_audit_events_target", "target_type", "target_id"),
        sa.Index("ix_audit_events_at", "at"),
    )

    at: Mapped[datetime] = mapped_column(default=utcnow)
    # None when the system itself acted (a scheduled task, a command line run).
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(sa.String(60), index=True)
    target_type: Mapped[str] = mapped_column(sa.String(40))
    target_id: Mapped[int | None]
    # Lets a workshop show its own history without scanning the whole log.
    workshop_id: Mapped[int | None] = mapped_column(index=True)
    summary: Mapped[str] = mapped_column(sa.String(300))
    old: Mapped[dict[str, Any] | None]
    new: Mapped[dict[str, Any] | None]
    ip_address: Mapped[str | None] = mapped_column(sa.String(45))

    actor: Mapped[User | None] = relationship(lazy="joined")

    def changes(self) -> list[tuple[str, Any, Any]]:
        """Each changed field with its old and new value, for display."""
        old, new = self.old or {}, self.new or {}
        return [(key, old.get(key), new.get(key)) for key in sorted(old.keys() | new.keys())]


def record(
    action: str,
    target: Any,
    *,
    actor: User | None,
    summary: str,
    old: dict[str, Any] | None = None,
    new: dict[str, Any] | None = None,
    workshop_id: int | None = None,
) -> AuditEvent:
    """Add an audit event to the current transaction.

    ``target`` is a mapped object (its table and id are recorded) or a
    ``(type, id)`` pair for something without a row of its own.
    """
    if isinstance(target, tuple):
        target_type, target_id = target
    else:
        if target.id is None:
            db.session.flush()
        target_type, target_id = target.__tablename__, target.id
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        action=action,
        target_type=target_type,
        target_id=target_id,
        workshop_id=workshop_id,
        summary=summary[:300],
        old=old,
        new=new,
        ip_address=request.remote_addr if has_request_context() else None,
    )
    db.session.add(event)
    return event


def diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the keys whose value changed, as (old, new)."""
    changed = [key for key in after if before.get(key) != after.get(key)]
    return {key: before.get(key) for key in changed}, {key: after[key] for key in changed}


def record_changes(
    action: str,
    target: Any,
    before: dict[str, Any],
    after: dict[str, Any],
    *,
    actor: User | None,
    summary: str,
    workshop_id: int | None = None,
) -> bool:
    """Record an edit as old -> new, only the fields that changed; nothing when none did."""
    old, new = diff(before, after)
    if not new:
        return False
    record(action, target, actor=actor, summary=summary, old=old, new=new, workshop_id=workshop_id)
    return True
