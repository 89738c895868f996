"""The assessment pages over HTTP: the tablet form, rater independence, disagreement,
sign-off and revocation, who may see what, and flat query counts."""

from __future__ import annotations

import csv
import io
import re
from datetime import time, timedelta

import pytest
import sqlalchemy as sa

from tests.support.statements import recorded_statements
from training.assessments.models import Assessment, SkillSignOff
from training.assessments.scale import DOMAIN_KEYS, OSATS_DOMAINS
from training.assessments.services import standard_of
from training.core.audit import AuditEvent
from training.core.db import utcnow
from training.extensions import db
from training.workshops.models import SessionKind


@pytest.fixture
def setting(make):
    version = make.curriculum_version(["MFAT-201", "NFAT-301"])
    # Began yesterday: its hands-on session has taken place, so assessments may be recorded.
    workshop = make.workshop(version=version, starts_on=utcnow().date() - timedelta(days=1))
    lab = make.session(workshop, kind=SessionKind.HANDS_ON, stations=2)
    trainees = make.enrolled_trainees(workshop, 2)
    for trainee in trainees:
        make.assign(lab.stations[0], trainee)
    skill = version.modules[0].skills[0]
    return workshop, lab, trainees, skill


def url(workshop, trainee, skill, suffix=""):
    return f"/assessments/workshops/{workshop.id}/trainees/{trainee.id}/skills/{skill.id}{suffix}"


def answers(lab, value="4", **overrides):
    """The form's answers for an attempt observed at ``lab`` (a session that has begun)."""
    form = {key: overrides.pop(key, value) for key in DOMAIN_KEYS}
    form.update(
        {
            "entrustment": "4",
            "competent": "yes",
            "feedback": "Keep the pressure low.",
            "steps": ["step-1"],
            "session_id": str(lab.id),
        }
    )
    form.update(overrides)
    return form


def test_the_form_shows_every_domain_with_its_anchors_the_checklist_and_entrustment(client, setting):
    workshop, lab, (trainee, _), skill = setting
    client.login(workshop.teacher)
    page = client.get(url(workshop, trainee, skill, f"/assess?session={lab.id}")).text
    for domain in OSATS_DOMAINS:
        assert f'<legend class="h6">{domain.title}</legend>' in page
        for score in (1, 3, 5):
            assert domain.anchors[score].replace("'", "&#39;") in page
        assert (
            len(
                re.findall(
                    rf'type="radio"[^>]*name="{domain.key}"|name="{domain.key}"[^>]*type="radio"', page
                )
            )
            == 6
        )
    assert page.count("Not applicable") == 7
    assert "Step 4" in page
    assert "4 “I needed to be there in the room just in case”" in page
    assert f'<option selected value="{lab.id}">' in page
    assert "<script>" not in page
    assert 'style="' not in page


def test_faculty_rates_a_trainee_and_is_sent_back_to_the_station(client, setting):
    workshop, lab, (trainee, _), skill = setting
    client.login(workshop.teacher)
    response = client.post(url(workshop, trainee, skill, f"/assess?session={lab.id}"), data=answers(lab))
    assert response.status_code == 302
    assert response.location.endswith(f"/assessments/sessions/{lab.id}")
    assessment = db.session.scalar(sa.select(Assessment))
    assert assessment.total == 28
    assert assessment.checklist == {"step-1": True, "step-2": False, "step-3": False, "step-4": False}
    station = client.get(f"/assessments/sessions/{lab.id}").text
    assert "Assessed 28/35" in station
    # The session teaches its first module: one skill, two trainees at the station.
    assert "You still have <strong>1</strong> assessment to make" in station


def test_missing_answers_are_marked_and_nothing_is_saved(client, setting):
    workshop, lab, (trainee, _), skill = setting
    client.login(workshop.teacher)
    form = answers(lab)
    del form["use_of_assistants"], form["competent"]
    form["respect_for_tissue"] = "7"
    response = client.post(url(workshop, trainee, skill, "/assess"), data=form)
    assert response.status_code == 422
    assert "Choose a score for use of assistants, or mark it not applicable." in response.text
    assert "Say whether the trainee is competent" in response.text
    assert 'id="respect_for_tissue-errors"' in response.text
    assert db.session.scalar(sa.select(sa.func.count(Assessment.id))) == 0


