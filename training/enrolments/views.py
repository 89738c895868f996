"""The enrolments pages: a trainee's enrolment, the roster, adding and importing
trainees, the roster export and the workshop's outgoing mail."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from training.accounts import services as accounts
from training.accounts.models import SPECIALTIES, Role, User
from training.accounts.rules import safe_next_url
from training.core import page_parts
from training.core.csv import csv_response
from training.core.db import utcnow
from training.core.forms import choices
from training.core.mail import MailState, OutboxMessage, retry_now
from training.core.permissions import ensure, ensure_or_404
from training.core.web import page_number, service_call
from training.enrolments import bp, permissions, rules, services
from training.enrolments.forms import (
    AddTraineeForm,
    CancelForm,
    ConfirmForm,
    EnrolForm,
    ImportForm,
    NewTraineeForm,
    RemoveForm,
    RosterFilterForm,
    TraineeSearchForm,
)
from training.enrolments.models import Enrolment, EnrolmentState
from training.enrolments.panels import Panel, Tile, workshop_panel
from training.enrolments.roster_attendance import at_risk
from training.extensions import db
from training.workshops.models import Workshop
from training.workshops.permissions import can_view_workshop

__all__ = ["Panel", "enrolment_panel"]

ROSTER_PAGE_SIZE = 50


def me() -> User:
    return current_user._get_current_object()


# Template helpers ------------------------------------------------------------------------------


@bp.app_template_global()
def workshop_url(workshop: Workshop) -> str:
    """The workshop's own page when it exists, else its enrolment page."""
    if "workshops.detail" in current_app.view_functions:
        return url_for("workshops.detail", workshop_id=workshop.id)
    return url_for("enrolments.workshop", workshop_id=workshop.id)


@page_parts.workshop_panel("enrolments")
def enrolment_panel(workshop: Workshop, user: Any) -> Panel:
    """What the workshop page shows about enrolment to its visitor (the page's facts and
    its schema.org data read it too)."""
    return workshop_panel(workshop, user)


@page_parts.tile("enrolments")
def enrolment_tile(user: User) -> Tile | None:
    """The trainee's next workshops for the dashboard: two queries."""
    if not user.has_role(Role.TRAINEE):
        return None
    return Tile(services.upcoming_enrolments(user))


def _load(workshop_id: int) -> Workshop:
    workshop = db.session.get(Workshop, workshop_id)
    # A draft is private to its staff (as on the workshop's own page): others are not told it exists.
    if workshop is None:
        abort(404)
    ensure_or_404(can_view_workshop(current_user, workshop))
    return workshop


def _back(workshop: Workshop) -> Any:
    return redirect(
        safe_next_url(request.form.get("next")) or url_for("enrolments.workshop", workshop_id=workshop.id)
    )


# The trainee's side ------------------------------------------------------------------------------


@bp.route("/workshops/<int:workshop_id>/enrolment")
@login_required
def workshop(workshop_id: int):
    workshop = _load(workshop_id)
    ensure(permissions.can_see_enrolment(current_user, workshop))
    return render_template(
        "enrolments/workshop.html",
        workshop=workshop,
        enrolment=enrolment_panel(workshop, current_user),
        enrol_form=EnrolForm(),
    )


@bp.route("/workshops/<int:workshop_id>/enrol", methods=["POST"])
@login_required
def enrol(workshop_id: int):
    workshop = _load(workshop_id)
    ensure(permissions.can_enrol(current_user, workshop))
    if not EnrolForm().validate_on_submit():
        abort(400)
    with service_call() as call:
        result = services.enrol(workshop, actor=me())
    if call.ok:
        if result.seat.confirmed:
            flash(
                gettext(
                    "You are enrolled in %(title)s. A confirmation is on its way by e-mail.",
                    title=workshop.title,
                ),
                "success",
            )
        else:
            flash(
                gettext(
                    "%(title)s is full: you are on the waitlist at position %(position)s. "
                    "You will get the first seat that frees up after those ahead of you.",
                    title=workshop.title,
                    position=result.seat.position,
                ),
                "info",
            )
        if result.prerequisites.warning:
            flash(result.prerequisites.message(), "warning")
    return _back(workshop)


@bp.route("/workshops/<int:workshop_id>/enrolment/cancel", methods=["GET", "POST"])
@login_required
def cancel(workshop_id: int):
    workshop = _load(workshop_id)
    ensure(permissions.can_enrol(current_user, workshop))
    enrolment = services.enrolment_of(workshop, current_user)
    if enrolment is None or enrolment.state is EnrolmentState.CANCELLED:
        flash(gettext("You are not enrolled in this workshop."), "info")
        return redirect(url_for("enrolments.workshop", workshop_id=workshop.id))
    form = CancelForm()
    if form.validate_on_submit():
        with service_call(form) as call:
            services.cancel(enrolment, actor=me(), reason=form.reason.data or "")
        if call.ok:
            flash(gettext("Your enrolment in %(title)s is cancelled.", title=workshop.title), "success")
            return redirect(url_for("enrolments.mine"))
    return render_template(
        "enrolments/cancel.html",
        workshop=workshop,
        enrolment=enrolment,
        position=services.waitlist_position(enrolment),
        form=form,
    )


