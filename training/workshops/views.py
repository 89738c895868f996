"""The workshops pages: the catalogue and one workshop (create, edit, publish, complete,
cancel), and what every workshops view uses to load a workshop or a session.

The other pages of the blueprint: ``staff_views`` (staff and faculty profiles),
``session_views`` (sessions and stations), ``calendar_views`` (timetables, the printable
programme, schedules and calendars)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy.orm import selectinload

from training.accounts.forms import ConfirmForm
from training.accounts.models import User
from training.core import page_parts
from training.core.cache import StampedCache
from training.core.db import utcnow
from training.core.forms import choices
from training.core.i18n import current_language
from training.core.permissions import ensure, ensure_or_404
from training.core.urls import external_url
from training.core.web import page_number, service_call
from training.enrolments import rules as enrolment_rules
from training.extensions import db
from training.workshops import (
    bp,
    catalogue,
    permissions,
    roster,
    rules,
    scheduling,
    structured_data,
    timetables,
)
from training.workshops import staff as staffing
from training.workshops.forms import CancelWorkshopForm, WorkshopForm
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


def me() -> User:
    """The signed-in user, the object itself (services keep it as the actor)."""
    return current_user._get_current_object()


# Route arguments that name a workshop or a part of one, and how to find the workshop's id.
# Other capabilities add theirs (a quiz, say) with ``register_workshop_argument``.
WORKSHOP_OF_ARGUMENT: dict[str, Callable[[int], int | None]] = {
    "workshop_id": lambda workshop_id: workshop_id,
    "session_id": timetables.workshop_of_session,
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
        return  # these views load the workshop through workshop_or_404(), which answers 404 itself
    for name, workshop_of in WORKSHOP_OF_ARGUMENT.items():
        value = arguments.get(name)
        if not isinstance(value, int):
            continue
        workshop_id = workshop_of(value)
        if workshop_id is None:
            continue
        # The state alone: loading the workshop here would keep the view from loading it
        # with what it needs (the identity map would hand it this bare one).
        state = catalogue.workshop_state(workshop_id)
        if state is WorkshopState.DRAFT:
            workshop = db.session.get(Workshop, workshop_id)
            if workshop is None or not permissions.can_view_workshop(current_user, workshop):
                abort(404)  # not ensure_or_404: the view must still make its own check


def workshop_or_404(workshop_id: int) -> Workshop:
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


def session_or_404(session_id: int) -> WorkshopSession:
    """The session, or 404 as for its workshop (see ``workshop_or_404``)."""
    item = db.get_or_404(
        WorkshopSession,
        session_id,
        options=[
            selectinload(WorkshopSession.stations),
            selectinload(WorkshopSession.modules),
            selectinload(WorkshopSession.faculty),
        ],
    )
    workshop_or_404(item.workshop_id)
    return item


# --- lists -------------------------------------------------------------------------------------


def _arg(name: str, limit: int) -> str:
    return request.args.get(name, "")[:limit]


@bp.route("/workshops")
def index():
    ensure(permissions.can_browse_workshops(current_user))
    filters = catalogue.WorkshopFilters(
        when="past" if request.args.get("when") == "past" else "upcoming",
        q=_arg("q", 100),
        module=_arg("module", 20),
        country=_arg("country", 2),
        month=_arg("month", 7),
    )

    def render_catalogue() -> str:
        page = catalogue.workshop_page(me(), filters, page=page_number(), per_page=PER_PAGE)
        modules, countries = catalogue.filter_choices(me(), filters.when)
        return render_template(
            "workshops/_catalogue.html",
            page=page,
            filters=filters,
            modules=modules,
            countries=countries,
            counts=roster.confirmed_counts([w.id for w in page.items]),
        )

    if catalogue.sees_public_catalogue(me()):
        # Everyone who sees the published catalogue sees the same lists: kept rendered
        # until a workshop or an enrolment changes (or the day does), one per language.
        key = (tuple(sorted(request.args.items(multi=True))), utcnow().date(), current_language())
        html = _catalogues.fetch(key, catalogue.catalogue_stamp(), render_catalogue)
    else:
        html = render_catalogue()
    # Our own template's output, escaped when it was rendered: not to be escaped again.
    catalogue_html = Markup(html)  # noqa: S704  # nosec B704
    return render_template("workshops/index.html", filters=filters, catalogue=catalogue_html)


_catalogues: StampedCache[str] = StampedCache(size=256)


# --- one workshop ----------------------------------------------------------------------------


def _workshop_form(workshop: Workshop | None = None) -> WorkshopForm:
    form = WorkshopForm()
    versions = catalogue.published_versions()
    form.curriculum_version_id.choices = choices(
        [("", "Choose a version"), *((str(v.id), v.label) for v in versions)]
    )
    form.module_ids.choices = choices(
        (str(m.id), f"{m.code} · {m.title} ({v.label})") for v in versions for m in v.modules
    )
    form.versions = versions
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


def _workshop_input(form: WorkshopForm) -> scheduling.WorkshopInput:
    return scheduling.WorkshopInput(
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
    if not form.versions:
        flash("No curriculum version is published yet: publish one before creating a workshop.", "warning")
    if form.validate_on_submit():
        with service_call(form) as call:
            workshop = scheduling.create_workshop(_workshop_input(form), actor=me())
        if call.ok:
            flash(f"The draft “{workshop.title}” is saved. Add sessions, then publish it.", "success")
            return redirect(url_for("workshops.detail", workshop_id=workshop.id))
    return _render_workshop_form(form, None)


@bp.route("/workshops/<int:workshop_id>")
def detail(workshop_id: int):
    # Open to anonymous visitors once published: what is only for staff is behind
    # their own predicates, in the template and in the panels.
    workshop = workshop_or_404(workshop_id)
    ensure(permissions.can_view_workshop(current_user, workshop))
    sessions = timetables.sessions_of(workshop)
    teachers = {m.user_id: m.user for m in workshop.staff if m.duty in (Duty.FACULTY, Duty.CERTIFIER)}
    ordered_teachers = sorted(teachers.values(), key=lambda u: u.full_name)
    history = scheduling.recent_history(workshop) if permissions.organizes(current_user, workshop) else []
    # What each capability's panel shows, worked out once; the page's facts and its
    # schema.org data read the enrolment panel too.
    parts = page_parts.panels_for(workshop, current_user._get_current_object())
    enrolment = parts["enrolments"]
    offer = _offer(workshop, enrolment)
    return render_template(
        "workshops/detail.html",
        workshop=workshop,
        days=timetables.timetable(workshop, sessions),
        teachers=ordered_teachers,
        profiles=staffing.faculty_profiles(list(teachers)),
        history=history,
        offer=offer,
        enrolment=enrolment,
        panels=parts,
        structured_data=_structured_data(workshop, sessions, ordered_teachers, offer),
        confirm_form=ConfirmForm(),
        zone_names=rules.zone_abbreviations(workshop.zone, workshop.starts_on, workshop.ends_on),
        begun=workshop.starts_on <= utcnow().astimezone(workshop.zone).date(),
    )


def _offer(workshop: Workshop, panel: Any) -> structured_data.Offer:
    """Seats and whether one can enrol now, as the enrolment panel says them."""
    return structured_data.Offer(
        availability=panel.availability.value,
        seats_left=panel.seats.left,
        opens_at=workshop.enrolment_opens_at,
        closes_at=enrolment_rules.closes_at(
            workshop.enrolment_closes_at, workshop.starts_on, workshop.timezone
        ),
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
    workshop = workshop_or_404(workshop_id)
    ensure(permissions.can_edit_workshop(current_user, workshop))
    form = _workshop_form(workshop)
    if form.validate_on_submit():
        with service_call(form) as call:
            scheduling.update_workshop(workshop, _workshop_input(form), actor=me())
        if call.ok:
            flash("The workshop is saved.", "success")
            return redirect(url_for("workshops.detail", workshop_id=workshop.id))
    return _render_workshop_form(form, workshop)


def _state_move(workshop_id: int, move: Any, done: str) -> Any:
    workshop = workshop_or_404(workshop_id)
    ensure(permissions.can_edit_workshop(current_user, workshop))
    ConfirmForm()  # the CSRF check happened before the view
    with service_call() as call:
        move(workshop, actor=me())
    if call.ok:
        flash(done.format(title=workshop.title), "success")
    return redirect(url_for("workshops.detail", workshop_id=workshop.id))


@bp.route("/workshops/<int:workshop_id>/publish", methods=["POST"])
@login_required
def publish(workshop_id: int):
    return _state_move(
        workshop_id, scheduling.publish_workshop, "“{title}” is published: trainees can see it."
    )


@bp.route("/workshops/<int:workshop_id>/complete", methods=["POST"])
@login_required
def complete(workshop_id: int):
    return _state_move(workshop_id, scheduling.complete_workshop, "“{title}” is marked completed.")


@bp.route("/workshops/<int:workshop_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel(workshop_id: int):
    workshop = workshop_or_404(workshop_id)
    ensure(permissions.can_edit_workshop(current_user, workshop))
    form = CancelWorkshopForm()
    if form.validate_on_submit():
        with service_call(form) as call:
            told = scheduling.cancel_workshop(workshop, form.reason.data, actor=me())
        if call.ok:
            flash(
                f"“{workshop.title}” is cancelled; {told} confirmed trainee(s) will be e-mailed.", "success"
            )
            return redirect(url_for("workshops.detail", workshop_id=workshop.id))
    status = 422 if request.method == "POST" else 200
    confirmed = roster.confirmed_count(workshop)
    return render_template("workshops/cancel.html", form=form, workshop=workshop, confirmed=confirmed), status


@bp.app_context_processor
def workshop_names() -> dict[str, Any]:
    return {"Duty": Duty, "WorkshopState": WorkshopState, "SessionKind": SessionKind}
