"""``make audit``: known vulnerabilities in the pinned dependencies, offline-friendly.

pip-audit asks a vulnerability database on the internet. Without one (an offline
machine, a blocked proxy) it cannot tell anything, and that is not a finding: this
wrapper says what could not be audited and exits 0 with a warning. It exits 1 only
for a vulnerability actually found.

    python tools/audit_dependencies.py [-r requirements.txt] [--pip-audit "python -m pip_audit"]
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Summary:
    vulnerable: list[str] = field(default_factory=list)  # "name version: ID (fixed in ...)"
    not_audited: list[str] = field(default_factory=list)  # "name: why"
    audited: int = 0

    @property
    def exit_code(self) -> int:
        return 1 if self.vulnerable else 0


def summarise(report: dict[str, Any]) -> Summary:
    """What pip-audit's JSON report says, in three lists."""
    summary = Summary()
    for dependency in report.get("dependencies", []):
        name = dependency.get("name", "?")
        if "skip_reason" in dependency:
            summary.not_audited.append(f"{name}: {dependency['skip_reason']}")
            continue
        summary.audited += 1
        for vuln in dependency.get("vulns", []):
            fixed = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
            summary.vulnerable.append(
                f"{name} {dependency.get('version', '?')}: {vuln.get('id')} (fixed in {fixed})"
            )
    return summary


def run_pip_audit(command: list[str], requirements: Path) -> tuple[dict[str, Any] | None, str]:
    """pip-audit's JSON report, or None and why there is none."""
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "report.json"
        arguments = [
            *command,
            "--no-deps",
            "--disable-pip",
            "--progress-spinner=off",
            "--format=json",
            f"--output={output}",
            "-r",
            str(requirements),
        ]
        try:
            finished = subprocess.run(arguments, capture_output=True, text=True, timeout=600, check=False)  # noqa: S603  (pip-audit, with our own arguments)
        except (OSError, subprocess.TimeoutExpired) as error:
            return None, f"pip-audit could not run: {error}"
        if output.is_file() and output.stat().st_size:
            try:
                return json.loads(output.read_text()), ""
            except ValueError:
                pass
        lines = (finished.stderr or finished.stdout).strip().splitlines()
        return None, lines[-1] if lines else f"pip-audit stopped with status {finished.returncode}"


def report(summary: Summary, out: Any = None) -> None:
    out = out or sys.stdout
    if summary.vulnerable:
        print(f"VULNERABLE: {len(summary.vulnerable)} known vulnerabilit(ies):", file=out)
        for line in summary.vulnerable:
            print(f"  {line}", file=out)
    if summary.not_audited:
        print(
            f"WARNING: {len(summary.not_audited)} dependenc(ies) could not be audited "
            "(is the vulnerability database reachable?):",
            file=out,
        )
        for line in summary.not_audited:
            print(f"  {line}", file=out)
    if not summary.vulnerable:
        print(f"No known vulnerabilities in the {summary.audited} dependenc(ies) audited.", file=out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-r", "--requirements", type=Path, default=ROOT / "requirements.txt")
    parser.add_argument("--pip-audit", default=f"{shlex.quote(sys.executable)} -m pip_audit")
    args = parser.parse_args(argv)
    data, problem = run_pip_audit(shlex.split(args.pip_audit), args.requirements)
    if data is None:
        print(f"WARNING: nothing was audited. {problem}")
        print("Run `make audit` where the vulnerability database (PyPI) can be reached.")
        return 0
    summary = summarise(data)
    report(summary)
    return summary.exit_code


if __name__ == "__main__":
    sys.exit(main())
