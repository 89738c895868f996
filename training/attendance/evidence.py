"""What certificates need from attendance, for a whole workshop at once.

``attendance_evidence(workshop)`` answers for every confirmed trainee in a
constant number of queries, with the same rules (``rules.summarise``) as the
matrix and the trainee's own page, so all three always agree. Only sessions that
have ended are counted; what is still to come is named, for certificates to wait.
"""

from __future__ import annotations

from training.accounts.models import User
from training.attendance.reports import workshop_attendance
from training.core.evidence import AttendanceEvidence
from training.core.venue_time import at_venue
from training.workshops.models import Workshop


def attendance_evidence(
    workshop: Workshop, trainees: list[User] | None = None
) -> dict[int, AttendanceEvidence]:
    attendance = workshop_attendance(workshop, trainees)
    evidence = {}
    for trainee in attendance.trainees:
        summary = attendance.summaries[trainee.id]
        evidence[trainee.id] = AttendanceEvidence(
            attended_minutes=summary.attended_minutes,
            scheduled_minutes=summary.scheduled_minutes,
            percent=summary.percent,
            threshold_percent=summary.threshold_percent,
            missing_mandatory=summary.missing_mandatory,
            credit_hours=summary.credit_hours,
            mandatory_not_yet_held=summary.mandatory_not_yet_held,
            mandatory_in_progress=summary.mandatory_in_progress,
            last_ends_at=summary.last_ends_at,
            last_ends_label=at_venue(summary.last_ends_at, workshop, "%a %d %b %Y %H:%M"),
            sessions_held=summary.held_sessions,
            sessions_attended=summary.attended_sessions,
            sessions_to_come=len(summary.not_yet_held) + len(summary.in_progress),
        )
    return evidence
