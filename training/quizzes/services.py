"""Quiz use cases: set up quizzes, take attempts, grade them, and report on them.

Services take the acting user as ``actor``, lock what they count, flush, and never
commit: the view commits once at the end of the request.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from training.accounts.models import User
from training.core import audit, uploads
from training.core.cache import StampedCache
from training.core.db import utcnow
from training.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from training.curriculum import services as curriculum_services
from training.curriculum.models import CurriculumImage, Module, Question, QuestionKind
from training.enrolments.models import Enrolment, EnrolmentState
from training.extensions import db
from training.quizzes import rules
from training.quizzes.models import (
    Accommodation,
    Attempt,
    AttemptQuestion,
    AttemptState,
    FeedbackTiming,
    GradeOverride,
    GradingMethod,
    Quiz,
    QuizPurpose,
)
from training.workshops.models import Workshop
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
        raise Conflict("This quiz has no questions yet. Tell the workshop's faculty.")
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
            sa.orm.joinedload(Attempt.quiz).joinedload(Quiz.workshop),
        )
    )


class TimeIsUp(Conflict):
    """An answer that came after the deadline and its grace."""


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
    """Save one answer of an attempt in progress (the autosave)."""
    now = now or utcnow()
    if attempt.trainee_id != actor.id:
        raise NotFound("There is no such attempt.")
    locked = _lock(attempt)
    if locked.state is AttemptState.GRADED:
        raise Conflict("This attempt has been submitted; it cannot change.")
    if not rules.accepts_answers(now, locked.deadline_at):
        _close(locked, closed_by="deadline", now=now)
        raise TimeIsUp("Time is up: this answer came after the deadline. Your attempt has been graded.")
    item = next((i for i in locked.questions if i.question_id == question_id), None)
    if item is None:
        raise NotFound("That question is not part of this attempt.")
    _store(item, clean_response(item.question, options, x, y), now)
    db.session.flush()
    return item


def _lock(attempt: Attempt) -> Attempt:
    """Lock the attempt row (PostgreSQL: FOR UPDATE; SQLite: the write transaction) and
    read its state afresh: another request may have just submitted it."""
    locked = db.session.scalar(
        sa.select(Attempt)
        .where(Attempt.id == attempt.id)
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
    answers: dict[int, tuple[list[str], str | None, str | None]] | None = None,
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
    changed = db.session.execute(
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
    ).rowcount
    if changed != 1:
        raise Conflict("This attempt has already been submitted.")
    db.session.refresh(attempt)


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


# Grades ------------------------------------------------------------------------------------


@dataclass
class Cell:
    quiz_id: int
    percent: Decimal | None
    passed: bool
    attempts_used: int
    overridden: bool
    in_progress: bool
    override_reason: str = ""


@dataclass
class GradebookRow:
    trainee: User
    cells: dict[int, Cell] = field(default_factory=dict)


def grades(workshop: Workshop, quizzes: list[Quiz], trainees: list[User]) -> dict[int, dict[int, Cell]]:
    """trainee id -> quiz id -> Cell, in a fixed number of queries."""
    quiz_ids = [q.id for q in quizzes]
    result: dict[int, dict[int, Cell]] = {t.id: {} for t in trainees}
    if not quiz_ids or not trainees:
        for cells in result.values():
            for quiz in quizzes:
                cells[quiz.id] = Cell(quiz.id, None, False, 0, False, False)
        return result
    trainee_ids = list(result)
    rows = db.session.execute(
        sa.select(Attempt.quiz_id, Attempt.trainee_id, Attempt.number, Attempt.state, Attempt.percent).where(
            Attempt.quiz_id.in_(quiz_ids), Attempt.trainee_id.in_(trainee_ids)
        )
    ).all()
    overrides = {
        (o.quiz_id, o.trainee_id): o
        for o in db.session.scalars(
            sa.select(GradeOverride).where(
                GradeOverride.quiz_id.in_(quiz_ids), GradeOverride.trainee_id.in_(trainee_ids)
            )
        )
    }
    attempts: dict[tuple[int, int], list[Any]] = defaultdict(list)
    for row in rows:
        attempts[(row.quiz_id, row.trainee_id)].append(row)
    for trainee_id in trainee_ids:
        for quiz in quizzes:
            mine = attempts.get((quiz.id, trainee_id), [])
            counting = rules.counting_attempt(
                [
                    rules.AttemptResult(r.number, r.percent)
                    for r in mine
                    if r.state is AttemptState.GRADED and r.percent is not None
                ],
                quiz.grading_method.value,
            )
            override = overrides.get((quiz.id, trainee_id))
            grade = rules.quiz_grade(counting, override.percent if override else None, quiz.pass_percent)
            result[trainee_id][quiz.id] = Cell(
                quiz_id=quiz.id,
                percent=grade.percent,
                passed=grade.passed,
                attempts_used=len(mine),
                overridden=grade.overridden,
                in_progress=any(r.state is AttemptState.IN_PROGRESS for r in mine),
                override_reason=override.reason if override else "",
            )
    return result


def gradebook(workshop: Workshop) -> tuple[list[Quiz], list[GradebookRow]]:
    quizzes = workshop_quizzes(workshop)
    trainees = confirmed_trainees(workshop, order="name")
    cells = grades(workshop, quizzes, trainees)
    return quizzes, [GradebookRow(t, cells[t.id]) for t in trainees]


def override_grade(
    quiz: Quiz, trainee_id: int, percent: Decimal, reason: str, *, actor: User
) -> GradeOverride:
    reason = reason.strip()
    problems: dict[str | None, list[str]] = {}
    if not reason:
        problems["reason"] = ["Say why the grade is changed: it is kept in the audit log."]
    if not Decimal(0) <= percent <= Decimal(100):
        problems["percent"] = ["A grade is from 0 to 100%."]
    if problems:
        raise InvalidInput(problems)
    if not db.session.scalar(
        sa.select(Enrolment.id).where(
            Enrolment.workshop_id == quiz.workshop_id, Enrolment.trainee_id == trainee_id
        )
    ):
        raise NotFound("That trainee is not in this workshop.")
    trainee = db.session.get(User, trainee_id)
    cells = grades(quiz.workshop, [quiz], [trainee])[trainee_id][quiz.id]
    existing = db.session.scalar(
        sa.select(GradeOverride)
        .where(GradeOverride.quiz_id == quiz.id, GradeOverride.trainee_id == trainee_id)
        .with_for_update()
    )
    old = {
        "percent": str(cells.percent) if cells.percent is not None else None,
        "overridden": cells.overridden,
    }
    if existing is None:
        existing = GradeOverride(quiz_id=quiz.id, trainee_id=trainee_id)
        db.session.add(existing)
    existing.percent = percent.quantize(rules.TWO_PLACES)
    existing.reason = reason
    existing.set_by_id = actor.id
    db.session.flush()
    audit.record(
        "quiz.grade_overridden",
        existing,
        actor=actor,
        summary=f"Grade of {trainee.full_name} on {quiz.title} set to {existing.percent}%: {reason}",
        old=old,
        new={"percent": str(existing.percent), "reason": reason},
        workshop_id=quiz.workshop_id,
    )
    return existing


def remove_override(quiz: Quiz, trainee_id: int, reason: str, *, actor: User) -> None:
    existing = db.session.scalar(
        sa.select(GradeOverride).where(
            GradeOverride.quiz_id == quiz.id, GradeOverride.trainee_id == trainee_id
        )
    )
    if existing is None:
        raise NotFound("There is no manual grade to remove.")
    if not reason.strip():
        raise InvalidInput({"reason": ["Say why the manual grade is removed."]})
    audit.record(
        "quiz.grade_override_removed",
        existing,
        actor=actor,
        summary=f"Manual grade on {quiz.title} removed: {reason.strip()}",
        old={"percent": str(existing.percent), "reason": existing.reason},
        new=None,
        workshop_id=quiz.workshop_id,
    )
    db.session.delete(existing)
    db.session.flush()


def parse_percent(text: str | None) -> Decimal:
    try:
        value = Decimal((text or "").strip().rstrip("%"))
    except InvalidOperation:
        raise InvalidInput({"percent": ["Give a number from 0 to 100."]}) from None
    if not value.is_finite():
        raise InvalidInput({"percent": ["Give a number from 0 to 100."]})
    return value


# Knowledge gain ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TraineeGain:
    trainee: User
    module: Module
    result: rules.Gain | None
    pre: Decimal | None
    post: Decimal | None


@dataclass(frozen=True)
class ObjectiveGain:
    module_code: str
    objective_key: str
    objective_text: str
    pairs: int
    pre: Decimal | None
    post: Decimal | None
    gain: Decimal | None


@dataclass(frozen=True)
class GainReport:
    modules: list[Module]
    trainees: list[TraineeGain]
    objectives: list[ObjectiveGain]
    mean_gain: dict[int, Decimal | None]


def knowledge_gain(workshop: Workshop) -> GainReport:
    """Pre/post pairs per module: per trainee (the quiz grades) and per objective (mean
    score on that objective's questions in each trainee's counting attempts)."""
    quizzes = [q for q in workshop_quizzes(workshop) if q.purpose is not QuizPurpose.PRACTICE]
    pairs: dict[int, dict[QuizPurpose, Quiz]] = defaultdict(dict)
    for quiz in quizzes:
        pairs[quiz.purpose_module_id][quiz.purpose] = quiz  # type: ignore[index]
    paired = {m: p for m, p in pairs.items() if QuizPurpose.PRE_TEST in p and QuizPurpose.POST_TEST in p}
    modules = [m for m in workshop.modules if m.id in paired]
    trainees = confirmed_trainees(workshop, order="name")
    involved = [q for p in paired.values() for q in p.values()]
    cells = grades(workshop, involved, trainees)
    trainee_rows = []
    for module in modules:
        pre_quiz, post_quiz = (
            paired[module.id][QuizPurpose.PRE_TEST],
            paired[module.id][QuizPurpose.POST_TEST],
        )
        for trainee in trainees:
            pre, post = cells[trainee.id][pre_quiz.id].percent, cells[trainee.id][post_quiz.id].percent
            result = rules.gain(pre, post) if pre is not None and post is not None else None
            trainee_rows.append(TraineeGain(trainee, module, result, pre, post))
    mean_gain = {}
    for module in modules:
        gains = [r.result.gain for r in trainee_rows if r.module.id == module.id and r.result]
        mean_gain[module.id] = (
            (sum(gains, Decimal(0)) / len(gains)).quantize(rules.TWO_PLACES) if gains else None
        )
    objectives = _objective_gain(involved, paired, modules, [t.id for t in trainees])
    return GainReport(modules, trainee_rows, objectives, mean_gain)


def _counting_attempt_ids(quizzes: list[Quiz], trainee_ids: list[int]) -> dict[tuple[int, int], int]:
    """(quiz id, trainee id) -> id of the attempt that counts."""
    if not quizzes or not trainee_ids:
        return {}
    rows = db.session.execute(
        sa.select(Attempt.id, Attempt.quiz_id, Attempt.trainee_id, Attempt.number, Attempt.percent).where(
            Attempt.quiz_id.in_([q.id for q in quizzes]),
            Attempt.trainee_id.in_(trainee_ids),
            Attempt.state == AttemptState.GRADED,
        )
    ).all()
    method = {q.id: q.grading_method.value for q in quizzes}
    grouped: dict[tuple[int, int], list[Any]] = defaultdict(list)
    for row in rows:
        grouped[(row.quiz_id, row.trainee_id)].append(row)
    chosen = {}
    for key, mine in grouped.items():
        counting = rules.counting_attempt(
            [rules.AttemptResult(r.number, r.percent) for r in mine], method[key[0]]
        )
        if counting is not None:
            chosen[key] = next(r.id for r in mine if r.number == counting.number)
    return chosen


def _objective_gain(
    quizzes: list[Quiz],
    paired: dict[int, dict[QuizPurpose, Quiz]],
    modules: list[Module],
    trainee_ids: list[int],
) -> list[ObjectiveGain]:
    from training.curriculum.models import Objective

    counting = _counting_attempt_ids(quizzes, trainee_ids)
    if not counting:
        return []
    attempt_to_key = {attempt_id: key for key, attempt_id in counting.items()}
    rows = db.session.execute(
        sa.select(AttemptQuestion.attempt_id, Question.objective_id, sa.func.avg(AttemptQuestion.score))
        .join(Question, Question.id == AttemptQuestion.question_id)
        .where(AttemptQuestion.attempt_id.in_(list(attempt_to_key)))
        .group_by(AttemptQuestion.attempt_id, Question.objective_id)
    ).all()
    # (quiz, trainee, objective) -> fraction
    scores: dict[tuple[int, int, int], float] = {}
    for attempt_id, objective_id, mean in rows:
        quiz_id, trainee_id = attempt_to_key[attempt_id]
        scores[(quiz_id, trainee_id, objective_id)] = float(mean or 0)
    objective_ids = {key[2] for key in scores}
    objectives = {
        o.id: o
        for o in db.session.scalars(
            sa.select(Objective)
            .where(Objective.id.in_(objective_ids))
            .options(sa.orm.joinedload(Objective.module))
        )
    }
    result = []
    for module in modules:
        pre_quiz, post_quiz = (
            paired[module.id][QuizPurpose.PRE_TEST],
            paired[module.id][QuizPurpose.POST_TEST],
        )
        for objective in sorted(objectives.values(), key=lambda o: (o.module.position, o.position)):
            pre_values, post_values = [], []
            for trainee_id in trainee_ids:
                pre = scores.get((pre_quiz.id, trainee_id, objective.id))
                post = scores.get((post_quiz.id, trainee_id, objective.id))
                if pre is not None and post is not None:
                    pre_values.append(pre)
                    post_values.append(post)
            if not pre_values and objective.module_id != module.id:
                continue

            def mean(values: list[float]) -> Decimal | None:
                return Decimal(str(round(100 * sum(values) / len(values), 2))) if values else None

            pre_mean, post_mean = mean(pre_values), mean(post_values)
            result.append(
                ObjectiveGain(
                    module_code=objective.module.code,
                    objective_key=objective.key,
                    objective_text=objective.text,
                    pairs=len(pre_values),
                    pre=pre_mean,
                    post=post_mean,
                    gain=(post_mean - pre_mean) if pre_mean is not None and post_mean is not None else None,
                )
            )
    return result


# Item analysis -----------------------------------------------------------------------------


@dataclass(frozen=True)
class OptionCount:
    id: str
    text: str
    correct: bool
    count: int
    share: float


@dataclass(frozen=True)
class ItemRow:
    question: Question
    stats: rules.ItemStatistics
    options: list[OptionCount]
    unanswered: int


@dataclass(frozen=True)
class ItemAnalysis:
    attempts: int
    mean_percent: float | None
    sd_percent: float | None
    alpha: float | None
    items: list[ItemRow]
    histogram: list[tuple[str, int]]


@dataclass(frozen=True)
class _Aggregates:
    """What the database sums over a quiz's graded attempts: plain numbers, no ORM objects."""

    totals: tuple[Any, ...]
    items: dict[int, tuple[Any, ...]]  # question id -> (n, Σx, Σx², Σt, Σt², Σxt, unanswered)
    choices: dict[int, dict[str, int]]  # question id -> option id -> times chosen
    buckets: dict[int, int]


