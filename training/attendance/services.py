"""The attendance capability's use cases, as other capabilities, templates and tests call
them: roll call, self check-in, settings, and what a workshop's attendance adds up to.

Each use case lives in the module of its kind (timing, records, marking, check_ins,
policy, reports); this module only gathers them. They take the acting user, flush, and
never commit. Every change to a record is written to the audit log in the same
transaction (old -> new), so a record's history can always be shown beside it.
"""

from __future__ import annotations

from training.attendance.check_ins import (
    CheckInResult,
    check_in,
    check_in_with_code,
    external_check_in_url,
    open_sessions_of,
    secret,
)
from training.attendance.marking import RosterGroup, mark_all_present, record_status, roster, sessions_to_take
from training.attendance.policy import policy_of, save_settings, settings_for
from training.attendance.records import checked_in_count, history, is_confirmed, record_of
from training.attendance.reports import (
    TraineeWorkshop,
    WorkshopAttendance,
    mark_of,
    session_facts,
    session_label,
    trainee_attendance,
    workshop_attendance,
    workshop_sessions,
)
from training.attendance.timing import check_in_refusal, is_cancelled, now, roll_call_refusal, scan_time

__all__ = [
    "CheckInResult",
    "RosterGroup",
    "TraineeWorkshop",
    "WorkshopAttendance",
    "check_in",
    "check_in_refusal",
    "check_in_with_code",
    "checked_in_count",
    "external_check_in_url",
    "history",
    "is_cancelled",
    "is_confirmed",
    "mark_all_present",
    "mark_of",
    "now",
    "open_sessions_of",
    "policy_of",
    "record_of",
    "record_status",
    "roll_call_refusal",
    "roster",
    "save_settings",
    "scan_time",
    "secret",
    "session_facts",
    "session_label",
    "sessions_to_take",
    "settings_for",
    "trainee_attendance",
    "workshop_attendance",
    "workshop_sessions",
]
