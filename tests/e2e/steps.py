"""Steps several browser tests take the way a user would."""

from playwright.sync_api import expect


def log_out(page):
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
