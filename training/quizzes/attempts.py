"""Taking a quiz: start an attempt, save its answers as the trainee goes, submit it, and
grade it (on submission, or when its time has run out)."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

import sqlalchemy as sa
from flask_babel import gettext, lazy_gettext
from sqlalchemy.orm import joinedload, selectinload

from training.accounts.models import User
from training.core.db import utcnow
from training.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from training.curriculum.models import Question, QuestionKind
from training.extensions import db
from training.quizzes import rules
from training.quizzes.models import (
    Attempt,
    AttemptQuestion,
    AttemptState,
    GradeOverride,
    Quiz,
)
from training.quizzes.setup import accommodation_for, is_confirmed, question_pool

# Attempts ----------------------------------------------------------------------------------


def attempts_of(quiz: Quiz, trainee: User) -> list[Attempt]:
    return list(
        db.session.scalars(
            sa.select(Attempt)
            .where(Attempt.quiz_id == quiz.id, Attempt.trainee_id == trainee.id)
            .order_by(Attempt.number)
        )
    )


@dataclass(frozen=True)
class Standing:
    """A trainee's position on a quiz, for the quiz page."""

    attempts: list[Attempt]
    allowed: int
    open_attempt: Attempt | None
    decision: rules.StartDecision
    grade: rules.QuizGrade
    time_factor: Decimal


def standing(quiz: Quiz, trainee: User, *, now: datetime | None = None) -> Standing:
    now = now or utcnow()
    attempts = attempts_of(quiz, trainee)
    accommodation = accommodation_for(quiz.workshop_id, trainee.id)
    allowed = quiz.max_attempts + (accommodation.extra_attempts if accommodation else 0)
    open_attempt = next((a for a in attempts if a.state is AttemptState.IN_PROGRESS), None)
    decision = rules.may_start(
        now=now,
        opens_at=quiz.opens_at,
        closes_at=quiz.closes_at,
        attempts_used=len(attempts),
        attempts_allowed=allowed,
        enrolled=is_confirmed(trainee, quiz.workshop_id),
    )
    override = db.session.scalar(
        sa.select(GradeOverride.percent).where(
            GradeOverride.quiz_id == quiz.id, GradeOverride.trainee_id == trainee.id
        )
    )
    counting = rules.counting_attempt(
        [rules.AttemptResult(a.number, a.percent) for a in attempts if a.graded and a.percent is not None],
        quiz.grading_method.value,
    )
    return Standing(
        attempts=attempts,
        allowed=allowed,
        open_attempt=open_attempt,
        decision=decision,
        grade=rules.quiz_grade(counting, override, quiz.pass_percent),
        time_factor=accommodation.time_factor if accommodation else Decimal(1),
    )


def start_attempt(
    quiz: Quiz, *, actor: User, now: datetime | None = None, seed: int | None = None
) -> Attempt:
    """Start an attempt, or return the one already in progress (two tabs, a resent click)."""
    now = now or utcnow()
    # The enrolment row is the trainee's lock: two starts at once queue here.
    enrolled = is_confirmed(actor, quiz.workshop_id, lock=True)
    open_attempt = db.session.scalar(
        sa.select(Attempt)
        .where(
            Attempt.quiz_id == quiz.id,
            Attempt.trainee_id == actor.id,
            Attempt.state == AttemptState.IN_PROGRESS,
        )
        .with_for_update()
    )
    if open_attempt is not None:
        if rules.accepts_answers(now, open_attempt.deadline_at):
            return open_attempt
        _close(open_attempt, closed_by="deadline", now=now)
    used = db.session.scalar(
        sa.select(sa.func.count(Attempt.id)).where(Attempt.quiz_id == quiz.id, Attempt.trainee_id == actor.id)
    )
    accommodation = accommodation_for(quiz.workshop_id, actor.id)
    allowed = quiz.max_attempts + (accommodation.extra_attempts if accommodation else 0)
    decision = rules.may_start(
        now=now,
        opens_at=quiz.opens_at,
        closes_at=quiz.closes_at,
        attempts_used=used or 0,
        attempts_allowed=allowed,
        enrolled=enrolled,
    )
    if not decision.ok:
        raise NotAllowed(" ".join(decision.reasons))
    pool = question_pool([m.id for m in quiz.modules])
    # A fair draw of questions, not a secret.
    rng = random.Random(seed)  # nosec B311
    drawn_ids = rules.draw_questions(
        [rules.PoolQuestion(q.id, q.objective_id) for q in pool],
        quiz.question_count,
        rng,
        rotation=used or 0,
    )
    if not drawn_ids:
        raise Conflict(gettext("This quiz has no questions yet. Tell the workshop's faculty."))
    by_id = {q.id: q for q in pool}
    attempt = Attempt(
        quiz_id=quiz.id,
        trainee_id=actor.id,
        number=(used or 0) + 1,
        state=AttemptState.IN_PROGRESS,
        started_at=now,
        deadline_at=rules.attempt_deadline(
            now,
            quiz.time_limit_minutes,
            accommodation.time_factor if accommodation else Decimal(1),
            quiz.closes_at,
        ),
        max_score=len(drawn_ids),
    )
    for position, question_id in enumerate(drawn_ids):
        question = by_id[question_id]
        attempt.questions.append(
            AttemptQuestion(
                question_id=question_id,
                position=position,
                option_order=rules.option_order(
                    [str(o["id"]) for o in question.options], quiz.shuffle_options, rng
                ),
            )
        )
    db.session.add(attempt)
    db.session.flush()
    return attempt