def test_an_edit_is_audited_and_the_history_shows_old_and_new(client, setting):
    workshop, lab, (trainee, _), skill = setting
    client.login(workshop.teacher)
    client.post(url(workshop, trainee, skill, "/assess"), data=answers(lab))
    edit = client.get(url(workshop, trainee, skill, "/assess")).text
    checked = re.findall(r"<input\b[^>]*\bchecked\b[^>]*>", edit)
    assert any('name="time_and_motion"' in tag and 'value="4"' in tag for tag in checked)
    assert any('name="competent"' in tag and 'value="yes"' in tag for tag in checked)
    assert any('name="steps"' in tag and 'value="step-1"' in tag for tag in checked)
    assert not any('value="step-2"' in tag for tag in checked)
    client.post(url(workshop, trainee, skill, "/assess"), data=answers(lab, time_and_motion="2"))
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "assessment.edited"))
    assert (event.old, event.new) == ({"time_and_motion": 4}, {"time_and_motion": 2})
    page = client.get(url(workshop, trainee, skill)).text
    assert "History" in page
    assert '<span class="change-old">4</span>' in page
    assert '<span class="change-new">2</span>' in page


def test_a_second_rater_does_not_see_the_first_rating_until_they_have_rated(client, make, setting):
    workshop, lab, (trainee, _), skill = setting
    second = make.faculty()
    with client.application.app_context():
        from training.workshops.models import Duty, WorkshopStaff

        db.session.add(WorkshopStaff(workshop_id=workshop.id, user_id=second.id, duty=Duty.FACULTY))
        db.session.commit()
    make.assessment(
        workshop, trainee, skill, workshop.teacher, respect_for_tissue=2, feedback="Too much force."
    )
    client.login(second)
    before = client.get(url(workshop, trainee, skill)).text
    assert "1 other rater has assessed this skill" in before
    assert "Too much force." not in before
    assert "Raters disagree" not in before
    client.post(url(workshop, trainee, skill, "/assess"), data=answers(lab, respect_for_tissue="4"))
    after = client.get(url(workshop, trainee, skill)).text
    assert "Too much force." in after
    assert "Raters disagree" in after
    assert "Respect for tissue (2 vs 4)" in after
    assert 'data-testid="disagree-respect_for_tissue"' in after
    assert 'data-testid="disagree-time_and_motion"' not in after


def test_the_certifier_signs_off_and_revokes_with_a_reason(client, setting):
    workshop, lab, (trainee, _), skill = setting
    client.login(workshop.teacher)
    client.post(url(workshop, trainee, skill, "/assess"), data=answers(lab))
    assessment = db.session.scalar(sa.select(Assessment))
    client.login(workshop.certifier)
    page = client.get(url(workshop, trainee, skill)).text
    assert "Sign the skill off" in page
    response = client.post(
        url(workshop, trainee, skill, "/sign-off"), data={"evidence_id": str(assessment.id)}
    )
    assert response.status_code == 302
    record = db.session.scalar(sa.select(SkillSignOff))
    assert record.assessment_id == assessment.id
    page = client.get(url(workshop, trainee, skill)).text
    assert f"Signed off</strong> by {workshop.certifier.full_name}" in page
    assert client.post(f"/assessments/sign-offs/{record.id}/revoke", data={"reason": ""}).status_code == 302
    db.session.refresh(record)
    assert record.standing
    client.post(f"/assessments/sign-offs/{record.id}/revoke", data={"reason": "Wrong station."})
    db.session.refresh(record)
    assert not record.standing
    page = client.get(url(workshop, trainee, skill)).text
    assert "Wrong station." in page
    assert "Not signed off yet." in page


def test_a_refused_sign_off_lists_its_reasons_on_the_page(client, setting):
    workshop, _, (trainee, _), skill = setting
    client.login(workshop.certifier)
    response = client.post(url(workshop, trainee, skill, "/sign-off"), data={"evidence_id": "1"})
    assert response.status_code == 422
    assert (
        "Choose the assessment that justifies the sign-off" in response.text
        or "Nobody has assessed" in response.text
    )
    assert db.session.scalar(sa.select(sa.func.count(SkillSignOff.id))) == 0


