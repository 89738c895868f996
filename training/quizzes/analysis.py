"""Reports on quizzes for faculty: the knowledge gain from pre- to post-tests, the item
analysis of a quiz's questions, and a quiz's summary counts."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from training.accounts.models import User
from training.core.cache import StampedCache
from training.curriculum.models import Module, Objective, Question
from training.extensions import db
from training.quizzes import rules
from training.quizzes.grading import grades
from training.quizzes.models import Attempt, AttemptQuestion, AttemptState, Quiz, QuizPurpose
from training.quizzes.setup import question_pool, workshop_quizzes
from training.workshops.models import Workshop
from training.workshops.services import confirmed_trainees

# Knowledge gain ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TraineeGain:
    trainee: User
    module: Module
    result: rules.Gain | None
    pre: Decimal | None
    post: Decimal | None


@dataclass(frozen=True)
class ObjectiveGain:
    module_code: str
    objective_key: str
    objective_text: str
    pairs: int
    pre: Decimal | None
    post: Decimal | None
    gain: Decimal | None


@dataclass(frozen=True)
class GainReport:
    modules: list[Module]
    trainees: list[TraineeGain]
    objectives: list[ObjectiveGain]
    mean_gain: dict[int, Decimal | None]


def knowledge_gain(workshop: Workshop) -> GainReport:
    """Pre/post pairs per module: per trainee (the quiz grades) and per objective (mean
    score on that objective's questions in each trainee's counting attempts)."""
    quizzes = [q for q in workshop_quizzes(workshop) if q.purpose is not QuizPurpose.PRACTICE]
    pairs: dict[int, dict[QuizPurpose, Quiz]] = defaultdict(dict)
    for quiz in quizzes:
        pairs[quiz.purpose_module_id][quiz.purpose] = quiz  # type: ignore[index]
    paired = {m: p for m, p in pairs.items() if QuizPurpose.PRE_TEST in p and QuizPurpose.POST_TEST in p}
    modules = [m for m in workshop.modules if m.id in paired]
    trainees = confirmed_trainees(workshop, order="name")
    involved = [q for p in paired.values() for q in p.values()]
    cells = grades(workshop, involved, trainees)
    trainee_rows = []
    for module in modules:
        pre_quiz, post_quiz = (
            paired[module.id][QuizPurpose.PRE_TEST],
            paired[module.id][QuizPurpose.POST_TEST],
        )
        for trainee in trainees:
            pre, post = cells[trainee.id][pre_quiz.id].percent, cells[trainee.id][post_quiz.id].percent
            result = rules.gain(pre, post) if pre is not None and post is not None else None
            trainee_rows.append(TraineeGain(trainee, module, result, pre, post))
    mean_gain = {}
    for module in modules:
        gains = [r.result.gain for r in trainee_rows if r.module.id == module.id and r.result]
        mean_gain[module.id] = (
            (sum(gains, Decimal(0)) / len(gains)).quantize(rules.TWO_PLACES) if gains else None
        )
    objectives = _objective_gain(involved, paired, modules, [t.id for t in trainees])
    return GainReport(modules, trainee_rows, objectives, mean_gain)


def _counting_attempt_ids(quizzes: list[Quiz], trainee_ids: list[int]) -> dict[tuple[int, int], int]:
    """(quiz id, trainee id) -> id of the attempt that counts."""
    if not quizzes or not trainee_ids:
        return {}
    rows = db.session.execute(
        sa.select(Attempt.id, Attempt.quiz_id, Attempt.trainee_id, Attempt.number, Attempt.percent).where(
            Attempt.quiz_id.in_([q.id for q in quizzes]),
            Attempt.trainee_id.in_(trainee_ids),
            Attempt.state == AttemptState.GRADED,
        )
    ).all()
    method = {q.id: q.grading_method.value for q in quizzes}
    grouped: dict[tuple[int, int], list[Any]] = defaultdict(list)
    for row in rows:
        grouped[(row.quiz_id, row.trainee_id)].append(row)
    chosen = {}
    for key, mine in grouped.items():
        counting = rules.counting_attempt(
            [rules.AttemptResult(r.number, r.percent) for r in mine], method[key[0]]
        )
        if counting is not None:
            chosen[key] = next(r.id for r in mine if r.number == counting.number)
    return chosen


def _objective_gain(
    quizzes: list[Quiz],
    paired: dict[int, dict[QuizPurpose, Quiz]],
    modules: list[Module],
    trainee_ids: list[int],
) -> list[ObjectiveGain]:
    counting = _counting_attempt_ids(quizzes, trainee_ids)
    if not counting:
        return []
    attempt_to_key = {attempt_id: key for key, attempt_id in counting.items()}
    rows = db.session.execute(
        sa.select(AttemptQuestion.attempt_id, Question.objective_id, sa.func.avg(AttemptQuestion.score))
        .join(Question, Question.id == AttemptQuestion.question_id)
        .where(AttemptQuestion.attempt_id.in_(list(attempt_to_key)))
        .group_by(AttemptQuestion.attempt_id, Question.objective_id)
    ).all()
    # (quiz, trainee, objective) -> fraction
    scores: dict[tuple[int, int, int], float] = {}
    for attempt_id, objective_id, mean in rows:
        quiz_id, trainee_id = attempt_to_key[attempt_id]
        scores[(quiz_id, trainee_id, objective_id)] = float(mean or 0)
    objective_ids = {key[2] for key in scores}
    objectives = {
        o.id: o
        for o in db.session.scalars(
            sa.select(Objective).where(Objective.id.in_(objective_ids)).options(joinedload(Objective.module))
        )
    }
    result = []
    for module in modules:
        pre_quiz, post_quiz = (
            paired[module.id][QuizPurpose.PRE_TEST],
            paired[module.id][QuizPurpose.POST_TEST],
        )
        for objective in sorted(objectives.values(), key=lambda o: (o.module.position, o.position)):
            pre_values, post_values = [], []
            for trainee_id in trainee_ids:
                pre = scores.get((pre_quiz.id, trainee_id, objective.id))
                post = scores.get((post_quiz.id, trainee_id, objective.id))
                if pre is not None and post is not None:
                    pre_values.append(pre)
                    post_values.append(post)
            if not pre_values and objective.module_id != module.id:
                continue

            def mean(values: list[float]) -> Decimal | None:
                return Decimal(str(round(100 * sum(values) / len(values), 2))) if values else None

            pre_mean, post_mean = mean(pre_values), mean(post_values)
            result.append(
                ObjectiveGain(
                    module_code=objective.module.code,
                    objective_key=objective.key,
                    objective_text=objective.text,
                    pairs=len(pre_values),
                    pre=pre_mean,
                    post=post_mean,
                    gain=(post_mean - pre_mean) if pre_mean is not None and post_mean is not None else None,
                )
            )
    return result


# Item analysis -----------------------------------------------------------------------------


@dataclass(frozen=True)
class OptionCount:
    id: str
    text: str
    correct: bool
    count: int
    share: float


@dataclass(frozen=True)
class ItemRow:
    question: Question
    stats: rules.ItemStatistics
    options: list[OptionCount]
    unanswered: int


@dataclass(frozen=True)
class ItemAnalysis:
    attempts: int
    mean_percent: float | None
    sd_percent: float | None
    alpha: float | None
    items: list[ItemRow]
    histogram: list[tuple[str, int]]


@dataclass(frozen=True)
class _Aggregates:
    """What the database sums over a quiz's graded attempts: plain numbers, no ORM objects."""

    totals: tuple[Any, ...]
    items: dict[int, tuple[Any, ...]]  # question id -> (n, Σx, Σx², Σt, Σt², Σxt, unanswered)
    choices: dict[int, dict[str, int]]  # question id -> option id -> times chosen
    buckets: dict[int, int]


