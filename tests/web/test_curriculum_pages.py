"""The curriculum pages: what each person sees, authoring with errors by the field,
publishing, and text that is shown, never executed."""

from __future__ import annotations

import io
import zipfile
from html import unescape

import pytest
import sqlalchemy as sa

from tests.web.access.curriculum import png_bytes
from training.curriculum import services
from training.curriculum.cli import DEFAULT_PATH
from training.curriculum.models import CurriculumImage, CurriculumVersion, Module, Question, VersionState
from training.extensions import db
from training.workshops.models import WorkshopState


@pytest.fixture
def shipped(app, session) -> int:
    with app.app_context():
        (outcome,) = services.import_folder(DEFAULT_PATH)
        db.session.commit()
        return outcome.version.id


def module_id(version_id: int, code: str) -> int:
    return db.session.scalar(sa.select(Module.id).where(Module.version_id == version_id, Module.code == code))


def text_of(response) -> str:
    return unescape(response.get_data(as_text=True))


def start_draft(client, version_id: int) -> int:
    response = client.post(f"/curricula/versions/{version_id}/draft")
    assert response.status_code == 302
    return int(response.location.rstrip("/").split("/")[-1])


def test_anonymous_visitors_see_the_catalogue_but_not_the_content(client, shipped):
    page = client.get("/curricula")
    assert page.status_code == 200
    assert "Regenerative Fat Grafting" in page.text
    assert "Log in</a> to read the modules" in page.text
    assert client.get(f"/curricula/versions/{shipped}").status_code == 302


def test_a_trainee_reads_a_module_but_not_its_answer_key(client, make, shipped):
    client.login(make.trainee())
    page = text_of(client.get(f"/curricula/modules/{module_id(shipped, 'NFAT-303')}"))
    assert "Select the microneedling depth for each region from skin thickness." in page
    assert "Sets the depth for each region (periorbital 0.25-0.5 mm" in page  # the skill checklist
    assert "NFAT-302" in page  # its prerequisite
    # key facts name their references, and the references are listed with their ids
    assert '<a class="ref small" href="#ref-R7">[R7]</a>' in page
    assert '<li id="ref-R11"><strong>R11</strong> Pahwa M' in page
    assert "Question bank" not in page
    assert "You set up nanofat microneedling for the thin, crepey periorbital skin" not in page


def test_faculty_see_the_question_bank_with_the_correct_answers(client, make, shipped):
    client.login(make.faculty())
    page = text_of(client.get(f"/curricula/modules/{module_id(shipped, 'NFAT-303')}"))
    assert "Question bank" in page
    assert "You set up nanofat microneedling for the thin, crepey periorbital skin" in page
    assert '<span class="visually-hidden">Correct:</span> 0.25-0.5 mm' in page
    assert "nfat303-periorbital · tests" in page
    assert 'rests on <a href="#ref-R7">R7</a>' in page
    assert '<span class="badge text-bg-warning">safety</span>' in page
    # the published version cannot be edited in place
    assert "Edit module" not in page


def test_the_module_page_lists_upcoming_workshops_that_teach_its_code(client, make, shipped, app):
    with app.app_context():
        version = db.session.get(CurriculumVersion, shipped)
        upcoming = make.workshop(version=version, title="Bologna nanofat course")
        make.workshop(version=version, title="Draft course", state=WorkshopState.DRAFT)
    client.login(make.trainee())
    page = client.get(f"/curricula/modules/{module_id(shipped, 'ANAT-101')}").text
    assert "Bologna nanofat course" in page
    assert "Draft course" not in page
    assert upcoming.timezone in page


def test_the_version_page_draws_the_prerequisite_path(client, make, shipped):
    client.login(make.trainee())
    page = client.get(f"/curricula/versions/{shipped}").text
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page
    assert page.count('<g data-code="') == 10
    assert "<title>MFAT-202 before CAL-401</title>" in page
    # implied by a longer path, so not drawn
    assert "<title>ANAT-101 before CAL-401</title>" not in page
    svg = client.get(f"/curricula/versions/{shipped}/prerequisites.svg")
    assert svg.mimetype == "image/svg+xml"
    assert svg.text.startswith('<?xml version="1.0"')


