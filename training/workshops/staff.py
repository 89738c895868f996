"""A workshop's staff (organizers, faculty, certifiers) and faculty profiles."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager

from training.accounts.models import Role, User
from training.accounts.services import ROLE_CONSEQUENCES, Ending, RoleConsequence
from training.core import audit
from training.core.db import utcnow
from training.core.errors import Conflict, InvalidInput, NotFound
from training.extensions import db
from training.workshops import permissions
from training.workshops.catalogue import visible_filter
from training.workshops.models import Duty, FacultyProfile, Workshop, WorkshopSession, WorkshopStaff
from training.workshops.roster import lock_workshop


def faculty_profiles(user_ids: list[int]) -> dict[int, FacultyProfile]:
    if not user_ids:
        return {}
    profiles = db.session.scalars(sa.select(FacultyProfile).where(FacultyProfile.user_id.in_(user_ids)))
    return {profile.user_id: profile for profile in profiles}


# The global roles a duty needs (a duty has effect only while its holder has one).
DUTY_NEEDS = {duty: permissions.DUTY_NEEDS[duty.value] for duty in Duty}


def add_staff(workshop: Workshop, email: str, duty: Duty, *, actor: User) -> WorkshopStaff:
    email = (email or "").strip().lower()
    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is None or not user.active:
        raise InvalidInput({"email": [f"No active account uses {email[:254] or 'that address'}."]})
    if not any(user.has_role(role) for role in DUTY_NEEDS[duty]):
        needed = " or ".join(role.label.lower() for role in DUTY_NEEDS[duty])
        raise InvalidInput(
            {"email": [f"{user.full_name} is not {needed}: an admin must give the role first."]}
        )
    if duty in workshop.duties_of(user):
        raise Conflict(f"{user.full_name} is already {duty.label.lower()} on this workshop.")
    lock_workshop(workshop)  # enrolling takes the same lock: the two cannot cross
    if permissions.enrolled_in(user, workshop.id):
        raise InvalidInput(
            {
                "email": [
                    f"{user.full_name} is enrolled in this workshop as a trainee: nobody can be on the "
                    "staff of a workshop they attend (cancel the enrolment first)."
                ]
            }
        )
    member = WorkshopStaff(workshop=workshop, user_id=user.id, duty=duty)
    member.user = user
    db.session.add(member)
    db.session.flush()
    audit.record(
        "workshop.staff_added",
        workshop,
        actor=actor,
        summary=f"Made {user.full_name} {duty.label.lower()} of “{workshop.title}”",
        new={"user": user.email, "duty": duty.value},
        workshop_id=workshop.id,
    )
    return member


def remove_staff(workshop: Workshop, member: WorkshopStaff, *, actor: User) -> None:
    if member.workshop_id != workshop.id:
        raise NotFound("That person is not on this workshop's staff.")
    user = member.user
    if member.duty is Duty.ORGANIZER and len(workshop.staff_with(Duty.ORGANIZER)) <= 1:
        raise Conflict("A workshop needs at least one organizer: add another before removing this one.")
    remaining = workshop.duties_of(user) - {member.duty}
    if member.duty in (Duty.FACULTY, Duty.CERTIFIER) and not remaining & {Duty.FACULTY, Duty.CERTIFIER}:
        teaching = db.session.scalars(
            sa.select(WorkshopSession.title)
            .join(WorkshopSession.faculty)
            .where(WorkshopSession.workshop_id == workshop.id, User.id == user.id)
            .where(WorkshopSession.cancelled.is_(False))
            .order_by(WorkshopSession.starts_at)
        ).all()
        if teaching:
            names = ", ".join(f"“{title}”" for title in teaching)
            raise Conflict(f"{user.full_name} teaches {names}: take them off these sessions first.")
    _drop_staff(member, actor=actor)


def _drop_staff(member: WorkshopStaff, *, actor: User | None, why: str = "", **old: object) -> None:
    """Delete one duty and record it in the workshop's history."""
    workshop, user = member.workshop, member.user
    workshop.staff.remove(member)
    db.session.delete(member)
    db.session.flush()
    audit.record(
        "workshop.staff_removed",
        workshop,
        actor=actor,
        summary=f"{user.full_name} is no longer {member.duty.label.lower()} of “{workshop.title}”{why}",
        old={"user": user.email, "duty": member.duty.value, **old},
        workshop_id=workshop.id,
    )


# A change of global roles ends the duties that needed a removed role (accounts asks).


def duties_without_role(user: User, roles: frozenset[Role]) -> list[WorkshopStaff]:
    """The person's duties that ``roles`` would leave without effect, by workshop date."""
    kept = [duty for duty, needs in DUTY_NEEDS.items() if roles & set(needs)]
    return list(
        db.session.scalars(
            sa.select(WorkshopStaff)
            .join(Workshop, Workshop.id == WorkshopStaff.workshop_id)
            .where(WorkshopStaff.user_id == user.id, WorkshopStaff.duty.not_in(kept))
            .options(contains_eager(WorkshopStaff.workshop))
            .order_by(Workshop.starts_on, Workshop.id, WorkshopStaff.duty)
        )
    )


