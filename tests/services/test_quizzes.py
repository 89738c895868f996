"""Quiz use cases on a real database: drawing, timing, idempotent submission, grades,
evidence for certificates, knowledge gain and item analysis."""

from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from tests.support.statements import recorded_statements
from training.core.audit import AuditEvent
from training.core.db import utcnow
from training.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from training.curriculum.models import Question
from training.enrolments.models import EnrolmentState
from training.extensions import db
from training.quizzes import services
from training.quizzes.evidence import quiz_evidence
from training.quizzes.models import Attempt, AttemptState, GradingMethod, QuizPurpose


def count_statements(callable_):
    with recorded_statements() as statements:
        result = callable_()
    return result, len(statements)


@pytest.fixture
def workshop(make):
    version = make.curriculum_version(["ANAT-101", "MFAT-201"], questions_per_module=4)
    return make.workshop(version=version)


def test_an_attempt_draws_balanced_questions_and_shuffles_options(make, ctx, workshop):
    quiz = make.quiz(workshop, question_count=4, shuffle_options=True)
    trainee = make.enrolment(workshop).trainee
    attempt = services.start_attempt(db.session.merge(quiz), actor=db.session.merge(trainee), seed=3)
    objectives = [item.question.objective_id for item in attempt.questions]
    assert len(attempt.questions) == 4
    assert len(set(objectives)) == 4  # two modules x two objectives: one question each
    orders = {tuple(item.option_order) for item in attempt.questions}
    assert all(sorted(order) == ["a", "b", "c"] for order in orders)


def test_successive_attempts_draw_every_question_even_with_the_same_seed(make, ctx, workshop):
    # four objectives with two questions each, one question per objective and attempt
    quiz = db.session.merge(make.quiz(workshop, question_count=4, max_attempts=2))
    trainee = db.session.merge(make.enrolment(workshop).trainee)
    drawn = []
    for _ in range(2):
        attempt = services.start_attempt(quiz, actor=trainee, seed=5)
        drawn.append({item.question_id for item in attempt.questions})
        services.submit_attempt(attempt, {}, actor=trainee)
    pool = {q.id for q in services.question_pool([m.id for m in quiz.modules])}
    assert len(pool) == 8
    assert drawn[0] | drawn[1] == pool
    assert not drawn[0] & drawn[1]


def test_starting_twice_resumes_the_attempt_in_progress(make, ctx, workshop):
    quiz = db.session.merge(make.quiz(workshop, max_attempts=2))
    trainee = db.session.merge(make.enrolment(workshop).trainee)
    first = services.start_attempt(quiz, actor=trainee)
    second = services.start_attempt(quiz, actor=trainee)
    assert first.id == second.id
    assert db.session.scalar(sa.select(sa.func.count(Attempt.id))) == 1


def test_the_database_refuses_two_attempts_in_progress(make, ctx, workshop):
    quiz = db.session.merge(make.quiz(workshop, max_attempts=3))
    trainee = db.session.merge(make.enrolment(workshop).trainee)
    services.start_attempt(quiz, actor=trainee)
    db.session.add(Attempt(quiz_id=quiz.id, trainee_id=trainee.id, number=2, max_score=1))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()


def test_submitting_twice_grades_once(make, ctx, workshop):
    quiz = db.session.merge(make.quiz(workshop))
    trainee = db.session.merge(make.enrolment(workshop).trainee)
    attempt = services.start_attempt(quiz, actor=trainee)
    for item in attempt.questions:
        services.save_answer(attempt, item.question_id, ["a"], actor=trainee)
    first = services.submit_attempt(attempt, actor=trainee)
    graded_at = first.attempt.graded_at
    second = services.submit_attempt(
        attempt, {attempt.questions[0].question_id: (["b"], None, None)}, actor=trainee
    )
    assert not first.already
    assert second.already
    assert second.attempt.percent == Decimal("100.00")
    assert second.attempt.graded_at == graded_at
    with pytest.raises(Conflict):
        services.save_answer(attempt, attempt.questions[0].question_id, ["b"], actor=trainee)