def test_plain_faculty_may_not_sign_off(client, setting, make):
    workshop, _, (trainee, _), skill = setting
    assessment = make.assessment(workshop, trainee, skill, workshop.teacher)
    client.login(workshop.teacher)
    assert "Sign the skill off" not in client.get(url(workshop, trainee, skill)).text
    response = client.post(
        url(workshop, trainee, skill, "/sign-off"), data={"evidence_id": str(assessment.id)}
    )
    assert response.status_code == 403


def test_faculty_of_another_workshop_can_neither_assess_nor_see(client, make, setting):
    workshop, lab, (trainee, _), skill = setting
    other = make.workshop()
    client.login(other.teacher)
    assert client.get(url(workshop, trainee, skill, "/assess")).status_code == 403
    assert client.post(url(workshop, trainee, skill, "/assess"), data=answers(lab)).status_code == 403
    assert client.get(url(workshop, trainee, skill)).status_code == 404
    assert client.get(f"/assessments/sessions/{lab.id}").status_code == 403
    assert client.get(f"/assessments/workshops/{workshop.id}/matrix").status_code == 403
    client.login(other.certifier)
    make.assessment(workshop, trainee, skill, workshop.teacher)
    assert client.post(url(workshop, trainee, skill, "/sign-off"), data={}).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(Assessment.id))) == 1


def test_a_trainee_sees_their_own_record_but_not_anothers(client, make, setting):
    workshop, _, (trainee, other), skill = setting
    make.assessment(workshop, trainee, skill, workshop.teacher, feedback="Lovely even passes.")
    client.login(trainee)
    page = client.get(url(workshop, trainee, skill)).text
    assert "Lovely even passes." in page
    assert "History" not in page
    assert "Sign the skill off" not in page
    assert client.get(url(workshop, other, skill)).status_code == 404
    assert client.get(url(workshop, trainee, skill, "/assess")).status_code == 403


def test_a_trainee_not_on_the_workshop_cannot_be_assessed(client, make, setting):
    workshop, _, _, skill = setting
    stranger = make.trainee()
    client.login(workshop.teacher)
    assert client.get(url(workshop, stranger, skill, "/assess")).status_code == 404


def test_progress_shows_radar_charts_trend_and_feedback(client, make, setting):
    workshop, _, (trainee, _), skill = setting
    make.assessment(workshop, trainee, skill, workshop.teacher, feedback="Work on the donor site.")
    make.assessment(workshop, trainee, skill, workshop.certifier, value=3)
    make.signed_off(workshop, trainee, skill)
    client.login(trainee)
    page = client.get("/assessments/progress").text
    assert '<svg class="radar"' in page
    assert f'aria-label="OSATS domain profile for {skill.title}"' in page
    assert "Work on the donor site." in page
    assert "24.5/35" in page  # the mean of 28 and 21
    assert "Signed off" in page


def test_progress_without_assessments_says_so(client, make):
    client.login(make.trainee())
    assert "You have not been assessed on a practical skill yet" in client.get("/assessments/progress").text


def test_matrix_shows_signed_off_and_assessed_cells(client, make, setting):
    workshop, _, (first, second), skill = setting
    make.assessment(workshop, first, skill, workshop.teacher)
    make.signed_off(workshop, first, skill)
    make.assessment(workshop, second, skill, workshop.teacher, competent=False)
    client.login(workshop.organizer)
    page = client.get(f"/assessments/workshops/{workshop.id}/matrix").text
    assert f'✓ Signed off<span class="visually-hidden">: {first.full_name}' in page
    assert f'● Assessed (0/1)<span class="visually-hidden">: {second.full_name}' in page
    assert "1 signed off" in page


