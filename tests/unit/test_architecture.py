"""The code's shape, checked: dependencies point one way, modules stay readable, and a
pure module imports without the web, the task queue or the PDF engine (CONTRIBUTING.md)."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "training"
CAPABILITIES = sorted(
    path.name
    for path in PACKAGE.iterdir()
    if path.is_dir() and path.name not in ("migrations", "__pycache__")
)
# Libraries a function may import when it needs them, so that a process that never makes
# a PDF, signs one or queues a task never loads them.
HEAVY = ("weasyprint", "pyhanko", "pyhanko_certvalidator", "huey", "boto3")
MAX_LINES = 600


def modules() -> list[Path]:
    return sorted(
        path for path in PACKAGE.rglob("*.py") if "migrations" not in path.parts and path.name != "demo.py"
    )


def imported(node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.ImportFrom):
        return [node.module or ""]
    return [alias.name for alias in node.names]


def name(path: Path) -> str:
    return str(path.relative_to(PACKAGE.parent))


def test_the_lists_of_capabilities_and_modules_are_not_empty():
    assert {"core", "accounts", "workshops", "certificates"} <= set(CAPABILITIES)
    assert len(modules()) > 50


def test_core_imports_no_capability_but_accounts():
    allowed = {"core", "accounts"}
    found = []
    for path in (PACKAGE / "core").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import | ast.ImportFrom):
                for module in imported(node):
                    parts = [*module.split("."), ""]
                    if parts[0] == "training" and parts[1] in CAPABILITIES and parts[1] not in allowed:
                        found.append(f"{name(path)}:{node.lineno} imports {module}")
    assert found == []


def test_imports_sit_at_the_top_of_modules_except_heavy_libraries():
    # Except in the app factory: every ``import training.<capability>.rules`` runs
    # training/__init__.py, which must stay light for pure modules to stay pure.
    found = []
    for path in modules():
        if path == PACKAGE / "__init__.py":
            continue
        for function in ast.walk(ast.parse(path.read_text())):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.Import | ast.ImportFrom) and not all(
                    module.split(".")[0] in HEAVY for module in imported(node)
                ):
                    found.append(f"{name(path)}:{node.lineno} {', '.join(imported(node))}")
    assert found == []


def test_no_module_is_longer_than_a_newcomer_can_read():
    long = {name(path): n for path in modules() if (n := len(path.read_text().splitlines())) > MAX_LINES}
    assert long == {}


@pytest.mark.parametrize(
    "module", ["training.quizzes.rules", "training.curriculum.rules", "training.workshops.rules"]
)
def test_a_pure_module_imports_without_the_pdf_engine_or_the_task_queue(module):
    probe = (
        f"import sys, {module}\n"
        "print(sorted(m for m in ('weasyprint', 'pyhanko', 'huey', 'flask_sqlalchemy') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_building_the_app_loads_neither_the_pdf_engine_nor_the_task_queue(tmp_path):
    # A worker boots, and a CLI command runs, without them until a PDF or a task needs them.
    environment = {**os.environ, "TRAINING_INSTANCE_PATH": str(tmp_path)}
    probe = (
        "import sys, training\n"
        "training.create_app({'TESTING': True})\n"
        "print(sorted(m for m in ('weasyprint', 'pyhanko', 'huey', 'boto3') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=environment
    )
    assert result.stdout.strip() == "[]"


def view_modules() -> list[Path]:
    return [path for path in modules() if path.name.endswith("views.py")]


def test_views_leave_the_transaction_and_the_queries_to_others():
    # One commit per request, in core.web; queries in named service functions.
    found = [
        f"{name(path)}:{number}: {line.strip()}"
        for path in view_modules()
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if "db.session.commit(" in line or "sa.select(" in line
    ]
    assert len(view_modules()) > 10
    assert found == []


def test_only_a_handful_of_views_catch_refusals_themselves():
    # service_call shows a refusal; the few that remain show it somewhere special (an
    # htmx row, a page of its own with its status, a JSON answer whatever the client asks).
    caught = [
        name(path)
        for path in view_modules()
        for line in path.read_text().splitlines()
        if line.strip().startswith(("except DomainError", "except InvalidInput"))
    ]
    assert len(caught) <= 5, caught
