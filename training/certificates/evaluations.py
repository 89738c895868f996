"""The course evaluation: what a trainee may rate, answering it once, and the results."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from training.accounts.models import User
from training.certificates import rules
from training.certificates.evidence import confirmed_trainees
from training.certificates.models import CourseEvaluation, EvaluationRating, RatingTarget
from training.certificates.names import is_confirmed_trainee
from training.core.db import utcnow
from training.core.errors import Conflict, InvalidInput
from training.extensions import db
from training.workshops.models import Duty, SessionKind, Workshop, WorkshopSession


@dataclass(frozen=True)
class EvaluationTargets:
    sessions: list[WorkshopSession]
    faculty: list[User]


def evaluation_targets(workshop: Workshop) -> EvaluationTargets:
    """The sessions (no breaks, none cancelled) and the faculty a trainee may rate."""
    sessions = db.session.scalars(
        sa.select(WorkshopSession)
        .where(
            WorkshopSession.workshop_id == workshop.id,
            WorkshopSession.kind != SessionKind.BREAK,
            WorkshopSession.cancelled.is_(False),
        )
        .options(selectinload(WorkshopSession.faculty))
        .order_by(WorkshopSession.starts_at, WorkshopSession.id)
    ).all()
    people: dict[int, User] = {}
    for member in workshop.staff:
        if member.duty in (Duty.FACULTY, Duty.CERTIFIER):
            people[member.user_id] = member.user
    for session in sessions:
        for person in session.faculty:
            people.setdefault(person.id, person)
    return EvaluationTargets(list(sessions), sorted(people.values(), key=lambda u: (u.full_name, u.id)))


def evaluation_open(workshop: Workshop) -> bool:
    """The evaluation opens on the workshop's first day, at the venue."""
    return utcnow().astimezone(workshop.zone).date() >= workshop.starts_on


def evaluation_of(workshop: Workshop, trainee: User) -> CourseEvaluation | None:
    return db.session.scalar(
        sa.select(CourseEvaluation).where(
            CourseEvaluation.workshop_id == workshop.id, CourseEvaluation.trainee_id == trainee.id
        )
    )


def submit_evaluation(
    workshop: Workshop,
    *,
    overall: int,
    comments: str,
    session_ratings: dict[int, int],
    faculty_ratings: dict[int, int],
    actor: User,
) -> CourseEvaluation:
    if not is_confirmed_trainee(workshop, actor):
        raise Conflict("Only trainees with a confirmed place evaluate this workshop.")
    if evaluation_of(workshop, actor) is not None:
        raise Conflict("You have already evaluated this workshop; an evaluation is answered once.")
    if not evaluation_open(workshop):
        raise Conflict(
            f"The evaluation opens on the first day of the workshop, {workshop.starts_on:%d %B %Y}."
        )
    targets = evaluation_targets(workshop)
    session_ids = {s.id for s in targets.sessions}
    faculty_ids = {u.id for u in targets.faculty}
    problems: dict[str | None, list[str]] = {}
    if not 1 <= overall <= 5:
        problems["overall"] = ["Choose an overall rating from 1 to 5."]
    ratings = [(RatingTarget.SESSION, k, v) for k, v in session_ratings.items() if k in session_ids]
    ratings += [(RatingTarget.FACULTY, k, v) for k, v in faculty_ratings.items() if k in faculty_ids]
    if any(not 1 <= value <= 5 for _, _, value in ratings):
        problems[None] = ["Every rating is from 1 to 5."]
    if len(comments) > 5000:
        problems["comments"] = ["Please keep comments under 5000 characters."]
    if problems:
        raise InvalidInput(problems)
    evaluation = CourseEvaluation(
        workshop_id=workshop.id,
        trainee_id=actor.id,
        overall=overall,
        comments=comments.strip(),
        submitted_at=utcnow(),
        ratings=[EvaluationRating(target=t, target_id=k, rating=v) for t, k, v in ratings],
    )
    db.session.add(evaluation)
    try:
        db.session.flush()
    except sa.exc.IntegrityError:
        raise Conflict("You have already evaluated this workshop; an evaluation is answered once.") from None
    return evaluation


@dataclass(frozen=True)
class RatedItem:
    label: str
    detail: str
    average: rules.Average


@dataclass(frozen=True)
class EvaluationResults:
    answers: int
    confirmed: int
    overall: rules.Average
    sessions: list[RatedItem]
    faculty: list[RatedItem]
    comments: list[str]
    comments_hidden: bool


def evaluation_results(workshop: Workshop) -> EvaluationResults:
    overall = db.session.scalars(
        sa.select(CourseEvaluation.overall).where(CourseEvaluation.workshop_id == workshop.id)
    ).all()
    rows = db.session.execute(
        sa.select(EvaluationRating.target, EvaluationRating.target_id, EvaluationRating.rating)
        .join(CourseEvaluation)
        .where(CourseEvaluation.workshop_id == workshop.id)
    ).all()
    by_target: dict[tuple[RatingTarget, int], list[int]] = {}
    for target, target_id, rating in rows:
        by_target.setdefault((target, target_id), []).append(rating)
    targets = evaluation_targets(workshop)
    zone = workshop.zone
    sessions = [
        RatedItem(
            s.title,
            f"{s.starts_at.astimezone(zone):%a %d %b %H:%M} {workshop.timezone}",
            rules.average(by_target.get((RatingTarget.SESSION, s.id), [])),
        )
        for s in targets.sessions
    ]
    faculty = [
        RatedItem(u.full_name, "", rules.average(by_target.get((RatingTarget.FACULTY, u.id), [])))
        for u in targets.faculty
    ]
    comments: list[str] = []
    visible = rules.comments_visible(len(overall))
    if visible:
        comments = list(
            db.session.scalars(
                sa.select(CourseEvaluation.comments)
                .where(CourseEvaluation.workshop_id == workshop.id, CourseEvaluation.comments != "")
                .order_by(CourseEvaluation.id)
            )
        )
    return EvaluationResults(
        answers=len(overall),
        confirmed=len(confirmed_trainees(workshop, order="name")),
        overall=rules.average(overall),
        sessions=sessions,
        faculty=faculty,
        comments=comments,
        comments_hidden=not visible and len(overall) > 0,
    )