def test_pages_take_as_many_queries_for_many_trainees_as_for_few(client, make, setting):
    workshop, lab, trainees, skill = setting

    def measure():
        pages = [
            f"/assessments/workshops/{workshop.id}/matrix",
            f"/assessments/sessions/{lab.id}",
            url(workshop, trainees[0], skill),
            url(workshop, trainees[0], skill, "/assess"),
            "/",
        ]
        counts = []
        for page in pages:
            with recorded_statements(client.application, selects_only=True) as statements:
                assert client.get(page).status_code == 200
            counts.append(len(statements))
        return counts

    for trainee in trainees:
        make.assessment(workshop, trainee, skill, workshop.teacher)
    client.login(workshop.certifier)
    few = measure()
    for trainee in make.enrolled_trainees(workshop, 6):
        make.assign(lab.stations[1], trainee)
        make.assessment(workshop, trainee, skill, workshop.teacher)
        make.signed_off(workshop, trainee, skill)
    many = measure()
    assert many == few
    assert max(many) <= 15, many

    client.login(trainees[0])
    with recorded_statements(client.application, selects_only=True) as small:
        client.get("/assessments/progress")
    other_version = make.curriculum_version(["MFAT-201", "NFAT-301"])
    other = make.workshop(version=other_version)
    make.enrolment(other, trainees[0])
    for module in other_version.modules:
        make.assessment(other, trainees[0], module.skills[0], other.teacher)
        make.assessment(other, trainees[0], module.skills[0], other.certifier)
    with recorded_statements(client.application, selects_only=True) as large:
        client.get("/assessments/progress")
    assert len(large) == len(small) <= 15


def test_signing_off_despite_disagreement_needs_a_review_and_a_note(client, make, setting):
    workshop, _, (trainee, _), skill = setting
    first = make.assessment(workshop, trainee, skill, workshop.teacher, respect_for_tissue=4)
    make.assessment(workshop, trainee, skill, workshop.certifier, respect_for_tissue=2, competent=False)
    client.login(workshop.certifier)
    page = client.get(url(workshop, trainee, skill)).text
    assert "I have reviewed the raters&#39; disagreement" in page
    refused = client.post(url(workshop, trainee, skill, "/sign-off"), data={"evidence_id": str(first.id)})
    assert refused.status_code == 422
    assert "The raters disagree by 2 points or more on respect for tissue." in refused.text
    assert "Judged not yet competent by" in refused.text
    no_note = client.post(
        url(workshop, trainee, skill, "/sign-off"),
        data={"evidence_id": str(first.id), "reviewed_disagreement": "y"},
    )
    assert "Say in the note why" in no_note.text
    assert db.session.scalar(sa.select(sa.func.count(SkillSignOff.id))) == 0
    signed = client.post(
        url(workshop, trainee, skill, "/sign-off"),
        data={
            "evidence_id": str(first.id),
            "reviewed_disagreement": "y",
            "note": "Watched a second harvest.",
        },
    )
    assert signed.status_code == 302
    record = db.session.scalar(sa.select(SkillSignOff))
    assert sorted(a.id for a in record.assessments) == sorted(
        db.session.scalars(sa.select(Assessment.id).where(Assessment.trainee_id == trainee.id))
    )


def test_the_dashboard_lists_the_labs_a_faculty_member_assesses_at(client, make, setting):
    workshop, _, (trainee, _), _ = setting
    ahead = make.session(workshop, kind=SessionKind.CADAVER_LAB, day=3, stations=1)
    make.session(workshop, kind=SessionKind.CADAVER_LAB, stations=1, title="Cancelled lab", cancelled=True)
    client.login(workshop.teacher)
    page = client.get("/").text
    assert f'href="/assessments/sessions/{ahead.id}"' in page
    assert "Cancelled lab" not in page
    client.login(make.faculty())
    assert "No hands-on or cadaver-lab session ahead" in client.get("/").text
    client.login(trainee)
    page = client.get("/").text
    assert "My practical skills" in page
    assert "Assess at the station" not in page


def test_revoking_asks_for_the_password_again_after_a_while_and_outsiders_cannot(client, make, setting):
    workshop, _, (trainee, _), skill = setting
    record = make.signed_off(workshop, trainee, skill)
    revoke = f"/assessments/sign-offs/{record.id}/revoke"
    client.login(make.workshop().certifier)
    assert client.post(revoke, data={"reason": "Not mine to revoke."}).status_code == 403
    client.login(workshop.certifier)
    with client.session_transaction() as browser_session:
        browser_session["password_confirmed_at"] = 0
    response = client.post(revoke, data={"reason": "Wrong trainee."})
    assert response.status_code == 302
    assert response.location.startswith("/confirm-password")
    db.session.refresh(record)
    assert record.standing


