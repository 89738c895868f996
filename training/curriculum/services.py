"""Curriculum use cases: import, export, drafts, authoring and publishing, and what
the pages read.

This is the capability's public interface: other capabilities, templates and tests
call these names. The use cases live in content.py (reading a version back),
importing.py (folders in and out) and authoring.py (drafts and publishing). Every
change is validated with the same rules as the files; services flush, never commit.
"""

from __future__ import annotations

from training.curriculum.authoring import (
    add_image,
    current_draft,
    discard,
    draft_problems,
    publish,
    save_question,
    save_skill,
    start_draft,
    update_module,
)
from training.curriculum.content import (
    ImageSize,
    catalogue,
    compare_versions,
    find_version,
    image_file,
    image_names,
    image_sizes,
    load_module,
    load_version,
    load_versions,
    module_content,
    upcoming_workshops,
    validate_content,
    version_content,
    version_images,
)
from training.curriculum.importing import (
    CurriculumProblems,
    ImportOutcome,
    export_version,
    import_content,
    import_folder,
)

__all__ = [
    "CurriculumProblems",
    "ImageSize",
    "ImportOutcome",
    "add_image",
    "catalogue",
    "compare_versions",
    "current_draft",
    "discard",
    "draft_problems",
    "export_version",
    "find_version",
    "image_file",
    "image_names",
    "image_sizes",
    "import_content",
    "import_folder",
    "load_module",
    "load_version",
    "load_versions",
    "module_content",
    "publish",
    "save_question",
    "save_skill",
    "start_draft",
    "upcoming_workshops",
    "update_module",
    "validate_content",
    "version_content",
    "version_images",
]
