"""A trainee takes a timed post-test in Chromium: answers survive a reload, two
submissions give one result; faculty read the gradebook, the knowledge gain and an
item analysis that flags the question everyone answers correctly."""

import re
import threading
from contextlib import contextmanager
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect
from sqlalchemy.orm import sessionmaker

from tests.support.database import RollbackOnRemove
from tests.support.factories import Factories
from training.core.db import Session
from training.extensions import db
from training.quizzes.models import Attempt, AttemptState, QuizPurpose

pytestmark = pytest.mark.e2e


@contextmanager
def factories(app):
    """Factories on the live app's database: one session for the whole set-up (as the
    ``make`` fixture has), put back before the browser drives the server."""
    with app.app_context():
        engine = db.engine
    original = db.session
    mine = RollbackOnRemove(
        sessionmaker(class_=Session, db=db, bind=engine, query_cls=db.Query), scopefunc=lambda: "e2e-setup"
    )
    db.session = OnThisThread(mine, original)
    try:
        yield Factories(app)
    finally:
        mine.registry().close()
        db.session = original


class OnThisThread:
    """The set-up session for this thread; the server and the task consumer keep theirs."""

    def __init__(self, mine, original):
        self.owner, self.mine, self.original = threading.get_ident(), mine, original

    def current(self):
        return self.mine if threading.get_ident() == self.owner else self.original

    def __call__(self, *args, **kwargs):
        return self.current()(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.current(), name)


def log_in(page, user):
    page.goto("/login")
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Password").fill(user.password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name=re.compile("Welcome"))).to_be_visible()


def question(page, number):
    return page.locator("fieldset.quiz-question").nth(number - 1)


def test_timed_post_test_survives_a_reload_and_is_graded_once(page, live_app):
    with factories(live_app) as make:
        version = make.curriculum_version(["NFAT-301"], questions_per_module=4)
        workshop = make.workshop(version=version)
        trainee = make.enrolment(workshop).trainee
        module = version.modules[0]
        quiz = make.quiz(
            workshop,
            title="Nanofat post-test",
            time_limit_minutes=10,
            purpose=QuizPurpose.POST_TEST,
            purpose_module_id=module.id,
        )
        quiz_id = quiz.id
        trainee = SimpleNamespace(email=trainee.email, password=trainee.password)
    log_in(page, trainee)
    page.goto(f"/quizzes/{quiz_id}")
    page.get_by_role("button", name="Start attempt 1 of 1").click()
    timer = page.get_by_role("timer")
    expect(timer).to_contain_text(re.compile(r"Time left: (9:[0-5]\d|10:00)"))
    expect(timer).to_contain_text("Europe/Rome")

    # Halfway: two answers, each saved as it is chosen.
    for number in (1, 2):
        question(page, number).get_by_label("Right").check()
        expect(question(page, number).locator("[data-save-status]")).to_have_text("Saved")
    question(page, 3).get_by_label("Wrong", exact=True).check()
    expect(question(page, 3).locator("[data-save-status]")).to_have_text("Saved")
    attempt_url = page.url
    page.reload()
    for number in (1, 2):
        expect(question(page, number).get_by_label("Right")).to_be_checked()
    expect(question(page, 3).get_by_label("Wrong", exact=True)).to_be_checked()
    expect(question(page, 4).get_by_label("Right")).not_to_be_checked()

    # The same attempt open in a second tab, then handed in from both.
    other_tab = page.context.new_page()
    other_tab.goto(attempt_url)
    question(page, 4).get_by_label("Right").check()
    page.get_by_role("button", name="Submit attempt").click()
    expect(page.get_by_test_id("attempt-score")).to_have_text("75.00%")
    expect(page.get_by_test_id("attempt-outcome")).to_have_text("Passed")
    other_tab.get_by_role("button", name="Submit attempt").click()
    expect(other_tab.get_by_text("This attempt was already submitted")).to_be_visible()
    expect(other_tab.get_by_test_id("attempt-score")).to_have_text("75.00%")
    other_tab.go_back()
    other_tab.close()

    with live_app.app_context():
        attempts = db.session.scalars(sa.select(Attempt).where(Attempt.quiz_id == quiz_id)).all()
        assert [(a.state, a.closed_by) for a in attempts] == [(AttemptState.GRADED, "trainee")]


def test_faculty_see_gradebook_gain_and_the_item_everyone_gets_right(page, live_app):
    with factories(live_app) as make:
        version = make.curriculum_version(["MFAT-201"], questions_per_module=4)
        workshop = make.workshop(version=version)
        module = version.modules[0]
        pre = make.quiz(
            workshop, title="Microfat pre-test", purpose=QuizPurpose.PRE_TEST, purpose_module_id=module.id
        )
        post = make.quiz(
            workshop, title="Microfat post-test", purpose=QuizPurpose.POST_TEST, purpose_module_id=module.id
        )
        easy = module.questions[0].id
        names = []
        for i in range(5):
            trainee = make.enrolment(workshop).trainee
            names.append(trainee.full_name)
            make.attempt(pre, trainee, right=lambda q, i=i: q.id == easy or (q.position + i) % 4 == 0)
            make.attempt(post, trainee, right=lambda q, i=i: q.id == easy or q.position <= i)
        teacher = SimpleNamespace(email=workshop.teacher.email, password=workshop.teacher.password)
        workshop_id, post_id = workshop.id, post.id

    log_in(page, teacher)
    page.goto(f"/workshops/{workshop_id}/quizzes")
    page.get_by_role("link", name="Gradebook").click()
    expect(page.get_by_role("heading", name="Gradebook")).to_be_visible()
    row = page.get_by_role("row").filter(has_text=names[4])
    expect(row).to_contain_text("100.00%")
    page.get_by_label("Quiz", exact=True).select_option(label="Microfat post-test")
    expect(page.get_by_role("columnheader", name=re.compile("Microfat pre-test"))).to_have_count(0)
    page.get_by_label("Status").select_option("not_passed")
    expect(page.get_by_role("row").filter(has_text=names[4])).to_have_count(0)
    expect(page.get_by_role("row").filter(has_text=names[0])).to_have_count(1)

    page.goto(f"/workshops/{workshop_id}/quizzes")
    page.get_by_role("link", name="Knowledge gain").click()
    expect(page.get_by_text("5 paired trainee(s)")).to_be_visible()
    expect(page.locator("svg.gain-chart circle.gain-post")).to_have_count(5)

    page.goto(f"/quizzes/{post_id}")
    page.get_by_role("link", name="Item analysis").click()
    easy_row = page.locator('tr[data-question="q-1"]')
    expect(easy_row).to_contain_text("100%")
    expect(easy_row.locator(".badge")).to_contain_text(["too easy", "does not discriminate"])
    expect(page.locator('tr[data-question="q-3"] .badge')).to_have_count(0)
    expect(page.locator("svg.histogram rect.histogram-bar")).to_have_count(10)