# Per quiz, while its graded attempts stay the same. A graded attempt never changes, so
# the set is named by its count, the sum of its ids, its latest grading time and its
# total score; the totals query reads that stamp anyway, and only a changed stamp pays
# for the scan of the answers.
_aggregates: StampedCache[_Aggregates] = StampedCache(size=64)


def _item_aggregates(quiz: Quiz) -> _Aggregates:
    graded = sa.and_(Attempt.quiz_id == quiz.id, Attempt.state == AttemptState.GRADED)
    totals = tuple(
        db.session.execute(
            sa.select(
                sa.func.count(Attempt.id),
                sa.func.sum(Attempt.percent),
                sa.func.sum(Attempt.percent * Attempt.percent),
                sa.func.sum(Attempt.score),
                sa.func.sum(Attempt.score * Attempt.score),
                sa.func.avg(Attempt.max_score),
                sa.func.sum(Attempt.id),
                sa.func.max(Attempt.graded_at),
            ).where(graded)
        ).one()
    )
    stamp = (totals[0], totals[6], totals[7], totals[3])
    return _aggregates.fetch(quiz.id, stamp, lambda: _sum_answers(graded, totals))


def _sum_answers(graded: Any, totals: tuple[Any, ...]) -> _Aggregates:
    # One pass over the answers: sums per question and choice, added up per question below.
    x, t = AttemptQuestion.score, Attempt.score
    rows = db.session.execute(
        sa.select(
            AttemptQuestion.question_id,
            AttemptQuestion.choice_key,
            sa.func.count(AttemptQuestion.id),
            sa.func.sum(x),
            sa.func.sum(x * x),
            sa.func.sum(t),
            sa.func.sum(t * t),
            sa.func.sum(x * t),
            sa.func.sum(sa.case((AttemptQuestion.answered_at.is_(None), 1), else_=0)),
        )
        .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
        .where(graded)
        .group_by(AttemptQuestion.question_id, AttemptQuestion.choice_key)
    ).all()
    items: dict[int, list[Any]] = {}
    choices: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for question_id, key, count, *sums in rows:
        total = items.setdefault(question_id, [0, 0, 0, 0, 0, 0, 0])
        total[0] += int(count)
        for index, value in enumerate(sums, start=1):
            total[index] += value or 0
        if key is not None:
            for option_id in key.split(","):
                choices[question_id][option_id] += int(count)
    # The 10% band, the same on every database (casting rounds on PostgreSQL, truncates on SQLite).
    bucket = sa.case(*[(Attempt.percent < (band + 1) * 10, band) for band in range(9)], else_=9)
    buckets = dict(
        db.session.execute(sa.select(bucket, sa.func.count(Attempt.id)).where(graded).group_by(bucket)).all()
    )
    return _Aggregates(
        totals=totals,
        items={q: tuple(v) for q, v in items.items()},
        choices={q: dict(c) for q, c in choices.items()},
        buckets=buckets,
    )


