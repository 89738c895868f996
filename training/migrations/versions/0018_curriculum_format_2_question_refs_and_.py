"""curriculum format 2: question refs and tags

Existing versions are format 1: `format` defaults to 1 and their questions get empty
`refs` and `tags`, so their content (and content hash) is unchanged. Format-2 key facts
are stored as {"text", "refs"} mappings in the existing JSON column; no data is moved.

Revision ID: 0018
Revises: 0013
Create Date: 2026-12-07 13:51:09.189155
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0018"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("curriculum_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("format", sa.Integer(), server_default="1", nullable=False))

    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "refs",
                sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
                server_default="[]",
                nullable=False,
            )
        )
        batch_op.add_column(
            sa.Column(
                "tags",
                sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
                server_default="[]",
                nullable=False,
            )
        )


def downgrade():
    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.drop_column("tags")
        batch_op.drop_column("refs")

    with op.batch_alter_table("curriculum_versions", schema=None) as batch_op:
        batch_op.drop_column("format")