def test_the_anatomy_index_lists_modules_by_region(client, make, shipped):
    client.login(make.trainee())
    page = client.get(f"/curricula/versions/{shipped}/anatomy").text
    temple = page[page.index(">temple</dt>") : page.index("</dd>", page.index(">temple</dt>"))]
    assert "ANAT-101" in temple
    assert "MFAT-202" in temple
    assert "NFAT-303" not in temple


def test_a_faculty_member_edits_a_question_publishes_and_old_workshops_keep_the_old_one(
    client, make, shipped, app
):
    with app.app_context():
        workshop = make.workshop(version=db.session.get(CurriculumVersion, shipped))
    client.login(make.faculty())
    draft_id = start_draft(client, shipped)
    question_id = db.session.scalar(
        sa.select(Question.id)
        .join(Module)
        .where(
            Module.version_id == draft_id, Module.code == "NFAT-303", Question.key == "nfat303-periorbital"
        )
    )
    form = client.get(f"/curricula/questions/{question_id}/edit").text
    assert "You set up nanofat microneedling for the thin, crepey periorbital skin" in form
    assert 'value="R7"' in form
    response = client.post(
        f"/curricula/questions/{question_id}/edit",
        data={
            "kind": "single",
            "objective": "depth",
            "stem": "How deep does the microneedle go for nanofat on periorbital skin?",
            "options-0-text": "0.25-0.5 mm",
            "options-0-correct": "y",
            "options-1-text": "1.0-1.5 mm",
            "options-2-text": "2.0-2.5 mm",
            "options-3-text": "3.0 mm",
            "explanation": "Periorbital skin is thin.",
            "refs": "R7",
        },
    )
    assert response.status_code == 302, response.text
    published = client.post(
        f"/curricula/versions/{draft_id}/publish", data={"version_notes": "Reworded nfat303-periorbital."}
    )
    assert published.status_code == 302
    page = text_of(client.get(f"/curricula/versions/{draft_id}", follow_redirects=True))
    assert "is published. Workshops keep the version they were planned with." in page

    db.session.expire_all()
    new = db.session.get(CurriculumVersion, draft_id)
    assert new.state is VersionState.PUBLISHED
    assert new.version_notes == "Reworded nfat303-periorbital."
    # the workshop still points at v1, whose question is unchanged
    old_module = next(m for m in db.session.get(CurriculumVersion, shipped).modules if m.code == "NFAT-303")
    assert workshop.curriculum_version_id == shipped
    assert {m.version_id for m in db.session.get(type(workshop), workshop.id).modules} == {shipped}
    old_page = text_of(client.get(f"/curricula/modules/{old_module.id}"))
    assert "You set up nanofat microneedling for the thin, crepey periorbital skin" in old_page
    assert "How deep does the microneedle go" not in old_page
    compare = text_of(client.get(f"/curricula/{new.curriculum_id}/compare?old={shipped}&new={draft_id}"))
    assert "Questions changed: nfat303-periorbital" in compare


def test_question_errors_are_shown_next_to_their_fields(client, make, shipped):
    client.login(make.faculty())
    draft_id = start_draft(client, shipped)
    module = module_id(draft_id, "CAL-401")
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Question))
    response = client.post(
        f"/curricula/modules/{module}/questions/new",
        data={
            "kind": "single",
            "objective": "define-cal",
            "stem": "Which two?",
            "options-0-text": "One",
            "options-0-correct": "y",
            "options-1-text": "Two",
            "options-1-correct": "y",
            "explanation": "Because.",
        },
    )
    assert response.status_code == 200
    page = text_of(response)
    assert 'id="options-errors"' in page
    assert "a single-choice question needs exactly one correct option (it has 2)" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Question)) == before


