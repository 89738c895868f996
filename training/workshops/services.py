"""Workshop use cases: build a workshop, staff it, schedule it, publish it, share its calendar.

The workshops capability's public interface: other capabilities, templates and tests call
these names. Each use case lives in the module of its kind (``scheduling``, ``staff``,
``sessions``, ``stations``, ``timetables``, ``catalogue``, ``calendar_feeds``, ``roster``);
inside the capability, import from that module.

Each function takes the acting user as ``actor``, changes state, flushes and records the
change in the audit log; the request commits. Refusals are ``DomainError``s naming what is
wrong.
"""

from __future__ import annotations

from training.workshops.calendar_feeds import (
    calendar_feed,
    feed_sessions,
    issue_calendar_feed,
    revoke_calendar_feed,
    user_for_feed,
)
from training.workshops.catalogue import (
    WorkshopFilters,
    catalogue_stamp,
    filter_choices,
    published_versions,
    sees_public_catalogue,
    visible_filter,
    workshop_list_query,
)
from training.workshops.roster import confirmed_count, confirmed_counts, confirmed_trainees, lock_workshop
from training.workshops.scheduling import (
    WorkshopInput,
    cancel_workshop,
    complete_workshop,
    create_workshop,
    publish_workshop,
    update_workshop,
)
from training.workshops.sessions import (
    SessionInput,
    cancel_session,
    create_session,
    possible_clashes,
    update_session,
)
from training.workshops.staff import (
    DUTY_NEEDS,
    add_staff,
    duties_without_role,
    faculty_profile,
    faculty_profiles,
    remove_staff,
    save_faculty_profile,
)
from training.workshops.stations import (
    add_station,
    move_trainee,
    place_trainees,
    remove_station,
    station_assignments,
    sync_stations,
)
from training.workshops.timetables import (
    Day,
    ScheduleItem,
    session_module_codes,
    sessions_of,
    timetable,
    user_schedule,
)

__all__ = [
    "DUTY_NEEDS",
    "Day",
    "ScheduleItem",
    "SessionInput",
    "WorkshopFilters",
    "WorkshopInput",
    "add_staff",
    "add_station",
    "calendar_feed",
    "cancel_session",
    "cancel_workshop",
    "catalogue_stamp",
    "complete_workshop",
    "confirmed_count",
    "confirmed_counts",
    "confirmed_trainees",
    "create_session",
    "create_workshop",
    "duties_without_role",
    "faculty_profile",
    "faculty_profiles",
    "feed_sessions",
    "filter_choices",
    "issue_calendar_feed",
    "lock_workshop",
    "move_trainee",
    "place_trainees",
    "possible_clashes",
    "publish_workshop",
    "published_versions",
    "remove_staff",
    "remove_station",
    "revoke_calendar_feed",
    "save_faculty_profile",
    "sees_public_catalogue",
    "session_module_codes",
    "sessions_of",
    "station_assignments",
    "sync_stations",
    "timetable",
    "update_session",
    "update_workshop",
    "user_for_feed",
    "user_schedule",
    "visible_filter",
    "workshop_list_query",
]
