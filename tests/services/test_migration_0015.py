"""Revision 0015 ends the duties that earlier role removals left behind, audited."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations

import training
from training.accounts.models import Role, User
from training.core.audit import AuditEvent
from training.extensions import db
from training.workshops.models import Duty, WorkshopStaff

MIGRATION = Path(training.__file__).parent / "migrations/versions/0015_end_duties_left_without_their_role.py"


def run_upgrade() -> None:
    spec = importlib.util.spec_from_file_location("revision_0015", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    context = MigrationContext.configure(db.session.connection())
    with Operations.context(context):
        module.upgrade()


def test_duties_whose_role_was_removed_end_and_the_rest_stay(ctx, make):
    stale = make.user({Role.TRAINEE}, full_name="Dr. Former Faculty")
    organizer_by_admin = make.admin()
    deactivated = make.faculty()
    workshop = make.workshop(
        organizer=organizer_by_admin, faculty=[stale, deactivated], certifiers=[stale], title="Old course"
    )
    person = db.session.get(User, deactivated.id)
    person.active = False
    db.session.flush()

    run_upgrade()
    db.session.expire_all()

    rows = db.session.execute(sa.select(WorkshopStaff.user_id, WorkshopStaff.duty)).all()
    # An admin organizing keeps it; a deactivated person's duty stays (it has no effect).
    assert sorted(rows) == sorted([(organizer_by_admin.id, Duty.ORGANIZER), (deactivated.id, Duty.FACULTY)])
    events = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(e.action, e.workshop_id, e.actor_id, e.old) for e in events] == [
        ("workshop.staff_removed", workshop.id, None, {"user": stale.email, "duty": "faculty"}),
        ("workshop.staff_removed", workshop.id, None, {"user": stale.email, "duty": "certifier"}),
    ]
    assert events[0].summary == (
        "Dr. Former Faculty is no longer faculty of “Old course”: the global role it needs had been removed"
    )
