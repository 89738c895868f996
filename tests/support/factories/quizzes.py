"""Quizzes factories: quizzes on a workshop and real, graded attempts.

``make.quiz(workshop)`` draws every question of the workshop's modules, passes at
70%, one attempt, open now. ``make.passed_quiz(quiz, trainee)`` takes and submits
a real attempt answering everything right (enrolling the trainee if needed), so
certificates can build eligible trainees; ``make.attempt(...)`` chooses which
questions are right.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import Flask

from tests.support.factories.base import sequence
from training.accounts.models import User
from training.curriculum.models import Question, QuestionKind
from training.enrolments.models import Enrolment, EnrolmentState
from training.extensions import db
from training.quizzes import services
from training.quizzes.models import Attempt, Quiz
from training.workshops.models import Workshop


def right_answer(question: Question) -> tuple[list[str], str | None, str | None]:
    if question.kind is QuestionKind.HOTSPOT:
        shape = question.hotspots[0]
        if shape["shape"] == "rect":
            return [], str(shape["x"] + shape["w"] / 2), str(shape["y"] + shape["h"] / 2)
        if shape["shape"] == "circle":
            return [], str(shape["cx"]), str(shape["cy"])
        xs, ys = zip(*shape["points"], strict=True)
        return [], str(sum(xs) / len(xs)), str(sum(ys) / len(ys))
    correct = question.correct_option_ids
    return (correct if question.kind is QuestionKind.MULTIPLE else correct[:1]), None, None


def wrong_answer(question: Question) -> tuple[list[str], str | None, str | None]:
    if question.kind is QuestionKind.HOTSPOT:
        return [], "0", "0"
    wrong = [o["id"] for o in question.options if not o.get("correct")]
    return wrong[:1], None, None


class QuizzesFactories:
    app: Flask

    def quiz(self, workshop: Workshop, *, modules: list[Any] | None = None, **settings: Any) -> Quiz:
        """A quiz through the real service; ``settings`` are QuizSettings fields."""
        with self.app.test_request_context():
            workshop = db.session.merge(workshop)
            chosen = modules if modules is not None else list(workshop.modules)
            module_ids = [m.id for m in chosen]
            pool = len(services.question_pool(module_ids))
            data = services.QuizSettings(
                title=settings.pop("title", f"Quiz {sequence()}"),
                module_ids=module_ids,
                question_count=settings.pop("question_count", pool),
                pass_percent=Decimal(str(settings.pop("pass_percent", "70"))),
                **settings,
            )
            quiz = services.create_quiz(workshop, data, actor=None)
            db.session.commit()
            quiz_id = quiz.id
        with self.app.app_context():
            return db.session.get(Quiz, quiz_id)

    def attempt(
        self,
        quiz: Quiz,
        trainee: User | None = None,
        *,
        right: bool | Iterable[int] | Callable[[Question], bool] = True,
        submit: bool = True,
        seed: int | None = None,
    ) -> Attempt:
        """A real attempt by ``trainee`` (a new confirmed trainee if None): questions
        answered right when ``right`` says so (True, False, a set of question ids,
        or a predicate), then submitted and graded unless ``submit=False``."""
        trainee = trainee or self.enrolment(quiz.workshop).trainee  # type: ignore[attr-defined]
        with self.app.test_request_context():
            quiz = db.session.merge(quiz)
            trainee = db.session.merge(trainee)
            enrolled = db.session.scalar(
                sa.select(Enrolment).where(
                    Enrolment.workshop_id == quiz.workshop_id, Enrolment.trainee_id == trainee.id
                )
            )
            if enrolled is None or enrolled.state is not EnrolmentState.CONFIRMED:
                self.enrolment(quiz.workshop, trainee)  # type: ignore[attr-defined]
            attempt = services.start_attempt(quiz, actor=trainee, seed=seed)
            answers = {}
            for item in attempt.questions:
                question = item.question
                if callable(right):
                    is_right = right(question)
                elif isinstance(right, bool):
                    is_right = right
                else:
                    is_right = question.id in set(right)
                answers[question.id] = right_answer(question) if is_right else wrong_answer(question)
            if submit:
                services.submit_attempt(attempt, answers, actor=trainee)
            else:
                for question_id, (options, x, y) in answers.items():
                    services.save_answer(attempt, question_id, options, x, y, actor=trainee)
            db.session.commit()
            attempt_id = attempt.id
        with self.app.app_context():
            return db.session.get(Attempt, attempt_id)

    def passed_quiz(self, quiz: Quiz, trainee: User) -> Attempt:
        """A real graded attempt with every answer right: the trainee passes ``quiz``."""
        attempt = self.attempt(quiz, trainee, right=True)
        assert attempt.passed, "every answer right should pass"
        return attempt
