"""Everything certificates know about a workshop's trainees, gathered once.

Attendance, quizzes and skill sign-offs come from their capabilities' providers
(one call per workshop each, see ``training.core.evidence``); the course
evaluation and the confirmed name are ours. The result feeds the pure rule
``rules.eligibility`` and, at issue, the certificate's frozen snapshot.
"""

from __future__ import annotations

import sqlalchemy as sa

from training.accounts.models import User
from training.assessments import evidence as assessments
from training.attendance import evidence as attendance
from training.certificates.models import CertificateName, CourseEvaluation
from training.certificates.rules import TraineeEvidence
from training.enrolments.models import Enrolment
from training.extensions import db
from training.quizzes import evidence as quizzes
from training.workshops.models import Workshop
from training.workshops.services import confirmed_trainees


def gather(workshop: Workshop, trainees: list[User] | None = None) -> dict[int, TraineeEvidence]:
    """One ``TraineeEvidence`` per confirmed trainee (or per trainee given), keyed by id."""
    if trainees is None:
        trainees = confirmed_trainees(workshop, order="name")
    # Called through their modules, so that a test (or a later provider) replaces them in one place.
    attended = attendance.attendance_evidence(workshop, trainees)
    quizzes_taken = quizzes.quiz_evidence(workshop, trainees)
    skills = assessments.skill_evidence(workshop, trainees)
    # The confirmed name and whether the evaluation was answered, for every enrolled trainee at once.
    steps = {
        trainee_id: (name, evaluation_id is not None)
        for trainee_id, name, evaluation_id in db.session.execute(
            sa.select(Enrolment.trainee_id, CertificateName.name, CourseEvaluation.id)
            .outerjoin(
                CertificateName,
                sa.and_(
                    CertificateName.workshop_id == Enrolment.workshop_id,
                    CertificateName.trainee_id == Enrolment.trainee_id,
                ),
            )
            .outerjoin(
                CourseEvaluation,
                sa.and_(
                    CourseEvaluation.workshop_id == Enrolment.workshop_id,
                    CourseEvaluation.trainee_id == Enrolment.trainee_id,
                ),
            )
            .where(Enrolment.workshop_id == workshop.id)
        )
    }
    return {
        trainee.id: TraineeEvidence(
            trainee_id=trainee.id,
            account_name=trainee.full_name,
            confirmed_name=steps.get(trainee.id, (None, False))[0],
            attendance=attended.get(trainee.id),
            quizzes=tuple(quizzes_taken.get(trainee.id, ())),
            skills=tuple(skills.get(trainee.id, ())),
            evaluation_done=steps.get(trainee.id, (None, False))[1],
        )
        for trainee in trainees
    }
