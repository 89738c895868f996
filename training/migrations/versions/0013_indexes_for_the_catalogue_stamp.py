"""indexes for the catalogue stamp

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 06:05:00
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("workshops", schema=None) as batch_op:
        batch_op.create_index("ix_workshops_updated_at", ["updated_at"], unique=False)
    with op.batch_alter_table("enrolments", schema=None) as batch_op:
        batch_op.create_index("ix_enrolments_updated_at", ["updated_at"], unique=False)


def downgrade():
    with op.batch_alter_table("enrolments", schema=None) as batch_op:
        batch_op.drop_index("ix_enrolments_updated_at")
    with op.batch_alter_table("workshops", schema=None) as batch_op:
        batch_op.drop_index("ix_workshops_updated_at")
