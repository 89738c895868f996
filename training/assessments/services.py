"""Assessment use cases: rate a trainee, sign a skill off, revoke it; and the reads
behind the station view, a trainee's record of a skill, the skills matrix and progress.

Services take the acting user as ``actor``, flush but never commit, and raise
DomainErrors that the views turn into messages.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from training.accounts.models import User
from training.assessments import permissions, rules
from training.assessments.models import Assessment, CompetenceStandard, SkillSignOff
from training.assessments.scale import DOMAIN_KEYS, SETTING_BY_SESSION_KIND
from training.certificates.permissions import can_edit_certification_rules
from training.core import audit
from training.core.audit import AuditEvent
from training.core.db import utcnow
from training.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from training.curriculum.models import Module, Skill
from training.enrolments.models import Enrolment, EnrolmentState
from training.extensions import db
from training.workshops.models import (
    SessionKind,
    Station,
    StationAssignment,
    Workshop,
    WorkshopSession,
    WorkshopState,
    session_modules,
    workshop_modules,
)
from training.workshops.permissions import judges, staffed_workshops

OPEN_STATES = (WorkshopState.PUBLISHED, WorkshopState.COMPLETED)


# Reading the workshop -------------------------------------------------------------------------


def workshop_skills(workshop: Workshop) -> list[Skill]:
    """The practical skills of the workshop's modules, in curriculum order (one query)."""
    query = (
        sa.select(Skill)
        .join(Module, Skill.module_id == Module.id)
        .join(workshop_modules, workshop_modules.c.module_id == Module.id)
        .where(workshop_modules.c.workshop_id == workshop.id)
        .options(joinedload(Skill.module))
        .order_by(Module.position, Module.id, Skill.position, Skill.id)
    )
    return list(db.session.scalars(query))


def session_skills(session: WorkshopSession) -> list[Skill]:
    """The skills taught in a session: those of its modules, or else the workshop's."""
    query = (
        sa.select(Skill)
        .join(Module, Skill.module_id == Module.id)
        .join(session_modules, session_modules.c.module_id == Module.id)
        .where(session_modules.c.session_id == session.id)
        .options(joinedload(Skill.module))
        .order_by(Module.position, Module.id, Skill.position, Skill.id)
    )
    return list(db.session.scalars(query)) or workshop_skills(session.workshop)


def confirmed_trainee_ids(workshop: Workshop) -> list[int]:
    query = sa.select(Enrolment.trainee_id).where(
        Enrolment.workshop_id == workshop.id, Enrolment.state == EnrolmentState.CONFIRMED
    )
    return list(db.session.scalars(query))


def is_confirmed(workshop: Workshop, trainee_id: int) -> bool:
    query = sa.select(Enrolment.id).where(
        Enrolment.workshop_id == workshop.id,
        Enrolment.trainee_id == trainee_id,
        Enrolment.state == EnrolmentState.CONFIRMED,
    )
    return db.session.scalar(query) is not None


def skill_of_workshop(workshop: Workshop, skill_id: int) -> Skill | None:
    query = (
        sa.select(Skill)
        .join(workshop_modules, workshop_modules.c.module_id == Skill.module_id)
        .where(workshop_modules.c.workshop_id == workshop.id, Skill.id == skill_id)
        .options(joinedload(Skill.module))
    )
    return db.session.scalar(query)


def rating_of(assessment: Assessment) -> rules.Rating:
    return rules.Rating(
        assessment_id=assessment.id,
        assessor_id=assessment.assessor_id,
        assessor_name=assessment.assessor.full_name,
        scores=assessment.scores,
        entrustment=assessment.entrustment,
        competent=assessment.competent,
        critical_missed=rules.critical_missed(assessment.skill.checklist, assessment.checklist),
        session_id=assessment.session_id,
    )


def session_label(session: WorkshopSession) -> str:
    """The session's title with its venue date and time, as people are shown it."""
    start = session.local_start
    return f"\u201c{session.title}\u201d ({start:%d %b %Y %H:%M} {session.workshop.timezone})"