def test_a_true_false_question_is_added_in_the_browser(client, make, shipped):
    client.login(make.faculty())
    draft_id = start_draft(client, shipped)
    module = module_id(draft_id, "CAL-401")
    response = client.post(
        f"/curricula/modules/{module}/questions/new",
        data={
            "kind": "true_false",
            "objective": "define-cal",
            "stem": "CAL enriches fat with SVF isolated by collagenase digestion.",
            "answer": "true",
            "explanation": "That is Yoshimura's definition.",
            "refs": "R4",
            "tags": "Safety",
        },
    )
    assert response.status_code == 302, response.text
    question = db.session.scalar(
        sa.select(Question).where(Question.module_id == module, Question.key == "q-12")
    )
    assert question.correct_option_ids == ["true"]
    assert (question.refs, question.tags) == (["R4"], ["safety"])


def test_a_question_citing_an_unknown_reference_is_refused_by_the_field(client, make, shipped):
    client.login(make.faculty())
    draft_id = start_draft(client, shipped)
    module = module_id(draft_id, "CAL-401")
    response = client.post(
        f"/curricula/modules/{module}/questions/new",
        data={
            "kind": "true_false",
            "objective": "define-cal",
            "stem": "A statement.",
            "answer": "true",
            "explanation": "Why.",
            "refs": "R99",
        },
    )
    assert response.status_code == 200
    page = text_of(response)
    errors = page[page.index('id="refs-errors"') :][:300]
    assert "question q-12 cites unknown reference 'R99' (the module lists R1, R4, R5, R6, S)" in errors


def test_a_module_edit_with_an_unmeasurable_verb_is_refused_by_the_field(client, make, shipped):
    client.login(make.faculty())
    draft_id = start_draft(client, shipped)
    module = module_id(draft_id, "EVID-601")
    form = client.get(f"/curricula/modules/{module}/edit").text
    assert "evidence-test | explain |" in unescape(form)
    response = client.post(
        f"/curricula/modules/{module}/edit",
        data={
            "title": "Evidence",
            "kinds": ["seminar"],
            "planned_minutes": "90",
            "regions": ["facial skin"],
            "prerequisites": ["ANAT-101"],
            "objectives": "evidence-test | understand | Understand evidence.\n"
            "photography | document | Document.\nvalues | list | List.\ntransparency | discuss | Discuss.",
        },
    )
    assert response.status_code == 200
    page = text_of(response)
    errors = page[page.index('id="objectives-errors"') :][:400]
    assert "'understand' cannot be measured" in errors


def test_a_skill_is_added_with_its_checklist(client, make, shipped):
    client.login(make.faculty())
    draft_id = start_draft(client, shipped)
    module = module_id(draft_id, "CAL-401")
    response = client.post(
        f"/curricula/modules/{module}/skills/new",
        data={"title": "Combined graft", "checklist": "Harvest\nPrepare nanofat\nMix\nPlace\nCheck\nRecord"},
    )
    # a format-2 skill needs a critical step
    assert response.status_code == 200
    assert "skill 'combined-graft' has no critical step" in text_of(response)
    response = client.post(
        f"/curricula/modules/{module}/skills/new",
        data={
            "title": "Combined graft",
            "checklist": "(critical) Harvest\nPrepare nanofat\nMix\nPlace\nCheck\nRecord",
        },
    )
    page = client.get(f"/curricula/modules/{module}").text
    assert "Combined graft" in page
    assert "<li>Prepare nanofat</li>" in page
    assert '<li>Harvest <span class="badge text-bg-danger">critical</span></li>' in page


def test_html_in_text_fields_is_shown_as_text(client, make, shipped):
    client.login(make.faculty())
    draft_id = start_draft(client, shipped)
    module = module_id(draft_id, "CAL-401")
    response = client.post(
        f"/curricula/modules/{module}/questions/new",
        data={
            "kind": "true_false",
            "objective": "define-cal",
            "stem": "<script>alert('x')</script> is <b>bold</b>?",
            "answer": "false",
            "explanation": "<img src=x onerror=alert(1)>",
            "refs": "R4",
        },
    )
    assert response.status_code == 302
    page = client.get(f"/curricula/modules/{module}").text
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; is &lt;b&gt;bold&lt;/b&gt;?" in page
    assert "<img src=x" not in page


