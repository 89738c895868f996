"""quizzes attempts accommodations overrides

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 11:03:33.988310
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "quiz_accommodations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.Column("time_factor", sa.Numeric(precision=3, scale=2), nullable=False),
        sa.Column("extra_attempts", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "extra_attempts >= 0 AND extra_attempts <= 5",
            name=op.f("ck_quiz_accommodations_extra_attempts_range"),
        ),
        sa.CheckConstraint(
            "time_factor >= 1 AND time_factor <= 4", name=op.f("ck_quiz_accommodations_time_factor_range")
        ),
        sa.ForeignKeyConstraint(
            ["trainee_id"], ["users.id"], name=op.f("fk_quiz_accommodations_trainee_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["workshop_id"],
            ["workshops.id"],
            name=op.f("fk_quiz_accommodations_workshop_id_workshops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quiz_accommodations")),
        sa.UniqueConstraint(
            "workshop_id", "trainee_id", name=op.f("uq_quiz_accommodations_workshop_id_trainee_id")
        ),
    )
    with op.batch_alter_table("quiz_accommodations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quiz_accommodations_trainee_id"), ["trainee_id"], unique=False)

    op.create_table(
        "quizzes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("instructions", sa.Text(), nullable=False),
        sa.Column("question_count", sa.Integer(), nullable=False),
        sa.Column("shuffle_options", sa.Boolean(), nullable=False),
        sa.Column("time_limit_minutes", sa.Integer(), nullable=True),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pass_percent", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column(
            "grading_method",
            sa.Enum(
                "highest", "first", "last", name="gradingmethod", native_enum=False, create_constraint=True
            ),
            nullable=False,
        ),
        sa.Column(
            "feedback_timing",
            sa.Enum(
                "immediate",
                "after_close",
                "never",
                name="feedbacktiming",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "purpose",
            sa.Enum(
                "practice",
                "pre_test",
                "post_test",
                name="quizpurpose",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("purpose_module_id", sa.Integer(), nullable=True),
        sa.Column("required_for_certificate", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(purpose = 'practice') = (purpose_module_id IS NULL)",
            name=op.f("ck_quizzes_purpose_module_given"),
        ),
        sa.CheckConstraint(
            "closes_at IS NULL OR opens_at IS NULL OR closes_at > opens_at",
            name=op.f("ck_quizzes_window_in_order"),
        ),
        sa.CheckConstraint("max_attempts >= 1", name=op.f("ck_quizzes_max_attempts_positive")),
        sa.CheckConstraint(
            "pass_percent >= 0 AND pass_percent <= 100", name=op.f("ck_quizzes_pass_percent_range")
        ),
        sa.CheckConstraint("question_count >= 1", name=op.f("ck_quizzes_question_count_positive")),
        sa.CheckConstraint(
            "time_limit_minutes IS NULL OR time_limit_minutes >= 1",
            name=op.f("ck_quizzes_time_limit_positive"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_quizzes_created_by_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["purpose_module_id"], ["modules.id"], name=op.f("fk_quizzes_purpose_module_id_modules")
        ),
        sa.ForeignKeyConstraint(
            ["workshop_id"],
            ["workshops.id"],
            name=op.f("fk_quizzes_workshop_id_workshops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quizzes")),
    )
    with op.batch_alter_table("quizzes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quizzes_purpose_module_id"), ["purpose_module_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_quizzes_workshop_id"), ["workshop_id"], unique=False)

    op.create_table(
        "quiz_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("quiz_id", sa.Integer(), nullable=False),
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            sa.Enum("in_progress", "graded", name="attemptstate", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deadline_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("graded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=20), nullable=True),
        sa.Column("score", sa.Numeric(precision=9, scale=4), nullable=True),
        sa.Column("max_score", sa.Integer(), nullable=False),
        sa.Column("percent", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("passed", sa.Boolean(), nullable=True),
        sa.CheckConstraint(
            "(state = 'graded') = (percent IS NOT NULL AND graded_at IS NOT NULL AND score IS NOT NULL)",
            name=op.f("ck_quiz_attempts_graded_has_score"),
        ),
        sa.CheckConstraint("max_score >= 1", name=op.f("ck_quiz_attempts_max_score_positive")),
        sa.CheckConstraint("number >= 1", name=op.f("ck_quiz_attempts_number_positive")),
        sa.CheckConstraint(
            "percent IS NULL OR (percent >= 0 AND percent <= 100)",
            name=op.f("ck_quiz_attempts_percent_range"),
        ),
        sa.CheckConstraint(
            "score IS NULL OR (score >= 0 AND score <= max_score)", name=op.f("ck_quiz_attempts_score_range")
        ),
        sa.ForeignKeyConstraint(
            ["quiz_id"], ["quizzes.id"], name=op.f("fk_quiz_attempts_quiz_id_quizzes"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["trainee_id"], ["users.id"], name=op.f("fk_quiz_attempts_trainee_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quiz_attempts")),
        sa.UniqueConstraint(
            "quiz_id", "trainee_id", "number", name=op.f("uq_quiz_attempts_quiz_id_trainee_id_number")
        ),
    )
    with op.batch_alter_table("quiz_attempts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_quiz_attempts_one_open",
            ["quiz_id", "trainee_id"],
            unique=True,
            sqlite_where=sa.text("state = 'in_progress'"),
            postgresql_where=sa.text("state = 'in_progress'"),
        )
        batch_op.create_index("ix_quiz_attempts_quiz_id_state", ["quiz_id", "state"], unique=False)
        batch_op.create_index("ix_quiz_attempts_state_deadline_at", ["state", "deadline_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_quiz_attempts_trainee_id"), ["trainee_id"], unique=False)

    op.create_table(
        "quiz_grade_overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("quiz_id", sa.Integer(), nullable=False),
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.Column("percent", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("set_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "percent >= 0 AND percent <= 100", name=op.f("ck_quiz_grade_overrides_percent_range")
        ),
        sa.ForeignKeyConstraint(
            ["quiz_id"],
            ["quizzes.id"],
            name=op.f("fk_quiz_grade_overrides_quiz_id_quizzes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["set_by_id"],
            ["users.id"],
            name=op.f("fk_quiz_grade_overrides_set_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["trainee_id"], ["users.id"], name=op.f("fk_quiz_grade_overrides_trainee_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quiz_grade_overrides")),
        sa.UniqueConstraint("quiz_id", "trainee_id", name=op.f("uq_quiz_grade_overrides_quiz_id_trainee_id")),
    )
    with op.batch_alter_table("quiz_grade_overrides", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quiz_grade_overrides_trainee_id"), ["trainee_id"], unique=False)

    op.create_table(
        "quiz_modules",
        sa.Column("quiz_id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["module_id"], ["modules.id"], name=op.f("fk_quiz_modules_module_id_modules")
        ),
        sa.ForeignKeyConstraint(
            ["quiz_id"], ["quizzes.id"], name=op.f("fk_quiz_modules_quiz_id_quizzes"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("quiz_id", "module_id", name=op.f("pk_quiz_modules")),
    )
    with op.batch_alter_table("quiz_modules", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quiz_modules_module_id"), ["module_id"], unique=False)

    op.create_table(
        "quiz_attempt_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("option_order", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("response", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True),
        sa.Column("choice_key", sa.String(length=200), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("score", sa.Numeric(precision=5, scale=4), nullable=True),
        sa.CheckConstraint(
            "score IS NULL OR (score >= 0 AND score <= 1)",
            name=op.f("ck_quiz_attempt_questions_score_fraction"),
        ),
        sa.ForeignKeyConstraint(
            ["attempt_id"],
            ["quiz_attempts.id"],
            name=op.f("fk_quiz_attempt_questions_attempt_id_quiz_attempts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["question_id"], ["questions.id"], name=op.f("fk_quiz_attempt_questions_question_id_questions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quiz_attempt_questions")),
        sa.UniqueConstraint(
            "attempt_id", "position", name=op.f("uq_quiz_attempt_questions_attempt_id_position")
        ),
        sa.UniqueConstraint(
            "attempt_id", "question_id", name=op.f("uq_quiz_attempt_questions_attempt_id_question_id")
        ),
    )
    with op.batch_alter_table("quiz_attempt_questions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_quiz_attempt_questions_question_id_choice_key", ["question_id", "choice_key"], unique=False
        )


def downgrade():
    with op.batch_alter_table("quiz_attempt_questions", schema=None) as batch_op:
        batch_op.drop_index("ix_quiz_attempt_questions_question_id_choice_key")

    op.drop_table("quiz_attempt_questions")
    with op.batch_alter_table("quiz_modules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quiz_modules_module_id"))

    op.drop_table("quiz_modules")
    with op.batch_alter_table("quiz_grade_overrides", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quiz_grade_overrides_trainee_id"))

    op.drop_table("quiz_grade_overrides")
    with op.batch_alter_table("quiz_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quiz_attempts_trainee_id"))
        batch_op.drop_index("ix_quiz_attempts_state_deadline_at")
        batch_op.drop_index("ix_quiz_attempts_quiz_id_state")
        batch_op.drop_index(
            "ix_quiz_attempts_one_open",
            sqlite_where=sa.text("state = 'in_progress'"),
            postgresql_where=sa.text("state = 'in_progress'"),
        )

    op.drop_table("quiz_attempts")
    with op.batch_alter_table("quizzes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quizzes_workshop_id"))
        batch_op.drop_index(batch_op.f("ix_quizzes_purpose_module_id"))

    op.drop_table("quizzes")
    with op.batch_alter_table("quiz_accommodations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quiz_accommodations_trainee_id"))

    op.drop_table("quiz_accommodations")
