"""Enrolment use cases, and the enrolments capability's public interface: what other
capabilities, templates and tests call is importable from here. Each use case is
load -> decide (rules) -> change -> flush; the caller commits.

Every use case that counts seats first locks the workshop row (``SELECT ... FOR
UPDATE`` on PostgreSQL). On SQLite a write request, a command or a task already
holds the database's write lock from its first statement (``BEGIN IMMEDIATE``,
see core/db.py), so two enrolments can never take the same last seat on either.
Arrival order is the moment the lock is taken: ``requested_at`` is stamped
under the lock, so the waitlist order is exactly the order seats were decided.

The use cases live beside this module by kind: seats (reading and shared helpers),
enrolling, importing (the CSV file), leaving, roster (the organizer's lists).
"""

from __future__ import annotations

from training.enrolments.enrolling import Enrolled, enrol, enrol_by_organizer, enrol_new_trainee
from training.enrolments.importing import ImportReport, import_csv
from training.enrolments.leaving import cancel, promote, remove
from training.enrolments.roster import (
    WAITING_MAIL,
    RosterFilters,
    mail_counts,
    roster_export,
    roster_query,
    roster_stations,
    trainees_matching,
    waiting_mail,
)
from training.enrolments.seats import (
    ACTIVE,
    MAIL_TOPIC,
    confirmed_count,
    enrolment_of,
    enrolments_of,
    on_staff,
    prerequisites,
    seat_summary,
    state_counts,
    upcoming_enrolments,
    waitlist_position,
    waitlist_positions,
    window,
)
from training.workshops.roster import confirmed_trainees

__all__ = [
    "ACTIVE",
    "MAIL_TOPIC",
    "WAITING_MAIL",
    "Enrolled",
    "ImportReport",
    "RosterFilters",
    "cancel",
    "confirmed_count",
    "confirmed_trainees",
    "enrol",
    "enrol_by_organizer",
    "enrol_new_trainee",
    "enrolment_of",
    "enrolments_of",
    "import_csv",
    "mail_counts",
    "on_staff",
    "prerequisites",
    "promote",
    "remove",
    "roster_export",
    "roster_query",
    "roster_stations",
    "seat_summary",
    "state_counts",
    "trainees_matching",
    "upcoming_enrolments",
    "waiting_mail",
    "waitlist_position",
    "waitlist_positions",
    "window",
]
