"""The surgeon training workshop and curriculum manager."""

from __future__ import annotations

import importlib
import logging
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext, lazy_gettext, ngettext
from flask_login import current_user, logout_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from training.config import PROJECT_ROOT, Config, secure_instance_folder

__all__ = ["create_app"]

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class DatabaseId(IntegerConverter):
    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def create_app(config: Config | Mapping[str, Any] | None = None) -> Flask:
    """Build the application. ``config`` is a Config object, or overrides of the
    settings read from the environment."""
    if config is None or isinstance(config, Mapping):
        settings = Config()
        for key, value in (config or {}).items():
            setattr(settings, key, value)
        config = settings

    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_path=config.INSTANCE_PATH,
    )
    app.config.from_object(config)
    from training.core.web import AppRequest, install_request_transaction

    app.request_class = AppRequest
    # Ids in URLs fit the database's integer columns: a larger number is a 404, not a 500.
    app.url_map.converters["int"] = DatabaseId
    secure_instance_folder(Path(app.instance_path))
    _configure_logging(app)
    if app.config["TRUSTED_PROXIES"]:
        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]

    _init_extensions(app)
    install_request_transaction(app)
    _register_blueprints(app)
    _register_error_handlers(app)
    _register_request_hooks(app)
    _warn_when_links_lead_nowhere(app)
    _register_template_helpers(app)

    from training import cli

    cli.register(app)
    return app


def _configure_logging(app: Flask) -> None:
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Alembic announces each of its plugins at INFO on every command.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    # WeasyPrint reports each rendering step at INFO; only its warnings matter.
    for name in ("weasyprint", "fontTools"):
        logging.getLogger(name).setLevel(logging.WARNING)