def item_analysis(quiz: Quiz) -> ItemAnalysis:
    """Statistics of every question of the quiz over its graded attempts.

    The sums come from one pass over the answers, whatever the number of attempts,
    and are reused until a graded attempt is added (see ``_aggregates``).
    """
    aggregates = _item_aggregates(quiz)
    totals = aggregates.totals
    n_attempts = int(totals[0] or 0)
    questions = {q.id: q for q in question_pool([m.id for m in quiz.modules])}
    extra_ids = aggregates.items.keys() - questions.keys()
    if extra_ids:  # questions drawn before the quiz's modules changed
        questions.update(
            {q.id: q for q in db.session.scalars(sa.select(Question).where(Question.id.in_(extra_ids)))}
        )
    items = []
    variances = []
    for question in sorted(questions.values(), key=lambda q: (q.module_id, q.position, q.id)):
        row = aggregates.items.get(question.id)
        if row is None:
            stats = rules.item_statistics(rules.ItemSums(0, 0, 0, 0, 0, 0))
            unanswered = 0
        else:
            values = [float(v or 0) for v in row[1:6]]
            stats = rules.item_statistics(rules.ItemSums(int(row[0]), *values))
            unanswered = int(row[6] or 0)
            if (var := rules.variance(int(row[0]), values[0], values[1])) is not None:
                variances.append(var)
        chosen = aggregates.choices.get(question.id, {})
        answered = (stats.n - unanswered) or 1
        options = [
            OptionCount(
                id=str(o["id"]),
                text=str(o.get("text", "")),
                correct=bool(o.get("correct")),
                count=chosen.get(str(o["id"]), 0),
                share=chosen.get(str(o["id"]), 0) / answered,
            )
            for o in question.options
        ]
        items.append(ItemRow(question, stats, options, unanswered))
    mean_percent = float(totals[1]) / n_attempts if n_attempts else None
    percent_variance = rules.variance(n_attempts, float(totals[1] or 0), float(totals[2] or 0))
    score_variance = rules.variance(n_attempts, float(totals[3] or 0), float(totals[4] or 0))
    return ItemAnalysis(
        attempts=n_attempts,
        mean_percent=mean_percent,
        sd_percent=math.sqrt(percent_variance) if percent_variance is not None else None,
        # k is the number of questions the attempts actually drew (the setting may have changed since).
        alpha=rules.cronbach_alpha(
            round(float(totals[5] or 0)), variances, score_variance, attempts=n_attempts
        ),
        items=items,
        histogram=rules.histogram(aggregates.buckets),
    )