@bp.route("/enrolments")
@login_required
def mine():
    ensure(permissions.can_view_own_enrolments(current_user))
    page = db.paginate(services.enrolments_of(me()), page=page_number(), per_page=25, error_out=False)
    positions = services.waitlist_positions([e for e in page.items if e.state is EnrolmentState.WAITLISTED])
    return render_template("enrolments/mine.html", page=page, positions=positions, today=utcnow().date())


# The organizer's side ------------------------------------------------------------------------------


def _roster_filters(workshop: Workshop) -> tuple[RosterFilterForm, services.RosterFilters]:
    """The roster's search form from the query, and the filters it gives (what is not a
    usable choice is left out: a stale bookmark shows the whole roster, not an error)."""
    form = RosterFilterForm(request.args)
    stations = services.roster_stations(workshop)
    form.station.choices = choices([("", "Any station"), *((str(sid), label) for sid, label in stations)])
    form.validate()
    station = form.station.data if not form.station.errors else ""
    attendance = form.attendance.data if not form.attendance.errors else ""
    return form, services.RosterFilters(
        q=(form.q.data or "")[:100] if not form.q.errors else "",
        station_id=int(station) if station else None,
        attendance=attendance or "",
    )


@bp.route("/workshops/<int:workshop_id>/roster")
@login_required
def roster(workshop_id: int):
    workshop = _load(workshop_id)
    ensure(permissions.can_view_roster(current_user, workshop))
    try:
        state = EnrolmentState(request.args.get("state", "confirmed"))
    except ValueError:
        state = EnrolmentState.CONFIRMED
    search, filters = _roster_filters(workshop)
    risky = at_risk(workshop) if filters.attendance == "at_risk" else {}
    query = services.roster_query(workshop, state, filters, risky=risky)
    page = db.paginate(query, page=page_number(), per_page=ROSTER_PAGE_SIZE, error_out=False)
    counts = services.state_counts(workshop)
    checks = (
        services.prerequisites(workshop, [e.trainee_id for e in page.items])
        if state is not EnrolmentState.CANCELLED
        else {}
    )
    return render_template(
        "enrolments/roster.html",
        workshop=workshop,
        page=page,
        state=state,
        counts=counts,
        seats=rules.SeatSummary(
            workshop.capacity,
            counts.get(EnrolmentState.CONFIRMED, 0),
            counts.get(EnrolmentState.WAITLISTED, 0),
        ),
        checks=checks,
        search=search,
        filters=filters,
        filtered=bool(filters.q or filters.station_id or filters.attendance),
        risky=risky,
        # Filtered, the rows are not the whole waitlist: each says its own place in it.
        positions=services.waitlist_positions(list(page.items)) if state is EnrolmentState.WAITLISTED else {},
        first_position=(page.page - 1) * ROSTER_PAGE_SIZE + 1,
        remove_form=RemoveForm(),
        confirm_form=ConfirmForm(),
        EnrolmentState=EnrolmentState,
        manages=permissions.can_manage_enrolments(current_user, workshop),
    )


@bp.route("/workshops/<int:workshop_id>/roster/<int:enrolment_id>/remove", methods=["POST"])
@login_required
def remove(workshop_id: int, enrolment_id: int):
    workshop = _load(workshop_id)
    ensure(permissions.can_manage_enrolments(current_user, workshop))
    enrolment = db.session.get(Enrolment, enrolment_id, options=[joinedload(Enrolment.trainee)])
    if enrolment is None or enrolment.workshop_id != workshop.id:
        abort(404)
    form = RemoveForm()
    if form.validate_on_submit():
        name = enrolment.trainee.full_name
        with service_call() as call:
            promoted = services.remove(enrolment, actor=me(), reason=form.reason.data)
        if call.ok:
            flash(f"{name} is removed from the workshop and told by e-mail.", "success")
            for moved in promoted:
                flash(f"{moved.trainee.full_name} moved up from the waitlist to the free seat.", "success")
    else:
        for message in [m for messages in form.errors.values() for m in messages]:
            flash(message, "danger")
    return redirect(url_for("enrolments.roster", workshop_id=workshop.id))


@bp.route("/workshops/<int:workshop_id>/roster/promote", methods=["POST"])
@login_required
def promote(workshop_id: int):
    workshop = _load(workshop_id)
    ensure(permissions.can_manage_enrolments(current_user, workshop))
    if ConfirmForm().validate_on_submit():
        with service_call() as call:
            promoted = services.promote(workshop, actor=me())
        if call.ok:
            if promoted:
                names = ", ".join(e.trainee.full_name for e in promoted)
                flash(f"Moved up from the waitlist: {names}.", "success")
            else:
                flash("No seat is free, or nobody is waiting.", "info")
    return redirect(url_for("enrolments.roster", workshop_id=workshop.id))


def _render_add(workshop: Workshop, new_form: NewTraineeForm) -> str:
    search = TraineeSearchForm(request.args)
    found = services.trainees_matching(workshop, search.q.data) if search.q.data and search.validate() else []
    return render_template(
        "enrolments/add.html",
        workshop=workshop,
        search=search,
        found=found,
        add_form=AddTraineeForm(),
        new_form=new_form,
        seats=services.seat_summary(workshop),
    )


