"""Grades: each trainee's grade on each quiz (the counting attempt, or a manual
override), the gradebook, and overriding a grade."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa

from training.accounts.models import User
from training.core import audit
from training.core.errors import InvalidInput, NotFound
from training.enrolments.models import Enrolment
from training.extensions import db
from training.quizzes import rules
from training.quizzes.models import Attempt, AttemptState, GradeOverride, Quiz
from training.quizzes.setup import workshop_quizzes
from training.workshops.models import Workshop
from training.workshops.services import confirmed_trainees

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


def filtered_gradebook(
    workshop: Workshop, *, quiz: str = "", status: str = "", q: str = ""
) -> tuple[list[Quiz], list[GradebookRow], dict[str, str]]:
    """The gradebook of the quiz (its id, or all quizzes) and of the trainees whose name or
    e-mail holds ``q`` and whose grades are in ``status`` (passed, not_passed, not_attempted).
    The filters come back as understood ("" when not filtering), for the page's links."""
    quizzes, rows = gradebook(workshop)
    q = q.strip()[:100]
    if quiz.isdigit() and int(quiz) in {each.id for each in quizzes}:
        quizzes = [each for each in quizzes if each.id == int(quiz)]
    else:
        quiz = ""
    if q:
        needle = q.casefold()
        rows = [r for r in rows if needle in r.trainee.full_name.casefold() or needle in r.trainee.email]
    if status == "passed":
        rows = [r for r in rows if all(r.cells[each.id].passed for each in quizzes)]
    elif status == "not_passed":
        rows = [r for r in rows if any(not r.cells[each.id].passed for each in quizzes)]
    elif status == "not_attempted":
        rows = [r for r in rows if any(r.cells[each.id].attempts_used == 0 for each in quizzes)]
    else:
        status = ""
    return quizzes, rows, {"quiz": quiz, "status": status, "q": q}


def grade_override(quiz: Quiz, trainee_id: int) -> GradeOverride | None:
    """The manual grade of the trainee on the quiz, if one was set."""
    return db.session.scalar(
        sa.select(GradeOverride).where(
            GradeOverride.quiz_id == quiz.id, GradeOverride.trainee_id == trainee_id
        )
    )


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
    if trainee is None:
        raise NotFound("That trainee is not in this workshop.")
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
