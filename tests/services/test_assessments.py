"""Assessment services on a real database: rating, editing (audited), sign-off, revocation,
the evidence provider for certificates, and the reads behind the pages."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
import sqlalchemy as sa

from tests.support.statements import recorded_statements
from training.assessments import evidence, rules, services
from training.assessments.models import Assessment, SkillSignOff
from training.assessments.scale import DOMAIN_KEYS
from training.core.audit import AuditEvent
from training.core.db import utcnow
from training.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from training.core.evidence import SkillEvidence
from training.enrolments.models import EnrolmentState
from training.extensions import db
from training.workshops.models import SessionKind, WorkshopState


def data(lab, value=4, **overrides):
    """An assessment's answers, observed at ``lab`` (a session that has begun)."""
    scores = {key: overrides.pop(key, value) for key in DOMAIN_KEYS}
    values = {
        "session_id": lab.id,
        "entrustment": 4,
        "competent": True,
        "feedback": "Steady hands.",
        "done_steps": ["step-1", "step-2"],
    }
    values.update(overrides)
    return services.AssessmentData(scores=scores, **values)


@pytest.fixture
def world(make, ctx):
    version = make.curriculum_version(["MFAT-201", "NFAT-301"])
    # Began yesterday: its hands-on session has taken place, so assessments may be recorded.
    workshop = make.workshop(version=version, starts_on=utcnow().date() - timedelta(days=1))
    lab = make.session(workshop, kind=SessionKind.HANDS_ON, stations=2)
    trainees = make.enrolled_trainees(workshop, 2)
    workshop = db.session.merge(workshop)
    skills = services.workshop_skills(workshop)
    return workshop, lab, trainees, skills


def load(obj):
    return db.session.merge(obj)


# Rating ---------------------------------------------------------------------------------------


def test_faculty_records_an_assessment_with_every_checklist_step_and_an_audit_event(world):
    workshop, lab, (trainee, _), skills = world
    teacher = load(workshop.teacher)
    assessment, created = services.record_assessment(
        workshop, load(trainee), skills[0], data(lab, respect_for_tissue=2, session_id=lab.id), actor=teacher
    )
    assert created
    assert assessment.total == 2 + 6 * 4
    assert assessment.checklist == {"step-1": True, "step-2": True, "step-3": False, "step-4": False}
    assert assessment.session_id == lab.id
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "assessment.recorded"))
    assert event.target_id == assessment.id
    assert event.new["respect_for_tissue"] == 2


def test_editing_records_old_and_new_values_only_for_what_changed(world):
    workshop, lab, (trainee, _), skills = world
    teacher = load(workshop.teacher)
    services.record_assessment(workshop, load(trainee), skills[0], data(lab), actor=teacher)
    assessment, created = services.record_assessment(
        workshop, load(trainee), skills[0], data(lab, time_and_motion=2, feedback="Slow down."), actor=teacher
    )
    assert not created
    assert assessment.time_and_motion == 2
    edit = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "assessment.edited"))
    assert edit.old == {"time_and_motion": 4, "feedback": "Steady hands."}
    assert edit.new == {"time_and_motion": 2, "feedback": "Slow down."}
    assert db.session.scalar(sa.select(sa.func.count(Assessment.id))) == 1


def test_saving_unchanged_values_writes_no_edit_event(world):
    workshop, lab, (trainee, _), skills = world
    teacher = load(workshop.teacher)
    services.record_assessment(workshop, load(trainee), skills[0], data(lab), actor=teacher)
    services.record_assessment(workshop, load(trainee), skills[0], data(lab), actor=teacher)
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "assessment.edited")) is None


def test_a_second_rater_keeps_an_assessment_of_their_own(world):
    workshop, lab, (trainee, _), skills = world
    services.record_assessment(workshop, load(trainee), skills[0], data(lab), actor=load(workshop.teacher))
    services.record_assessment(
        workshop, load(trainee), skills[0], data(lab, 2), actor=load(workshop.certifier)
    )
    record = services.skill_record(workshop, load(trainee), skills[0])
    assert len(record.assessments) == 2
    assert [d.domain for d in record.disagreements] == list(DOMAIN_KEYS)