def load_attempt(attempt_id: int) -> Attempt | None:
    return db.session.scalar(
        sa.select(Attempt)
        .where(Attempt.id == attempt_id)
        .options(
            selectinload(Attempt.questions)
            .joinedload(AttemptQuestion.question)
            .joinedload(Question.objective),
            joinedload(Attempt.quiz).joinedload(Quiz.workshop),
        )
    )


TIME_IS_UP = lazy_gettext("Time is up: this answer came after the deadline. Your attempt has been graded.")


class TimeIsUp(Conflict):
    """An answer that came after the deadline and its grace (see ``save_answer``)."""


def clean_response(question: Question, options: list[str], x: str | None, y: str | None) -> dict | None:
    """The answer as sent, checked against the question: None for "no answer"."""
    if question.kind is QuestionKind.HOTSPOT:
        if not x and not y:
            return None
        try:
            px, py = float(x or ""), float(y or "")
        except ValueError:
            raise InvalidInput.of(["Click a point on the image."]) from None
        if not (math.isfinite(px) and math.isfinite(py)) or not (0 <= px <= 20000 and 0 <= py <= 20000):
            raise InvalidInput.of(["Click a point on the image."])
        return {"x": round(px, 1), "y": round(py, 1)}
    known = {str(o["id"]) for o in question.options}
    chosen = sorted({o for o in options if o})
    if not chosen:
        return None
    if not set(chosen) <= known:
        raise InvalidInput.of(["Choose among the options shown."])
    if question.kind is not QuestionKind.MULTIPLE and len(chosen) > 1:
        raise InvalidInput.of(["Choose one option."])
    return {"options": chosen}


def _store(item: AttemptQuestion, response: dict | None, now: datetime) -> None:
    item.response = response
    item.choice_key = ",".join(response["options"])[:200] if response and "options" in response else None
    item.answered_at = now if response is not None else None


# question id -> (options chosen, x, y): a question's answer as the trainee's form sends it
Answers = dict[int, tuple[list[str], str | None, str | None]]


@dataclass(frozen=True)
class SavedAnswers:
    """What became of answers sent to an attempt in progress."""

    items: list[AttemptQuestion]  # the answers stored, in the order sent
    # The deadline and its grace had passed: nothing was stored, and the attempt was
    # closed and graded with the answers it held. The grading is kept: a late answer
    # is a result to show, not a refusal to undo.
    time_is_up: bool = False


def save_answers(
    attempt: Attempt, answers: Answers, *, actor: User, now: datetime | None = None
) -> SavedAnswers:
    """Save answers of an attempt in progress (the autosave sends one, the plain form all);
    after the deadline, close and grade the attempt instead."""
    now = now or utcnow()
    if attempt.trainee_id != actor.id:
        raise NotFound("There is no such attempt.")
    if not answers:
        return SavedAnswers([])
    locked = _lock(attempt)
    if locked.state is AttemptState.GRADED:
        raise Conflict(gettext("This attempt has been submitted; it cannot change."))
    if not rules.accepts_answers(now, locked.deadline_at):
        _close(locked, closed_by="deadline", now=now)
        return SavedAnswers([], time_is_up=True)
    saved = []
    for question_id, (options, x, y) in answers.items():
        item = next((i for i in locked.questions if i.question_id == question_id), None)
        if item is None:
            raise NotFound("That question is not part of this attempt.")
        _store(item, clean_response(item.question, options, x, y), now)
        db.session.flush()
        saved.append(item)
    return SavedAnswers(saved)


