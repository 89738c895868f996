"""The quizzes tables: quizzes of a workshop, accommodations, attempts and their answers.

An attempt draws its questions when it starts (``AttemptQuestion`` rows, with the
option order shown to the trainee); answers are saved on those rows as the trainee
goes, so a reload loses nothing, and only drawn questions can be answered.
Scores are kept as fractions of a question (0..1) and as a percentage per attempt.
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask_babel import gettext
from sqlalchemy.orm import Mapped, mapped_column, relationship

from training.core.db import IdMixin, TimestampMixin, enum_column, utcnow
from training.extensions import Model, db

if TYPE_CHECKING:
    from training.accounts.models import User
    from training.curriculum.models import Module, Question
    from training.workshops.models import Workshop


class GradingMethod(enum.Enum):
    HIGHEST = "highest"
    FIRST = "first"
    LAST = "last"

    @property
    def label(self) -> str:
        return {
            "highest": gettext("Highest attempt"),
            "first": gettext("First attempt"),
            "last": gettext("Last attempt"),
        }[self.value]


class FeedbackTiming(enum.Enum):
    IMMEDIATE = "immediate"  # right after submitting
    AFTER_CLOSE = "after_close"  # once the availability window has closed
    NEVER = "never"  # score and pass or fail only

    @property
    def label(self) -> str:
        return {
            "immediate": gettext("Immediately after submitting"),
            "after_close": gettext("After the quiz closes"),
            "never": gettext("Never (score only)"),
        }[self.value]


class QuizPurpose(enum.Enum):
    PRACTICE = "practice"
    PRE_TEST = "pre_test"  # before a module: the baseline of the knowledge gain
    POST_TEST = "post_test"  # after it

    @property
    def label(self) -> str:
        return {
            "practice": gettext("Quiz"),
            "pre_test": gettext("Pre-test"),
            "post_test": gettext("Post-test"),
        }[self.value]


class AttemptState(enum.Enum):
    IN_PROGRESS = "in_progress"
    GRADED = "graded"


quiz_modules = sa.Table(
    "quiz_modules",
    db.metadata,
    sa.Column("quiz_id", sa.ForeignKey("quizzes.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("module_id", sa.ForeignKey("modules.id"), primary_key=True, index=True),
)


class Quiz(IdMixin, TimestampMixin, Model):
    __tablename__ = "quizzes"
    __table_args__ = (
        sa.CheckConstraint("question_count >= 1", name="question_count_positive"),
        sa.CheckConstraint(
            "time_limit_minutes IS NULL OR time_limit_minutes >= 1", name="time_limit_positive"
        ),
        sa.CheckConstraint("pass_percent >= 0 AND pass_percent <= 100", name="pass_percent_range"),
        sa.CheckConstraint("max_attempts >= 1", name="max_attempts_positive"),
        sa.CheckConstraint(
            "closes_at IS NULL OR opens_at IS NULL OR closes_at > opens_at", name="window_in_order"
        ),
        # A pre- or post-test is of one module; a practice quiz of none.
        sa.CheckConstraint(
            "(purpose = 'practice') = (purpose_module_id IS NULL)", name="purpose_module_given"
        ),
    )

    workshop_id: Mapped[int] = mapped_column(sa.ForeignKey("workshops.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    instructions: Mapped[str] = mapped_column(sa.Text, default="")
    question_count: Mapped[int]
    shuffle_options: Mapped[bool] = mapped_column(default=True)
    time_limit_minutes: Mapped[int | None]
    opens_at: Mapped[datetime | None]
    closes_at: Mapped[datetime | None]
    pass_percent: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2))
    max_attempts: Mapped[int] = mapped_column(default=1)
    grading_method: Mapped[GradingMethod] = enum_column(GradingMethod, default=GradingMethod.HIGHEST)
    feedback_timing: Mapped[FeedbackTiming] = enum_column(FeedbackTiming, default=FeedbackTiming.IMMEDIATE)
    purpose: Mapped[QuizPurpose] = enum_column(QuizPurpose, default=QuizPurpose.PRACTICE)
    purpose_module_id: Mapped[int | None] = mapped_column(sa.ForeignKey("modules.id"), index=True)
    required_for_certificate: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    workshop: Mapped[Workshop] = relationship()
    modules: Mapped[list[Module]] = relationship(secondary=quiz_modules, order_by="Module.position")
    purpose_module: Mapped[Module | None] = relationship(foreign_keys=[purpose_module_id])

    @property
    def label(self) -> str:
        if self.purpose is QuizPurpose.PRACTICE or self.purpose_module is None:
            return self.title
        return f"{self.title} ({self.purpose.label} of {self.purpose_module.code})"


class Accommodation(IdMixin, TimestampMixin, Model):
    """What a trainee is granted on every quiz of a workshop: more time, more attempts."""

    __tablename__ = "quiz_accommodations"
    __table_args__ = (
        sa.UniqueConstraint("workshop_id", "trainee_id"),
        sa.CheckConstraint("time_factor >= 1 AND time_factor <= 4", name="time_factor_range"),
        sa.CheckConstraint("extra_attempts >= 0 AND extra_attempts <= 5", name="extra_attempts_range"),
    )

    workshop_id: Mapped[int] = mapped_column(sa.ForeignKey("workshops.id", ondelete="CASCADE"))
    trainee_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    time_factor: Mapped[Decimal] = mapped_column(sa.Numeric(3, 2), default=Decimal(1))
    extra_attempts: Mapped[int] = mapped_column(default=0)
    note: Mapped[str] = mapped_column(sa.String(300), default="")

    trainee: Mapped[User] = relationship()


class Attempt(IdMixin, Model):
    __tablename__ = "quiz_attempts"
    __table_args__ = (
        # Two tabs starting at once cannot both make attempt number n.
        sa.UniqueConstraint("quiz_id", "trainee_id", "number"),
        sa.CheckConstraint("number >= 1", name="number_positive"),
        sa.CheckConstraint("max_score >= 1", name="max_score_positive"),
        sa.CheckConstraint(
            "(state = 'graded') = (percent IS NOT NULL AND graded_at IS NOT NULL AND score IS NOT NULL)",
            name="graded_has_score",
        ),
        sa.CheckConstraint("score IS NULL OR (score >= 0 AND score <= max_score)", name="score_range"),
        sa.CheckConstraint("percent IS NULL OR (percent >= 0 AND percent <= 100)", name="percent_range"),
        # At most one attempt in progress per trainee and quiz.
        sa.Index(
            "ix_quiz_attempts_one_open",
            "quiz_id",
            "trainee_id",
            unique=True,
            sqlite_where=sa.text("state = 'in_progress'"),
            postgresql_where=sa.text("state = 'in_progress'"),
        ),
        sa.Index("ix_quiz_attempts_quiz_id_state", "quiz_id", "state"),
        sa.Index("ix_quiz_attempts_state_deadline_at", "state", "deadline_at"),
    )

    quiz_id: Mapped[int] = mapped_column(sa.ForeignKey("quizzes.id", ondelete="CASCADE"))
    trainee_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    number: Mapped[int]
    state: Mapped[AttemptState] = enum_column(AttemptState, default=AttemptState.IN_PROGRESS)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    # None when the quiz has no time limit and no closing time.
    deadline_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]
    graded_at: Mapped[datetime | None]
    # "trainee" (submitted), "deadline" (closed by the server when time ran out)
    closed_by: Mapped[str | None] = mapped_column(sa.String(20))
    score: Mapped[Decimal | None] = mapped_column(sa.Numeric(9, 4))  # points, one per question
    max_score: Mapped[int]
    percent: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 2))
    passed: Mapped[bool | None]

    quiz: Mapped[Quiz] = relationship()
    trainee: Mapped[User] = relationship()
    questions: Mapped[list[AttemptQuestion]] = relationship(
        back_populates="attempt", order_by="AttemptQuestion.position", cascade="all, delete-orphan"
    )

    @property
    def graded(self) -> bool:
        return self.state is AttemptState.GRADED


class AttemptQuestion(IdMixin, Model):
    """A question drawn into an attempt, with the trainee's answer as it stands."""

    __tablename__ = "quiz_attempt_questions"
    __table_args__ = (
        sa.UniqueConstraint("attempt_id", "question_id"),
        sa.UniqueConstraint("attempt_id", "position"),
        sa.CheckConstraint("score IS NULL OR (score >= 0 AND score <= 1)", name="score_fraction"),
        sa.Index("ix_quiz_attempt_questions_question_id_choice_key", "question_id", "choice_key"),
    )

    attempt_id: Mapped[int] = mapped_column(sa.ForeignKey("quiz_attempts.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("questions.id"))
    position: Mapped[int]
    # Option ids in the order shown to this trainee.
    option_order: Mapped[list[str]] = mapped_column(default=list)
    # {"options": ["a", "c"]} or {"x": 120.5, "y": 88.0}; None while unanswered.
    response: Mapped[dict[str, Any] | None]
    # The chosen option ids, sorted and comma-joined: item analysis counts choices with GROUP BY.
    choice_key: Mapped[str | None] = mapped_column(sa.String(200))
    answered_at: Mapped[datetime | None]
    score: Mapped[Decimal | None] = mapped_column(sa.Numeric(5, 4))

    attempt: Mapped[Attempt] = relationship(back_populates="questions")
    question: Mapped[Question] = relationship()


class GradeOverride(IdMixin, TimestampMixin, Model):
    """A grade set by faculty in place of the computed one, with the reason (audited)."""

    __tablename__ = "quiz_grade_overrides"
    __table_args__ = (
        sa.UniqueConstraint("quiz_id", "trainee_id"),
        sa.CheckConstraint("percent >= 0 AND percent <= 100", name="percent_range"),
    )

    quiz_id: Mapped[int] = mapped_column(sa.ForeignKey("quizzes.id", ondelete="CASCADE"))
    trainee_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    percent: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2))
    reason: Mapped[str] = mapped_column(sa.Text)
    set_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    set_by: Mapped[User | None] = relationship(foreign_keys=[set_by_id])
