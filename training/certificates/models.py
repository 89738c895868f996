"""The certificates tables: rules, course evaluations, confirmed names and certificates."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask_babel import gettext
from sqlalchemy.orm import Mapped, mapped_column, relationship

from training.accounts.personal_data import ERASED_HOLDER
from training.core.db import IdMixin, TimestampMixin, enum_column
from training.core.i18n import LANGUAGE_NAMES, language_code
from training.extensions import Model

if TYPE_CHECKING:
    from training.accounts.models import User
    from training.workshops.models import Workshop


class CertificateKind(enum.Enum):
    ATTENDANCE = "attendance"  # with the CME credit hours earned
    COMPETENCE = "competence"  # naming the skills signed off

    @property
    def label(self) -> str:
        return {
            "attendance": gettext("Certificate of attendance"),
            "competence": gettext("Certificate of competence"),
        }[self.value]

    @property
    def english_label(self) -> str:
        """The label in English whatever the reader's language: for records that say
        they are in English (the Open Badges credential, ``inLanguage: en``)."""
        names = {"attendance": "Certificate of attendance", "competence": "Certificate of competence"}
        return names[self.value]

    @property
    def plural(self) -> str:
        return {
            "attendance": gettext("Certificates of attendance"),
            "competence": gettext("Certificates of competence"),
        }[self.value]


class CertificateState(enum.Enum):
    VALID = "valid"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"  # re-issued after a correction: see ``superseded_by``

    @property
    def label(self) -> str:
        return {
            "valid": gettext("Valid"),
            "revoked": gettext("Revoked"),
            "superseded": gettext("Superseded"),
        }[self.value]


class QuizPolicy(enum.Enum):
    MARKED = "marked"  # the quizzes marked "required for the certificate"
    ALL = "all"  # every quiz of the workshop
    NONE = "none"

    @property
    def label(self) -> str:
        return {
            "marked": gettext("The quizzes marked as required for the certificate"),
            "all": gettext("Every quiz of the workshop"),
            "none": gettext("No quiz"),
        }[self.value]


def certificate_languages(snapshot: dict[str, Any]) -> list[str]:
    """The languages a certificate is written in: its holder's, then English when it is
    bilingual. A snapshot from before languages were recorded is in English."""
    language = language_code(snapshot.get("language")) or "en"
    return [language, "en"] if snapshot.get("bilingual") and language != "en" else [language]


class CertificationRules(IdMixin, TimestampMixin, Model):
    """What a workshop's certificates require, beyond the attendance threshold and
    mandatory sessions (kept by attendance). A workshop without a row uses the defaults."""

    __tablename__ = "certification_rules"

    workshop_id: Mapped[int] = mapped_column(sa.ForeignKey("workshops.id", ondelete="CASCADE"), unique=True)
    quiz_policy: Mapped[QuizPolicy] = enum_column(QuizPolicy, default=QuizPolicy.MARKED)
    # Skill identities ("MODULE-CODE/skill-key") the certificate of competence requires;
    # None: every skill of the workshop's modules.
    required_skills: Mapped[list[str] | None]
    evaluation_required: Mapped[bool] = mapped_column(default=False)
    competence_enabled: Mapped[bool] = mapped_column(default=True)
    # Certificates in English as well as in their holder's language.
    bilingual: Mapped[bool] = mapped_column(default=False, server_default=sa.false())


class CertificateName(IdMixin, TimestampMixin, Model):
    """The name exactly as the trainee confirmed it must appear on this workshop's certificates."""

    __tablename__ = "certificate_names"
    __table_args__ = (sa.UniqueConstraint("workshop_id", "trainee_id"),)

    workshop_id: Mapped[int] = mapped_column(sa.ForeignKey("workshops.id", ondelete="CASCADE"))
    trainee_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    confirmed_at: Mapped[datetime]


class CourseEvaluation(IdMixin, Model):
    """A trainee's evaluation of a workshop: answered once."""

    __tablename__ = "course_evaluations"
    __table_args__ = (
        sa.UniqueConstraint("workshop_id", "trainee_id"),
        sa.CheckConstraint("overall BETWEEN 1 AND 5", name="overall_in_range"),
    )

    workshop_id: Mapped[int] = mapped_column(sa.ForeignKey("workshops.id", ondelete="CASCADE"))
    trainee_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    overall: Mapped[int]
    comments: Mapped[str] = mapped_column(sa.Text, default="")
    submitted_at: Mapped[datetime]

    ratings: Mapped[list[EvaluationRating]] = relationship(
        back_populates="evaluation", cascade="all, delete-orphan"
    )


class RatingTarget(enum.Enum):
    SESSION = "session"
    FACULTY = "faculty"


