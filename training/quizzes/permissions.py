"""Who may set up, take and read quizzes."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

from training.accounts.models import Role
from training.core.permissions import predicate, signed_in
from training.enrolments.permissions import confirmed_in
from training.extensions import db
from training.quizzes.models import Attempt, AttemptQuestion
from training.workshops.permissions import is_staff_of

if TYPE_CHECKING:
    from training.accounts.models import User
    from training.curriculum.models import Question
    from training.quizzes.models import Quiz
    from training.workshops.models import Workshop


@predicate
def can_manage_quizzes(user: User, workshop: Workshop) -> bool:
    """Attach and set up quizzes, accommodations, the gradebook and its overrides."""
    return is_staff_of(user, workshop)


@predicate
def can_view_quiz_results(user: User, workshop: Workshop) -> bool:
    """Gradebook, knowledge gain and item analysis."""
    return is_staff_of(user, workshop)


@predicate
def can_see_workshop_quizzes(user: User, workshop: Workshop) -> bool:
    return is_staff_of(user, workshop) or confirmed_in(user, workshop.id)


@predicate
def can_take_quiz(user: User, quiz: Quiz) -> bool:
    return confirmed_in(user, quiz.workshop_id)


@predicate
def can_open_attempt(user: User, attempt: Attempt) -> bool:
    """Only its trainee; for anyone else the attempt does not exist (404)."""
    return signed_in(user) and attempt.trainee_id == user.id


@predicate
def can_author_questions(user: User) -> bool:
    """Faculty extend the question banks of draft curriculum versions in the browser."""
    return signed_in(user) and any(user.has_role(r) for r in (Role.ADMIN, Role.ORGANIZER, Role.FACULTY))


@predicate
def can_see_question(user: User, question: Question) -> bool:
    """Authors, and trainees who drew the question into one of their attempts."""
    if can_author_questions(user):
        return True
    if not signed_in(user):
        return False

    return (
        db.session.scalar(
            sa.select(AttemptQuestion.id)
            .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
            .where(AttemptQuestion.question_id == question.id, Attempt.trainee_id == user.id)
            .limit(1)
        )
        is not None
    )
