"""Demo data for assessments: called by `flask seed-demo`, idempotent.

On the demo workshop (the first published workshop organized by
organizer@example.org), faculty@example.org rates trainee@example.org (and a few
other trainees) on the workshop's skills at a hands-on station, a second rater
(certifier@example.org) disagrees on one skill, and certifier@example.org signs
one skill off. Nothing is created twice.
"""

from __future__ import annotations

import sqlalchemy as sa

from training.accounts import services as accounts
from training.accounts.models import User
from training.assessments import services
from training.assessments.models import Assessment
from training.assessments.scale import DOMAIN_KEYS
from training.curriculum.models import Skill
from training.extensions import db
from training.workshops.models import Duty, Workshop, WorkshopStaff, WorkshopState

FEEDBACK = (
    "Gentle, even passes with the multiperforated cannula; keep the suction low to the end. "
    "Next time, plan the donor-site sequence before you start.",
    "Good filtration technique; the emulsion was homogeneous. Work on changing syringes "
    "without losing the sterile field.",
    "Careful and safe. Slow down at the port and let your assistant hold the skin.",
)


def _scores(base: int, **overrides: int) -> dict[str, int]:
    return {key: overrides.get(key, base) for key in DOMAIN_KEYS}


def demo_workshop(organizer: User) -> Workshop | None:
    query = (
        sa.select(Workshop)
        .join(WorkshopStaff, WorkshopStaff.workshop_id == Workshop.id)
        .where(
            Workshop.state == WorkshopState.PUBLISHED,
            WorkshopStaff.user_id == organizer.id,
            WorkshopStaff.duty == Duty.ORGANIZER,
        )
        .order_by(Workshop.starts_on, Workshop.id)
    )
    return db.session.scalar(query)


def _ensure_duty(workshop: Workshop, user: User, duty: Duty) -> bool:
    if duty in workshop.duties_of(user):
        return False
    workshop.staff.append(WorkshopStaff(user_id=user.id, duty=duty))
    db.session.flush()
    return True


def _rate(workshop: Workshop, trainee: User, skill: Skill, assessor: User, scores: dict, **fields) -> bool:
    if services.own_assessment(workshop, trainee.id, skill.id, assessor.id) is not None:
        return False
    data = services.AssessmentData(
        scores=scores,
        entrustment=fields.get("entrustment", 3),
        competent=fields.get("competent", True),
        feedback=fields.get("feedback", ""),
        done_steps=[str(step["id"]) for step in skill.checklist][: fields.get("steps", len(skill.checklist))],
        session_id=fields.get("session_id"),
    )
    services.record_assessment(workshop, trainee, skill, data, actor=assessor)
    return True


def seed() -> list[str]:
    """Create what is missing; return lines for the report."""
    people = {email: accounts.find_by_email(email) for email in _EMAILS}
    if any(user is None for user in people.values()):
        return ["Assessments: demo accounts missing; skipped."]
    organizer, faculty, certifier, trainee = (people[email] for email in _EMAILS)
    workshop = demo_workshop(organizer)
    if workshop is None:
        return ["Assessments: no published demo workshop of organizer@example.org; skipped."]
    skills = services.workshop_skills(workshop)
    if not skills:
        return [f"Assessments: {workshop.title} teaches no practical skill; skipped."]
    lines = []
    for user, duty in ((faculty, Duty.FACULTY), (certifier, Duty.CERTIFIER)):
        if _ensure_duty(workshop, user, duty):
            lines.append(f"Assessments: made {user.email} {duty.label.lower()} of {workshop.title}.")
    confirmed = services.confirmed_trainee_ids(workshop)
    if trainee.id not in confirmed:
        return [*lines, f"Assessments: {trainee.email} has no confirmed place on {workshop.title}; skipped."]
    lab = next((s for s in workshop.sessions if s.kind.has_stations and not s.cancelled), None)
    session_id = lab.id if lab else None
    created = 0
    # The demo trainee: three skills by the faculty member, one with a second rater who
    # agrees (then signed off) and one with a second rater who disagrees on one domain.
    for index, skill in enumerate(skills[:3]):
        created += _rate(
            workshop,
            trainee,
            skill,
            faculty,
            _scores(4, respect_for_tissue=5 if index == 0 else 4, use_of_assistants=3),
            entrustment=3 + (index == 0),
            feedback=FEEDBACK[index % len(FEEDBACK)],
            session_id=session_id,
        )
    created += _rate(
        workshop,
        trainee,
        skills[0],
        certifier,
        _scores(4, respect_for_tissue=4),
        entrustment=4,
        feedback="Confident and safe harvest; ready to perform under indirect supervision.",
        session_id=session_id,
    )
    if len(skills) > 1:
        created += _rate(
            workshop,
            trainee,
            skills[1],
            certifier,
            _scores(4, respect_for_tissue=2),
            entrustment=2,
            competent=False,
            feedback="Too much force through the filters: the fraction was warm. Repeat under supervision.",
            steps=2,
        )
    # A few classmates, so that the station view and the matrix show real rows.
    others = db.session.scalars(
        sa.select(User)
        .where(User.id.in_([i for i in confirmed if i != trainee.id]))
        .order_by(User.id)
        .limit(3)
    ).all()
    for n, other in enumerate(others):
        created += _rate(
            workshop,
            other,
            skills[0],
            faculty,
            _scores(3 + (n % 2)),
            entrustment=2 + (n % 2),
            competent=bool(n % 2),
            feedback="Steady progress; practise the fan pattern on the donor site.",
            session_id=session_id,
        )
    if services.standing_sign_off(workshop, trainee.id, skills[0].id) is None:
        evidence = services.own_assessment(workshop, trainee.id, skills[0].id, certifier.id)
        services.sign_off(
            workshop,
            trainee,
            skills[0],
            actor=certifier,
            evidence_id=evidence.id if evidence else None,
            note="Observed two complete harvests at the station.",
        )
        lines.append(f"Assessments: {skills[0].title} signed off for {trainee.full_name}.")
    total = db.session.scalar(
        sa.select(sa.func.count(Assessment.id)).where(Assessment.workshop_id == workshop.id)
    )
    lines.append(f"Assessments: {created} new, {total} in all on {workshop.title}.")
    return lines


_EMAILS = ("organizer@example.org", "faculty@example.org", "certifier@example.org", "trainee@example.org")
