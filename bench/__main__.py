"""``python -m bench``: build (or reuse) programme-sized databases, measure, report.

    python -m bench                      full scale, every measurement (make bench)
    python -m bench --scale 0.1          a tenth of the programme
    python -m bench --scale 0.02 --smoke statement counts only; fails on a difference (CI)

Figures are taken in one run and reported beside the floor (a page of the same
app that renders the layout and runs no query), because this machine is shared
and noisy: ratios taken in the same run hold where absolute times do not.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="share of the full programme (default 1)")
    parser.add_argument(
        "--compare-scale",
        type=float,
        help="the scale whose statement counts must equal these (default: a tenth of --scale)",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page (at least 30)")
    parser.add_argument("--load-seconds", type=int, default=20)
    parser.add_argument("--skip-load", action="store_true", help="no gunicorn/wrk load test")
    parser.add_argument("--skip-certificates", action="store_true", help="no certificate timings")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="count statements only (no timing, load or certificates); exit 1 if a count differs",
    )
    parser.add_argument("--data", type=Path, default=HERE / ".data", help="where databases are kept")
    parser.add_argument("--output", type=Path, help="where RESULTS.md and results.json go (default bench/)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    if args.smoke:
        args.skip_load = args.skip_certificates = True
    # The task queue is configured at import, from the environment: keep the
    # benchmark's own queue apart from any installation's.
    os.environ["TRAINING_INSTANCE_PATH"] = str(args.data.resolve() / "queue")
    os.environ["TRAINING_RATELIMITS"] = "off"
    os.environ.pop("TRAINING_REDIS_URL", None)

    from bench import pages
    from bench.data import Size
    from bench.database import app_for, prepare
    from bench.report import Report, write

    now = datetime.now(UTC)
    full = prepare(args.data, Size(args.scale, args.seed), now)
    small = prepare(args.data, Size(args.compare_scale or args.scale / 10, args.seed), now)
    report = Report(scale=args.scale, seed=args.seed, database=f"SQLite, {full.path}")
    report.notes.append(
        f"Compared with scale {small.size.scale:g} for statement counts."
        + (f" Built at full scale in {full.seconds:.0f} s." if full.seconds else "")
    )

    print("measuring pages...")
    timings = pages.measure(app_for(full.folder), full.facts, requests=1 if args.smoke else args.requests)
    counts = pages.measure(app_for(small.folder), small.facts, requests=2)
    floor = timings[pages.FLOOR.name]
    differing = []
    for page in (pages.FLOOR, *pages.PAGES):
        timing, other = timings[page.name], counts[page.name]
        same = timing.statements == other.statements
        if not same or timing.statements > pages.STATEMENT_LIMIT:
            differing.append(page.name)
        if not args.smoke:
            is_floor = page is pages.FLOOR
            report.add(
                "Pages in process",
                f"{page.name} p95",
                timing.p95_ms,
                "ms",
                "" if is_floor else f"<= {pages.P95_TARGET_MS:g} ms",
                None if is_floor else timing.p95_ms <= pages.P95_TARGET_MS,
                f"median {timing.median_ms:.1f} ms, {timing.median_ms / floor.median_ms:.1f}x the floor; "
                f"{timing.requests} requests as {timing.role}",
            )
        report.add(
            "SQL statements per page",
            page.name,
            timing.statements,
            "statements",
            f"<= {pages.STATEMENT_LIMIT}, equal at both scales",
            same and timing.statements <= pages.STATEMENT_LIMIT,
            f"{other.statements} at scale {small.size.scale:g}",
        )

    if not args.skip_certificates:
        certificate_figures(report, full, args)
    if not args.skip_load:
        load_figures(report, full, args)

    output = args.output or (Path(tempfile.mkdtemp(prefix="bench-smoke-")) if args.smoke else HERE)
    markdown, data = write(report, output)
    print(markdown.read_text())
    print(f"written: {markdown} and {data}")
    if differing:
        print(f"statement counts differ between scales or exceed {pages.STATEMENT_LIMIT}: {differing}")
        return 1
    return 0


def certificate_figures(report, full, args) -> None:
    from bench import certificates

    print("measuring certificates...")
    figures = certificates.measure(full, args.data)
    plain = figures.bare_plain_ms
    report.add(
        "Certificates",
        "issue one (draft, render, sign, store) / bare WeasyPrint render",
        figures.issue_ms / plain,
        "x",
        "<= 1.5",
        figures.issue_ms / plain <= 1.5,
        f"{figures.issue_ms:.1f} ms against {plain:.1f} ms for HTML(...).write_pdf(), WeasyPrint's defaults",
    )
    report.add(
        "Certificates",
        "issue one / render with the app's kept font configuration",
        figures.issue_ms / figures.bare_ms,
        "x",
        note=f"{figures.bare_ms:.1f} ms: what signing, tagging (PDF/UA) and storing add to the same render",
    )
    report.add(
        "Certificates",
        f"a {figures.bulk_issued}-trainee workshop through the task queue",
        figures.bulk_seconds,
        "s",
        "<= 5 s",
        figures.bulk_seconds <= 5 and figures.bulk_issued >= 60,
        f"{figures.bulk_workers} worker processes; from the job's creation to its end",
    )
    fastest = min((f for f in figures.fonts if f.embedded), key=lambda f: f.median_ms)
    for font in figures.fonts:
        notes = [
            f"{font.size_kb:.0f} KB",
            "fonts embedded and text readable: " + ("yes" if font.embedded else "NO"),
        ]
        if font is fastest:
            notes.append("fastest in this run")
        if not font.options:
            notes.append("what the app uses (core/pdf.py)")
        report.add(
            "Font options (WeasyPrint, same HTML)", font.name, font.median_ms, "ms", note="; ".join(notes)
        )


def load_figures(report, full, args) -> None:
    from bench import load, pages
    from bench.database import app_for
    from bench.measure import signed_in_client

    print(f"load test: gunicorn with 2 workers, wrk for {args.load_seconds} s per route...")
    app = app_for(full.folder)
    client = signed_in_client(app, pages.login_id(app, full.facts["trainee"]))
    client.get("/workshops")
    cookie = client.get_cookie("session")
    assert cookie is not None, "no session cookie"
    session = f"session={cookie.value}"
    server = load.Server(
        full.url,
        full.instance,
        workers=2,
        env={"TRAINING_SECRET_KEY": app.config["SECRET_KEY"]},
        log=args.data / "gunicorn.log",
    )
    try:
        routes = [
            ("floor: /about", "/about", None),
            ("workshop list (a trainee: the kept catalogue)", "/workshops", session),
            ("certificate verification", f"/verify/{full.facts['serial']}", None),
        ]
        results = {}
        for name, path, cookie_header in routes:
            status = load.status_of(server.base + path, cookie_header)
            if status != 200:
                raise RuntimeError(f"{path} answered {status} before the load test")
            results[name] = load.wrk(server.base, name, path, args.load_seconds, cookie=cookie_header)
        memory = server.peak_memory_mb()
    finally:
        server.stop()
    floor = results["floor: /about"]
    for name, result in results.items():
        ratio = result.requests_per_second / floor.requests_per_second
        target = name.startswith("workshop list")
        report.add(
            "Under load (gunicorn, 2 workers, wrk 16 connections)",
            f"{name}",
            result.requests_per_second,
            "requests/s",
            ">= 30% of the floor" if target else "",
            ratio >= 0.3 if target else None,
            f"{ratio:.0%} of the floor; p99 {result.p99_ms:.1f} ms; {result.errors} errors",
        )
    report.add(
        "Memory",
        "peak resident memory of a gunicorn worker (VmHWM)",
        memory,
        "MB",
        "<= 250 MB",
        memory <= 250,
        "after the load test at this scale",
    )


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent))
    sys.exit(main())