def setting_of(session: WorkshopSession | None) -> str | None:
    """Where an observed attempt took place (cadaver lab, bench model, ...), by session kind."""
    return SETTING_BY_SESSION_KIND.get(session.kind.value) if session is not None else None


def observable_sessions(workshop: Workshop, skill: Skill) -> list[WorkshopSession]:
    """The sessions an assessment of ``skill`` may name: station sessions, and the other
    sessions that teach the skill's module (not breaks, not cancelled), in time order."""
    return [
        s
        for s in workshop.sessions
        if not s.cancelled and s.kind.counts_for_attendance and _teaches(s, skill)
    ]


def _teaches(session: WorkshopSession, skill: Skill) -> bool:
    return session.kind.has_stations or any(m.id == skill.module_id for m in session.modules)


def _observed(workshop: Workshop, skill: Skill, session_id: int | None) -> rules.ObservedSession | None:
    session = db.session.get(WorkshopSession, session_id) if session_id is not None else None
    if session is None:
        return None
    return rules.ObservedSession(
        label=session_label(session),
        of_workshop=session.workshop_id == workshop.id,
        teaches_skill=_teaches(session, skill),
        cancelled=session.cancelled,
        is_break=not session.kind.counts_for_attendance,
        starts_at=session.starts_at,
    )


# The competence standard ----------------------------------------------------------------------


def standard_row(workshop: Workshop) -> CompetenceStandard | None:
    return db.session.scalar(
        sa.select(CompetenceStandard).where(CompetenceStandard.workshop_id == workshop.id)
    )


def standard_of(workshop: Workshop) -> rules.Standard:
    """The workshop's competence standard (the floor when none was set)."""
    row = standard_row(workshop)
    if row is None:
        return rules.Standard()
    return rules.Standard(row.min_domain_score, row.required_entrustment)


def set_standard(
    workshop: Workshop, *, min_domain_score: int, required_entrustment: int, actor: User
) -> CompetenceStandard:
    """Set the workshop's competence standard; it may be stricter than the floor, never looser."""
    if not can_edit_certification_rules(actor, workshop):
        raise NotAllowed("Only the workshop's organizers and certifying faculty set its competence standard.")
    problems = rules.standard_problems(min_domain_score, required_entrustment)
    if problems:
        raise InvalidInput(problems)
    row = standard_row(workshop)
    if row is None:
        row = CompetenceStandard(workshop_id=workshop.id)
        db.session.add(row)
        before: dict[str, Any] = {}
    else:
        before = {"min_domain_score": row.min_domain_score, "required_entrustment": row.required_entrustment}
    row.min_domain_score = min_domain_score
    row.required_entrustment = required_entrustment
    db.session.flush()
    audit.record_changes(
        "assessments.standard",
        row,
        before,
        {"min_domain_score": min_domain_score, "required_entrustment": required_entrustment},
        actor=actor,
        summary=f"Competence standard of {workshop.title} set",
        workshop_id=workshop.id,
    )
    return row


# Rating a trainee -----------------------------------------------------------------------------


@dataclass(frozen=True)
class AssessmentData:
    scores: dict[str, Any]
    entrustment: Any
    competent: bool | None
    feedback: str = ""
    done_steps: list[str] = field(default_factory=list)
    session_id: int | None = None


def own_assessment(
    workshop: Workshop, trainee_id: int, skill_id: int, assessor_id: int, *, lock: bool = False
) -> Assessment | None:
    query = sa.select(Assessment).where(
        Assessment.workshop_id == workshop.id,
        Assessment.trainee_id == trainee_id,
        Assessment.skill_id == skill_id,
        Assessment.assessor_id == assessor_id,
    )
    return db.session.scalar(query.with_for_update() if lock else query)