def test_only_faculty_of_the_workshop_may_assess(world, make):
    workshop, lab, (trainee, _), skills = world
    for outsider in (make.faculty(), workshop.organizer, make.admin()):
        with pytest.raises(NotAllowed):
            services.record_assessment(workshop, load(trainee), skills[0], data(lab), actor=load(outsider))


def test_a_trainee_without_a_confirmed_place_cannot_be_assessed(world, make):
    workshop, lab, _, skills = world
    waiting = make.enrolment(workshop, state=EnrolmentState.WAITLISTED).trainee
    stranger = make.trainee()
    for trainee in (waiting, stranger):
        with pytest.raises(Conflict, match="confirmed place"):
            services.record_assessment(
                workshop, load(trainee), skills[0], data(lab), actor=load(workshop.teacher)
            )


def test_a_skill_of_another_workshop_is_refused(world, make):
    workshop, lab, (trainee, _), _ = world
    foreign = make.curriculum_version(["CAL-401"])
    skill = load(foreign).modules[0].skills[0]
    with pytest.raises(NotFound):
        services.record_assessment(workshop, load(trainee), skill, data(lab), actor=load(workshop.teacher))


def test_cancelled_and_draft_workshops_take_no_assessments(world):
    workshop, lab, (trainee, _), skills = world
    for state in (WorkshopState.CANCELLED, WorkshopState.DRAFT):
        workshop.state = state
        with pytest.raises(Conflict, match="published or completed"):
            services.record_assessment(
                workshop, load(trainee), skills[0], data(lab), actor=load(workshop.teacher)
            )


def test_bad_scores_and_unknown_steps_are_all_reported(world, make):
    workshop, lab, (trainee, _), skills = world
    coffee = make.session(workshop, kind=SessionKind.BREAK)
    bad = data(lab, 9, entrustment=0, competent=None, done_steps=["step-99"], session_id=coffee.id)
    with pytest.raises(InvalidInput) as refused:
        services.record_assessment(workshop, load(trainee), skills[0], bad, actor=load(workshop.teacher))
    assert set(refused.value.problems) == {*DOMAIN_KEYS, "entrustment", "competent", "steps", "session_id"}
    assert db.session.scalar(sa.select(sa.func.count(Assessment.id))) == 0


def test_the_database_refuses_out_of_range_scores(world):
    workshop, _, (trainee, _), skills = world
    row = Assessment(
        workshop_id=workshop.id,
        trainee_id=trainee.id,
        skill_id=skills[0].id,
        assessor_id=workshop.teacher.id,
        checklist={},
        entrustment=3,
        competent=True,
        **dict.fromkeys(DOMAIN_KEYS, 4) | {"use_of_assistants": 6},
    )
    db.session.add(row)
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


# Signing off ----------------------------------------------------------------------------------


def test_the_certifier_signs_off_resting_on_a_competent_assessment_and_it_is_audited(world):
    workshop, lab, (trainee, _), skills = world
    first, _ = services.record_assessment(
        workshop, load(trainee), skills[0], data(lab), actor=load(workshop.teacher)
    )
    record = services.sign_off(
        workshop, load(trainee), skills[0], actor=load(workshop.certifier), evidence_id=first.id, note="Good."
    )
    assert record.standing
    assert record.assessment_id == first.id
    assert [a.id for a in record.assessments] == [first.id]
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "skill.signed_off"))
    assert event.new["evidence_assessment"] == first.id


def test_plain_faculty_may_not_sign_off(world):
    workshop, lab, (trainee, _), skills = world
    first, _ = services.record_assessment(
        workshop, load(trainee), skills[0], data(lab), actor=load(workshop.teacher)
    )
    with pytest.raises(NotAllowed):
        services.sign_off(
            workshop, load(trainee), skills[0], actor=load(workshop.teacher), evidence_id=first.id
        )


def test_sign_off_without_assessment_or_with_dissent_is_refused_with_every_reason(world):
    workshop, lab, (trainee, _), skills = world
    certifier = load(workshop.certifier)
    with pytest.raises(InvalidInput, match="Nobody has assessed"):
        services.sign_off(workshop, load(trainee), skills[0], actor=certifier, evidence_id=None)
    first, _ = services.record_assessment(
        workshop, load(trainee), skills[0], data(lab), actor=load(workshop.teacher)
    )
    services.record_assessment(
        workshop, load(trainee), skills[0], data(lab, competent=False, respect_for_tissue=2), actor=certifier
    )
    with pytest.raises(InvalidInput) as refused:
        services.sign_off(workshop, load(trainee), skills[0], actor=certifier, evidence_id=first.id)
    assert "respect for tissue" in refused.value.problems[None][0]
    record = services.sign_off(
        workshop,
        load(trainee),
        skills[0],
        actor=certifier,
        evidence_id=first.id,
        reviewed_disagreement=True,
        note="Re-watched.",
    )
    assert record.standing


