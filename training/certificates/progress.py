"""A trainee's own progress on one workshop: attendance so far, quizzes, skills and what
each certificate still needs.

Read from the same evidence (``evidence.gather``, the capabilities' providers) and the
same rule (``eligibility.results_of``) as the certifying faculty's eligibility table, so the
trainee is never told something different from what certification decides. A fixed
number of queries, however many sessions, quizzes and skills the workshop has.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import lazyload

from training.accounts.models import User
from training.certificates import rules
from training.certificates.eligibility import results_of, trainee_eligibility
from training.certificates.evaluations import evaluation_of
from training.certificates.evidence import gather
from training.certificates.models import Certificate, CertificateKind
from training.certificates.names import confirmed_name, is_confirmed_trainee
from training.certificates.registry import valid_certificates_held
from training.certificates.requirements import requirements, rules_of
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
    needs = requirements(workshop)
    counted = {q.quiz_id for q in rules.required_quizzes(needs.quiz_policy, evidence.quizzes)}
    named = {s.identity for s in needs.required_skills} if needs.competence_enabled else set()
    certificates = valid_certificates_held(workshop, trainee)
    return Progress(
        workshop=workshop,
        attendance=evidence.attendance,
        quizzes=tuple(QuizLine(q, q.quiz_id in counted) for q in evidence.quizzes),
        skills=tuple(SkillLine(s, s.identity in named) for s in evidence.skills),
        results=results_of(needs, evidence, utcnow()),
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


@dataclass(frozen=True)
class TraineePanel:
    enrolled: bool
    name: str | None
    evaluated: bool
    evaluation_required: bool
    certificates: list[Certificate]
    # What the trainee meets and still misses for each kind: the certifying faculty's words.
    results: dict[CertificateKind, rules.Eligibility]


def trainee_panel(workshop: Workshop, trainee: User) -> TraineePanel | None:
    """The certificates panel a trainee sees on the workshop's page; None unless they
    hold a confirmed seat on it."""
    if not is_confirmed_trainee(workshop, trainee):
        return None
    name = confirmed_name(workshop, trainee)
    row = rules_of(workshop)
    return TraineePanel(
        enrolled=True,
        name=name.name if name else None,
        evaluated=evaluation_of(workshop, trainee) is not None,
        evaluation_required=bool(row and row.evaluation_required),
        certificates=valid_certificates_held(workshop, trainee),
        results=trainee_eligibility(workshop, trainee),
    )
