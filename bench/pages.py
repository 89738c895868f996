"""The key pages: who opens them, and measuring them in process."""

from __future__ import annotations

import gc
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import Flask

from bench.measure import StatementCounter, Timing, time_page

STATEMENT_LIMIT = 15
P95_TARGET_MS = 50.0


@dataclass(frozen=True)
class Page:
    name: str
    url: str  # formatted with the build's facts
    role: str  # a key of the facts naming the user, or "anonymous"


FLOOR = Page("floor: /about (layout, no query)", "/about", "anonymous")
PAGES = (
    Page("workshop list", "/workshops", "trainee"),
    # Organizers may see drafts, so their list is rendered on every request: its
    # queries stay measured (and counted at both scales) here.
    Page("workshop list, rendered each time (organizer)", "/workshops", "organizer"),
    Page("workshop page with timetable", "/workshops/{focus}", "organizer"),
    Page("roll call, 60-trainee session", "/attendance/sessions/{focus_lab}/roll-call", "faculty"),
    Page("attendance matrix, 60 trainees", "/attendance/workshops/{focus}/matrix", "organizer"),
    Page("gradebook, 60 trainees", "/workshops/{focus}/gradebook", "organizer"),
    Page("item analysis, one attempt per trainee", "/quizzes/{online_quiz}/analysis", "organizer"),
    Page("trainee dashboard", "/", "trainee"),
    Page("certificate verification", "/verify/{serial}", "anonymous"),
    Page("certificate registry search", "/admin/certificates?q={registry_query}", "admin"),
)


def login_id(app: Flask, user_id: int) -> str:
    """What Flask-Login keeps in the session for this user (id and session token)."""
    from training.extensions import db

    with app.app_context():
        token = db.session.execute(
            sa.text("SELECT session_token FROM users WHERE id = :id"), {"id": user_id}
        ).scalar_one()
        db.session.remove()
    return f"{user_id}:{token}"


def measure(app: Flask, facts: dict[str, Any], *, requests: int, warmup: int = 3) -> dict[str, Timing]:
    """Every key page and the floor, in turn, in one process."""
    from training.extensions import db

    with app.app_context():
        counter = StatementCounter(db.engine)
    # As gunicorn.conf.py does in each worker once the app is built.
    gc.freeze()
    results = {}
    for page in (FLOOR, *PAGES):
        user = None if page.role == "anonymous" else login_id(app, facts[page.role])
        results[page.name] = time_page(
            app,
            counter,
            name=page.name,
            url=page.url.format(**facts),
            role=page.role,
            user=user,
            requests=requests,
            warmup=warmup,
        )
    return results
