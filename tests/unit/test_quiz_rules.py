"""The pure rules of the quizzes: drawing, timing, grading and the statistics."""

import math
import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from training.quizzes import rules

T0 = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)


# Drawing


def test_draw_spreads_questions_evenly_across_objectives():
    pool = [rules.PoolQuestion(i, objective_id=i % 3) for i in range(12)]  # 4 per objective
    for seed in range(20):
        drawn = rules.draw_questions(pool, 6, random.Random(seed))
        assert len(drawn) == len(set(drawn)) == 6
        assert sorted(Counter(i % 3 for i in drawn).values()) == [2, 2, 2]


def test_draw_uses_what_there_is_when_an_objective_runs_out():
    pool = [
        rules.PoolQuestion(1, 1),
        rules.PoolQuestion(2, 2),
        rules.PoolQuestion(3, 2),
        rules.PoolQuestion(4, 2),
    ]
    drawn = rules.draw_questions(pool, 3, random.Random(1))
    assert 1 in drawn
    assert len(drawn) == 3
    assert sorted(rules.draw_questions(pool, 10, random.Random(1))) == [1, 2, 3, 4]


def test_successive_attempts_walk_through_every_question_of_each_objective():
    # 5 questions per objective, 2 needed per objective and attempt: the first attempt
    # used to draw freely, and a fixed seed (or bad luck) could repeat the same items.
    pool = [rules.PoolQuestion(i, objective_id=i % 3) for i in range(15)]
    for seed in range(10):
        attempts = [set(rules.draw_questions(pool, 6, random.Random(seed), rotation=n)) for n in range(3)]
        assert set().union(*attempts) == set(range(15)), seed
        assert not set.intersection(*attempts), "no question is in every attempt"
        for drawn in attempts:
            assert sorted(Counter(i % 3 for i in drawn).values()) == [2, 2, 2]


def test_the_same_seed_without_rotation_repeats_the_draw_and_rotation_changes_it():
    pool = [rules.PoolQuestion(i, objective_id=i % 5) for i in range(10)]  # 2 per objective
    first = rules.draw_questions(pool, 5, random.Random(7), rotation=0)
    assert sorted(rules.draw_questions(pool, 5, random.Random(7), rotation=0)) == sorted(first)
    assert set(rules.draw_questions(pool, 5, random.Random(7), rotation=1)).isdisjoint(first)


def test_draw_of_an_empty_pool_is_empty():
    assert rules.draw_questions([], 5, random.Random(0)) == []


def test_option_order_shuffles_only_when_asked():
    assert rules.option_order(["a", "b", "c"], False, random.Random(0)) == ["a", "b", "c"]
    orders = {tuple(rules.option_order(["a", "b", "c", "d"], True, random.Random(s))) for s in range(20)}
    assert len(orders) > 1
    assert all(sorted(order) == ["a", "b", "c", "d"] for order in orders)


# Timing


def test_deadline_stretches_with_the_time_factor_and_stops_at_closing():
    assert rules.attempt_deadline(T0, 30, Decimal("1.5"), None) == T0 + timedelta(minutes=45)
    closes = T0 + timedelta(minutes=20)
    assert rules.attempt_deadline(T0, 30, Decimal(1), closes) == closes
    assert rules.attempt_deadline(T0, None, Decimal(2), None) is None
    assert rules.attempt_deadline(T0, None, Decimal(1), closes) == closes


def test_answers_are_accepted_until_the_grace_ends():
    deadline = T0 + timedelta(minutes=10)
    assert rules.accepts_answers(deadline + rules.GRACE, deadline)
    assert not rules.accepts_answers(deadline + rules.GRACE + timedelta(seconds=1), deadline)
    assert rules.accepts_answers(T0 + timedelta(days=400), None)


def test_may_start_lists_every_reason():
    decision = rules.may_start(
        now=T0,
        opens_at=T0 + timedelta(hours=1),
        closes_at=None,
        attempts_used=2,
        attempts_allowed=2,
        enrolled=False,
    )
    assert not decision.ok
    assert len(decision.reasons) == 3
    closed = rules.may_start(
        now=T0, opens_at=None, closes_at=T0, attempts_used=0, attempts_allowed=1, enrolled=True
    )
    assert closed.reasons == ("The quiz has closed.",)
    assert rules.may_start(
        now=T0, opens_at=T0, closes_at=None, attempts_used=0, attempts_allowed=1, enrolled=True
    ).ok


def test_feedback_timing():
    assert rules.show_feedback("immediate", T0, None)
    assert not rules.show_feedback("never", T0, None)
    assert not rules.show_feedback("after_close", T0, None)
    assert not rules.show_feedback("after_close", T0, T0 + timedelta(seconds=1))
    assert rules.show_feedback("after_close", T0, T0)


