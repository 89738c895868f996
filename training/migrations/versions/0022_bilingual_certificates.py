"""Bilingual certificates: a workshop's certificates in English as well as in their
holder's language (certification_rules.bilingual; off for every existing workshop)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-08 00:47:09
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("certification_rules", schema=None) as batch_op:
        batch_op.add_column(sa.Column("bilingual", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table("certification_rules", schema=None) as batch_op:
        batch_op.drop_column("bilingual")
