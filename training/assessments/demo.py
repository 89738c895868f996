"""Demo data for assessments: called by `flask seed-demo`, idempotent.

One consistent story, on the demo workshop (the earliest published or completed workshop
organized by organizer@example.org whose station sessions have begun: the completed
Lisbon course in the shipped demo). Each skill is rated only at a station session that
teaches its module, after that session began, with feedback about that skill:

- the first skill: faculty@example.org and certifier@example.org both watched the demo
  trainee, agree, and certifier@example.org signs it off (it meets the standard);
- the second skill: the two raters disagree (one judges the trainee not yet competent),
  so it stays unsigned until a certifier reviews it;
- a few classmates are rated on the first skill, so the station view and matrix have rows.

A domain that does not apply at a bench station (use of assistants) is marked not
applicable. Nothing is created twice; a workshop whose stations are still ahead gets nothing.
"""

from __future__ import annotations

import sqlalchemy as sa

from training.accounts import services as accounts
from training.accounts.models import User
from training.assessments.models import Assessment
from training.assessments.rating import AssessmentData, own_assessment, record_assessment
from training.assessments.scale import DOMAIN_KEYS
from training.assessments.signing import sign_off, standing_sign_off
from training.assessments.teaching import confirmed_trainee_ids, workshop_skills
from training.core.db import utcnow
from training.curriculum.models import Skill
from training.extensions import db
from training.workshops.models import Duty, Workshop, WorkshopSession, WorkshopStaff, WorkshopState

# What each rater wrote, by the module the skill belongs to: feedback about that skill only.
FEEDBACK = {
    "NFAT-301": {
        "faculty": "Set the filters up in order and passed the emulsion through every one in turn; "
        "the fraction was liquid with no intact adipocytes. I stayed in the room only in case.",
        "certifier": "Emulsified with steady, even strokes and checked the result before labelling it. "
        "I needed to be there just in case; nothing needed correcting.",
    },
    "NFAT-303": {
        "faculty": "Good photographs and preparation. The needle depth drifted once on the forehead "
        "and I had to prompt you to reset it to 2.5 mm; otherwise safe.",
        "certifier": "Depth went beyond 2.5 mm twice and I had to talk you through resetting the "
        "device; not yet competent. Repeat under supervision.",
    },
    "MFAT-201": {
        "faculty": "Gentle, even passes with the multiperforated cannula at low suction. I stayed in "
        "the room only in case.",
        "certifier": "Kept the suction gentle to the end and handled the harvested fat with care; "
        "nothing needed correcting.",
    },
}
GENERIC = {
    "faculty": "Careful and methodical throughout the station; I stayed in the room only in case.",
    "certifier": "Needed prompting on the order of the steps; not yet competent. Repeat under supervision.",
}
CLASSMATE_FEEDBACK = (
    "Needed prompts on the order of the steps; practise the sequence before the next station.",
    "Worked through every step unprompted; I stayed in the room only in case.",
)


def _scores(base: int, **overrides: int | None) -> dict[str, int | None]:
    # At a bench station nobody assists: use of assistants does not apply.
    values: dict[str, int | None] = {key: overrides.get(key, base) for key in DOMAIN_KEYS}
    values["use_of_assistants"] = overrides.get("use_of_assistants")
    return values


def demo_workshop(organizer: User) -> Workshop | None:
    """The earliest open workshop of the demo organizer with a station session under way or over."""
    query = (
        sa.select(Workshop)
        .join(WorkshopStaff, WorkshopStaff.workshop_id == Workshop.id)
        .where(
            Workshop.state.in_([WorkshopState.PUBLISHED, WorkshopState.COMPLETED]),
            WorkshopStaff.user_id == organizer.id,
            WorkshopStaff.duty == Duty.ORGANIZER,
        )
        .order_by(Workshop.starts_on, Workshop.id)
    )
    for workshop in db.session.scalars(query):
        if any(_begun(session) for session in workshop.sessions):
            return workshop
    return None


def _begun(session: WorkshopSession) -> bool:
    return session.kind.has_stations and not session.cancelled and session.starts_at <= utcnow()


def station_for(workshop: Workshop, skill: Skill) -> WorkshopSession | None:
    """The begun station session that teaches the skill's module, if there is one."""
    return next(
        (s for s in workshop.sessions if _begun(s) and any(m.id == skill.module_id for m in s.modules)),
        None,
    )


def _ensure_duty(workshop: Workshop, user: User, duty: Duty) -> bool:
    if duty in workshop.duties_of(user):
        return False
    workshop.staff.append(WorkshopStaff(user_id=user.id, duty=duty))
    db.session.flush()
    return True