# Hotspots

RECT = {"shape": "rect", "x": 10, "y": 20, "w": 30, "h": 40}
CIRCLE = {"shape": "circle", "cx": 100, "cy": 100, "r": 10}
TRIANGLE = {"shape": "polygon", "points": [[0, 0], [100, 0], [0, 100]]}
CONCAVE = {"shape": "polygon", "points": [[0, 0], [10, 0], [10, 10], [5, 5], [0, 10]]}


@pytest.mark.parametrize(
    ("point", "shape", "inside"),
    [
        ((10, 20), RECT, True),  # corner
        ((40, 60), RECT, True),  # far corner
        ((40.1, 60), RECT, False),
        ((25, 19.9), RECT, False),
        ((100, 110), CIRCLE, True),  # on the circle
        ((107, 107), CIRCLE, True),
        ((108, 108), CIRCLE, False),
        ((10, 10), TRIANGLE, True),
        ((50, 50), TRIANGLE, True),  # on the hypotenuse
        ((51, 51), TRIANGLE, False),
        ((0, 50), TRIANGLE, True),  # on an edge
        ((5, 8), CONCAVE, False),  # in the notch
        ((2, 8), CONCAVE, True),
        ((8, 2), CONCAVE, True),
    ],
)
def test_point_in_region(point, shape, inside):
    assert rules.point_in_region(*point, shape) is inside


def test_unknown_shapes_contain_nothing():
    assert not rules.point_in_region(1, 1, {"shape": "star"})


def test_clean_hotspots_keeps_good_regions_and_names_bad_ones():
    regions, problems = rules.clean_hotspots([RECT, CIRCLE, TRIANGLE], 200, 200)
    assert problems == []
    assert [r["shape"] for r in regions] == ["rect", "circle", "polygon"]
    _, problems = rules.clean_hotspots(
        [
            {"shape": "rect", "x": 190, "y": 0, "w": 20, "h": 5},  # leaves the image
            {"shape": "circle", "cx": 5, "cy": 5, "r": 0},
            {"shape": "polygon", "points": [[0, 0], [1, 1], [2, 2]]},  # no area
            {"shape": "rect", "x": float("nan"), "y": 0, "w": 1, "h": 1},
            {"shape": "rect", "x": True, "y": 0, "w": 1, "h": 1},
            {"shape": "ellipse"},
            "rect",
        ],
        200,
        200,
    )
    assert [p.split(":")[0] for p in problems] == [f"Region {i}" for i in range(1, 8)]
    assert rules.clean_hotspots([], 10, 10)[1] == ["Draw at least one region on the image."]
    assert rules.clean_hotspots(None, 10, 10)[1]
    assert rules.clean_hotspots([RECT] * 21, 200, 200)[1] == ["Draw at most 20 regions."]


# Grading

SINGLE = rules.GradableQuestion(
    "single", [{"id": "a", "correct": True}, {"id": "b", "correct": False}, {"id": "c", "correct": False}]
)
MULTIPLE = rules.GradableQuestion(
    "multiple",
    [
        {"id": "a", "correct": True},
        {"id": "b", "correct": True},
        {"id": "c", "correct": False},
        {"id": "d", "correct": False},
    ],
)


@pytest.mark.parametrize(
    ("chosen", "fraction"),
    [(["a"], 1), (["b"], 0), (["a", "b"], 0), ([], 0), (["zz"], 0)],
)
def test_single_choice_is_right_or_wrong(chosen, fraction):
    assert rules.grade_question(SINGLE, {"options": chosen}) == Decimal(fraction)


def test_true_false_is_right_or_wrong():
    question = rules.GradableQuestion(
        "true_false", [{"id": "true", "correct": False}, {"id": "false", "correct": True}]
    )
    assert rules.grade_question(question, {"options": ["false"]}) == 1
    assert rules.grade_question(question, {"options": ["true"]}) == 0


@pytest.mark.parametrize(
    ("chosen", "fraction"),
    [
        (["a", "b"], "1"),
        (["a"], "0.5"),
        (["a", "c"], "0"),  # +1/2 - 1/2
        (["a", "b", "c"], "0.5"),
        (["a", "b", "c", "d"], "0"),  # choosing everything earns nothing
        (["c"], "0"),  # floor at zero, never negative
        (["c", "d"], "0"),
        ([], "0"),
    ],
)
def test_multiple_response_has_partial_credit_with_a_floor(chosen, fraction):
    assert rules.grade_question(MULTIPLE, {"options": chosen}) == Decimal(fraction)


