"""The workshops pages: lists, the workshop and its staff, sessions, stations,
timetables, the printable programme and calendars."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import (
    Response,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy.orm import selectinload

from training.accounts.forms import ConfirmForm
from training.accounts.models import User
from training.core import pdf
from training.core.audit import AuditEvent
from training.core.cache import StampedCache
from training.core.db import utcnow
from training.core.errors import DomainError
from training.core.forms import choices
from training.core.permissions import ensure, ensure_or_404, public
from training.core.urls import external_url
from training.core.web import page_number, show_domain_error
from training.extensions import db
from training.workshops import bp, calendars, permissions, rules, services, structured_data
from training.workshops.forms import (
    CancelWorkshopForm,
    FacultyProfileForm,
    MoveTraineeForm,
    SessionForm,
    StaffForm,
    StationForm,
    WorkshopForm,
)
from training.workshops.models import (
    DEFAULT_CME_DAILY_CAP,
    Duty,
    PrerequisitePolicy,
    SessionKind,
    Workshop,
    WorkshopSession,
    WorkshopStaff,
    WorkshopState,
)

PER_PAGE = 12
# Where issue_feed leaves a new calendar secret for the next page to show once.
NEW_FEED_KEY = "new_calendar_feed"


def _me() -> User:
    return current_user._get_current_object()


# Route arguments that name a workshop or a part of one, and how to find the workshop's id.
# Other capabilities add theirs (a quiz, say) with ``register_workshop_argument``.
WORKSHOP_OF_ARGUMENT: dict[str, Callable[[int], int | None]] = {
    "workshop_id": lambda workshop_id: workshop_id,
    "session_id": lambda session_id: db.session.scalar(
        sa.select(WorkshopSession.workshop_id).where(WorkshopSession.id == session_id)
    ),
}


def register_workshop_argument(name: str, workshop_of: Callable[[int], int | None]) -> None:
    WORKSHOP_OF_ARGUMENT[name] = workshop_of


@bp.before_app_request
def hide_draft_workshops() -> None:
    """Every page of a draft workshop, not only its own, answers 404 to those who may
    not see the draft: a 403 from a sub-page would tell them that it exists.
    (Anonymous visitors are sent to log in from every page that needs it, whatever the
    workshop, which tells nothing; this blueprint's public pages answer 404 for a draft.)"""
    arguments = request.view_args or {}
    if not arguments or not current_user.is_authenticated:
        return
    if request.blueprint == bp.name:
        return  # these views load the workshop through _workshop(), which answers 404 itself
    for name, workshop_of in WORKSHOP_OF_ARGUMENT.items():
        value = arguments.get(name)
        if not isinstance(value, int):
            continue
        workshop_id = workshop_of(value)
        if workshop_id is None:
            continue
        # The state alone: loading the workshop here would keep the view from loading it
        # with what it needs (the identity map would hand it this bare one).
        state = db.session.scalar(sa.select(Workshop.state).where(Workshop.id == workshop_id))
        if state is WorkshopState.DRAFT:
            workshop = db.session.get(Workshop, workshop_id)
            if not permissions.can_view_workshop(current_user, workshop):
                abort(404)  # not ensure_or_404: the view must still make its own check


def _workshop(workshop_id: int) -> Workshop:
    """The workshop, or 404 when it does not exist or is a draft the user may not see.
    Its staff come with it, without their global roles (duties are what pages show)."""
    workshop = db.session.get(
        Workshop,
        workshop_id,
        options=[selectinload(Workshop.staff).joinedload(WorkshopStaff.user).lazyload(User.role_links)],
    )
    if workshop is None:
        abort(404)
    ensure_or_404(permissions.can_view_workshop(current_user, workshop))
    return workshop


def _session(session_id: int) -> WorkshopSession:
    item = db.get_or_404(WorkshopSession, session_id)
    _workshop(item.workshop_id)
    return item


# --- lists -------------------------------------------------------------------------------------


def _arg(name: str, limit: int) -> str:
    return request.args.get(name, "")[:limit]


@bp.route("/workshops")
def index():
    ensure(permissions.can_browse_workshops(current_user))
    filters = services.WorkshopFilters(
        when="past" if request.args.get("when") == "past" else "upcoming",
        q=_arg("q", 100),
        module=_arg("module", 20),
        country=_arg("country", 2),
        month=_arg("month", 7),
    )

    def catalogue() -> str:
        query = services.workshop_list_query(_me(), filters)
        page = db.paginate(query, page=page_number(), per_page=PER_PAGE, error_out=False)
        modules, countries = services.filter_choices(_me(), filters.when)
        return render_template(
            "workshops/_catalogue.html",
            page=page,
            filters=filters,
            modules=modules,
            countries=countries,
            counts=services.confirmed_counts([w.id for w in page.items]),
        )

    if services.sees_public_catalogue(_me()):
        # Everyone who sees the published catalogue sees the same lists: kept rendered
        # until a workshop or an enrolment changes (or the day does).
        key = (tuple(sorted(request.args.items(multi=True))), utcnow().date())
        html = _catalogues.fetch(key, services.catalogue_stamp(), catalogue)
    else:
        html = catalogue()
    # Our own template's output, escaped when it was rendered: not to be escaped again.
    catalogue_html = Markup(html)  # noqa: S704  # nosec B704
    return render_template("workshops/index.html", filters=filters, catalogue=catalogue_html)


_catalogues: StampedCache[str] = StampedCache(size=256)


# --- one workshop ----------------------------------------------------------------------------


def _workshop_form(workshop: Workshop | None = None) -> WorkshopForm:
    form = WorkshopForm()
    versions = services.published_versions()
    form.curriculum_version_id.choices = choices(
        [("", "Choose a version"), *((str(v.id), v.label) for v in versions)]
    )
    form.module_ids.choices = choices(
        (str(m.id), f"{m.code} · {m.title} ({v.label})") for v in versions for m in v.modules
    )
    form.versions = versions  # type: ignore[attr-defined]
    if workshop is None and request.method == "GET" and len(versions) == 1:
        form.curriculum_version_id.data = versions[0].id
    if workshop is not None and request.method == "GET":
        for name in (
            "title",
            "description",
            "venue_name",
            "venue_address",
            "city",
            "country",
            "timezone",
            "starts_on",
            "ends_on",
            "capacity",
            "cme_accreditor",
            "cme_statement",
            "cme_designated_credits",
            "cme_daily_cap",
        ):
            getattr(form, name).data = getattr(workshop, name)
        form.curriculum_version_id.data = workshop.curriculum_version_id
        form.module_ids.data = [m.id for m in workshop.modules]
        form.prerequisite_policy.data = workshop.prerequisite_policy.value
        zone = workshop.zone
        for name in ("enrolment_opens_at", "enrolment_closes_at"):
            value = getattr(workshop, name)
            getattr(form, name).data = value.astimezone(zone).replace(tzinfo=None) if value else None
    return form


def _workshop_input(form: WorkshopForm) -> services.WorkshopInput:
    return services.WorkshopInput(
        title=form.title.data,
        description=form.description.data or "",
        curriculum_version_id=form.curriculum_version_id.data,
        module_ids=list(form.module_ids.data or []),
        venue_name=form.venue_name.data,
        venue_address=form.venue_address.data or "",
        city=form.city.data,
        country=form.country.data,
        timezone=form.timezone.data,
        starts_on=form.starts_on.data,
        ends_on=form.ends_on.data,
        capacity=form.capacity.data,
        enrolment_opens_local=form.enrolment_opens_at.data,
        enrolment_closes_local=form.enrolment_closes_at.data,
        prerequisite_policy=PrerequisitePolicy(form.prerequisite_policy.data),
        cme_accreditor=form.cme_accreditor.data or "",
        cme_statement=form.cme_statement.data or "",
        cme_designated_credits=form.cme_designated_credits.data,
        cme_daily_cap=form.cme_daily_cap.data
        if form.cme_daily_cap.data is not None
        else DEFAULT_CME_DAILY_CAP,
    )


def _render_workshop_form(form: WorkshopForm, workshop: Workshop | None) -> Any:
    status = 422 if request.method == "POST" else 200
    return (
        render_template(
            "workshops/form.html",
            form=form,
            workshop=workshop,
            timezones=sorted(rules.known_timezones()),
        ),
        status,
    )


@bp.route("/workshops/new", methods=["GET", "POST"])
@login_required
def create():
    ensure(permissions.can_create_workshop(current_user))
    form = _workshop_form()
    if not form.versions:  # type: ignore[attr-defined]
        flash("No curriculum version is published yet: publish one before creating a workshop.", "warning")
    if form.validate_on_submit():
        try:
            workshop = services.create_workshop(_workshop_input(form), actor=_me())
        except DomainError as error:
            show_domain_error(error, form)
        else:
            db.session.commit()
            flash(f"The draft “{workshop.title}” is saved. Add sessions, then publish it.", "success")
            return redirect(url_for("workshops.detail", workshop_id=workshop.id))
    return _render_workshop_form(form, None)


@bp.route("/workshops/<int:workshop_id>")
def detail(workshop_id: int):
    # Open to anonymous visitors once published: what is only for staff is behind
    # their own predicates, in the template and in the panels.
    workshop = _workshop(workshop_id)
    ensure(permissions.can_view_workshop(current_user, workshop))
    sessions = services.sessions_of(workshop)
    teachers = {m.user_id: m.user for m in workshop.staff if m.duty in (Duty.FACULTY, Duty.CERTIFIER)}
    ordered_teachers = sorted(teachers.values(), key=lambda u: u.full_name)
    history = []
    if permissions.organizes(current_user, workshop):
        history = db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.workshop_id == workshop.id)
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .limit(8)
        ).all()
    offer = _offer(workshop)
    return render_template(
        "workshops/detail.html",
        workshop=workshop,
        days=services.timetable(workshop, sessions),
        teachers=ordered_teachers,
        profiles=services.faculty_profiles(list(teachers)),
        history=history,
        offer=offer,
        structured_data=_structured_data(workshop, sessions, ordered_teachers, offer),
        confirm_form=ConfirmForm(),
        zone_names=rules.zone_abbreviations(workshop.zone, workshop.starts_on, workshop.ends_on),
        begun=workshop.starts_on <= utcnow().astimezone(workshop.zone).date(),
    )


