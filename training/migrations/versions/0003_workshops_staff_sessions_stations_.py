"""workshops staff sessions stations enrolments

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 10:55:56.585354
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "faculty_profiles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("biography", sa.Text(), nullable=False),
        sa.Column("disclosure", sa.Text(), nullable=False),
        sa.Column("nothing_to_disclose", sa.Boolean(), nullable=False),
        sa.Column("disclosure_updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_faculty_profiles_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_faculty_profiles")),
        sa.UniqueConstraint("user_id", name=op.f("uq_faculty_profiles_user_id")),
    )
    op.create_table(
        "workshops",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("curriculum_version_id", sa.Integer(), nullable=False),
        sa.Column("venue_name", sa.String(length=200), nullable=False),
        sa.Column("venue_address", sa.String(length=300), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("enrolment_opens_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("enrolment_closes_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cme_credit_hours", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "draft",
                "published",
                "completed",
                "cancelled",
                name="workshopstate",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "prerequisite_policy",
            sa.Enum(
                "off",
                "warn",
                "required",
                name="prerequisitepolicy",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancellation_reason", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("capacity >= 0", name=op.f("ck_workshops_capacity_not_negative")),
        sa.CheckConstraint("cme_credit_hours >= 0", name=op.f("ck_workshops_credit_not_negative")),
        sa.CheckConstraint("ends_on >= starts_on", name=op.f("ck_workshops_dates_in_order")),
        sa.CheckConstraint(
            "enrolment_closes_at IS NULL OR enrolment_opens_at IS NULL OR enrolment_closes_at > enrolment_opens_at",
            name=op.f("ck_workshops_enrolment_window_in_order"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_workshops_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["curriculum_version_id"],
            ["curriculum_versions.id"],
            name=op.f("fk_workshops_curriculum_version_id_curriculum_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workshops")),
    )
    with op.batch_alter_table("workshops", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_workshops_curriculum_version_id"), ["curriculum_version_id"], unique=False
        )
        batch_op.create_index("ix_workshops_state_starts_on", ["state", "starts_on"], unique=False)

    op.create_table(
        "enrolments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "confirmed",
                "waitlisted",
                "cancelled",
                name="enrolmentstate",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "source",
            sa.Enum(
                "self",
                "organizer",
                "import",
                name="enrolmentsource",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_by_id", sa.Integer(), nullable=True),
        sa.Column("cancellation_reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["cancelled_by_id"],
            ["users.id"],
            name=op.f("fk_enrolments_cancelled_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(["trainee_id"], ["users.id"], name=op.f("fk_enrolments_trainee_id_users")),
        sa.ForeignKeyConstraint(
            ["workshop_id"],
            ["workshops.id"],
            name=op.f("fk_enrolments_workshop_id_workshops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrolments")),
        sa.UniqueConstraint("workshop_id", "trainee_id", name=op.f("uq_enrolments_workshop_id_trainee_id")),
    )
    with op.batch_alter_table("enrolments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_enrolments_trainee_id"), ["trainee_id"], unique=False)
        batch_op.create_index(
            "ix_enrolments_workshop_id_state_requested_at",
            ["workshop_id", "state", "requested_at"],
            unique=False,
        )

    op.create_table(
        "workshop_modules",
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["module_id"], ["modules.id"], name=op.f("fk_workshop_modules_module_id_modules")
        ),
        sa.ForeignKeyConstraint(
            ["workshop_id"],
            ["workshops.id"],
            name=op.f("fk_workshop_modules_workshop_id_workshops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("workshop_id", "module_id", name=op.f("pk_workshop_modules")),
    )
    with op.batch_alter_table("workshop_modules", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_workshop_modules_module_id"), ["module_id"], unique=False)

    op.create_table(
        "workshop_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "lecture",
                "cadaver_lab",
                "hands_on",
                "live_demonstration",
                "seminar",
                "break",
                name="sessionkind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("room", sa.String(length=100), nullable=False),
        sa.Column("mandatory", sa.Boolean(), nullable=False),
        sa.Column("cancelled", sa.Boolean(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_workshop_sessions_ends_after_start")),
        sa.CheckConstraint("sequence >= 0", name=op.f("ck_workshop_sessions_sequence_not_negative")),
        sa.ForeignKeyConstraint(
            ["workshop_id"],
            ["workshops.id"],
            name=op.f("fk_workshop_sessions_workshop_id_workshops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workshop_sessions")),
    )
    with op.batch_alter_table("workshop_sessions", schema=None) as batch_op:
        batch_op.create_index("ix_workshop_sessions_room_starts_at", ["room", "starts_at"], unique=False)
        batch_op.create_index(
            "ix_workshop_sessions_workshop_id_starts_at", ["workshop_id", "starts_at"], unique=False
        )

    op.create_table(
        "workshop_staff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "duty",
            sa.Enum(
                "organizer", "faculty", "certifier", name="duty", native_enum=False, create_constraint=True
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_workshop_staff_user_id_users")),
        sa.ForeignKeyConstraint(
            ["workshop_id"],
            ["workshops.id"],
            name=op.f("fk_workshop_staff_workshop_id_workshops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workshop_staff")),
        sa.UniqueConstraint(
            "workshop_id", "user_id", "duty", name=op.f("uq_workshop_staff_workshop_id_user_id_duty")
        ),
    )
    with op.batch_alter_table("workshop_staff", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_workshop_staff_user_id"), ["user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_workshop_staff_workshop_id"), ["workshop_id"], unique=False)

    op.create_table(
        "session_faculty",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["workshop_sessions.id"],
            name=op.f("fk_session_faculty_session_id_workshop_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_session_faculty_user_id_users")),
        sa.PrimaryKeyConstraint("session_id", "user_id", name=op.f("pk_session_faculty")),
    )
    with op.batch_alter_table("session_faculty", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_session_faculty_user_id"), ["user_id"], unique=False)

    op.create_table(
        "session_modules",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["module_id"], ["modules.id"], name=op.f("fk_session_modules_module_id_modules")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["workshop_sessions.id"],
            name=op.f("fk_session_modules_session_id_workshop_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("session_id", "module_id", name=op.f("pk_session_modules")),
    )
    with op.batch_alter_table("session_modules", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_session_modules_module_id"), ["module_id"], unique=False)

    op.create_table(
        "stations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("equipment", sa.String(length=300), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("faculty_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("capacity >= 1", name=op.f("ck_stations_capacity_positive")),
        sa.ForeignKeyConstraint(
            ["faculty_id"], ["users.id"], name=op.f("fk_stations_faculty_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["workshop_sessions.id"],
            name=op.f("fk_stations_session_id_workshop_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stations")),
        sa.UniqueConstraint("session_id", "name", name=op.f("uq_stations_session_id_name")),
    )
    with op.batch_alter_table("stations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stations_session_id"), ["session_id"], unique=False)

    op.create_table(
        "station_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("trainee_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["workshop_sessions.id"],
            name=op.f("fk_station_assignments_session_id_workshop_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["station_id"],
            ["stations.id"],
            name=op.f("fk_station_assignments_station_id_stations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["trainee_id"], ["users.id"], name=op.f("fk_station_assignments_trainee_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_station_assignments")),
        sa.UniqueConstraint(
            "session_id", "trainee_id", name=op.f("uq_station_assignments_session_id_trainee_id")
        ),
    )
    with op.batch_alter_table("station_assignments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_station_assignments_station_id"), ["station_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_station_assignments_trainee_id"), ["trainee_id"], unique=False)

    # ### end Alembic commands ###


def downgrade():
    with op.batch_alter_table("station_assignments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_station_assignments_trainee_id"))
        batch_op.drop_index(batch_op.f("ix_station_assignments_station_id"))

    op.drop_table("station_assignments")
    with op.batch_alter_table("stations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stations_session_id"))

    op.drop_table("stations")
    with op.batch_alter_table("session_modules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_session_modules_module_id"))

    op.drop_table("session_modules")
    with op.batch_alter_table("session_faculty", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_session_faculty_user_id"))

    op.drop_table("session_faculty")
    with op.batch_alter_table("workshop_staff", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_workshop_staff_workshop_id"))
        batch_op.drop_index(batch_op.f("ix_workshop_staff_user_id"))

    op.drop_table("workshop_staff")
    with op.batch_alter_table("workshop_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_workshop_sessions_workshop_id_starts_at")
        batch_op.drop_index("ix_workshop_sessions_room_starts_at")

    op.drop_table("workshop_sessions")
    with op.batch_alter_table("workshop_modules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_workshop_modules_module_id"))

    op.drop_table("workshop_modules")
    with op.batch_alter_table("enrolments", schema=None) as batch_op:
        batch_op.drop_index("ix_enrolments_workshop_id_state_requested_at")
        batch_op.drop_index(batch_op.f("ix_enrolments_trainee_id"))

    op.drop_table("enrolments")
    with op.batch_alter_table("workshops", schema=None) as batch_op:
        batch_op.drop_index("ix_workshops_state_starts_on")
        batch_op.drop_index(batch_op.f("ix_workshops_curriculum_version_id"))

    op.drop_table("workshops")
    op.drop_table("faculty_profiles")
    # ### end Alembic commands ###
