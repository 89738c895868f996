"""The certificates pages: eligibility, rules, issuing, evaluation, names, the
trainee's certificates, revocation, re-issue, the registry and public verification."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import abort, flash, jsonify, make_response, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from training.accounts.reauth import ask_for_password_if_stale
from training.assessments import services as assessment_services
from training.certificates import bp, design, jobs, permissions, rules, services, signing
from training.certificates.forms import (
    BulkIssueForm,
    IssueForm,
    NameForm,
    RegistryForm,
    ReissueForm,
    RevokeForm,
    RulesForm,
    SealForm,
    SignatureForm,
    VerifyForm,
    evaluation_form,
)
from training.certificates.models import Certificate, CertificateKind, CertificateState, QuizPolicy
from training.certificates.progress import progress_workshops, trainee_progress
from training.core import uploads
from training.core.errors import DomainError
from training.core.forms import choices
from training.core.jobs import start_job
from training.core.permissions import ensure, ensure_or_404, public
from training.core.web import page_number, show_domain_error
from training.extensions import db, limiter
from training.workshops.models import Workshop

VERIFY_LIMIT = "30 per minute; 300 per hour"
VERIFY_CACHE_SECONDS = 300


def _workshop(workshop_id: int) -> Workshop:
    return db.get_or_404(Workshop, workshop_id)


def _certificate(serial: str) -> Certificate:
    """The certificate by serial; 404 for anyone who may not see it (its holder is private)."""
    certificate = services.find_by_serial(serial)
    ensure_or_404(certificate is not None and permissions.can_view_certificate(current_user, certificate))
    return certificate


# --- certifying faculty and organizers ---------------------------------------


@bp.route("/workshops/<int:workshop_id>/certificates")
@login_required
def eligibility(workshop_id: int):
    workshop = _workshop(workshop_id)
    ensure(permissions.can_view_eligibility(current_user, workshop))
    needs, table = services.eligibility_table(workshop)
    kinds = services.kinds_of(needs)
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
        not_yet=services.issue_refusal(workshop),
    )


@bp.route("/workshops/<int:workshop_id>/certificates/rules", methods=["GET", "POST"])
@login_required
def edit_rules(workshop_id: int):
    workshop = _workshop(workshop_id)
    ensure(permissions.can_edit_certification_rules(current_user, workshop))
    skills = services.workshop_skills(workshop)
    current = services.requirements(workshop)
    row = services.rules_of(workshop)
    form = RulesForm()
    form.required_skills.choices = choices((s.identity, s.title) for s in skills)
    if request.method == "GET":
        form.quiz_policy.data = current.quiz_policy.value
        form.competence_enabled.data = current.competence_enabled
        form.evaluation_required.data = current.evaluation_required
        form.required_skills.data = [s.identity for s in current.required_skills]
        standard = assessment_services.standard_of(workshop)
        form.min_domain_score.data = standard.min_domain_score
        form.required_entrustment.data = standard.required_entrustment
    if form.validate_on_submit():
        try:
            services.save_rules(
                workshop,
                quiz_policy=QuizPolicy(form.quiz_policy.data),
                required_skills=list(form.required_skills.data or []),
                evaluation_required=form.evaluation_required.data,
                competence_enabled=form.competence_enabled.data,
                min_domain_score=form.min_domain_score.data,
                required_entrustment=form.required_entrustment.data,
                actor=current_user,
            )
        except DomainError as error:
            show_domain_error(error, form)
        else:
            db.session.commit()
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
    try:
        certificate = services.issue_certificate(
            workshop, int(form.trainee_id.data), CertificateKind(form.kind.data), actor=current_user
        )
    except DomainError as error:
        show_domain_error(error)
        return back
    db.session.commit()
    flash(f"{certificate.kind.label} {certificate.serial} issued to {certificate.holder_name}.", "success")
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
    if (refusal := services.issue_refusal(workshop)) is not None:
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
    db.session.commit()
    return redirect(url_for("main.job", job_id=job.id))


@bp.route("/workshops/<int:workshop_id>/certificates.zip")
@login_required
def download_all(workshop_id: int):
    workshop = _workshop(workshop_id)
    ensure(permissions.can_download_workshop_certificates(current_user, workshop))
    certificates = db.session.scalars(
        sa.select(Certificate)
        .where(Certificate.workshop_id == workshop.id, Certificate.state == CertificateState.VALID)
        .order_by(Certificate.id)
    ).all()
    if not certificates:
        flash("This workshop has no valid certificate to download yet.", "info")
        return redirect(url_for("certificates.eligibility", workshop_id=workshop.id))
    buffer = io.BytesIO()
    problems = []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for certificate in certificates:
            try:
                content = services.stored_pdf(certificate)
            except DomainError as error:
                problems.append(error.message)
                continue
            archive.writestr(_file_name(certificate), content)
        if problems:
            archive.writestr("PROBLEMS.txt", "\n".join(problems) + "\n")
    buffer.seek(0)
    return send_file(
        buffer,
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"certificates-workshop-{workshop.id}.zip",
    )


def _file_name(certificate: Certificate) -> str:
    safe = "".join(c if c.isalnum() else "-" for c in certificate.holder_name).strip("-")[:60]
    return f"{certificate.kind.value}-{safe or 'holder'}-{rules.link_serial(certificate.serial)}.pdf"


@bp.route("/workshops/<int:workshop_id>/evaluation/results")
@login_required
def evaluation_results(workshop_id: int):
    workshop = _workshop(workshop_id)
    ensure(permissions.can_view_evaluation_results(current_user, workshop))
    results = services.evaluation_results(workshop)
    return render_template("certificates/evaluation_results.html", workshop=workshop, results=results)


# --- trainees ---------------------------------------------------------------


@bp.route("/workshops/<int:workshop_id>/evaluation", methods=["GET", "POST"])
@login_required
def evaluate(workshop_id: int):
    workshop = _workshop(workshop_id)
    ensure(permissions.can_take_certificate_steps(current_user, workshop))
    done = services.evaluation_of(workshop, current_user)
    targets = services.evaluation_targets(workshop)
    form = evaluation_form(targets.sessions, targets.faculty)
    if done is None and form.validate_on_submit():
        try:
            services.submit_evaluation(
                workshop,
                overall=int(form.overall.data),
                comments=form.comments.data or "",
                session_ratings=_ratings(form, "session_"),
                faculty_ratings=_ratings(form, "faculty_"),
                actor=current_user,
            )
        except DomainError as error:
            show_domain_error(error, form)
        else:
            db.session.commit()
            flash("Thank you: your evaluation is recorded.", "success")
            return redirect(url_for("certificates.evaluate", workshop_id=workshop.id))
    elif done is not None and request.method == "POST":
        flash("You have already evaluated this workshop; an evaluation is answered once.", "info")
        return redirect(url_for("certificates.evaluate", workshop_id=workshop.id))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "certificates/evaluate.html",
        workshop=workshop,
        form=form,
        done=done,
        targets=targets,
        is_open=services.evaluation_open(workshop),
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
    current = services.confirmed_name(workshop, current_user)
    form = NameForm()
    if request.method == "GET":
        form.name.data = current.name if current else current_user.full_name
    if form.validate_on_submit():
        try:
            services.confirm_name(workshop, form.name.data, actor=current_user)
        except DomainError as error:
            show_domain_error(error, form)
        else:
            db.session.commit()
            flash("Your name is confirmed for this workshop's certificates.", "success")
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


@bp.route("/certificates")
@login_required
def mine():
    ensure(permissions.can_view_my_certificates(current_user))
    certificates = db.session.scalars(
        sa.select(Certificate)
        .where(Certificate.trainee_id == current_user.id)
        .options(selectinload(Certificate.superseded_by))
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    ).all()
    return render_template("certificates/mine.html", certificates=certificates)


@bp.route("/certificates/<serial:serial>")
@login_required
def detail(serial: str):
    certificate = _certificate(serial)
    return render_template(
        "certificates/detail.html",
        certificate=certificate,
        revoke_form=RevokeForm(),
        reissue_form=ReissueForm(),
    )


@bp.route("/certificates/<serial:serial>/pdf")
@login_required
def download(serial: str):
    certificate = _certificate(serial)
    try:
        content = services.stored_pdf(certificate)
    except DomainError as error:
        return render_template("errors/error.html", status=error.status_code, message=error.message), 410
    return send_file(
        io.BytesIO(content),
        mimetype="application/pdf",
        as_attachment=request.args.get("inline") != "1",
        download_name=_file_name(certificate),
    )


@bp.route("/certificates/<serial:serial>/revoke", methods=["POST"])
@login_required
def revoke(serial: str):
    certificate = _certificate(serial)
    ensure(permissions.can_revoke_certificate(current_user, certificate))
    if (confirm := ask_for_password_if_stale()) is not None:
        return confirm
    form = RevokeForm()
    if form.validate_on_submit():
        try:
            services.revoke_certificate(
                certificate,
                form.reason_code.data,
                actor=current_user,
                public_details=form.public_details.data or "",
                internal_note=form.internal_note.data or "",
            )
        except DomainError as error:
            show_domain_error(error, form)
        else:
            db.session.commit()
            flash(f"Certificate {certificate.serial} is revoked.", "success")
            return redirect(url_for("certificates.detail", serial=certificate.serial))
    return render_template(
        "certificates/detail.html", certificate=certificate, revoke_form=form, reissue_form=ReissueForm()
    ), 422


@bp.route("/certificates/<serial:serial>/reissue", methods=["POST"])
@login_required
def reissue(serial: str):
    certificate = _certificate(serial)
    ensure(permissions.can_reissue_certificate(current_user, certificate))
    if (confirm := ask_for_password_if_stale()) is not None:
        return confirm
    if not ReissueForm().validate_on_submit():
        abort(400)
    try:
        newer = services.reissue_certificate(certificate, actor=current_user)
    except DomainError as error:
        show_domain_error(error)
        return redirect(url_for("certificates.detail", serial=certificate.serial))
    db.session.commit()
    flash(f"Re-issued as {newer.serial}; {certificate.serial} is now superseded.", "success")
    return redirect(url_for("certificates.detail", serial=newer.serial))


# --- administrators ------------------------------------------------------------


@bp.route("/admin/certificates")
@login_required
def registry():
    ensure(permissions.can_search_certificates(current_user))
    form = RegistryForm(request.args)
    valid = form.validate()
    state = CertificateState(form.state.data) if valid and form.state.data else None
    query = services.search_registry((form.q.data or "") if valid else "", state)
    page = db.paginate(query, page=page_number(), per_page=25, error_out=False)
    return render_template("certificates/registry.html", form=form, page=page)


@bp.route("/admin/certificates/design", methods=["GET", "POST"])
@login_required
def design_page():
    ensure(permissions.can_design_certificates(current_user))
    form = SealForm()
    if form.validate_on_submit():
        try:
            design.set_seal(form.seal.data.read(), actor=current_user._get_current_object())
        except DomainError as error:
            show_domain_error(error, form)
        else:
            db.session.commit()
            flash("The new seal will be on every certificate issued from now on.", "success")
            return redirect(url_for("certificates.design_page"))
    status = 422 if request.method == "POST" else 200
    return render_template("certificates/design.html", form=form, current=design.current_design()), status


@bp.route("/admin/certificates/design/default-seal", methods=["POST"])
@login_required
def default_seal():
    ensure(permissions.can_design_certificates(current_user))
    try:
        design.remove_seal(actor=current_user._get_current_object())
    except DomainError as error:
        show_domain_error(error)
    else:
        db.session.commit()
        flash("Certificates issued from now on carry the default seal.", "success")
    return redirect(url_for("certificates.design_page"))


def _image_response(kind: str, name: str | None) -> Any:
    path = uploads.path_of(kind, name)
    if path is None:
        abort(404)
    response = send_file(io.BytesIO(path.read_bytes()), mimetype=uploads.mime_of(path.name), max_age=0)
    # An SVG opened on its own is a document: nothing in it may run or load.
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/admin/certificates/seal")
@login_required
def seal_image():
    ensure(permissions.can_design_certificates(current_user))
    current = design.current_design()
    if current is None or current.seal_file is None:
        return redirect(url_for("static", filename=design.DEFAULT_SEAL))
    return _image_response(design.SEAL_KIND, current.seal_file)


# --- certifying faculty: their signature ------------------------------------------


@bp.route("/profile/signature", methods=["GET", "POST"])
@login_required
def signature():
    ensure(permissions.can_keep_signature(current_user))
    form = SignatureForm()
    if form.validate_on_submit():
        try:
            design.set_signature(form.signature.data.read(), actor=current_user._get_current_object())
        except DomainError as error:
            show_domain_error(error, form)
        else:
            db.session.commit()
            flash("Your signature will be on the certificates you issue from now on.", "success")
            return redirect(url_for("certificates.signature"))
    status = 422 if request.method == "POST" else 200
    current = design.signature_of(current_user)
    return render_template("certificates/signature.html", form=form, current=current), status


@bp.route("/profile/signature/remove", methods=["POST"])
@login_required
def remove_signature():
    ensure(permissions.can_keep_signature(current_user))
    try:
        design.remove_signature(actor=current_user._get_current_object())
    except DomainError as error:
        show_domain_error(error)
    else:
        db.session.commit()
        flash("Your signature image is removed from the certificates you issue from now on.", "success")
    return redirect(url_for("certificates.signature"))


@bp.route("/profile/signature/image")
@login_required
def signature_image():
    ensure(permissions.can_keep_signature(current_user))
    current = design.signature_of(current_user)
    return _image_response(design.SIGNATURE_KIND, current.file if current is not None else None)


# --- anyone ---------------------------------------------------------------------


@bp.route("/certificates/issuer.pem")
@public
def issuer_certificate():
    return send_file(
        io.BytesIO(signing.issuer_certificate_pem()),
        mimetype="application/x-pem-file",
        as_attachment=True,
        download_name="certificate-issuer.pem",
    )


@bp.route("/verify")
@public
@limiter.limit(VERIFY_LIMIT)
def verify_form():
    form = VerifyForm(request.args)
    if request.args and form.validate():
        serial = rules.normalise_serial(form.serial.data)
        if serial is None:
            form.serial.errors = [
                "This is not a serial of ours: check each character (the last one is a check character)."
            ]
        else:
            return redirect(url_for("certificates.verify", serial=serial))
    return render_template("certificates/verify_form.html", form=form)


@bp.route("/verify/<serial:serial>")
@public
@limiter.limit(VERIFY_LIMIT)
def verify(serial: str):
    result = services.verify(serial)
    given = request.path.rpartition("/")[2]
    if result.certificate is not None and given not in (rules.link_serial(result.serial), result.serial):
        # Typed in lower case or without dashes: to the page's own address. A link made
        # with the check character (before links left it out) is answered as it is.
        return redirect(url_for("certificates.verify", serial=result.serial))
    response = make_response(
        render_template("certificates/verify.html", result=result, public=result.public()),
        404 if result.status == "unknown" else 200,
    )
    # Caches may keep the public answer, but only briefly: a revocation shows within minutes.
    response.headers["Cache-Control"] = f"max-age={VERIFY_CACHE_SECONDS}"
    return response


@bp.route("/verify/<serial:serial>.json")
@public
@limiter.limit(VERIFY_LIMIT)
def verify_json(serial: str):
    result = services.verify(serial)
    response = jsonify(
        result.public()
        if result.certificate
        else {**result.public(), "error": "No certificate has this serial."}
    )
    response.status_code = 404 if result.certificate is None else 200
    response.headers["Cache-Control"] = "no-store"
    return response


# --- template helpers -------------------------------------------------------------


@dataclass(frozen=True)
class TraineePanel:
    enrolled: bool
    name: str | None
    evaluated: bool
    evaluation_required: bool
    certificates: list[Certificate]
    # What the trainee meets and still misses for each kind: the certifying faculty's words.
    results: dict[CertificateKind, rules.Eligibility]


@bp.app_context_processor
def certificate_helpers() -> dict[str, Any]:
    def trainee_panel(workshop: Workshop) -> TraineePanel | None:
        if not getattr(current_user, "is_authenticated", False):
            return None
        if not services.is_confirmed_trainee(workshop, current_user):
            return None
        name = services.confirmed_name(workshop, current_user)
        row = services.rules_of(workshop)
        certificates = db.session.scalars(
            sa.select(Certificate).where(
                Certificate.workshop_id == workshop.id,
                Certificate.trainee_id == current_user.id,
                Certificate.state == CertificateState.VALID,
            )
        ).all()
        return TraineePanel(
            enrolled=True,
            name=name.name if name else None,
            evaluated=services.evaluation_of(workshop, current_user) is not None,
            evaluation_required=bool(row and row.evaluation_required),
            certificates=list(certificates),
            results=services.trainee_eligibility(workshop, current_user._get_current_object()),
        )

    def my_certificate_count() -> int:
        if not getattr(current_user, "is_authenticated", False):
            return 0
        return (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(Certificate)
                .where(Certificate.trainee_id == current_user.id, Certificate.state == CertificateState.VALID)
            )
            or 0
        )

    def my_progress_workshops() -> list[Workshop]:
        if not getattr(current_user, "is_authenticated", False):
            return []
        return progress_workshops(current_user)

    return {
        "certificates_trainee_panel": trainee_panel,
        "my_certificate_count": my_certificate_count,
        "my_progress_workshops": my_progress_workshops,
    }