# Per quiz, while its graded attempts stay the same. A graded attempt never changes, so
# the set is named by its count, the sum of its ids, its latest grading time and its
# total score; the totals query reads that stamp anyway, and only a changed stamp pays
# for the scan of the answers.
_aggregates: StampedCache[_Aggregates] = StampedCache(size=64)


def _item_aggregates(quiz: Quiz) -> _Aggregates:
    graded = sa.and_(Attempt.quiz_id == quiz.id, Attempt.state == AttemptState.GRADED)
    totals = tuple(
        db.session.execute(
            sa.select(
                sa.func.count(Attempt.id),
                sa.func.sum(Attempt.percent),
                sa.func.sum(Attempt.percent * Attempt.percent),
                sa.func.sum(Attempt.score),
                sa.func.sum(Attempt.score * Attempt.score),
                sa.func.avg(Attempt.max_score),
                sa.func.sum(Attempt.id),
                sa.func.max(Attempt.graded_at),
            ).where(graded)
        ).one()
    )
    stamp = (totals[0], totals[6], totals[7], totals[3])
    return _aggregates.fetch(quiz.id, stamp, lambda: _sum_answers(graded, totals))


def _sum_answers(graded: Any, totals: tuple[Any, ...]) -> _Aggregates:
    # One pass over the answers: sums per question and choice, added up per question below.
    x, t = AttemptQuestion.score, Attempt.score
    rows = db.session.execute(
        sa.select(
            AttemptQuestion.question_id,
            AttemptQuestion.choice_key,
            sa.func.count(AttemptQuestion.id),
            sa.func.sum(x),
            sa.func.sum(x * x),
            sa.func.sum(t),
            sa.func.sum(t * t),
            sa.func.sum(x * t),
            sa.func.sum(sa.case((AttemptQuestion.answered_at.is_(None), 1), else_=0)),
        )
        .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
        .where(graded)
        .group_by(AttemptQuestion.question_id, AttemptQuestion.choice_key)
    ).all()
    items: dict[int, list[Any]] = {}
    choices: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for question_id, key, count, *sums in rows:
        total = items.setdefault(question_id, [0, 0, 0, 0, 0, 0, 0])
        total[0] += int(count)
        for index, value in enumerate(sums, start=1):
            total[index] += value or 0
        if key is not None:
            for option_id in key.split(","):
                choices[question_id][option_id] += int(count)
    # The 10% band, the same on every database (casting rounds on PostgreSQL, truncates on SQLite).
    bucket = sa.case(*[(Attempt.percent < (band + 1) * 10, band) for band in range(9)], else_=9)
    buckets: dict[int, int] = dict(
        db.session.execute(sa.select(bucket, sa.func.count(Attempt.id)).where(graded).group_by(bucket)).all()
    )
    return _Aggregates(
        totals=totals,
        items={q: tuple(v) for q, v in items.items()},
        choices={q: dict(c) for q, c in choices.items()},
        buckets=buckets,
    )