def _init_extensions(app: Flask) -> None:
    import training.models  # noqa: F401  (every table registered before anything uses the metadata)
    from training.accounts import services as account_services
    from training.accounts.models import User
    from training.core import i18n, queue
    from training.core.db import configure_engine
    from training.extensions import csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine)
    migrate.init_app(app, db, directory=str(MIGRATIONS))
    csrf.init_app(app)
    limiter.init_app(app)
    i18n.init_app(app)

    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = lazy_gettext("Please log in to open this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(identifier: str) -> User | None:
        user_id, _, token = identifier.partition(":")
        if not user_id.isdigit():
            return None
        # One query: the login on record, with the person and their roles (every page's
        # permissions read them). A logout, or "sign out everywhere", ends every copy of the
        # cookie; the lifetime counts from the login, not from the last request.
        login = account_services.current_login(int(user_id), session.get("login"))
        user = login.user if login is not None else None
        # A changed session token (new password, deactivation) ends old sessions.
        if user is None or not user.active or user.session_token != token:
            return None
        if db.session.dirty:
            # "Last seen", every few minutes. The user is loaded by the first before-request
            # hook, so this commits nothing of the view's.
            db.session.commit()
        return user

    @login_manager.unauthorized_handler
    def unauthorized() -> Any:
        from training.core.web import json_error, wants_json

        g.permission_checked = True  # "signed in" was the check, and it failed
        if wants_json():
            return json_error(401, gettext("Log in first."))
        flash(str(login_manager.login_message), "info")
        next_path = request.full_path if request.method == "GET" else None
        if next_path and next_path.endswith("?"):
            next_path = next_path[:-1]
        return redirect(url_for("accounts.login", next=next_path))

    queue.register_app(app)


# Each capability, with its modules that register something when imported: routes on
# the capability's blueprint, job handlers, `flask ...` commands, tasks and personal-data
# sections. Importing a capability's package registers nothing, so a pure module (its
# rules) imports without the web, the task queue or the PDF engine.
CAPABILITIES: dict[str, tuple[str, ...]] = {
    "main": ("views",),
    "accounts": ("exports", "views"),
    "curriculum": ("cli", "views"),
    "workshops": ("views", "staff_views", "session_views", "calendar_views"),
    "enrolments": ("personal_data", "views"),
    "attendance": ("personal_data", "views"),
    "quizzes": ("personal_data", "tasks", "views", "attempt_views", "question_views"),
    "assessments": ("personal_data", "views"),
    "certificates": (
        "cli",
        "jobs",
        "personal_data",
        "views",
        "certificate_views",
        "design_views",
        "badge_views",
    ),
    "planning": ("views",),
}


def _register_blueprints(app: Flask) -> None:
    for capability, modules in CAPABILITIES.items():
        for module in modules:
            importlib.import_module(f"training.{capability}.{module}")
        app.register_blueprint(importlib.import_module(f"training.{capability}").bp)


def _register_error_handlers(app: Flask) -> None:
    from training.core.errors import DomainError
    from training.core.web import http_message, json_error, wants_json
    from training.extensions import db

    def render_error(status: int, message: str) -> Any:
        if wants_json():
            return json_error(status, message)
        return render_template("errors/error.html", status=status, message=message), status

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> Any:
        return render_error(
            400,
            gettext(
                "This form has expired or did not come from this site. "
                "Go back, reload the page and send it again."
            ),
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Any:
        if error.code is None or error.code < 400:
            return error
        return render_error(error.code, http_message(error))

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError) -> Any:
        # A refusal a view did not handle itself: still a clear 4xx, never a 500.
        db.session.rollback()
        return render_error(error.status_code, error.message)

    @app.errorhandler(InternalServerError)
    def server_error(error: InternalServerError) -> Any:
        db.session.rollback()
        return render_error(500, http_message(error))


def _warn_when_links_lead_nowhere(app: Flask) -> None:
    """TRAINING_BASE_URL on this computer while people reach the app under another
    address (gunicorn bound to 0.0.0.0 or a public name, `flask run --port 8000`) makes
    every link in e-mails, calendars and certificates lead nowhere for them. Only the
    requests show how the app is reached, whatever the server and proxies in front of
    it: the first one that arrives under another address logs a warning, once."""
    from training.core import urls

    base_url = app.config["BASE_URL"]
    if not urls.is_local(base_url):
        return
    warned = False

    @app.before_request
    def warn_about_local_links() -> None:
        nonlocal warned
        if warned or not urls.served_elsewhere(base_url, request.host_url):
            return
        warned = True
        app.logger.warning(
            "TRAINING_BASE_URL is %s, on this computer only, but the app is reached as %s: links in "
            "e-mails, calendars and certificates will not work for anyone else. Set TRAINING_BASE_URL "
            "to the address people use.",
            base_url,
            request.host_url.rstrip("/"),
        )


def _register_request_hooks(app: Flask) -> None:
    from training.accounts.models import Role

    @app.before_request
    def end_idle_sessions() -> Any:
        if request.endpoint == "static" or not current_user.is_authenticated:
            return None
        now = int(time.time())
        last_seen = session.get("seen", now)
        idle_limit = app.config["SESSION_IDLE_TIMEOUT"].total_seconds()
        if now - last_seen > idle_limit:
            g.permission_checked = True  # refused before any view: the session is over
            logout_user()
            session.clear()
            minutes = int(idle_limit // 60)
            flash(
                ngettext(
                    "You were logged out after %(num)d minute without activity.",
                    "You were logged out after %(num)d minutes without activity.",
                    minutes,
                ),
                "info",
            )
            return redirect(url_for("accounts.login", next=request.path if request.method == "GET" else None))
        # Refreshing the stamp once a minute keeps the cookie from changing on every request.
        if now - last_seen >= 60 or "seen" not in session:
            session["seen"] = now
        return None

    if app.config["TESTING"]:

        @app.after_request
        def require_a_permission_check(response: Any) -> Any:
            from training.core.permissions import was_checked

            endpoint = request.endpoint
            # 400 (CSRF), 413 and 429 refuse a request before its view runs.
            if endpoint in (None, "static") or response.status_code in (400, 404, 405, 413, 429):
                return response
            if not was_checked(app.view_functions.get(endpoint)):
                raise AssertionError(
                    f"{endpoint} neither calls permissions.ensure(...) nor is marked @permissions.public"
                )
            return response

    @app.after_request
    def security_headers(response: Any) -> Any:
        headers = response.headers
        headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
        )
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Permissions-Policy", "camera=(self), microphone=(), geolocation=()")
        if app.config["BASE_URL"].startswith("https://"):
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        # Pages and files with personal data must not be kept by shared browsers or
        # proxies. Not a default: send_file's "no-cache" still lets them store it.
        private = request.endpoint != "static" and current_user.is_authenticated
        if private and "no-store" not in headers.get("Cache-Control", ""):
            headers["Cache-Control"] = "no-store"
        return response

    app.jinja_env.globals["Role"] = Role


def _register_template_helpers(app: Flask) -> None:
    from training.accounts.forms import country_name
    from training.core.permissions import TemplatePredicates
    from training.core.venue_time import at_venue

    app.jinja_env.globals["can"] = TemplatePredicates()
    app.jinja_env.filters["country_name"] = country_name

    app.jinja_env.filters["at_venue"] = at_venue

    @app.template_filter("datetime_utc")
    def datetime_utc(value: Any) -> str:
        return value.strftime("%Y-%m-%d %H:%M UTC") if value else ""
