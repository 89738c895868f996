"""Reading an enrolment's facts: seats, the waitlist, the window, prerequisites, and
the helpers every enrolment use case shares (the lock, the organizer check, mail)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from flask_babel import LazyString
from sqlalchemy.orm import joinedload

from training.accounts.models import User
from training.core.db import utcnow
from training.core.errors import NotAllowed
from training.core.mail import queue_mail
from training.core.urls import external_url
from training.curriculum.models import Module
from training.enrolments import rules
from training.enrolments.models import Enrolment, EnrolmentState
from training.extensions import db
from training.workshops.models import (
    PrerequisitePolicy,
    Workshop,
    WorkshopStaff,
    WorkshopState,
    workshop_modules,
)
from training.workshops.permissions import organizes

ACTIVE = (EnrolmentState.CONFIRMED, EnrolmentState.WAITLISTED)
MAIL_TOPIC = "enrolment"


def lock(workshop: Workshop) -> Workshop:
    """The workshop, re-read and locked for the rest of the transaction."""
    return db.session.scalars(
        sa.select(Workshop)
        .where(Workshop.id == workshop.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def seat_summary(workshop: Workshop) -> rules.SeatSummary:
    counts = dict(
        db.session.execute(
            sa.select(Enrolment.state, sa.func.count())
            .where(Enrolment.workshop_id == workshop.id, Enrolment.state.in_(ACTIVE))
            .group_by(Enrolment.state)
        ).all()
    )
    return rules.SeatSummary(
        workshop.capacity,
        counts.get(EnrolmentState.CONFIRMED, 0),
        counts.get(EnrolmentState.WAITLISTED, 0),
    )


def confirmed_count(workshop: Workshop) -> int:
    """The lowest capacity the workshop may be given."""
    return seat_summary(workshop).confirmed


def enrolment_of(workshop: Workshop, trainee: User) -> Enrolment | None:
    return db.session.scalar(
        sa.select(Enrolment)
        .where(Enrolment.workshop_id == workshop.id, Enrolment.trainee_id == trainee.id)
        .execution_options(populate_existing=True)
    )


def waitlist_position(enrolment: Enrolment) -> int | None:
    """1 for the next to get a seat; None unless waitlisted."""
    if enrolment.state is not EnrolmentState.WAITLISTED:
        return None
    ahead = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Enrolment)
        .where(
            Enrolment.workshop_id == enrolment.workshop_id,
            Enrolment.state == EnrolmentState.WAITLISTED,
            sa.or_(
                Enrolment.requested_at < enrolment.requested_at,
                sa.and_(Enrolment.requested_at == enrolment.requested_at, Enrolment.id < enrolment.id),
            ),
        )
    )
    return (ahead or 0) + 1


def window(workshop: Workshop) -> rules.Window:
    return rules.Window(
        workshop.state,
        workshop.enrolment_opens_at,
        rules.closes_at(workshop.enrolment_closes_at, workshop.starts_on, workshop.timezone),
    )


def prerequisites(workshop: Workshop, trainee_ids: Iterable[int]) -> dict[int, rules.PrerequisiteCheck]:
    """Each trainee's prerequisite check for this workshop, in two queries for them all."""
    trainee_ids = list(trainee_ids)
    policy = workshop.prerequisite_policy
    if policy is PrerequisitePolicy.OFF:
        return {tid: rules.check_prerequisites(policy, (), ()) for tid in trainee_ids}
    taught = db.session.execute(
        sa.select(Module.code, Module.prerequisites)
        .join(workshop_modules, workshop_modules.c.module_id == Module.id)
        .where(workshop_modules.c.workshop_id == workshop.id)
    ).all()
    required = rules.required_codes((code, prereqs or []) for code, prereqs in taught)
    completed: dict[int, set[str]] = {tid: set() for tid in trainee_ids}
    titles: dict[str, str] = {}
    if required:
        titles = dict(
            db.session.execute(
                sa.select(Module.code, Module.title).where(
                    Module.version_id == workshop.curriculum_version_id, Module.code.in_(required)
                )
            ).all()
        )
        if trainee_ids:
            done = db.session.execute(
                sa.select(Enrolment.trainee_id, Module.code)
                .join(Workshop, Workshop.id == Enrolment.workshop_id)
                .join(workshop_modules, workshop_modules.c.workshop_id == Workshop.id)
                .join(Module, Module.id == workshop_modules.c.module_id)
                .where(
                    Enrolment.trainee_id.in_(trainee_ids),
                    Enrolment.state == EnrolmentState.CONFIRMED,
                    Workshop.state == WorkshopState.COMPLETED,
                    Module.code.in_(required),
                )
                .distinct()
            ).all()
            for trainee_id, code in done:
                completed[trainee_id].add(code)
    return {tid: rules.check_prerequisites(policy, required, completed[tid], titles) for tid in trainee_ids}


