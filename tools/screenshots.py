"""Screenshots of the main pages with the demo data, for docs/screenshots/ (`make screenshots`).

Builds a throwaway instance in a temporary folder (migrate, seed-demo), serves it on a free
local port, and photographs in Chromium, at 390 px (a phone) and 1366 px (a laptop):
the trainee's dashboard, a workshop page, faculty's roll call, a quiz in progress, and the
trainee's certificate (its PDF rendered to an image with pypdfium2).

    .venv/bin/python tools/screenshots.py [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import io
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
WIDTHS = (390, 1366)
TALLEST = 2400  # px: a long page is cut here, enough to judge it and keep the files small
TRAINEE = ("trainee@example.org", "microfat-trainee-demo")
FACULTY = ("certifier@example.org", "microfat-certifier-demo")
COMPLETED_WORKSHOP = "Nanofat and Microneedling Intensive"
UPCOMING_WORKSHOP = "Regenerative Fat Grafting Masterclass: Anatomy First"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def flask(env: dict[str, str], *args: str) -> None:
    command = [sys.executable, "-m", "flask", "--app", "training", *args]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)  # noqa: S603  (our own interpreter and flask commands)
    if result.returncode:
        sys.exit(f"flask {' '.join(args)} failed:\n{result.stdout}{result.stderr}")


@contextmanager
def demo_server():
    """The demo data served from a temporary instance folder; yields the base URL."""
    with tempfile.TemporaryDirectory(prefix="training-screenshots-") as instance:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "TRAINING_INSTANCE_PATH": instance,
            "TRAINING_DATABASE_URL": f"sqlite:///{Path(instance) / 'training.db'}",
            "TRAINING_RATELIMITS": "off",
            "TRAINING_ENV": "development",  # certificates may then link to this computer
            "TRAINING_BASE_URL": url,
        }
        env.pop("TRAINING_REDIS_URL", None)
        print(f"Demo data in {instance} ...", flush=True)
        flask(env, "db", "upgrade")
        flask(env, "seed-demo")
        server = subprocess.Popen(  # noqa: S603  (our own interpreter, fixed arguments)
            [sys.executable, "-m", "flask", "--app", "training", "run", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/healthz", timeout=2):  # noqa: S310  (our own server)
                        break
                except OSError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        sys.exit("The demo server did not start.")
                    time.sleep(0.3)
            yield url
        finally:
            server.terminate()
            server.wait(timeout=10)


def log_in(page, email: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name=re.compile("Welcome")).wait_for()


def shoot(page, out: Path, name: str) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        # Let the layout (and any image) settle at the new width before the picture.
        page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
        path = out / f"{name}-{width}.png"
        height = min(TALLEST, page.evaluate("document.documentElement.scrollHeight"))
        page.screenshot(
            path=str(path), full_page=True, clip={"x": 0, "y": 0, "width": width, "height": height}
        )
        print(f"  {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


def certificate_images(pdf: bytes, out: Path) -> None:
    import pypdfium2

    document = pypdfium2.PdfDocument(io.BytesIO(pdf))
    try:
        first = document[0]
        points_wide = first.get_width()
        for width in WIDTHS:
            image = first.render(scale=width / points_wide).to_pil()
            path = out / f"certificate-{width}.png"
            image.save(path, optimize=True)
            print(f"  {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    finally:
        document.close()


def photograph(url: str, out: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            trainee = browser.new_context(base_url=url, viewport={"width": 1366, "height": 900})
            page = trainee.new_page()
            log_in(page, *TRAINEE)
            shoot(page, out, "dashboard")

            page.goto("/workshops")
            page.get_by_role("link", name=UPCOMING_WORKSHOP).first.click()
            page.get_by_role("heading", name=UPCOMING_WORKSHOP).wait_for()
            shoot(page, out, "workshop")

            page.goto("/")
            page.get_by_role("link", name="Anatomy post-test").first.click()
            page.get_by_role("button", name=re.compile(r"^(Start|Continue)")).first.click()
            page.locator("fieldset.quiz-question").first.wait_for()
            # The first question with answer choices: questions come in a shuffled order, and
            # a hotspot question (a picture to click) has none.
            with_choices = page.locator(".form-check-label")
            question = page.locator("fieldset.quiz-question").filter(has=with_choices).first
            question.locator(".form-check-label").first.click()
            question.locator("[data-save-status]").filter(has_text="Saved").wait_for()
            shoot(page, out, "quiz")

            page.goto("/certificates")
            href = page.get_by_role("link", name="Download PDF").first.get_attribute("href")
            response = page.request.get(href)
            if not response.ok:
                sys.exit(f"The certificate did not download: {response.status}")
            certificate_images(response.body(), out)
            trainee.close()

            faculty = browser.new_context(base_url=url, viewport={"width": 1366, "height": 900})
            page = faculty.new_page()
            log_in(page, *FACULTY)
            page.goto(roll_call_url(page))
            page.locator("[data-roll-row]").first.wait_for()
            shoot(page, out, "roll-call")
            faculty.close()
        finally:
            browser.close()


def roll_call_url(page) -> str:
    """The roll call of the completed workshop's first session, reached as faculty reach it."""
    page.goto("/workshops?when=past")
    page.get_by_role("link", name=COMPLETED_WORKSHOP).first.click()
    page.locator("table.timetable-day a").first.click()
    return page.get_by_role("link", name="Roll call").first.get_attribute("href")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    if not os.path.exists(CHROMIUM):
        sys.exit(f"{CHROMIUM} is missing: apt-get install chromium")
    args.out.mkdir(parents=True, exist_ok=True)
    with demo_server() as url:
        photograph(url, args.out)


if __name__ == "__main__":
    main()