def record_assessment(
    workshop: Workshop, trainee: User, skill: Skill, data: AssessmentData, *, actor: User
) -> tuple[Assessment, bool]:
    """Record the actor's assessment of the trainee on the skill, or change it.

    Returns the assessment and whether it is new. Every change is audited, old -> new.
    """
    if not permissions.can_assess(actor, workshop):
        raise NotAllowed("Only faculty of this workshop may assess its trainees.")
    if workshop.state not in OPEN_STATES:
        raise Conflict("Trainees are assessed only on a published or completed workshop.")
    if actor.id == trainee.id:
        raise NotAllowed("Nobody may assess their own skill.")
    if not judges(actor, workshop, trainee.id):
        raise NotAllowed("A trainee of this workshop does not assess fellow trainees.")
    if not is_confirmed(workshop, trainee.id):
        raise Conflict(f"{trainee.full_name} does not hold a confirmed place on this workshop.")
    if skill_of_workshop(workshop, skill.id) is None:
        raise NotFound("This skill is not taught on this workshop.")
    problems = _problems(workshop, skill, data)
    checklist = rules.checklist_result(skill.checklist, data.done_steps)
    missed = rules.critical_missed(skill.checklist, checklist.results)
    if data.competent and missed and "steps" not in problems:
        problems["competent"] = [
            "A critical step was not done ("
            + "; ".join(missed)
            + "): the trainee is not yet competent, whatever the global score."
        ]
    if problems:
        raise InvalidInput(problems)
    values = {
        **{key: data.scores.get(key) for key in DOMAIN_KEYS},
        "entrustment": data.entrustment,
        "competent": bool(data.competent),
        "feedback": data.feedback.strip(),
        "checklist": checklist.results,
        "session_id": data.session_id,
    }
    assessment = own_assessment(workshop, trainee.id, skill.id, actor.id, lock=True)
    if assessment is None:
        assessment = Assessment(
            workshop_id=workshop.id, trainee_id=trainee.id, skill_id=skill.id, assessor_id=actor.id, **values
        )
        db.session.add(assessment)
        try:
            with db.session.begin_nested():
                db.session.flush()
        except IntegrityError as error:
            raise Conflict(
                "You assessed this trainee on this skill a moment ago; reload the page."
            ) from error
        audit.record(
            "assessment.recorded",
            assessment,
            actor=actor,
            summary=f"{skill.title}: {actor.full_name} rated {trainee.full_name} {assessment.total_text}",
            new=assessment.snapshot(),
            workshop_id=workshop.id,
        )
        return assessment, True
    before = assessment.snapshot()
    _refuse_changing_signed_evidence(assessment, before, values)
    for key, value in values.items():
        setattr(assessment, key, value)
    old, new = audit.diff(before, assessment.snapshot())
    if new:
        audit.record(
            "assessment.edited",
            assessment,
            actor=actor,
            summary=f"{skill.title}: {actor.full_name} changed their assessment of {trainee.full_name}",
            old=old,
            new=new,
            workshop_id=workshop.id,
        )
        db.session.flush()
    return assessment, False


def _problems(workshop: Workshop, skill: Skill, data: AssessmentData) -> dict[str | None, list[str]]:
    problems: dict[str | None, list[str]] = dict(rules.score_problems(data.scores, data.entrustment))
    if data.competent is None:
        problems["competent"] = ["Say whether the trainee is competent or not yet competent."]
    unknown = rules.checklist_result(skill.checklist, data.done_steps).unknown
    if unknown:
        problems["steps"] = ["The checklist has changed; reload the page and tick the steps again."]
    problem = rules.observation_problem(_observed(workshop, skill, data.session_id), utcnow())
    if problem:
        problems["session_id"] = [problem]
    return problems


def _refuse_changing_signed_evidence(assessment: Assessment, before: dict, after: dict) -> None:
    judged = [*DOMAIN_KEYS, "entrustment", "competent", "checklist"]
    if all(before[key] == after[key] for key in judged):
        return
    query = sa.select(SkillSignOff.id).where(
        SkillSignOff.assessment_id == assessment.id, SkillSignOff.revoked_at.is_(None)
    )
    if db.session.scalar(query) is not None:
        raise Conflict(
            "This assessment is the evidence of a sign-off: its ratings cannot change while the "
            "sign-off stands. You may still edit the feedback; ask a certifying faculty member to "
            "revoke the sign-off first to change the ratings."
        )


