"""The workshops pages about people: a workshop's staff, and faculty profiles with their
disclosures."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from training.accounts.forms import ConfirmForm
from training.accounts.models import User
from training.core.permissions import ensure
from training.core.web import service_call
from training.extensions import db
from training.workshops import bp, permissions
from training.workshops import staff as staffing
from training.workshops.forms import FacultyProfileForm, StaffForm
from training.workshops.models import Duty, WorkshopStaff
from training.workshops.views import me, workshop_or_404


@bp.route("/workshops/<int:workshop_id>/staff", methods=["GET", "POST"])
@login_required
def staff(workshop_id: int):
    workshop = workshop_or_404(workshop_id)
    ensure(permissions.can_manage_staff(current_user, workshop))
    form = StaffForm()
    if form.validate_on_submit():
        with service_call(form) as call:
            member = staffing.add_staff(workshop, form.email.data, Duty(form.duty.data), actor=me())
        if call.ok:
            flash(f"{member.user.full_name} is now {member.duty.label.lower()} of this workshop.", "success")
            return redirect(url_for("workshops.staff", workshop_id=workshop.id))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "workshops/staff.html", form=form, workshop=workshop, confirm_form=ConfirmForm()
    ), status


@bp.route("/workshops/<int:workshop_id>/staff/<int:member_id>/remove", methods=["POST"])
@login_required
def remove_staff(workshop_id: int, member_id: int):
    workshop = workshop_or_404(workshop_id)
    ensure(permissions.can_manage_staff(current_user, workshop))
    member = db.session.get(WorkshopStaff, member_id)
    if member is None or member.workshop_id != workshop.id:
        abort(404)
    with service_call() as call:
        staffing.remove_staff(workshop, member, actor=me())
    if call.ok:
        flash("Removed from the staff.", "success")
    return redirect(url_for("workshops.staff", workshop_id=workshop.id))


@bp.route("/faculty/<int:user_id>")
def faculty_profile(user_id: int):
    person = db.get_or_404(User, user_id)
    ensure(permissions.can_browse_workshops(current_user))
    teaching = staffing.faculty_teaching(person, me())
    if not teaching and person.id != getattr(current_user, "id", None):
        abort(404)  # only people who teach have a public faculty page
    return render_template(
        "workshops/faculty_profile.html",
        person=person,
        profile=staffing.faculty_profile(person),
        teaching=teaching,
    )


@bp.route("/faculty/profile", methods=["GET", "POST"])
@login_required
def edit_faculty_profile():
    ensure(permissions.can_edit_faculty_profile(current_user))
    profile = staffing.faculty_profile(me())
    form = FacultyProfileForm(obj=profile if request.method == "GET" else None)
    if form.validate_on_submit():
        with service_call(form) as call:
            staffing.save_faculty_profile(
                me(),
                biography=form.biography.data or "",
                disclosure=form.disclosure.data or "",
                nothing_to_disclose=bool(form.nothing_to_disclose.data),
                actor=me(),
            )
        if call.ok:
            flash("Your faculty profile and disclosure are saved.", "success")
            return redirect(url_for("workshops.faculty_profile", user_id=current_user.id))
    status = 422 if request.method == "POST" else 200
    return render_template("workshops/faculty_profile_form.html", form=form, profile=profile), status
