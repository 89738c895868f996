"""Setting quizzes up: a workshop's quizzes and their settings, and the accommodations
(extra time, extra attempts) of its trainees."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from training.accounts.models import User
from training.core import audit
from training.core.errors import InvalidInput
from training.curriculum.models import Question
from training.enrolments.models import Enrolment, EnrolmentState
from training.extensions import db
from training.quizzes.models import (
    Accommodation,
    FeedbackTiming,
    GradingMethod,
    Quiz,
    QuizPurpose,
)
from training.workshops.models import Workshop
from training.workshops.permissions import staffed_workshops
from training.workshops.services import confirmed_trainees

# Quizzes -----------------------------------------------------------------------------------


@dataclass
class QuizSettings:
    title: str
    module_ids: list[int]
    question_count: int
    pass_percent: Decimal
    instructions: str = ""
    shuffle_options: bool = True
    time_limit_minutes: int | None = None
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    max_attempts: int = 1
    grading_method: GradingMethod = GradingMethod.HIGHEST
    feedback_timing: FeedbackTiming = FeedbackTiming.IMMEDIATE
    purpose: QuizPurpose = QuizPurpose.PRACTICE
    purpose_module_id: int | None = None
    required_for_certificate: bool = False


def _snapshot(quiz: Quiz) -> dict[str, Any]:
    return {
        "title": quiz.title,
        "modules": sorted(m.code for m in quiz.modules),
        "question_count": quiz.question_count,
        "pass_percent": str(quiz.pass_percent),
        "time_limit_minutes": quiz.time_limit_minutes,
        "opens_at": quiz.opens_at.isoformat() if quiz.opens_at else None,
        "closes_at": quiz.closes_at.isoformat() if quiz.closes_at else None,
        "max_attempts": quiz.max_attempts,
        "grading_method": quiz.grading_method.value,
        "feedback_timing": quiz.feedback_timing.value,
        "purpose": quiz.purpose.value,
        "purpose_module_id": quiz.purpose_module_id,
        "shuffle_options": quiz.shuffle_options,
        "required_for_certificate": quiz.required_for_certificate,
    }


def question_pool(module_ids: list[int]) -> list[Question]:
    if not module_ids:
        return []
    return list(
        db.session.scalars(
            sa.select(Question).where(Question.module_id.in_(module_ids)).order_by(Question.id)
        )
    )


def _apply(quiz: Quiz, workshop: Workshop, data: QuizSettings) -> None:
    allowed = {m.id: m for m in workshop.modules}
    problems: dict[str | None, list[str]] = defaultdict(list)
    chosen = [allowed[i] for i in data.module_ids if i in allowed]
    if not chosen or len(chosen) != len(set(data.module_ids)):
        problems["module_ids"].append("Choose one or more modules of this workshop.")
    pool_size = db.session.scalar(
        sa.select(sa.func.count(Question.id)).where(Question.module_id.in_([m.id for m in chosen]))
    )
    if chosen and data.question_count > (pool_size or 0):
        problems["question_count"].append(
            f"The chosen modules hold {pool_size or 0} question(s): draw at most that many."
        )
    if data.opens_at and data.closes_at and data.closes_at <= data.opens_at:
        problems["closes_at"].append("The quiz must close after it opens.")
    if data.purpose is QuizPurpose.PRACTICE:
        data.purpose_module_id = None
    elif data.purpose_module_id not in {m.id for m in chosen}:
        problems["purpose_module_id"].append("A pre- or post-test is of one of the quiz's modules.")
    else:
        twin = db.session.scalar(
            sa.select(Quiz.id).where(
                Quiz.workshop_id == workshop.id,
                Quiz.purpose == data.purpose,
                Quiz.purpose_module_id == data.purpose_module_id,
                Quiz.id != (quiz.id or 0),
            )
        )
        if twin is not None:
            problems["purpose"].append(f"This module already has a {data.purpose.label.lower()}.")
    if problems:
        raise InvalidInput(dict(problems))
    quiz.title = data.title.strip()
    quiz.instructions = data.instructions.strip()
    quiz.modules = chosen
    quiz.question_count = data.question_count
    quiz.pass_percent = data.pass_percent
    quiz.shuffle_options = data.shuffle_options
    quiz.time_limit_minutes = data.time_limit_minutes or None
    quiz.opens_at = data.opens_at
    quiz.closes_at = data.closes_at
    quiz.max_attempts = data.max_attempts
    quiz.grading_method = data.grading_method
    quiz.feedback_timing = data.feedback_timing
    quiz.purpose = data.purpose
    quiz.purpose_module_id = data.purpose_module_id
    quiz.required_for_certificate = data.required_for_certificate


def create_quiz(workshop: Workshop, data: QuizSettings, *, actor: User | None) -> Quiz:
    quiz = Quiz(workshop=workshop, created_by_id=actor.id if actor else None)
    _apply(quiz, workshop, data)
    db.session.add(quiz)
    db.session.flush()
    audit.record(
        "quiz.created",
        quiz,
        actor=actor,
        summary=f"Quiz {quiz.title} added to {workshop.title}",
        new=_snapshot(quiz),
        workshop_id=workshop.id,
    )
    return quiz


def update_quiz(quiz: Quiz, data: QuizSettings, *, actor: User | None) -> Quiz:
    before = _snapshot(quiz)
    _apply(quiz, quiz.workshop, data)
    db.session.flush()
    audit.record_changes(
        "quiz.changed",
        quiz,
        before,
        _snapshot(quiz),
        actor=actor,
        summary=f"Quiz {quiz.title} changed",
        workshop_id=quiz.workshop_id,
    )
    return quiz


def load_quiz(quiz_id: int) -> Quiz | None:
    """The quiz with its workshop and modules, as its pages show them."""
    return db.session.scalar(
        sa.select(Quiz)
        .where(Quiz.id == quiz_id)
        .options(joinedload(Quiz.workshop), selectinload(Quiz.modules), joinedload(Quiz.purpose_module))
    )


def workshop_id_of_quiz(quiz_id: int) -> int | None:
    return db.session.scalar(sa.select(Quiz.workshop_id).where(Quiz.id == quiz_id))


def workshop_quizzes(workshop: Workshop) -> list[Quiz]:
    return list(
        db.session.scalars(
            sa.select(Quiz)
            .where(Quiz.workshop_id == workshop.id)
            .options(selectinload(Quiz.modules), selectinload(Quiz.purpose_module))
            .order_by(Quiz.opens_at.is_(None), Quiz.opens_at, Quiz.id)
        )
    )


# Who takes part ----------------------------------------------------------------------------


def is_confirmed(user: User, workshop_id: int, *, lock: bool = False) -> bool:
    query = sa.select(Enrolment.id).where(
        Enrolment.workshop_id == workshop_id,
        Enrolment.trainee_id == user.id,
        Enrolment.state == EnrolmentState.CONFIRMED,
    )
    if lock:
        query = query.with_for_update()
    return db.session.scalar(query) is not None


def accommodation_for(workshop_id: int, trainee_id: int) -> Accommodation | None:
    return db.session.scalar(
        sa.select(Accommodation).where(
            Accommodation.workshop_id == workshop_id, Accommodation.trainee_id == trainee_id
        )
    )


def set_accommodation(
    workshop: Workshop, trainee_id: int, time_factor: Decimal, extra_attempts: int, note: str, *, actor: User
) -> Accommodation:
    if trainee_id not in {u.id for u in confirmed_trainees(workshop, order="name")}:
        raise InvalidInput.of(["Choose a trainee with a confirmed place."], field="trainee_id")
    if not Decimal(1) <= time_factor <= Decimal(4):
        raise InvalidInput.of(["Extra time is a factor from 1 to 4."], field="time_factor")
    if not 0 <= extra_attempts <= 5:
        raise InvalidInput.of(["Give 0 to 5 extra attempts."], field="extra_attempts")
    accommodation = accommodation_for(workshop.id, trainee_id)
    before = (
        {"time_factor": str(accommodation.time_factor), "extra_attempts": accommodation.extra_attempts}
        if accommodation
        else {}
    )
    if accommodation is None:
        accommodation = Accommodation(workshop_id=workshop.id, trainee_id=trainee_id)
        db.session.add(accommodation)
    accommodation.time_factor = time_factor
    accommodation.extra_attempts = extra_attempts
    accommodation.note = note.strip()[:300]
    db.session.flush()
    trainee = db.session.get(User, trainee_id)
    audit.record(
        "quiz.accommodation_set",
        accommodation,
        actor=actor,
        summary=f"Quiz accommodation for {trainee.full_name if trainee else trainee_id}: "
        f"time x{time_factor}, +{extra_attempts} attempt(s)",
        old=before or None,
        new={"time_factor": str(time_factor), "extra_attempts": extra_attempts},
        workshop_id=workshop.id,
    )
    return accommodation


def accommodations(workshop: Workshop) -> list[Accommodation]:
    """The accommodations granted on the workshop, with their trainees."""
    return list(
        db.session.scalars(
            sa.select(Accommodation)
            .where(Accommodation.workshop_id == workshop.id)
            .options(joinedload(Accommodation.trainee))
        )
    )


def dashboard_quizzes(user: User) -> list[Quiz]:
    """The dashboard tile's quizzes: of the person's confirmed workshops, or of the
    workshops they staff (the latest eight)."""
    mine = sa.select(Enrolment.workshop_id).where(
        Enrolment.trainee_id == user.id, Enrolment.state == EnrolmentState.CONFIRMED
    )
    staffed = staffed_workshops(user)
    return list(
        db.session.scalars(
            sa.select(Quiz)
            .where(sa.or_(Quiz.workshop_id.in_(mine), Quiz.workshop_id.in_(staffed)))
            .options(joinedload(Quiz.workshop))
            .order_by(Quiz.id.desc())
            .limit(8)
        )
    )
