"""One certificate's pages: the holder's list, the certificate, its PDF, revocation and
re-issue; and what anyone may open: public verification and the issuer's certificate."""

from __future__ import annotations

import io

from flask import abort, flash, jsonify, make_response, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from training.accounts.reauth import ask_for_password_if_stale
from training.certificates import badges, bp, permissions, rules, signing
from training.certificates.forms import ReissueForm, RevokeForm, VerifyForm
from training.certificates.models import Certificate
from training.certificates.registry import certificates_of, find_by_serial
from training.certificates.registry import verify as verify_serial
from training.certificates.revocation import reissue_certificate, revoke_certificate
from training.certificates.storage import download_name, stored_pdf
from training.core.permissions import ensure, ensure_or_404, public
from training.core.web import service_call
from training.extensions import limiter

VERIFY_LIMIT = "30 per minute; 300 per hour"
VERIFY_CACHE_SECONDS = 300


def _certificate(serial: str) -> Certificate:
    """The certificate by serial; 404 for anyone who may not see it (its holder is private)."""
    certificate = find_by_serial(serial)
    ensure_or_404(certificate is not None and permissions.can_view_certificate(current_user, certificate))
    assert certificate is not None  # ensure_or_404 answered 404 otherwise
    return certificate


@bp.route("/certificates")
@login_required
def mine():
    ensure(permissions.can_view_my_certificates(current_user))
    return render_template("certificates/mine.html", certificates=certificates_of(current_user))


@bp.route("/certificates/<serial:serial>")
@login_required
def detail(serial: str):
    certificate = _certificate(serial)
    return render_template(
        "certificates/detail.html",
        certificate=certificate,
        revoke_form=RevokeForm(),
        reissue_form=ReissueForm(),
        linkedin_url=badges.linkedin_link(certificate),
    )


@bp.route("/certificates/<serial:serial>/pdf")
@login_required
def download(serial: str):
    certificate = _certificate(serial)
    # A PDF missing or changed on disk is a StoredFileProblem: answered 410 by the app.
    content = stored_pdf(certificate)
    return send_file(
        io.BytesIO(content),
        mimetype="application/pdf",
        as_attachment=request.args.get("inline") != "1",
        download_name=download_name(certificate),
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
        with service_call(form) as call:
            revoke_certificate(
                certificate,
                form.reason_code.data,
                actor=current_user,
                public_details=form.public_details.data or "",
                internal_note=form.internal_note.data or "",
            )
        if call.ok:
            flash(f"Certificate {certificate.serial} is revoked.", "success")
            return redirect(url_for("certificates.detail", serial=certificate.serial))
    return render_template(
        "certificates/detail.html",
        certificate=certificate,
        revoke_form=form,
        reissue_form=ReissueForm(),
        linkedin_url=badges.linkedin_link(certificate),
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
    with service_call() as call:
        newer = reissue_certificate(certificate, actor=current_user)
    if not call.ok:
        return redirect(url_for("certificates.detail", serial=certificate.serial))
    flash(f"Re-issued as {newer.serial}; {certificate.serial} is now superseded.", "success")
    return redirect(url_for("certificates.detail", serial=newer.serial))


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
    result = verify_serial(serial)
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
    response.vary.add("Accept-Language")  # the page is in the reader's language
    return response


@bp.route("/verify/<serial:serial>.json")
@public
@limiter.limit(VERIFY_LIMIT)
def verify_json(serial: str):
    result = verify_serial(serial)
    response = jsonify(
        result.public()
        if result.certificate
        else {**result.public(), "error": "No certificate has this serial."}
    )
    response.status_code = 404 if result.certificate is None else 200
    response.headers["Cache-Control"] = "no-store"
    return response
