"""The audit log: who did what, when, and what changed (old -> new).

Every feature that changes something a person may later dispute (roles,
attendance, grades, certificates) writes here through ``record``, in the same
transaction as the change itself, so the log can never disagree with the data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import has_request_context, request
from sqlalchemy.orm import Mapped, mapped_column, relationship

from training.accounts.forms import country_name
from training.accounts.models import User
from training.core.db import IdMixin, utcnow
from training.extensions import Model, db


class AuditEvent(IdMixin, Model):
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
        """Each changed field with its old and new value, as recorded."""
        old, new = self.old or {}, self.new or {}
        return [(key, old.get(key), new.get(key)) for key in sorted(old.keys() | new.keys())]

    def readable_changes(self, zone: str | None = None) -> list[Change]:
        """The changes in words, times in ``zone`` (the workshop's venue) or else UTC."""
        return describe_changes(self.old, self.new, zone=zone)


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


# Reading the log ----------------------------------------------------------------------------
# What services record is plain JSON (see ``record``): the page says it in words.

# Names whose words are not simply the key's: everything else reads "Key name".
FIELD_LABELS = {
    "email": "E-mail",
    "cme_accreditor": "CME accreditor",
    "cme_statement": "CME statement",
    "cme_designated_credits": "CME credits designated",
    "cme_daily_cap": "CME credits a day at most",
    "curriculum_version_id": "Curriculum version (no.)",
    "purpose_module_id": "Module tested (no.)",
    "session_id": "Session (no.)",
    "evidence_assessment": "Assessment relied on (no.)",
    "assessments": "Assessments (no.)",
    "enrolment_opens_at": "Enrolment opens",
    "enrolment_closes_at": "Enrolment closes",
    "starts_on": "First day",
    "ends_on": "Last day",
    "starts_at": "Starts",
    "ends_at": "Ends",
    "opens_at": "Opens",
    "closes_at": "Closes",
    "time_limit_minutes": "Time limit (minutes)",
    "pass_percent": "Pass mark (%)",  # nosec B105: a label ("pass" is not a password)
    "percent": "Grade (%)",
    "max_attempts": "Attempts allowed",
    "shuffle_options": "Options shuffled",
    "required_for_certificate": "Required for the certificate",
    "prerequisite_policy": "Prerequisites",
    "content_hash": "Content fingerprint",
}
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_CODE_WORDS = re.compile(r"[a-z]+(_[a-z]+)+")  # an enum's value: cadaver_lab, pre_test


@dataclass(frozen=True)
class Change:
    label: str
    old: str | None  # None: the field had no earlier value (a creation)
    new: str


def field_label(key: str) -> str:
    if key in FIELD_LABELS:
        return FIELD_LABELS[key]
    words = key.removesuffix("_id").replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:]


def describe_value(value: Any, *, key: str = "", zone: str | None = None) -> str:
    """One recorded value in words: yes/no, lists and mappings spelled out, times in
    ``zone`` (named) or in UTC (said), dates as dates, enum codes as words."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(describe_value(item, zone=zone) for item in value) or "none"
    if isinstance(value, dict):
        parts = [f"{field_label(k).lower()}: {describe_value(v, key=k, zone=zone)}" for k, v in value.items()]
        return "; ".join(parts) or "none"
    if not isinstance(value, str):
        return str(value)
    if _DATETIME.fullmatch(value):
        return _moment(value, zone)
    if _DATE.fullmatch(value):
        try:
            return date.fromisoformat(value).strftime("%d %b %Y")
        except ValueError:
            return value
    if key == "country" and len(value) == 2 and value.isalpha():
        return country_name(value)
    if _CODE_WORDS.fullmatch(value):
        return value.replace("_", " ")
    return value


def _moment(value: str, zone: str | None) -> str:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        where, name = (ZoneInfo(zone), zone) if zone else (UTC, "UTC")
    except (ValueError, KeyError):
        where, name = UTC, "UTC"
    return f"{moment.astimezone(where).strftime('%d %b %Y %H:%M')} {name}"


def describe_changes(
    old: dict[str, Any] | None, new: dict[str, Any] | None, *, zone: str | None = None
) -> list[Change]:
    """Each recorded field as label: old -> new in words; no old value for a field that
    was only set (a creation), "—" for an empty one."""
    old, new = old or {}, new or {}
    rows = []
    for key in sorted(old.keys() | new.keys(), key=lambda k: field_label(k).lower()):
        before = describe_value(old[key], key=key, zone=zone) if key in old else None
        rows.append(Change(field_label(key), before, describe_value(new.get(key), key=key, zone=zone)))
    return rows


# Reading the log ------------------------------------------------------------------------


def history_of(target_type: str, target_id: int, *, limit: int = 20) -> list[AuditEvent]:
    """The latest events about one object, the most recent first."""
    return list(
        db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.target_type == target_type, AuditEvent.target_id == target_id)
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .limit(limit)
        )
    )


def actions() -> list[str]:
    """Every action the log holds, in order."""
    return list(db.session.scalars(sa.select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


@dataclass(frozen=True)
class EventFilters:
    action: str | None = None
    actor: str | None = None  # part of the actor's name or e-mail address
    about: str | None = None  # the same, of the person whose account the event is about
    target: str | None = None  # "users" or "users:12"
    since: date | None = None
    until: date | None = None  # the whole day included


def search(filters: EventFilters) -> sa.Select[AuditEvent]:
    """The events matching ``filters``, the most recent first (a query, to page through)."""
    query = sa.select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.actor:
        query = query.where(AuditEvent.actor_id.in_(people_named(filters.actor)))
    if filters.about:
        # Events about the person's account: their roles, profile, sign-up and so on.
        query = query.where(
            AuditEvent.target_type == User.__tablename__,
            AuditEvent.target_id.in_(people_named(filters.about)),
        )
    if filters.target:
        kind, _, ident = filters.target.strip().partition(":")
        query = query.where(AuditEvent.target_type == kind)
        if ident.isdigit():
            query = query.where(AuditEvent.target_id == int(ident))
    if filters.since:
        query = query.where(AuditEvent.at >= datetime.combine(filters.since, time.min, UTC))
    if filters.until:
        end = datetime.combine(filters.until, time.min, UTC) + timedelta(days=1)
        query = query.where(AuditEvent.at < end)
    return query


def people_named(text: str) -> sa.Select[int]:
    """The ids of the people whose name or e-mail address contains ``text`` (any case);
    a whole e-mail address of an account names that account only."""
    words = text.strip().lower()
    exact = sa.select(User.id).where(User.email == words)
    if db.session.scalar(exact) is not None:
        return exact
    pattern = "%" + words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return sa.select(User.id).where(
        sa.or_(
            sa.func.lower(User.full_name).like(pattern, escape="\\"),
            User.email.like(pattern, escape="\\"),
        )
    )
