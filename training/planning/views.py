"""The planning pages: copy a workshop, the programme's month, the organizer dashboard."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from training.core.db import utcnow
from training.core.permissions import ensure, ensure_or_404
from training.core.web import page_number, service_call
from training.extensions import db
from training.planning import bp, charts, permissions, rules, services
from training.planning.forms import CopyWorkshopForm
from training.workshops.models import Workshop
from training.workshops.permissions import can_create_workshop, can_view_workshop

DASHBOARD_PAGE_SIZE = 20


@bp.route("/workshops/<int:workshop_id>/copy", methods=["GET", "POST"])
@login_required
def copy_workshop(workshop_id: int):
    source = db.get_or_404(Workshop, workshop_id)
    ensure_or_404(can_view_workshop(current_user, source))
    ensure(permissions.can_copy_workshop(current_user, source))
    form = CopyWorkshopForm()
    if form.validate_on_submit():
        data = services.CopyInput(
            starts_on=form.starts_on.data, title=form.title.data or "", venue_name=form.venue_name.data or ""
        )
        with service_call(form) as call:
            copy = services.copy_workshop(source, data, actor=current_user._get_current_object())
        if call.ok:
            flash(
                f"The draft “{copy.title}” is scheduled from {copy.starts_on:%d %B %Y}. "
                "Check it, then publish it.",
                "success",
            )
            return redirect(url_for("workshops.detail", workshop_id=copy.id))
    elif request.method == "GET":
        form.title.data = source.title
        form.venue_name.data = source.venue_name
    status = 422 if request.method == "POST" else 200
    return render_template("planning/copy.html", form=form, workshop=source), status


@bp.route("/programme/month")
def month():
    ensure(permissions.can_view_programme_month(current_user))
    year, number, problem = rules.parse_month(request.args.get("month"), utcnow().date())
    if problem:
        flash(problem, "warning")
    view = services.month_view(current_user._get_current_object(), year, number)
    return render_template("planning/month.html", view=view, today=utcnow().date())


@bp.route("/organizer")
@login_required
def dashboard():
    ensure(permissions.can_view_organizer_dashboard(current_user))
    query = services.dashboard_query(current_user._get_current_object())
    page = db.paginate(query, page=page_number(), per_page=DASHBOARD_PAGE_SIZE, error_out=False)
    return render_template(
        "planning/dashboard.html",
        page=page,
        rows=services.figures(list(page.items)),
        bar=charts.bar,
        # Every workshop listed is one the person organizes (dashboard_query), so
        # can_copy_workshop comes down to this, asked once rather than per workshop.
        may_copy=can_create_workshop(current_user),
    )