# Hotspot questions -------------------------------------------------------------------------

FROZEN = (
    "This curriculum version is published and frozen: its questions cannot change. Start a new draft version."
)
# Where hotspot images were stored before they became images of the curriculum version;
# still read so that questions saved then keep showing their picture.
IMAGE_KIND = "question-images"


def _version_image(question: Question) -> CurriculumImage | None:
    if not question.image:
        return None
    return db.session.scalar(
        sa.select(CurriculumImage).where(
            CurriculumImage.version_id == question.module.version_id, CurriculumImage.name == question.image
        )
    )


def image_file(question: Question) -> tuple[bytes, str] | None:
    """The bytes and media type of a question's image: an image of its curriculum version
    (where the files and the validator keep them), or a legacy upload."""
    row = _version_image(question)
    if row is not None:
        return row.data, row.media_type
    path = uploads.path_of(IMAGE_KIND, question.image) if question.image else None
    if path is None:
        return None
    return path.read_bytes(), uploads.mime_of(path.name)


def image_size(question: Question) -> tuple[int, int] | None:
    row = _version_image(question)
    if row is not None:
        return row.width, row.height
    path = uploads.path_of(IMAGE_KIND, question.image) if question.image else None
    return uploads.dimensions(path) if path is not None else None


def _hotspot_problems(
    module: Module, objective_id: int, raw_regions: str, size: tuple[int, int] | None
) -> tuple[list[dict[str, Any]], dict[str | None, list[str]]]:
    problems: dict[str | None, list[str]] = {}
    if objective_id not in {o.id for o in module.objectives}:
        problems["objective_id"] = ["Choose an objective of this module."]
    shapes = None
    if rules.hotspot_json_problem(raw_regions or "") is None:
        try:
            shapes = json.loads(raw_regions or "[]")
        except ValueError:
            shapes = None
    if size is None:
        return [], problems
    regions, region_problems = rules.clean_hotspots(shapes, *size)
    if shapes is None:
        region_problems = ["The regions could not be read: draw them again."]
    if region_problems:
        problems["hotspots"] = region_problems
    return regions, problems


