"""The attendance pages: roll call, the check-in screen and self check-in, the
matrix with its CSV file, the paper sign-in sheet, settings, and a trainee's own page."""

from __future__ import annotations

import secrets
from decimal import Decimal
from typing import Any

import segno
from flask import abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from training.accounts.models import Role, User
from training.attendance import bp, check_ins, marking, permissions, policy, records, reports, timing, tokens
from training.attendance.forms import CodeForm, ConfirmForm, MarkForm, SettingsForm
from training.attendance.models import AttendanceRecord, AttendanceStatus, CheckInMethod, ExcusedPolicy
from training.core import page_parts, pdf
from training.core.csv import csv_response
from training.core.errors import DomainError
from training.core.permissions import ensure, ensure_or_404, public
from training.core.web import service_call
from training.extensions import db, limiter
from training.workshops.models import Workshop, WorkshopSession

# Carries a guest's scan through the login page (see ``scan``).
SCAN_COOKIE = "attendance_scan"


def attendance_has_endpoint(name: str) -> bool:
    """Whether another capability's page exists: link to it only then."""
    return name in current_app.view_functions


@bp.record_once
def _template_globals(state: Any) -> None:
    # Globals, not a context processor: imported macros see them too.
    state.app.jinja_env.globals.update(
        attendance_has_endpoint=attendance_has_endpoint,
        AttendanceStatus=AttendanceStatus,
    )


@page_parts.tile("attendance")
def sessions_tile(user: User) -> list[WorkshopSession] | None:
    """Today's sessions to take attendance of, for staff's dashboard (one query; None for others)."""
    if not (user.has_role(Role.FACULTY) or user.has_role(Role.ORGANIZER) or user.has_role(Role.ADMIN)):
        return None
    return marking.sessions_to_take(user, timing.now())


def _is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def _counts(groups: list[marking.RosterGroup]) -> dict[str, int]:
    """How many trainees have each status (by value), and how many are not marked."""
    rows = [record for group in groups for _, record in group.rows]
    counts = {status.value: sum(1 for r in rows if r and r.status is status) for status in AttendanceStatus}
    counts["unmarked"] = sum(1 for r in rows if r is None)
    return counts


def _session_or_404(session_id: int) -> WorkshopSession:
    return db.get_or_404(WorkshopSession, session_id)


# Roll call -------------------------------------------------------------------------------------


@bp.route("/attendance/sessions/<int:session_id>/roll-call")
@login_required
def roll_call(session_id: int):
    session = _session_or_404(session_id)
    ensure(permissions.can_take_attendance(current_user, session.workshop))
    groups = marking.roster(session)
    return render_template(
        "attendance/roll_call.html",
        session=session,
        workshop=session.workshop,
        groups=groups,
        counts=_counts(groups),
        takes_attendance=session.kind.counts_for_attendance and not timing.is_cancelled(session),
        confirm_form=ConfirmForm(),
        **_window(session),
    )


def _window(session: WorkshopSession) -> dict[str, Any]:
    """Whether roll call is open now, and if not, why and whether this user may correct marks."""
    at = timing.now()
    return {
        "closed_reason": timing.roll_call_refusal(session, at),
        "may_correct": permissions.can_correct_attendance(current_user, session.workshop),
        "not_started": at < session.starts_at,
    }


@bp.route("/attendance/sessions/<int:session_id>/roll-call/<int:trainee_id>", methods=["POST"])
@login_required
def mark(session_id: int, trainee_id: int):
    session = _session_or_404(session_id)
    ensure(permissions.can_take_attendance(current_user, session.workshop))
    trainee = db.session.get(User, trainee_id)
    if trainee is None or not records.is_confirmed(session.workshop, trainee_id):
        abort(404)  # not on this session's list
    form = MarkForm()
    error = None
    if form.validate_on_submit():
        try:
            marking.record_status(
                session,
                trainee_id,
                AttendanceStatus(form.status.data),
                note=form.note.data or "",
                reason=form.reason.data or "",
                actor=current_user._get_current_object(),
            )
        except DomainError as problem:
            # Shown inside the row (htmx), or flashed with the trainee's name: not by service_call.
            db.session.rollback()
            error = problem.message
    else:
        error = " ".join(message for messages in form.errors.values() for message in messages)
    record = records.record_of(session, trainee_id)
    if _is_htmx():
        # htmx swaps only successful responses: a refusal is shown inside the row.
        # The row, and the counts at the top of the page out of band.
        return render_template(
            "attendance/_roll_call_row.html",
            session=session,
            trainee=trainee,
            record=record,
            error=error,
            counts=_counts(marking.roster(session)),
            out_of_band=True,
            **_window(session),
        )
    if error:
        flash(f"{trainee.full_name}: {error}", "danger")
    elif record is not None:
        flash(f"{trainee.full_name}: {record.status.label.lower()}.", "success")
    return redirect(url_for("attendance.roll_call", session_id=session.id, _anchor=f"trainee-{trainee_id}"))


