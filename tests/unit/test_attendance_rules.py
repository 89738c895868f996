"""The attendance rules: eligibility, minutes, percentages and credit, every edge."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from training.attendance import rules
from training.attendance.models import AttendanceStatus, ExcusedPolicy
from training.attendance.rules import Mark, Policy, SessionFacts

P, L = AttendanceStatus.PRESENT, AttendanceStatus.LATE
A, E = AttendanceStatus.ABSENT, AttendanceStatus.EXCUSED
DAY1 = datetime(2026, 5, 11, 7, 0, tzinfo=UTC)  # 09:00 in Rome (summer time)
LATER = datetime(2027, 1, 1, tzinfo=UTC)  # every session of these tests has ended


def session(
    id_: int, start: datetime, minutes: int = 60, *, counts=True, mandatory=False, day: date | None = None
) -> SessionFacts:
    return SessionFacts(
        id=id_,
        label=f"Session {id_}",
        starts_at=start,
        ends_at=start + timedelta(minutes=minutes),
        day=day or start.date(),
        counts=counts,
        mandatory=mandatory,
    )


def policy(**overrides) -> Policy:
    values = {
        "min_percent": Decimal("80"),
        "excused_policy": ExcusedPolicy.COUNT_AS_ABSENT,
        "late_grace_minutes": 10,
        "daily_cap_hours": Decimal("8"),
        "offered_credit_hours": Decimal("20"),
    }
    values.update(overrides)
    return Policy(**values)


# arrival and check-in -----------------------------------------------------------------------------


def test_arrival_within_the_grace_period_is_present_and_after_it_late():
    start = DAY1
    assert rules.arrival_status(start, start - timedelta(minutes=5), 10) is P
    assert rules.arrival_status(start, start + timedelta(minutes=10), 10) is P  # the last second of grace
    assert rules.arrival_status(start, start + timedelta(minutes=10, seconds=1), 10) is L
    assert rules.arrival_status(start, start + timedelta(seconds=1), 0) is L  # no grace at all


@pytest.mark.parametrize(
    ("offset", "refused"),
    [
        (timedelta(minutes=-16), "opens 15 minutes before"),
        (timedelta(minutes=-15), None),
        (timedelta(0), None),
        (timedelta(minutes=59, seconds=59), None),
        (timedelta(minutes=60), "has ended"),
        (timedelta(hours=3), "has ended"),
    ],
)
def test_check_in_is_open_from_a_quarter_hour_before_until_the_end(offset, refused):
    message = rules.check_in_refusal(
        starts_at=DAY1, ends_at=DAY1 + timedelta(hours=1), is_break=False, cancelled=False, at=DAY1 + offset
    )
    if refused is None:
        assert message is None
    else:
        assert refused in message


def test_breaks_and_cancelled_sessions_take_no_check_in():
    kwargs = {"starts_at": DAY1, "ends_at": DAY1 + timedelta(hours=1), "at": DAY1}
    assert "Breaks" in rules.check_in_refusal(is_break=True, cancelled=False, **kwargs)
    assert "cancelled" in rules.check_in_refusal(is_break=False, cancelled=True, **kwargs)


ROME = ZoneInfo("Europe/Rome")
LAB = datetime(2026, 5, 11, 14, 35, tzinfo=UTC)  # 16:35 in Rome


@pytest.mark.parametrize(
    ("now", "refused"),
    [
        # 13:11 in Rome, the lab at 16:35: "mark all present" hours early is refused.
        (datetime(2026, 5, 11, 11, 11, tzinfo=UTC), "Roll call opens at 16:20 (venue time)"),
        (LAB - timedelta(minutes=15, seconds=1), "Roll call opens at 16:20 (venue time)"),
        (LAB - timedelta(days=1), "Roll call opens on Mon 11 May 2026 at 16:20 (venue time)"),
        (LAB - timedelta(minutes=15), None),
        (LAB + timedelta(minutes=89), None),
        (LAB + timedelta(minutes=90), "Roll call closed when the session ended at 18:05 (venue time)"),
    ],
)
def test_roll_call_is_taken_from_the_check_in_opening_until_the_session_ends(now, refused):
    message = rules.roll_call_refusal(starts_at=LAB, ends_at=LAB + timedelta(minutes=90), zone=ROME, now=now)
    if refused is None:
        assert message is None
    else:
        assert message.startswith(refused)


def test_self_check_in_refusal_names_the_opening_at_the_venue():
    message = rules.check_in_refusal(
        starts_at=LAB,
        ends_at=LAB + timedelta(hours=1),
        is_break=False,
        cancelled=False,
        at=LAB - timedelta(hours=3),
        zone=ROME,
    )
    assert message == "Check-in opens at 16:20 (venue time), 15 minutes before the session starts."


def test_a_correction_needs_a_reason_and_records_nothing_but_an_excusal_before_the_start():
    before, after = LAB - timedelta(hours=1), LAB + timedelta(hours=3)
    assert (
        rules.correction_problems(status=P, reason="Signed the paper sheet", starts_at=LAB, now=after) == []
    )
    assert "Say why" in rules.correction_problems(status=A, reason="  ", starts_at=LAB, now=after)[0]
    for status in (P, L, A):
        (problem,) = rules.correction_problems(status=status, reason="Told us", starts_at=LAB, now=before)
        assert f"cannot be marked {status.value} yet" in problem
    assert rules.correction_problems(status=E, reason="Flight delayed", starts_at=LAB, now=before) == []


def test_only_sessions_that_have_ended_count_and_the_rest_are_named():
    held = session(1, DAY1, 60, mandatory=True)
    running = session(2, DAY1 + timedelta(hours=2), 60, mandatory=True)
    to_come = session(3, DAY1 + timedelta(hours=4), 60, mandatory=True)
    optional_to_come = session(4, DAY1 + timedelta(hours=6), 60)
    now = DAY1 + timedelta(hours=2, minutes=30)
    summary = rules.summarise([held, running, to_come, optional_to_come], {1: Mark(P)}, policy(), now=now)
    assert (summary.attended_minutes, summary.scheduled_minutes, summary.percent) == (
        60,
        60,
        Decimal("100.0"),
    )
    assert summary.missing_mandatory == ()  # not "missed": not held yet, or running
    assert summary.mandatory_in_progress == ("Session 2",)
    assert summary.mandatory_not_yet_held == ("Session 3",)
    assert summary.not_yet_held == ("Session 3", "Session 4")
    assert summary.last_ends_at == optional_to_come.ends_at
    # Marks made for sessions to come (there should be none) earn nothing.
    early = rules.summarise([held, to_come], {1: Mark(P), 3: Mark(P)}, policy(), now=now)
    assert early.attended_minutes == 60
    # Once everything has ended, a mandatory session without a mark is missed.
    later = rules.summarise([held, running, to_come], {1: Mark(P)}, policy(), now=LATER)
    assert later.missing_mandatory == ("Session 2", "Session 3")
    assert later.not_yet_held == later.in_progress == ()


def test_a_second_check_in_changes_nothing_but_an_early_absent_becomes_an_arrival():
    assert rules.self_check_in_changes(None)
    assert rules.self_check_in_changes(A)
    assert not rules.self_check_in_changes(P)
    assert not rules.self_check_in_changes(L)
    assert not rules.self_check_in_changes(E)  # an excusal is faculty's to change


# minutes ---------------------------------------------------------------------------------------


def test_present_earns_the_whole_session_and_absent_excused_or_unmarked_nothing():
    s = session(1, DAY1, 90)
    assert rules.attended_minutes(s, Mark(P), 10) == 90
    assert rules.attended_minutes(s, Mark(A), 10) == 0
    assert rules.attended_minutes(s, Mark(E), 10) == 0
    assert rules.attended_minutes(s, None, 10) == 0


def test_late_counts_from_check_in_time():
    s = session(1, DAY1, 90)
    assert rules.attended_minutes(s, Mark(L, DAY1 + timedelta(minutes=25)), 10) == 65
    # whole minutes only
    assert rules.attended_minutes(s, Mark(L, DAY1 + timedelta(minutes=25, seconds=30)), 10) == 64


def test_late_without_a_check_in_time_counts_from_the_end_of_grace():
    assert rules.attended_minutes(session(1, DAY1, 90), Mark(L), 10) == 80


def test_late_check_in_times_outside_the_session_are_clamped():
    s = session(1, DAY1, 60)
    assert rules.attended_minutes(s, Mark(L, DAY1 - timedelta(minutes=5)), 10) == 60
    assert rules.attended_minutes(s, Mark(L, DAY1 + timedelta(hours=2)), 10) == 0


def test_present_even_if_checked_in_late_earns_the_whole_session():
    # Faculty decided "present" (e.g. the trainee was kept at the previous station).
    assert rules.attended_minutes(session(1, DAY1, 60), Mark(P, DAY1 + timedelta(minutes=30)), 10) == 60


def test_breaks_and_cancelled_sessions_earn_nothing_even_when_marked():
    assert rules.attended_minutes(session(1, DAY1, 30, counts=False), Mark(P), 10) == 0


# percentages ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attended", "scheduled", "expected"),
    [
        (0, 0, "0.0"),
        (0, 100, "0.0"),
        (100, 100, "100.0"),
        (2, 3, "66.6"),  # rounded down, not to nearest
        (799, 1000, "79.9"),
        (7999, 10000, "79.9"),
    ],
)
def test_percent_is_rounded_down_to_a_tenth(attended, scheduled, expected):
    assert rules.percent_of(attended, scheduled) == Decimal(expected)


def test_percent_is_of_minutes_not_of_sessions():
    sessions = [session(1, DAY1, 240), session(2, DAY1 + timedelta(hours=5), 60)]
    summary = rules.summarise(sessions, {1: Mark(P)}, policy(), now=LATER)
    assert summary.percent == Decimal("80.0")  # one session in two, but 240 of 300 minutes
    assert summary.meets


def test_threshold_edge_exactly_at_the_minimum_meets_and_just_below_does_not():
    sessions = [session(1, DAY1, 80), session(2, DAY1 + timedelta(hours=2), 20)]
    assert rules.summarise(sessions, {1: Mark(P)}, policy(min_percent=Decimal("80")), now=LATER).meets
    assert not rules.summarise(sessions, {1: Mark(P)}, policy(min_percent=Decimal("80.1")), now=LATER).meets


def test_breaks_and_cancelled_sessions_leave_the_denominator():
    sessions = [session(1, DAY1, 60), session(2, DAY1 + timedelta(hours=1), 30, counts=False)]
    summary = rules.summarise(sessions, {1: Mark(P)}, policy(), now=LATER)
    assert (summary.attended_minutes, summary.scheduled_minutes) == (60, 60)
    assert summary.percent == Decimal("100.0")


def test_excused_counts_as_absent_by_default():
    sessions = [session(1, DAY1, 60), session(2, DAY1 + timedelta(hours=1), 60)]
    summary = rules.summarise(sessions, {1: Mark(P), 2: Mark(E)}, policy(), now=LATER)
    assert (summary.scheduled_minutes, summary.percent, summary.meets) == (120, Decimal("50.0"), False)


def test_excused_may_leave_the_denominator():
    sessions = [session(1, DAY1, 60), session(2, DAY1 + timedelta(hours=1), 60)]
    summary = rules.summarise(
        sessions, {1: Mark(P), 2: Mark(E)}, policy(excused_policy=ExcusedPolicy.REMOVE_FROM_TOTAL), now=LATER
    )
    assert (summary.scheduled_minutes, summary.percent, summary.meets) == (60, Decimal("100.0"), True)


def test_absent_stays_in_the_denominator_whatever_the_excused_policy():
    sessions = [session(1, DAY1, 60), session(2, DAY1 + timedelta(hours=1), 60)]
    summary = rules.summarise(
        sessions, {1: Mark(P), 2: Mark(A)}, policy(excused_policy=ExcusedPolicy.REMOVE_FROM_TOTAL), now=LATER
    )
    assert summary.scheduled_minutes == 120


def test_everything_excused_and_removed_leaves_nothing_scheduled_and_does_not_meet():
    sessions = [session(1, DAY1, 60)]
    summary = rules.summarise(
        sessions, {1: Mark(E)}, policy(excused_policy=ExcusedPolicy.REMOVE_FROM_TOTAL), now=LATER
    )
    assert (summary.scheduled_minutes, summary.percent, summary.meets) == (0, Decimal("0.0"), False)


def test_a_workshop_without_sessions_meets_only_a_zero_minimum():
    assert not rules.summarise([], {}, policy(), now=LATER).meets
    assert rules.summarise([], {}, policy(min_percent=Decimal("0")), now=LATER).meets


# mandatory sessions --------------------------------------------------------------------------------


def test_every_missed_mandatory_session_is_named_and_excused_still_counts_as_missed():
    sessions = [
        session(1, DAY1, 60, mandatory=True),
        session(2, DAY1 + timedelta(hours=1), 60, mandatory=True),
        session(3, DAY1 + timedelta(hours=2), 60, mandatory=True),
        session(4, DAY1 + timedelta(hours=3), 600),
    ]
    marks = {1: Mark(L, DAY1 + timedelta(minutes=20)), 2: Mark(E), 4: Mark(P)}
    summary = rules.summarise(
        sessions, marks, policy(excused_policy=ExcusedPolicy.REMOVE_FROM_TOTAL), now=LATER
    )
    assert summary.missing_mandatory == ("Session 2", "Session 3")
    assert summary.percent >= summary.threshold_percent
    assert not summary.meets
    assert summary.reasons == [
        "Mandatory session not attended: Session 2.",
        "Mandatory session not attended: Session 3.",
    ]


def test_a_cancelled_mandatory_session_is_not_required():
    sessions = [session(1, DAY1, 60), session(2, DAY1 + timedelta(hours=1), 60, counts=False, mandatory=True)]
    assert rules.summarise(sessions, {1: Mark(P)}, policy(), now=LATER).meets


def test_all_reasons_are_listed_at_once():
    sessions = [session(1, DAY1, 60, mandatory=True), session(2, DAY1 + timedelta(hours=1), 60)]
    reasons = rules.summarise(sessions, {}, policy(), now=LATER).reasons
    assert len(reasons) == 2
    assert reasons[0].startswith("Attended 0.0% of the scheduled time; at least 80")


# credit ----------------------------------------------------------------------------------------


def test_credit_is_rounded_down_to_quarter_hours():
    assert rules.credit_hours({date(2026, 5, 11): 74}, Decimal(8), Decimal(20)) == Decimal("1.00")
    assert rules.credit_hours({date(2026, 5, 11): 75}, Decimal(8), Decimal(20)) == Decimal("1.25")
    assert rules.credit_hours({date(2026, 5, 11): 14}, Decimal(8), Decimal(20)) == Decimal("0.00")


def test_credit_is_capped_per_day_then_summed():
    minutes = {date(2026, 5, 11): 9 * 60, date(2026, 5, 12): 3 * 60}
    assert rules.credit_hours(minutes, Decimal(8), Decimal(20)) == Decimal("11.00")
    assert rules.credit_hours(minutes, Decimal("2.5"), Decimal(20)) == Decimal("5.00")


def test_credit_never_exceeds_the_offered_credit():
    minutes = {date(2026, 5, 11): 8 * 60, date(2026, 5, 12): 8 * 60}
    assert rules.credit_hours(minutes, Decimal(8), Decimal("12.5")) == Decimal("12.50")
    assert rules.credit_hours(minutes, Decimal(8), Decimal("0")) == Decimal("0.00")


def test_credit_in_a_summary_excludes_breaks_and_counts_late_arrivals_from_check_in():
    sessions = [
        session(1, DAY1, 90),
        session(2, DAY1 + timedelta(minutes=90), 30, counts=False),  # coffee break
        session(3, DAY1 + timedelta(hours=2), 120),
    ]
    marks = {1: Mark(P), 2: Mark(P), 3: Mark(L, DAY1 + timedelta(hours=2, minutes=40))}
    summary = rules.summarise(sessions, marks, policy(), now=LATER)
    assert summary.attended_minutes == 90 + 80
    assert summary.credit_hours == Decimal("2.75")  # 170 minutes -> 11 quarter hours
    assert summary.minutes_by_session == {1: 90, 3: 80}


def test_the_day_of_a_session_is_its_venue_day_for_the_cap():
    # Two sessions on the same UTC date but different venue days are capped separately.
    late_evening = session(1, datetime(2026, 5, 11, 21, 0, tzinfo=UTC), 120, day=date(2026, 5, 11))
    after_midnight = session(2, datetime(2026, 5, 11, 23, 0, tzinfo=UTC), 120, day=date(2026, 5, 12))
    summary = rules.summarise(
        [late_evening, after_midnight],
        {1: Mark(P), 2: Mark(P)},
        policy(daily_cap_hours=Decimal("1.5")),
        now=LATER,
    )
    assert summary.credit_hours == Decimal("3.00")


def test_a_session_across_the_end_of_summer_time_counts_real_minutes():
    # 01:30 CEST to 03:30 CET in Rome on 25 October 2026: the clock goes back an hour.
    session_facts = SessionFacts(
        id=1,
        label="Night lab",
        starts_at=datetime(2026, 10, 24, 23, 30, tzinfo=UTC),
        ends_at=datetime(2026, 10, 25, 2, 30, tzinfo=UTC),
        day=date(2026, 10, 25),
    )
    assert session_facts.minutes == 180
    summary = rules.summarise([session_facts], {1: Mark(P)}, policy(), now=LATER)
    assert (summary.attended_minutes, summary.credit_hours) == (180, Decimal("3.00"))
