"""Background work of the quizzes: closing attempts whose time ran out."""

from __future__ import annotations

from training.core.queue import app_periodic_task
from training.extensions import db
from training.quizzes import attempts


@app_periodic_task(minute="*")
def close_overdue_attempts() -> int:
    """An attempt abandoned when its time ran out is graded with the answers it holds."""
    closed = attempts.close_overdue_attempts()
    db.session.commit()
    return closed