def test_a_skill_cannot_be_signed_off_twice_but_can_again_after_revocation(world):
    workshop, lab, (trainee, _), skills = world
    certifier = load(workshop.certifier)
    first, _ = services.record_assessment(
        workshop, load(trainee), skills[0], data(lab), actor=load(workshop.teacher)
    )
    record = services.sign_off(workshop, load(trainee), skills[0], actor=certifier, evidence_id=first.id)
    with pytest.raises(InvalidInput, match="already signed off"):
        services.sign_off(workshop, load(trainee), skills[0], actor=certifier, evidence_id=first.id)
    with pytest.raises(InvalidInput, match="reason"):
        services.revoke_sign_off(record, actor=certifier, reason="  ")
    services.revoke_sign_off(record, actor=certifier, reason="Signed for the wrong trainee.")
    assert not record.standing
    assert record.revoked_by_id == certifier.id
    revoked = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "skill.sign_off_revoked"))
    assert revoked.new == {"standing": False, "reason": "Signed for the wrong trainee."}
    with pytest.raises(InvalidInput, match="already been revoked"):
        services.revoke_sign_off(record, actor=certifier, reason="Again")
    again = services.sign_off(workshop, load(trainee), skills[0], actor=certifier, evidence_id=first.id)
    assert again.id != record.id


def test_the_database_holds_one_standing_sign_off(world, make):
    workshop, _, (trainee, _), skills = world
    record = make.signed_off(workshop, trainee, skills[0])
    db.session.add(
        SkillSignOff(
            workshop_id=workshop.id,
            trainee_id=trainee.id,
            skill_id=skills[0].id,
            assessment_id=record.assessment_id,
            signed_by_id=workshop.certifier.id,
        )
    )
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_the_ratings_of_signed_evidence_are_frozen_but_its_feedback_may_change(world):
    workshop, lab, (trainee, _), skills = world
    teacher = load(workshop.teacher)
    first, _ = services.record_assessment(workshop, load(trainee), skills[0], data(lab), actor=teacher)
    services.sign_off(
        workshop, load(trainee), skills[0], actor=load(workshop.certifier), evidence_id=first.id
    )
    with pytest.raises(Conflict, match="evidence of a sign-off"):
        services.record_assessment(
            workshop, load(trainee), skills[0], data(lab, competent=False), actor=teacher
        )
    db.session.rollback()
    updated, _ = services.record_assessment(
        workshop, load(trainee), skills[0], data(lab, feedback="Typo fixed."), actor=teacher
    )
    assert updated.feedback == "Typo fixed."


# Evidence for certificates --------------------------------------------------------------------


def test_skill_evidence_covers_every_confirmed_trainee_and_every_skill(world, make):
    workshop, _, (signed, plain), skills = world
    make.enrolment(workshop, state=EnrolmentState.CANCELLED)
    assessment = make.assessment(
        workshop, signed, skills[0], workshop.teacher, respect_for_tissue=5, entrustment=4
    )
    make.signed_off(workshop, signed, skills[0], assessment=assessment)
    revoked = make.signed_off(workshop, plain, skills[1])
    services.revoke_sign_off(load(revoked), actor=load(workshop.certifier), reason="Wrong skill.")
    answer = evidence.skill_evidence(workshop)
    assert set(answer) == {signed.id, plain.id}
    assert [e.identity for e in answer[signed.id]] == ["MFAT-201/skill-1", "NFAT-301/skill-1"]
    first = answer[signed.id][0]
    assert isinstance(first, SkillEvidence)
    assert first.signed_off
    assert first.signed_off_by == workshop.certifier.full_name
    assert first.assessment_id == assessment.id
    assert first.osats["respect_for_tissue"] == 5
    assert first.entrustment == 4
    assert first.signed_off_at is not None
    assert not answer[signed.id][1].signed_off
    assert [e.signed_off for e in answer[plain.id]] == [False, False]
    assert answer[plain.id][1].osats == {}
    assert answer[plain.id][1].signed_off_by is None


