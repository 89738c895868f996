"""Steps several browser tests take the way a user would."""

from playwright.sync_api import expect

from tests.support.factories.accounts import DEFAULT_PASSWORD

# How long an action, a navigation or an expectation may wait: Playwright's own default
# for actions. A page answers in well under a second; the bound is for a machine whose
# cores are shared with other work (a build server), where 5-10 s was seen to pass.
WAIT_MS = 30_000
expect.set_options(timeout=WAIT_MS)


def log_in(page, who, password: str | None = None) -> None:
    """Log in from the login page as ``who`` (an e-mail address, or a person with
    ``email`` and ``password``), and wait until the page shows it."""
    email = getattr(who, "email", who)
    password = password or getattr(who, "password", None) or DEFAULT_PASSWORD
    page.goto("/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    # Logged in before the caller's next navigation, which would otherwise cancel the login.
    expect(page.get_by_test_id("user-menu")).to_be_visible()


def log_out(page) -> None:
    """Log out from the account menu, which also ends the login on the server.

    Clearing the browser's cookies instead is not enough: a response still in flight
    (an image, a poll) sets the session cookie again, and the old login comes back.
    """
    # Bootstrap's dropdowns work once its (deferred) script has run. Not the load event: a
    # download started from the page resets the frame's load state on some runs.
    page.wait_for_function("() => window.bootstrap !== undefined")
    page.get_by_test_id("user-menu").click()
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You have logged out.")).to_be_visible()
