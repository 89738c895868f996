"""The assessments pages: station view, the OSATS form, a trainee's record of a skill
(raters side by side, disagreement, sign-off, history), the skills matrix and progress."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from training.accounts.models import Role, User
from training.accounts.reauth import ask_for_password_if_stale
from training.assessments import bp, charts, permissions, rating, reports, signing, stations, teaching
from training.assessments.forms import NOT_APPLICABLE, AssessmentForm, RevokeSignOffForm, SignOffForm
from training.assessments.models import SkillSignOff
from training.assessments.scale import ENTRUSTMENT_BY_LEVEL, ENTRUSTMENT_LEVELS, OSATS_DOMAINS
from training.assessments.standard import standard_of
from training.core import page_parts
from training.core.csv import csv_response
from training.core.db import utcnow
from training.core.permissions import ensure, ensure_or_404
from training.core.web import page_number, service_call
from training.curriculum.models import Skill
from training.extensions import db
from training.workshops.models import Workshop, WorkshopSession
from training.workshops.permissions import is_staff_of, trainee_of


@bp.app_context_processor
def scale() -> dict[str, Any]:
    return {
        "osats_domains": OSATS_DOMAINS,
        "entrustment_levels": ENTRUSTMENT_BY_LEVEL,
        "session_label": teaching.session_label,
    }


@page_parts.tile("assessments")
def labs_tile(user: User) -> list[WorkshopSession] | None:
    """Where a faculty member will assess next, for the dashboard (one query; None for others)."""
    if not user.has_role(Role.FACULTY):
        return None
    return stations.upcoming_labs(user)


def _load(workshop_id: int, trainee_id: int, skill_id: int) -> tuple[Workshop, User, Skill]:
    workshop = db.get_or_404(Workshop, workshop_id)
    trainee = db.get_or_404(User, trainee_id)
    skill = teaching.skill_of_workshop(workshop, skill_id)
    if skill is None:
        abort(404)
    return workshop, trainee, skill


def _ensure_trainee_of(workshop: Workshop, trainee: User) -> None:
    """Asked after the permission check, so that a 404 tells outsiders nothing."""
    # Only the workshop's trainees have records on it (those who left keep theirs).
    if not trainee_of(workshop.id, trainee.id, "confirmed", "waitlisted", "cancelled"):
        abort(404)


# The station view -----------------------------------------------------------------------------


@bp.route("/assessments/sessions/<int:session_id>")
@login_required
def station(session_id: int):
    session = db.get_or_404(WorkshopSession, session_id)
    ensure(is_staff_of(current_user, session.workshop))
    view = stations.station_view(session, current_user._get_current_object())
    return render_template("assessments/station.html", view=view, session=session, workshop=session.workshop)


# Rating a trainee -----------------------------------------------------------------------------


@bp.route(
    "/assessments/workshops/<int:workshop_id>/trainees/<int:trainee_id>/skills/<int:skill_id>/assess",
    methods=["GET", "POST"],
)
@login_required
def assess(workshop_id: int, trainee_id: int, skill_id: int):
    workshop, trainee, skill = _load(workshop_id, trainee_id, skill_id)
    ensure(permissions.can_assess(current_user, workshop))
    if not teaching.is_confirmed(workshop, trainee.id):
        abort(404)
    actor = current_user._get_current_object()
    existing = rating.own_assessment(workshop, trainee.id, skill.id, actor.id)
    now = utcnow()
    sessions = [
        (s.id, teaching.session_label(s) + ("" if s.starts_at <= now else " (not started yet)"))
        for s in teaching.observable_sessions(workshop, skill)
    ]
    form = AssessmentForm(checklist=skill.checklist, sessions=sessions)
    if request.method == "GET":
        _prefill(form, existing)
    if form.validate_on_submit():
        data = rating.AssessmentData(
            scores=form.scores(),
            entrustment=form.entrustment.data,
            competent={"yes": True, "no": False}.get(form.competent.data),
            feedback=form.feedback.data or "",
            done_steps=list(form.steps.data or []),
            session_id=form.session_id.data,
        )
        with service_call(form) as call:
            assessment, created = rating.record_assessment(workshop, trainee, skill, data, actor=actor)
        if call.ok:
            verb = "saved" if created else "updated"
            flash(
                f"Assessment of {trainee.full_name} on {skill.title} {verb}: {assessment.total_text}.",
                "success",
            )
            # Back where the rater came from: the station view, or else the skill's record.
            if request.args.get("session", type=int) == assessment.session_id:
                return redirect(url_for("assessments.station", session_id=assessment.session_id))
            return redirect(
                url_for(
                    "assessments.record", workshop_id=workshop.id, trainee_id=trainee.id, skill_id=skill.id
                )
            )
    status = 422 if form.errors else 200
    return render_template(
        "assessments/assess.html",
        form=form,
        workshop=workshop,
        trainee=trainee,
        skill=skill,
        existing=existing,
        levels=ENTRUSTMENT_LEVELS,
    ), status


def _prefill(form: AssessmentForm, existing: Any) -> None:
    if existing is None:
        chosen = request.args.get("session", type=int)
        if chosen in {choice.value for choice in form.session_id.choices}:
            form.session_id.data = chosen
        return
    for key, value in existing.scores.items():
        form[key].data = NOT_APPLICABLE if value is None else value
    form.entrustment.data = existing.entrustment
    form.competent.data = "yes" if existing.competent else "no"
    form.feedback.data = existing.feedback
    form.steps.data = [step for step, done in existing.checklist.items() if done]
    form.session_id.data = existing.session_id


# One trainee's record of one skill ------------------------------------------------------------


def _record_page(
    workshop: Workshop, trainee: User, skill: Skill, sign_off_form: SignOffForm | None = None
) -> Any:
    record = reports.skill_record(workshop, trainee, skill)
    viewer = current_user._get_current_object()
    has_rated = any(a.assessor_id == viewer.id for a in record.assessments)
    is_trainee = viewer.id == trainee.id
    compare = is_trainee or permissions.can_compare_ratings(viewer, workshop, has_rated=has_rated)
    shown = record.assessments if compare else [a for a in record.assessments if a.assessor_id == viewer.id]
    may_sign = permissions.can_sign_off_skills(viewer, workshop) and record.standing is None
    if sign_off_form is None and may_sign and record.assessments:
        sign_off_form = SignOffForm(assessments=record.assessments)
        competent = [a for a in record.assessments if a.competent]
        if competent:
            sign_off_form.evidence_id.data = competent[-1].id
    chart = charts.radar([a.scores for a in shown])
    return render_template(
        "assessments/record.html",
        record=record,
        workshop=workshop,
        trainee=trainee,
        skill=skill,
        shown=shown,
        compare=compare,
        hidden=len(record.assessments) - len(shown),
        chart=chart,
        sign_off_form=sign_off_form if may_sign else None,
        revoke_form=RevokeSignOffForm() if permissions.can_sign_off_skills(viewer, workshop) else None,
        is_trainee=is_trainee,
        standard=standard_of(workshop),
    )


@bp.route("/assessments/workshops/<int:workshop_id>/trainees/<int:trainee_id>/skills/<int:skill_id>")
@login_required
def record(workshop_id: int, trainee_id: int, skill_id: int):
    workshop, trainee, skill = _load(workshop_id, trainee_id, skill_id)
    # Another trainee's record: its existence is private.
    ensure_or_404(permissions.can_view_skill_record(current_user, workshop, trainee.id))
    _ensure_trainee_of(workshop, trainee)
    return _record_page(workshop, trainee, skill)


@bp.route(
    "/assessments/workshops/<int:workshop_id>/trainees/<int:trainee_id>/skills/<int:skill_id>/sign-off",
    methods=["POST"],
)
@login_required
def sign_off(workshop_id: int, trainee_id: int, skill_id: int):
    workshop, trainee, skill = _load(workshop_id, trainee_id, skill_id)
    ensure(permissions.can_sign_off_skills(current_user, workshop))
    _ensure_trainee_of(workshop, trainee)
    assessments = signing.assessments_of(workshop, trainee.id, skill.id)
    form = SignOffForm(assessments=assessments)
    if form.validate_on_submit():
        with service_call(form) as call:
            signing.sign_off(
                workshop,
                trainee,
                skill,
                actor=current_user._get_current_object(),
                evidence_id=form.evidence_id.data,
                reviewed_disagreement=form.reviewed_disagreement.data,
                note=form.note.data or "",
            )
        if call.ok:
            flash(f"{skill.title} signed off for {trainee.full_name}.", "success")
            return redirect(
                url_for(
                    "assessments.record", workshop_id=workshop.id, trainee_id=trainee.id, skill_id=skill.id
                )
            )
    return _record_page(workshop, trainee, skill, form), 422


@bp.route("/assessments/sign-offs/<int:sign_off_id>/revoke", methods=["POST"])
@login_required
def revoke(sign_off_id: int):
    record = db.get_or_404(SkillSignOff, sign_off_id)
    ensure(permissions.can_sign_off_skills(current_user, record.workshop))
    if (confirm := ask_for_password_if_stale()) is not None:
        return confirm
    form = RevokeSignOffForm()
    back = url_for(
        "assessments.record",
        workshop_id=record.workshop_id,
        trainee_id=record.trainee_id,
        skill_id=record.skill_id,
    )
    if not form.validate_on_submit():
        for messages in form.errors.values():
            for message in messages:
                flash(message, "danger")
        return redirect(back)
    with service_call() as call:
        signing.revoke_sign_off(
            record, actor=current_user._get_current_object(), reason=form.reason.data or ""
        )
    if call.ok:
        flash("The sign-off is revoked; the record keeps it, with your reason.", "success")
    return redirect(back)


# The skills matrix and progress ---------------------------------------------------------------


@bp.route("/assessments/workshops/<int:workshop_id>/matrix")
@login_required
def matrix(workshop_id: int):
    workshop = db.get_or_404(Workshop, workshop_id)
    ensure(permissions.can_view_skills_matrix(current_user, workshop))
    view = reports.skills_matrix(workshop, page=page_number())
    return render_template("assessments/matrix.html", workshop=workshop, view=view)


@bp.route("/assessments/workshops/<int:workshop_id>/matrix.csv")
@login_required
def matrix_csv(workshop_id: int):
    workshop = db.get_or_404(Workshop, workshop_id)
    ensure(permissions.can_view_skills_matrix(current_user, workshop))
    view = reports.skills_matrix(workshop, page=1, per_page=None)
    header = ["Trainee", "E-mail", *(f"{s.identity} {s.title}" for s in view.skills)]
    rows = [
        [
            enrolment.trainee.full_name,
            enrolment.trainee.email,
            *(_csv_cell(view.cell(enrolment.trainee_id, skill.id)) for skill in view.skills),
        ]
        for enrolment in view.page.items
    ]
    return csv_response(f"skills-matrix-workshop-{workshop.id}.csv", header, rows)


def _csv_cell(cell: reports.MatrixCell) -> str:
    if cell.signed_off:
        return "signed off"
    if cell.assessed:
        return f"assessed ({cell.competent}/{cell.assessed} competent)"
    return "not assessed"


@bp.route("/assessments/progress")
@login_required
def progress():
    ensure(permissions.can_view_own_progress(current_user))
    trainee = current_user._get_current_object()
    view = reports.trainee_progress(trainee, page=page_number())
    charts_by_skill = {
        skill.identity: charts.radar([w.means for w in skill.workshops[-3:]]) for skill in view.skills
    }
    return render_template("assessments/progress.html", view=view, charts=charts_by_skill, trainee=trainee)
