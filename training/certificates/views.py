"""The certificates pages of a workshop: eligibility, rules, issuing, the evaluation,
names and the trainee's progress. One certificate's pages are in ``certificate_views``;
the administrators' registry and design, and signatures, in ``design_views``."""

from __future__ import annotations

import re
from typing import Any

from flask import flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from training.accounts.models import Role, User
from training.accounts.reauth import ask_for_password_if_stale
from training.assessments import services as assessment_services
from training.certificates import bp, evaluations, jobs, permissions, rules
from training.certificates.eligibility import eligibility_table, issue_refusal, kinds_of
from training.certificates.evaluations import (
    evaluation_of,
    evaluation_open,
    evaluation_targets,
    submit_evaluation,
)
from training.certificates.forms import BulkIssueForm, IssueForm, NameForm, RulesForm, evaluation_form
from training.certificates.issuing import issue_certificate
from training.certificates.models import CertificateKind, QuizPolicy
from training.certificates.names import confirm_name as confirm_trainee_name
from training.certificates.names import confirmed_name
from training.certificates.progress import TraineePanel, progress_workshops, trainee_panel, trainee_progress
from training.certificates.registry import valid_certificate_count, valid_certificates_of
from training.certificates.requirements import requirements, rules_of, save_rules, workshop_skills
from training.certificates.storage import zip_of
from training.core import page_parts
from training.core.forms import choices
from training.core.jobs import start_job
from training.core.permissions import ensure, ensure_or_404
from training.core.web import commit_now, service_call
from training.extensions import db
from training.workshops.models import Workshop


def _workshop(workshop_id: int) -> Workshop:
    return db.get_or_404(Workshop, workshop_id)


# --- certifying faculty and organizers ---------------------------------------


@bp.route("/workshops/<int:workshop_id>/certificates")
@login_required
def eligibility(workshop_id: int):
    workshop = _workshop(workshop_id)
    ensure(permissions.can_view_eligibility(current_user, workshop))
    needs, table = eligibility_table(workshop)
    kinds = kinds_of(needs)
    counts = {
        kind: sum(1 for row in table if row.results[kind].ok and kind not in row.certificates)
        for kind in kinds
    }
    bulk = BulkIssueForm()
    bulk.kind.choices = choices((k.value, k.label) for k in kinds)
    return render_template(
        "certificates/eligibility.html",
        workshop=workshop,
        needs=needs,
        table=table,
        kinds=kinds,
        counts=counts,
        bulk=bulk,
        issue_form=IssueForm(),
        not_yet=issue_refusal(workshop),
    )


@bp.route("/workshops/<int:workshop_id>/certificates/rules", methods=["GET", "POST"])
@login_required
def edit_rules(workshop_id: int):
    workshop = _workshop(workshop_id)
    ensure(permissions.can_edit_certification_rules(current_user, workshop))
    skills = workshop_skills(workshop)
    current = requirements(workshop)
    row = rules_of(workshop)
    form = RulesForm()
    form.required_skills.choices = choices((s.identity, s.title) for s in skills)
    if request.method == "GET":
        form.quiz_policy.data = current.quiz_policy.value
        form.competence_enabled.data = current.competence_enabled
        form.evaluation_required.data = current.evaluation_required
        form.bilingual.data = current.bilingual
        form.required_skills.data = [s.identity for s in current.required_skills]
        standard = assessment_services.standard_of(workshop)
        form.min_domain_score.data = standard.min_domain_score
        form.required_entrustment.data = standard.required_entrustment
    if form.validate_on_submit():
        with service_call(form) as call:
            save_rules(
                workshop,
                quiz_policy=QuizPolicy(form.quiz_policy.data),
                required_skills=list(form.required_skills.data or []),
                evaluation_required=form.evaluation_required.data,
                competence_enabled=form.competence_enabled.data,
                bilingual=form.bilingual.data,
                min_domain_score=form.min_domain_score.data,
                required_entrustment=form.required_entrustment.data,
                actor=current_user,
            )
        if call.ok:
            flash("The certification rules are saved.", "success")
            return redirect(url_for("certificates.eligibility", workshop_id=workshop.id))
    status = 422 if request.method == "POST" else 200
    return render_template("certificates/rules.html", workshop=workshop, form=form, row=row), status


@bp.route("/workshops/<int:workshop_id>/certificates/issue", methods=["POST"])
@login_required
def issue(workshop_id: int):
    workshop = _workshop(workshop_id)
    ensure(permissions.can_issue_certificates(current_user, workshop))
    form = IssueForm()
    back = redirect(url_for("certificates.eligibility", workshop_id=workshop.id))
    if not form.validate_on_submit() or not re.fullmatch(r"[0-9]{1,9}", form.trainee_id.data or ""):
        flash("Choose a trainee and a kind of certificate.", "danger")
        return back
    with service_call() as call:
        certificate = issue_certificate(
            workshop, int(form.trainee_id.data), CertificateKind(form.kind.data), actor=current_user
        )
    if call.ok:
        flash(
            f"{certificate.kind.label} {certificate.serial} issued to {certificate.holder_name}.", "success"
        )
    return back


