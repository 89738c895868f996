"""Importing, validating and exporting curriculum folders; drafts and publishing."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image

from training.core.errors import Conflict, InvalidInput
from training.curriculum import files, services
from training.curriculum.cli import DEFAULT_PATH
from training.curriculum.models import (
    Curriculum,
    CurriculumVersion,
    Module,
    Question,
    QuestionKind,
    VersionState,
)
from training.extensions import db

SHIPPED = DEFAULT_PATH / "regenerative-fat-grafting"
BONE_STEM = (
    "    stem: In the programme's model of aging, facial bone resorbs and gives less support "
    "to the soft tissue above it.\n"
)
DOMAIN_CODES = [
    "ANAT-101",
    "SAFE-150",
    "MFAT-201",
    "MFAT-202",
    "NFAT-301",
    "NFAT-302",
    "NFAT-303",
    "CAL-401",
    "REGN-501",
    "EVID-601",
]


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    target = tmp_path / "regenerative-fat-grafting"
    shutil.copytree(SHIPPED, target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def line(path: Path, marker: str, back_to: str | None = None) -> int:
    """The 1-based line holding ``marker`` (or the nearest line above it holding ``back_to``)."""
    rows = path.read_text().splitlines()
    index = next(i for i, row in enumerate(rows) if marker in row)
    if back_to is not None:
        index = next(i for i in range(index, -1, -1) if back_to in rows[i])
    return index + 1


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def png(width: int = 64, height: int = 48) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (240, 200, 180)).save(buffer, format="PNG")
    return buffer.getvalue()


# --- the shipped curriculum ---


def test_the_shipped_curriculum_validates_clean():
    loaded = files.load(SHIPPED)
    assert loaded.problems == []
    modules = loaded.content["modules"]
    assert [m["code"] for m in modules] == DOMAIN_CODES


def test_the_shipped_curriculum_meets_the_teaching_bar():
    modules = {m["code"]: m for m in files.load(SHIPPED).content["modules"]}
    for code, module in modules.items():
        assert len(module["objectives"]) >= 3, code
        assert len(module["questions"]) >= 10, code
        objective_ids = {o["id"] for o in module["objectives"]}
        for question in module["questions"]:
            assert question["explanation"], (code, question["id"])
            assert question["objective"] in objective_ids
        tested = {q["objective"] for q in module["questions"]}
        assert tested == objective_ids, f"{code}: every objective is tested"
        assert module["references"], code
    assert sum(len(module["questions"]) for module in modules.values()) >= 100
    for code in ("MFAT-201", "NFAT-301", "NFAT-303"):
        assert modules[code]["skills"], code
        assert all(len(skill["checklist"]) >= 6 for skill in modules[code]["skills"]), code
    for module in modules.values():
        for skill in module["skills"]:
            assert len(skill["checklist"]) >= 6


def test_the_shipped_prerequisites_follow_the_module_map():
    modules = {m["code"]: set(m["prerequisites"]) for m in files.load(SHIPPED).content["modules"]}
    assert all("ANAT-101" in needs for code, needs in modules.items() if code != "ANAT-101")
    assert "MFAT-201" in modules["MFAT-202"]
    assert "MFAT-201" in modules["NFAT-301"]
    assert "NFAT-301" in modules["NFAT-302"]
    assert "NFAT-301" in modules["NFAT-303"]
    assert {"MFAT-202", "NFAT-302"} <= modules["CAL-401"]
    hands_on = ("MFAT-201", "MFAT-202", "NFAT-301", "NFAT-302", "NFAT-303")
    assert all("SAFE-150" in modules[code] for code in hands_on)
    assert "NFAT-302" in modules["REGN-501"]
    assert "NFAT-302" in modules["NFAT-303"]


def test_shipped_facts_agree_with_the_domain():
    """Spot checks of numbers that are easy to get wrong."""
    modules = {m["code"]: m for m in files.load(SHIPPED).content["modules"]}

    def answer(code: str, key: str) -> list[str]:
        question = next(q for q in modules[code]["questions"] if q["id"] == key)
        return [o["text"] for o in question["options"] if o["correct"]]

    assert answer("NFAT-303", "nfat303-periorbital") == ["0.25-0.5 mm"]
    assert answer("NFAT-303", "nfat303-cheeks") == ["1.0-1.5 mm"]
    assert "unknown" in answer("NFAT-303", "nfat303-durability")[0]
    assert "about 30 passes" in answer("NFAT-301", "nfat301-passes")[0]
    assert "2013" in answer("NFAT-301", "nfat301-authors")[0]
    assert answer("NFAT-302", "nfat302-inflammation-falls") == ["False"]
    assert answer("SAFE-150", "safe-lidocaine-dose") == ["About 420 mg (42 mL of 1%)"]
    assert "collagenase" in answer("CAL-401", "cal-define")[0]
    assert answer("MFAT-202", "mfat202-hyaluronidase") == ["False"]


# --- the command line ---


def test_validate_passes_on_the_shipped_files(app):
    result = app.test_cli_runner().invoke(args=["curriculum", "validate"])
    assert result.exit_code == 0, result.output
    assert "1 curriculum folder valid." in result.output


def test_a_broken_copy_gives_file_and_line_for_every_problem(app, copy):
    modules = copy / "modules"
    edit(
        modules / "04-mfat-202.yaml",
        "prerequisites: [ANAT-101, SAFE-150, MFAT-201]",
        "prerequisites: [ANAT-101, SAFE-150, MFAT-299]",
    )
    edit(modules / "05-nfat-301.yaml", "    objective: contents\n", "    objective: composition\n")
    edit(modules / "01-anat-101.yaml", "regions: [temple,", "regions: [knee, temple,")
    edit(
        modules / "03-mfat-201.yaml",
        '      - {id: b, text: "A 27 G needle aspirating from the dermis", correct: false}',
        '      - {id: b, text: "A 27 G needle aspirating from the dermis", correct: true}',
    )
    (modules / "11-broken.yaml").write_text("code: BRK-101\ntitle: [not closed\n")
    result = app.test_cli_runner().invoke(args=["curriculum", "validate", str(copy)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert lines[-1] == "5 problems found."
    where = "regenerative-fat-grafting/modules/"
    wrong_option = line(modules / "03-mfat-201.yaml", 'from the dermis", correct: true', back_to="options:")
    assert sorted(lines[:-1]) == [
        f"{where}01-anat-101.yaml:{line(modules / '01-anat-101.yaml', 'knee')}: "
        "unknown region 'knee' (not in the curriculum's vocabulary)",
        f"{where}03-mfat-201.yaml:{wrong_option}: "
        "a single-choice question needs exactly one correct option (it has 2)",
        f"{where}04-mfat-202.yaml:{line(modules / '04-mfat-202.yaml', 'MFAT-299')}: "
        "unknown prerequisite MFAT-299",
        f"{where}05-nfat-301.yaml:{line(modules / '05-nfat-301.yaml', 'composition')}: "
        "question nfat301-adipocytes tests unknown objective 'composition'",
        f"{where}11-broken.yaml:3: invalid YAML: expected ',' or ']', but got '<stream end>'",
    ]
    assert wrong_option > 60  # a real line deep in the file, not a placeholder


def test_import_is_idempotent_and_a_change_makes_a_new_version(app, session, copy):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["curriculum", "import", str(copy)])
    assert first.exit_code == 0, first.output
    assert "regenerative-fat-grafting: imported as version 1." in first.output
    question_ids = sorted(db.session.scalars(sa.select(Question.id)))
    counts = (count(CurriculumVersion), count(Module), count(Question))

    again = runner.invoke(args=["curriculum", "import", str(copy)])
    assert "unchanged (version 1)" in again.output
    assert (count(CurriculumVersion), count(Module), count(Question)) == counts

    edit(
        copy / "modules" / "07-nfat-303.yaml",
        "Periorbital skin is thin; 0.25-0.5 mm is the typical setting.",
        "Periorbital skin is thin, so 0.25-0.5 mm.",
    )
    changed = runner.invoke(args=["curriculum", "import", str(copy)])
    assert "imported as version 2" in changed.output
    v1, v2 = db.session.scalars(sa.select(CurriculumVersion).order_by(CurriculumVersion.number)).all()
    assert v1.content_hash != v2.content_hash
    assert v1.state is v2.state is VersionState.PUBLISHED
    # the old version keeps its rows and ids, untouched
    assert sorted(q.id for m in v1.modules for q in m.questions) == question_ids
    old = next(q for m in v1.modules for q in m.questions if q.key == "nfat303-periorbital")
    assert old.explanation == "Periorbital skin is thin; 0.25-0.5 mm is the typical setting."
    new = next(q for m in v2.modules for q in m.questions if q.key == "nfat303-periorbital")
    assert new.explanation == "Periorbital skin is thin, so 0.25-0.5 mm."


def test_an_invalid_curriculum_imports_nothing(app, session, copy, tmp_path):
    # two curricula: one fine, one broken; neither is written
    other = tmp_path / "other"
    shutil.copytree(copy, other)
    edit(other / "curriculum.yaml", "slug: regenerative-fat-grafting", "slug: other-curriculum")
    edit(other / "modules" / "10-evid-601.yaml", "planned_minutes: 90", "planned_minutes: ninety")
    result = app.test_cli_runner().invoke(args=["curriculum", "import", str(tmp_path)])
    assert result.exit_code == 1
    at = line(other / "modules" / "10-evid-601.yaml", "planned_minutes")
    assert (
        f"other/modules/10-evid-601.yaml:{at}: 'planned_minutes' must be a whole number, not text"
        in result.output
    )
    assert count(Curriculum) == count(CurriculumVersion) == count(Module) == 0


def test_export_validate_import_round_trips_to_an_identical_version(app, session, copy, tmp_path):
    image_name = "face-regions.png"
    (copy / "images").mkdir(exist_ok=True)
    (copy / "images" / image_name).write_bytes(png())
    edit(
        copy / "modules" / "01-anat-101.yaml",
        BONE_STEM,
        BONE_STEM + "    image: face-regions.png\n",
    )
    edit(
        copy / "modules" / "01-anat-101.yaml",
        "questions:\n",
        "questions:\n"
        "  - id: q-hotspot-temple\n    kind: hotspot\n    objective: visible-signs\n    refs: [G]\n"
        "    stem: Click the temple.\n    image: face-regions.png\n"
        "    hotspots:\n      - {shape: rect, x: 2, y: 2, w: 10, h: 10}\n"
        "      - {shape: polygon, points: [[20, 20], [30, 20], [25, 30]]}\n"
        "    explanation: The temple lies above the cheekbone (general anatomy).\n",
    )
    runner = app.test_cli_runner()
    assert runner.invoke(args=["curriculum", "import", str(copy)]).exit_code == 0
    (version,) = db.session.scalars(sa.select(CurriculumVersion)).all()
    out = tmp_path / "exported"
    result = runner.invoke(args=["curriculum", "export", "regenerative-fat-grafting", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "images" / image_name).read_bytes() == (copy / "images" / image_name).read_bytes()
    assert runner.invoke(args=["curriculum", "validate", str(out)]).exit_code == 0
    again = runner.invoke(args=["curriculum", "import", str(out)])
    assert "unchanged (version 1)" in again.output
    assert files.load(out).content == files.load(copy).content
    assert services.version_content(version) == files.load(out).content


def test_export_refuses_an_unknown_curriculum_or_a_full_folder(app, session, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["curriculum", "export", "nope", str(tmp_path / "x")])
    assert result.exit_code == 1
    assert "no such curriculum version" in result.output


def test_an_image_that_is_not_an_image_is_refused(app, copy):
    (copy / "images").mkdir(exist_ok=True)
    (copy / "images" / "fake.png").write_bytes(b"<html>not a picture</html>")
    edit(
        copy / "modules" / "01-anat-101.yaml",
        BONE_STEM,
        BONE_STEM + "    image: fake.png\n",
    )
    problems = [str(p) for p in files.load(copy).problems]
    at = line(copy / "modules" / "01-anat-101.yaml", "image: fake.png")
    assert problems == [
        f"regenerative-fat-grafting/modules/01-anat-101.yaml:{at}: image 'fake.png': "
        "This is not an image we can read: upload a PNG, JPEG, GIF or WebP file."
    ]


def test_a_huge_file_is_refused_before_it_is_parsed(copy):
    (copy / "modules" / "99-huge.yaml").write_text("# padding\n" * 40_000)
    problems = [str(p) for p in files.load(copy).problems]
    assert problems == [
        "regenerative-fat-grafting/modules/99-huge.yaml:1: "
        f"file is 400000 bytes; the limit is {files.MAX_YAML_BYTES}"
    ]


def test_a_file_that_is_not_utf8_is_refused(copy):
    (copy / "modules" / "99-latin.yaml").write_bytes("title: caf\xe9\n".encode("latin-1"))
    problems = [str(p) for p in files.load(copy).problems]
    assert len(problems) == 1
    assert "is not UTF-8 text" in problems[0]


def test_an_oversized_image_is_refused(copy):
    (copy / "images").mkdir(exist_ok=True)
    (copy / "images" / "big.png").write_bytes(b"\x89PNG" + b"0" * (files.MAX_IMAGE_BYTES + 1))
    edit(
        copy / "modules" / "01-anat-101.yaml",
        BONE_STEM,
        BONE_STEM + "    image: big.png\n",
    )
    (problem,) = files.load(copy).problems
    assert "the limit is" in problem.message


# --- drafts, authoring and publishing ---


@pytest.fixture
def shipped(ctx) -> CurriculumVersion:
    (outcome,) = services.import_folder(SHIPPED)
    db.session.commit()
    return outcome.version


def test_a_draft_is_a_copy_and_publishing_makes_a_new_version(ctx, make, shipped):
    author = make.faculty()
    draft = services.start_draft(shipped, actor=author)
    assert draft.state is VersionState.DRAFT
    assert draft.number == 2
    assert draft.based_on is shipped
    module = next(m for m in draft.modules if m.code == "NFAT-303")
    question = next(q for q in module.questions if q.key == "nfat303-periorbital")
    item = services.module_content(module)["questions"][module.questions.index(question)]
    item["stem"] = "How deep does surgical nanofat microneedling go?"
    services.save_question(module, question, item, actor=author)
    published = services.publish(draft, actor=author)
    db.session.commit()
    assert published.state is VersionState.PUBLISHED
    assert published.content_hash != shipped.content_hash
    old = next(
        q
        for m in shipped.modules
        if m.code == "NFAT-303"
        for q in m.questions
        if q.key == "nfat303-periorbital"
    )
    assert old.stem.startswith("You set up nanofat microneedling for the thin, crepey periorbital skin")
    comparison = services.compare_versions(shipped, published)
    assert [c.code for c in comparison.modules_changed] == ["NFAT-303"]
    assert comparison.modules_changed[0].questions_changed == ["nfat303-periorbital"]


def test_only_one_draft_at_a_time_and_published_versions_never_change(ctx, make, shipped):
    author = make.faculty()
    draft = services.start_draft(shipped, actor=author)
    with pytest.raises(Conflict, match="already being drafted"):
        services.start_draft(shipped, actor=author)
    with pytest.raises(Conflict, match="published and cannot change"):
        services.update_module(shipped.modules[0], {"title": "New"}, actor=author)
    with pytest.raises(Conflict, match="Nothing has changed"):
        services.publish(draft, actor=author)


def test_an_edit_is_checked_with_the_file_rules_and_keyed_by_field(ctx, make, shipped):
    author = make.faculty()
    draft = services.start_draft(shipped, actor=author)
    module = next(m for m in draft.modules if m.code == "MFAT-201")
    item = {
        "id": "q-new",
        "kind": "single",
        "objective": "nope",
        "stem": "",
        "explanation": "Why.",
        "options": [{"id": "a", "text": "One", "correct": True}, {"id": "b", "text": "Two", "correct": True}],
        "image": None,
        "hotspots": [],
    }
    with pytest.raises(InvalidInput) as caught:
        services.save_question(module, None, item, actor=author)
    assert caught.value.problems == {
        "objective": ["question q-new tests unknown objective 'nope'"],
        "stem": ["'stem' is required"],
        "options": ["a single-choice question needs exactly one correct option (it has 2)"],
        "refs": ["question q-new names no reference ('refs: [R1]')"],
    }
    with pytest.raises(InvalidInput) as caught:
        services.update_module(module, {"prerequisites": ["MFAT-201"], "planned_minutes": 0}, actor=author)
    assert caught.value.problems == {
        "planned_minutes": ["'planned_minutes' must be between 1 and 1440"],
        "prerequisites": ["MFAT-201 lists itself as a prerequisite"],
    }


def test_a_prerequisite_cycle_made_in_the_browser_is_refused(ctx, make, shipped):
    author = make.faculty()
    draft = services.start_draft(shipped, actor=author)
    anatomy = draft.modules[0]
    with pytest.raises(InvalidInput) as caught:
        services.update_module(anatomy, {"prerequisites": ["CAL-401"]}, actor=author)
    (message,) = caught.value.problems["prerequisites"]
    assert message.startswith("prerequisite cycle: ANAT-101 -> CAL-401")


def test_skills_keep_checklist_ids_and_discarding_removes_the_draft(ctx, make, shipped):
    author = make.faculty()
    draft = services.start_draft(shipped, actor=author)
    module = next(m for m in draft.modules if m.code == "MFAT-201")
    skill = module.skills[0]
    item = {
        "id": skill.key,
        "title": "Harvest",
        "description": "",
        "checklist": [{"id": "step-9", "text": "Only"}],
    }
    with pytest.raises(InvalidInput) as caught:
        services.save_skill(module, skill, item, actor=author)
    assert caught.value.problems == {
        "checklist": [
            "skill 'microfat-harvest' has no critical step (mark the must-pass steps 'critical: true')"
        ]
    }
    item["checklist"][0]["critical"] = True
    saved = services.save_skill(module, skill, item, actor=author)
    assert saved.id == skill.id
    assert saved.checklist == [{"id": "step-9", "text": "Only", "critical": True}]
    draft_id = draft.id
    services.discard(draft, actor=author)
    assert db.session.get(CurriculumVersion, draft_id) is None
    assert count(CurriculumVersion) == 1


def test_add_image_refuses_what_is_not_an_image(ctx, make, shipped):
    author = make.faculty()
    draft = services.start_draft(shipped, actor=author)
    with pytest.raises(InvalidInput, match="is not an image"):
        services.add_image(draft, "face.png", b"GIF89a but not really", actor=author)
    row = services.add_image(draft, "face.png", png(), actor=author)
    assert (row.width, row.height, row.media_type) == (64, 48, "image/png")
    assert set(services.version_images(draft)) == {"face.png", "face-arteries.png", "skin-layers.png"}


def test_hotspot_questions_survive_a_draft_copy(ctx, make, shipped):
    author = make.faculty()
    draft = services.start_draft(shipped, actor=author)
    services.add_image(draft, "face.png", png(), actor=author)
    module = draft.modules[0]
    item = {
        "id": "q-hot",
        "kind": "hotspot",
        "objective": "visible-signs",
        "stem": "Click the temple.",
        "explanation": "There.",
        "options": [],
        "image": "face.png",
        "hotspots": [{"shape": "circle", "cx": 10, "cy": 10, "r": 5}],
        "refs": ["S"],
    }
    saved = services.save_question(module, None, item, actor=author)
    assert saved.kind is QuestionKind.HOTSPOT
    assert saved.hotspots == item["hotspots"]
    services.publish(draft, actor=author)
    third = services.start_draft(draft, actor=author)
    copied = next(q for q in third.modules[0].questions if q.key == "q-hot")
    assert copied.hotspots == item["hotspots"]
    assert copied.id != saved.id


def test_seed_demo_imports_the_first_edition_then_the_shipped_curriculum_once(app, session):
    from training.workshops.models import Workshop

    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "Curriculum regenerative-fat-grafting: version 1 (first edition) imported." in first.output
    assert "Curriculum regenerative-fat-grafting: version 2 imported." in first.output
    second = runner.invoke(args=["seed-demo"])
    assert "version 2 already there" in second.output
    assert "first edition" not in second.output
    states = db.session.scalars(sa.select(CurriculumVersion.state).order_by(CurriculumVersion.number)).all()
    assert states == [VersionState.PUBLISHED, VersionState.PUBLISHED, VersionState.DRAFT]
    assert re.search(r"draft .* v3 started", first.output)
    # every demo workshop is planned with version 2, the shipped curriculum
    numbers = db.session.scalars(
        sa.select(CurriculumVersion.number).join(
            Workshop, Workshop.curriculum_version_id == CurriculumVersion.id
        )
    ).all()
    assert numbers
    assert set(numbers) == {2}


def test_workshops_pinned_to_version_1_keep_it_when_version_2_is_imported(ctx, make):
    from training.curriculum.demo import FIRST_EDITION

    (first,) = services.import_folder(FIRST_EDITION)
    db.session.commit()
    workshop = make.workshop(version=first.version)
    v1_questions = {q.key for m in first.version.modules for q in m.questions}
    (second,) = services.import_folder(SHIPPED)
    db.session.commit()
    assert (first.version.number, second.version.number) == (1, 2)
    assert second.version.format == 2
    assert first.version.format == 1
    db.session.expire_all()
    assert workshop.curriculum_version_id == first.version.id
    assert {m.version_id for m in workshop.modules} == {first.version.id}
    assert {q.key for m in first.version.modules for q in m.questions} == v1_questions
    assert "SAFE-150" not in {m.code for m in first.version.modules}
    assert "SAFE-150" in {m.code for m in second.version.modules}


def test_a_draft_a_workshop_already_uses_cannot_be_discarded(ctx, make, shipped):
    author = make.faculty()
    draft = services.start_draft(shipped, actor=author)
    db.session.commit()
    make.workshop(version=draft)
    with pytest.raises(Conflict, match="already used by 1 workshop"):
        services.discard(draft, actor=author)
    assert db.session.get(CurriculumVersion, draft.id) is not None


def test_a_copy_breaking_format_2_rules_is_refused_with_file_and_line(app, copy):
    modules = copy / "modules"
    edit(
        modules / "08-cal-401.yaml",
        "    refs: [R4]\n    stem: What is cell-assisted",
        "    refs: [R44]\n    stem: What is cell-assisted",
    )
    hypertension = '"A 50-year-old with well-controlled hypertension"'
    edit(
        modules / "02-safe-150.yaml",
        f"{hypertension}, correct: false}}",
        f"{hypertension}, correct: true}}",
    )
    harvest = modules / "03-mfat-201.yaml"
    harvest.write_text(harvest.read_text().replace("        critical: true\n", ""))
    result = app.test_cli_runner().invoke(args=["curriculum", "validate", str(copy)])
    assert result.exit_code == 1
    where = "regenerative-fat-grafting/modules/"
    assert result.output.strip().splitlines() == [
        f"{where}02-safe-150.yaml:{line(modules / '02-safe-150.yaml', 'id: safe-toxin') + 6}: "
        "every option of question safe-toxin-contraindications is correct; "
        "a multiple-answer item needs a wrong option",
        f"{where}03-mfat-201.yaml:{line(harvest, 'checklist:')}: skill 'microfat-harvest' has no critical "
        "step (mark the must-pass steps 'critical: true')",
        f"{where}08-cal-401.yaml:{line(modules / '08-cal-401.yaml', 'R44')}: "
        "question cal-define cites unknown reference 'R44' (the module lists R1, R4, R5, R6, S)",
        "3 problems found.",
    ]
