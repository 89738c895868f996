"""The workshops pages of a session: scheduling it, and its stations (who works where)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from training.accounts.forms import ConfirmForm
from training.core.forms import choices
from training.core.permissions import ensure
from training.core.web import service_call
from training.workshops import bp, permissions, roster, sessions, stations
from training.workshops.forms import MoveTraineeForm, SessionForm, StationForm
from training.workshops.models import Duty, SessionKind, Workshop, WorkshopSession
from training.workshops.views import me, session_or_404, workshop_or_404


def _session_form(workshop: Workshop, item: WorkshopSession | None = None) -> SessionForm:
    form = SessionForm()
    form.module_ids.choices = choices((str(m.id), f"{m.code} · {m.title}") for m in workshop.modules)
    teachers = {m.user_id: m.user for m in workshop.staff if m.duty in (Duty.FACULTY, Duty.CERTIFIER)}
    form.faculty_ids.choices = choices(
        (str(u.id), u.full_name) for u in sorted(teachers.values(), key=lambda u: u.full_name)
    )
    if request.method == "GET":
        zone = workshop.zone
        if item is not None:
            form.title.data, form.description.data = item.title, item.description
            form.kind.data, form.room.data, form.mandatory.data = item.kind.value, item.room, item.mandatory
            form.day.data = item.starts_at.astimezone(zone).date()
            form.start.data = item.starts_at.astimezone(zone).time()
            form.end.data = item.ends_at.astimezone(zone).time()
            form.module_ids.data = [m.id for m in item.modules]
            form.faculty_ids.data = [u.id for u in item.faculty]
        else:
            form.day.data = workshop.starts_on
    return form


def _session_input(form: SessionForm) -> sessions.SessionInput:
    return sessions.SessionInput(
        title=form.title.data,
        description=form.description.data or "",
        kind=SessionKind(form.kind.data),
        day=form.day.data,
        start=form.start.data,
        end=form.end.data,
        room=form.room.data or "",
        module_ids=list(form.module_ids.data or []),
        faculty_ids=list(form.faculty_ids.data or []),
        mandatory=bool(form.mandatory.data),
        stations=form.stations.data or 0,
        station_capacity=form.station_capacity.data or 0,
    )


@bp.route("/workshops/<int:workshop_id>/sessions/new", methods=["GET", "POST"])
@login_required
def create_session(workshop_id: int):
    workshop = workshop_or_404(workshop_id)
    ensure(permissions.can_manage_sessions(current_user, workshop))
    form = _session_form(workshop)
    if form.validate_on_submit():
        with service_call(form) as call:
            item = sessions.create_session(workshop, _session_input(form), actor=me())
        if call.ok:
            flash(f"“{item.title}” is on the timetable.", "success")
            return redirect(url_for("workshops.session_detail", session_id=item.id))
    status = 422 if request.method == "POST" else 200
    return render_template("workshops/session_form.html", form=form, workshop=workshop, item=None), status


@bp.route("/sessions/<int:session_id>")
@login_required
def session_detail(session_id: int):
    item = session_or_404(session_id)
    workshop = item.workshop
    ensure(permissions.can_view_workshop(current_user, workshop))
    staff_view = permissions.can_see_station_lists(current_user, workshop)
    assignments = stations.station_assignments(item) if item.stations else {}
    mine = None
    for station_id, rows in assignments.items():
        if any(row.trainee_id == current_user.id for row in rows):
            mine = next((s for s in item.stations if s.id == station_id), None)
    context: dict[str, Any] = {"session": item, "workshop": workshop, "assignments": assignments}
    context.update(staff_view=staff_view, my_station=mine, confirm_form=ConfirmForm())
    if permissions.can_manage_sessions(current_user, workshop) and item.kind.has_stations:
        context["station_form"] = _station_form(workshop)
        context["move_form"] = _move_form(item)
    return render_template("workshops/session_detail.html", **context)


@bp.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@login_required
def edit_session(session_id: int):
    item = session_or_404(session_id)
    workshop = item.workshop
    ensure(permissions.can_manage_sessions(current_user, workshop))
    form = _session_form(workshop, item)
    if form.validate_on_submit():
        with service_call(form) as call:
            changes = sessions.update_session(item, _session_input(form), actor=me())
        if call.ok:
            told = (
                " Confirmed trainees are e-mailed about the new " + " and ".join(changes) + "."
                if changes
                else ""
            )
            flash(f"“{item.title}” is saved.{told}", "success")
            return redirect(url_for("workshops.session_detail", session_id=item.id))
    status = 422 if request.method == "POST" else 200
    return render_template("workshops/session_form.html", form=form, workshop=workshop, item=item), status


@bp.route("/sessions/<int:session_id>/cancel", methods=["POST"])
@login_required
def cancel_session(session_id: int):
    item = session_or_404(session_id)
    ensure(permissions.can_manage_sessions(current_user, item.workshop))
    ConfirmForm()
    with service_call() as call:
        sessions.cancel_session(item, actor=me())
    if call.ok:
        flash(f"“{item.title}” is cancelled; it stays on the timetable, marked cancelled.", "success")
    return redirect(url_for("workshops.session_detail", session_id=item.id))


# --- stations -----------------------------------------------------------------------------------


def _station_form(workshop: Workshop) -> StationForm:
    form = StationForm()
    teachers = {m.user_id: m.user for m in workshop.staff if m.duty in (Duty.FACULTY, Duty.CERTIFIER)}
    form.faculty_id.choices = choices(
        [("", "Nobody in particular"), *((str(u.id), u.full_name) for u in teachers.values())]
    )
    return form


def _move_form(item: WorkshopSession) -> MoveTraineeForm:
    form = MoveTraineeForm()
    form.trainee_id.choices = choices(
        (str(u.id), u.full_name) for u in roster.confirmed_trainees(item.workshop)
    )
    form.station_id.choices = choices((str(s.id), f"{s.name} ({s.capacity} places)") for s in item.stations)
    return form


def _back_to(item: WorkshopSession) -> Any:
    return redirect(url_for("workshops.session_detail", session_id=item.id) + "#stations")


@bp.route("/sessions/<int:session_id>/stations", methods=["POST"])
@login_required
def add_station(session_id: int):
    item = session_or_404(session_id)
    ensure(permissions.can_manage_sessions(current_user, item.workshop))
    form = _station_form(item.workshop)
    if not form.validate_on_submit():
        for field in form:
            for message in field.errors:
                flash(f"{field.label.text}: {message}", "danger")
        return _back_to(item)
    with service_call() as call:
        station = stations.add_station(
            item,
            name=form.name.data,
            equipment=form.equipment.data or "",
            capacity=form.capacity.data,
            faculty_id=form.faculty_id.data or None,
            actor=me(),
        )
    if call.ok:
        flash(f"{station.name} is added; trainees without a place were placed.", "success")
    return _back_to(item)


@bp.route("/sessions/<int:session_id>/stations/<int:station_id>/remove", methods=["POST"])
@login_required
def remove_station(session_id: int, station_id: int):
    item = session_or_404(session_id)
    ensure(permissions.can_manage_sessions(current_user, item.workshop))
    ConfirmForm()
    station = next((s for s in item.stations if s.id == station_id), None)
    if station is None:
        flash("That station is already gone.", "info")
        return _back_to(item)
    with service_call() as call:
        moved = stations.remove_station(station, actor=me())
    if call.ok:
        flash(f"{station.name} is removed; its {moved} trainee(s) were placed again.", "success")
    return _back_to(item)


@bp.route("/sessions/<int:session_id>/place", methods=["POST"])
@login_required
def place_trainees(session_id: int):
    item = session_or_404(session_id)
    ensure(permissions.can_manage_sessions(current_user, item.workshop))
    ConfirmForm()
    with service_call() as call:
        changed = stations.place_trainees(item, actor=me())
    if call.ok:
        flash(f"Placed trainees evenly ({changed} change(s)); nobody already placed was moved.", "success")
    return _back_to(item)


@bp.route("/sessions/<int:session_id>/move", methods=["POST"])
@login_required
def move_trainee(session_id: int):
    item = session_or_404(session_id)
    ensure(permissions.can_manage_sessions(current_user, item.workshop))
    form = _move_form(item)
    if not form.validate_on_submit():
        flash("Choose a trainee and a station of this session.", "danger")
        return _back_to(item)
    with service_call() as call:
        stations.move_trainee(
            item, trainee_id=form.trainee_id.data, station_id=form.station_id.data, actor=me()
        )
    if call.ok:
        flash("The trainee is moved.", "success")
    return _back_to(item)