def test_answers_only_for_drawn_questions_and_only_by_the_trainee(make, ctx, workshop):
    quiz = db.session.merge(make.quiz(workshop, question_count=2))
    trainee = db.session.merge(make.enrolment(workshop).trainee)
    other = db.session.merge(make.enrolment(workshop).trainee)
    attempt = services.start_attempt(quiz, actor=trainee, seed=1)
    drawn = {item.question_id for item in attempt.questions}
    not_drawn = db.session.scalar(sa.select(Question.id).where(Question.id.not_in(drawn)))
    with pytest.raises(NotFound):
        services.save_answer(attempt, not_drawn, ["a"], actor=trainee)
    with pytest.raises(NotFound):
        services.save_answer(attempt, next(iter(drawn)), ["a"], actor=other)
    with pytest.raises(InvalidInput):
        services.save_answer(attempt, next(iter(drawn)), ["zz"], actor=trainee)
    with pytest.raises(InvalidInput):
        services.save_answer(attempt, next(iter(drawn)), ["a", "b"], actor=trainee)


def test_after_the_deadline_and_grace_answers_are_ignored_and_the_attempt_closes(make, ctx, workshop):
    quiz = db.session.merge(make.quiz(workshop, time_limit_minutes=10))
    trainee = db.session.merge(make.enrolment(workshop).trainee)
    start = utcnow()
    attempt = services.start_attempt(quiz, actor=trainee, now=start)
    first = attempt.questions[0].question_id
    services.save_answer(attempt, first, ["a"], actor=trainee, now=start + timedelta(minutes=10, seconds=20))
    with pytest.raises(services.TimeIsUp):
        services.save_answer(
            attempt, attempt.questions[1].question_id, ["a"], actor=trainee, now=start + timedelta(minutes=11)
        )
    db.session.refresh(attempt)
    assert attempt.state is AttemptState.GRADED
    assert attempt.closed_by == "deadline"
    assert attempt.score == Decimal(1)  # the answer in the grace period counts, the late one does not


def test_late_submission_ignores_the_answers_it_carries(make, ctx, workshop):
    quiz = db.session.merge(make.quiz(workshop, time_limit_minutes=5))
    trainee = db.session.merge(make.enrolment(workshop).trainee)
    start = utcnow()
    attempt = services.start_attempt(quiz, actor=trainee, now=start)
    answers = {item.question_id: (["a"], None, None) for item in attempt.questions}
    result = services.submit_attempt(attempt, answers, actor=trainee, now=start + timedelta(minutes=6))
    assert result.late
    assert result.attempt.percent == Decimal("0.00")


def test_extra_time_and_extra_attempt_accommodations(make, ctx, workshop):
    quiz = db.session.merge(make.quiz(workshop, time_limit_minutes=20, max_attempts=1))
    trainee = db.session.merge(make.enrolment(workshop).trainee)
    services.set_accommodation(quiz.workshop, trainee.id, Decimal("1.5"), 1, "dyslexia", actor=trainee)
    start = utcnow()
    attempt = services.start_attempt(quiz, actor=trainee, now=start)
    assert attempt.deadline_at == start + timedelta(minutes=30)
    services.submit_attempt(attempt, actor=trainee)
    second = services.start_attempt(quiz, actor=trainee)
    services.submit_attempt(second, actor=trainee)
    with pytest.raises(NotAllowed, match="all 2 attempt"):
        services.start_attempt(quiz, actor=trainee)


def test_the_window_and_enrolment_are_enforced(make, ctx, workshop):
    later = utcnow() + timedelta(days=1)
    quiz = db.session.merge(make.quiz(workshop, opens_at=later, closes_at=later + timedelta(hours=1)))
    stranger = db.session.merge(make.trainee())
    with pytest.raises(NotAllowed) as refused:
        services.start_attempt(quiz, actor=stranger)
    assert "confirmed place" in refused.value.message
    assert "not open yet" in refused.value.message


