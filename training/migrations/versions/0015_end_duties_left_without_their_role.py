"""end duties left without their role

Until now, removing a global role from a person left their duties on workshops
in place (and the pages still honoured them). A duty now has effect only while
its holder has a role it needs, and removing a role ends the duties that needed
it. This revision ends the duties that earlier role removals left behind, so that
giving the role back later does not silently restore them:

    organizer duty  needs the organizer or the admin role
    faculty duty    needs the faculty role
    certifier duty  needs the faculty role

Each ended duty is deleted and recorded in the audit log as
``workshop.staff_removed`` (no actor: the system did it), with the person's
e-mail and the duty, in the workshop's history. Duties of deactivated people
stay (they have no effect while the account is deactivated). A person who is both
on a workshop's staff and its trainee keeps both rows: the duty has no effect on
that workshop, and which one should end is for an organizer to decide.
Downgrading restores nothing.

Revision ID: 0015
Revises: 0018
Create Date: 2026-12-07 14:00:00
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0015"
down_revision = "0018"
branch_labels = None
depends_on = None

NEEDS = {
    "organizer": ("organizer", "admin"),
    "faculty": ("faculty",),
    "certifier": ("faculty",),
}
LABELS = {"organizer": "organizer", "faculty": "faculty", "certifier": "certifying faculty"}

staff = sa.table(
    "workshop_staff",
    sa.column("id", sa.Integer),
    sa.column("workshop_id", sa.Integer),
    sa.column("user_id", sa.Integer),
    sa.column("duty", sa.String),
)
user_roles = sa.table("user_roles", sa.column("user_id", sa.Integer), sa.column("role", sa.String))
users = sa.table(
    "users", sa.column("id", sa.Integer), sa.column("email", sa.String), sa.column("full_name", sa.String)
)
workshops = sa.table("workshops", sa.column("id", sa.Integer), sa.column("title", sa.String))
audit_events = sa.table(
    "audit_events",
    sa.column("at", sa.DateTime(timezone=True)),
    sa.column("actor_id", sa.Integer),
    sa.column("action", sa.String),
    sa.column("target_type", sa.String),
    sa.column("target_id", sa.Integer),
    sa.column("workshop_id", sa.Integer),
    sa.column("summary", sa.String),
    sa.column("old", sa.JSON().with_variant(postgresql.JSONB(), "postgresql")),
)


def upgrade():
    bind = op.get_bind()
    now = datetime.now(UTC)
    if bind.dialect.name == "sqlite":
        now = now.replace(tzinfo=None)  # stored as naive UTC there (core.db.UTCDateTime)
    for duty, roles in NEEDS.items():
        has_role = (
            sa.select(user_roles.c.user_id)
            .where(user_roles.c.user_id == staff.c.user_id, user_roles.c.role.in_(roles))
            .exists()
        )
        rows = bind.execute(
            sa.select(staff.c.id, staff.c.workshop_id, users.c.email, users.c.full_name, workshops.c.title)
            .join(users, users.c.id == staff.c.user_id)
            .join(workshops, workshops.c.id == staff.c.workshop_id)
            .where(staff.c.duty == duty, ~has_role)
            .order_by(staff.c.id)
        ).all()
        for row in rows:
            summary = (
                f"{row.full_name} is no longer {LABELS[duty]} of “{row.title}”: "
                "the global role it needs had been removed"
            )
            bind.execute(
                audit_events.insert().values(
                    at=now,
                    actor_id=None,
                    action="workshop.staff_removed",
                    target_type="workshops",
                    target_id=row.workshop_id,
                    workshop_id=row.workshop_id,
                    summary=summary[:300],
                    old={"user": row.email, "duty": duty},
                )
            )
            bind.execute(staff.delete().where(staff.c.id == row.id))


def downgrade():
    pass  # the ended duties stay ended (the audit log says which they were)