def _sessions_to_leave(member: WorkshopStaff, ending: list[WorkshopStaff]) -> list[WorkshopSession]:
    """Sessions of the workshop not yet begun that the person teaches, when no teaching
    duty on it outlives ``ending``: they are taken off them (past ones keep the record)."""
    teaching = {Duty.FACULTY, Duty.CERTIFIER}
    if member.duty not in teaching:
        return []
    staying = {m.duty for m in member.workshop.staff if m.user_id == member.user_id} - {
        m.duty for m in ending if m.workshop_id == member.workshop_id
    }
    if staying & teaching:
        return []
    return list(
        db.session.scalars(
            sa.select(WorkshopSession)
            .join(WorkshopSession.faculty)
            .where(
                WorkshopSession.workshop_id == member.workshop_id,
                WorkshopSession.starts_at > utcnow(),
                User.id == member.user_id,
            )
            .order_by(WorkshopSession.starts_at, WorkshopSession.id)
        )
    )


def _ending_text(member: WorkshopStaff, sessions: list[WorkshopSession]) -> str:
    workshop = member.workshop
    text = f"{member.duty.label} of “{workshop.title}” ({workshop.starts_on.isoformat()})"
    if sessions:
        count = f"{len(sessions)} upcoming session" + ("s" if len(sessions) > 1 else "")
        text += f", and teaching its {count}"
    return text


def _preview_duty_endings(user: User, roles: frozenset[Role]) -> list[Ending]:
    ending = duties_without_role(user, roles)
    return [
        Ending(f"workshop_staff:{member.id}", _ending_text(member, _sessions_to_leave(member, ending)))
        for member in ending
    ]


def _end_duties(user: User, roles: frozenset[Role], *, actor: User) -> None:
    ending = duties_without_role(user, roles)
    leaving = {member.id: _sessions_to_leave(member, ending) for member in ending}
    for member in ending:
        for item in leaving[member.id]:
            item.faculty = [person for person in item.faculty if person.id != user.id]
            for station in item.stations:
                if station.faculty_id == user.id:
                    station.faculty_id = None
            item.sequence += 1  # calendars show who teaches
        left = {"sessions": [item.title for item in leaving[member.id]]} if leaving[member.id] else {}
        _drop_staff(member, actor=actor, why=": the global role it needs was removed", **left)


ROLE_CONSEQUENCES.append(RoleConsequence(preview=_preview_duty_endings, end=_end_duties))


def faculty_profile(user: User) -> FacultyProfile | None:
    return db.session.scalar(sa.select(FacultyProfile).where(FacultyProfile.user_id == user.id))


def save_faculty_profile(
    user: User, *, biography: str, disclosure: str, nothing_to_disclose: bool, actor: User
) -> FacultyProfile:
    biography, disclosure = (biography or "").strip(), (disclosure or "").strip()
    if nothing_to_disclose and disclosure:
        raise InvalidInput(
            {
                "disclosure": [
                    "Either list your relationships with industry or tick “nothing to disclose”, not both."
                ]
            }
        )
    if not nothing_to_disclose and not disclosure:
        raise InvalidInput(
            {
                "disclosure": [
                    "List your financial relationships with industry (consulting, fees, grants, shares), "
                    "or tick “nothing to disclose”."
                ]
            }
        )
    profile = faculty_profile(user) or FacultyProfile(user_id=user.id)
    before = {
        "biography": profile.biography or "",
        "disclosure": profile.disclosure or "",
        "nothing_to_disclose": bool(profile.nothing_to_disclose),
    }
    after = {"biography": biography, "disclosure": disclosure, "nothing_to_disclose": nothing_to_disclose}
    if (before["disclosure"], before["nothing_to_disclose"]) != (disclosure, nothing_to_disclose):
        profile.disclosure_updated_at = utcnow()
    profile.biography, profile.disclosure, profile.nothing_to_disclose = (
        biography,
        disclosure,
        nothing_to_disclose,
    )
    db.session.add(profile)
    db.session.flush()
    audit.record_changes(
        "faculty.profile_updated",
        profile,
        before,
        after,
        actor=actor,
        summary=f"Updated the faculty profile of {user.full_name}",
    )
    return profile


def faculty_teaching(person: User, viewer: User | None) -> list[Workshop]:
    """The workshops ``person`` teaches or certifies that ``viewer`` may see, latest first."""
    return list(
        db.session.scalars(
            sa.select(Workshop)
            .where(
                Workshop.id.in_(permissions.staffed_workshops(person, "faculty", "certifier")),
                visible_filter(viewer),
            )
            .order_by(Workshop.starts_on.desc())
            .limit(50)
        )
    )