def _offer(workshop: Workshop) -> structured_data.Offer:
    """Seats and whether one can enrol now, as the enrolment panel says them."""
    # enrolments builds on this module: imported when used
    from training.enrolments.rules import closes_at
    from training.enrolments.views import enrolment_panel

    panel = enrolment_panel(workshop)
    return structured_data.Offer(
        availability=panel.availability.value,
        seats_left=panel.seats.left,
        opens_at=workshop.enrolment_opens_at,
        closes_at=closes_at(workshop.enrolment_closes_at, workshop.starts_on, workshop.timezone),
    )


def _structured_data(
    workshop: Workshop, sessions: list[WorkshopSession], teachers: list[User], offer: structured_data.Offer
) -> dict[str, Any] | None:
    """The schema.org description of a workshop others may see (none for a draft)."""
    if workshop.state is WorkshopState.DRAFT:
        return None
    return structured_data.event(
        workshop,
        sessions,
        teachers,
        offer,
        url=external_url("workshops.detail", workshop_id=workshop.id),
        organizer_name=current_app.config["PROGRAMME_NAME"],
        organizer_url=external_url("main.index"),
    )


@bp.route("/workshops/<int:workshop_id>/edit", methods=["GET", "POST"])
@login_required
def edit(workshop_id: int):
    workshop = _workshop(workshop_id)
    ensure(permissions.can_edit_workshop(current_user, workshop))
    form = _workshop_form(workshop)
    if form.validate_on_submit():
        try:
            services.update_workshop(workshop, _workshop_input(form), actor=_me())
        except DomainError as error:
            show_domain_error(error, form)
        else:
            db.session.commit()
            flash("The workshop is saved.", "success")
            return redirect(url_for("workshops.detail", workshop_id=workshop.id))
    return _render_workshop_form(form, workshop)


