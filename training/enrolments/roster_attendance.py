"""Attendance on the roster: who is at risk of missing the workshop's attendance rule.

Attendance builds on enrolments (and on the workshops' services, which build on
enrolments' services): this module is the roster page's, imported by the views only,
so enrolments' services never import attendance and no import cycle forms.
"""

from __future__ import annotations

from typing import Any

from training.attendance.evidence import attendance_evidence
from training.workshops.models import Workshop


def at_risk(workshop: Workshop) -> dict[int, Any]:
    """Confirmed trainees below the workshop's attendance rule over the sessions held so far
    (their attendance evidence, by trainee id). Nobody is at risk before a session is held."""
    return {
        trainee_id: evidence
        for trainee_id, evidence in attendance_evidence(workshop).items()
        if not evidence.meets and (evidence.scheduled_minutes > 0 or evidence.missing_mandatory)
    }
