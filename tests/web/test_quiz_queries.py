"""The quiz pages run a fixed, small number of SQL statements however much data there
is, and item analysis stays fast over 10,000 attempts (aggregate queries)."""

import random
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from tests.support.statements import recorded_statements
from training.core.db import utcnow
from training.extensions import db
from training.quizzes import services
from training.quizzes.models import Attempt, AttemptQuestion, AttemptState, QuizPurpose


def grow(make, workshop, pre, post, trainees):
    for _ in range(trainees):
        trainee = make.enrolment(workshop).trainee
        make.attempt(pre, trainee, right=lambda q: q.position % 2 == 0)
        make.attempt(post, trainee, right=True)
    return trainee


def test_statements_per_page_do_not_grow_with_data(app, client, make):
    version = make.curriculum_version(["ANAT-101"], questions_per_module=4)
    workshop = make.workshop(version=version)
    module = version.modules[0]
    pre = make.quiz(workshop, purpose=QuizPurpose.PRE_TEST, purpose_module_id=module.id, max_attempts=3)
    post = make.quiz(workshop, purpose=QuizPurpose.POST_TEST, purpose_module_id=module.id, max_attempts=3)
    counts = []
    for size in (2, 6):
        trainee = grow(make, workshop, pre, post, size)
        attempt = db.session.scalar(sa.select(Attempt).where(Attempt.trainee_id == trainee.id).limit(1))
        pages = {
            "gradebook": (workshop.teacher, f"/workshops/{workshop.id}/gradebook"),
            "csv": (workshop.teacher, f"/workshops/{workshop.id}/gradebook.csv"),
            "gain": (workshop.teacher, f"/workshops/{workshop.id}/knowledge-gain"),
            "analysis": (workshop.teacher, f"/quizzes/{post.id}/analysis"),
            "quiz": (trainee, f"/quizzes/{post.id}"),
            "list": (trainee, f"/workshops/{workshop.id}/quizzes"),
            "result": (trainee, f"/attempts/{attempt.id}/result"),
        }
        measured = {}
        for name, (user, url) in pages.items():
            client.login(user)
            with recorded_statements(app) as statements:
                response = client.get(url)
            assert response.status_code == 200, name
            measured[name] = len(statements)
        counts.append(measured)
    assert counts[0] == counts[1]
    assert max(counts[1].values()) <= 15, counts[1]


@pytest.mark.slow
def test_item_analysis_over_ten_thousand_attempts(ctx, make):
    version = make.curriculum_version(["ANAT-101"], questions_per_module=10)
    workshop = make.workshop(version=version)
    quiz = db.session.merge(make.quiz(workshop, question_count=5))
    trainee = make.enrolment(workshop).trainee
    questions = [(q.id, q.position) for q in quiz.modules[0].questions]
    rng = random.Random(7)
    now = utcnow() - timedelta(days=1)
    attempts, items = [], []
    for number in range(1, 10_001):
        drawn = rng.sample(questions, 5)
        scores = [Decimal(1) if rng.random() < 0.3 + 0.07 * position else Decimal(0) for _, position in drawn]
        total = sum(scores)
        attempts.append(
            {
                "id": number + 100_000,
                "quiz_id": quiz.id,
                "trainee_id": trainee.id,
                "number": number,
                "state": AttemptState.GRADED,
                "started_at": now,
                "submitted_at": now,
                "graded_at": now,
                "closed_by": "trainee",
                "score": total,
                "max_score": 5,
                "percent": total * 20,
                "passed": total >= 4,
            }
        )
        for position, ((question_id, _), score) in enumerate(zip(drawn, scores, strict=True)):
            items.append(
                {
                    "attempt_id": number + 100_000,
                    "question_id": question_id,
                    "position": position,
                    "option_order": ["a", "b", "c"],
                    "response": {"options": ["a" if score else "b"]},
                    "choice_key": "a" if score else "b",
                    "answered_at": now,
                    "score": score,
                }
            )
    db.session.execute(sa.insert(Attempt), attempts)
    db.session.execute(sa.insert(AttemptQuestion), items)
    db.session.flush()
    analysis = services.item_analysis(quiz)
    assert analysis.attempts == 10_000
    assert sum(row.stats.n for row in analysis.items) == 50_000
    facilities = [row.stats.facility for row in sorted(analysis.items, key=lambda r: r.question.position)]
    assert facilities == sorted(facilities)  # built easier and easier by position
    assert all(row.options[0].count + row.options[1].count == row.stats.n for row in analysis.items)
