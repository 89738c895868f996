"""What certificates need from the quizzes, for a whole workshop at once."""

from __future__ import annotations

from training.accounts.models import User
from training.core.evidence import QuizEvidence
from training.quizzes.grading import grades
from training.quizzes.setup import workshop_quizzes
from training.workshops.models import Workshop
from training.workshops.services import confirmed_trainees


def quiz_evidence(workshop: Workshop, trainees: list[User] | None = None) -> dict[int, list[QuizEvidence]]:
    """Every confirmed trainee -> one QuizEvidence per quiz of the workshop.

    A constant number of queries (quizzes, trainees, attempts, overrides) however
    many trainees and attempts. The score follows the quiz's grading method, a
    manual override replacing it; attempts still in progress count as used.
    """
    quizzes = workshop_quizzes(workshop)
    if trainees is None:
        trainees = confirmed_trainees(workshop, order="name")
    cells = grades(workshop, quizzes, trainees)
    return {
        trainee.id: [
            QuizEvidence(
                quiz_id=quiz.id,
                title=quiz.title,
                required_for_certificate=quiz.required_for_certificate,
                passed=cells[trainee.id][quiz.id].passed,
                score_percent=cells[trainee.id][quiz.id].percent,
                attempts_used=cells[trainee.id][quiz.id].attempts_used,
            )
            for quiz in quizzes
        ]
        for trainee in trainees
    }
