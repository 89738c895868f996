"""What a workshop's attendance adds up to: the matrix (trainees x sessions) with each
trainee's summary, for the report, its CSV file and the certificate evidence; and a
trainee's own attendance and credit on each of their workshops."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa

from training.accounts.models import User
from training.attendance import rules
from training.attendance.models import AttendanceRecord, AttendanceSettings
from training.attendance.policy import policy_of, settings_for
from training.attendance.timing import now
from training.core.venue_time import at_venue
from training.enrolments.models import Enrolment, EnrolmentState
from training.extensions import db
from training.workshops.models import Workshop, WorkshopSession
from training.workshops.services import confirmed_trainees


def session_label(session: WorkshopSession, workshop: Workshop) -> str:
    return f"{session.title} ({at_venue(session.starts_at, workshop, '%a %d %b %Y %H:%M')})"


def session_facts(session: WorkshopSession, workshop: Workshop) -> rules.SessionFacts:
    return rules.SessionFacts(
        id=session.id,
        label=session_label(session, workshop),
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        day=session.starts_at.astimezone(workshop.zone).date(),
        counts=session.kind.counts_for_attendance and not session.cancelled,
        mandatory=session.mandatory,
    )


def mark_of(record: AttendanceRecord) -> rules.Mark:
    return rules.Mark(record.status, record.checked_in_at)


def workshop_sessions(workshop: Workshop) -> list[WorkshopSession]:
    return list(
        db.session.scalars(
            sa.select(WorkshopSession)
            .where(WorkshopSession.workshop_id == workshop.id)
            .order_by(WorkshopSession.starts_at, WorkshopSession.id)
        )
    )


@dataclass
class WorkshopAttendance:
    """A workshop's attendance at once: trainees x sessions, and each trainee's summary."""

    workshop: Workshop
    settings: AttendanceSettings
    sessions: list[WorkshopSession]
    trainees: list[User]
    records: dict[tuple[int, int], AttendanceRecord]
    summaries: dict[int, rules.Summary]

    @property
    def counted_sessions(self) -> list[WorkshopSession]:
        return [s for s in self.sessions if s.kind.counts_for_attendance and not s.cancelled]

    def record(self, session_id: int, trainee_id: int) -> AttendanceRecord | None:
        return self.records.get((session_id, trainee_id))

    def present_count(self, session_id: int) -> int:
        return sum(
            1
            for trainee in self.trainees
            if (r := self.records.get((session_id, trainee.id))) and r.status.attended
        )

    @property
    def below_threshold(self) -> list[User]:
        return [t for t in self.trainees if not self.summaries[t.id].meets]


def workshop_attendance(workshop: Workshop, trainees: list[User] | None = None) -> WorkshopAttendance:
    """Everything the matrix, the CSV and the certificate evidence need: four queries."""
    settings = settings_for(workshop)
    sessions = workshop_sessions(workshop)
    if trainees is None:
        trainees = confirmed_trainees(workshop, order="name")
    records: dict[tuple[int, int], AttendanceRecord] = {}
    if sessions:
        for record in db.session.scalars(
            sa.select(AttendanceRecord).where(AttendanceRecord.session_id.in_([s.id for s in sessions]))
        ):
            records[(record.session_id, record.trainee_id)] = record
    facts = [session_facts(s, workshop) for s in sessions]
    policy = policy_of(settings, workshop)
    at = now()
    summaries = {}
    for trainee in trainees:
        marks = {
            s.id: mark_of(found) for s in sessions if (found := records.get((s.id, trainee.id))) is not None
        }
        summaries[trainee.id] = rules.summarise(facts, marks, policy, now=at)
    return WorkshopAttendance(workshop, settings, sessions, trainees, records, summaries)


@dataclass
class TraineeWorkshop:
    workshop: Workshop
    settings: AttendanceSettings
    sessions: list[WorkshopSession]
    records: dict[int, AttendanceRecord]  # by session id
    summary: rules.Summary


def trainee_attendance(trainee: User) -> list[TraineeWorkshop]:
    """A trainee's attendance and credit on each workshop they are confirmed on (four queries)."""
    workshops = list(
        db.session.scalars(
            sa.select(Workshop)
            .join(Enrolment, Enrolment.workshop_id == Workshop.id)
            .where(Enrolment.trainee_id == trainee.id, Enrolment.state == EnrolmentState.CONFIRMED)
            .order_by(Workshop.starts_on.desc(), Workshop.id)
        )
    )
    if not workshops:
        return []
    ids = [w.id for w in workshops]
    sessions_by_workshop: dict[int, list[WorkshopSession]] = defaultdict(list)
    for session in db.session.scalars(
        sa.select(WorkshopSession)
        .where(WorkshopSession.workshop_id.in_(ids))
        .order_by(WorkshopSession.starts_at, WorkshopSession.id)
    ):
        sessions_by_workshop[session.workshop_id].append(session)
    settings = {
        s.workshop_id: s
        for s in db.session.scalars(
            sa.select(AttendanceSettings).where(AttendanceSettings.workshop_id.in_(ids))
        )
    }
    all_session_ids = [s.id for sessions in sessions_by_workshop.values() for s in sessions]
    records: dict[int, AttendanceRecord] = {}
    if all_session_ids:
        records = {
            r.session_id: r
            for r in db.session.scalars(
                sa.select(AttendanceRecord).where(
                    AttendanceRecord.trainee_id == trainee.id,
                    AttendanceRecord.session_id.in_(all_session_ids),
                )
            )
        }
    result = []
    at = now()
    for workshop in workshops:
        sessions = sessions_by_workshop[workshop.id]
        workshop_settings = settings.get(workshop.id) or AttendanceSettings.defaults(workshop.id)
        own = {s.id: records[s.id] for s in sessions if s.id in records}
        summary = rules.summarise(
            [session_facts(s, workshop) for s in sessions],
            {session_id: mark_of(r) for session_id, r in own.items()},
            policy_of(workshop_settings, workshop),
            now=at,
        )
        result.append(TraineeWorkshop(workshop, workshop_settings, sessions, own, summary))
    return result