def _enrolled_message(result: services.Enrolled) -> None:
    name = result.enrolment.trainee.full_name
    if result.seat.confirmed:
        flash(f"{name} is enrolled and told by e-mail.", "success")
    else:
        flash(f"The workshop is full: {name} is on the waitlist at position {result.seat.position}.", "info")
    if result.prerequisites.warning:
        flash(f"{name}: {result.prerequisites.message()}", "warning")


@bp.route("/workshops/<int:workshop_id>/roster/add", methods=["GET", "POST"])
@login_required
def add(workshop_id: int):
    workshop = _load(workshop_id)
    ensure(permissions.can_manage_enrolments(current_user, workshop))
    if request.method == "POST":
        form = AddTraineeForm()
        if not form.validate_on_submit():
            flash("Choose a trainee from the search results.", "danger")
            return _render_add(workshop, NewTraineeForm(formdata=None))
        trainee = db.session.get(User, form.trainee_id.data)
        if trainee is None:
            flash("This trainee no longer exists.", "danger")
            return _render_add(workshop, NewTraineeForm(formdata=None))
        with service_call() as call:
            result = services.enrol_by_organizer(workshop, trainee, actor=me())
        if not call.ok:
            return _render_add(workshop, NewTraineeForm(formdata=None))
        _enrolled_message(result)
        # Back to the same search, which now shows them enrolled.
        return redirect(url_for("enrolments.add", workshop_id=workshop.id, q=request.args.get("q") or None))
    return _render_add(workshop, NewTraineeForm(formdata=None))


@bp.route("/workshops/<int:workshop_id>/roster/new", methods=["POST"])
@login_required
def add_new(workshop_id: int):
    workshop = _load(workshop_id)
    ensure(permissions.can_manage_enrolments(current_user, workshop))
    form = NewTraineeForm()
    if form.validate_on_submit():
        profile = accounts.Profile(
            full_name=form.full_name.data,
            email=form.email.data,
            specialty=form.specialty.data,
            country=form.country.data,
        )
        with service_call(form) as call:
            result = services.enrol_new_trainee(workshop, profile, actor=me())
        if call.ok:
            flash(f"An account for {profile.full_name} was created; the invitation is on its way.", "success")
            _enrolled_message(result)
            return redirect(url_for("enrolments.add", workshop_id=workshop.id))
    return _render_add(workshop, form)


@bp.route("/workshops/<int:workshop_id>/roster/import", methods=["GET", "POST"])
@login_required
def import_roster(workshop_id: int):
    workshop = _load(workshop_id)
    ensure(permissions.can_manage_enrolments(current_user, workshop))
    form = ImportForm()
    # Refusals are shown on the page itself (200), as on every form of the site.
    if form.validate_on_submit():
        data = form.file.data.read(rules.MAX_IMPORT_BYTES + 1)
        with service_call(form) as call:
            report = services.import_csv(workshop, data, actor=me())
        if call.ok:
            flash(
                f"{report.total} trainees imported: {len(report.confirmed)} confirmed, "
                f"{len(report.waitlisted)} on the waitlist; {report.created} new accounts were invited.",
                "success",
            )
            return redirect(url_for("enrolments.roster", workshop_id=workshop.id))
    return render_template(
        "enrolments/import.html", workshop=workshop, form=form, columns=rules.COLUMNS, specialties=SPECIALTIES
    )


@bp.route("/workshops/<int:workshop_id>/roster.csv")
@login_required
def export_roster(workshop_id: int):
    workshop = _load(workshop_id)
    ensure(permissions.can_manage_enrolments(current_user, workshop))
    header, rows = services.roster_export(workshop)
    return csv_response(f"roster-workshop-{workshop.id}.csv", header, rows)


@bp.route("/workshops/<int:workshop_id>/mail")
@login_required
def pending_mail(workshop_id: int):
    workshop = _load(workshop_id)
    ensure(permissions.can_manage_enrolments(current_user, workshop))
    page = db.paginate(services.waiting_mail(workshop), page=page_number(), per_page=50, error_out=False)
    return render_template(
        "enrolments/pending_mail.html",
        workshop=workshop,
        page=page,
        counts=services.mail_counts(workshop),
        MailState=MailState,
    )


@bp.route("/workshops/<int:workshop_id>/mail/<int:message_id>/retry", methods=["POST"])
@login_required
def retry_mail(workshop_id: int, message_id: int):
    workshop = _load(workshop_id)
    ensure(permissions.can_manage_enrolments(current_user, workshop))
    message = db.session.get(OutboxMessage, message_id)
    if message is None or message.workshop_id != workshop.id:
        abort(404)
    if ConfirmForm().validate_on_submit():
        if message.state is MailState.SENT:
            flash("This message was already sent.", "info")
        else:
            retry_now(message)
            flash(f"The message to {message.recipient} will be sent again now.", "success")
    return redirect(url_for("enrolments.pending_mail", workshop_id=workshop.id))
