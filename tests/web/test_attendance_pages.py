"""The attendance pages over HTTP: roll call, self check-in, reports, settings, own page."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pypdf
import pytest
import sqlalchemy as sa

from tests.support.statements import recorded_statements
from training.attendance import tokens
from training.attendance.models import AttendanceRecord, AttendanceSettings, AttendanceStatus, ExcusedPolicy
from training.core.db import utcnow
from training.extensions import db
from training.workshops.models import SessionKind


@pytest.fixture
def lab(make):
    workshop = make.workshop(starts_on=utcnow().date(), cme_credit_hours=Decimal("6.00"))
    session = make.running_session(workshop, started=timedelta(minutes=5), minutes=120)
    trainees = make.enrolled_trainees(workshop, 2)
    return workshop, session, trainees


def status_of(session, trainee) -> AttendanceStatus | None:
    return db.session.scalar(
        sa.select(AttendanceRecord.status).where(
            AttendanceRecord.session_id == session.id, AttendanceRecord.trainee_id == trainee.id
        )
    )


# roll call ---------------------------------------------------------------------------------------


def test_roll_call_groups_trainees_by_station(client, make):
    workshop = make.workshop(starts_on=utcnow().date())
    lab_session = make.running_session(workshop, kind=SessionKind.CADAVER_LAB, stations=2)
    first, second, third = make.enrolled_trainees(workshop, 3)
    make.assign(lab_session.stations[0], first)
    make.assign(lab_session.stations[1], second)
    client.login(workshop.teacher)
    page = client.get(f"/attendance/sessions/{lab_session.id}/roll-call").text
    table_1, table_2, unplaced = page.index("Table 1"), page.index("Table 2"), page.index("Not placed")
    assert table_1 < page.index(first.full_name) < table_2 < page.index(second.full_name) < unplaced
    assert unplaced < page.index(third.full_name)


def test_one_tap_with_htmx_saves_and_returns_the_row(client, lab):
    workshop, session, (trainee, _) = lab
    client.login(workshop.teacher)
    response = client.post(
        f"/attendance/sessions/{session.id}/roll-call/{trainee.id}",
        data={"status": "late", "note": "parking"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert f'id="trainee-{trainee.id}"' in response.text
    assert 'aria-pressed="true"' in response.text
    assert "<html" not in response.text  # only the row...
    assert 'id="roll-counts" aria-live="polite" data-hx-swap-oob="true"' in response.text  # ...and the counts
    assert 'data-testid="count-late">Late: 1<' in response.text
    record = db.session.scalar(sa.select(AttendanceRecord).where(AttendanceRecord.trainee_id == trainee.id))
    assert (record.status, record.note) == (AttendanceStatus.LATE, "parking")


def test_the_plain_form_works_without_javascript_and_a_correction_is_in_the_history(client, lab):
    workshop, session, (trainee, _) = lab
    client.login(workshop.organizer)
    url = f"/attendance/sessions/{session.id}/roll-call/{trainee.id}"
    response = client.post(url, data={"status": "absent"})
    assert response.status_code == 302
    assert response.location.endswith(f"/roll-call#trainee-{trainee.id}")
    client.post(url, data={"status": "excused", "note": "on call"})
    assert status_of(session, trainee) is AttendanceStatus.EXCUSED
    page = client.get(f"/attendance/sessions/{session.id}/roll-call").text
    assert f"{trainee.full_name}: excused." in page
    record = db.session.scalar(sa.select(AttendanceRecord).where(AttendanceRecord.trainee_id == trainee.id))
    history = client.get(f"/attendance/records/{record.id}").text
    assert "absent -&gt; excused" in history or "absent -> excused" in unescape(history)
    assert workshop.organizer.full_name in history
    assert "change-old" in history


def test_a_status_outside_the_list_is_refused_in_the_row(client, lab):
    workshop, session, (trainee, _) = lab
    client.login(workshop.teacher)
    response = client.post(
        f"/attendance/sessions/{session.id}/roll-call/{trainee.id}",
        data={"status": "asleep"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "Not a valid choice" in response.text
    assert status_of(session, trainee) is None


def test_marking_someone_not_on_the_list_is_404(client, make, lab):
    workshop, session, _ = lab
    client.login(workshop.teacher)
    stranger = make.trainee()
    response = client.post(
        f"/attendance/sessions/{session.id}/roll-call/{stranger.id}", data={"status": "present"}
    )
    assert response.status_code == 404
    assert status_of(session, stranger) is None


def test_mark_all_present(client, lab):
    workshop, session, (first, second) = lab
    client.login(workshop.teacher)
    client.post(f"/attendance/sessions/{session.id}/roll-call/{first.id}", data={"status": "absent"})
    client.post(f"/attendance/sessions/{session.id}/roll-call/all-present")
    assert (status_of(session, first), status_of(session, second)) == (
        AttendanceStatus.ABSENT,
        AttendanceStatus.PRESENT,
    )


def test_faculty_of_another_workshop_cannot_take_this_roll_call(client, make, lab):
    workshop, session, (trainee, _) = lab
    other = make.workshop()
    client.login(other.teacher)
    assert client.get(f"/attendance/sessions/{session.id}/roll-call").status_code == 403
    response = client.post(
        f"/attendance/sessions/{session.id}/roll-call/{trainee.id}", data={"status": "absent"}
    )
    assert response.status_code == 403
    assert status_of(session, trainee) is None
    assert client.get(f"/attendance/workshops/{workshop.id}/matrix").status_code == 403


def test_another_trainees_record_is_not_found(client, make, lab):
    _workshop, session, (trainee, other) = lab
    record = make.attendance(session, trainee, "present")
    client.login(other)
    assert client.get(f"/attendance/records/{record.id}").status_code == 404
    client.login(trainee)
    assert client.get(f"/attendance/records/{record.id}").status_code == 200


# self check-in --------------------------------------------------------------------------------------


def current_check_in_path(client, session) -> tuple[str, str]:
    page = client.get(f"/attendance/sessions/{session.id}/check-in-screen").text
    assert "<svg" in page
    url = unescape(re.search(r'data-check-in-url="([^"]+)"', page).group(1))
    code = re.search(r'data-testid="short-code"[^>]*>([\d ]+)<', page).group(1)
    return urlsplit(url).path, code


def test_scanning_the_current_code_marks_the_trainee_present_once(client, lab):
    workshop, session, (trainee, _) = lab
    client.login(workshop.teacher)
    path, _ = current_check_in_path(client, session)
    client.login(trainee)
    confirm = client.get(path)
    assert confirm.status_code == 302
    page = client.get(confirm.location)
    assert f"Check in as {trainee.full_name}" in page.text
    done = client.post(confirm.location)
    assert done.status_code == 302
    assert status_of(session, trainee) is AttendanceStatus.PRESENT
    assert "checked in to" in client.get(done.location).text

    again = client.post(client.get(path).location, follow_redirects=True)
    assert "nothing changed" in again.text
    assert db.session.scalar(sa.select(sa.func.count(AttendanceRecord.id))) == 1


def test_a_guest_logs_in_first_and_comes_back_to_check_in(client, lab):
    workshop, session, (trainee, _) = lab
    client.login(workshop.teacher)
    path, _ = current_check_in_path(client, session)
    client.logout()
    response = client.get(path)
    assert response.location.startswith("/login")
    next_url = unescape(
        re.search(r'name="next" value="([^"]+)"', client.get(response.location).text).group(1)
    )
    logged_in = client.post(
        "/login", data={"email": trainee.email, "password": trainee.password, "next": next_url}
    )
    assert logged_in.location == next_url
    client.post(next_url)
    assert status_of(session, trainee) is AttendanceStatus.PRESENT


def test_a_forwarded_confirmation_link_is_refused(client, lab):
    workshop, session, (trainee, friend) = lab
    client.login(workshop.teacher)
    path, _ = current_check_in_path(client, session)
    client.login(trainee)
    confirm_url = client.get(path).location
    client.login(friend)  # at home, sent the link by the trainee in the room
    for response in (client.get(confirm_url), client.post(confirm_url)):
        assert response.status_code == 403
        assert "opened by someone else" in response.text
    assert status_of(session, friend) is None


def test_a_guests_link_works_only_in_the_browser_that_scanned(app, client, lab):
    workshop, session, (_, friend) = lab
    client.login(workshop.teacher)
    path, _ = current_check_in_path(client, session)
    client.logout()
    confirm_url = parse_qs(urlsplit(client.get(path).location).query)["next"][0]
    other_browser = app.test_client()
    other_browser.login(friend)
    response = other_browser.post(confirm_url, data={"csrf_token": other_browser.csrf_token()})
    assert response.status_code == 403
    assert status_of(session, friend) is None


def test_the_same_link_minutes_later_is_refused(app, client, lab):
    workshop, session, (trainee, _) = lab
    client.login(workshop.teacher)
    path, _ = current_check_in_path(client, session)
    client.login(trainee)
    app.config["ATTENDANCE_CLOCK_OFFSET"] = 3 * 60
    try:
        response = client.get(path)
    finally:
        app.config.pop("ATTENDANCE_CLOCK_OFFSET")
    assert response.status_code == 400
    assert "expired" in response.text
    assert status_of(session, trainee) is None


def test_one_window_of_drift_is_tolerated(app, client, lab):
    workshop, session, (trainee, _) = lab
    client.login(workshop.teacher)
    path, _ = current_check_in_path(client, session)
    client.login(trainee)
    window = tokens.window_at(utcnow())
    # The latest moment of the next window: one window of drift.
    app.config["ATTENDANCE_CLOCK_OFFSET"] = (
        window.ends_at_epoch + tokens.WINDOW_SECONDS - 1 - utcnow().timestamp()
    )
    try:
        assert client.get(path).status_code == 302
    finally:
        app.config.pop("ATTENDANCE_CLOCK_OFFSET")


def test_a_token_of_another_session_is_refused(app, client, make, lab):
    workshop, session, (trainee, _) = lab
    other = make.running_session(workshop)
    token = tokens.make_token(app.config["SECRET_KEY"], other.id, tokens.window_at(utcnow()).number)
    client.login(trainee)
    response = client.get(f"/attendance/sessions/{session.id}/check-in/{token}")
    assert response.status_code == 400
    assert "another session" in response.text


def test_a_trainee_not_enrolled_is_refused(app, client, make, lab):
    workshop, session, _ = lab
    outsider = make.trainee()
    client.login(workshop.teacher)
    path, _ = current_check_in_path(client, session)
    client.login(outsider)
    response = client.get(client.get(path).location)
    assert response.status_code == 403
    assert "not a confirmed trainee" in response.text
    assert client.post(client.get(path).location).status_code == 403
    assert status_of(session, outsider) is None


def test_check_in_after_the_session_is_refused(app, client, make, lab):
    workshop, _, (trainee, _) = lab
    ended = make.running_session(workshop, started=timedelta(hours=3), minutes=60)
    token = tokens.make_token(app.config["SECRET_KEY"], ended.id, tokens.window_at(utcnow()).number)
    client.login(trainee)
    response = client.get(f"/attendance/sessions/{ended.id}/check-in/{token}")
    assert response.status_code == 409
    assert "has ended" in response.text
    assert status_of(ended, trainee) is None


def test_a_damaged_confirmation_link_is_refused(client, lab):
    _, _, (trainee, _) = lab
    client.login(trainee)
    response = client.get("/attendance/check-in/confirm/not-a-ticket")
    assert response.status_code == 400
    assert "not valid" in response.text


def test_the_typed_code_checks_in(client, lab):
    workshop, session, (trainee, _) = lab
    client.login(workshop.teacher)
    _, code = current_check_in_path(client, session)
    client.login(trainee)
    wrong = client.post("/attendance/check-in", data={"code": "999 999" if code != "999 999" else "111 111"})
    assert "This code is not valid now" in wrong.text
    response = client.post("/attendance/check-in", data={"code": code})
    assert response.status_code == 302
    assert status_of(session, trainee) is AttendanceStatus.PRESENT


# reports ----------------------------------------------------------------------------------------------


@pytest.fixture
def reported(make):
    # Held last week: only sessions that have ended are counted.
    workshop = make.workshop(starts_on=utcnow().date() - timedelta(days=7), cme_credit_hours=Decimal("3.00"))
    first = make.session(workshop, minutes=120, mandatory=True, title="Anatomy of the fat compartments")
    second = make.session(workshop, day=1, minutes=120, title="Nanofat emulsification")
    make.session(workshop, kind=SessionKind.BREAK, day=1, minutes=30, title="Coffee")
    good, poor = make.enrolled_trainees(workshop, 2)
    make.attend_all(workshop, good)
    make.attendance(second, poor, "late", checked_in_at=second.starts_at + timedelta(minutes=45))
    make.attendance(first, poor, "absent", note='=HYPERLINK("http://x")')
    return workshop, (first, second), good, poor


def test_matrix_csv_and_own_page_agree(client, reported):
    workshop, (_first, _second), good, poor = reported
    client.login(workshop.organizer)
    page = client.get(f"/attendance/workshops/{workshop.id}/matrix").text
    assert "Coffee" not in page
    assert 'class="att-cell att-absent"' in page
    assert 'class="att-cell att-late"' in page
    assert re.search(rf'data-testid="credit-{good.id}">3.00<', page)
    assert re.search(rf'data-testid="credit-{poor.id}">1.25<', page)  # 75 minutes
    assert re.search(rf'data-testid="percent-{poor.id}">31.2<', page)
    assert 'data-testid="below-count">1<' in page
    assert "Mandatory session not attended: Anatomy of the fat compartments" in page

    response = client.get(f"/attendance/workshops/{workshop.id}/matrix.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.text)))
    header, body = rows[0], {row[0]: row for row in rows[1:]}
    assert len(header) == 2 + 2 + 7
    assert body[poor.full_name][2:4] == ["absent", "late"]
    assert body[poor.full_name][header.index("CME credit hours")] == "1.25"
    assert body[poor.full_name][header.index("Attendance %")] == "31.2"
    assert body[poor.full_name][header.index("Meets the attendance rule")] == "no"
    assert body[good.full_name][header.index("CME credit hours")] == "3.00"

    client.login(poor)
    mine = client.get("/attendance/mine").text
    assert 'data-testid="my-credit">1.25<' in mine
    assert 'data-testid="my-percent">31.2%<' in mine


def test_csv_cells_cannot_become_formulas(client, make, reported):
    workshop, _, _, _poor = reported
    nasty = make.trainee(full_name='=cmd|" /C calc"!A0')
    make.enrolment(workshop, nasty)
    client.login(workshop.organizer)
    text = client.get(f"/attendance/workshops/{workshop.id}/matrix.csv").text
    assert "'=cmd" in text
    assert "\n=cmd" not in text


def test_sign_in_sheet_pdf_lists_the_trainees(client, reported):
    workshop, (first, _), good, poor = reported
    client.login(workshop.teacher)
    response = client.get(f"/attendance/sessions/{first.id}/sign-in-sheet.pdf")
    assert response.mimetype == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(response.data))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "Sign-in sheet" in text
    assert "Anatomy of the fat compartments" in text
    assert good.full_name in text
    assert poor.full_name in text
    assert "Europe/Rome" in text
    assert reader.metadata.title == "Sign-in sheet: Anatomy of the fat compartments"


def test_pages_take_a_flat_number_of_queries(app, client, make):
    def queries(trainees: int) -> dict[str, int]:
        workshop = make.workshop()
        sessions = [make.session(workshop, day=d, kind=SessionKind.HANDS_ON, stations=2) for d in range(3)]
        people = make.enrolled_trainees(workshop, trainees)
        for i, person in enumerate(people):
            make.assign(sessions[0].stations[i % 2], person)
            for session in sessions:
                make.attendance(session, person, "present")
        counts = {}
        for who, url in [
            (workshop.organizer, f"/attendance/workshops/{workshop.id}/matrix"),
            (workshop.organizer, f"/attendance/sessions/{sessions[0].id}/roll-call"),
            (workshop.organizer, f"/attendance/workshops/{workshop.id}/matrix.csv"),
            (people[0], "/attendance/mine"),
        ]:
            client.login(who)
            with recorded_statements(app) as statements:
                assert client.get(url).status_code == 200
            counts[url.split("/")[-1]] = len(statements)
        return counts

    small, large = queries(2), queries(9)
    assert small == large
    assert max(large.values()) <= 15


# settings ------------------------------------------------------------------------------------------


def test_organizer_changes_the_rules_and_the_matrix_follows(client, reported):
    workshop, _, _, poor = reported
    client.login(workshop.organizer)
    response = client.post(
        f"/attendance/workshops/{workshop.id}/settings",
        data={
            "min_percent": "30",
            "excused_policy": "remove_from_total",
            "late_grace_minutes": "5",
        },
    )
    assert response.status_code == 302
    settings = db.session.scalar(
        sa.select(AttendanceSettings).where(AttendanceSettings.workshop_id == workshop.id)
    )
    assert (settings.min_percent, settings.excused_policy) == (
        Decimal("30.00"),
        ExcusedPolicy.REMOVE_FROM_TOTAL,
    )
    assert re.search(rf'data-testid="credit-{poor.id}">1.25<', client.get(response.location).text)
    # The accreditation's cap per day (set with the workshop) caps the credit on the matrix too.
    db.session.merge(workshop).cme_daily_cap = Decimal(1)
    db.session.commit()
    page = client.get(response.location).text
    assert re.search(rf'data-testid="credit-{poor.id}">1.00<', page)  # capped at one hour a day


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("min_percent", "NaN"),
        ("min_percent", "101"),
        ("late_grace_minutes", "-1"),
    ],
)
def test_bad_settings_are_refused_beside_the_field(client, reported, field, value):
    workshop, *_ = reported
    client.login(workshop.organizer)
    data = {
        "min_percent": "80",
        "excused_policy": "count_as_absent",
        "late_grace_minutes": "10",
        field: value,
    }
    response = client.post(f"/attendance/workshops/{workshop.id}/settings", data=data)
    assert response.status_code == 200
    assert f'id="{field}-errors"' in response.text
    assert db.session.scalar(sa.select(AttendanceSettings)) is None


def test_faculty_may_not_change_the_rules(client, reported):
    workshop, *_ = reported
    client.login(workshop.teacher)
    assert client.get(f"/attendance/workshops/{workshop.id}/settings").status_code == 403


def test_guessing_typed_codes_is_rate_limited_per_person(client, lab):
    _, session, (trainee, other) = lab
    client.login(trainee)
    statuses = [client.post("/attendance/check-in", data={"code": "000000"}).status_code for _ in range(11)]
    assert statuses[:10] == [200] * 10
    assert statuses[10] == 429
    # Someone else in the same room (same address) is not held back.
    client.login(other)
    assert client.post("/attendance/check-in", data={"code": "000000"}).status_code == 200
    assert status_of(session, trainee) is None


def test_the_check_in_screen_waits_for_the_session_and_its_code_refreshes(client, make, lab):
    workshop, session, _ = lab
    later = make.running_session(workshop, started=timedelta(hours=-2))
    client.login(workshop.teacher)
    page = client.get(f"/attendance/sessions/{later.id}/check-in-screen").text
    assert re.search(
        r"Check-in opens (on .+ )?at \d\d:\d\d \(venue time\), 15 minutes before the session starts.", page
    )
    assert "check-in-qr" not in page  # no QR code before check-in opens
    fragment = client.get(f"/attendance/sessions/{session.id}/check-in-screen/code").text
    assert 'id="check-in-code"' in fragment
    assert 'data-hx-trigger="every 3s"' in fragment
    assert "<svg" in fragment
    assert "<html" not in fragment
