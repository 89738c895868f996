"""Pure workshop decisions: venue time, the workshop's fields, session clashes, lists, stations."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from training.workshops import rules

ROME = ZoneInfo("Europe/Rome")


# --- venue time ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Europe/Rome", "America/Sao_Paulo", "Asia/Kolkata", "UTC"])
def test_known_time_zones_are_accepted(name):
    assert rules.timezone_problem(name) is None


@pytest.mark.parametrize("name", ["", "  ", "Mars/Olympus_Mons", "Europe/rome", "../../etc/passwd", "CEST+2"])
def test_unknown_time_zones_are_refused_with_a_message(name):
    problem = rules.timezone_problem(name)
    assert problem is not None
    assert "time zone" in problem


def test_venue_time_becomes_utc_with_the_summer_offset_and_the_winter_one():
    assert rules.venue_to_utc(date(2026, 7, 1), time(9, 0), ROME) == datetime(2026, 7, 1, 7, 0, tzinfo=UTC)
    assert rules.venue_to_utc(date(2026, 12, 1), time(9, 0), ROME) == datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def test_a_time_skipped_by_the_spring_change_is_refused():
    # Europe/Rome jumps from 02:00 to 03:00 on the last Sunday of March 2026.
    with pytest.raises(rules.NonexistentLocalTime, match="does not exist in Europe/Rome"):
        rules.venue_to_utc(date(2026, 3, 29), time(2, 30), ROME)


def test_a_date_at_the_end_of_time_is_refused_not_crashed():
    with pytest.raises(rules.NonexistentLocalTime, match="not a usable date"):
        rules.venue_to_utc(date(1, 1, 1), time(0, 0), ROME)


def test_an_ambiguous_autumn_time_means_its_first_occurrence():
    # 02:30 happens twice on 25 October 2026; the first is still summer time (UTC+2).
    assert rules.venue_to_utc(date(2026, 10, 25), time(2, 30), ROME) == datetime(
        2026, 10, 25, 0, 30, tzinfo=UTC
    )


def test_zone_abbreviations_name_both_sides_of_a_change():
    assert rules.zone_abbreviations(ROME, date(2026, 10, 24), date(2026, 10, 26)) == ["CEST", "CET"]
    assert rules.zone_abbreviations(ROME, date(2026, 7, 1), date(2026, 7, 3)) == ["CEST"]


# --- the workshop's fields ---------------------------------------------------------------


def plan(**changes) -> rules.WorkshopPlan:
    values = {
        "timezone": "Europe/Rome",
        "starts_on": date(2026, 10, 23),
        "ends_on": date(2026, 10, 25),
        "capacity": 20,
        "enrolment_opens_at": None,
        "enrolment_closes_at": None,
        "module_ids": frozenset({1, 2}),
        "version_module_ids": frozenset({1, 2, 3}),
    }
    values.update(changes)
    return rules.WorkshopPlan(**values)


def test_a_sound_plan_has_no_problems():
    assert rules.workshop_problems(plan()) == {}


def test_every_problem_is_reported_at_once_by_field():
    problems = rules.workshop_problems(
        plan(
            timezone="Nowhere/Land",
            ends_on=date(2026, 10, 1),
            capacity=-1,
            accreditation=rules.Accreditation("", "", Decimal("-2"), Decimal(6)),
            module_ids=frozenset(),
        )
    )
    assert set(problems) == {
        "timezone",
        "ends_on",
        "capacity",
        "cme_accreditor",
        "cme_statement",
        "cme_designated_credits",
        "module_ids",
    }


@pytest.mark.parametrize("capacity", [-1, rules.MAX_CAPACITY + 1, 10**12])
def test_negative_or_absurd_capacity_is_refused(capacity):
    assert "between 0 and" in rules.workshop_problems(plan(capacity=capacity))["capacity"][0]


def test_capacity_cannot_go_below_the_confirmed_count_and_the_message_names_it():
    problems = rules.workshop_problems(plan(capacity=11), confirmed=12)
    assert problems["capacity"] == [
        "12 trainees already hold a confirmed seat: the capacity cannot go below 12."
    ]
    assert rules.workshop_problems(plan(capacity=12), confirmed=12) == {}


def test_one_confirmed_trainee_is_named_in_the_singular():
    assert rules.workshop_problems(plan(capacity=0), confirmed=1)["capacity"] == [
        "1 trainee already holds a confirmed seat: the capacity cannot go below 1."
    ]


def test_the_enrolment_window_must_close_after_it_opens():
    opens = datetime(2026, 9, 1, 8, tzinfo=UTC)
    problems = rules.workshop_problems(plan(enrolment_opens_at=opens, enrolment_closes_at=opens))
    assert problems == {"enrolment_closes_at": ["Enrolment must close after it opens."]}


def test_modules_must_belong_to_the_version():
    problems = rules.workshop_problems(plan(module_ids=frozenset({1, 99})))
    assert problems == {"module_ids": ["Choose modules of the chosen curriculum version only."]}


def test_too_long_a_workshop_is_refused():
    assert "ends_on" in rules.workshop_problems(plan(ends_on=date(2026, 12, 31)))


def test_sessions_and_modules_in_use_block_the_change_by_name():
    problems = rules.workshop_problems(plan(), sessions_outside=["Cadaver lab"], modules_in_use=["NFAT-301"])
    assert "“Cadaver lab”" in problems["starts_on"][0]
    assert "NFAT-301" in problems["module_ids"][0]


def test_the_time_zone_is_locked_once_sessions_exist():
    assert "cannot change" in rules.workshop_problems(plan(), timezone_locked=True)["timezone"][0]


# --- sessions and clashes ---------------------------------------------------------------------


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 10, 23 + day, hour, minute, tzinfo=ROME).astimezone(UTC)


def slot(**changes) -> rules.Slot:
    values = {
        "session_id": None,
        "workshop_id": 1,
        "workshop_title": "Bologna nanofat course",
        "title": "Microfat harvesting",
        "starts_at": at(0, 9),
        "ends_at": at(0, 10, 30),
        "venue": "Anatomy Institute Bologna",
        "room": "Aula 1",
        "faculty": {7: "Dr. Amara Okafor"},
    }
    values.update(changes)
    return rules.Slot(**values)


def check(candidate: rules.Slot, *others: rules.Slot) -> list[str]:
    return rules.session_problems(
        candidate, zone=ROME, starts_on=date(2026, 10, 23), ends_on=date(2026, 10, 25), others=others
    )


def test_a_free_slot_has_no_problems():
    assert check(slot()) == []


def test_end_before_start_is_refused_naming_both_times():
    problems = check(slot(starts_at=at(0, 11), ends_at=at(0, 10)))
    assert problems == [
        "The session must end after it starts "
        "(it starts Fri 23 Oct 11:00 and ends Fri 23 Oct 10:00 Europe/Rome)."
    ]


def test_a_session_outside_the_workshop_dates_in_venue_time_is_refused():
    assert "outside the workshop's dates" in check(slot(starts_at=at(-1, 9), ends_at=at(-1, 10)))[0]
    assert "outside the workshop's dates" in check(slot(starts_at=at(3, 9), ends_at=at(3, 10)))[0]


def test_a_session_ending_at_midnight_on_the_last_day_is_inside():
    assert check(slot(starts_at=at(2, 22), ends_at=at(3, 0))) == []


def test_the_first_hour_of_the_first_day_counts_in_venue_time_not_utc():
    # 00:30 in Rome on 23 October is still 22 October in UTC.
    assert check(slot(starts_at=at(0, 0, 30), ends_at=at(0, 1, 30))) == []


def test_faculty_in_two_places_at_once_across_workshops_is_named():
    other = slot(
        session_id=5,
        workshop_id=2,
        workshop_title="Lisbon microfat day",
        title="Nanofat injection",
        starts_at=at(0, 10),
        ends_at=at(0, 11),
        venue="Other place Lisbon",
        room="Room 3",
    )
    assert check(slot(), other) == [
        "Dr. Amara Okafor already teaches “Nanofat injection” in the workshop “Lisbon microfat day”, "
        "Fri 23 Oct 10:00 to Fri 23 Oct 11:00 Europe/Rome."
    ]


def test_a_room_used_twice_in_the_same_venue_is_named():
    other = slot(session_id=5, title="Anatomy lecture", faculty={8: "Prof. Lucas Ferreira"}, room=" aula 1 ")
    problems = check(slot(), other)
    assert problems == [
        "The room Aula 1 is already taken by “Anatomy lecture”, "
        "Fri 23 Oct 09:00 to Fri 23 Oct 10:30 Europe/Rome."
    ]


def test_the_same_room_name_in_another_venue_is_no_clash():
    other = slot(session_id=5, faculty={}, venue="Hotel Lisbon")
    assert check(slot(), other) == []


def test_back_to_back_sessions_do_not_clash():
    other = slot(session_id=5, starts_at=at(0, 10, 30), ends_at=at(0, 12))
    assert check(slot(), other) == []


def test_a_session_does_not_clash_with_itself_and_every_clash_is_listed():
    itself = slot(session_id=9)
    other = slot(session_id=5, title="Overlap")
    assert check(slot(session_id=9), itself) == []
    assert len(check(slot(session_id=9), itself, other)) == 2  # faculty and room


def test_schedule_change_names_time_and_room():
    a = (at(0, 9), at(0, 10), "Aula 1")
    assert rules.schedule_change(a, a) == []
    assert rules.schedule_change(a, (at(0, 9, 30), at(0, 10), "Aula 1")) == ["time"]
    assert rules.schedule_change(a, (at(0, 9), at(0, 10), "Aula 2")) == ["room"]
    assert rules.schedule_change(a, (at(0, 9), at(0, 11), "Lab")) == ["time", "room"]


# --- lists and stations --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-10", (date(2026, 10, 1), date(2026, 10, 31))),
        ("2026-12", (date(2026, 12, 1), date(2026, 12, 31))),
        ("2028-02", (date(2028, 2, 1), date(2028, 2, 29))),
        ("2026-13", None),
        ("October", None),
        ("", None),
        (None, None),
    ],
)
def test_month_bounds(text, expected):
    assert rules.month_bounds(text) == expected


def test_workshop_days_cover_first_to_last():
    assert rules.workshop_days(date(2026, 10, 23), date(2026, 10, 25)) == [
        date(2026, 10, 23) + timedelta(days=n) for n in range(3)
    ]


def test_a_full_station_refuses_a_move_naming_it():
    assert rules.move_problem(station_name="Table 2", capacity=4, occupied=4, already_there=False) == (
        "Table 2 is full (4 of 4 places taken)."
    )
    assert rules.move_problem(station_name="Table 2", capacity=4, occupied=3, already_there=False) is None
    assert rules.move_problem(station_name="Table 2", capacity=4, occupied=4, already_there=True) is None