def test_a_trainee_cannot_open_a_draft(client, make, shipped):
    client.login(make.faculty())
    draft_id = start_draft(client, shipped)
    client.logout()
    client.login(make.trainee())
    assert client.get(f"/curricula/versions/{draft_id}").status_code == 403
    assert client.get(f"/curricula/modules/{module_id(draft_id, 'ANAT-101')}").status_code == 403


def test_publishing_a_draft_with_problems_lists_them(client, make, shipped, app):
    client.login(make.faculty())
    draft_id = start_draft(client, shipped)
    with app.app_context():
        module = db.session.get(Module, module_id(draft_id, "CAL-401"))
        module.prerequisites = ["ANAT-101", "GONE-999"]
        db.session.commit()
    page = text_of(client.get(f"/curricula/versions/{draft_id}"))
    assert "This draft cannot be published yet" in page
    assert "unknown prerequisite GONE-999" in page
    response = client.post(f"/curricula/versions/{draft_id}/publish", follow_redirects=True)
    assert "unknown prerequisite GONE-999" in text_of(response)
    assert db.session.get(CurriculumVersion, draft_id).state is VersionState.DRAFT


def test_images_are_served_to_signed_in_users_only(client, make, shipped, app):
    with app.app_context():
        db.session.add(
            CurriculumImage(
                version_id=shipped,
                name="face.png",
                media_type="image/png",
                width=40,
                height=30,
                sha256="0" * 64,
                data=png_bytes(),
            )
        )
        db.session.commit()
    assert client.get(f"/curricula/versions/{shipped}/images/face.png").status_code == 302
    client.login(make.trainee())
    response = client.get(f"/curricula/versions/{shipped}/images/face.png")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert response.data == png_bytes()
    assert client.get(f"/curricula/versions/{shipped}/images/other.png").status_code == 404


def test_export_downloads_the_files_of_a_version(client, make, shipped):
    client.login(make.organizer())
    response = client.get(f"/curricula/versions/{shipped}/export.zip")
    assert response.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    assert "regenerative-fat-grafting/curriculum.yaml" in names
    assert "regenerative-fat-grafting/modules/07-nfat-303.yaml" in names


def test_discarding_a_draft(client, make, shipped):
    client.login(make.faculty())
    draft_id = start_draft(client, shipped)
    curriculum_id = db.session.get(CurriculumVersion, shipped).curriculum_id
    response = client.post(f"/curricula/{curriculum_id}/draft/discard", follow_redirects=True)
    assert "discarded" in text_of(response)
    assert db.session.get(CurriculumVersion, draft_id) is None


def test_no_hotspot_links_until_the_quizzes_pages_exist(client, make, shipped, app):
    client.login(make.faculty())
    draft_id = start_draft(client, shipped)
    page = client.get(f"/curricula/modules/{module_id(draft_id, 'ANAT-101')}").text
    has_quizzes = "quizzes.new_hotspot_question" in app.view_functions
    assert ("Add a hotspot question" in page) is has_quizzes
    assert "Add a question" in page


