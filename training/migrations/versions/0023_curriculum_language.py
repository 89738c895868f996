"""The language a curriculum's text is written in (curriculum_versions.language; unset for
every existing version, whose files did not say)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-08 01:55:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("curriculum_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=35), nullable=True))


def downgrade():
    with op.batch_alter_table("curriculum_versions", schema=None) as batch_op:
        batch_op.drop_column("language")
