"""A draft workshop is invisible to everyone but its staff and admins: its sub-pages
answer 404 as its own page does, never 403 (which would say that it exists)."""

from __future__ import annotations

import pytest

from training.workshops.models import WorkshopState


def workshop_pages(app, method: str) -> list[str]:
    """Every route whose only part is the workshop's id, as a format string."""
    rules = []
    for rule in app.url_map.iter_rules():
        if method in rule.methods and rule.arguments == {"workshop_id"}:
            rules.append(rule.rule.replace("<int:workshop_id>", "{id}"))
    return sorted(rules)


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sub_pages_of_a_draft_answer_404_to_outsiders(app, client, make, method):
    draft = make.workshop(state=WorkshopState.DRAFT)
    published = make.workshop()
    pages = workshop_pages(app, method)
    assert len(pages) > 10
    if method == "GET":
        for expected in ("quizzes", "gradebook", "certificates", "evaluation"):
            assert any(expected in page for page in pages), expected
    outsiders = [make.trainee(), make.faculty(), make.organizer(), published.organizer]
    for outsider in outsiders:
        client.login(outsider)
        assert client.get(f"/workshops/{draft.id}").status_code == 404
        for page in pages:
            response = client.open(page.format(id=draft.id), method=method)
            assert response.status_code == 404, (outsider, page, response.status_code)
            response.close()


def test_a_draft_session_page_answers_404_to_outsiders(client, make):
    draft = make.workshop(state=WorkshopState.DRAFT)
    session = make.session(draft)
    client.login(make.trainee())
    assert client.get(f"/sessions/{session.id}").status_code == 404
    client.login(draft.organizer)
    assert client.get(f"/sessions/{session.id}").status_code == 200


def test_a_draft_workshops_quiz_answers_404_to_outsiders(client, make):
    draft = make.workshop(state=WorkshopState.DRAFT)
    quiz = make.quiz(draft)
    for outsider in (make.trainee(), make.faculty()):
        client.login(outsider)
        for page in (f"/quizzes/{quiz.id}", f"/quizzes/{quiz.id}/edit", f"/quizzes/{quiz.id}/analysis"):
            assert client.get(page).status_code == 404, page
        assert client.post(f"/quizzes/{quiz.id}/start").status_code == 404