def test_the_grading_method_picks_the_attempt_and_an_override_wins(make, ctx, workshop):
    quiz = make.quiz(workshop, max_attempts=3, grading_method=GradingMethod.LAST, pass_percent=50)
    trainee = make.enrolment(workshop).trainee
    make.attempt(quiz, trainee, right=True)
    make.attempt(quiz, trainee, right=False)
    quiz, trainee = db.session.merge(quiz), db.session.merge(trainee)
    cell = services.grades(quiz.workshop, [quiz], [trainee])[trainee.id][quiz.id]
    assert (cell.percent, cell.passed, cell.attempts_used) == (Decimal("0.00"), False, 2)
    with pytest.raises(InvalidInput):
        services.override_grade(quiz, trainee.id, Decimal(80), "  ", actor=trainee)
    services.override_grade(quiz, trainee.id, Decimal(80), "Oral re-test passed", actor=trainee)
    cell = services.grades(quiz.workshop, [quiz], [trainee])[trainee.id][quiz.id]
    assert (cell.percent, cell.passed, cell.overridden) == (Decimal("80.00"), True, True)
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "quiz.grade_overridden"))
    assert event.old["percent"] == "0.00"
    assert event.new["reason"] == "Oral re-test passed"


def test_quiz_evidence_covers_every_confirmed_trainee_in_constant_queries(make, ctx, workshop):
    required = make.quiz(workshop, title="Post-test", required_for_certificate=True)
    make.quiz(workshop, title="Practice")
    passed = make.enrolment(workshop).trainee
    make.passed_quiz(required, passed)
    nothing_yet = make.enrolment(workshop).trainee
    make.enrolment(workshop, state=EnrolmentState.WAITLISTED)
    db.session.expire_all()
    evidence, statements = count_statements(lambda: quiz_evidence(db.session.merge(workshop)))
    assert set(evidence) == {passed.id, nothing_yet.id}
    mine = {e.title: e for e in evidence[passed.id]}
    assert mine["Post-test"].passed
    assert mine["Post-test"].score_percent == Decimal("100.00")
    assert mine["Post-test"].required_for_certificate
    assert mine["Post-test"].attempts_used == 1
    assert not mine["Practice"].passed
    assert mine["Practice"].score_percent is None
    for _ in range(5):
        make.attempt(required, right=False)
    db.session.expire_all()
    _, more = count_statements(lambda: quiz_evidence(db.session.merge(workshop)))
    assert more == statements <= 10


def test_a_module_has_one_pre_test(make, ctx, workshop):
    module = workshop.modules[0]
    make.quiz(workshop, modules=[module], purpose=QuizPurpose.PRE_TEST, purpose_module_id=module.id)
    with pytest.raises(InvalidInput, match="already has a pre-test"):
        make.quiz(workshop, modules=[module], purpose=QuizPurpose.PRE_TEST, purpose_module_id=module.id)


def test_knowledge_gain_pairs_pre_and_post_per_trainee_and_objective(make, ctx, workshop):
    module = workshop.modules[0]
    pre = make.quiz(workshop, modules=[module], purpose=QuizPurpose.PRE_TEST, purpose_module_id=module.id)
    post = make.quiz(workshop, modules=[module], purpose=QuizPurpose.POST_TEST, purpose_module_id=module.id)
    trainee = make.enrolment(workshop).trainee
    objective_one = {q.id for q in module.questions if q.objective.key == "obj-1"}
    make.attempt(pre, trainee, right=objective_one)
    make.attempt(post, trainee, right=True)
    report = services.knowledge_gain(db.session.merge(workshop))
    row = next(r for r in report.trainees if r.trainee.id == trainee.id)
    assert (row.pre, row.post, row.result.gain) == (Decimal("50.00"), Decimal("100.00"), Decimal("50.00"))
    by_key = {o.objective_key: o for o in report.objectives}
    assert by_key["obj-1"].gain == Decimal(0)
    assert by_key["obj-2"].gain == Decimal(100)


