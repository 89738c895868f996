"""What assessments add up to: one trainee's record of a skill (raters side by side,
sign-offs, history), a workshop's skills matrix, and a trainee's progress."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from training.accounts.models import User
from training.assessments import rules
from training.assessments.models import Assessment, SkillSignOff
from training.assessments.rating import rating_of
from training.assessments.signing import assessments_of, standing_pairs
from training.assessments.teaching import workshop_skills
from training.core.audit import AuditEvent
from training.curriculum.models import Skill
from training.enrolments.models import Enrolment, EnrolmentState
from training.extensions import db
from training.workshops.models import Workshop

# One trainee's record of one skill ------------------------------------------------------------


@dataclass(frozen=True)
class SkillRecord:
    workshop: Workshop
    trainee: User
    skill: Skill
    assessments: list[Assessment]
    ratings: list[rules.Rating]
    disagreements: list[rules.Disagreement]
    split_judgement: bool
    sign_offs: list[SkillSignOff]  # newest first, revoked ones included
    history: list[AuditEvent]  # newest first

    @property
    def standing(self) -> SkillSignOff | None:
        return next((s for s in self.sign_offs if s.standing), None)

    def disagreeing(self, key: str) -> bool:
        return any(d.domain == key for d in self.disagreements)


def skill_record(workshop: Workshop, trainee: User, skill: Skill) -> SkillRecord:
    assessments = assessments_of(workshop, trainee.id, skill.id)
    ratings = [rating_of(a) for a in assessments]
    sign_offs = list(
        db.session.scalars(
            sa.select(SkillSignOff)
            .where(
                SkillSignOff.workshop_id == workshop.id,
                SkillSignOff.trainee_id == trainee.id,
                SkillSignOff.skill_id == skill.id,
            )
            .options(joinedload(SkillSignOff.signed_by), joinedload(SkillSignOff.revoked_by))
            .order_by(SkillSignOff.signed_at.desc(), SkillSignOff.id.desc())
        )
    )
    targets = [("assessments", a.id) for a in assessments] + [("skill_sign_offs", s.id) for s in sign_offs]
    history: list[AuditEvent] = []
    if targets:
        history = list(
            db.session.scalars(
                sa.select(AuditEvent)
                .where(sa.tuple_(AuditEvent.target_type, AuditEvent.target_id).in_(targets))
                .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                .limit(200)
            )
        )
    return SkillRecord(
        workshop,
        trainee,
        skill,
        assessments,
        ratings,
        rules.disagreements(ratings),
        rules.split_judgement(ratings),
        sign_offs,
        history,
    )


# The skills matrix ----------------------------------------------------------------------------


@dataclass(frozen=True)
class MatrixCell:
    assessed: int  # how many raters
    competent: int  # how many of them judged competent
    signed_off: bool


@dataclass(frozen=True)
class SkillsMatrix:
    skills: list[Skill]
    page: Any  # db.paginate of confirmed enrolments
    cells: dict[tuple[int, int], MatrixCell]  # (trainee id, skill id)
    signed_per_skill: dict[int, int]  # skill id -> trainees signed off (whole workshop)

    def cell(self, trainee_id: int, skill_id: int) -> MatrixCell:
        return self.cells.get((trainee_id, skill_id), MatrixCell(0, 0, False))


def _confirmed_count(workshop: Workshop) -> int:
    query = sa.select(sa.func.count(Enrolment.id)).where(
        Enrolment.workshop_id == workshop.id, Enrolment.state == EnrolmentState.CONFIRMED
    )
    return db.session.scalar(query) or 0


def skills_matrix(workshop: Workshop, *, page: int, per_page: int | None = 25) -> SkillsMatrix:
    """One page of confirmed trainees (``per_page=None``: all of them) against every skill."""
    skills = workshop_skills(workshop)
    enrolments = db.paginate(
        sa.select(Enrolment)
        .join(User, User.id == Enrolment.trainee_id)
        .where(Enrolment.workshop_id == workshop.id, Enrolment.state == EnrolmentState.CONFIRMED)
        .options(joinedload(Enrolment.trainee))
        .order_by(User.full_name, User.id),
        page=page,
        per_page=per_page or max(1, workshop.capacity, _confirmed_count(workshop)),
        error_out=False,
    )
    trainee_ids = [e.trainee_id for e in enrolments.items]
    cells: dict[tuple[int, int], MatrixCell] = {}
    if trainee_ids:
        counts = db.session.execute(
            sa.select(
                Assessment.trainee_id,
                Assessment.skill_id,
                sa.func.count(Assessment.id),
                sa.func.sum(sa.case((Assessment.competent.is_(True), 1), else_=0)),
            )
            .where(Assessment.workshop_id == workshop.id, Assessment.trainee_id.in_(trainee_ids))
            .group_by(Assessment.trainee_id, Assessment.skill_id)
        )
        for trainee_id, skill_id, assessed, competent in counts:
            cells[(trainee_id, skill_id)] = MatrixCell(int(assessed), int(competent or 0), False)
        for trainee_id, skill_id in standing_pairs(workshop, trainee_ids):
            cell = cells.get((trainee_id, skill_id), MatrixCell(0, 0, False))
            cells[(trainee_id, skill_id)] = MatrixCell(cell.assessed, cell.competent, True)
    per_skill = dict(
        db.session.execute(
            sa.select(SkillSignOff.skill_id, sa.func.count(SkillSignOff.id))
            .join(
                Enrolment,
                sa.and_(
                    Enrolment.workshop_id == SkillSignOff.workshop_id,
                    Enrolment.trainee_id == SkillSignOff.trainee_id,
                ),
            )
            .where(
                SkillSignOff.workshop_id == workshop.id,
                SkillSignOff.revoked_at.is_(None),
                Enrolment.state == EnrolmentState.CONFIRMED,
            )
            .group_by(SkillSignOff.skill_id)
        ).all()
    )
    return SkillsMatrix(skills, enrolments, cells, per_skill)


# A trainee's progress -------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    skills: list[rules.SkillProgress]
    feedback: Any  # a page of the trainee's assessments, newest first
    signed_off: int  # standing sign-offs, every workshop


def trainee_progress(trainee: User, *, page: int, per_page: int = 10) -> Progress:
    assessments = list(
        db.session.scalars(
            sa.select(Assessment)
            .where(Assessment.trainee_id == trainee.id)
            .options(
                joinedload(Assessment.workshop),
                joinedload(Assessment.skill).joinedload(Skill.module),
                joinedload(Assessment.assessor),
            )
        ).unique()
    )
    standing = {
        (row.workshop_id, row.skill_id)
        for row in db.session.execute(
            sa.select(SkillSignOff.workshop_id, SkillSignOff.skill_id).where(
                SkillSignOff.trainee_id == trainee.id, SkillSignOff.revoked_at.is_(None)
            )
        )
    }
    entries = [
        rules.ProfileEntry(
            identity=a.skill.identity,
            skill_title=a.skill.title,
            workshop_id=a.workshop_id,
            workshop_title=a.workshop.title,
            workshop_starts_on=a.workshop.starts_on,
            rating=rating_of(a),
            signed_off=(a.workshop_id, a.skill_id) in standing,
        )
        for a in assessments
    ]
    feedback = db.paginate(
        sa.select(Assessment)
        .where(Assessment.trainee_id == trainee.id)
        .options(
            joinedload(Assessment.workshop),
            joinedload(Assessment.skill).joinedload(Skill.module),
            joinedload(Assessment.assessor),
        )
        .order_by(Assessment.updated_at.desc(), Assessment.id.desc()),
        page=page,
        per_page=per_page,
        error_out=False,
    )
    return Progress(rules.progress(entries), feedback, len(standing))
