"""The assessments tables: OSATS ratings of a trainee's practical skill, and sign-offs.

One faculty member rates one trainee on one skill once per workshop (editing that
rating later, audited); a second rater makes an assessment of their own. A
certifying faculty member signs the skill off, naming the assessment that
justifies it; a sign-off is never deleted, only revoked (with who, when and why).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from training.assessments.scale import (
    DOMAIN_KEYS,
    ENTRUSTMENT_BY_LEVEL,
    ENTRUSTMENT_LEVELS,
    FLOOR_DOMAIN_SCORE,
    FLOOR_ENTRUSTMENT,
    HIGHEST,
    LOWEST,
)
from training.core.db import IdMixin, TimestampMixin, utcnow
from training.extensions import Model, db

if TYPE_CHECKING:
    from training.accounts.models import User
    from training.curriculum.models import Skill
    from training.workshops.models import Workshop, WorkshopSession


def _score_checks() -> list[sa.CheckConstraint]:
    checks = [
        # NULL: the domain does not apply to this station and stays out of the total.
        sa.CheckConstraint(f"{key} IS NULL OR {key} BETWEEN {LOWEST} AND {HIGHEST}", name=f"{key}_range")
        for key in DOMAIN_KEYS
    ]
    low, high = ENTRUSTMENT_LEVELS[0].level, ENTRUSTMENT_LEVELS[-1].level
    checks.append(sa.CheckConstraint(f"entrustment BETWEEN {low} AND {high}", name="entrustment_range"))
    return checks


class Assessment(IdMixin, TimestampMixin, Model):
    __tablename__ = "assessments"
    __table_args__ = (
        # Independent raters each keep one assessment; a change of mind is an audited edit.
        sa.UniqueConstraint("workshop_id", "trainee_id", "skill_id", "assessor_id"),
        sa.CheckConstraint("assessor_id <> trainee_id", name="not_self_assessed"),
        *_score_checks(),
        sa.Index("ix_assessments_workshop_id_skill_id", "workshop_id", "skill_id"),
    )

    workshop_id: Mapped[int] = mapped_column(sa.ForeignKey("workshops.id", ondelete="CASCADE"))
    # The session where the trainee was watched (required for new assessments; NULL only on
    # records made before the rule, which cannot back a sign-off).
    session_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("workshop_sessions.id", ondelete="SET NULL"), index=True
    )
    trainee_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    skill_id: Mapped[int] = mapped_column(sa.ForeignKey("skills.id"), index=True)
    assessor_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    # The skill's checklist, step id -> done; every step of the checklist is present.
    checklist: Mapped[dict[str, Any]] = mapped_column(default=dict)
    respect_for_tissue: Mapped[int | None] = mapped_column(sa.SmallInteger)
    time_and_motion: Mapped[int | None] = mapped_column(sa.SmallInteger)
    instrument_handling: Mapped[int | None] = mapped_column(sa.SmallInteger)
    knowledge_of_instruments: Mapped[int | None] = mapped_column(sa.SmallInteger)
    use_of_assistants: Mapped[int | None] = mapped_column(sa.SmallInteger)
    flow_of_operation: Mapped[int | None] = mapped_column(sa.SmallInteger)
    knowledge_of_procedure: Mapped[int | None] = mapped_column(sa.SmallInteger)
    entrustment: Mapped[int] = mapped_column(sa.SmallInteger)
    competent: Mapped[bool]
    feedback: Mapped[str] = mapped_column(sa.Text, default="")

    workshop: Mapped[Workshop] = relationship()
    session: Mapped[WorkshopSession | None] = relationship()
    trainee: Mapped[User] = relationship(foreign_keys=[trainee_id])
    skill: Mapped[Skill] = relationship()
    assessor: Mapped[User] = relationship(foreign_keys=[assessor_id])

    @property
    def scores(self) -> dict[str, int | None]:
        """Every domain's score; None where the domain does not apply."""
        return {key: getattr(self, key) for key in DOMAIN_KEYS}

    @property
    def total(self) -> int:
        return sum(value for value in self.scores.values() if value is not None)

    @property
    def max_total(self) -> int:
        return HIGHEST * sum(1 for value in self.scores.values() if value is not None)

    @property
    def total_text(self) -> str:
        """The total out of the applicable domains' maximum, e.g. "24/30"."""
        return f"{self.total}/{self.max_total}"

    @property
    def entrustment_words(self) -> str:
        return ENTRUSTMENT_BY_LEVEL[self.entrustment].words

    @property
    def steps_done(self) -> int:
        return sum(1 for done in self.checklist.values() if done)

    def snapshot(self) -> dict[str, Any]:
        """What an edit may change, for the audit log."""
        return {
            **self.scores,
            "entrustment": self.entrustment,
            "competent": self.competent,
            "feedback": self.feedback,
            "checklist": dict(self.checklist),
            "session_id": self.session_id,
        }


