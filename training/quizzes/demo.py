"""Demo data for quizzes: called by `flask seed-demo`, idempotent.

On the demo workshop (the published workshop organized by organizer@example.org)
it adds a pre-test and a post-test of its first module with questions, and has
the workshop's confirmed trainees take them, so the gradebook, the knowledge gain
and the item analysis show something real. trainee@example.org takes the
pre-test only: the post-test is left for whoever tries the demo as her.
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from training.accounts.models import User
from training.core.db import utcnow
from training.curriculum.models import Question
from training.extensions import db
from training.quizzes.attempts import Answers, start_attempt, submit_attempt
from training.quizzes.models import Attempt, FeedbackTiming, GradingMethod, Quiz, QuizPurpose
from training.quizzes.setup import QuizSettings, create_quiz
from training.workshops.models import Duty, Workshop, WorkshopStaff, WorkshopState
from training.workshops.services import confirmed_trainees

ORGANIZER = "organizer@example.org"
TRY_IT_YOURSELF = "trainee@example.org"


def demo_workshop() -> Workshop | None:
    return db.session.scalar(
        sa.select(Workshop)
        .join(WorkshopStaff, WorkshopStaff.workshop_id == Workshop.id)
        .join(User, User.id == WorkshopStaff.user_id)
        .where(
            User.email == ORGANIZER,
            WorkshopStaff.duty == Duty.ORGANIZER,
            Workshop.state == WorkshopState.PUBLISHED,
        )
        .order_by(Workshop.starts_on, Workshop.id)
        .limit(1)
    )


def _quiz(
    workshop: Workshop, purpose: QuizPurpose, module_id: int, pool: int, organizer: User | None
) -> Quiz:
    existing = db.session.scalar(
        sa.select(Quiz).where(
            Quiz.workshop_id == workshop.id, Quiz.purpose == purpose, Quiz.purpose_module_id == module_id
        )
    )
    if existing is not None:
        return existing
    pre = purpose is QuizPurpose.PRE_TEST
    settings = QuizSettings(
        title="Anatomy pre-test" if pre else "Anatomy post-test",
        instructions="Answer from what you know now: this measures the starting point."
        if pre
        else "Passing is needed for the certificate. You have two attempts; the highest counts.",
        module_ids=[module_id],
        question_count=min(pool, 8),
        pass_percent=Decimal(0 if pre else 70),
        time_limit_minutes=15 if pre else 20,
        max_attempts=1 if pre else 2,
        grading_method=GradingMethod.FIRST if pre else GradingMethod.HIGHEST,
        feedback_timing=FeedbackTiming.NEVER if pre else FeedbackTiming.IMMEDIATE,
        purpose=purpose,
        purpose_module_id=module_id,
        required_for_certificate=not pre,
    )
    return create_quiz(workshop, settings, actor=organizer)


def _take(quiz: Quiz, trainee: User, skill: float, rng: random.Random, easiest: int | None) -> None:
    started = utcnow() - timedelta(minutes=rng.randint(30, 600))
    attempt = start_attempt(quiz, actor=trainee, now=started, seed=rng.randint(0, 10**6))
    answers: Answers = {}
    for item in attempt.questions:
        question = item.question
        right = question.id == easiest or rng.random() < skill
        options: list[str] = (
            question.correct_option_ids
            if right
            else [o["id"] for o in question.options if not o.get("correct")]
        )
        if question.kind.value == "hotspot":
            # A click at the middle of the first region when right, in the corner when not.
            x, y = _middle(question.hotspots[0]) if right and question.hotspots else (0.0, 0.0)
            answers[question.id] = ([], str(x), str(y))
            continue
        if question.kind.value != "multiple":
            options = options[:1]
        answers[question.id] = (options, None, None)
    submit_attempt(attempt, answers, actor=trainee, now=started + timedelta(minutes=rng.randint(5, 14)))


def _middle(shape: dict) -> tuple[float, float]:
    if shape["shape"] == "rect":
        return shape["x"] + shape["w"] / 2, shape["y"] + shape["h"] / 2
    if shape["shape"] == "circle":
        return shape["cx"], shape["cy"]
    xs, ys = zip(*shape["points"], strict=True)
    return sum(xs) / len(xs), sum(ys) / len(ys)


def seed() -> list[str]:
    """Create what is missing; return lines for the report."""
    workshop = demo_workshop()
    if workshop is None:
        return ["Quizzes: no published workshop of the demo organizer; nothing added."]
    counts = dict(
        db.session.execute(
            sa.select(Question.module_id, sa.func.count(Question.id))
            .where(Question.module_id.in_([m.id for m in workshop.modules]))
            .group_by(Question.module_id)
        ).all()
    )
    module = next((m for m in workshop.modules if counts.get(m.id, 0) >= 2), None)
    if module is None:
        return ["Quizzes: the demo workshop's modules have no questions; nothing added."]
    organizer = db.session.scalar(sa.select(User).where(User.email == ORGANIZER))
    pre = _quiz(workshop, QuizPurpose.PRE_TEST, module.id, counts[module.id], organizer)
    post = _quiz(workshop, QuizPurpose.POST_TEST, module.id, counts[module.id], organizer)
    db.session.flush()
    easiest = db.session.scalar(
        sa.select(Question.id).where(Question.module_id == module.id).order_by(Question.position, Question.id)
    )
    taken = 0
    for trainee in confirmed_trainees(workshop, order="name"):
        done = set(
            db.session.scalars(
                sa.select(Attempt.quiz_id).where(
                    Attempt.trainee_id == trainee.id, Attempt.quiz_id.in_([pre.id, post.id])
                )
            )
        )
        # Seeded by the trainee: the same demo story on every run (not a secret).
        rng = random.Random(trainee.id * 7919)  # nosec B311
        if pre.id not in done:
            _take(pre, trainee, skill=rng.uniform(0.25, 0.6), rng=rng, easiest=easiest)
            taken += 1
        if post.id not in done and trainee.email != TRY_IT_YOURSELF:
            _take(post, trainee, skill=rng.uniform(0.6, 0.95), rng=rng, easiest=easiest)
            taken += 1
    db.session.flush()
    return [
        f"Quizzes: {pre.title} and {post.title} of {module.code} on {workshop.title}; "
        f"{taken} attempt(s) added ({TRY_IT_YOURSELF} can take the post-test)."
    ]
