"""A trainee's own progress on one workshop: attendance so far, quizzes, skills and what
each certificate still needs.

Read from the same evidence (``evidence.gather``, the capabilities' providers) and the
same rule (``services.results_of``) as the certifying faculty's eligibility table, so the
trainee is never told something different from what certification decides. A fixed
number of queries, however many sessions, quizzes and skills the workshop has.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import lazyload

from training.accounts.models import User
from training.certificates import rules, services
from training.certificates.evidence import gather
from training.certificates.models import Certificate, CertificateKind, CertificateState
from training.core.db import utcnow
from training.core.evidence import AttendanceEvidence, QuizEvidence, SkillEvidence
from training.enrolments.models import Enrolment, EnrolmentState
from training.extensions import db
from training.workshops.models import Workshop, WorkshopState

# How long after a workshop ends the dashboard still lists it: certificates come after.
RECENT = timedelta(days=60)


@dataclass(frozen=True)
class QuizLine:
    quiz: QuizEvidence
    required: bool  # counts for the certificates, by the workshop's quiz policy


@dataclass(frozen=True)
class SkillLine:
    skill: SkillEvidence
    required: bool  # named on the certificate of competence


@dataclass(frozen=True)
class Progress:
    workshop: Workshop
    attendance: AttendanceEvidence | None
    quizzes: tuple[QuizLine, ...]
    skills: tuple[SkillLine, ...]
    results: dict[CertificateKind, rules.Eligibility]
    certificates: dict[CertificateKind, Certificate]  # valid ones, by kind
    confirmed_name: str | None
    evaluation_done: bool
    evaluation_required: bool

    @property
    def quizzes_passed(self) -> int:
        return sum(1 for line in self.quizzes if line.quiz.passed)

    @property
    def skills_signed_off(self) -> int:
        return sum(1 for line in self.skills if line.skill.signed_off)


def trainee_progress(workshop: Workshop, trainee: User) -> Progress:
    """``trainee``'s progress on ``workshop``, where they hold a confirmed seat."""
    evidence = gather(workshop, [trainee])[trainee.id]
    needs = services.requirements(workshop)
    counted = {q.quiz_id for q in rules.required_quizzes(needs.quiz_policy, evidence.quizzes)}
    named = {s.identity for s in needs.required_skills} if needs.competence_enabled else set()
    certificates = db.session.scalars(
        sa.select(Certificate).where(
            Certificate.workshop_id == workshop.id,
            Certificate.trainee_id == trainee.id,
            Certificate.state == CertificateState.VALID,
        )
    )
    return Progress(
        workshop=workshop,
        attendance=evidence.attendance,
        quizzes=tuple(QuizLine(q, q.quiz_id in counted) for q in evidence.quizzes),
        skills=tuple(SkillLine(s, s.identity in named) for s in evidence.skills),
        results=services.results_of(needs, evidence, utcnow()),
        certificates={c.kind: c for c in certificates},
        confirmed_name=evidence.confirmed_name,
        evaluation_done=evidence.evaluation_done,
        evaluation_required=needs.evaluation_required,
    )


def progress_workshops(trainee: User, *, limit: int = 5) -> list[Workshop]:
    """The workshops whose progress the trainee follows: confirmed seats on workshops
    running, to come or ended lately, soonest first (one query, for the dashboard)."""
    since = utcnow().date() - RECENT
    return list(
        db.session.scalars(
            sa.select(Workshop)
            .join(Enrolment, Enrolment.workshop_id == Workshop.id)
            .where(
                Enrolment.trainee_id == trainee.id,
                Enrolment.state == EnrolmentState.CONFIRMED,
                Workshop.state.in_([WorkshopState.PUBLISHED, WorkshopState.COMPLETED]),
                Workshop.ends_on >= since,
            )
            .options(lazyload(Workshop.staff))  # a list of titles: no staff needed
            .order_by(Workshop.starts_on, Workshop.id)
            .limit(limit)
        )
    )
