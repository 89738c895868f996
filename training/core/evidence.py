"""What certificates need to know from the other capabilities, as plain data.

Attendance, quizzes and skill assessments each answer for a whole workshop at
once (one query per capability, however many trainees) through a provider:

- ``training.attendance.evidence.attendance_evidence(workshop, trainees=None)``
  ``-> dict[trainee_id, AttendanceEvidence]``
- ``training.quizzes.evidence.quiz_evidence(workshop, trainees=None)``
  ``-> dict[trainee_id, list[QuizEvidence]]``
- ``training.assessments.evidence.skill_evidence(workshop, trainees=None)``
  ``-> dict[trainee_id, list[SkillEvidence]]``

Each provider also takes an optional ``trainees`` list (users already loaded by
the caller) to answer for exactly those, without loading the roster again.

Every confirmed trainee of the workshop is a key of each answer (with empty
lists / zero minutes when they have nothing yet). Certificates combine them in a
pure eligibility rule and freeze what they certify in the certificate's snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True)
class AttendanceEvidence:
    attended_minutes: int  # minutes actually attended (breaks excluded, late arrivals from check-in)
    scheduled_minutes: int  # the denominator after the workshop's excused-absence rule
    percent: Decimal  # attended / scheduled x 100, rounded down to 0.1
    threshold_percent: Decimal  # the workshop's minimum
    missing_mandatory: tuple[str, ...]  # titles (with venue date and time) of mandatory sessions not attended
    credit_hours: Decimal  # CME hours earned (quarter hours, capped)
    # Only sessions that have ended are counted above. Mandatory sessions still to come or
    # running (titles with venue date and time), and when the last counted session ends:
    mandatory_not_yet_held: tuple[str, ...] = ()
    mandatory_in_progress: tuple[str, ...] = ()
    last_ends_at: datetime | None = None
    last_ends_label: str = ""  # last_ends_at at the venue, e.g. "Tue 08 Dec 2026 18:50 Europe/Rome"
    # Counted sessions (not breaks, not cancelled): ended, ended with the trainee there, still to end.
    sessions_held: int = 0
    sessions_attended: int = 0
    sessions_to_come: int = 0

    @property
    def meets(self) -> bool:
        """The sessions held so far meet the rule (see ``last_ends_at`` for what is still to come)."""
        return self.percent >= self.threshold_percent and not self.missing_mandatory


@dataclass(frozen=True)
class QuizEvidence:
    quiz_id: int
    title: str
    required_for_certificate: bool
    passed: bool
    score_percent: Decimal | None  # by the quiz's grading method; None before any graded attempt
    attempts_used: int


@dataclass(frozen=True)
class SkillEvidence:
    skill_id: int
    identity: str  # "MODULE-CODE/skill-key", the same skill across curriculum versions
    title: str
    signed_off: bool
    signed_off_by: str | None = None  # full name of the certifying faculty member
    signed_off_at: datetime | None = None
    # The evidence kept on record: the signing assessment's OSATS domain scores (1-5),
    # entrustment level and overall judgement.
    assessment_id: int | None = None
    osats: dict[str, int | None] = field(default_factory=dict)  # None: domain not applicable
    entrustment: int | None = None
    entrustment_words: str | None = None  # the level with its O-SCORE anchor
    total_text: str | None = None  # e.g. "24/30" (applicable domains only)
    # Where the trainee was observed (cadaver lab, bench model, ...) and by whom: the
    # faculty who recorded the assessments the sign-off rests on, and only them.
    settings: tuple[str, ...] = ()
    observed_by: tuple[str, ...] = ()