@bp.route("/attendance/sessions/<int:session_id>/roll-call/all-present", methods=["POST"])
@login_required
def mark_all_present(session_id: int):
    session = _session_or_404(session_id)
    ensure(permissions.can_take_attendance(current_user, session.workshop))
    form = ConfirmForm()
    if form.validate_on_submit():
        with service_call() as call:
            count = marking.mark_all_present(session, actor=current_user._get_current_object())
        if call.ok:
            flash(
                f"{count} trainee{'s' if count != 1 else ''} marked present; marks already made were kept.",
                "success",
            )
    return redirect(url_for("attendance.roll_call", session_id=session.id))


# The check-in screen and self check-in ------------------------------------------------------------


def _current_code(session: WorkshopSession) -> dict[str, Any]:
    at = timing.now()
    window = tokens.window_at(at)
    token = tokens.make_token(check_ins.secret(), session.id, window.number)
    url = check_ins.external_check_in_url(session.id, token)
    qr = segno.make(url, error="m")
    return {
        "url": url,
        "svg": qr.svg_inline(border=2, omitsize=True, title=f"Check-in code for {session.title}"),
        "code": tokens.format_code(tokens.short_code(check_ins.secret(), session.id, window.number)),
        "seconds_left": tokens.seconds_left(at),
    }


@bp.route("/attendance/sessions/<int:session_id>/check-in-screen")
@login_required
def check_in_screen(session_id: int):
    session = _session_or_404(session_id)
    ensure(permissions.can_take_attendance(current_user, session.workshop))
    return render_template(
        "attendance/check_in_screen.html",
        session=session,
        workshop=session.workshop,
        refusal=_screen_refusal(session),
        current=_current_code(session),
        checked_in=records.checked_in_count(session),
    )


@bp.route("/attendance/sessions/<int:session_id>/check-in-screen/code")
@login_required
def check_in_screen_code(session_id: int):
    session = _session_or_404(session_id)
    ensure(permissions.can_take_attendance(current_user, session.workshop))
    return render_template(
        "attendance/_check_in_code.html",
        session=session,
        refusal=_screen_refusal(session),
        current=_current_code(session),
        checked_in=records.checked_in_count(session),
    )


def _screen_refusal(session: WorkshopSession) -> str | None:
    return timing.check_in_refusal(session, timing.now())


def _refused(message: str, status: int = 400, session: WorkshopSession | None = None):
    # An error status: the request's transaction is rolled back.
    return render_template("attendance/check_in_refused.html", message=message, session=session), status


# No rate limit here: a whole room scans within a minute, often from one network
# address, and a signed token cannot be guessed.
@bp.route("/attendance/sessions/<int:session_id>/check-in/<token>")
@public
def scan(session_id: int, token: str):
    session = _session_or_404(session_id)
    at = timing.now()
    try:
        tokens.read_token(check_ins.secret(), token, session_id=session.id, at=at)
    except tokens.TokenRefused as error:
        return _refused(str(error), 400, session)
    refusal = timing.check_in_refusal(session, at)
    if refusal:
        return _refused(refusal, 409, session)
    if current_user.is_authenticated:
        ticket = tokens.make_scan_ticket(check_ins.secret(), session.id, at, user_id=current_user.id)
        return redirect(url_for("attendance.confirm_check_in", ticket=ticket))
    # A guest logs in first: the scan stays theirs through a cookie of this browser
    # (logging in starts a new session, so it cannot live in the session).
    nonce = secrets.token_urlsafe(16)
    ticket = tokens.make_scan_ticket(check_ins.secret(), session.id, at, nonce=nonce)
    flash(gettext("Log in to check in; you will come straight back."), "info")
    response = redirect(url_for("accounts.login", next=url_for("attendance.confirm_check_in", ticket=ticket)))
    response.set_cookie(
        SCAN_COOKIE,
        nonce,
        max_age=tokens.SCAN_TICKET_SECONDS,
        path=url_for("attendance.check_in_by_code") + "/confirm/",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )
    return response


