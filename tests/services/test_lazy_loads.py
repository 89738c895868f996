"""Relationships a request, a command or a task touches are loaded by the query that
loaded their object: a lazy load (the N+1 pattern) fails in development and in the
tests, and is logged in production (training.core.db)."""

from __future__ import annotations

import logging

import click
import pytest
import sqlalchemy as sa

from training.core.db import LazyLoadRefused, lazy_loads_watched, watching_lazy_loads
from training.enrolments.models import Enrolment
from training.extensions import db
from training.workshops.models import Workshop


def two_fresh_enrolments(make) -> list[int]:
    workshop = make.workshop()
    ids = [make.enrolment(workshop).id, make.enrolment(workshop).id]
    db.session.expunge_all()
    return ids


def test_loading_one_relationship_row_after_row_is_refused_and_named(app, make):
    first, second = two_fresh_enrolments(make)
    with app.test_request_context(), watching_lazy_loads():
        enrolments = [db.session.get(Enrolment, first), db.session.get(Enrolment, second)]
        assert enrolments[0].trainee.email  # one object's relationship: one query, allowed
        with pytest.raises(LazyLoadRefused, match=r"Enrolment\.trainee .*N\+1"):
            _ = enrolments[1].trainee


def test_what_the_query_named_loads_without_another_query(app, make):
    ids = two_fresh_enrolments(make)
    with app.test_request_context(), watching_lazy_loads():
        enrolments = db.session.scalars(
            sa.select(Enrolment).where(Enrolment.id.in_(ids)).options(sa.orm.joinedload(Enrolment.trainee))
        ).all()
        assert all(e.trainee.email for e in enrolments)


def test_the_same_object_reloading_after_a_commit_is_not_a_pattern(app, make):
    first, _second = two_fresh_enrolments(make)
    with app.test_request_context(), watching_lazy_loads():
        enrolment = db.session.get(Enrolment, first)
        assert enrolment.trainee.email
        db.session.commit()
        assert enrolment.trainee.email


def test_each_request_starts_afresh(app, make):
    first, second = two_fresh_enrolments(make)
    for enrolment_id in (first, second):
        with app.test_request_context(), watching_lazy_loads():
            assert db.session.get(Enrolment, enrolment_id).trainee.email


def test_relationships_declared_eager_reload_after_a_commit(app, make):
    workshop_id = make.workshop().id
    with app.test_request_context(), watching_lazy_loads():
        workshop = db.session.get(Workshop, workshop_id)
        db.session.commit()  # expires the workshop and its staff
        assert workshop.staff  # declared lazy="selectin": what every use needs
        assert workshop.curriculum_version.title  # declared lazy="joined"


def test_many_to_ones_found_in_the_session_run_no_query_and_pass(app, make):
    ids = two_fresh_enrolments(make)
    with app.test_request_context(), watching_lazy_loads():
        enrolments = [db.session.get(Enrolment, i) for i in ids]
        db.session.get(Workshop, enrolments[0].workshop_id)
        assert all(e.workshop.id == e.workshop_id for e in enrolments)


def test_a_production_site_logs_the_pattern_and_serves_the_page(app, make, caplog):
    ids = two_fresh_enrolments(make)
    app.config["LAZY_LOADS"] = "log"
    try:
        with app.test_request_context(), watching_lazy_loads(), caplog.at_level(logging.WARNING):
            assert all(db.session.get(Enrolment, i).trainee.email for i in ids)
    finally:
        app.config["LAZY_LOADS"] = "raise"
    assert "lazy load of Enrolment.trainee" in caplog.text


def test_development_refuses_and_production_logs_by_default(monkeypatch, tmp_path):
    from training.config import Config

    monkeypatch.setenv("TRAINING_SECRET_KEY", "x" * 40)
    monkeypatch.setenv("TRAINING_ENV", "development")
    assert Config(tmp_path).LAZY_LOADS == "raise"
    monkeypatch.setenv("TRAINING_ENV", "production")
    assert Config(tmp_path).LAZY_LOADS == "log"


def test_requests_and_commands_are_watched_unless_told_otherwise(app):
    with watching_lazy_loads(None):  # as a real process is: told nothing
        with app.app_context():
            assert not lazy_loads_watched()  # a test's or a shell's own code
        with app.test_request_context():
            assert lazy_loads_watched()
        with app.app_context(), click.Context(click.Command("demo")):
            assert lazy_loads_watched()
        with app.app_context(), watching_lazy_loads():  # a queued task
            assert lazy_loads_watched()