# Signing off ----------------------------------------------------------------------------------


def assessments_of(
    workshop: Workshop, trainee_id: int, skill_id: int, *, lock: bool = False
) -> list[Assessment]:
    query = (
        sa.select(Assessment)
        .where(
            Assessment.workshop_id == workshop.id,
            Assessment.trainee_id == trainee_id,
            Assessment.skill_id == skill_id,
        )
        .options(
            joinedload(Assessment.assessor),
            joinedload(Assessment.session),
            joinedload(Assessment.skill),
        )
        .order_by(Assessment.created_at, Assessment.id)
    )
    if lock:
        query = query.with_for_update(of=Assessment)
    return list(db.session.scalars(query).unique())


def standing_sign_off(workshop: Workshop, trainee_id: int, skill_id: int) -> SkillSignOff | None:
    query = sa.select(SkillSignOff).where(
        SkillSignOff.workshop_id == workshop.id,
        SkillSignOff.trainee_id == trainee_id,
        SkillSignOff.skill_id == skill_id,
        SkillSignOff.revoked_at.is_(None),
    )
    return db.session.scalar(query)


def sign_off(
    workshop: Workshop,
    trainee: User,
    skill: Skill,
    *,
    actor: User,
    evidence_id: int | None,
    reviewed_disagreement: bool = False,
    note: str = "",
) -> SkillSignOff:
    """Sign the skill off for the trainee, resting on the chosen assessment."""
    if not permissions.can_sign_off_skills(actor, workshop):
        raise NotAllowed("Only certifying faculty of this workshop may sign a skill off.")
    if not judges(actor, workshop, trainee.id):
        raise NotAllowed("Nobody signs off their own skill, nor a fellow trainee's on their workshop.")
    if skill_of_workshop(workshop, skill.id) is None:
        raise NotFound("This skill is not taught on this workshop.")
    assessments = assessments_of(workshop, trainee.id, skill.id, lock=True)
    decision = rules.sign_off_decision(
        rules.SignOffRequest(
            signer_id=actor.id,
            signer_certifies=True,
            trainee_id=trainee.id,
            trainee_confirmed=is_confirmed(workshop, trainee.id),
            workshop_open=workshop.state in OPEN_STATES,
            already_signed_off=standing_sign_off(workshop, trainee.id, skill.id) is not None,
            ratings=[rating_of(a) for a in assessments],
            evidence_id=evidence_id,
            reviewed_disagreement=reviewed_disagreement,
            note=note,
            standard=standard_of(workshop),
        )
    )
    if not decision.ok:
        raise InvalidInput({None: list(decision.reasons)})
    evidence = next(a for a in assessments if a.id == evidence_id)
    record = SkillSignOff(
        workshop_id=workshop.id,
        trainee_id=trainee.id,
        skill_id=skill.id,
        assessment_id=evidence.id,
        signed_by_id=actor.id,
        signed_at=utcnow(),
        note=note.strip(),
        assessments=assessments,
    )
    db.session.add(record)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as error:
        raise Conflict("This skill was signed off a moment ago by someone else; reload the page.") from error
    audit.record(
        "skill.signed_off",
        record,
        actor=actor,
        summary=f"{skill.title} signed off for {trainee.full_name} by {actor.full_name}",
        new={
            "evidence_assessment": evidence.id,
            "assessments": [a.id for a in assessments],
            "note": record.note,
        },
        workshop_id=workshop.id,
    )
    return record


