"""What the Makefile would run, read with `make -n` (nothing is executed)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
_ANNOUNCED = re.compile(r"TRAINING_BASE_URL=(\S+?)\"?$", re.MULTILINE)


def clean_environment(**variables: str) -> dict[str, str]:
    """This process's environment without what would change the Makefile's choices
    (nor the variables an outer ``make test HOST=...`` passes down), plus ``variables``."""
    dropped = ("TRAINING_BASE_URL", "TRAINING_ENV", "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "HOST", "PORT")
    return {name: value for name, value in os.environ.items() if name not in dropped} | variables


def dry_run(target: str, *assignments: str, env: dict[str, str] | None = None) -> str:
    """``make -n``, by default in ``clean_environment()``."""
    make = shutil.which("make")
    assert make is not None, "make is missing: apt-get install make"
    if env is None:
        env = clean_environment()
    return subprocess.run(
        [make, "-n", "--no-print-directory", target, *assignments],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def derived_base_url(target: str, *assignments: str, env: dict[str, str] | None = None) -> str:
    """The TRAINING_BASE_URL that ``make <target> <assignments>`` announces and exports."""
    (url,) = _ANNOUNCED.findall(dry_run(target, *assignments, env=env))
    return url