def save_answer(
    attempt: Attempt,
    question_id: int,
    options: list[str],
    x: str | None = None,
    y: str | None = None,
    *,
    actor: User,
    now: datetime | None = None,
) -> AttemptQuestion:
    """Save one answer of an attempt in progress, for scripts and tests: after the
    deadline the attempt is closed and graded, and ``TimeIsUp`` raised."""
    saved = save_answers(attempt, {question_id: (options, x, y)}, actor=actor, now=now)
    if saved.time_is_up:
        raise TimeIsUp(str(TIME_IS_UP))
    return saved.items[0]


def _lock(attempt: Attempt) -> Attempt:
    """Lock the attempt row (PostgreSQL: FOR UPDATE; SQLite: the write transaction) and
    read its state afresh: another request may have just submitted it."""
    locked = db.session.scalar(
        sa.select(Attempt)
        .where(Attempt.id == attempt.id)
        .options(selectinload(Attempt.questions).joinedload(AttemptQuestion.question))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if locked is None:
        raise NotFound("There is no such attempt.")
    return locked


@dataclass(frozen=True)
class Submission:
    attempt: Attempt
    already: bool  # it had been submitted before this request (a double click, another tab)
    late: bool  # time ran out: answers sent with this request were ignored


def submit_attempt(
    attempt: Attempt,
    answers: Answers | None = None,
    *,
    actor: User,
    now: datetime | None = None,
) -> Submission:
    """Save the answers sent with the submission (if in time), then grade, once."""
    now = now or utcnow()
    if attempt.trainee_id != actor.id:
        raise NotFound("There is no such attempt.")
    locked = _lock(attempt)
    if locked.state is AttemptState.GRADED:
        return Submission(locked, already=True, late=False)
    late = not rules.accepts_answers(now, locked.deadline_at)
    if not late and answers:
        by_question = {i.question_id: i for i in locked.questions}
        problems = []
        for question_id, (options, x, y) in answers.items():
            item = by_question.get(question_id)
            if item is None:
                continue  # not drawn into this attempt: ignored, never stored
            try:
                _store(item, clean_response(item.question, options, x, y), now)
            except InvalidInput as error:
                problems.append(f"Question {item.position + 1}: {error.message}")
        if problems:
            raise InvalidInput.of(problems)
    _close(locked, closed_by="deadline" if late else "trainee", now=now)
    return Submission(locked, already=False, late=late)


def _close(attempt: Attempt, *, closed_by: str, now: datetime) -> None:
    """Grade and close an attempt in progress; the conditional update makes it happen once."""
    fractions = []
    for item in attempt.questions:
        question = item.question
        item.score = rules.grade_question(
            rules.GradableQuestion(question.kind.value, question.options, question.hotspots), item.response
        )
        fractions.append(item.score)
    quiz = attempt.quiz
    grade = rules.grade_attempt(fractions, attempt.max_score, quiz.pass_percent)
    db.session.flush()
    # An UPDATE's result is a CursorResult, with its row count; Session.execute is typed
    # for every statement.
    changed = cast(
        sa.CursorResult[Any],
        db.session.execute(
            sa.update(Attempt)
            .where(Attempt.id == attempt.id, Attempt.state == AttemptState.IN_PROGRESS)
            .values(
                state=AttemptState.GRADED,
                submitted_at=now,
                graded_at=now,
                closed_by=closed_by,
                score=grade.score,
                percent=grade.percent,
                passed=grade.passed,
            )
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    if changed != 1:
        raise Conflict(gettext("This attempt has already been submitted."))
    db.session.refresh(
        attempt, ["state", "submitted_at", "graded_at", "closed_by", "score", "percent", "passed"]
    )


def close_overdue_attempts(now: datetime | None = None) -> int:
    """Close every attempt whose time (and grace) has run out; returns how many."""
    now = now or utcnow()
    overdue = list(
        db.session.scalars(
            sa.select(Attempt)
            .where(Attempt.state == AttemptState.IN_PROGRESS, Attempt.deadline_at < now - rules.GRACE)
            .options(selectinload(Attempt.questions).joinedload(AttemptQuestion.question))
            .with_for_update()
        )
    )
    for attempt in overdue:
        _close(attempt, closed_by="deadline", now=now)
    return len(overdue)