sign_off_assessments = sa.Table(
    "skill_sign_off_assessments",
    db.metadata,
    sa.Column("sign_off_id", sa.ForeignKey("skill_sign_offs.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("assessment_id", sa.ForeignKey("assessments.id"), primary_key=True, index=True),
)


class SkillSignOff(IdMixin, Model):
    """A certifying faculty member's attestation that a trainee masters a skill."""

    __tablename__ = "skill_sign_offs"
    __table_args__ = (
        # At most one standing sign-off per trainee, skill and workshop.
        sa.Index(
            "uq_skill_sign_offs_standing",
            "workshop_id",
            "trainee_id",
            "skill_id",
            unique=True,
            postgresql_where=sa.text("revoked_at IS NULL"),
            sqlite_where=sa.text("revoked_at IS NULL"),
        ),
        sa.CheckConstraint(
            "revoked_by_id IS NULL OR revoked_at IS NOT NULL",
            name="revocation_complete",
        ),
        sa.CheckConstraint("signed_by_id <> trainee_id", name="not_self_signed"),
    )

    workshop_id: Mapped[int] = mapped_column(sa.ForeignKey("workshops.id", ondelete="CASCADE"), index=True)
    trainee_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    skill_id: Mapped[int] = mapped_column(sa.ForeignKey("skills.id"), index=True)
    # The assessment whose ratings are kept on record as the evidence (on the certificate).
    assessment_id: Mapped[int] = mapped_column(sa.ForeignKey("assessments.id"), index=True)
    signed_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    signed_at: Mapped[datetime] = mapped_column(default=utcnow)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    revocation_reason: Mapped[str] = mapped_column(sa.Text, default="")

    workshop: Mapped[Workshop] = relationship()
    trainee: Mapped[User] = relationship(foreign_keys=[trainee_id])
    skill: Mapped[Skill] = relationship()
    assessment: Mapped[Assessment] = relationship(foreign_keys=[assessment_id])
    # Every assessment of the trainee and skill the certifier had before them when signing.
    assessments: Mapped[list[Assessment]] = relationship(
        secondary=sign_off_assessments, order_by="Assessment.id"
    )
    signed_by: Mapped[User] = relationship(foreign_keys=[signed_by_id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])

    @property
    def standing(self) -> bool:
        return self.revoked_at is None


class CompetenceStandard(IdMixin, TimestampMixin, Model):
    """The standard a sign-off must meet on one workshop, set in advance with its other
    certification rules. A workshop without a row uses the floor, which nobody may lower."""

    __tablename__ = "competence_standards"
    __table_args__ = (
        sa.CheckConstraint(
            f"min_domain_score BETWEEN {FLOOR_DOMAIN_SCORE} AND {HIGHEST}", name="min_domain_score_range"
        ),
        sa.CheckConstraint(
            f"required_entrustment BETWEEN {FLOOR_ENTRUSTMENT} AND {ENTRUSTMENT_LEVELS[-1].level}",
            name="required_entrustment_range",
        ),
    )

    workshop_id: Mapped[int] = mapped_column(sa.ForeignKey("workshops.id", ondelete="CASCADE"), unique=True)
    # No applicable OSATS domain may score below this.
    min_domain_score: Mapped[int] = mapped_column(sa.SmallInteger, default=FLOOR_DOMAIN_SCORE)
    # The O-SCORE level the evidence must reach or exceed.
    required_entrustment: Mapped[int] = mapped_column(sa.SmallInteger, default=FLOOR_ENTRUSTMENT)
