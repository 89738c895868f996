"""The benchmark's smoke run, as CI runs it: build two small programmes from the fixed
seed and check that every key page runs the same number of SQL statements at both
sizes (no N+1 query), and at most 15. Times are the benchmark's business, not this test's."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_key_pages_run_as_many_statements_at_either_scale(tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith("TRAINING_")}
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--scale",
            "0.02",
            "--smoke",
            "--data",
            str(tmp_path / "data"),
            "--output",
            str(tmp_path),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    results = json.loads((tmp_path / "results.json").read_text())
    counts = [f for f in results["figures"] if f["section"] == "SQL statements per page"]
    assert len(counts) == 11  # the floor, nine key pages, and the list as rendered for organizers
    assert all(f["passed"] for f in counts), counts
    floor = next(f for f in counts if f["name"].startswith("floor"))
    assert floor["value"] == 0
    assert all(0 < f["value"] <= 15 for f in counts if f is not floor)
    assert "Every target met." in (tmp_path / "RESULTS.md").read_text()
