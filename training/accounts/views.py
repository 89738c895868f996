"""Sign up, log in and out, passwords, own profile, and user administration."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext, lazy_gettext, refresh
from flask_login import current_user, login_required, login_user, logout_user

from training.accounts import bp, login_limits, personal_data, rules, services, tokens
from training.accounts.forms import (
    ChangePasswordForm,
    ConfirmForm,
    ConfirmPasswordForm,
    CreateAccountForm,
    EraseForm,
    ForgotPasswordForm,
    LoginForm,
    ProfileForm,
    RolesForm,
    SetPasswordForm,
    SignUpForm,
    UserSearchForm,
)
from training.accounts.models import Role, User
from training.accounts.reauth import ask_for_password_if_stale, mark_password_confirmed
from training.core import audit
from training.core.errors import DomainError
from training.core.jobs import recent_jobs, start_job
from training.core.permissions import (
    can_edit_own_profile,
    can_erase_personal_data,
    can_export_own_data,
    can_manage_users,
    ensure,
    public,
)
from training.core.web import page_number, service_call
from training.extensions import db, limiter

LOGIN_FAILED = lazy_gettext("The e-mail address or password is not correct, or the account is not active.")


def me() -> User:
    return current_user._get_current_object()


def _follow_link(follow: Callable[[], Any]) -> Any:
    """Run ``follow``: check a mailed link (a reset, an invitation, a confirmation), then
    use it. A link that cannot be used gets the invalid-link page instead (a 400, so the
    request's changes are undone)."""
    try:
        return follow()
    except DomainError as error:
        return render_template("accounts/link_invalid.html", message=error.message), 400


def _profile_from(form: SignUpForm | ProfileForm) -> services.Profile:
    return services.Profile(
        full_name=form.full_name.data,
        email=form.email.data,
        specialty=form.specialty.data,
        registration_number=form.registration_number.data,
        institution=form.institution.data,
        country=form.country.data,
        language=form.language.data,
    )


def _start_session(user: User) -> None:
    """Sign ``user`` in on this browser: a new login on record, committed with the request."""
    # A new session on login: nothing from before (a planted cookie) carries over.
    session.clear()
    session.permanent = True
    session["login"] = services.start_login(user, user_agent=request.user_agent.string)
    login_user(user)
    mark_password_confirmed()


# Signing up, in and out ------------------------------------------------------------------


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
@public
def signup():
    # Where to come back to once the address is confirmed: a path on this site only.
    next_url = rules.safe_next_url(request.values.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or url_for("main.index"))
    form = SignUpForm()
    if form.validate_on_submit():
        with service_call(form) as call:
            services.sign_up(_profile_from(form), form.password.data, next_path=next_url)
        if call.ok:
            # The same answer whether or not the address already has an account.
            flash(
                gettext(
                    "Check your mail: we have sent a message to %(email)s. "
                    "Follow its link to finish signing up.",
                    email=rules.normalise_email(form.email.data),
                ),
                "info",
            )
            return redirect(url_for("accounts.login", next=next_url))
    return render_template("accounts/signup.html", form=form, next_url=next_url)


@bp.route("/signup/confirm/<token>", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
@public
def confirm_email(token: str):
    # A button, not the link itself: mail scanners that open links must not log in.
    form = ConfirmForm()

    def follow() -> Any:
        services.user_for_token(token, tokens.EMAIL_CONFIRMATION)
        if not form.validate_on_submit():
            return render_template(
                "accounts/confirm_link.html",
                form=form,
                title=gettext("Confirm your e-mail address"),
                text=gettext("Confirm that this address is yours to start using your account."),
            )
        user = services.confirm_email(token)
        _start_session(user)
        flash(gettext("Welcome, %(name)s. Your account is ready.", name=user.full_name), "success")
        return redirect(rules.safe_next_url(request.args.get("next")) or url_for("main.index"))

    return _follow_link(follow)


@bp.route("/login", methods=["GET", "POST"])
@login_limits.limited
@public
def login():
    next_url = rules.safe_next_url(request.values.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url or url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        # Nothing is written before the view (the user loader commits what it writes): end
        # the transaction an old cookie's lookup began, so the password is checked with
        # none open (see services.authenticate).
        db.session.rollback()
        # Refused (the right password, for an address not yet confirmed): said on the page.
        with service_call() as call:
            user = services.authenticate(form.email.data, form.password.data)
        if call.ok and user is None:
            login_limits.count_as_failed()
            flash(str(LOGIN_FAILED), "danger")
        elif call.ok and user is not None:
            _start_session(user)
            return redirect(next_url or url_for("main.index"))
    return render_template("accounts/login.html", form=form, next_url=next_url)


@bp.route("/logout", methods=["POST"])
@public
def logout():
    ConfirmForm()  # the CSRF check happens before the view; the form is only its carrier
    # Ended on record: a copy of this browser's cookie opens nothing any more.
    services.end_login(session.get("login"))
    logout_user()
    session.clear()
    flash(gettext("You have logged out."), "info")
    return redirect(url_for("accounts.login"))


# Passwords --------------------------------------------------------------------------------


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("5 per minute; 20 per hour", methods=["POST"])
@public
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        flash(
            gettext(
                "If an active account uses this address, a link to reset its password is on its way. "
                "It works once and expires in a few hours."
            ),
            "info",
        )
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot_password.html", form=form)


def _set_password_by_link(token: str, purpose: str, template: str):
    def follow() -> Any:
        user = services.user_for_token(token, purpose)
        form = SetPasswordForm()
        form.personal_words = [user.full_name, user.email]
        if form.validate_on_submit():
            with service_call(form) as call:
                user = services.reset_password(token, purpose, form.password.data)
            if call.ok:
                _start_session(user)
                flash(gettext("Your password is set. You are logged in."), "success")
                return redirect(url_for("main.index"))
        return render_template(template, form=form, user=user)

    return _follow_link(follow)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
@public
def reset_password(token: str):
    return _set_password_by_link(token, tokens.PASSWORD_RESET, "accounts/reset_password.html")


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
@public
def accept_invitation(token: str):
    return _set_password_by_link(token, tokens.INVITATION, "accounts/accept_invitation.html")


# One's own profile ---------------------------------------------------------------------------


def _per_account() -> str:
    """Rate-limit key: the signed-in account, wherever it posts from."""
    if current_user.is_authenticated:
        return f"account:{current_user.id}"
    return request.remote_addr or "unknown"


@bp.route("/profile", methods=["GET", "POST"])
@login_required
@limiter.limit("20 per hour", key_func=_per_account, methods=["POST"])
def profile():
    ensure(can_edit_own_profile(current_user))
    form = ProfileForm(obj=current_user)
    if not current_user.has_role(Role.TRAINEE):
        form.relax_for_staff()
    if form.validate_on_submit():
        user = me()
        with service_call(form) as call:
            pending = services.update_profile(
                user, _profile_from(form), actor=user, current_password=form.current_password.data
            )
        if call.ok:
            refresh()  # the messages below in the language just chosen
            flash(gettext("Your details are saved."), "success")
            if pending:
                # The same answer whether or not another account uses the address.
                flash(
                    gettext(
                        "To change your e-mail address, follow the link we have sent to %(new)s. "
                        "Until then it stays %(old)s.",
                        new=pending,
                        old=user.email,
                    ),
                    "info",
                )
            return redirect(url_for("accounts.profile"))
    return _render_profile(form)


@bp.route("/profile/email/<token>", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])
@public
def change_email(token: str):
    form = ConfirmForm()

    def follow() -> Any:
        services.email_change_for_token(token)
        if not form.validate_on_submit():
            return render_template(
                "accounts/confirm_link.html",
                form=form,
                title=gettext("Confirm your new e-mail address"),
                text=gettext("Confirm that this address is yours: your account will use it from now on."),
            )
        user = services.change_email(token, keep_login=session.get("login"))
        flash(
            gettext(
                "Your e-mail address is now %(email)s. Other browsers logged in to your account "
                "have been logged out.",
                email=user.email,
            ),
            "success",
        )
        return redirect(url_for("accounts.profile" if current_user.is_authenticated else "accounts.login"))

    return _follow_link(follow)


def _render_profile(form: ProfileForm, status: int = 200):
    config = current_app.config
    return (
        render_template(
            "accounts/profile.html",
            form=form,
            logins=services.logins_of(current_user),
            this_login=session.get("login"),
            session_hours=int(config["PERMANENT_SESSION_LIFETIME"].total_seconds() // 3600),
            idle_minutes=int(config["SESSION_IDLE_TIMEOUT"].total_seconds() // 60),
        ),
        status,
    )


@bp.route("/profile/sign-out-everywhere", methods=["POST"])
@login_required
def sign_out_everywhere():
    ensure(can_edit_own_profile(current_user))
    if not ConfirmForm().validate_on_submit():
        abort(400)
    user = me()
    services.sign_out_everywhere(user, actor=user)
    logout_user()
    session.clear()
    flash(gettext("You are logged out on every browser and device, this one included."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/profile/password", methods=["GET", "POST"])
@login_required
def change_password():
    ensure(can_edit_own_profile(current_user))
    user = me()
    form = ChangePasswordForm()
    form.personal_words = [user.full_name, user.email]
    if form.validate_on_submit():
        with service_call(form) as call:
            services.change_password(user, form.current_password.data, form.new_password.data, actor=user)
        if call.ok:
            # The session token changed: renew this browser's login, others are out.
            _start_session(user)
            flash(gettext("Your password is changed. Other devices have been logged out."), "success")
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/change_password.html", form=form)


@bp.route("/confirm-password", methods=["GET", "POST"])
@login_required
@limiter.limit("10 per minute", methods=["POST"])
def confirm_password():
    ensure(can_edit_own_profile(current_user))
    next_url = rules.safe_next_url(request.values.get("next"))
    form = ConfirmPasswordForm()
    if form.validate_on_submit():
        if services.check_password(me(), form.password.data):
            mark_password_confirmed()  # the request commits a rehashed password, if the hash was upgraded
            return redirect(next_url or url_for("main.index"))
        form.password.errors.append(gettext("This is not your password."))
    return render_template("accounts/confirm_password.html", form=form, next_url=next_url)


# Administration ------------------------------------------------------------------------------


@bp.route("/admin/users")
@login_required
def users():
    ensure(can_manage_users(current_user))
    search = UserSearchForm(request.args)
    query = (
        services.find_users(
            search.q.data or "",
            Role(search.role.data) if search.role.data else None,
            search.status.data == "active" if search.status.data else None,
        )
        if search.validate()
        else services.find_users()
    )
    page = db.paginate(query, page=page_number(), per_page=25, error_out=False)
    return render_template("accounts/users.html", page=page, search=search, export_form=ConfirmForm())


@bp.route("/admin/users/new", methods=["GET", "POST"])
@login_required
def create_user():
    ensure(can_manage_users(current_user))
    if (confirm := ask_for_password_if_stale()) is not None:
        return confirm
    form = CreateAccountForm()
    if form.validate_on_submit():
        profile = services.Profile(
            full_name=form.full_name.data,
            email=form.email.data,
            specialty=form.specialty.data,
            institution=form.institution.data,
            country=form.country.data,
        )
        with service_call(form) as call:
            user = services.create_account(profile, {Role(value) for value in form.roles.data}, actor=me())
        if call.ok:
            flash(
                gettext("Account created. An invitation is on its way to %(email)s.", email=user.email),
                "success",
            )
            return redirect(url_for("accounts.user_detail", user_id=user.id))
    return render_template("accounts/create_user.html", form=form)


def _load_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/admin/users/<int:user_id>")
@login_required
def user_detail(user_id: int):
    user = _load_user(user_id)
    ensure(can_manage_users(current_user))
    roles_form = RolesForm(roles=user.role_names)
    return _render_user(user, roles_form)


def _render_user(
    user: User,
    roles_form: RolesForm,
    status: int = 200,
    erase_form: EraseForm | None = None,
    ending: list[services.Ending] | None = None,
):
    history = audit.history_of(User.__tablename__, user.id, limit=20)
    return (
        render_template(
            "accounts/user_detail.html",
            user=user,
            roles_form=roles_form,
            erase_form=erase_form or EraseForm(expected_email=user.email),
            confirm_form=ConfirmForm(),
            history=history,
            ending=ending,
        ),
        status,
    )


@bp.route("/admin/users/<int:user_id>/roles", methods=["POST"])
@login_required
def change_roles(user_id: int):
    user = _load_user(user_id)
    ensure(can_manage_users(current_user))
    if (confirm := ask_for_password_if_stale()) is not None:
        return confirm
    form = RolesForm()
    if form.validate_on_submit():
        roles = {Role(v) for v in form.roles.data}
        ending = services.ended_by_roles(user, roles) if roles else []
        if ending and form.ending.data != services.endings_key(ending):
            # Say what the change ends before doing it (again, if that changed meanwhile).
            form.ending.data = services.endings_key(ending)
            return _render_user(user, form, ending=ending)
        with service_call(form) as call:
            services.change_roles(user, roles, actor=me())
        if call.ok:
            flash(gettext("Roles of %(name)s saved.", name=user.full_name), "success")
            return redirect(url_for("accounts.user_detail", user_id=user.id))
    return _render_user(user, form, status=422)


def _account_action(user_id: int, action, success: str, *, sensitive: bool = True):
    user = _load_user(user_id)
    ensure(can_manage_users(current_user))
    if sensitive and (confirm := ask_for_password_if_stale()) is not None:
        return confirm
    if ConfirmForm().validate_on_submit():
        with service_call() as call:
            action(user, actor=me())
        if call.ok:
            flash(success.format(name=user.full_name, email=user.email), "success")
    return redirect(url_for("accounts.user_detail", user_id=user.id))


@bp.route("/admin/users/<int:user_id>/deactivate", methods=["POST"])
@login_required
def deactivate(user_id: int):
    return _account_action(user_id, services.deactivate, "{name} is deactivated and can no longer log in.")


@bp.route("/admin/users/<int:user_id>/reactivate", methods=["POST"])
@login_required
def reactivate(user_id: int):
    return _account_action(user_id, services.reactivate, "{name} can log in again.")


@bp.route("/admin/users/<int:user_id>/invitation", methods=["POST"])
@login_required
def resend_invitation(user_id: int):
    return _account_action(
        user_id, services.send_invitation, "A new invitation is on its way to {email}.", sensitive=False
    )


# Personal data ----------------------------------------------------------------------------------


@bp.route("/profile/data")
@login_required
def my_data():
    ensure(can_export_own_data(current_user))
    exports = recent_jobs("personal-data", me(), limit=5)
    sections = sorted(personal_data.SECTIONS)
    return render_template(
        "accounts/my_data.html",
        form=ConfirmForm(),
        exports=exports,
        sections=sections,
        exports_per_day=rules.EXPORTS_PER_DAY,
        export_kept_days=rules.EXPORT_KEPT_DAYS,
    )


@bp.route("/profile/data/export", methods=["POST"])
@login_required
def export_my_data():
    ensure(can_export_own_data(current_user))
    if not ConfirmForm().validate_on_submit():
        abort(400)
    with service_call() as call:
        job = personal_data.start_export(actor=me())
    if not call.ok:
        return redirect(url_for("accounts.my_data"))
    return redirect(url_for("main.job", job_id=job.id))


@bp.route("/admin/users/<int:user_id>/erase", methods=["POST"])
@login_required
def erase_user(user_id: int):
    user = _load_user(user_id)
    ensure(can_erase_personal_data(current_user))
    if (confirm := ask_for_password_if_stale()) is not None:
        return confirm
    form = EraseForm(expected_email=user.email)
    if form.validate_on_submit():
        with service_call(form) as call:
            personal_data.erase(user, actor=me())
        if call.ok:
            flash(
                f"The personal data of account {user.id} is erased. Its records stay, anonymous.", "success"
            )
            return redirect(url_for("accounts.user_detail", user_id=user.id))
    return _render_user(user, RolesForm(roles=[r.value for r in user.roles]), status=422, erase_form=form)


@bp.route("/admin/users/export", methods=["POST"])
@login_required
def export_users():
    ensure(can_manage_users(current_user))
    if not ConfirmForm().validate_on_submit():
        abort(400)
    job = start_job("users-csv", "Export of all accounts (CSV)", actor=me())
    return redirect(url_for("main.job", job_id=job.id))
