"""The curriculum tables keep their invariants in the database."""

import pytest
import sqlalchemy as sa

from training.curriculum.models import Module
from training.extensions import db


def test_a_version_holds_its_modules_objectives_skills_and_questions(ctx, make):
    version = make.curriculum_version(["ANAT-101", "MFAT-201"])
    assert [m.code for m in version.modules] == ["ANAT-101", "MFAT-201"]
    module = version.modules[0]
    assert [o.key for o in module.objectives] == ["obj-1", "obj-2"]
    assert module.skills[0].identity == "ANAT-101/skill-1"
    assert module.questions[0].correct_option_ids == ["a"]
    assert module.kind_labels == ["Lecture", "Hands-on"]


def test_module_codes_are_unique_within_a_version(ctx, make):
    version = make.curriculum_version(["ANAT-101"])
    db.session.add(Module(version_id=version.id, code="ANAT-101", title="Again", planned_minutes=10))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_the_same_code_lives_on_in_a_new_version(ctx, make):
    first = make.curriculum_version(["ANAT-101"])
    second = make.curriculum_version(["ANAT-101"], curriculum=first.curriculum)
    assert second.number == 2
    assert first.modules[0].id != second.modules[0].id
    assert [v.number for v in first.curriculum.versions] == [1, 2]