def test_skill_evidence_takes_the_same_number_of_queries_for_more_trainees(world, make):
    workshop, _, trainees, skills = world
    for trainee in trainees:
        make.signed_off(workshop, trainee, skills[0])
    db.session.expire_all()
    workshop = db.session.get(type(workshop), workshop.id)
    with recorded_statements(selects_only=True) as few:
        evidence.skill_evidence(workshop)
    for trainee in make.enrolled_trainees(workshop, 6):
        make.signed_off(workshop, trainee, skills[0])
        make.signed_off(workshop, trainee, skills[1])
    db.session.expire_all()
    workshop = db.session.get(type(workshop), workshop.id)
    with recorded_statements(selects_only=True) as many:
        answer = evidence.skill_evidence(workshop)
    assert len(answer) == 8
    # The roster, the skills, the sign-offs, the assessments they rest on (with their
    # assessors and sessions) and the assessors' roles: the same however many trainees.
    assert len(many) == len(few) <= 6, many


def test_skill_evidence_of_a_workshop_without_trainees_is_empty(make, ctx):
    workshop = make.workshop()
    assert evidence.skill_evidence(load(workshop)) == {}


# The reads behind the pages -------------------------------------------------------------------


def test_station_view_shows_the_faculty_members_station_and_who_is_left(world, make):
    workshop, lab, (first, second), skills = world
    teacher = load(workshop.teacher)
    lab = load(lab)
    lab.stations[0].faculty_id = teacher.id
    db.session.commit()
    make.assign(lab.stations[0], first)
    make.assign(lab.stations[1], second)
    make.assessment(workshop, first, skills[0], teacher)
    view = services.station_view(load(lab), teacher)
    assert view.only_mine
    assert [b.station.name for b in view.stations] == ["Table 1"]
    row = view.stations[0].rows[0]
    assert row.trainee.id == first.id
    assert [s.id for s in row.missing(view.skills)] == [s.id for s in view.skills if s.id != skills[0].id]
    other = services.station_view(load(lab), load(workshop.certifier))
    assert not other.only_mine
    assert len(other.stations) == 2


def test_progress_groups_a_skill_across_workshops_by_identity(make, ctx):
    trainee = make.trainee()
    old = make.workshop(version=make.curriculum_version(["MFAT-201"]))
    new = make.workshop(version=make.curriculum_version(["MFAT-201"]))
    for workshop in (old, new):
        make.enrolment(workshop, trainee)
    old_skill = load(old).modules[0].skills[0]
    new_skill = load(new).modules[0].skills[0]
    make.assessment(old, trainee, old_skill, old.teacher, value=2)
    make.assessment(new, trainee, new_skill, new.teacher, respect_for_tissue=5)
    make.signed_off(new, trainee, new_skill)
    view = services.trainee_progress(load(trainee), page=1)
    assert len(view.skills) == 1
    assert [w.workshop_id for w in view.skills[0].workshops] == [old.id, new.id]
    assert view.skills[0].latest.signed_off
    assert view.signed_off == 1
    assert view.feedback.total == 2


# When, and against which standard ---------------------------------------------------------------


def test_an_assessment_before_its_session_starts_is_refused_and_nothing_is_written(world, make):
    workshop, _, (trainee, _), skills = world
    later = make.session(
        workshop, kind=SessionKind.HANDS_ON, day=3, start=time(16, 35), title="Afternoon harvest lab"
    )
    with pytest.raises(InvalidInput) as refused:
        services.record_assessment(
            workshop, load(trainee), skills[0], data(later), actor=load(workshop.teacher)
        )
    (message,) = refused.value.problems["session_id"]
    assert "\u201cAfternoon harvest lab\u201d" in message
    assert "16:35 Europe/Rome" in message
    assert "has not started yet" in message
    assert db.session.scalar(sa.select(sa.func.count(Assessment.id))) == 0
    assert (
        db.session.scalar(
            sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action.like("assessment.%"))
        )
        == 0
    )


