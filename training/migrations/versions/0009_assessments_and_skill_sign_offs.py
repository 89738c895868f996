"""Assessments (OSATS ratings) and skill sign-offs

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24 11:03:47.323805
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.Column("skill_id", sa.Integer(), nullable=False),
        sa.Column("assessor_id", sa.Integer(), nullable=False),
        sa.Column("checklist", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("respect_for_tissue", sa.SmallInteger(), nullable=False),
        sa.Column("time_and_motion", sa.SmallInteger(), nullable=False),
        sa.Column("instrument_handling", sa.SmallInteger(), nullable=False),
        sa.Column("knowledge_of_instruments", sa.SmallInteger(), nullable=False),
        sa.Column("use_of_assistants", sa.SmallInteger(), nullable=False),
        sa.Column("flow_of_operation", sa.SmallInteger(), nullable=False),
        sa.Column("knowledge_of_procedure", sa.SmallInteger(), nullable=False),
        sa.Column("entrustment", sa.SmallInteger(), nullable=False),
        sa.Column("competent", sa.Boolean(), nullable=False),
        sa.Column("feedback", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("assessor_id <> trainee_id", name=op.f("ck_assessments_not_self_assessed")),
        sa.CheckConstraint("entrustment BETWEEN 1 AND 5", name=op.f("ck_assessments_entrustment_range")),
        sa.CheckConstraint(
            "flow_of_operation BETWEEN 1 AND 5", name=op.f("ck_assessments_flow_of_operation_range")
        ),
        sa.CheckConstraint(
            "instrument_handling BETWEEN 1 AND 5", name=op.f("ck_assessments_instrument_handling_range")
        ),
        sa.CheckConstraint(
            "knowledge_of_instruments BETWEEN 1 AND 5",
            name=op.f("ck_assessments_knowledge_of_instruments_range"),
        ),
        sa.CheckConstraint(
            "knowledge_of_procedure BETWEEN 1 AND 5", name=op.f("ck_assessments_knowledge_of_procedure_range")
        ),
        sa.CheckConstraint(
            "respect_for_tissue BETWEEN 1 AND 5", name=op.f("ck_assessments_respect_for_tissue_range")
        ),
        sa.CheckConstraint(
            "time_and_motion BETWEEN 1 AND 5", name=op.f("ck_assessments_time_and_motion_range")
        ),
        sa.CheckConstraint(
            "use_of_assistants BETWEEN 1 AND 5", name=op.f("ck_assessments_use_of_assistants_range")
        ),
        sa.ForeignKeyConstraint(["assessor_id"], ["users.id"], name=op.f("fk_assessments_assessor_id_users")),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["workshop_sessions.id"],
            name=op.f("fk_assessments_session_id_workshop_sessions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(["skill_id"], ["skills.id"], name=op.f("fk_assessments_skill_id_skills")),
        sa.ForeignKeyConstraint(["trainee_id"], ["users.id"], name=op.f("fk_assessments_trainee_id_users")),
        sa.ForeignKeyConstraint(
            ["workshop_id"],
            ["workshops.id"],
            name=op.f("fk_assessments_workshop_id_workshops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessments")),
        sa.UniqueConstraint(
            "workshop_id",
            "trainee_id",
            "skill_id",
            "assessor_id",
            name=op.f("uq_assessments_workshop_id_trainee_id_skill_id_assessor_id"),
        ),
    )
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assessments_assessor_id"), ["assessor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_assessments_session_id"), ["session_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_assessments_skill_id"), ["skill_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_assessments_trainee_id"), ["trainee_id"], unique=False)
        batch_op.create_index(
            "ix_assessments_workshop_id_skill_id", ["workshop_id", "skill_id"], unique=False
        )

    op.create_table(
        "skill_sign_offs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.Column("skill_id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("signed_by_id", sa.Integer(), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.Column("revocation_reason", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "revoked_by_id IS NULL OR revoked_at IS NOT NULL",
            name=op.f("ck_skill_sign_offs_revocation_complete"),
        ),
        sa.CheckConstraint("signed_by_id <> trainee_id", name=op.f("ck_skill_sign_offs_not_self_signed")),
        sa.ForeignKeyConstraint(
            ["assessment_id"], ["assessments.id"], name=op.f("fk_skill_sign_offs_assessment_id_assessments")
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by_id"], ["users.id"], name=op.f("fk_skill_sign_offs_revoked_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["signed_by_id"], ["users.id"], name=op.f("fk_skill_sign_offs_signed_by_id_users")
        ),
        sa.ForeignKeyConstraint(["skill_id"], ["skills.id"], name=op.f("fk_skill_sign_offs_skill_id_skills")),
        sa.ForeignKeyConstraint(
            ["trainee_id"], ["users.id"], name=op.f("fk_skill_sign_offs_trainee_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["workshop_id"],
            ["workshops.id"],
            name=op.f("fk_skill_sign_offs_workshop_id_workshops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_skill_sign_offs")),
    )
    with op.batch_alter_table("skill_sign_offs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_skill_sign_offs_assessment_id"), ["assessment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_skill_sign_offs_skill_id"), ["skill_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_skill_sign_offs_trainee_id"), ["trainee_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_skill_sign_offs_workshop_id"), ["workshop_id"], unique=False)
        batch_op.create_index(
            "uq_skill_sign_offs_standing",
            ["workshop_id", "trainee_id", "skill_id"],
            unique=True,
            postgresql_where=sa.text("revoked_at IS NULL"),
            sqlite_where=sa.text("revoked_at IS NULL"),
        )

    op.create_table(
        "skill_sign_off_assessments",
        sa.Column("sign_off_id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_skill_sign_off_assessments_assessment_id_assessments"),
        ),
        sa.ForeignKeyConstraint(
            ["sign_off_id"],
            ["skill_sign_offs.id"],
            name=op.f("fk_skill_sign_off_assessments_sign_off_id_skill_sign_offs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("sign_off_id", "assessment_id", name=op.f("pk_skill_sign_off_assessments")),
    )
    with op.batch_alter_table("skill_sign_off_assessments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_skill_sign_off_assessments_assessment_id"), ["assessment_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("skill_sign_off_assessments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_skill_sign_off_assessments_assessment_id"))

    op.drop_table("skill_sign_off_assessments")
    with op.batch_alter_table("skill_sign_offs", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_skill_sign_offs_standing",
            postgresql_where=sa.text("revoked_at IS NULL"),
            sqlite_where=sa.text("revoked_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_skill_sign_offs_workshop_id"))
        batch_op.drop_index(batch_op.f("ix_skill_sign_offs_trainee_id"))
        batch_op.drop_index(batch_op.f("ix_skill_sign_offs_skill_id"))
        batch_op.drop_index(batch_op.f("ix_skill_sign_offs_assessment_id"))

    op.drop_table("skill_sign_offs")
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.drop_index("ix_assessments_workshop_id_skill_id")
        batch_op.drop_index(batch_op.f("ix_assessments_trainee_id"))
        batch_op.drop_index(batch_op.f("ix_assessments_skill_id"))
        batch_op.drop_index(batch_op.f("ix_assessments_session_id"))
        batch_op.drop_index(batch_op.f("ix_assessments_assessor_id"))

    op.drop_table("assessments")