def revoke_sign_off(record: SkillSignOff, *, actor: User, reason: str) -> SkillSignOff:
    workshop = record.workshop
    if not permissions.can_sign_off_skills(actor, workshop):
        raise NotAllowed("Only certifying faculty of this workshop may revoke a sign-off.")
    db.session.refresh(record, with_for_update=True)
    problems = rules.revoke_problems(standing=record.standing, reason=reason)
    if problems:
        raise InvalidInput({"reason": problems})
    record.revoked_at = utcnow()
    record.revoked_by_id = actor.id
    record.revocation_reason = reason.strip()
    audit.record(
        "skill.sign_off_revoked",
        record,
        actor=actor,
        summary=f"Sign-off of {record.skill.title} for {record.trainee.full_name} revoked",
        old={"standing": True},
        new={"standing": False, "reason": record.revocation_reason},
        workshop_id=workshop.id,
    )
    db.session.flush()
    return record


# The station view -----------------------------------------------------------------------------


@dataclass(frozen=True)
class TraineeRow:
    trainee: User
    mine: dict[int, Assessment]  # skill id -> the viewer's assessment
    others: dict[int, int]  # skill id -> how many other raters assessed
    signed_off: frozenset[int]  # skill ids

    def missing(self, skills: list[Skill]) -> list[Skill]:
        return [skill for skill in skills if skill.id not in self.mine]


@dataclass(frozen=True)
class StationBlock:
    station: Station
    rows: list[TraineeRow]


@dataclass(frozen=True)
class StationView:
    session: WorkshopSession
    skills: list[Skill]
    stations: list[StationBlock]
    only_mine: bool  # the viewer is in charge of these stations (else all are shown)

    @property
    def begun(self) -> bool:
        """Whether the session has started, so that its attempts may be assessed."""
        return self.session.starts_at <= utcnow()

    @property
    def to_assess(self) -> int:
        return sum(len(row.missing(self.skills)) for block in self.stations for row in block.rows)


def station_view(session: WorkshopSession, viewer: User) -> StationView:
    """The viewer's stations (all of them when they lead none) with whom they still have to assess."""
    workshop = session.workshop
    stations = list(
        db.session.scalars(
            sa.select(Station)
            .where(Station.session_id == session.id)
            .options(selectinload(Station.assignments).joinedload(StationAssignment.trainee))
            .order_by(Station.position, Station.id)
        )
    )
    mine = [station for station in stations if station.faculty_id == viewer.id]
    shown = mine or stations
    skills = session_skills(session)
    trainee_ids = {a.trainee_id for station in shown for a in station.assignments}
    assessments = list(
        db.session.scalars(
            sa.select(Assessment).where(
                Assessment.workshop_id == workshop.id,
                Assessment.trainee_id.in_(trainee_ids),
                Assessment.skill_id.in_([s.id for s in skills]),
            )
        )
    )
    own: dict[int, dict[int, Assessment]] = defaultdict(dict)
    others: dict[int, Counter[int]] = defaultdict(Counter)
    for assessment in assessments:
        if assessment.assessor_id == viewer.id:
            own[assessment.trainee_id][assessment.skill_id] = assessment
        else:
            others[assessment.trainee_id][assessment.skill_id] += 1
    signed = _standing_pairs(workshop, trainee_ids)
    blocks = [
        StationBlock(
            station,
            [
                TraineeRow(
                    a.trainee,
                    own[a.trainee_id],
                    dict(others[a.trainee_id]),
                    frozenset(skill for trainee, skill in signed if trainee == a.trainee_id),
                )
                for a in sorted(station.assignments, key=lambda a: a.trainee.full_name)
            ],
        )
        for station in shown
    ]
    return StationView(session, skills, blocks, bool(mine))


def _standing_pairs(workshop: Workshop, trainee_ids: set[int] | list[int]) -> set[tuple[int, int]]:
    if not trainee_ids:
        return set()
    query = sa.select(SkillSignOff.trainee_id, SkillSignOff.skill_id).where(
        SkillSignOff.workshop_id == workshop.id,
        SkillSignOff.trainee_id.in_(list(trainee_ids)),
        SkillSignOff.revoked_at.is_(None),
    )
    return {(row.trainee_id, row.skill_id) for row in db.session.execute(query)}