def test_item_analysis_flags_a_question_everyone_gets_right_in_constant_queries(make, ctx, workshop):
    quiz = make.quiz(workshop, modules=[workshop.modules[0]])
    easy = workshop.modules[0].questions[0].id
    for i in range(6):
        make.attempt(quiz, right=lambda q, i=i: q.id == easy or (q.position + i) % 3 == 0)
    quiz = db.session.merge(quiz)
    analysis, statements = count_statements(lambda: services.item_analysis(quiz))
    assert analysis.attempts == 6
    rows = {row.question.id: row for row in analysis.items}
    assert rows[easy].stats.facility == 1.0
    assert "too easy" in rows[easy].stats.flags
    assert rows[easy].options[0].count == 6
    percents = db.session.scalars(sa.select(Attempt.percent).where(Attempt.quiz_id == quiz.id)).all()
    expected = Counter(min(int(p // 10), 9) for p in percents)
    assert [count for _, count in analysis.histogram] == [expected.get(band, 0) for band in range(10)]
    for _ in range(3):
        make.attempt(quiz, right={easy})  # 25%: in the 20-29% band on every database
    make.attempt(quiz, right=False)
    later, more = count_statements(lambda: services.item_analysis(db.session.merge(quiz)))
    assert more == statements
    assert later.histogram[2] == ("20-29%", expected.get(2, 0) + 3)


def test_overdue_attempts_are_closed_by_the_sweep(make, ctx, workshop):
    quiz = db.session.merge(make.quiz(workshop, time_limit_minutes=1))
    trainee = db.session.merge(make.enrolment(workshop).trainee)
    attempt = services.start_attempt(quiz, actor=trainee, now=utcnow() - timedelta(minutes=5))
    assert services.close_overdue_attempts() == 1
    db.session.refresh(attempt)
    assert attempt.state is AttemptState.GRADED
    assert attempt.closed_by == "deadline"


def test_two_attempts_give_no_alpha_and_no_flags(make, ctx, workshop):
    # Eight of the workshop's questions drawn per attempt, as in the reported 1.14.
    quiz = make.quiz(workshop, modules=[workshop.modules[0]])
    make.attempt(quiz, right=True)
    make.attempt(quiz, right=False)
    analysis = services.item_analysis(db.session.merge(quiz))
    assert analysis.attempts == 2
    assert analysis.alpha is None
    assert all(row.stats.flags == () and row.stats.facility is None for row in analysis.items)


def test_cronbach_alpha_of_a_quiz_matches_the_scores(make, ctx, workshop):
    quiz = make.quiz(workshop, modules=[workshop.modules[0]])  # every attempt sees all 4 questions
    patterns = [{0, 1, 2, 3}, {0, 1, 2}, {0, 1}, {0}, set(), {1, 2, 3}]
    for pattern in patterns:
        make.attempt(quiz, right=lambda q, pattern=pattern: q.position in pattern)
    analysis = services.item_analysis(db.session.merge(quiz))
    matrix = [[1 if position in pattern else 0 for position in range(4)] for pattern in patterns]

    def variance(values):
        mean = sum(values) / len(values)
        return sum((v - mean) ** 2 for v in values) / (len(values) - 1)

    item_variances = [variance(column) for column in zip(*matrix, strict=True)]
    total_variance = variance([sum(row) for row in matrix])
    expected = 4 / 3 * (1 - sum(item_variances) / total_variance)
    assert analysis.alpha == pytest.approx(expected)
    assert analysis.mean_percent == pytest.approx(100 * sum(map(sum, matrix)) / 24)


def test_item_analysis_reuses_its_sums_until_an_attempt_is_graded(make, ctx, workshop):
    quiz = make.quiz(workshop, modules=[workshop.modules[0]])
    first = workshop.modules[0].questions[0].id
    make.attempt(quiz, right={first})
    analysis, statements = count_statements(lambda: services.item_analysis(db.session.merge(quiz)))
    again, fewer = count_statements(lambda: services.item_analysis(db.session.merge(quiz)))
    assert fewer < statements  # the answers were not scanned again
    assert [(r.question.id, r.stats) for r in again.items] == [
        (r.question.id, r.stats) for r in analysis.items
    ]
    make.attempt(quiz, right=False)
    later, more = count_statements(lambda: services.item_analysis(db.session.merge(quiz)))
    assert more == statements
    assert later.attempts == 2
    rows = {row.question.id: row for row in later.items}
    assert rows[first].stats.n == 2
