"""Home, health, job progress, and the administrator's audit log and outbox."""

from __future__ import annotations

import io
from datetime import timedelta

import sqlalchemy as sa
from flask import abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Length, Optional

from training.accounts.forms import ConfirmForm
from training.core import audit, mail, page_parts
from training.core.db import utcnow
from training.core.forms import choices
from training.core.jobs import Job, failed_jobs_since, result_content
from training.core.mail import MailState, OutboxMessage
from training.core.permissions import can_view_audit_log, can_view_job, can_view_outbox, ensure, public
from training.core.queue import pending_tasks
from training.core.web import page_number
from training.extensions import db, limiter
from training.main import bp, services


@bp.route("/")
@public
def index():
    if not current_user.is_authenticated:
        return render_template("main/landing.html")
    return render_template("main/dashboard.html", tiles=page_parts.tiles_for(current_user))


@bp.route("/about")
@public
def about():
    # Renders the layout and nothing else, without a query of its own: the
    # benchmark uses it as the floor every other page is compared with.
    return render_template("main/about.html")


@bp.route("/healthz")
@limiter.exempt
@public
def healthz():
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="unavailable", database="unreachable"), 503
    # What to watch beside the answer: tasks waiting for a worker (a growing number
    # means the worker is down or too slow) and jobs failed in the last day.
    return jsonify(
        status="ok",
        database="ok",
        queue={"pending": pending_tasks()},
        jobs={"failed_last_day": failed_jobs_since(utcnow() - timedelta(days=1))},
    )


# Jobs ----------------------------------------------------------------------------------------


def _load_job(job_id: int) -> Job:
    job = db.session.get(Job, job_id)
    if job is None:
        abort(404)
    ensure(can_view_job(current_user, job))
    return job


@bp.route("/jobs/<int:job_id>")
@login_required
def job(job_id: int):
    return render_template("main/job.html", job=_load_job(job_id))


@bp.route("/jobs/<int:job_id>/progress")
@login_required
def job_progress(job_id: int):
    job = _load_job(job_id)
    if request.accept_mimetypes.best == "application/json":
        return jsonify(
            id=job.id,
            state=job.state.value,
            done=job.done,
            total=job.total,
            percent=job.percent,
            message=job.message,
            finished=job.finished,
        )
    return render_template("main/_job_progress.html", job=job)


@bp.route("/jobs/<int:job_id>/download")
@login_required
def job_download(job_id: int):
    job = _load_job(job_id)
    content = result_content(job)
    if content is None or job.result_name is None:
        abort(404)
    return send_file(io.BytesIO(content), as_attachment=True, download_name=job.result_name)


# Audit log -----------------------------------------------------------------------------------


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    action = SelectField("Action", validators=[Optional()])
    actor = StringField("Who", validators=[Optional(), Length(max=100)])
    about = StringField("About whom", validators=[Optional(), Length(max=100)])
    # Links from other pages may name one object (e.g. users:12); not a field of the form.
    target = StringField("Object", validators=[Optional(), Length(max=60)])
    since = DateField("From", validators=[Optional()])
    until = DateField("To", validators=[Optional()])


@bp.route("/admin/audit")
@login_required
def audit_log():
    ensure(can_view_audit_log(current_user))
    form = AuditFilterForm(request.args)
    form.action.choices = choices([("", "All actions"), *((a, a) for a in audit.actions())])
    filters = (
        audit.EventFilters(
            action=form.action.data or None,
            actor=form.actor.data or None,
            about=form.about.data or None,
            target=form.target.data or None,
            since=form.since.data,
            until=form.until.data,
        )
        if form.validate()
        else audit.EventFilters()
    )
    page = db.paginate(audit.search(filters), page=page_number(), per_page=50, error_out=False)
    zones = services.workshop_zones(
        event.workshop_id for event in page.items if event.workshop_id is not None
    )
    return render_template("main/audit_log.html", page=page, form=form, event_zones=zones)


# Outbox ----------------------------------------------------------------------------------------


@bp.route("/admin/outbox")
@login_required
def outbox():
    ensure(can_view_outbox(current_user))
    query, state = mail.outbox(request.args.get("state", "waiting"))
    counts = mail.outbox_counts()
    page = db.paginate(query, page=page_number(), per_page=50, error_out=False)
    return render_template(
        "main/outbox.html",
        page=page,
        state=state,
        counts=counts,
        retry_form=ConfirmForm(),
        MailState=MailState,
    )


@bp.route("/admin/outbox/<int:message_id>/retry", methods=["POST"])
@login_required
def retry_mail(message_id: int):
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        abort(404)
    ensure(can_view_outbox(current_user))
    if message.state is MailState.SENT:
        flash("This message was already sent.", "info")
    else:
        mail.retry_now(message)
        flash(f"The message to {message.recipient} will be sent again now.", "success")
    return redirect(url_for("main.outbox"))
