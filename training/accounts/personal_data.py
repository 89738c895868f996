"""A person's data: everything we hold about them, to download or to erase.

Each capability that keeps personal data registers a section here (in its
own module, imported at start-up): what to export for a person, which files
to add to the ZIP (their certificates), and how to erase what identifies
them. Erasure keeps the rows that statistics and certificates need, with the
person's identifying details removed, so aggregates stay true and a
certificate still verifies as "issued, holder's data erased".
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app

from training.accounts import rules
from training.accounts.models import Role, User
from training.core import audit
from training.core.audit import AuditEvent
from training.core.db import utcnow
from training.core.errors import Conflict, InvalidInput
from training.core.jobs import Job, Progress, drop_result, job_handler, save_result, start_job
from training.core.mail import OutboxMessage
from training.core.queue import app_periodic_task
from training.extensions import db

ERASED_NAME = "Erased user"
# Shown where a certificate's holder was named (on /verify): the certificate stays valid.
ERASED_HOLDER = "Issued, holder's data erased"


@dataclass(frozen=True)
class Section:
    name: str
    export: Callable[[User], Any]
    files: Callable[[User], Iterable[tuple[str, bytes]]] | None = None
    erase: Callable[[User], None] | None = None


SECTIONS: dict[str, Section] = {}


def section(
    name: str,
    *,
    files: Callable[[User], Iterable[tuple[str, bytes]]] | None = None,
    erase: Callable[[User], None] | None = None,
) -> Callable[[Callable[[User], Any]], Callable[[User], Any]]:
    """Register ``export(user)`` (JSON-ready data) under ``name``."""

    def register(export: Callable[[User], Any]) -> Callable[[User], Any]:
        SECTIONS[name] = Section(name, export, files, erase)
        return export

    return register


def held_by(model: Any, user: User, *options: Any) -> list[Any]:
    """The person's rows of ``model`` (a table with a ``trainee_id``), oldest first;
    ``options`` are loader options for what the section reads from them."""
    return list(
        db.session.scalars(
            sa.select(model).where(model.trainee_id == user.id).options(*options).order_by(model.id)
        )
    )


def forget_history(target_type: str, ids: Iterable[int]) -> None:
    """Audit events about these rows keep what happened, not whom it was about."""
    ids = list(ids)
    if ids:
        db.session.execute(
            sa.update(AuditEvent)
            .where(AuditEvent.target_type == target_type, AuditEvent.target_id.in_(ids))
            .values(old=None, new=None, summary="(personal data erased)", ip_address=None)
        )


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"cannot export {type(value).__name__}")


def export_archive(user: User) -> bytes:
    """The ZIP a person downloads: data.json, one JSON file per section, and files."""
    buffer = io.BytesIO()
    everything: dict[str, Any] = {
        "exported_at": utcnow().isoformat(),
        "programme": current_app.config["PROGRAMME_NAME"],
    }
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(SECTIONS):
            item = SECTIONS[name]
            data = item.export(user)
            everything[name] = data
            archive.writestr(f"{name}.json", json.dumps(data, default=_plain, indent=2, ensure_ascii=False))
            if item.files is not None:
                for filename, content in item.files(user):
                    archive.writestr(f"{name}/{filename}", content)
        archive.writestr("data.json", json.dumps(everything, default=_plain, indent=2, ensure_ascii=False))
        archive.writestr(
            "README.txt",
            "Everything this training programme holds about you, as of the date in data.json.\n"
            "data.json has it all in one file; the other .json files split it by subject;\n"
            "folders hold documents (your certificates as issued).\n",
        )
    return buffer.getvalue()


def start_export(*, actor: User) -> Job:
    """Queue an export of everything held about ``actor``; a few a day at most."""
    # The person's row, locked: two requests at once cannot both take the last export.
    db.session.execute(sa.select(User.id).where(User.id == actor.id).with_for_update())
    recent = (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Job)
            .where(
                Job.kind == "personal-data",
                Job.created_by_id == actor.id,
                Job.created_at > utcnow() - timedelta(days=1),
            )
        )
        or 0
    )
    if (refusal := rules.export_refusal(recent)) is not None:
        raise Conflict(refusal)
    return start_job("personal-data", "All my data (ZIP)", actor=actor)


@app_periodic_task(minute="23")
def remove_old_exports() -> None:
    """Delete personal-data ZIPs once they have been kept ``EXPORT_KEPT_DAYS`` days."""
    cutoff = utcnow() - timedelta(days=rules.EXPORT_KEPT_DAYS)
    old = db.session.scalars(
        sa.select(Job).where(
            Job.kind == "personal-data", Job.result_file.is_not(None), Job.created_at < cutoff
        )
    ).all()
    for job in old:
        drop_result(job)
        job.message = f"The file was deleted after {rules.EXPORT_KEPT_DAYS} days. Prepare a new one."
    db.session.commit()


@job_handler("personal-data")
def export_job(job: Job, progress: Progress) -> None:
    user = db.session.get(User, job.created_by_id)
    if user is None:
        raise LookupError("the account no longer exists")
    progress(0, 1, "Collecting your data...")
    save_result(job, f"exports/personal-data-{job.id}.zip", export_archive(user), "application/zip")
    job.message = "Your data is ready to download."
    progress(1, 1, job.message)


@section("account")
def export_account(user: User) -> dict[str, Any]:
    history = db.session.scalars(
        sa.select(AuditEvent)
        .where(
            sa.or_(
                sa.and_(AuditEvent.target_type == "users", AuditEvent.target_id == user.id),
                AuditEvent.actor_id == user.id,
            )
        )
        .order_by(AuditEvent.at)
    ).all()
    mails = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.recipient == user.email).order_by(OutboxMessage.id)
    ).all()
    return {
        "profile": {
            "full_name": user.full_name,
            "email": user.email,
            "specialty": user.specialty,
            "registration_number": user.registration_number,
            "institution": user.institution,
            "country": user.country,
        },
        "roles": user.role_names,
        "active": user.active,
        "created_at": user.created_at,
        "last_login_at": user.last_login_at,
        "history": [
            {"at": e.at, "action": e.action, "summary": e.summary, "old": e.old, "new": e.new}
            for e in history
        ],
        "mail_sent_to_you": [
            {"subject": m.subject, "state": m.state.value, "sent_at": m.sent_at} for m in mails
        ],
    }


def erase(user: User, *, actor: User) -> None:
    """Remove what identifies ``user``; keep the records statistics and certificates need."""
    if user.id == actor.id:
        raise InvalidInput({None: ["You cannot erase your own account."]})
    if user.has_role(Role.ADMIN):
        raise InvalidInput({None: ["Remove the admin role first: an admin's data cannot be erased."]})
    if user.erased_at is not None:
        return
    for item in SECTIONS.values():
        if item.erase is not None:
            item.erase(user)
    # The person's own downloads hold everything above: they go too.
    exports = db.session.scalars(
        sa.select(Job).where(Job.kind == "personal-data", Job.created_by_id == user.id)
    ).all()
    for job in exports:
        drop_result(job)
    old_email = user.email
    # The history of the account keeps what happened, not who it was.
    db.session.execute(
        sa.update(AuditEvent)
        .where(AuditEvent.target_type == "users", AuditEvent.target_id == user.id)
        .values(old=None, new=None, summary="(personal data erased)", ip_address=None)
    )
    db.session.execute(sa.update(AuditEvent).where(AuditEvent.actor_id == user.id).values(ip_address=None))
    db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.recipient == old_email)
        .values(recipient=f"erased-{user.id}@erased.invalid", subject="(erased)", body="")
    )
    user.full_name = ERASED_NAME
    user.email = f"erased-{user.id}@erased.invalid"
    user.password_hash = None
    user.specialty = user.registration_number = user.institution = None
    user.country = None
    user.active = False
    user.deactivated_at = user.deactivated_at or utcnow()
    user.erased_at = utcnow()
    user.sign_out_everywhere()
    audit.record("user.erased", user, actor=actor, summary=f"Personal data of account {user.id} erased")
