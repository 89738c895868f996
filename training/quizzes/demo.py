"""Demo data for quizzes: called by `flask seed-demo`, idempotent."""

from __future__ import annotations


def seed() -> list[str]:
    """Create what is missing; return lines for the report."""
    return []
