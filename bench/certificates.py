"""Certificates: one issue against a bare render, font options, and a whole workshop
issued through the task queue. Runs on a copy of the database (issuing writes)."""

from __future__ import annotations

import io
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import Flask

from bench.database import Built, app_for

REPEATS = 9


@dataclass(frozen=True)
class FontOption:
    name: str
    options: dict[str, Any]
    median_ms: float
    size_kb: float
    embedded: bool  # every font is embedded, and the holder's name reads back from the PDF


@dataclass(frozen=True)
class CertificateFigures:
    issue_ms: float
    bare_ms: float  # WeasyPrint with the app's kept font configuration
    bare_plain_ms: float  # WeasyPrint's defaults: HTML(...).write_pdf()
    fonts: list[FontOption]
    bulk_seconds: float
    bulk_issued: int
    bulk_workers: int


def working_copy(built: Built, work: Path) -> Path:
    """A copy of the database and instance folder that issuing may change."""
    target = work / "issue-copy"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    shutil.copy2(built.path, target / "bench.db")
    shutil.copytree(built.instance, target / "instance")
    return target


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def fonts_embedded(document: bytes, expected_text: str) -> bool:
    """Each font of each page carries its font program, and the text extracts."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(document))
    for page in reader.pages:
        fonts = page.get("/Resources", {}).get_object().get("/Font", {}).get_object()
        for reference in fonts.values():
            font = reference.get_object()
            descendants = font.get("/DescendantFonts")
            if descendants:
                font = descendants[0].get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is None:
                return False
            descriptor = descriptor.get_object()
            if not any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")):
                return False
    text = " ".join(page.extract_text() or "" for page in reader.pages)
    return expected_text in " ".join(text.split())


def single_issue(app: Flask, facts: dict[str, Any]) -> tuple[float, float, float, list[FontOption]]:
    """Issue one certificate (rolled back each time) against a bare WeasyPrint render of
    the same HTML, in the same process with the same font cache; then font options."""
    from weasyprint import HTML

    from training.certificates import services
    from training.certificates.models import CertificateKind
    from training.core import pdf
    from training.extensions import db
    from training.workshops.models import Workshop

    kind = CertificateKind.ATTENDANCE
    with app.app_context(), app.test_request_context():
        workshop = db.session.get(Workshop, facts["issue"])
        trainees = services.eligible_to_issue(workshop, kind)
        if len(trainees) < REPEATS:
            raise RuntimeError(f"the issue workshop has {len(trainees)} eligible trainees, expected 60")
        needs = services.requirements(workshop)
        evidence = services.gather(workshop)
        issue_samples: list[float] = []
        snapshot: dict[str, Any] = {}
        for trainee in [trainees[0], *trainees[:REPEATS]]:  # the first is a warm-up
            started = time.perf_counter()
            certificate = services.issue_certificate(
                workshop, trainee, kind, actor=None, evidence=evidence, needs=needs
            )
            db.session.flush()
            issue_samples.append(time.perf_counter() - started)
            snapshot = dict(certificate.snapshot)
            db.session.rollback()
        html = services.certificate_html(snapshot)
        base = pdf.static_root().resolve().as_uri() + "/"

        def bare(**options: Any) -> bytes:
            return HTML(string=html, base_url=base).write_pdf(font_config=pdf.font_configuration(), **options)

        bare_samples, plain_samples = [], []
        for _ in range(REPEATS + 1):
            started = time.perf_counter()
            bare()
            bare_samples.append(time.perf_counter() - started)
            started = time.perf_counter()
            HTML(string=html, base_url=base).write_pdf()
            plain_samples.append(time.perf_counter() - started)
        fonts = []
        for name, options in (
            ("subset (WeasyPrint's default, HarfBuzz)", {}),
            ("subset with hinting", {"hinting": True}),
            ("full fonts, no subsetting", {"full_fonts": True}),
        ):
            samples, document = [], b""
            for _ in range(REPEATS):
                started = time.perf_counter()
                document = bare(**options)
                samples.append(time.perf_counter() - started)
            fonts.append(
                FontOption(
                    name,
                    options,
                    _median_ms(samples),
                    len(document) / 1024,
                    fonts_embedded(document, snapshot["name"]),
                )
            )
        db.session.remove()
    return _median_ms(issue_samples[1:]), _median_ms(bare_samples[1:]), _median_ms(plain_samples[1:]), fonts


def bulk_issue(copy: Path, facts: dict[str, Any], workers: int, log: Any = print) -> tuple[float, int]:
    """With a task consumer of ``workers`` processes running, queue the bulk issue of the
    ``issue`` workshop as its page does, and wait for the job: the seconds from the job's
    creation to its end (both as the app recorded them), and certificates issued."""
    import sqlalchemy as sa

    env = {
        **os.environ,
        "TRAINING_DATABASE_URL": f"sqlite:///{copy / 'bench.db'}",
        "TRAINING_INSTANCE_PATH": str(copy / "instance"),
        "TRAINING_SECRET_KEY": "bench-" + copy.name,
        # Its certificates link to this computer: allowed in development only.
        "TRAINING_ENV": "development",
    }
    env.pop("TRAINING_REDIS_URL", None)
    consumer_binary = Path(sys.executable).with_name("huey_consumer")
    log_path = copy / "consumer.log"
    consumer = subprocess.Popen(  # noqa: S603  (fixed arguments)
        # As `make worker` runs it (Makefile's CONSUMER).
        [
            str(consumer_binary),
            "training.tasks.huey",
            "--workers",
            str(workers),
            "--worker-type",
            "process",
            "--max-delay",
            "1",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log_path.open("w"),  # a file: a pipe nobody reads would fill and stall the workers
        start_new_session=True,  # its own process group: stopped with its workers, whatever happens
    )
    engine = sa.create_engine(f"sqlite:///{copy / 'bench.db'}")
    try:
        _wait_until_started(consumer, log_path)
        starter = subprocess.run(  # noqa: S603  (our own interpreter and module)
            [sys.executable, "-m", "bench.start_bulk", str(facts["issue"]), str(facts["admin"])],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        job_id = int(starter.stdout.strip().splitlines()[-1])
        deadline = time.monotonic() + 300
        query = sa.text("SELECT state, message, created_at, finished_at FROM jobs WHERE id = :id")
        while True:
            with engine.connect() as connection:
                job = connection.execute(query, {"id": job_id}).one()
            if job.state in ("done", "failed"):
                break
            if consumer.poll() is not None or time.monotonic() > deadline:
                tail = log_path.read_text()[-3000:]
                raise RuntimeError(f"the bulk issue did not finish: {job.state}, {job.message}\n{tail}")
            time.sleep(0.05)
        log(f"bulk issue: {job.state}: {job.message}")
        if job.state != "done":
            raise RuntimeError(f"the bulk issue failed: {job.message}")
        with engine.connect() as connection:
            issued = connection.execute(
                sa.text("SELECT count(*) FROM certificates WHERE workshop_id = :w"), {"w": facts["issue"]}
            ).scalar()
    finally:
        engine.dispose()
        os.killpg(consumer.pid, signal.SIGTERM)
        try:
            consumer.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(consumer.pid, signal.SIGKILL)
    seconds = (_moment(job.finished_at) - _moment(job.created_at)).total_seconds()
    return seconds, int(issued or 0)


def _wait_until_started(consumer: subprocess.Popen[bytes], log_path: Path) -> None:
    """Huey logs a line when its workers are up (the app is built before that)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and consumer.poll() is None:
        if "consumer started" in log_path.read_text().lower():
            return
        time.sleep(0.05)
    raise RuntimeError("the task consumer did not start: " + log_path.read_text()[-2000:])


def _moment(value: Any) -> datetime:
    """A time as SQLite returns it through a plain connection (text)."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def measure(built: Built, work: Path, log: Any = print) -> CertificateFigures:
    copy = working_copy(built, work)
    app = app_for(copy)
    issue_ms, bare_ms, plain_ms, fonts = single_issue(app, built.facts)
    with app.app_context():
        from training.extensions import db

        db.engine.dispose()
    workers = os.cpu_count() or 2
    seconds, issued = bulk_issue(copy, built.facts, workers, log)
    return CertificateFigures(issue_ms, bare_ms, plain_ms, fonts, seconds, issued, workers)