def test_an_assessment_must_name_its_session(world):
    workshop, lab, (trainee, _), skills = world
    with pytest.raises(InvalidInput) as refused:
        services.record_assessment(
            workshop, load(trainee), skills[0], data(lab, session_id=None), actor=load(workshop.teacher)
        )
    assert refused.value.problems == {"session_id": ["Choose the session at which you watched the trainee."]}


def test_a_domain_marked_not_applicable_is_stored_empty_and_left_out_of_the_total(world):
    workshop, lab, (trainee, _), skills = world
    assessment, _ = services.record_assessment(
        workshop, load(trainee), skills[0], data(lab, use_of_assistants=None), actor=load(workshop.teacher)
    )
    assert assessment.use_of_assistants is None
    assert assessment.total_text == "24/30"


def test_competent_is_refused_when_a_critical_step_was_not_done(world):
    workshop, lab, (trainee, _), skills = world
    skill = skills[0]
    skill.checklist = [
        {**step, "critical": True} if step["id"] == "step-3" else step for step in skill.checklist
    ]
    db.session.flush()
    with pytest.raises(InvalidInput) as refused:
        services.record_assessment(
            workshop, load(trainee), skill, data(lab, done_steps=["step-1"]), actor=load(workshop.teacher)
        )
    assert "whatever the global score" in refused.value.problems["competent"][0]
    assessment, _ = services.record_assessment(
        workshop,
        load(trainee),
        skill,
        data(lab, done_steps=["step-1"], competent=False),
        actor=load(workshop.teacher),
    )
    assert not assessment.competent


def test_a_sign_off_below_the_standard_is_refused_with_every_reason(world):
    workshop, lab, (trainee, _), skills = world
    # 7/35 by a rater who nonetheless ticked "competent", entrustment 1: nothing to sign off.
    weak, _ = services.record_assessment(
        workshop,
        load(trainee),
        skills[0],
        data(lab, 1, entrustment=1, done_steps=[]),
        actor=load(workshop.teacher),
    )
    with pytest.raises(InvalidInput) as refused:
        services.sign_off(
            workshop, load(trainee), skills[0], actor=load(workshop.certifier), evidence_id=weak.id
        )
    reasons = refused.value.problems[None]
    assert len(reasons) == 8  # seven domains and the entrustment
    assert all(reason.startswith("Below the competence standard:") for reason in reasons)
    assert db.session.scalar(sa.select(sa.func.count(SkillSignOff.id))) == 0


def test_the_workshop_standard_may_be_raised_and_then_binds_sign_offs(world):
    workshop, lab, (trainee, _), skills = world
    organizer = load(workshop.organizer)
    with pytest.raises(InvalidInput) as looser:
        services.set_standard(workshop, min_domain_score=2, required_entrustment=3, actor=organizer)
    assert set(looser.value.problems) == {"min_domain_score", "required_entrustment"}
    with pytest.raises(NotAllowed):
        services.set_standard(
            workshop, min_domain_score=4, required_entrustment=5, actor=load(workshop.teacher)
        )
    services.set_standard(workshop, min_domain_score=4, required_entrustment=5, actor=organizer)
    assert services.standard_of(workshop) == rules.Standard(4, 5)
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "assessments.standard"))
    assert event.new == {"min_domain_score": 4, "required_entrustment": 5}
    good, _ = services.record_assessment(
        workshop, load(trainee), skills[0], data(lab), actor=load(workshop.teacher)
    )
    with pytest.raises(InvalidInput, match="standard asks for 5"):
        services.sign_off(
            workshop, load(trainee), skills[0], actor=load(workshop.certifier), evidence_id=good.id
        )


def test_skill_evidence_names_the_setting_and_only_the_faculty_who_observed(world):
    workshop, lab, (trainee, _), skills = world
    first, _ = services.record_assessment(
        workshop, load(trainee), skills[0], data(lab), actor=load(workshop.teacher)
    )
    services.sign_off(
        workshop, load(trainee), skills[0], actor=load(workshop.certifier), evidence_id=first.id
    )
    (signed, *_) = evidence.skill_evidence(workshop)[trainee.id]
    assert signed.settings == ("bench model",)
    assert signed.observed_by == (load(workshop.teacher).full_name,)
    assert signed.signed_off_by == load(workshop.certifier).full_name
    assert signed.entrustment_words == "4 \u201cI needed to be there in the room just in case\u201d"
    assert signed.total_text == "28/35"