def upcoming_labs(user: User, *, limit: int = 5) -> list[WorkshopSession]:
    """Hands-on and cadaver-lab sessions of published workshops the user teaches on,
    from yesterday on, soonest first: where they will assess (for the dashboard)."""
    query = (
        sa.select(WorkshopSession)
        .join(Workshop, Workshop.id == WorkshopSession.workshop_id)
        .where(
            Workshop.state == WorkshopState.PUBLISHED,
            WorkshopSession.kind.in_([SessionKind.HANDS_ON, SessionKind.CADAVER_LAB]),
            WorkshopSession.cancelled.is_(False),
            WorkshopSession.ends_at >= utcnow() - timedelta(days=1),
            Workshop.id.in_(staffed_workshops(user, "faculty", "certifier")),
        )
        .options(contains_eager(WorkshopSession.workshop))
        .order_by(WorkshopSession.starts_at, WorkshopSession.id)
        .limit(limit)
    )
    return list(db.session.scalars(query))


# One trainee's record of one skill ------------------------------------------------------------


@dataclass(frozen=True)
class SkillRecord:
    workshop: Workshop
    trainee: User
    skill: Skill
    assessments: list[Assessment]
    ratings: list[rules.Rating]
    disagreements: list[rules.Disagreement]
    split_judgement: bool
    sign_offs: list[SkillSignOff]  # newest first, revoked ones included
    history: list[AuditEvent]  # newest first

    @property
    def standing(self) -> SkillSignOff | None:
        return next((s for s in self.sign_offs if s.standing), None)

    def disagreeing(self, key: str) -> bool:
        return any(d.domain == key for d in self.disagreements)


def skill_record(workshop: Workshop, trainee: User, skill: Skill) -> SkillRecord:
    assessments = assessments_of(workshop, trainee.id, skill.id)
    ratings = [rating_of(a) for a in assessments]
    sign_offs = list(
        db.session.scalars(
            sa.select(SkillSignOff)
            .where(
                SkillSignOff.workshop_id == workshop.id,
                SkillSignOff.trainee_id == trainee.id,
                SkillSignOff.skill_id == skill.id,
            )
            .options(joinedload(SkillSignOff.signed_by), joinedload(SkillSignOff.revoked_by))
            .order_by(SkillSignOff.signed_at.desc(), SkillSignOff.id.desc())
        )
    )
    targets = [("assessments", a.id) for a in assessments] + [("skill_sign_offs", s.id) for s in sign_offs]
    history: list[AuditEvent] = []
    if targets:
        history = list(
            db.session.scalars(
                sa.select(AuditEvent)
                .where(sa.tuple_(AuditEvent.target_type, AuditEvent.target_id).in_(targets))
                .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                .limit(200)
            )
        )
    return SkillRecord(
        workshop,
        trainee,
        skill,
        assessments,
        ratings,
        rules.disagreements(ratings),
        rules.split_judgement(ratings),
        sign_offs,
        history,
    )


# The skills matrix ----------------------------------------------------------------------------


@dataclass(frozen=True)
class MatrixCell:
    assessed: int  # how many raters
    competent: int  # how many of them judged competent
    signed_off: bool


@dataclass(frozen=True)
class SkillsMatrix:
    skills: list[Skill]
    page: Any  # db.paginate of confirmed enrolments
    cells: dict[tuple[int, int], MatrixCell]  # (trainee id, skill id)
    signed_per_skill: dict[int, int]  # skill id -> trainees signed off (whole workshop)

    def cell(self, trainee_id: int, skill_id: int) -> MatrixCell:
        return self.cells.get((trainee_id, skill_id), MatrixCell(0, 0, False))


def _confirmed_count(workshop: Workshop) -> int:
    query = sa.select(sa.func.count(Enrolment.id)).where(
        Enrolment.workshop_id == workshop.id, Enrolment.state == EnrolmentState.CONFIRMED
    )
    return db.session.scalar(query) or 0


