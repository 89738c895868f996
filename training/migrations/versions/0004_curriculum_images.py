"""Curriculum images: the pictures questions show, kept per version

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 11:26:34.508944
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "curriculum_images",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("media_type", sa.String(length=40), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.CheckConstraint("width > 0 AND height > 0", name=op.f("ck_curriculum_images_size_positive")),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["curriculum_versions.id"],
            name=op.f("fk_curriculum_images_version_id_curriculum_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_curriculum_images")),
        sa.UniqueConstraint("version_id", "name", name=op.f("uq_curriculum_images_version_id_name")),
    )
    with op.batch_alter_table("curriculum_images", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_curriculum_images_version_id"), ["version_id"], unique=False)


def downgrade():
    with op.batch_alter_table("curriculum_images", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_curriculum_images_version_id"))

    op.drop_table("curriculum_images")
