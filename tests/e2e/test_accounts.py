"""A newcomer signs up, logs out and in; the admin promotes someone and sees it logged."""

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.e2e.steps import log_out
from training import demo
from training.core.mail import OutboxMessage
from training.extensions import db

pytestmark = pytest.mark.e2e


def log_in(page, email, password):
    page.goto("/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_sign_up_log_out_and_log_in(page, live_app):
    page.goto("/")
    page.get_by_role("link", name="Sign up").click()
    page.get_by_label("Full name").fill("Dr. Inés Navarro")
    page.get_by_label("E-mail").fill("ines.navarro@example.org")
    page.get_by_label("Specialty").select_option("Oculoplastic surgery")
    page.get_by_label("Professional registration number").fill("CMM 28/1234567")
    page.get_by_label("Institution").fill("Hospital La Paz")
    page.get_by_label("Country").select_option(label="Spain")
    page.get_by_label("Password", exact=True).fill("eyelid-fat-graft-lecture")
    page.get_by_label("Repeat the password").fill("eyelid-fat-graft-lecture")
    page.get_by_role("button", name="Create my account").click()
    expect(
        page.get_by_text("Check your mail: we have sent a message to ines.navarro@example.org.")
    ).to_be_visible()

    # The link in the mail, as the newcomer would open it.
    with live_app.app_context():
        body = db.session.scalar(
            sa.select(OutboxMessage.body).where(OutboxMessage.recipient == "ines.navarro@example.org")
        )
        db.session.remove()
    page.goto(re.search(r"http://training\.test(/signup/confirm/\S+)", body).group(1))
    page.get_by_role("button", name="Confirm").click()

    expect(page.get_by_role("heading", name="Welcome, Dr. Inés Navarro")).to_be_visible()
    expect(page.get_by_text("You are signed in as trainee.")).to_be_visible()

    log_out(page)
    log_in(page, "ines.navarro@example.org", "wrong-password-typed")
    expect(page.get_by_text("The e-mail address or password is not correct")).to_be_visible()
    log_in(page, "INES.NAVARRO@example.org", "eyelid-fat-graft-lecture")
    expect(page.get_by_role("heading", name="Welcome, Dr. Inés Navarro")).to_be_visible()


def test_sign_up_errors_are_shown_beside_the_fields(page):
    page.goto("/signup")
    page.get_by_label("Password", exact=True).fill("password1234")
    page.get_by_label("Repeat the password").fill("password1234")
    page.get_by_role("button", name="Create my account").click()
    expect(page.locator("#full_name-errors")).to_have_text("This field is required.")
    expect(page.locator("#password-errors")).to_contain_text("This is a very common password.")


def test_admin_promotes_a_trainee_to_organizer_and_sees_it_in_the_audit_log(page, live_app):
    with live_app.app_context():
        demo.seed()
        db.session.commit()
    admin = next(a for a in demo.DEMO_ACCOUNTS if a.email == "admin@example.org")
    log_in(page, admin.email, admin.password)
    expect(page.get_by_test_id("user-menu")).to_be_visible()  # on the dashboard

    menu = page.get_by_role("navigation", name="Main")
    # Bootstrap's dropdowns work once its (deferred) script has run. Not the load event: a
    # download started from the page resets the frame's load state on some runs.
    page.wait_for_function("() => window.bootstrap !== undefined")
    menu.get_by_role("button", name="Administration").click()
    menu.get_by_role("link", name="People and roles").click()
    page.get_by_label("Search").fill("trainee@example.org")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"[?&]q=trainee%40example\.org"))
    page.get_by_role("link", name="Dr. Sofia Marín").click()

    page.get_by_label("Organizer").check()
    page.get_by_role("button", name="Save roles").click()
    expect(page.get_by_text("Roles of Dr. Sofia Marín saved.")).to_be_visible()

    # Bootstrap's dropdowns work once its (deferred) script has run. Not the load event: a
    # download started from the page resets the frame's load state on some runs.
    page.wait_for_function("() => window.bootstrap !== undefined")
    menu.get_by_role("button", name="Administration").click()
    menu.get_by_role("link", name="Audit log").click()
    row = page.get_by_role("row").filter(has_text="user.roles_changed")
    expect(row).to_contain_text("Ada Lindqvist")
    expect(row).to_contain_text(re.compile(r"Roles of Dr\. Sofia Marín: trainee -> organizer, trainee"))