def test_multiple_with_thirds_rounds_to_four_places():
    question = rules.GradableQuestion(
        "multiple", [{"id": x, "correct": True} for x in "abc"] + [{"id": "d", "correct": False}]
    )
    assert rules.grade_question(question, {"options": ["a"]}) == Decimal("0.3333")
    assert rules.grade_question(question, {"options": ["a", "b", "c"]}) == 1


def test_hotspot_is_graded_by_point_in_any_region():
    question = rules.GradableQuestion("hotspot", hotspots=[RECT, CIRCLE])
    assert rules.grade_question(question, {"x": 20, "y": 30}) == 1
    assert rules.grade_question(question, {"x": 100, "y": 95}) == 1
    assert rules.grade_question(question, {"x": 60, "y": 60}) == 0
    assert rules.grade_question(question, {"x": "20", "y": 30}) == 0
    assert rules.grade_question(question, None) == 0


def test_attempt_grade_and_pass_mark_boundary():
    grade = rules.grade_attempt([Decimal(1), Decimal("0.5"), Decimal(0), Decimal("0.3333")], 4, Decimal(45))
    assert grade.score == Decimal("1.8333")
    assert grade.percent == Decimal("45.83")
    assert grade.passed
    assert rules.grade_attempt([Decimal(1), Decimal(0)], 2, Decimal(50)).passed  # exactly the mark passes
    assert not rules.grade_attempt([Decimal(1), Decimal(0)], 2, Decimal("50.01")).passed


def test_counting_attempt_by_method():
    attempts = [
        rules.AttemptResult(1, Decimal(60)),
        rules.AttemptResult(2, Decimal(90)),
        rules.AttemptResult(3, Decimal(70)),
    ]
    assert rules.counting_attempt(attempts, "highest").number == 2
    assert rules.counting_attempt(attempts, "first").number == 1
    assert rules.counting_attempt(attempts, "last").number == 3
    assert rules.counting_attempt([], "highest") is None
    tie = [rules.AttemptResult(2, Decimal(80)), rules.AttemptResult(1, Decimal(80))]
    assert rules.counting_attempt(tie, "highest").number == 1


def test_an_override_replaces_the_computed_grade():
    counting = rules.AttemptResult(1, Decimal(40))
    assert rules.quiz_grade(counting, None, Decimal(50)) == rules.QuizGrade(Decimal(40), False, False)
    assert rules.quiz_grade(counting, Decimal(75), Decimal(50)) == rules.QuizGrade(Decimal(75), True, True)
    assert rules.quiz_grade(None, None, Decimal(50)) == rules.QuizGrade(None, False, False)


def test_gain_and_normalised_gain():
    result = rules.gain(Decimal(40), Decimal(70))
    assert result.gain == Decimal(30)
    assert result.normalised == Decimal("0.50")
    assert rules.gain(Decimal(100), Decimal(90)).normalised is None
    assert rules.gain(Decimal(80), Decimal(60)).gain == Decimal(-20)


# Statistics


def sums_of(pairs):
    """ItemSums from (item score, attempt total) pairs."""
    return rules.ItemSums(
        n=len(pairs),
        sum_x=sum(x for x, _ in pairs),
        sum_xx=sum(x * x for x, _ in pairs),
        sum_t=sum(t for _, t in pairs),
        sum_tt=sum(t * t for _, t in pairs),
        sum_xt=sum(x * t for x, t in pairs),
    )


def pearson(xs, ys):
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    num = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    den = math.sqrt(sum((x - mx) ** 2 for x in xs) * sum((y - my) ** 2 for y in ys))
    return num / den


def test_discrimination_is_the_correlation_with_the_rest_of_the_attempt():
    pairs = [(1, 4), (1, 3), (0, 1), (1, 2), (0, 2), (0, 0)]
    stats = rules.item_statistics(sums_of(pairs))
    expected = pearson([x for x, _ in pairs], [t - x for x, t in pairs])
    assert stats.discrimination == pytest.approx(expected)
    assert stats.facility == pytest.approx(0.5)
    assert stats.flags == ()


def test_an_item_everyone_gets_right_is_flagged_too_easy_and_not_discriminating():
    stats = rules.item_statistics(sums_of([(1, 3), (1, 2), (1, 4), (1, 1), (1, 2)]))
    assert stats.facility == 1
    assert stats.discrimination is None
    assert stats.flags == ("too easy", "does not discriminate")


def test_an_item_nobody_gets_right_is_too_hard():
    stats = rules.item_statistics(sums_of([(0, 3), (0, 2), (0, 1), (0, 2), (0, 0)]))
    assert "too hard" in stats.flags


def test_an_item_that_favours_weaker_trainees_does_not_discriminate():
    stats = rules.item_statistics(sums_of([(0, 4), (0, 3), (1, 1), (1, 2), (0, 3)]))
    assert stats.discrimination < 0
    assert "does not discriminate" in stats.flags


