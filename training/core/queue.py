"""The task queue: Huey, on SQLite by default and on Redis when configured.

Slow work (mail delivery, bulk certificate issue, large exports) runs in a
Huey consumer process, never in the request. ``make run`` starts a consumer
beside the web server; in production run ``huey_consumer training.tasks.huey``.

The queue is built when it is first used (queueing a task, the consumer's
``training.tasks.huey``), not when a module declaring tasks is imported: importing
the app's modules neither loads Huey nor creates the queue's file. Tasks declared
before the queue exists are registered with it when it is built.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask import Flask, current_app, has_app_context

import training
from training.config import instance_path, secure_instance_folder
from training.core.db import Session, watching_lazy_loads
from training.extensions import db

if TYPE_CHECKING:
    from huey import Huey

log = logging.getLogger("training.queue")

_huey: Huey | None = None
_tasks: list[LazyTask] = []
_task_app: Flask | None = None


def make_huey() -> Huey:
    # Huey loads with the first queue built, not with every module that declares a task.
    from huey import RedisHuey, SqliteHuey

    redis_url = os.environ.get("TRAINING_REDIS_URL")
    if redis_url:
        return RedisHuey("training", url=redis_url)
    folder = instance_path()
    secure_instance_folder(folder)  # queued mails hold live password-reset links
    return SqliteHuey("training", filename=str(folder / "tasks.db"))


def get_huey() -> Huey:
    """The process's queue, built on first use with every task declared so far."""
    global _huey
    if _huey is None:
        _huey = make_huey()
        for task in _tasks:
            task.bind(_huey)
    return _huey


def __getattr__(name: str) -> Any:
    # ``from training.core.queue import huey`` (the consumer's entry point, the tests)
    # builds the queue; importing this module does not.
    if name == "huey":
        return get_huey()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def pending_tasks() -> int | None:
    """How many tasks wait for a worker (None when the queue cannot be read)."""
    try:
        return int(get_huey().pending_count())
    except Exception:  # a health probe reports, it does not fail
        return None


class LazyTask:
    """A task declared at import time, registered with the queue when the queue is
    built. Calling it queues it; everything else (``call_local``, ``name``...) is the
    Huey task's."""

    def __init__(self, func: Callable[..., Any], declare: Callable[[Huey], Callable[..., Any]]) -> None:
        self._task: Any = None
        self.func = func
        self._declare = declare
        functools.update_wrapper(self, func)
        _tasks.append(self)
        if _huey is not None:
            self.bind(_huey)

    def bind(self, huey: Huey) -> None:
        self._task = self._declare(huey)(self.func)

    def task(self) -> Any:
        if self._task is None:
            get_huey()
        return self._task

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.task()(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.task(), name)


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
        _task_app = training.create_app()
    return _task_app


def _in_app(func: Callable[..., Any]) -> Callable[..., Any]:
    """Run ``func`` in its own app context, so with its own database session:
    a task never shares a transaction with the request that queued it."""

    @functools.wraps(func)
    def run_in_app(*args: Any, **kwargs: Any) -> Any:
        with task_app().app_context(), watching_lazy_loads():
            try:
                return func(*args, **kwargs)
            finally:
                db.session.remove()

    return run_in_app


def app_task(**task_options: Any) -> Callable[[Callable[..., Any]], LazyTask]:
    """A Huey task that runs inside the Flask app."""

    def decorator(func: Callable[..., Any]) -> LazyTask:
        return LazyTask(_in_app(func), lambda huey: huey.task(**task_options))

    return decorator


def app_periodic_task(**crontab: str) -> Callable[[Callable[..., Any]], LazyTask]:
    """A Huey periodic task that runs inside the Flask app, on crontab's fields
    (``app_periodic_task(minute="*/5")``): declaring it does not load Huey."""

    def declare(huey: Huey) -> Callable[..., Any]:
        from huey import crontab as make_schedule  # loaded with the queue, see make_huey

        return huey.periodic_task(make_schedule(**crontab))

    def decorator(func: Callable[..., Any]) -> LazyTask:
        return LazyTask(_in_app(func), declare)

    return decorator


def enqueue_after_commit(task: Any, *args: Any, **kwargs: Any) -> None:
    """Queue ``task`` once the current transaction commits; drop it on rollback.

    A task that reads what the request wrote must not run before it is committed,
    and must not run at all if the request fails.
    """
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