def test_the_matrix_downloads_as_a_csv_safe_for_spreadsheets(client, make, setting):
    workshop, _, (first, second), skill = setting
    with client.application.app_context():
        from training.accounts.models import User

        db.session.get(User, second.id).full_name = "=HYPERLINK(1)"
        db.session.commit()
    make.signed_off(workshop, first, skill)
    client.login(workshop.organizer)
    response = client.get(f"/assessments/workshops/{workshop.id}/matrix.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.text.removeprefix("\ufeff"))))
    assert rows[0][:3] == ["Trainee", "E-mail", f"MFAT-201/skill-1 {skill.title}"]
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name[first.full_name][2] == "signed off"
    assert by_name["'=HYPERLINK(1)"][2] == "not assessed"


def test_rating_a_session_that_has_not_started_is_refused_on_the_page(client, make, setting):
    workshop, lab, (trainee, _), skill = setting
    later = make.session(
        workshop,
        kind=SessionKind.HANDS_ON,
        day=3,
        start=time(16, 35),
        title="Afternoon harvest lab",
        stations=1,
    )
    client.login(workshop.teacher)
    assert 'data-testid="not-begun"' not in client.get(f"/assessments/sessions/{lab.id}").text
    station = client.get(f"/assessments/sessions/{later.id}").text
    assert "This session has not started yet." in station
    assert "16:35 Europe/Rome" in station
    page = client.get(url(workshop, trainee, skill, f"/assess?session={later.id}")).text
    assert "Afternoon harvest lab" in page
    assert "(not started yet)" in page
    response = client.post(url(workshop, trainee, skill, f"/assess?session={later.id}"), data=answers(later))
    assert response.status_code == 422
    assert "has not started yet: an assessment records an attempt you watched" in response.text
    assert 'id="session_id-errors"' in response.text
    assert db.session.scalar(sa.select(sa.func.count(Assessment.id))) == 0


def test_the_record_shows_not_applicable_domains_entrustment_words_and_the_standard(client, make, setting):
    workshop, _, (trainee, _), skill = setting
    rated = make.assessment(workshop, trainee, skill, workshop.teacher, use_of_assistants=None, entrustment=3)
    client.login(workshop.certifier)
    page = client.get(url(workshop, trainee, skill)).text
    assert "<strong>24/30</strong>" in page
    assert "n/a" in page
    assert "3 “I had to prompt them from time to time”" in page
    assert "The standard on this workshop: no applicable OSATS domain below 3 of 5" in page
    refused = client.post(url(workshop, trainee, skill, "/sign-off"), data={"evidence_id": str(rated.id)})
    assert refused.status_code == 422
    assert (
        "Below the competence standard: Entrustment is 3 “I had to prompt them from time to time”; "
        "the standard asks for 4 “I needed to be there in the room just in case” or higher."
    ) in refused.text.replace("&#34;", '"')
    assert db.session.scalar(sa.select(sa.func.count(SkillSignOff.id))) == 0


def test_the_organizer_raises_the_standard_with_the_certification_rules(client, setting):
    workshop, *_ = setting
    client.login(workshop.organizer)
    rules_url = f"/workshops/{workshop.id}/certificates/rules"
    page = client.get(rules_url).text
    assert "Competence standard for skill sign-offs" in page
    looser = client.post(
        rules_url, data={"quiz_policy": "marked", "min_domain_score": "2", "required_entrustment": "3"}
    )
    assert looser.status_code == 422
    assert services_standard(workshop) == (3, 4)
    saved = client.post(
        rules_url, data={"quiz_policy": "marked", "min_domain_score": "4", "required_entrustment": "5"}
    )
    assert saved.status_code == 302
    assert services_standard(workshop) == (4, 5)


def services_standard(workshop):
    db.session.expire_all()
    standard = standard_of(db.session.merge(workshop))
    return standard.min_domain_score, standard.required_entrustment