def _state_move(workshop_id: int, move: Any, done: str) -> Any:
    workshop = _workshop(workshop_id)
    ensure(permissions.can_edit_workshop(current_user, workshop))
    ConfirmForm()  # the CSRF check happened before the view
    try:
        move(workshop, actor=_me())
    except DomainError as error:
        show_domain_error(error)
    else:
        db.session.commit()
        flash(done.format(title=workshop.title), "success")
    return redirect(url_for("workshops.detail", workshop_id=workshop.id))


@bp.route("/workshops/<int:workshop_id>/publish", methods=["POST"])
@login_required
def publish(workshop_id: int):
    return _state_move(workshop_id, services.publish_workshop, "“{title}” is published: trainees can see it.")


@bp.route("/workshops/<int:workshop_id>/complete", methods=["POST"])
@login_required
def complete(workshop_id: int):
    return _state_move(workshop_id, services.complete_workshop, "“{title}” is marked completed.")


@bp.route("/workshops/<int:workshop_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel(workshop_id: int):
    workshop = _workshop(workshop_id)
    ensure(permissions.can_edit_workshop(current_user, workshop))
    form = CancelWorkshopForm()
    if form.validate_on_submit():
        try:
            told = services.cancel_workshop(workshop, form.reason.data, actor=_me())
        except DomainError as error:
            show_domain_error(error, form)
        else:
            db.session.commit()
            flash(
                f"“{workshop.title}” is cancelled; {told} confirmed trainee(s) will be e-mailed.", "success"
            )
            return redirect(url_for("workshops.detail", workshop_id=workshop.id))
    status = 422 if request.method == "POST" else 200
    confirmed = services.confirmed_count(workshop)
    return render_template("workshops/cancel.html", form=form, workshop=workshop, confirmed=confirmed), status


# --- staff and faculty ------------------------------------------------------------------------


@bp.route("/workshops/<int:workshop_id>/staff", methods=["GET", "POST"])
@login_required
def staff(workshop_id: int):
    workshop = _workshop(workshop_id)
    ensure(permissions.can_manage_staff(current_user, workshop))
    form = StaffForm()
    if form.validate_on_submit():
        try:
            member = services.add_staff(workshop, form.email.data, Duty(form.duty.data), actor=_me())
        except DomainError as error:
            show_domain_error(error, form)
        else:
            db.session.commit()
            flash(f"{member.user.full_name} is now {member.duty.label.lower()} of this workshop.", "success")
            return redirect(url_for("workshops.staff", workshop_id=workshop.id))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "workshops/staff.html", form=form, workshop=workshop, confirm_form=ConfirmForm()
    ), status


