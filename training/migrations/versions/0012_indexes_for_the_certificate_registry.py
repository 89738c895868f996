"""indexes for the certificate registry

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 05:30:00
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.create_index("ix_certificates_issued_at_id", ["issued_at", "id"], unique=False)
        batch_op.create_index(
            "ix_certificates_registry_search", ["serial", "trainee_id", "workshop_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_index("ix_certificates_registry_search")
        batch_op.drop_index("ix_certificates_issued_at_id")
