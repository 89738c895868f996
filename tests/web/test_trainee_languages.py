"""A Spanish trainee's path in Spanish: the workshop page, its timetable, a quiz and its
result (the words from the compiled catalogues, training/translations). English pages
are unchanged: the other tests read them."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from training.extensions import db
from training.quizzes.models import AttemptQuestion


@pytest.fixture
def setup(make, session):
    version = make.curriculum_version(["ANAT-101"], questions_per_module=3)
    workshop = make.workshop(version=version)
    trainee = make.enrolment(workshop).trainee
    trainee.language = "es"
    quiz = make.quiz(workshop, title="Anatomy post-test", time_limit_minutes=20, max_attempts=2)
    session.flush()
    return workshop, trainee, quiz


def html_lang(text: str) -> str:
    match = re.search(r'<html lang="([^"]+)"', text)
    assert match
    return match.group(1)


def test_a_spanish_trainee_reads_the_workshop_page_in_spanish(client, setup):
    workshop, trainee, _ = setup
    client.login(trainee)
    page = client.get(f"/workshops/{workshop.id}")
    assert page.status_code == 200
    assert html_lang(page.text) == "es"
    for words in ("Programa", "Zona horaria", "Plazas", "Profesorado y declaraciones de intereses"):
        assert words in page.text
    assert "Todas las horas están en la zona horaria de la sede" in page.text
    assert "All times are in the venue" not in page.text
    timetable = client.get(f"/workshops/{workshop.id}/timetable")
    assert "Día 1 ·" in timetable.text
    schedule = client.get("/schedule")
    assert "Mi horario" in schedule.text


def test_a_spanish_trainee_takes_a_quiz_in_spanish(client, setup):
    _, trainee, quiz = setup
    client.login(trainee)
    overview = client.get(f"/quizzes/{quiz.id}")
    assert "Nota de aprobado" in overview.text
    assert "Empezar el intento 1 de 2" in overview.text
    started = client.post(f"/quizzes/{quiz.id}/start")
    attempt_id = int(started.location.rsplit("/", 1)[1])
    attempt = client.get(f"/attempts/{attempt_id}")
    assert "Intento 1 · 3 preguntas" in attempt.text
    assert "Entregar intento" in attempt.text
    assert "Pregunta 1" in attempt.text
    question = db.session.scalars(
        sa.select(AttemptQuestion.question_id).where(AttemptQuestion.attempt_id == attempt_id)
    ).first()
    submitted = client.post(f"/attempts/{attempt_id}/submit", data={f"q-{question}": "a"})
    result = client.get(submitted.location)
    assert "Su intento se ha entregado y calificado." in result.text
    assert "puntos" in result.text
    assert re.search(r"(Aprobado|No aprobado)", result.text)


def test_the_kept_catalogue_is_kept_once_per_language(client, make):
    make.workshop(title="Microfat in Lisbon")
    english = client.get("/workshops")
    assert "Any country" in english.text
    spanish = client.get("/workshops", headers={"Accept-Language": "es"})
    assert "Cualquier país" in spanish.text
    assert "Any country" not in spanish.text
    assert "Any country" in client.get("/workshops").text