def save_hotspot_question(
    module: Module,
    question: Question | None,
    *,
    stem: str,
    objective_id: int,
    explanation: str,
    regions_json: str,
    image_data: bytes | None,
    actor: User,
    refs: list[str] | None = None,
    tags: list[str] | None = None,
) -> Question:
    """Create (``question`` None) or change a hotspot question of a draft version."""
    if module.version.frozen:
        raise Conflict(FROZEN)
    checked = None
    problems: dict[str | None, list[str]] = {}
    if image_data:
        try:
            checked = uploads.check_image(image_data)
        except InvalidInput as error:
            problems.update(error.problems)
    elif question is None or image_size(question) is None:
        problems["image"] = ["Upload the image the trainee will click on."]
    size = (checked.width, checked.height) if checked else (image_size(question) if question else None)
    regions, more = _hotspot_problems(module, objective_id, regions_json, size)
    problems.update(more)
    if not stem.strip():
        problems["stem"] = ["Write the question."]
    if problems:
        raise InvalidInput(problems)
    image_name = None
    if checked is not None:
        # The image joins the version's images, where the curriculum rules (and an export)
        # look for it; a name from its digest never replaces another question's image.
        extension = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}
        image_name = (
            f"hotspot-{hashlib.sha256(checked.data).hexdigest()[:16]}.{extension.get(checked.mime, 'png')}"
        )
        curriculum_services.add_image(module.version, image_name, checked.data, actor=actor)
    before = None
    if question is None:
        position = db.session.scalar(
            sa.select(sa.func.max(Question.position)).where(Question.module_id == module.id)
        )
        question = Question(
            module_id=module.id,
            key=f"hotspot-{secrets.token_hex(4)}",
            kind=QuestionKind.HOTSPOT,
            options=[],
            position=(position or 0) + 1,
            created_by_id=actor.id,
        )
        db.session.add(question)
    else:
        before = {"stem": question.stem, "hotspots": question.hotspots, "image": question.image}
    if image_name is not None:
        question.image = image_name
    question.stem = stem.strip()
    question.objective_id = objective_id
    question.explanation = explanation.strip()
    question.hotspots = regions
    if refs is not None:
        question.refs = refs
    if tags is not None:
        question.tags = tags
    db.session.flush()
    after = {"stem": question.stem, "hotspots": question.hotspots, "image": question.image}
    old, new = audit.diff(before or {}, after)
    audit.record(
        "question.hotspot_saved" if before else "question.hotspot_created",
        question,
        actor=actor,
        summary=f"Hotspot question {question.key} of {module.code} {'changed' if before else 'added'}",
        old=old or None,
        new=new,
    )
    return question


@dataclass(frozen=True)
class QuizSummary:
    graded: int
    in_progress: int
    passed: int
    mean_percent: Decimal | None


def quiz_summary(quiz: Quiz) -> QuizSummary:
    """Counts over every attempt of the quiz, in one aggregate query."""
    graded = Attempt.state == AttemptState.GRADED
    row = db.session.execute(
        sa.select(
            sa.func.count(Attempt.id).filter(graded),
            sa.func.count(Attempt.id).filter(Attempt.state == AttemptState.IN_PROGRESS),
            sa.func.count(Attempt.id).filter(graded, Attempt.passed.is_(True)),
            sa.func.avg(Attempt.percent).filter(graded),
        ).where(Attempt.quiz_id == quiz.id)
    ).one()
    mean = Decimal(str(round(float(row[3]), 2))) if row[3] is not None else None
    return QuizSummary(int(row[0] or 0), int(row[1] or 0), int(row[2] or 0), mean)
