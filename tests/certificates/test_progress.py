"""The trainee's "my progress" page on a workshop: attendance so far, quizzes, skills and
what each certificate still needs, from real records and the certifiers' own rule."""

from __future__ import annotations

import re
from datetime import time, timedelta
from html import unescape

import pytest

from tests.support.statements import recorded_statements
from training.core.db import utcnow
from training.enrolments.models import EnrolmentState
from training.workshops.models import SessionKind


def text_of(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def section(html: str, testid: str, end: str = "p") -> str:
    return text_of(re.search(rf'data-testid="{testid}"[^>]*>(.*?)</{end}>', html, re.S).group(1))


@pytest.fixture
def course(make):
    """Began yesterday: two of three sessions of the first day held and marked, one to come."""
    version = make.curriculum_version(["MFAT-201", "NFAT-301"])
    workshop = make.workshop(
        version=version, title="Microfat, Lyon", starts_on=utcnow().date() - timedelta(days=1)
    )
    trainee = make.enrolment(workshop).trainee
    opening = make.session(workshop, title="Opening lecture", start=time(9, 0), minutes=60, mandatory=True)
    anatomy = make.session(
        workshop, title="Facial fat anatomy", start=time(11, 0), minutes=60, mandatory=True
    )
    make.session(workshop, title="Coffee", kind=SessionKind.BREAK, start=time(10, 0), minutes=30)
    make.session(workshop, title="Cadaver lab", day=2, start=time(9, 0), minutes=120, mandatory=True)
    make.attendance(opening, trainee, "present")
    make.attendance(anatomy, trainee, "absent")
    passed = make.quiz(workshop, title="Anatomy quiz", required_for_certificate=True)
    make.passed_quiz(passed, trainee)
    untaken = make.quiz(workshop, title="Harvesting quiz")
    skills = [skill for module in version.modules for skill in module.skills]
    make.signed_off(workshop, trainee, skills[0])
    return workshop, trainee, passed, untaken, skills


def test_the_trainee_sees_her_progress_with_links_to_act_on_it(client, course):
    workshop, trainee, passed, untaken, skills = course
    client.login(trainee)
    page = client.get(f"/workshops/{workshop.id}/progress")
    assert page.status_code == 200
    html = page.text
    assert section(html, "progress-attended").startswith("Attended 1 of 2 sessions held")
    assert "Facial fat anatomy" in section(html, "progress-missed", "div")
    assert section(html, "progress-to-come") == "Still to come or under way: 1 session, 1 of them mandatory."
    assert section(html, "progress-quizzes-passed") == "Passed 1 of 2 ."
    assert f'href="/quizzes/{passed.id}">Anatomy quiz</a>' in html
    assert f'href="/quizzes/{untaken.id}">Harvesting quiz</a>' in html
    assert "Not taken yet" in text_of(html)
    assert section(html, "progress-skills-signed") == f"Signed off 1 of {len(skills)} ."
    assert f'href="/attendance/mine#workshop-{workshop.id}"' in html
    assert 'href="/assessments/progress"' in html
    # What each certificate still needs, each with where to do it.
    competence = text_of(
        re.search(r'data-testid="progress-certificate-competence"(.*?)</ul>', html, re.S).group(1)
    )
    assert "Missed the mandatory session Facial fat anatomy" in competence
    assert f"Skill \u201c{skills[1].title} (NFAT-301)\u201d is not signed off. My skills" in competence
    assert "Has not confirmed the name to print on the certificate. Confirm my name" in competence
    assert f'href="/workshops/{workshop.id}/certificate-name">Confirm my name</a>' in html


def test_the_page_says_what_the_certifiers_table_says(client, course):
    workshop, trainee, *_ = course
    client.login(trainee)
    mine = re.findall(
        r'<span class="gap-text">(.*?)</span>', client.get(f"/workshops/{workshop.id}/progress").text
    )
    assert mine
    client.login(workshop.certifier)
    table = client.get(f"/workshops/{workshop.id}/certificates").text
    for gap in mine:
        assert gap in table, gap


def test_it_is_reachable_from_the_dashboard_and_the_workshop_page(client, course):
    workshop, trainee, *_ = course
    client.login(trainee)
    dashboard = client.get("/").text
    assert f'href="/workshops/{workshop.id}/progress">Microfat, Lyon</a>' in dashboard
    assert f'href="/workshops/{workshop.id}/progress"' in client.get(f"/workshops/{workshop.id}").text


def test_only_the_trainee_herself_has_a_progress_page(client, make, course):
    workshop, _trainee, *_ = course
    other_workshop = make.workshop()
    outsiders = [
        make.enrolment(other_workshop).trainee,  # another workshop's trainee
        make.enrolment(workshop, state=EnrolmentState.WAITLISTED).trainee,  # no seat yet
        workshop.organizer,
        workshop.certifier,
    ]
    for outsider in outsiders:
        client.login(outsider)
        assert client.get(f"/workshops/{workshop.id}/progress").status_code == 404
        assert f"/workshops/{workshop.id}/progress" not in client.get("/").text
    client.logout()
    assert client.get(f"/workshops/{workshop.id}/progress").status_code == 302


def test_the_page_needs_no_more_statements_with_more_records(app, client, make, course):
    workshop, trainee, passed, _untaken, skills = course
    client.login(trainee)
    url = f"/workshops/{workshop.id}/progress"
    client.get(url)
    with recorded_statements(app) as few:
        client.get(url)
    for trainee_more in make.enrolled_trainees(workshop, 4):
        make.passed_quiz(passed, trainee_more)
    for n in range(4):
        make.session(workshop, title=f"Extra {n}", day=n % 3, start=time(14 + n, 0), minutes=30)
    make.quiz(workshop, title="One more quiz")
    make.signed_off(workshop, trainee, skills[1])
    with recorded_statements(app) as many:
        assert "Passed 1 of 3" in text_of(client.get(url).text)
    assert len(many) == len(few), "\n".join(s[:150] for s in many)
    # 21: the login and the draft guard (2), the workshop with its staff and the seat (3),
    # attendance (3), quizzes (4), skills (5), names and evaluations (1), the rules and the
    # skills they require (2), certificates (1): what the eligibility table reads, for one trainee.
    assert len(many) <= 21, "\n".join(s[:150] for s in many)


def test_before_the_workshop_nothing_is_held_and_everything_is_to_come(client, make):
    workshop = make.workshop()  # a month from now
    make.session(workshop, mandatory=True)
    trainee = make.enrolment(workshop).trainee
    client.login(trainee)
    html = client.get(f"/workshops/{workshop.id}/progress").text
    assert section(html, "progress-attended").startswith("No session has been held yet.")
    assert section(html, "progress-to-come") == "Still to come or under way: 1 session, 1 of them mandatory."
    assert "This workshop has no quiz." in html
