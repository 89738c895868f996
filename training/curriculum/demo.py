"""Demo data for curriculum: called by `flask seed-demo`, idempotent.

Imports the shipped curriculum (an unchanged import changes nothing), then
leaves a draft with one edited question so that authoring and comparison have
something to show.
"""

from __future__ import annotations

from training.curriculum import services
from training.curriculum.cli import DEFAULT_PATH


def seed() -> list[str]:
    """Create what is missing; return lines for the report."""
    from training.demo import demo_user

    lines = []
    for outcome in services.import_folder(DEFAULT_PATH):
        state = "imported" if outcome.created else "already there"
        lines.append(f"Curriculum {outcome.slug}: version {outcome.version.number} {state}.")
        version = outcome.version
        if services.current_draft(version.curriculum) is None and version.number == 1:
            draft = services.start_draft(version, actor=demo_user("faculty@example.org"))
            module = draft.modules[0]
            question = module.questions[0]
            item = services.module_content(module)["questions"][0]
            item["explanation"] += " (Reworded by the faculty in the demo draft.)"
            services.save_question(module, question, item, actor=demo_user("faculty@example.org"))
            lines.append(f"Curriculum {outcome.slug}: draft {draft.label} started with one edited question.")
    return lines
