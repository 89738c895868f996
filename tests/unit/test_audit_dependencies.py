"""``make audit`` (tools/audit_dependencies.py): fails only for a vulnerability found;
offline it warns, says what it could not audit, and passes."""

from __future__ import annotations

import importlib.util
import json
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("audit_dependencies", ROOT / "tools" / "audit_dependencies.py")
audit = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = audit  # dataclasses look their module up
spec.loader.exec_module(audit)

# The shapes pip-audit 2.10 writes with --format=json.
FOUND = {
    "dependencies": [
        {"name": "flask", "version": "3.1.3", "vulns": []},
        {
            "name": "jinja2",
            "version": "3.1.4",
            "vulns": [
                {"id": "GHSA-q2x7-8rv6-6q7h", "fix_versions": ["3.1.5"], "aliases": [], "description": ""}
            ],
        },
    ],
    "fixes": [],
}
OFFLINE = {
    "dependencies": [
        {
            "name": "flask",
            "skip_reason": "Dependency not found on PyPI and could not be audited: flask (3.1.3)",
        },
    ],
    "fixes": [],
}


def fake_pip_audit(tmp_path: Path, report: dict | None) -> str:
    """A stand-in for pip-audit that writes ``report`` where --output says (or fails)."""
    script = tmp_path / "pip_audit_stand_in.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import sys
            report = {json.dumps(json.dumps(report)) if report is not None else None}
            if report is None:
                sys.exit("ConnectionError: could not reach pypi.org")
            output = next(a.split("=", 1)[1] for a in sys.argv if a.startswith("--output="))
            open(output, "w").write(report)
            """
        )
    )
    return f"{sys.executable} {script}"


def test_a_vulnerability_fails_the_audit(tmp_path, capsys):
    summary = audit.summarise(FOUND)
    assert summary.vulnerable == ["jinja2 3.1.4: GHSA-q2x7-8rv6-6q7h (fixed in 3.1.5)"]
    assert summary.exit_code == 1
    assert audit.main(["--pip-audit", fake_pip_audit(tmp_path, FOUND)]) == 1
    assert "VULNERABLE" in capsys.readouterr().out


def test_dependencies_not_audited_are_listed_with_a_warning_and_pass(tmp_path, capsys):
    assert audit.main(["--pip-audit", fake_pip_audit(tmp_path, OFFLINE)]) == 0
    out = capsys.readouterr().out
    assert "WARNING: 1 dependenc(ies) could not be audited" in out
    assert "flask: Dependency not found on PyPI" in out


def test_an_unreachable_database_or_missing_pip_audit_warns_and_passes(tmp_path, capsys):
    assert audit.main(["--pip-audit", fake_pip_audit(tmp_path, None)]) == 0
    out = capsys.readouterr().out
    assert "WARNING: nothing was audited. ConnectionError: could not reach pypi.org" in out
    assert audit.main(["--pip-audit", str(tmp_path / "no-such-program")]) == 0
    assert "WARNING: nothing was audited" in capsys.readouterr().out