class EvaluationRating(IdMixin, Model):
    """One rating (1-5) of a session or of a faculty member, within an evaluation."""

    __tablename__ = "evaluation_ratings"
    __table_args__ = (
        sa.UniqueConstraint("evaluation_id", "target", "target_id"),
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name="rating_in_range"),
        sa.Index("ix_evaluation_ratings_target", "target", "target_id"),
    )

    evaluation_id: Mapped[int] = mapped_column(sa.ForeignKey("course_evaluations.id", ondelete="CASCADE"))
    target: Mapped[RatingTarget] = enum_column(RatingTarget)
    target_id: Mapped[int]  # a workshop session's id, or a faculty member's user id
    rating: Mapped[int]

    evaluation: Mapped[CourseEvaluation] = relationship(back_populates="ratings")


class Certificate(IdMixin, TimestampMixin, Model):
    """An issued certificate: a frozen snapshot and the signed PDF rendered once from it."""

    __tablename__ = "certificates"
    __table_args__ = (
        # One live certificate of a kind per trainee and workshop: issuing twice is refused
        # by the database too. Revoked and superseded ones step aside.
        sa.Index(
            "uq_certificates_live",
            "workshop_id",
            "trainee_id",
            "kind",
            unique=True,
            sqlite_where=sa.text("state = 'valid'"),
            postgresql_where=sa.text("state = 'valid'"),
        ),
        sa.Index("ix_certificates_workshop_id_trainee_id", "workshop_id", "trainee_id"),
        # The registry lists newest first, and its search scans serials with the ids it
        # matches names and workshops against: both without reading the snapshots.
        sa.Index("ix_certificates_issued_at_id", "issued_at", "id"),
        sa.Index("ix_certificates_registry_search", "serial", "trainee_id", "workshop_id"),
        sa.CheckConstraint("(state = 'revoked') = (revoked_at IS NOT NULL)", name="revoked_has_date"),
        sa.CheckConstraint(
            "(state = 'superseded') = (superseded_at IS NOT NULL)", name="superseded_has_date"
        ),
    )

    serial: Mapped[str] = mapped_column(sa.String(24), unique=True)
    workshop_id: Mapped[int] = mapped_column(sa.ForeignKey("workshops.id"))
    trainee_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    kind: Mapped[CertificateKind] = enum_column(CertificateKind)
    state: Mapped[CertificateState] = enum_column(CertificateState, default=CertificateState.VALID)
    # What it certifies, frozen at issue (name, workshop, dates, venue, modules,
    # credit hours, skills with their OSATS evidence, certifiers, issue date).
    snapshot: Mapped[dict[str, Any]]
    # The storage key of the stored PDF (core/storage.py), and its digest.
    pdf_file: Mapped[str] = mapped_column(sa.String(200))
    pdf_sha256: Mapped[str] = mapped_column(sa.String(64))
    issued_at: Mapped[datetime]
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # Public: shown on the verification page (a reason from REVOCATION_REASONS, then any
    # details the certifier chose to publish).
    revocation_reason: Mapped[str] = mapped_column(sa.Text, default="")
    revocation_code: Mapped[str | None] = mapped_column(sa.String(40))
    # Staff only: what lay behind the revocation, never shown publicly.
    revocation_note: Mapped[str] = mapped_column(sa.Text, default="")
    superseded_at: Mapped[datetime | None]
    # A re-issue points at the certificate it replaces (which is then superseded).
    supersedes_id: Mapped[int | None] = mapped_column(sa.ForeignKey("certificates.id"), unique=True)

    workshop: Mapped[Workshop] = relationship()
    trainee: Mapped[User] = relationship(foreign_keys=[trainee_id])
    issued_by: Mapped[User | None] = relationship(foreign_keys=[issued_by_id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])
    supersedes: Mapped[Certificate | None] = relationship(
        remote_side="Certificate.id", back_populates="superseded_by"
    )
    superseded_by: Mapped[Certificate | None] = relationship(back_populates="supersedes", uselist=False)

    @property
    def holder_name(self) -> str:
        """The name it was issued to, or, once the holder's data is erased, only that it was issued."""
        if self.snapshot.get("holder_erased"):
            return ERASED_HOLDER
        return str(self.snapshot.get("name", ""))

    @property
    def language_names(self) -> list[str]:
        """The languages it is written in, each by its own name ("Español + English")."""
        return [LANGUAGE_NAMES[code] for code in certificate_languages(self.snapshot)]


class CertificateDesign(IdMixin, TimestampMixin, Model):
    """The programme's own seal or logo on its certificates: one row (id 1), none
    until an admin uploads one (the default seal is printed meanwhile). A replaced
    image's file stays: the snapshots of certificates issued with it name it."""

    __tablename__ = "certificate_design"
    __table_args__ = (sa.CheckConstraint("id = 1", name="one_row"),)

    seal_file: Mapped[str | None] = mapped_column(sa.String(40))  # a name made by core/uploads.py
    seal_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))


class CertifierSignature(IdMixin, TimestampMixin, Model):
    """The image of a person's signature, printed above their name on the
    certificates they issue from now on (issued ones keep the image they were issued with)."""

    __tablename__ = "certifier_signatures"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    file: Mapped[str] = mapped_column(sa.String(40))  # a name made by core/uploads.py
    sha256: Mapped[str] = mapped_column(sa.String(64))