def on_staff(workshop: Workshop, person: User) -> bool:
    """Any duty on the workshop, in effect or not: the two roles never mix."""
    query = sa.select(WorkshopStaff.id).where(
        WorkshopStaff.workshop_id == workshop.id, WorkshopStaff.user_id == person.id
    )
    return db.session.scalar(query.limit(1)) is not None


def require_organizer(workshop: Workshop, actor: User) -> None:
    if not organizes(actor, workshop):
        raise NotAllowed("Only the organizers of this workshop can do this.")


def mail_trainee(
    enrolment: Enrolment,
    ws: Workshop,
    trainee: User,
    template: str,
    subject: str | LazyString,
    **context: Any,
) -> None:
    queue_mail(
        trainee,
        subject,
        template,
        topic=MAIL_TOPIC,
        workshop_id=ws.id,
        trainee=trainee,
        workshop=ws,
        enrolment=enrolment,
        link=external_url("enrolments.workshop", workshop_id=ws.id),
        **context,
    )


def waitlist_positions(waiting: list[Enrolment]) -> dict[int, int]:
    """Waitlist positions of these enrolments, in one query."""
    if not waiting:
        return {}
    ranked = (
        sa.select(
            Enrolment.id,
            sa.func.row_number()
            .over(partition_by=Enrolment.workshop_id, order_by=(Enrolment.requested_at, Enrolment.id))
            .label("position"),
        )
        .where(
            Enrolment.state == EnrolmentState.WAITLISTED,
            Enrolment.workshop_id.in_({e.workshop_id for e in waiting}),
        )
        .subquery()
    )
    return dict(
        db.session.execute(
            sa.select(ranked.c.id, ranked.c.position).where(ranked.c.id.in_([e.id for e in waiting]))
        ).all()
    )


def state_counts(workshop: Workshop) -> dict[EnrolmentState, int]:
    """How many of the workshop's enrolments are in each state."""
    return dict(
        db.session.execute(
            sa.select(Enrolment.state, sa.func.count())
            .where(Enrolment.workshop_id == workshop.id)
            .group_by(Enrolment.state)
        ).all()
    )


def enrolments_of(trainee: User) -> sa.Select[Enrolment]:
    """The trainee's enrolments, the latest workshop first (a query, to page through)."""
    return (
        sa.select(Enrolment)
        .join(Workshop, Workshop.id == Enrolment.workshop_id)
        .options(joinedload(Enrolment.workshop))
        .where(Enrolment.trainee_id == trainee.id)
        .order_by(Workshop.starts_on.desc(), Enrolment.id.desc())
    )


def upcoming_enrolments(trainee: User, limit: int = 5) -> list[tuple[Enrolment, int | None]]:
    """The trainee's next published workshops with their place on each waitlist: two queries."""
    upcoming = db.session.scalars(
        sa.select(Enrolment)
        .join(Workshop, Workshop.id == Enrolment.workshop_id)
        .options(joinedload(Enrolment.workshop))
        .where(
            Enrolment.trainee_id == trainee.id,
            Enrolment.state.in_(ACTIVE),
            Workshop.state == WorkshopState.PUBLISHED,
            Workshop.ends_on >= utcnow().date(),
        )
        .order_by(Workshop.starts_on, Workshop.id)
        .limit(limit)
    ).all()
    positions = waitlist_positions([e for e in upcoming if e.state is EnrolmentState.WAITLISTED])
    return [(e, positions.get(e.id)) for e in upcoming]