def item_analysis(quiz: Quiz) -> ItemAnalysis:
    """Statistics of every question of the quiz over its graded attempts.

    The sums come from one pass over the answers, whatever the number of attempts,
    and are reused until a graded attempt is added (see ``_aggregates``).
    """
    aggregates = _item_aggregates(quiz)
    totals = aggregates.totals
    n_attempts = int(totals[0] or 0)
    questions = {q.id: q for q in question_pool([m.id for m in quiz.modules])}
    extra_ids = aggregates.items.keys() - questions.keys()
    if extra_ids:  # questions drawn before the quiz's modules changed
        questions.update(
            {q.id: q for q in db.session.scalars(sa.select(Question).where(Question.id.in_(extra_ids)))}
        )
    items = []
    variances = []
    for question in sorted(questions.values(), key=lambda q: (q.module_id, q.position, q.id)):
        row = aggregates.items.get(question.id)
        if row is None:
            stats = rules.item_statistics(rules.ItemSums(0, 0, 0, 0, 0, 0))
            unanswered = 0
        else:
            values = [float(v or 0) for v in row[1:6]]
            stats = rules.item_statistics(rules.ItemSums(int(row[0]), *values))
            unanswered = int(row[6] or 0)
            if (var := rules.variance(int(row[0]), values[0], values[1])) is not None:
                variances.append(var)
        chosen = aggregates.choices.get(question.id, {})
        answered = (stats.n - unanswered) or 1
        options = [
            OptionCount(
                id=str(o["id"]),
                text=str(o.get("text", "")),
                correct=bool(o.get("correct")),
                count=chosen.get(str(o["id"]), 0),
                share=chosen.get(str(o["id"]), 0) / answered,
            )
            for o in question.options
        ]
        items.append(ItemRow(question, stats, options, unanswered))
    mean_percent = float(totals[1]) / n_attempts if n_attempts else None
    percent_variance = rules.variance(n_attempts, float(totals[1] or 0), float(totals[2] or 0))
    score_variance = rules.variance(n_attempts, float(totals[3] or 0), float(totals[4] or 0))
    return ItemAnalysis(
        attempts=n_attempts,
        mean_percent=mean_percent,
        sd_percent=math.sqrt(percent_variance) if percent_variance is not None else None,
        # k is the number of questions the attempts actually drew (the setting may have changed since).
        alpha=rules.cronbach_alpha(
            round(float(totals[5] or 0)), variances, score_variance, attempts=n_attempts
        ),
        items=items,
        histogram=rules.histogram(aggregates.buckets),
    )


# A quiz's summary -------------------------------------------------------------------------


@dataclass(frozen=True)
class QuizSummary:
    graded: int
    in_progress: int
    passed: int
    mean_percent: Decimal | None


def quiz_summary(quiz: Quiz) -> QuizSummary:
    """Counts over every attempt of the quiz, in one aggregate query."""
    graded = Attempt.state == AttemptState.GRADED
    row = db.session.execute(
        sa.select(
            sa.func.count(Attempt.id).filter(graded),
            sa.func.count(Attempt.id).filter(Attempt.state == AttemptState.IN_PROGRESS),
            sa.func.count(Attempt.id).filter(graded, Attempt.passed.is_(True)),
            sa.func.avg(Attempt.percent).filter(graded),
        ).where(Attempt.quiz_id == quiz.id)
    ).one()
    mean = Decimal(str(round(float(row[3]), 2))) if row[3] is not None else None
    return QuizSummary(int(row[0] or 0), int(row[1] or 0), int(row[2] or 0), mean)