def _rate(
    workshop: Workshop,
    trainee: User,
    skill: Skill,
    assessor: User,
    session: WorkshopSession,
    scores: dict,
    **fields,
) -> bool:
    if own_assessment(workshop, trainee.id, skill.id, assessor.id) is not None:
        return False
    steps = [str(step["id"]) for step in skill.checklist]
    data = AssessmentData(
        scores=scores,
        entrustment=fields["entrustment"],
        competent=fields.get("competent", True),
        feedback=fields["feedback"],
        done_steps=steps[: fields.get("steps", len(steps))],
        session_id=session.id,
    )
    record_assessment(workshop, trainee, skill, data, actor=assessor)
    return True


def seed() -> list[str]:
    """Create what is missing; return lines for the report."""
    people = [user for email in _EMAILS if (user := accounts.find_by_email(email)) is not None]
    if len(people) < len(_EMAILS):
        return ["Assessments: demo accounts missing; skipped."]
    organizer, faculty, certifier, trainee = people
    workshop = demo_workshop(organizer)
    if workshop is None:
        return ["Assessments: no workshop of organizer@example.org has had a station session yet; skipped."]
    taught = [
        (skill, session)
        for skill in workshop_skills(workshop)
        if (session := station_for(workshop, skill)) is not None
    ]
    if not taught:
        return [f"Assessments: no station session of {workshop.title} teaches a skill; skipped."]
    lines = []
    for user, duty in ((faculty, Duty.FACULTY), (certifier, Duty.CERTIFIER)):
        if _ensure_duty(workshop, user, duty):
            lines.append(f"Assessments: made {user.email} {duty.label.lower()} of {workshop.title}.")
    confirmed = confirmed_trainee_ids(workshop)
    if trainee.id not in confirmed:
        return [*lines, f"Assessments: {trainee.email} has no confirmed place on {workshop.title}; skipped."]
    created = 0
    (skill, session), *rest = taught
    said = FEEDBACK.get(skill.module.code, GENERIC)
    # The first skill: both raters watched, agree, and the trainee meets the standard.
    created += _rate(
        workshop,
        trainee,
        skill,
        faculty,
        session,
        _scores(4, respect_for_tissue=5),
        entrustment=4,
        feedback=said["faculty"],
    )
    created += _rate(
        workshop, trainee, skill, certifier, session, _scores(4), entrustment=4, feedback=said["certifier"]
    )
    if rest:
        # The second skill: the raters disagree; it stays unsigned.
        other, other_session = rest[0]
        said_other = FEEDBACK.get(other.module.code, GENERIC)
        created += _rate(
            workshop,
            trainee,
            other,
            faculty,
            other_session,
            _scores(4),
            entrustment=3,
            feedback=said_other["faculty"],
        )
        created += _rate(
            workshop,
            trainee,
            other,
            certifier,
            other_session,
            _scores(3, respect_for_tissue=2),
            entrustment=2,
            competent=False,
            feedback=said_other["certifier"],
            steps=2,
        )
    # A few classmates, so that the station view and the matrix show real rows.
    others = db.session.scalars(
        sa.select(User)
        .where(User.id.in_([i for i in confirmed if i != trainee.id]))
        .order_by(User.id)
        .limit(3)
    ).all()
    for n, classmate in enumerate(others):
        ready = bool(n % 2)
        created += _rate(
            workshop,
            classmate,
            skill,
            faculty,
            session,
            _scores(4 if ready else 3),
            entrustment=4 if ready else 3,
            competent=ready,
            feedback=CLASSMATE_FEEDBACK[n % 2],
        )
    if standing_sign_off(workshop, trainee.id, skill.id) is None:
        evidence = own_assessment(workshop, trainee.id, skill.id, certifier.id)
        when = session.local_start.strftime("%d %b %Y")
        sign_off(
            workshop,
            trainee,
            skill,
            actor=certifier,
            evidence_id=evidence.id if evidence else None,
            note=f"Both raters watched the complete procedure at the station on {when}.",
        )
        lines.append(f"Assessments: {skill.title} signed off for {trainee.full_name}.")
    total = db.session.scalar(
        sa.select(sa.func.count(Assessment.id)).where(Assessment.workshop_id == workshop.id)
    )
    lines.append(f"Assessments: {created} new, {total} in all on {workshop.title}.")
    return lines


_EMAILS = ("organizer@example.org", "faculty@example.org", "certifier@example.org", "trainee@example.org")
