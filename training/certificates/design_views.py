"""The administrators' certificate pages (the registry, the seal every certificate
carries) and the signature image certifying faculty keep for their certificates."""

from __future__ import annotations

import io
from typing import Any

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from training.certificates import bp, design, permissions
from training.certificates.forms import RegistryForm, SealForm, SignatureForm
from training.certificates.models import CertificateState
from training.certificates.registry import search_registry
from training.core import uploads
from training.core.permissions import ensure
from training.core.web import page_number, service_call
from training.extensions import db

# --- administrators ------------------------------------------------------------


@bp.route("/admin/certificates")
@login_required
def registry():
    ensure(permissions.can_search_certificates(current_user))
    form = RegistryForm(request.args)
    valid = form.validate()
    state = CertificateState(form.state.data) if valid and form.state.data else None
    query = search_registry((form.q.data or "") if valid else "", state)
    page = db.paginate(query, page=page_number(), per_page=25, error_out=False)
    return render_template("certificates/registry.html", form=form, page=page)


@bp.route("/admin/certificates/design", methods=["GET", "POST"])
@login_required
def design_page():
    ensure(permissions.can_design_certificates(current_user))
    form = SealForm()
    if form.validate_on_submit():
        with service_call(form) as call:
            design.set_seal(form.seal.data.read(), actor=current_user._get_current_object())
        if call.ok:
            flash("The new seal will be on every certificate issued from now on.", "success")
            return redirect(url_for("certificates.design_page"))
    status = 422 if request.method == "POST" else 200
    return render_template("certificates/design.html", form=form, current=design.current_design()), status


@bp.route("/admin/certificates/design/default-seal", methods=["POST"])
@login_required
def default_seal():
    ensure(permissions.can_design_certificates(current_user))
    with service_call() as call:
        design.remove_seal(actor=current_user._get_current_object())
    if call.ok:
        flash("Certificates issued from now on carry the default seal.", "success")
    return redirect(url_for("certificates.design_page"))


def _image_response(kind: str, name: str | None) -> Any:
    data = uploads.read(kind, name)
    if data is None or name is None:
        abort(404)
    response = send_file(io.BytesIO(data), mimetype=uploads.mime_of(name), max_age=0)
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
        with service_call(form) as call:
            design.set_signature(form.signature.data.read(), actor=current_user._get_current_object())
        if call.ok:
            flash("Your signature will be on the certificates you issue from now on.", "success")
            return redirect(url_for("certificates.signature"))
    status = 422 if request.method == "POST" else 200
    current = design.signature_of(current_user)
    return render_template("certificates/signature.html", form=form, current=current), status


@bp.route("/profile/signature/remove", methods=["POST"])
@login_required
def remove_signature():
    ensure(permissions.can_keep_signature(current_user))
    with service_call() as call:
        design.remove_signature(actor=current_user._get_current_object())
    if call.ok:
        flash("Your signature image is removed from the certificates you issue from now on.", "success")
    return redirect(url_for("certificates.signature"))


@bp.route("/profile/signature/image")
@login_required
def signature_image():
    ensure(permissions.can_keep_signature(current_user))
    current = design.signature_of(current_user)
    return _image_response(design.SIGNATURE_KIND, current.file if current is not None else None)
