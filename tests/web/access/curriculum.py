"""The curriculum pages in the access matrix.

Anonymous visitors may read the catalogue (what the programme teaches); the
content needs a sign-in; drafts, question banks (answer keys), comparison,
export and authoring are for faculty, organizers and admins (global roles).
"""

import io

from PIL import Image

from tests.web.access.common import Entry, everyone, only, signed_in
from training.curriculum.models import CurriculumImage, VersionState
from training.extensions import db

AUTHORS = ("faculty", "organizer", "admin")


def png_bytes(width: int = 40, height: int = 30) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 120, 90)).save(buffer, format="PNG")
    return buffer.getvalue()


def build(world, make) -> None:
    version = make.curriculum_version(["ANAT-101", "MFAT-201"])
    draft = make.curriculum_version(["ANAT-101", "MFAT-201"], state=VersionState.DRAFT)
    data = png_bytes()
    db.session.add(
        CurriculumImage(
            version_id=version.id,
            name="face.png",
            media_type="image/png",
            width=40,
            height=30,
            sha256="0" * 64,
            data=data,
        )
    )
    db.session.commit()
    world.curriculum_version_id = version.id
    world.curriculum_id = version.curriculum_id
    world.curriculum_module_id = version.modules[0].id
    world.draft_version_id = draft.id
    world.draft_curriculum_id = draft.curriculum_id
    world.draft_module_id = draft.modules[0].id
    world.draft_question_id = draft.modules[0].questions[0].id
    world.draft_skill_id = draft.modules[0].skills[0].id


AUTHORS_ONLY = only(*AUTHORS)
# An empty post is refused with the form shown again (200, as every form of the
# app does), its messages by the fields; nothing is saved.
AUTHORS_REFUSED_INPUT = only(*AUTHORS, status=200)
AUTHORS_REDIRECTED = only(*AUTHORS, status=302)

ENTRIES = {
    ("curriculum.catalogue", "GET"): Entry("/curricula", everyone(200)),
    ("curriculum.version", "GET"): Entry("/curricula/versions/{curriculum_version_id}", signed_in()),
    ("curriculum.prerequisite_graph", "GET"): Entry(
        "/curricula/versions/{curriculum_version_id}/prerequisites.svg", signed_in()
    ),
    ("curriculum.anatomy", "GET"): Entry("/curricula/versions/{curriculum_version_id}/anatomy", signed_in()),
    ("curriculum.module", "GET"): Entry("/curricula/modules/{curriculum_module_id}", signed_in()),
    ("curriculum.image", "GET"): Entry(
        "/curricula/versions/{curriculum_version_id}/images/face.png", signed_in()
    ),
    ("curriculum.compare", "GET"): Entry("/curricula/{curriculum_id}/compare", AUTHORS_ONLY),
    ("curriculum.export", "GET"): Entry(
        "/curricula/versions/{curriculum_version_id}/export.zip", AUTHORS_ONLY
    ),
    # A second author finds the draft already started and is sent to it.
    ("curriculum.start_draft", "POST"): Entry(
        "/curricula/versions/{curriculum_version_id}/draft", AUTHORS_REDIRECTED
    ),
    # Drafts are for authors only: a trainee may not read unpublished content.
    ("curriculum.edit_module", "GET"): Entry("/curricula/modules/{draft_module_id}/edit", AUTHORS_ONLY),
    ("curriculum.edit_module", "POST"): Entry(
        "/curricula/modules/{draft_module_id}/edit", AUTHORS_REFUSED_INPUT
    ),
    ("curriculum.new_question", "GET"): Entry(
        "/curricula/modules/{draft_module_id}/questions/new", AUTHORS_ONLY
    ),
    ("curriculum.new_question", "POST"): Entry(
        "/curricula/modules/{draft_module_id}/questions/new", AUTHORS_REFUSED_INPUT
    ),
    ("curriculum.edit_question", "GET"): Entry("/curricula/questions/{draft_question_id}/edit", AUTHORS_ONLY),
    ("curriculum.edit_question", "POST"): Entry(
        "/curricula/questions/{draft_question_id}/edit", AUTHORS_REFUSED_INPUT
    ),
    ("curriculum.new_skill", "GET"): Entry("/curricula/modules/{draft_module_id}/skills/new", AUTHORS_ONLY),
    ("curriculum.new_skill", "POST"): Entry(
        "/curricula/modules/{draft_module_id}/skills/new", AUTHORS_REFUSED_INPUT
    ),
    ("curriculum.edit_skill", "GET"): Entry("/curricula/skills/{draft_skill_id}/edit", AUTHORS_ONLY),
    ("curriculum.edit_skill", "POST"): Entry(
        "/curricula/skills/{draft_skill_id}/edit", AUTHORS_REFUSED_INPUT
    ),
    # Without a file (or with one that is not an image) the author is sent back with the reason.
    ("curriculum.upload_image", "POST"): Entry(
        "/curricula/versions/{draft_version_id}/images", AUTHORS_REDIRECTED
    ),
    # The first author publishes; the next ones are told it is already published.
    ("curriculum.publish", "POST"): Entry(
        "/curricula/versions/{draft_version_id}/publish", AUTHORS_REDIRECTED
    ),
    # The first author discards; the next ones are told there is no draft.
    ("curriculum.discard", "POST"): Entry(
        "/curricula/{draft_curriculum_id}/draft/discard", AUTHORS_REDIRECTED
    ),
}
