"""Browser tests: Debian's Chromium driven by Playwright, against the app served
over real HTTP on 127.0.0.1 with its own freshly migrated database."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from tests.e2e.steps import WAIT_MS
from tests.support import database
from tests.support.servers import LiveServer
from tests.support.tasks import run_pending
from training import create_app
from training.config import TestConfig
from training.extensions import db

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield chromium
        chromium.close()


class TaskConsumer:
    """Runs queued tasks in the live app, as `huey_consumer` would, from a thread."""

    def __init__(self, app) -> None:
        self.app = app
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.loop, daemon=True)

    def loop(self) -> None:
        while not self.stopping.wait(0.1):
            with self.app.app_context():
                run_pending()

    def __enter__(self) -> TaskConsumer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.thread.join(timeout=5)


@pytest.fixture(scope="module")
def live_app(run_dir, database_url, tmp_path_factory):
    name = "e2e"
    url = database.separate_url(database_url, run_dir, name)
    database.recreate(url, schema=name)
    app = create_app(TestConfig(tmp_path_factory.mktemp("e2e-instance"), url))
    with app.app_context():
        database.migrate_to_head()
    yield app
    with app.app_context():
        db.engine.dispose()
    database.drop(url, name)


@pytest.fixture(scope="module")
def server(live_app):
    from training.extensions import limiter

    limiter.reset()
    with LiveServer(live_app) as live, TaskConsumer(live_app):
        yield live


@pytest.fixture
def page(browser, server, request):
    context = browser.new_context(base_url=server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(WAIT_MS)
    tab = context.new_page()
    errors: list[str] = []
    refused_pages: set[str] = set()

    def note_refused_page(response) -> None:
        # A form answered 422 (or a page 403/404) shows its own message; Chromium also logs
        # the status to the console, which is not a broken page.
        if response.request.resource_type == "document" and 400 <= response.status < 500:
            refused_pages.add(response.url)

    def note_console(message) -> None:
        if message.type != "error":
            return
        if (
            message.text.startswith("Failed to load resource")
            and message.location.get("url") in refused_pages
        ):
            return
        errors.append(message.text)

    tab.on("response", note_refused_page)
    tab.on("console", note_console)
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()
    # A page that breaks its own scripts, or the CSP, shows it in the console.
    assert errors == [], errors