def skills_matrix(workshop: Workshop, *, page: int, per_page: int | None = 25) -> SkillsMatrix:
    """One page of confirmed trainees (``per_page=None``: all of them) against every skill."""
    skills = workshop_skills(workshop)
    enrolments = db.paginate(
        sa.select(Enrolment)
        .join(User, User.id == Enrolment.trainee_id)
        .where(Enrolment.workshop_id == workshop.id, Enrolment.state == EnrolmentState.CONFIRMED)
        .options(joinedload(Enrolment.trainee))
        .order_by(User.full_name, User.id),
        page=page,
        per_page=per_page or max(1, workshop.capacity, _confirmed_count(workshop)),
        error_out=False,
    )
    trainee_ids = [e.trainee_id for e in enrolments.items]
    cells: dict[tuple[int, int], MatrixCell] = {}
    if trainee_ids:
        counts = db.session.execute(
            sa.select(
                Assessment.trainee_id,
                Assessment.skill_id,
                sa.func.count(Assessment.id),
                sa.func.sum(sa.case((Assessment.competent.is_(True), 1), else_=0)),
            )
            .where(Assessment.workshop_id == workshop.id, Assessment.trainee_id.in_(trainee_ids))
            .group_by(Assessment.trainee_id, Assessment.skill_id)
        )
        for trainee_id, skill_id, assessed, competent in counts:
            cells[(trainee_id, skill_id)] = MatrixCell(int(assessed), int(competent or 0), False)
        for trainee_id, skill_id in _standing_pairs(workshop, trainee_ids):
            cell = cells.get((trainee_id, skill_id), MatrixCell(0, 0, False))
            cells[(trainee_id, skill_id)] = MatrixCell(cell.assessed, cell.competent, True)
    per_skill = dict(
        db.session.execute(
            sa.select(SkillSignOff.skill_id, sa.func.count(SkillSignOff.id))
            .join(
                Enrolment,
                sa.and_(
                    Enrolment.workshop_id == SkillSignOff.workshop_id,
                    Enrolment.trainee_id == SkillSignOff.trainee_id,
                ),
            )
            .where(
                SkillSignOff.workshop_id == workshop.id,
                SkillSignOff.revoked_at.is_(None),
                Enrolment.state == EnrolmentState.CONFIRMED,
            )
            .group_by(SkillSignOff.skill_id)
        ).all()
    )
    return SkillsMatrix(skills, enrolments, cells, per_skill)


# A trainee's progress -------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    skills: list[rules.SkillProgress]
    feedback: Any  # a page of the trainee's assessments, newest first
    signed_off: int  # standing sign-offs, every workshop


def trainee_progress(trainee: User, *, page: int, per_page: int = 10) -> Progress:
    assessments = list(
        db.session.scalars(
            sa.select(Assessment)
            .where(Assessment.trainee_id == trainee.id)
            .options(
                joinedload(Assessment.workshop),
                joinedload(Assessment.skill).joinedload(Skill.module),
                joinedload(Assessment.assessor),
            )
        ).unique()
    )
    standing = {
        (row.workshop_id, row.skill_id)
        for row in db.session.execute(
            sa.select(SkillSignOff.workshop_id, SkillSignOff.skill_id).where(
                SkillSignOff.trainee_id == trainee.id, SkillSignOff.revoked_at.is_(None)
            )
        )
    }
    entries = [
        rules.ProfileEntry(
            identity=a.skill.identity,
            skill_title=a.skill.title,
            workshop_id=a.workshop_id,
            workshop_title=a.workshop.title,
            workshop_starts_on=a.workshop.starts_on,
            rating=rating_of(a),
            signed_off=(a.workshop_id, a.skill_id) in standing,
        )
        for a in assessments
    ]
    feedback = db.paginate(
        sa.select(Assessment)
        .where(Assessment.trainee_id == trainee.id)
        .options(
            joinedload(Assessment.workshop),
            joinedload(Assessment.skill).joinedload(Skill.module),
            joinedload(Assessment.assessor),
        )
        .order_by(Assessment.updated_at.desc(), Assessment.id.desc()),
        page=page,
        per_page=per_page,
        error_out=False,
    )
    return Progress(rules.progress(entries), feedback, len(standing))