@bp.route("/attendance/check-in/confirm/<ticket>", methods=["GET", "POST"])
@login_required
def confirm_check_in(ticket: str):
    ensure(permissions.can_check_in(current_user))
    try:
        scan = tokens.read_scan_ticket(check_ins.secret(), ticket, at=timing.now())
    except tokens.TokenRefused as error:
        return _refused(str(error), 400)
    session = _session_or_404(scan.session_id)
    trainee = current_user._get_current_object()
    if not scan.belongs_to(trainee.id, request.cookies.get(SCAN_COOKIE)):
        return _refused(
            gettext("This check-in link was opened by someone else. Scan the code in the room yourself."),
            403,
            session,
        )
    if not records.is_confirmed(session.workshop, trainee.id):
        return _refused(
            gettext(
                "You are not a confirmed trainee of this workshop, so you cannot check in to its sessions."
            ),
            403,
            session,
        )
    existing = records.record_of(session, trainee.id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            result = check_ins.check_in(
                session,
                trainee,
                scanned_at=timing.scan_time(scan.scanned_at_epoch),
                method=CheckInMethod.QR,
            )
        except DomainError as error:
            # The refusal page of the scan, not a message on the confirmation form.
            return _refused(error.message, error.status_code, session)
        _flash_check_in(session, result)
        return redirect(url_for("attendance.mine", _anchor=f"workshop-{session.workshop_id}"))
    return render_template(
        "attendance/confirm_check_in.html",
        session=session,
        workshop=session.workshop,
        form=form,
        existing=existing,
    )


def _flash_check_in(session: WorkshopSession, result: check_ins.CheckInResult) -> None:
    record = result.record
    if not result.changed:
        flash(
            gettext(
                "You were already recorded as %(status)s at %(session)s: nothing changed.",
                status=record.status.label.lower(),
                session=session.title,
            ),
            "info",
        )
    elif record.status is AttendanceStatus.LATE:
        flash(
            gettext(
                "You are checked in to %(session)s, late (after the grace period).", session=session.title
            ),
            "warning",
        )
    else:
        flash(gettext("You are checked in to %(session)s: present.", session=session.title), "success")


def _per_person() -> str:
    # Per person, not per address: a room shares one network address, and a guesser
    # must not get more tries by having several people share the limit.
    return f"user:{current_user.id}" if current_user.is_authenticated else request.remote_addr or "anonymous"


@bp.route("/attendance/check-in", methods=["GET", "POST"])
@limiter.limit("10 per minute; 30 per hour", methods=["POST"], key_func=_per_person)
@login_required
def check_in_by_code():
    ensure(permissions.can_check_in(current_user))
    form = CodeForm()
    if form.validate_on_submit():
        with service_call(form) as call:
            session, result = check_ins.check_in_with_code(current_user._get_current_object(), form.code.data)
        if call.ok:
            _flash_check_in(session, result)
            return redirect(url_for("attendance.mine", _anchor=f"workshop-{session.workshop_id}"))
    return render_template("attendance/check_in_code.html", form=form)


# Reports ------------------------------------------------------------------------------------


def _workshop_or_404(workshop_id: int) -> Workshop:
    return db.get_or_404(Workshop, workshop_id)


@bp.route("/attendance/workshops/<int:workshop_id>/matrix")
@login_required
def matrix(workshop_id: int):
    workshop = _workshop_or_404(workshop_id)
    ensure(permissions.can_view_attendance_report(current_user, workshop))
    return render_template(
        "attendance/matrix.html",
        workshop=workshop,
        attendance=reports.workshop_attendance(workshop),
        # Built once, not once per cell: a 60-trainee, 15-session matrix has 900 cells.
        record_path=url_for("attendance.record", record_id=0).removesuffix("0"),
    )


@bp.route("/attendance/workshops/<int:workshop_id>/matrix.csv")
@login_required
def matrix_csv(workshop_id: int):
    workshop = _workshop_or_404(workshop_id)
    ensure(permissions.can_view_attendance_report(current_user, workshop))
    attendance = reports.workshop_attendance(workshop)
    sessions = attendance.counted_sessions
    header = [
        "Trainee",
        "E-mail",
        *(reports.session_label(s, workshop) for s in sessions),
        "Attended minutes",
        "Scheduled minutes",
        "Attendance %",
        "Minimum %",
        "Missing mandatory sessions",
        "CME credit hours",
        "Meets the attendance rule",
    ]
    rows = []
    for trainee in attendance.trainees:
        summary = attendance.summaries[trainee.id]
        statuses = []
        for s in sessions:
            record = attendance.record(s.id, trainee.id)
            statuses.append(record.status.value if record else "")
        rows.append(
            [
                trainee.full_name,
                trainee.email,
                *statuses,
                summary.attended_minutes,
                summary.scheduled_minutes,
                str(summary.percent),
                str(summary.threshold_percent),
                "; ".join(summary.missing_mandatory),
                str(summary.credit_hours),
                "yes" if summary.meets else "no",
            ]
        )
    return csv_response(f"attendance-workshop-{workshop.id}.csv", header, rows)


@bp.route("/attendance/sessions/<int:session_id>/sign-in-sheet.pdf")
@login_required
def sign_in_sheet(session_id: int):
    session = _session_or_404(session_id)
    workshop = session.workshop
    ensure(permissions.can_take_attendance(current_user, workshop))
    document = pdf.render(
        "attendance/pdf/sign_in_sheet.html",
        metadata=pdf.Metadata(
            title=f"Sign-in sheet: {session.title}",
            author=current_app.config["PROGRAMME_NAME"],
            subject=workshop.title,
        ),
        session=session,
        workshop=workshop,
        groups=marking.roster(session),
        starts=session.starts_at.astimezone(workshop.zone).strftime("%a %d %b %Y %H:%M"),
        ends=session.ends_at.astimezone(workshop.zone).strftime("%H:%M"),
    )
    response = make_response(document)
    response.mimetype = "application/pdf"
    response.headers["Content-Disposition"] = f'inline; filename="sign-in-sheet-session-{session.id}.pdf"'
    return response


@bp.route("/attendance/workshops/<int:workshop_id>/settings", methods=["GET", "POST"])
@login_required
def settings(workshop_id: int):
    workshop = _workshop_or_404(workshop_id)
    ensure(permissions.can_configure_attendance(current_user, workshop))
    current = policy.settings_for(workshop)
    form = SettingsForm(
        data=None
        if request.method == "POST"
        else {
            "min_percent": current.min_percent,
            "excused_policy": current.excused_policy.value,
            "late_grace_minutes": current.late_grace_minutes,
        }
    )
    if form.validate_on_submit():
        with service_call(form) as call:
            policy.save_settings(
                workshop,
                min_percent=Decimal(form.min_percent.data).quantize(Decimal("0.01")),
                excused_policy=ExcusedPolicy(form.excused_policy.data),
                late_grace_minutes=form.late_grace_minutes.data,
                actor=current_user._get_current_object(),
            )
        if call.ok:
            flash("Attendance rules saved.", "success")
            return redirect(url_for("attendance.matrix", workshop_id=workshop.id))
    return render_template("attendance/settings.html", workshop=workshop, form=form)


# Records and one's own attendance ------------------------------------------------------------------


@bp.route("/attendance/records/<int:record_id>")
@login_required
def record(record_id: int):
    found = db.get_or_404(AttendanceRecord, record_id)
    workshop = found.session.workshop
    # Another trainee's record is not theirs to know about: 404, not 403.
    ensure_or_404(permissions.can_view_attendance_record(current_user, workshop, found.trainee_id))
    return render_template(
        "attendance/record.html",
        record=found,
        session=found.session,
        workshop=workshop,
        history=records.history(found),
        staff=permissions.can_take_attendance(current_user, workshop),
    )


@bp.route("/attendance/mine")
@login_required
def mine():
    ensure(permissions.can_view_own_attendance(current_user))
    return render_template(
        "attendance/mine.html",
        workshops=reports.trainee_attendance(current_user._get_current_object()),
        now=timing.now(),
    )
