"""The organizer's CSV file of trainees to enrol."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from training.accounts import services as accounts
from training.accounts.models import SPECIALTIES, Role, User
from training.core import audit
from training.core.db import utcnow
from training.core.errors import Conflict, InvalidInput
from training.enrolments import rules
from training.enrolments.enrolling import enrol_one
from training.enrolments.forms import country_lookup
from training.enrolments.models import Enrolment, EnrolmentSource
from training.enrolments.seats import ACTIVE, lock, on_staff, prerequisites, require_organizer, window
from training.extensions import db
from training.workshops.models import Workshop


@dataclass
class ImportReport:
    created: int = 0
    confirmed: list[str] = field(default_factory=list)
    waitlisted: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.confirmed) + len(self.waitlisted)


def import_csv(workshop: Workshop, data: bytes, *, actor: User) -> ImportReport:
    """Enrol everyone in the file, in its order, creating (and inviting) the new
    people. Every problem of every row is reported at once, and nothing is
    imported unless the whole file is clean."""
    require_organizer(workshop, actor)
    try:
        text = rules.decode_upload(data)
        parsed = rules.parse_roster(text, specialties=SPECIALTIES, countries=country_lookup())
    except rules.FileRefused as error:
        raise InvalidInput({"file": [str(error)]}) from error
    ws = lock(workshop)
    refusal = rules.enrolment_refusal(window(ws), utcnow(), by_organizer=True)
    if refusal:
        raise Conflict(refusal)
    problems = list(parsed.problems)
    emails = [row.email for row in parsed.rows]
    users = (
        {user.email: user for user in db.session.scalars(sa.select(User).where(User.email.in_(emails)))}
        if emails
        else {}
    )
    existing = (
        {
            e.trainee_id: e
            for e in db.session.scalars(
                sa.select(Enrolment).where(
                    Enrolment.workshop_id == ws.id,
                    Enrolment.trainee_id.in_([u.id for u in users.values()]),
                    Enrolment.state.in_(ACTIVE),
                )
            )
        }
        if users
        else {}
    )
    checks = prerequisites(ws, [u.id for u in users.values()])
    new_people_check = prerequisites(ws, [0])[0]
    for row in parsed.rows:
        user = users.get(row.email)
        if user is None:
            if not new_people_check.allowed:
                problems.append(
                    (row.line, f"{row.email} has no account yet, so: {new_people_check.message()}")
                )
            continue
        if not user.active:
            problems.append((row.line, f"the account of {user.email} is deactivated"))
        elif not user.has_role(Role.TRAINEE):
            problems.append((row.line, f"{user.email} belongs to {user.full_name}, who is not a trainee"))
        elif on_staff(ws, user):
            problems.append((row.line, f"{user.full_name} ({user.email}) is on the staff of this workshop"))
        elif user.id in existing:
            state = existing[user.id].state.label.lower()
            problems.append(
                (row.line, f"{user.full_name} ({user.email}) is already {state} on this workshop")
            )
        elif not checks[user.id].allowed:
            problems.append((row.line, f"{user.full_name}: {checks[user.id].message()}"))
    if problems:
        raise InvalidInput(
            {"file": [f"Line {line}: {message}" if line else message for line, message in sorted(problems)]}
        )
    report = ImportReport()
    for row in parsed.rows:
        user = users.get(row.email)
        if user is None:
            user = accounts.create_account(
                accounts.Profile(
                    full_name=row.name, email=row.email, specialty=row.specialty, country=row.country
                ),
                {Role.TRAINEE},
                actor=actor,
            )
            report.created += 1
        result = enrol_one(ws, user, actor=actor, source=EnrolmentSource.IMPORT, locked=True)
        (report.confirmed if result.seat.confirmed else report.waitlisted).append(user.full_name)
    audit.record(
        "enrolment.imported",
        ("workshops", ws.id),
        actor=actor,
        summary=f"{report.total} trainees imported into {ws.title} from a CSV file "
        f"({len(report.confirmed)} confirmed, {len(report.waitlisted)} waitlisted, "
        f"{report.created} new accounts)",
        workshop_id=ws.id,
    )
    return report
