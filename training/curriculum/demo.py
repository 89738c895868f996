"""Demo data for curriculum: called by `flask seed-demo`, idempotent.

Imports the archived first edition as version 1 when the curriculum is new, then the
shipped curriculum as version 2 (an unchanged import changes nothing), so the demo has
a history to compare and workshops use version 2. It then leaves a draft with one
edited question so that authoring and comparison have something to show.
"""

from __future__ import annotations

import sqlalchemy as sa

from training.curriculum import services
from training.curriculum.cli import DEFAULT_PATH
from training.curriculum.models import Curriculum
from training.demo import demo_user
from training.extensions import db

FIRST_EDITION = DEFAULT_PATH / "archive" / "regenerative-fat-grafting-v1"


def seed() -> list[str]:
    """Create what is missing; return lines for the report."""
    lines = []
    if (
        db.session.scalar(sa.select(Curriculum.id).where(Curriculum.slug == "regenerative-fat-grafting"))
        is None
    ):
        for outcome in services.import_folder(FIRST_EDITION):
            lines.append(
                f"Curriculum {outcome.slug}: version {outcome.version.number} (first edition) imported."
            )
    for outcome in services.import_folder(DEFAULT_PATH):
        state = "imported" if outcome.created else "already there"
        lines.append(f"Curriculum {outcome.slug}: version {outcome.version.number} {state}.")
        version = outcome.version
        if services.current_draft(version.curriculum) is None and outcome.created:
            draft = services.start_draft(version, actor=demo_user("faculty@example.org"))
            module = draft.modules[0]
            question = module.questions[0]
            item = services.module_content(module)["questions"][0]
            item["explanation"] += " (Reworded by the faculty in the demo draft.)"
            services.save_question(module, question, item, actor=demo_user("faculty@example.org"))
            lines.append(f"Curriculum {outcome.slug}: draft {draft.label} started with one edited question.")
    return lines
