"""axe-core (WCAG 2.1 A and AA) finds no serious or critical violation on any page of any
role: every page the access matrix opens to a role, in the matrix's world, served live
and rendered in Chromium with its styles and scripts."""

from __future__ import annotations

from collections import defaultdict
from types import SimpleNamespace

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from tests.e2e.steps import WAIT_MS, log_in
from tests.support import checkers, crawl
from tests.support.detached_factories import factories
from tests.web import access
from tests.web.access.common import ROLES

pytestmark = pytest.mark.e2e

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}
RUN_AXE = """async (tags) => {
    const results = await axe.run(document, {
        runOnly: {type: "tag", values: tags},
        resultTypes: ["violations"],
    });
    return results.violations.map((violation) => ({
        rule: violation.id,
        impact: violation.impact,
        help: violation.help,
        targets: violation.nodes.map((node) => node.target.join(" ")),
    }));
}"""


@pytest.fixture(scope="module", autouse=True)
def cached_static_files(live_app):
    """The browser keeps the stylesheets and scripts for the crawl instead of asking the
    server again on each of some 250 pages (the same files; only the asking is saved)."""
    live_app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 600
    yield
    live_app.config["SEND_FILE_MAX_AGE_DEFAULT"] = None


@pytest.fixture(scope="module")
def world(live_app):
    with factories(live_app) as make:
        built = access.build_world(make, live_app)
        people = {role: getattr(built, role) for role in ROLES if role != "anonymous"}
        return SimpleNamespace(
            targets=list(crawl.targets(built)),
            logins={role: (user.email, user.password) for role, user in people.items()},
        )


@pytest.fixture
def tab(browser, server):
    context = browser.new_context(base_url=server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(WAIT_MS)
    # axe-core in every document (not a <script> of the page's, which the CSP forbids).
    context.add_init_script(path=str(checkers.AXE_SCRIPT))
    page = context.new_page()
    # (address of the page at the time, message): a late message of a page left behind
    # (a browser asking a JSON address for its favicon) is not the next page's.
    page.errors = []
    page.on("console", lambda m: page.errors.append((page.url, m.text)) if m.type == "error" else None)
    page.on("pageerror", lambda error: page.errors.append((page.url, str(error))))
    yield page
    context.close()


@pytest.mark.parametrize("role", ROLES)
def test_no_serious_accessibility_violation_on_any_page(role, tab, world):
    if role != "anonymous":
        log_in(tab, *world.logins[role])
    checked: list[crawl.Target] = []
    found: dict[tuple[str, str], list[str]] = defaultdict(list)
    for target in (t for t in world.targets if t.role == role):
        if crawl.is_file(target.url):
            continue  # a PDF, a CSV, a calendar: not a page
        tab.errors.clear()
        try:
            response = tab.goto(target.url)
        except PlaywrightError as error:
            if "Download is starting" in str(error):
                continue  # served as an attachment
            raise
        assert response is not None
        assert response.status == 200, f"{target}: {response.status}"
        if not response.headers.get("content-type", "").startswith("text/html"):
            continue
        if not tab.evaluate("document.doctype !== null"):
            continue  # a fragment that htmx swaps into a page
        checked.append(target)
        for violation in tab.evaluate(RUN_AXE, WCAG_21_AA):
            if violation["impact"] in BLOCKING:
                key = (violation["rule"], violation["help"])
                found[key].extend(f"{target}: {selector}" for selector in violation["targets"])
        # A page that breaks its own scripts, or the CSP, shows it in the console.
        errors = [text for url, text in tab.errors if url == tab.url]
        found[("console", "an error in the browser's console")].extend(f"{target}: {e}" for e in errors)
    assert checked, f"no page to check as {role}"
    report = "\n".join(
        f"{len(places)} x {rule}: {help_text}\n    " + "\n    ".join(places[:8])
        for (rule, help_text), places in sorted(found.items(), key=lambda item: -len(item[1]))
        if places
    )
    assert not any(found.values()), f"axe {checkers.AXE_VERSION}, {len(checked)} pages as {role}:\n{report}"


def test_a_table_wider_than_a_phone_scrolls_from_the_keyboard(tab, world):
    log_in(tab, *world.logins["admin"])
    tab.set_viewport_size({"width": 390, "height": 800})
    tab.goto("/admin/users")
    wrapper = tab.locator(".table-responsive").first
    # On a phone the table scrolls sideways: its wrapper takes the focus, named after the page.
    expect(wrapper).to_have_attribute("tabindex", "0")
    expect(tab.get_by_role("region", name="People and roles (scrolls sideways)")).to_be_visible()
    wrapper.focus()
    tab.keyboard.press("ArrowRight")
    tab.wait_for_function("() => document.querySelector('.table-responsive').scrollLeft > 0")
    # On a laptop it fits: no tab stop that does nothing.
    tab.set_viewport_size({"width": 1366, "height": 800})
    expect(wrapper).not_to_have_attribute("tabindex", "0")
    expect(tab.get_by_role("region", name="People and roles (scrolls sideways)")).to_have_count(0)
