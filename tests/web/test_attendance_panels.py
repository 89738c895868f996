"""The attendance panels that the workshop and session pages (another capability) include."""

from flask import render_template_string

from training.accounts.models import User
from training.extensions import db
from training.workshops.models import SessionKind, Workshop, WorkshopSession


def render(template: str, user: User, **context) -> str:
    from flask_login import login_user

    login_user(db.session.get(User, user.id))
    return render_template_string(template, **context)


def test_staff_see_roll_call_check_in_sheet_and_matrix_links(ctx, make):
    workshop = make.workshop()
    session = make.session(workshop)
    html = render(
        '{% include "attendance/_session_panel.html" %}',
        workshop.teacher,
        session=db.session.get(WorkshopSession, session.id),
    )
    for path in ("roll-call", "check-in-screen", "sign-in-sheet.pdf", "matrix"):
        assert path in html
    html = render(
        '{% include "attendance/_workshop_panel.html" %}',
        workshop.organizer,
        workshop=db.session.get(Workshop, workshop.id),
    )
    assert f"/attendance/workshops/{workshop.id}/matrix" in html
    assert "/settings" in html


def test_trainees_see_their_own_links_and_breaks_show_nothing(ctx, make):
    workshop = make.workshop()
    session = make.session(workshop)
    coffee = make.session(workshop, kind=SessionKind.BREAK)
    trainee = make.enrolled_trainees(workshop, 1)[0]
    html = render(
        '{% include "attendance/_session_panel.html" %}',
        trainee,
        session=db.session.get(WorkshopSession, session.id),
    )
    assert "/attendance/check-in" in html
    assert "roll-call" not in html
    html = render(
        '{% include "attendance/_workshop_panel.html" %}',
        trainee,
        workshop=db.session.get(Workshop, workshop.id),
    )
    assert f"/attendance/mine#workshop-{workshop.id}" in html
    assert "matrix" not in html
    html = render(
        '{% include "attendance/_session_panel.html" %}',
        workshop.teacher,
        session=db.session.get(WorkshopSession, coffee.id),
    )
    assert html.strip() == ""


def test_the_dashboard_tile_and_menu_entry_are_for_trainees(client, make):
    trainee = make.trainee()
    client.login(trainee)
    page = client.get("/").text
    assert "My attendance and CME credit" in page
    assert 'href="/attendance/mine"' in page
    client.login(make.organizer())
    assert "My attendance" not in client.get("/").text


def test_staff_see_todays_sessions_on_the_dashboard(client, make):
    from datetime import timedelta

    workshop = make.workshop()
    today = make.running_session(workshop, title="Nanofat emulsification station")
    make.running_session(workshop, started=timedelta(days=-3), title="Lab in three days")
    make.running_session(make.workshop(), title="Someone else's lecture")
    client.login(workshop.teacher)
    page = client.get("/").text
    assert "Roll call today" in page
    assert f"/attendance/sessions/{today.id}/roll-call" in page
    assert "Lab in three days" not in page
    assert "Someone else" not in page
    client.login(make.faculty())
    assert "Roll call today" not in client.get("/").text


def test_guests_see_no_attendance_panel(ctx, make):
    workshop = make.workshop()
    session = make.session(workshop)
    html = render_template_string(
        '{% include "attendance/_workshop_panel.html" %}{% include "attendance/_session_panel.html" %}',
        workshop=db.session.get(Workshop, workshop.id),
        session=db.session.get(WorkshopSession, session.id),
    )
    assert html.strip() == ""
