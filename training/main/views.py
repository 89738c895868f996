"""Home, health, job progress, and the administrator's audit log and outbox."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import sqlalchemy as sa
from flask import abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Length, Optional

from training.accounts.forms import ConfirmForm
from training.accounts.models import User
from training.core import dashboard
from training.core.audit import AuditEvent
from training.core.forms import choices
from training.core.jobs import Job
from training.core.mail import MailState, OutboxMessage, retry_now
from training.core.permissions import can_view_audit_log, can_view_job, can_view_outbox, ensure, public
from training.core.web import page_number
from training.extensions import db, limiter
from training.main import bp
from training.workshops.models import Workshop


@bp.route("/")
@public
def index():
    if not current_user.is_authenticated:
        return render_template("main/landing.html")
    return render_template("main/dashboard.html", tiles=dashboard.tiles_for(current_user))


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
    return jsonify(status="ok", database="ok")


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
    path = job.result_path()
    if path is None or not path.is_file():
        abort(404)
    return send_file(path, as_attachment=True, download_name=path.name)


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
    actions = db.session.scalars(sa.select(AuditEvent.action).distinct().order_by(AuditEvent.action)).all()
    form.action.choices = choices([("", "All actions"), *((a, a) for a in actions)])
    query = sa.select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if form.validate():
        if form.action.data:
            query = query.where(AuditEvent.action == form.action.data)
        if form.actor.data:
            query = query.where(AuditEvent.actor_id.in_(_people_named(form.actor.data)))
        if form.about.data:
            # Events about the person's account: their roles, profile, sign-up and so on.
            query = query.where(
                AuditEvent.target_type == User.__tablename__,
                AuditEvent.target_id.in_(_people_named(form.about.data)),
            )
        if form.target.data:
            kind, _, ident = form.target.data.strip().partition(":")
            query = query.where(AuditEvent.target_type == kind)
            if ident.isdigit():
                query = query.where(AuditEvent.target_id == int(ident))
        if form.since.data:
            query = query.where(AuditEvent.at >= datetime.combine(form.since.data, time.min, UTC))
        if form.until.data:
            end = datetime.combine(form.until.data, time.min, UTC) + timedelta(days=1)
            query = query.where(AuditEvent.at < end)
    page = db.paginate(query, page=page_number(), per_page=50, error_out=False)
    workshop_ids = {event.workshop_id for event in page.items if event.workshop_id is not None}
    zones = dict(
        db.session.execute(
            sa.select(Workshop.id, Workshop.timezone).where(Workshop.id.in_(workshop_ids))
        ).all()
    )
    return render_template("main/audit_log.html", page=page, form=form, event_zones=zones)


def _people_named(text: str) -> sa.Select:
    """The ids of the people whose name or e-mail address contains ``text`` (any case);
    a whole e-mail address of an account names that account only."""
    words = text.strip().lower()
    exact = sa.select(User.id).where(User.email == words)
    if db.session.scalar(exact) is not None:
        return exact
    pattern = "%" + words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return sa.select(User.id).where(
        sa.or_(
            sa.func.lower(User.full_name).like(pattern, escape="\\"),
            User.email.like(pattern, escape="\\"),
        )
    )


# Outbox ----------------------------------------------------------------------------------------


@bp.route("/admin/outbox")
@login_required
def outbox():
    ensure(can_view_outbox(current_user))
    state = request.args.get("state", "waiting")
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id.desc())
    if state == "waiting":
        query = query.where(OutboxMessage.state.in_([MailState.PENDING, MailState.SENDING]))
    elif state in {s.value for s in MailState}:
        query = query.where(OutboxMessage.state == MailState(state))
    else:
        state = "all"
    counts = dict(
        db.session.execute(
            sa.select(OutboxMessage.state, sa.func.count()).group_by(OutboxMessage.state)
        ).all()
    )
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
        retry_now(message)
        db.session.commit()
        flash(f"The message to {message.recipient} will be sent again now.", "success")
    return redirect(url_for("main.outbox"))
