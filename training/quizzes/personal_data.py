"""The quizzes section of a person's data: attempts with their answers, accommodations
and grade overrides."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import selectinload

from training.accounts.models import User
from training.accounts.personal_data import forget_history, held_by, section
from training.quizzes.models import Accommodation, Attempt, AttemptQuestion, GradeOverride

WITH_ANSWERS = selectinload(Attempt.questions).selectinload(AttemptQuestion.question)


def erase_quizzes(user: User) -> None:
    """Attempts and answers stay, unnamed (pass rates and item analysis count them);
    the notes and reasons written about the person go."""
    for accommodation in held_by(Accommodation, user):
        accommodation.note = ""
    overrides = held_by(GradeOverride, user)
    for override in overrides:
        override.reason = ""
    forget_history("quiz_attempts", [a.id for a in held_by(Attempt, user)])
    forget_history("quiz_accommodations", [c.id for c in held_by(Accommodation, user)])
    forget_history("quiz_grade_overrides", [o.id for o in overrides])


@section("quizzes", erase=erase_quizzes)
def export_quizzes(user: User) -> dict[str, Any]:
    return {
        "attempts": [
            {
                "quiz": a.quiz.title,
                "workshop": a.quiz.workshop.title,
                "number": a.number,
                "state": a.state,
                "started_at": a.started_at,
                "submitted_at": a.submitted_at,
                "score": a.score,
                "max_score": a.max_score,
                "percent": a.percent,
                "passed": a.passed,
                "answers": [
                    {
                        "position": item.position,
                        "question": item.question.stem,
                        "response": item.response,
                        "answered_at": item.answered_at,
                        "score": item.score,
                    }
                    for item in sorted(a.questions, key=lambda item: item.position)
                ],
            }
            for a in held_by(Attempt, user, WITH_ANSWERS)
        ],
        "accommodations": [
            {
                "workshop_id": c.workshop_id,
                "time_factor": c.time_factor,
                "extra_attempts": c.extra_attempts,
                "note": c.note,
            }
            for c in held_by(Accommodation, user)
        ],
        "grade_overrides": [
            {"quiz_id": o.quiz_id, "percent": o.percent, "reason": o.reason, "set_at": o.created_at}
            for o in held_by(GradeOverride, user)
        ],
    }