def test_no_attempts_no_statistics():
    stats = rules.item_statistics(rules.ItemSums(0, 0, 0, 0, 0, 0))
    assert stats.facility is None
    assert stats.flags == ()


def test_cronbach_alpha_matches_the_textbook_formula():
    # 4 attempts x 3 items, everyone sees every item
    scores = [[1, 1, 1], [1, 1, 0], [1, 0, 0], [0, 0, 0]]
    k = 3
    item_vars = [rules.variance(4, sum(c), sum(v * v for v in c)) for c in zip(*scores, strict=True)]
    totals = [sum(row) for row in scores]
    total_var = rules.variance(4, sum(totals), sum(t * t for t in totals))
    alpha = rules.cronbach_alpha(k, item_vars, total_var, attempts=4, minimum=4)
    assert alpha == pytest.approx((3 / 2) * (1 - sum(item_vars) / total_var))
    assert alpha == pytest.approx(0.75)
    assert rules.cronbach_alpha(1, item_vars, total_var, attempts=4, minimum=4) is None
    assert rules.cronbach_alpha(3, item_vars, 0.0, attempts=4, minimum=4) is None


def test_an_item_answered_once_has_no_statistics_and_no_flags():
    once = rules.item_statistics(sums_of([(1, 1)]))
    assert (once.n, once.facility, once.sd, once.discrimination, once.flags) == (1, None, None, None, ())
    wrong_four_times = rules.item_statistics(sums_of([(0, 1)] * (rules.MIN_ATTEMPTS - 1)))
    assert wrong_four_times.facility is None
    assert wrong_four_times.flags == ()
    # From the minimum on, the same answers say the question is too hard.
    assert "too hard" in rules.item_statistics(sums_of([(0, 1)] * rules.MIN_ATTEMPTS)).flags


@pytest.mark.parametrize("n", [1, 2, 1000])
def test_item_statistics_stay_in_their_ranges(n):
    # Scores near the ends, where float sums overshoot.
    pairs = [(0.1 * (i % 11), 0.1 * (i % 11) + (i % 3)) for i in range(max(n, rules.MIN_ATTEMPTS))]
    stats = rules.item_statistics(sums_of(pairs))
    assert 0 <= stats.facility <= 1
    assert stats.discrimination is None or -1 <= stats.discrimination <= 1


def test_cronbach_alpha_needs_the_minimum_of_attempts():
    scores = [[1, 1, 1], [1, 1, 0], [1, 0, 0], [0, 0, 0], [1, 1, 1]]
    item_vars = [rules.variance(5, sum(c), sum(v * v for v in c)) for c in zip(*scores, strict=True)]
    totals = [sum(row) for row in scores]
    total_var = rules.variance(5, sum(totals), sum(t * t for t in totals))
    assert rules.cronbach_alpha(3, item_vars, total_var, attempts=5) is not None
    assert rules.cronbach_alpha(3, item_vars, total_var, attempts=2) is None


def test_cronbach_alpha_is_never_above_one():
    # Eight questions drawn at random: each constant among the attempts that drew it,
    # while the totals vary. The formula would give 8/7 = 1.14.
    assert rules.cronbach_alpha(8, [0.0] * 8, 2.5, attempts=6) is None
    # Almost constant items: the formula gives 1.13; shown as 1.
    assert rules.cronbach_alpha(8, [0.003] * 8, 2.5, attempts=6) == 1.0
    # Items that disagree give a low, even negative, alpha: shown as it is.
    assert rules.cronbach_alpha(2, [1.0, 1.0], 0.5, attempts=6) == pytest.approx(-6.0)


def test_histogram_puts_100_percent_in_the_last_band():
    bands = rules.histogram({0: 1, 5: 2, 9: 1, 10: 3})
    assert bands[0] == ("0-9%", 1)
    assert bands[5] == ("50-59%", 2)
    assert bands[9] == ("90-100%", 4)
    assert sum(count for _, count in bands) == 7


def test_json_depth_counts_nesting_outside_strings():
    from training.quizzes.rules import hotspot_json_problem, json_depth

    assert json_depth("[]") == 1
    assert json_depth('[{"points": [[1, 2], [3, 4]]}]') == 4
    assert json_depth('["[[[[[", "\\"[[["]') == 1
    assert json_depth("[" * 5000) == 5000
    assert hotspot_json_problem('[{"shape": "polygon", "points": [[1, 2], [3, 4], [5, 6]]}]') is None
    assert hotspot_json_problem("[[[[[1]]]]]") is not None
    assert hotspot_json_problem("[" + "1," * 30_000 + "1]") is not None
