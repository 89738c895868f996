"""Demo data for enrolments: called by `flask seed-demo`, idempotent.

Enrols the demo trainee in the demo workshop (a published workshop the demo
organizer organizes, created by the workshops demo), then fills it with more
demo trainees until it is full and three wait, and lets one of them cancel, so
the roster, the waitlist, the cancellations and the mail pages show real rows.
"""

from __future__ import annotations

import sqlalchemy as sa

from training.accounts import services as accounts
from training.accounts.models import Role, User
from training.core.errors import DomainError
from training.enrolments import services
from training.enrolments.models import Enrolment
from training.extensions import db
from training.workshops.models import Duty, Workshop, WorkshopStaff, WorkshopState

DEMO_TRAINEE = "trainee@example.org"
DEMO_ORGANIZER = "organizer@example.org"
# Shared by the extra demo trainees; printed and in the README, for a local trial only.
DEMO_PASSWORD = "demo-cannula-emulsion-grafting"  # noqa: S105  # nosec B105
WAITING = 3
MAX_NEW_TRAINEES = 40

PEOPLE = (
    ("Dr. Giulia Romano", "Plastic, reconstructive and aesthetic surgery", "IT"),
    ("Dr. Tomasz Nowak", "Dermatologic surgery", "PL"),
    ("Dr. Aisha Rahman", "Oculoplastic surgery", "GB"),
    ("Dr. Lucas Martin", "Facial plastic surgery (ENT)", "FR"),
    ("Dr. Mei Tanaka", "Dermatology", "JP"),
    ("Dr. Carlos Mendes", "Plastic, reconstructive and aesthetic surgery", "BR"),
    ("Dr. Elin Johansson", "Burns surgery", "SE"),
    ("Dr. Omar Haddad", "Oral and maxillofacial surgery", "LB"),
    ("Dr. Priya Nair", "Aesthetic medicine", "IN"),
    ("Dr. Jonas Weber", "Plastic, reconstructive and aesthetic surgery", "DE"),
    ("Dr. Sara Cohen", "Dermatologic surgery", "IL"),
    ("Dr. Mateo García", "General surgery", "AR"),
)


def _demo_workshop() -> Workshop | None:
    return db.session.scalar(
        sa.select(Workshop)
        .join(WorkshopStaff, WorkshopStaff.workshop_id == Workshop.id)
        .join(User, User.id == WorkshopStaff.user_id)
        .where(
            Workshop.state == WorkshopState.PUBLISHED,
            WorkshopStaff.duty == Duty.ORGANIZER,
            User.email == DEMO_ORGANIZER,
        )
        .order_by(Workshop.starts_on, Workshop.id)
        .limit(1)
    )


def _person(n: int) -> User:
    name, specialty, country = PEOPLE[n % len(PEOPLE)]
    if n >= len(PEOPLE):
        name = f"{name} ({n // len(PEOPLE) + 1})"
    email = f"demo.trainee{n + 1}@example.org"
    user = accounts.find_by_email(email)
    if user is None:
        user = accounts.create_user_from_command(
            accounts.Profile(
                full_name=name,
                email=email,
                specialty=specialty,
                registration_number=f"DEMO-{n + 1:04d}",
                institution="Demo University Hospital",
                country=country,
            ),
            {Role.TRAINEE},
            DEMO_PASSWORD,
        )
    return user


def seed() -> list[str]:
    """Create what is missing; return lines for the report."""
    workshop = _demo_workshop()
    trainee = accounts.find_by_email(DEMO_TRAINEE)
    organizer = accounts.find_by_email(DEMO_ORGANIZER)
    if workshop is None or trainee is None or organizer is None:
        return ["Enrolments: no published demo workshop yet; nobody enrolled."]
    already = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Enrolment)
        .where(Enrolment.workshop_id == workshop.id, Enrolment.trainee_id == trainee.id)
    )
    if already:
        summary = services.seat_summary(workshop)
        return [
            f"Enrolments: {workshop.title} already seeded ({summary.confirmed} confirmed, "
            f"{summary.waitlisted} waiting)."
        ]
    lines = [f"Enrolments in {workshop.title}:"]
    try:
        services.enrol_by_organizer(workshop, trainee, actor=organizer)
    except DomainError as error:
        return [f"Enrolments: {DEMO_TRAINEE} could not be enrolled: {error.message}"]
    lines.append(f"  {DEMO_TRAINEE} holds a seat")
    summary = services.seat_summary(workshop)
    wanted = min(max(summary.capacity - summary.confirmed, 0) + WAITING, MAX_NEW_TRAINEES)
    enrolled: list[Enrolment] = []
    for n in range(wanted):
        person = _person(n)
        try:
            enrolled.append(services.enrol_by_organizer(workshop, person, actor=organizer).enrolment)
        except DomainError as error:
            lines.append(f"  {person.email} not enrolled: {error.message}")
    # One of them cancels: the first waitlisted moves up, as in real life.
    seated = [e for e in enrolled if e.state.value == "confirmed"]
    if seated:
        leaver = seated[0]
        promoted = services.cancel(leaver, actor=leaver.trainee, reason="Clinic rota changed")
        lines.append(f"  {leaver.trainee.email} cancelled; {len(promoted)} moved up from the waitlist")
    summary = services.seat_summary(workshop)
    lines.append(
        f"  {summary.confirmed} of {summary.capacity} seats taken, {summary.waitlisted} on the waitlist "
        f"(demo trainees demo.trainee1..{wanted}@example.org, password {DEMO_PASSWORD})"
    )
    return lines
