"""The workshops pages for time: timetables, the printable programme, a person's schedule
and calendars (a workshop's .ics file, private calendar addresses)."""

from __future__ import annotations

from flask import Response, abort, flash, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from training.accounts.forms import ConfirmForm
from training.core import pdf
from training.core.db import utcnow
from training.core.permissions import ensure, public
from training.core.urls import external_url
from training.workshops import bp, calendar_feeds, calendars, permissions, rules, timetables
from training.workshops import staff as staffing
from training.workshops.models import Duty
from training.workshops.views import me, workshop_or_404

# Where issue_feed leaves a new calendar secret for the next page to show once.
NEW_FEED_KEY = "new_calendar_feed"


@bp.route("/workshops/<int:workshop_id>/timetable")
def timetable(workshop_id: int):
    workshop = workshop_or_404(workshop_id)
    ensure(permissions.can_view_workshop(current_user, workshop))
    return render_template(
        "workshops/timetable.html",
        workshop=workshop,
        days=timetables.timetable(workshop),
        zone_names=rules.zone_abbreviations(workshop.zone, workshop.starts_on, workshop.ends_on),
    )


@bp.route("/workshops/<int:workshop_id>/programme.pdf")
@login_required
def programme(workshop_id: int):
    workshop = workshop_or_404(workshop_id)
    ensure(permissions.can_view_workshop(current_user, workshop))
    sessions = timetables.sessions_of(workshop)
    teachers = {m.user_id: m.user for m in workshop.staff if m.duty in (Duty.FACULTY, Duty.CERTIFIER)}
    document = pdf.render(
        "workshops/pdf/programme.html",
        metadata=pdf.Metadata(
            title=gettext("Programme: %(title)s", title=workshop.title),
            author=", ".join(u.full_name for u in workshop.staff_with(Duty.ORGANIZER)),
            subject=f"{workshop.venue_name}, {workshop.city}, {workshop.starts_on} to {workshop.ends_on}",
            keywords=tuple(m.code for m in workshop.modules),
        ),
        workshop=workshop,
        days=timetables.timetable(workshop, sessions),
        teachers=sorted(teachers.values(), key=lambda u: u.full_name),
        profiles=staffing.faculty_profiles(list(teachers)),
        zone_names=rules.zone_abbreviations(workshop.zone, workshop.starts_on, workshop.ends_on),
        generated_at=utcnow(),
    )
    response = Response(document, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="programme-{workshop.id}.pdf"'
    return response


@bp.route("/schedule")
@login_required
def my_schedule():
    ensure(permissions.can_view_schedule(current_user))
    past = request.args.get("past") == "1"
    return render_template(
        "workshops/my_schedule.html",
        items=timetables.user_schedule(me(), past=past),
        past=past,
        feed=calendar_feeds.calendar_feed(me()),
    )


# --- calendars ----------------------------------------------------------------------------------


def _ics(body: bytes, filename: str) -> Response:
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.route("/workshops/<int:workshop_id>/calendar.ics")
def workshop_calendar(workshop_id: int):
    workshop = workshop_or_404(workshop_id)
    ensure(permissions.can_view_workshop(current_user, workshop))
    sessions = timetables.sessions_of(workshop)
    body = calendars.build(
        sessions,
        name=workshop.title,
        module_codes={s.id: [m.code for m in s.modules] for s in sessions},
    )
    return _ics(body, f"workshop-{workshop.id}.ics")


@bp.route("/calendar")
@login_required
def calendar_settings():
    ensure(permissions.can_manage_calendar_feed(current_user))
    # A secret just made (see issue_feed) is shown on this one page load, then forgotten.
    token = session.pop(NEW_FEED_KEY, None)
    feed = calendar_feeds.calendar_feed(me())
    # Only while it is still this person's address (not replaced or revoked since).
    shown = token if token and calendar_feeds.user_for_feed(token) == me() else None
    response = make_response(
        render_template(
            "workshops/calendar.html",
            feed=feed,
            feed_url=external_url("workshops.feed", token=shown) if shown else None,
            confirm_form=ConfirmForm(),
        )
    )
    if shown:
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/calendar/new", methods=["POST"])
@login_required
def issue_feed():
    ensure(permissions.can_manage_calendar_feed(current_user))
    ConfirmForm()
    token = calendar_feeds.issue_calendar_feed(me(), actor=me())
    # Only a digest of the secret is kept: the page after the redirect shows it once,
    # and reloading it (or going back) does not make another address.
    session[NEW_FEED_KEY] = token
    return redirect(url_for("workshops.calendar_settings"))


@bp.route("/calendar/revoke", methods=["POST"])
@login_required
def revoke_feed():
    ensure(permissions.can_manage_calendar_feed(current_user))
    ConfirmForm()
    if calendar_feeds.revoke_calendar_feed(me(), actor=me()):
        flash(
            gettext("Your private calendar address no longer works. Calendar apps stop updating."), "success"
        )
    else:
        flash(gettext("You had no private calendar address."), "info")
    return redirect(url_for("workshops.calendar_settings"))


@bp.route("/calendar/<token>.ics")
@public
def feed(token: str):
    # The secret in the address is the permission: calendar apps cannot log in.
    user = calendar_feeds.user_for_feed(token)
    if user is None:
        abort(404)
    sessions = calendar_feeds.feed_sessions(user)
    body = calendars.build(
        sessions,
        name="My training schedule",
        module_codes=timetables.session_module_codes([s.id for s in sessions]),
    )
    response = _ics(body, "schedule.ics")
    response.headers["Cache-Control"] = "private, max-age=300"
    response.headers["X-Robots-Tag"] = "noindex"
    return response
