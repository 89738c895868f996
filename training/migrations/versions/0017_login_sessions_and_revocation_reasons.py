"""login sessions, and public and internal revocation reasons

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 14:10:00

A login kept on the server (``login_sessions``): existing cookies name no login
and end at the first request after the upgrade, so everyone signs in once more.

``users.email_confirmed_at``: existing accounts count as confirmed from their
creation (they were made before confirmation was asked for).

``certificates.revocation_code`` and ``revocation_note``: a revocation's public
reason is now chosen from a list, with an internal note for staff beside it.
Certificates revoked before keep their free-text reason as their public one
(it was public already), with the code "other" and an empty note.
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email_confirmed_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE users SET email_confirmed_at = created_at")
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revocation_code", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("revocation_note", sa.Text(), server_default="", nullable=False))
    op.execute("UPDATE certificates SET revocation_code = 'other' WHERE state = 'revoked'")
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.alter_column("revocation_note", server_default=None)
    op.create_table(
        "login_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_agent", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_login_sessions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_sessions")),
        sa.UniqueConstraint("key", name=op.f("uq_login_sessions_key")),
    )
    with op.batch_alter_table("login_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_sessions_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_column("revocation_note")
        batch_op.drop_column("revocation_code")
    with op.batch_alter_table("login_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_sessions_user_id"))
    op.drop_table("login_sessions")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("email_confirmed_at")