def test_an_uploaded_image_must_be_an_image(client, make, shipped):
    client.login(make.faculty())
    draft_id = start_draft(client, shipped)
    fake = client.post(
        f"/curricula/versions/{draft_id}/images",
        data={"image": (io.BytesIO(b"<svg onload=alert(1)>"), "Face.PNG")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "This is not an image we can read: upload a PNG, JPEG, GIF or WebP file." in text_of(fake)
    draft_images = sa.select(sa.func.count()).where(CurriculumImage.version_id == draft_id)
    assert db.session.scalar(draft_images) == 2  # the two diagrams copied from the published version
    real = client.post(
        f"/curricula/versions/{draft_id}/images",
        data={"image": (io.BytesIO(png_bytes()), "Face Regions.PNG")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "Image face_regions.png added" in text_of(real)
    module = module_id(draft_id, "CAL-401")
    form = client.get(f"/curricula/modules/{module}/questions/new").text
    assert '<option value="face_regions.png">face_regions.png</option>' in form
    response = client.post(
        f"/curricula/modules/{module}/questions/new",
        data={
            "kind": "true_false",
            "objective": "define-cal",
            "stem": "This picture shows a graft.",
            "answer": "true",
            "image": "face_regions.png",
            "explanation": "It does.",
            "refs": "S",
        },
    )
    assert response.status_code == 302
    page = client.get(f"/curricula/modules/{module}").text
    assert f'src="/curricula/versions/{draft_id}/images/face_regions.png"' in page


def test_a_trainee_cannot_see_a_draft_image(client, make, shipped):
    client.login(make.faculty())
    draft_id = start_draft(client, shipped)
    client.post(
        f"/curricula/versions/{draft_id}/images",
        data={"image": (io.BytesIO(png_bytes()), "face.png")},
        content_type="multipart/form-data",
    )
    assert client.get(f"/curricula/versions/{draft_id}/images/face.png").status_code == 200
    client.logout()
    client.login(make.trainee())
    assert client.get(f"/curricula/versions/{draft_id}/images/face.png").status_code == 403


def test_a_module_is_edited_in_the_browser_and_the_change_audited(client, make, shipped):
    client.login(make.faculty())
    draft_id = start_draft(client, shipped)
    module = module_id(draft_id, "EVID-601")
    response = client.post(
        f"/curricula/modules/{module}/edit",
        data={
            "title": "Evidence, follow-up and honest communication",
            "summary": "A seminar.",
            "kinds": ["seminar", "lecture"],
            "planned_minutes": "100",
            "regions": ["facial skin"],
            "layers": ["dermis"],
            "prerequisites": ["ANAT-101"],
            "objectives": "evidence-test | explain | Explain the microscope test.\n"
            "appraise | appraise | Appraise a claim.\nphotography | document | Document outcomes.\n"
            "transparency | discuss | Discuss what is experimental.\nassessment | describe | Describe OSATS.",
            "key_facts": "One fact. [G]\nAnother fact. [S, R1]",
            "references": "S: Seed article\nR1: Tonnard 2013\nR3: Martin 1997\nR6: Kolle 2013\n"
            "R9: Menkes 2020\nR13: Gofton 2012\n(general) G: Clinical photography conventions\n"
            "R99: Domain digest | https://example.org/digest",
        },
    )
    assert response.status_code == 302, text_of(response)
    saved = db.session.get(Module, module)
    db.session.refresh(saved)
    assert saved.title == "Evidence, follow-up and honest communication"
    assert saved.kinds == ["seminar", "lecture"]
    assert saved.planned_minutes == 100
    assert saved.key_facts == [
        {"text": "One fact.", "refs": ["G"]},
        {"text": "Another fact.", "refs": ["S", "R1"]},
    ]
    assert saved.references[6:] == [
        {"id": "G", "text": "Clinical photography conventions", "url": None, "general_knowledge": True},
        {
            "id": "R99",
            "text": "Domain digest",
            "url": "https://example.org/digest",
            "general_knowledge": False,
        },
    ]
    assert saved.objectives[0].text == "Explain the microscope test."
    from training.core.audit import AuditEvent

    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "curriculum.module_edited"))
    assert event.new["planned_minutes"] == 100
    assert event.old["planned_minutes"] == 90


def test_the_workshop_and_session_panels_name_the_version_and_modules(app, make, shipped):
    from flask import render_template

    with app.app_context():
        version = db.session.get(CurriculumVersion, shipped)
        workshop = make.workshop(version=version)
        session = make.session(workshop)
        with app.test_request_context():
            workshop = db.session.merge(workshop)
            panel = render_template("curriculum/_workshop_panel.html", workshop=workshop)
            assert "Regenerative Fat Grafting v1" in panel
            assert panel.count("<li>") == 10
            session = db.session.merge(session)
            session.modules = [version.modules[0]]
            assert "ANAT-101" in render_template("curriculum/_session_panel.html", session=session)
