"""A select's blank option ("—", "Nobody in particular") means "none" when sent back as
the page offers it: the organizer's plain quiz is saved, not refused as an invalid choice."""

import re

import pytest
import sqlalchemy as sa

from tests.web.test_quizzes import quiz_form
from training.core.forms import choices, optional_int
from training.extensions import db
from training.quizzes.models import Quiz, QuizPurpose


def blank_option_value(html: str, select_name: str) -> str:
    select = re.search(rf'<select[^>]*name="{select_name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, f"no select {select_name} on the page"
    first = re.search(r'<option[^>]*value="([^"]*)"[^>]*>\s*—\s*</option>', select.group(1))
    assert first, f"no blank option in {select_name}"
    return first.group(1)


def test_a_plain_quiz_is_saved_with_the_module_tested_left_blank(client, make):
    version = make.curriculum_version(["ANAT-101"], questions_per_module=4)
    workshop = make.workshop(version=version)
    client.login(workshop.organizer)
    url = f"/workshops/{workshop.id}/quizzes/new"
    page = client.get(url)
    blank = blank_option_value(page.text, "purpose_module_id")
    assert blank == ""
    response = client.post(url, data=quiz_form(workshop.modules[0].id, purpose_module_id=blank))
    assert response.status_code == 302, re.findall(r"invalid-feedback[^>]*>([^<]*)", response.text)
    quiz = db.session.scalar(sa.select(Quiz).where(Quiz.workshop_id == workshop.id))
    assert quiz.purpose is QuizPurpose.PRACTICE
    assert quiz.purpose_module_id is None


def test_a_page_served_before_the_fix_still_saves(client, make):
    # Its blank option said value="None": an open browser tab sends that back.
    version = make.curriculum_version(["ANAT-101"], questions_per_module=4)
    workshop = make.workshop(version=version)
    client.login(workshop.organizer)
    response = client.post(
        f"/workshops/{workshop.id}/quizzes/new",
        data=quiz_form(workshop.modules[0].id, purpose_module_id="None"),
    )
    assert response.status_code == 302
    assert "could not coerce" not in response.text


def test_editing_a_quiz_shows_its_blank_module_selected(client, make):
    version = make.curriculum_version(["ANAT-101"], questions_per_module=4)
    workshop = make.workshop(version=version)
    client.login(workshop.organizer)
    client.post(f"/workshops/{workshop.id}/quizzes/new", data=quiz_form(workshop.modules[0].id))
    quiz = db.session.scalar(sa.select(Quiz).where(Quiz.workshop_id == workshop.id))
    page = client.get(f"/quizzes/{quiz.id}/edit")
    assert re.search(r'<option selected value="">—</option>|<option value="" selected>—</option>', page.text)


def test_none_is_the_blank_option_and_reads_back_as_none():
    assert [(c.value, c.label) for c in choices([(None, "—"), (3, "ANAT-101")])] == [
        ("", "—"),
        (3, "ANAT-101"),
    ]
    assert optional_int("") is None
    assert optional_int("None") is None
    assert optional_int(None) is None
    assert optional_int("12") == 12
    with pytest.raises(ValueError, match="twelve"):
        optional_int("twelve")
