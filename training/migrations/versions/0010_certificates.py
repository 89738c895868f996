"""Certificates: rules, course evaluations, confirmed names and certificates

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24 11:05:15.948090
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "certificate_names",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["trainee_id"],
            ["users.id"],
            name=op.f("fk_certificate_names_trainee_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workshop_id"],
            ["workshops.id"],
            name=op.f("fk_certificate_names_workshop_id_workshops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate_names")),
        sa.UniqueConstraint(
            "workshop_id", "trainee_id", name=op.f("uq_certificate_names_workshop_id_trainee_id")
        ),
    )
    with op.batch_alter_table("certificate_names", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_certificate_names_trainee_id"), ["trainee_id"], unique=False)

    op.create_table(
        "certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("serial", sa.String(length=24), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "attendance", "competence", name="certificatekind", native_enum=False, create_constraint=True
            ),
            nullable=False,
        ),
        sa.Column(
            "state",
            sa.Enum(
                "valid",
                "revoked",
                "superseded",
                name="certificatestate",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("snapshot", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("pdf_file", sa.String(length=200), nullable=False),
        sa.Column("pdf_sha256", sa.String(length=64), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.Column("revocation_reason", sa.Text(), nullable=False),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("supersedes_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(state = 'revoked') = (revoked_at IS NOT NULL)", name=op.f("ck_certificates_revoked_has_date")
        ),
        sa.CheckConstraint(
            "(state = 'superseded') = (superseded_at IS NOT NULL)",
            name=op.f("ck_certificates_superseded_has_date"),
        ),
        sa.ForeignKeyConstraint(
            ["issued_by_id"],
            ["users.id"],
            name=op.f("fk_certificates_issued_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by_id"],
            ["users.id"],
            name=op.f("fk_certificates_revoked_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["supersedes_id"], ["certificates.id"], name=op.f("fk_certificates_supersedes_id_certificates")
        ),
        sa.ForeignKeyConstraint(["trainee_id"], ["users.id"], name=op.f("fk_certificates_trainee_id_users")),
        sa.ForeignKeyConstraint(
            ["workshop_id"], ["workshops.id"], name=op.f("fk_certificates_workshop_id_workshops")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificates")),
        sa.UniqueConstraint("serial", name=op.f("uq_certificates_serial")),
        sa.UniqueConstraint("supersedes_id", name=op.f("uq_certificates_supersedes_id")),
    )
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_certificates_trainee_id"), ["trainee_id"], unique=False)
        batch_op.create_index(
            "ix_certificates_workshop_id_trainee_id", ["workshop_id", "trainee_id"], unique=False
        )
        batch_op.create_index(
            "uq_certificates_live",
            ["workshop_id", "trainee_id", "kind"],
            unique=True,
            sqlite_where=sa.text("state = 'valid'"),
            postgresql_where=sa.text("state = 'valid'"),
        )

    op.create_table(
        "certification_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column(
            "quiz_policy",
            sa.Enum("marked", "all", "none", name="quizpolicy", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("required_skills", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True),
        sa.Column("evaluation_required", sa.Boolean(), nullable=False),
        sa.Column("competence_enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workshop_id"],
            ["workshops.id"],
            name=op.f("fk_certification_rules_workshop_id_workshops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certification_rules")),
        sa.UniqueConstraint("workshop_id", name=op.f("uq_certification_rules_workshop_id")),
    )
    op.create_table(
        "course_evaluations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.Column("overall", sa.Integer(), nullable=False),
        sa.Column("comments", sa.Text(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("overall BETWEEN 1 AND 5", name=op.f("ck_course_evaluations_overall_in_range")),
        sa.ForeignKeyConstraint(
            ["trainee_id"],
            ["users.id"],
            name=op.f("fk_course_evaluations_trainee_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workshop_id"],
            ["workshops.id"],
            name=op.f("fk_course_evaluations_workshop_id_workshops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_course_evaluations")),
        sa.UniqueConstraint(
            "workshop_id", "trainee_id", name=op.f("uq_course_evaluations_workshop_id_trainee_id")
        ),
    )
    with op.batch_alter_table("course_evaluations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_course_evaluations_trainee_id"), ["trainee_id"], unique=False)

    op.create_table(
        "evaluation_ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column(
            "target",
            sa.Enum("session", "faculty", name="ratingtarget", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name=op.f("ck_evaluation_ratings_rating_in_range")),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["course_evaluations.id"],
            name=op.f("fk_evaluation_ratings_evaluation_id_course_evaluations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_ratings")),
        sa.UniqueConstraint(
            "evaluation_id",
            "target",
            "target_id",
            name=op.f("uq_evaluation_ratings_evaluation_id_target_target_id"),
        ),
    )
    with op.batch_alter_table("evaluation_ratings", schema=None) as batch_op:
        batch_op.create_index("ix_evaluation_ratings_target", ["target", "target_id"], unique=False)


def downgrade():
    with op.batch_alter_table("evaluation_ratings", schema=None) as batch_op:
        batch_op.drop_index("ix_evaluation_ratings_target")

    op.drop_table("evaluation_ratings")
    with op.batch_alter_table("course_evaluations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_course_evaluations_trainee_id"))

    op.drop_table("course_evaluations")
    op.drop_table("certification_rules")
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_certificates_live",
            sqlite_where=sa.text("state = 'valid'"),
            postgresql_where=sa.text("state = 'valid'"),
        )
        batch_op.drop_index("ix_certificates_workshop_id_trainee_id")
        batch_op.drop_index(batch_op.f("ix_certificates_trainee_id"))

    op.drop_table("certificates")
    with op.batch_alter_table("certificate_names", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificate_names_trainee_id"))

    op.drop_table("certificate_names")