@bp.route("/workshops/<int:workshop_id>/staff/<int:member_id>/remove", methods=["POST"])
@login_required
def remove_staff(workshop_id: int, member_id: int):
    workshop = _workshop(workshop_id)
    ensure(permissions.can_manage_staff(current_user, workshop))
    member = db.session.get(WorkshopStaff, member_id)
    if member is None or member.workshop_id != workshop.id:
        abort(404)
    try:
        services.remove_staff(workshop, member, actor=_me())
    except DomainError as error:
        show_domain_error(error)
    else:
        db.session.commit()
        flash("Removed from the staff.", "success")
    return redirect(url_for("workshops.staff", workshop_id=workshop.id))


@bp.route("/faculty/<int:user_id>")
def faculty_profile(user_id: int):
    person = db.get_or_404(User, user_id)
    ensure(permissions.can_browse_workshops(current_user))
    visible = services.visible_filter(_me())
    teaching = db.session.scalars(
        sa.select(Workshop)
        .where(
            Workshop.id.in_(permissions.staffed_workshops(person, "faculty", "certifier")),
            visible,
        )
        .order_by(Workshop.starts_on.desc())
        .limit(50)
    ).all()
    if not teaching and person.id != getattr(current_user, "id", None):
        abort(404)  # only people who teach have a public faculty page
    return render_template(
        "workshops/faculty_profile.html",
        person=person,
        profile=services.faculty_profile(person),
        teaching=teaching,
    )