@bp.route("/workshops/<int:workshop_id>/certificates/issue-all", methods=["POST"])
@login_required
def issue_all(workshop_id: int):
    workshop = _workshop(workshop_id)
    ensure(permissions.can_issue_certificates(current_user, workshop))
    if (confirm := ask_for_password_if_stale()) is not None:
        return confirm
    form = BulkIssueForm()
    if not form.validate_on_submit():
        flash("Choose the kind of certificate to issue.", "danger")
        return redirect(url_for("certificates.eligibility", workshop_id=workshop.id))
    if (refusal := issue_refusal(workshop)) is not None:
        flash(f"Nothing was issued. {refusal}", "danger")
        return redirect(url_for("certificates.eligibility", workshop_id=workshop.id))
    kind = CertificateKind(form.kind.data)
    job = start_job(
        jobs.KIND,
        f"{kind.plural} for {workshop.title}",
        actor=current_user,
        workshop_id=workshop.id,
        certificate_kind=kind.value,
    )
    commit_now()  # the queue's workers read the job
    return redirect(url_for("main.job", job_id=job.id))


@bp.route("/workshops/<int:workshop_id>/certificates.zip")
@login_required
def download_all(workshop_id: int):
    workshop = _workshop(workshop_id)
    ensure(permissions.can_download_workshop_certificates(current_user, workshop))
    certificates = valid_certificates_of(workshop)
    if not certificates:
        flash("This workshop has no valid certificate to download yet.", "info")
        return redirect(url_for("certificates.eligibility", workshop_id=workshop.id))
    return send_file(
        zip_of(certificates),
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"certificates-workshop-{workshop.id}.zip",
    )


@bp.route("/workshops/<int:workshop_id>/evaluation/results")
@login_required
def evaluation_results(workshop_id: int):
    workshop = _workshop(workshop_id)
    ensure(permissions.can_view_evaluation_results(current_user, workshop))
    results = evaluations.evaluation_results(workshop)
    return render_template("certificates/evaluation_results.html", workshop=workshop, results=results)


# --- trainees ---------------------------------------------------------------


@bp.route("/workshops/<int:workshop_id>/evaluation", methods=["GET", "POST"])
@login_required
def evaluate(workshop_id: int):
    workshop = _workshop(workshop_id)
    ensure(permissions.can_take_certificate_steps(current_user, workshop))
    done = evaluation_of(workshop, current_user)
    targets = evaluation_targets(workshop)
    form = evaluation_form(targets.sessions, targets.faculty)
    if done is None and form.validate_on_submit():
        with service_call(form) as call:
            submit_evaluation(
                workshop,
                overall=int(form.overall.data),
                comments=form.comments.data or "",
                session_ratings=_ratings(form, "session_"),
                faculty_ratings=_ratings(form, "faculty_"),
                actor=current_user,
            )
        if call.ok:
            flash(gettext("Thank you: your evaluation is recorded."), "success")
            return redirect(url_for("certificates.evaluate", workshop_id=workshop.id))
    elif done is not None and request.method == "POST":
        flash(gettext("You have already evaluated this workshop; an evaluation is answered once."), "info")
        return redirect(url_for("certificates.evaluate", workshop_id=workshop.id))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "certificates/evaluate.html",
        workshop=workshop,
        form=form,
        done=done,
        targets=targets,
        is_open=evaluation_open(workshop),
    ), status


def _ratings(form: Any, prefix: str) -> dict[int, int]:
    ratings = {}
    for name, field in form._fields.items():
        if name.startswith(prefix) and field.data:
            ratings[int(name.removeprefix(prefix))] = int(field.data)
    return ratings


@bp.route("/workshops/<int:workshop_id>/certificate-name", methods=["GET", "POST"])
@login_required
def confirm_name(workshop_id: int):
    workshop = _workshop(workshop_id)
    ensure(permissions.can_take_certificate_steps(current_user, workshop))
    current = confirmed_name(workshop, current_user)
    form = NameForm()
    if request.method == "GET":
        form.name.data = current.name if current else current_user.full_name
    if form.validate_on_submit():
        with service_call(form) as call:
            confirm_trainee_name(workshop, form.name.data, actor=current_user)
        if call.ok:
            flash(gettext("Your name is confirmed for this workshop's certificates."), "success")
            return redirect(url_for("certificates.mine"))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "certificates/confirm_name.html", workshop=workshop, form=form, current=current
    ), status


@bp.route("/workshops/<int:workshop_id>/progress")
@login_required
def progress(workshop_id: int):
    # Always the signed-in trainee's own; on a workshop where they hold no seat there is nothing.
    workshop = _workshop(workshop_id)
    ensure_or_404(permissions.can_view_own_workshop_progress(current_user, workshop))
    return render_template(
        "certificates/progress.html",
        workshop=workshop,
        progress=trainee_progress(workshop, current_user._get_current_object()),
        percent_text=rules.percent_text,
    )


# --- template helpers -------------------------------------------------------------


@page_parts.workshop_panel("certificates")
def certificates_panel(workshop: Workshop, user: Any) -> TraineePanel | None:
    """The trainee's own certificates and what each still needs, on the workshop page."""
    if not getattr(user, "is_authenticated", False):
        return None
    return trainee_panel(workshop, user)


@page_parts.tile("certificates")
def certificates_tile(user: User) -> int:
    """How many valid certificates the person holds."""
    return valid_certificate_count(user)


@page_parts.tile("progress")
def progress_tile(user: User) -> list[Workshop]:
    """The workshops a trainee follows, each with its "my progress" page."""
    return progress_workshops(user) if user.has_role(Role.TRAINEE) else []
