"""The task queue: Huey, on SQLite by default and on Redis when configured.

Slow work (mail delivery, bulk certificate issue, large exports) runs in a
Huey consumer process, never in the request. ``make run`` starts a consumer
beside the web server; in production run ``huey_consumer training.tasks.huey``.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app, has_app_context
from huey import Huey, RedisHuey, SqliteHuey

from training.config import instance_path, secure_instance_folder
from training.core.db import Session


def make_huey() -> Huey:
    redis_url = os.environ.get("TRAINING_REDIS_URL")
    if redis_url:
        return RedisHuey("training", url=redis_url)
    folder = instance_path()
    secure_instance_folder(folder)  # queued mails hold live password-reset links
    return SqliteHuey("training", filename=str(folder / "tasks.db"))


huey = make_huey()
log = logging.getLogger("training.queue")

_task_app: Flask | None = None


def register_app(app: Flask) -> None:
    """Make ``app`` the one tasks run in when no app context is active.

    A process serves one app; should it build more (tests do), the first stays.
    """
    global _task_app
    if _task_app is None:
        _task_app = app


def task_app() -> Flask:
    global _task_app
    if has_app_context():
        return current_app._get_current_object()  # type: ignore[attr-defined]
    if _task_app is None:
        # A consumer process: build the app from the same environment as the web.
        from training import create_app

        _task_app = create_app()
    return _task_app


def _in_app(func: Callable[..., Any]) -> Callable[..., Any]:
    """Run ``func`` in its own app context, so with its own database session:
    a task never shares a transaction with the request that queued it."""

    @functools.wraps(func)
    def run_in_app(*args: Any, **kwargs: Any) -> Any:
        from training.extensions import db

        with task_app().app_context():
            try:
                return func(*args, **kwargs)
            finally:
                db.session.remove()

    return run_in_app


def app_task(**task_options: Any) -> Callable[[Callable[..., Any]], Any]:
    """A Huey task that runs inside the Flask app."""

    def decorator(func: Callable[..., Any]) -> Any:
        return huey.task(**task_options)(_in_app(func))

    return decorator


def app_periodic_task(schedule: Callable[..., bool]) -> Callable[[Callable[..., Any]], Any]:
    """A Huey periodic task (``crontab(...)``) that runs inside the Flask app."""

    def decorator(func: Callable[..., Any]) -> Any:
        return huey.periodic_task(schedule)(_in_app(func))

    return decorator


def enqueue_after_commit(task: Any, *args: Any, **kwargs: Any) -> None:
    """Queue ``task`` once the current transaction commits; drop it on rollback.

    A task that reads what the request wrote must not run before it is committed,
    and must not run at all if the request fails.
    """
    from training.extensions import db

    db.session().info.setdefault("after_commit", []).append((task, args, kwargs))


@sa.event.listens_for(Session, "after_commit")
def _enqueue_after_commit(session: Session) -> None:
    for task, args, kwargs in session.info.pop("after_commit", []):
        try:
            task(*args, **kwargs)
        except Exception:
            # The change is committed; failing the request now would only hide
            # that. Periodic sweeps pick up mail and jobs that were not queued.
            log.exception("could not queue %s; the periodic sweep will retry it", task.name)


@sa.event.listens_for(Session, "after_rollback")
def _drop_after_rollback(session: Session) -> None:
    session.info.pop("after_commit", None)