@bp.route("/faculty/profile", methods=["GET", "POST"])
@login_required
def edit_faculty_profile():
    ensure(permissions.can_edit_faculty_profile(current_user))
    profile = services.faculty_profile(_me())
    form = FacultyProfileForm(obj=profile if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            services.save_faculty_profile(
                _me(),
                biography=form.biography.data or "",
                disclosure=form.disclosure.data or "",
                nothing_to_disclose=bool(form.nothing_to_disclose.data),
                actor=_me(),
            )
        except DomainError as error:
            show_domain_error(error, form)
        else:
            db.session.commit()
            flash("Your faculty profile and disclosure are saved.", "success")
            return redirect(url_for("workshops.faculty_profile", user_id=current_user.id))
    status = 422 if request.method == "POST" else 200
    return render_template("workshops/faculty_profile_form.html", form=form, profile=profile), status


# --- sessions ---------------------------------------------------------------------------------


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


def _session_input(form: SessionForm) -> services.SessionInput:
    return services.SessionInput(
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
    workshop = _workshop(workshop_id)
    ensure(permissions.can_manage_sessions(current_user, workshop))
    form = _session_form(workshop)
    if form.validate_on_submit():
        try:
            item = services.create_session(workshop, _session_input(form), actor=_me())
        except DomainError as error:
            show_domain_error(error, form)
        else:
            db.session.commit()
            flash(f"“{item.title}” is on the timetable.", "success")
            return redirect(url_for("workshops.session_detail", session_id=item.id))
    status = 422 if request.method == "POST" else 200
    return render_template("workshops/session_form.html", form=form, workshop=workshop, item=None), status


@bp.route("/sessions/<int:session_id>")
@login_required
def session_detail(session_id: int):
    item = _session(session_id)
    workshop = item.workshop
    ensure(permissions.can_view_workshop(current_user, workshop))
    staff_view = permissions.can_see_station_lists(current_user, workshop)
    assignments = services.station_assignments(item) if item.stations else {}
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
    item = _session(session_id)
    workshop = item.workshop
    ensure(permissions.can_manage_sessions(current_user, workshop))
    form = _session_form(workshop, item)
    if form.validate_on_submit():
        try:
            changes = services.update_session(item, _session_input(form), actor=_me())
        except DomainError as error:
            show_domain_error(error, form)
        else:
            db.session.commit()
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
    item = _session(session_id)
    ensure(permissions.can_manage_sessions(current_user, item.workshop))
    ConfirmForm()
    try:
        services.cancel_session(item, actor=_me())
    except DomainError as error:
        show_domain_error(error)
    else:
        db.session.commit()
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
        (str(u.id), u.full_name) for u in services.confirmed_trainees(item.workshop)
    )
    form.station_id.choices = choices((str(s.id), f"{s.name} ({s.capacity} places)") for s in item.stations)
    return form


def _back_to(item: WorkshopSession) -> Any:
    return redirect(url_for("workshops.session_detail", session_id=item.id) + "#stations")


@bp.route("/sessions/<int:session_id>/stations", methods=["POST"])
@login_required
def add_station(session_id: int):
    item = _session(session_id)
    ensure(permissions.can_manage_sessions(current_user, item.workshop))
    form = _station_form(item.workshop)
    if not form.validate_on_submit():
        for field in form:
            for message in field.errors:
                flash(f"{field.label.text}: {message}", "danger")
        return _back_to(item)
    try:
        station = services.add_station(
            item,
            name=form.name.data,
            equipment=form.equipment.data or "",
            capacity=form.capacity.data,
            faculty_id=form.faculty_id.data or None,
            actor=_me(),
        )
    except DomainError as error:
        show_domain_error(error)
    else:
        db.session.commit()
        flash(f"{station.name} is added; trainees without a place were placed.", "success")
    return _back_to(item)


@bp.route("/sessions/<int:session_id>/stations/<int:station_id>/remove", methods=["POST"])
@login_required
def remove_station(session_id: int, station_id: int):
    item = _session(session_id)
    ensure(permissions.can_manage_sessions(current_user, item.workshop))
    ConfirmForm()
    station = next((s for s in item.stations if s.id == station_id), None)
    if station is None:
        flash("That station is already gone.", "info")
        return _back_to(item)
    try:
        moved = services.remove_station(station, actor=_me())
    except DomainError as error:
        show_domain_error(error)
    else:
        db.session.commit()
        flash(f"{station.name} is removed; its {moved} trainee(s) were placed again.", "success")
    return _back_to(item)


@bp.route("/sessions/<int:session_id>/place", methods=["POST"])
@login_required
def place_trainees(session_id: int):
    item = _session(session_id)
    ensure(permissions.can_manage_sessions(current_user, item.workshop))
    ConfirmForm()
    try:
        changed = services.place_trainees(item, actor=_me())
    except DomainError as error:
        show_domain_error(error)
    else:
        db.session.commit()
        flash(f"Placed trainees evenly ({changed} change(s)); nobody already placed was moved.", "success")
    return _back_to(item)


@bp.route("/sessions/<int:session_id>/move", methods=["POST"])
@login_required
def move_trainee(session_id: int):
    item = _session(session_id)
    ensure(permissions.can_manage_sessions(current_user, item.workshop))
    form = _move_form(item)
    if not form.validate_on_submit():
        flash("Choose a trainee and a station of this session.", "danger")
        return _back_to(item)
    try:
        services.move_trainee(
            item, trainee_id=form.trainee_id.data, station_id=form.station_id.data, actor=_me()
        )
    except DomainError as error:
        show_domain_error(error)
    else:
        db.session.commit()
        flash("The trainee is moved.", "success")
    return _back_to(item)


# --- timetables ---------------------------------------------------------------------------------


@bp.route("/workshops/<int:workshop_id>/timetable")
def timetable(workshop_id: int):
    workshop = _workshop(workshop_id)
    ensure(permissions.can_view_workshop(current_user, workshop))
    return render_template(
        "workshops/timetable.html",
        workshop=workshop,
        days=services.timetable(workshop),
        zone_names=rules.zone_abbreviations(workshop.zone, workshop.starts_on, workshop.ends_on),
    )


@bp.route("/workshops/<int:workshop_id>/programme.pdf")
@login_required
def programme(workshop_id: int):
    workshop = _workshop(workshop_id)
    ensure(permissions.can_view_workshop(current_user, workshop))
    sessions = services.sessions_of(workshop)
    teachers = {m.user_id: m.user for m in workshop.staff if m.duty in (Duty.FACULTY, Duty.CERTIFIER)}
    document = pdf.render(
        "workshops/pdf/programme.html",
        metadata=pdf.Metadata(
            title=f"Programme: {workshop.title}",
            author=", ".join(u.full_name for u in workshop.staff_with(Duty.ORGANIZER)),
            subject=f"{workshop.venue_name}, {workshop.city}, {workshop.starts_on} to {workshop.ends_on}",
            keywords=tuple(m.code for m in workshop.modules),
        ),
        workshop=workshop,
        days=services.timetable(workshop, sessions),
        teachers=sorted(teachers.values(), key=lambda u: u.full_name),
        profiles=services.faculty_profiles(list(teachers)),
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
        items=services.user_schedule(_me(), past=past),
        past=past,
        feed=services.calendar_feed(_me()),
    )


# --- calendars ----------------------------------------------------------------------------------


def _ics(body: bytes, filename: str) -> Response:
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.route("/workshops/<int:workshop_id>/calendar.ics")
def workshop_calendar(workshop_id: int):
    workshop = _workshop(workshop_id)
    ensure(permissions.can_view_workshop(current_user, workshop))
    sessions = services.sessions_of(workshop)
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
    feed = services.calendar_feed(_me())
    # Only while it is still this person's address (not replaced or revoked since).
    shown = token if token and services.user_for_feed(token) == _me() else None
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
    token = services.issue_calendar_feed(_me(), actor=_me())
    db.session.commit()
    # Only a digest of the secret is kept: the page after the redirect shows it once,
    # and reloading it (or going back) does not make another address.
    session[NEW_FEED_KEY] = token
    return redirect(url_for("workshops.calendar_settings"))


@bp.route("/calendar/revoke", methods=["POST"])
@login_required
def revoke_feed():
    ensure(permissions.can_manage_calendar_feed(current_user))
    ConfirmForm()
    if services.revoke_calendar_feed(_me(), actor=_me()):
        db.session.commit()
        flash("Your private calendar address no longer works. Calendar apps stop updating.", "success")
    else:
        flash("You had no private calendar address.", "info")
    return redirect(url_for("workshops.calendar_settings"))


@bp.route("/calendar/<token>.ics")
@public
def feed(token: str):
    # The secret in the address is the permission: calendar apps cannot log in.
    user = services.user_for_feed(token)
    if user is None:
        abort(404)
    sessions = services.feed_sessions(user)
    body = calendars.build(
        sessions,
        name="My training schedule",
        module_codes=services.session_module_codes([s.id for s in sessions]),
    )
    response = _ics(body, "schedule.ics")
    response.headers["Cache-Control"] = "private, max-age=300"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.app_context_processor
def workshop_names() -> dict[str, Any]:
    return {"Duty": Duty, "WorkshopState": WorkshopState, "SessionKind": SessionKind}
