"""Attendance records and per-workshop attendance settings

Revision ID: 0007
Revises: 0005
Create Date: 2026-11-24 11:03:23.571497
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "attendance_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("min_percent", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column(
            "excused_policy",
            sa.Enum(
                "count_as_absent",
                "remove_from_total",
                name="excusedpolicy",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("late_grace_minutes", sa.Integer(), nullable=False),
        sa.Column("daily_credit_cap_hours", sa.Numeric(precision=4, scale=2), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "daily_credit_cap_hours > 0 AND daily_credit_cap_hours <= 24",
            name=op.f("ck_attendance_settings_daily_cap_range"),
        ),
        sa.CheckConstraint(
            "late_grace_minutes >= 0 AND late_grace_minutes <= 120",
            name=op.f("ck_attendance_settings_grace_range"),
        ),
        sa.CheckConstraint(
            "min_percent >= 0 AND min_percent <= 100", name=op.f("ck_attendance_settings_min_percent_range")
        ),
        sa.ForeignKeyConstraint(
            ["workshop_id"],
            ["workshops.id"],
            name=op.f("fk_attendance_settings_workshop_id_workshops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attendance_settings")),
        sa.UniqueConstraint("workshop_id", name=op.f("uq_attendance_settings_workshop_id")),
    )
    op.create_table(
        "attendance_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "present",
                "late",
                "absent",
                "excused",
                name="attendancestatus",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "method",
            sa.Enum(
                "roll_call", "qr", "code", name="checkinmethod", native_enum=False, create_constraint=True
            ),
            nullable=False,
        ),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_attendance_records_recorded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["workshop_sessions.id"],
            name=op.f("fk_attendance_records_session_id_workshop_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["trainee_id"], ["users.id"], name=op.f("fk_attendance_records_trainee_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attendance_records")),
        sa.UniqueConstraint(
            "session_id", "trainee_id", name=op.f("uq_attendance_records_session_id_trainee_id")
        ),
    )
    with op.batch_alter_table("attendance_records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attendance_records_trainee_id"), ["trainee_id"], unique=False)


def downgrade():
    with op.batch_alter_table("attendance_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attendance_records_trainee_id"))

    op.drop_table("attendance_records")
    op.drop_table("attendance_settings")
