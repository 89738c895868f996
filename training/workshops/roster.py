"""Who holds a seat on a workshop: the roster query every capability uses, and the
workshop's row lock."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import lazyload

from training.accounts.models import User
from training.enrolments.models import Enrolment, EnrolmentState
from training.extensions import db
from training.workshops.models import Workshop


def confirmed_count(workshop: Workshop) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Enrolment)
            .where(Enrolment.workshop_id == workshop.id, Enrolment.state == EnrolmentState.CONFIRMED)
        )
        or 0
    )


def confirmed_counts(workshop_ids: list[int]) -> dict[int, int]:
    """Confirmed seats per workshop, in one query (for lists)."""
    if not workshop_ids:
        return {}
    rows = db.session.execute(
        sa.select(Enrolment.workshop_id, sa.func.count())
        .where(Enrolment.workshop_id.in_(workshop_ids), Enrolment.state == EnrolmentState.CONFIRMED)
        .group_by(Enrolment.workshop_id)
    )
    return dict(rows.all())


def confirmed_trainees(workshop: Workshop, *, order: str = "arrival") -> list[User]:
    """Trainees holding a confirmed seat, in arrival order (or by name: ``order="name"``).

    The one roster query every capability uses. Roles are not loaded: a roster is
    for names and ids, not for permission checks."""
    ordering = (User.full_name, User.id) if order == "name" else (Enrolment.requested_at, Enrolment.id)
    return list(
        db.session.scalars(
            sa.select(User)
            .join(Enrolment, Enrolment.trainee_id == User.id)
            .where(Enrolment.workshop_id == workshop.id, Enrolment.state == EnrolmentState.CONFIRMED)
            .options(lazyload(User.role_links))
            .order_by(*ordering)
        )
    )


def lock_workshop(workshop: Workshop) -> Workshop:
    """Take the workshop's row lock (PostgreSQL; SQLite writers already hold the database)."""
    db.session.execute(sa.select(Workshop.id).where(Workshop.id == workshop.id).with_for_update())
    return workshop
