"""Pure decisions of the quizzes: drawing, timing, grading, and the statistics.

No database, no request, no current user: plain values in, plain values out.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask_babel import gettext

# Answers that arrive this long after the deadline still count (a slow network, the
# last autosave on its way); later ones are ignored and the attempt is closed.
GRACE = timedelta(seconds=30)

FOUR_PLACES = Decimal("0.0001")
TWO_PLACES = Decimal("0.01")

# Item analysis thresholds (facility as a fraction, discrimination as a correlation).
TOO_EASY = 0.9
TOO_HARD = 0.2
WEAK_DISCRIMINATION = 0.2
# Fewer graded attempts say nothing reliable about a question or the quiz: a question
# answered once is 0% or 100% "facility", and two attempts can give alpha above 1.
MIN_ATTEMPTS = 5


# Drawing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PoolQuestion:
    id: int
    objective_id: int


def draw_questions(
    pool: Sequence[PoolQuestion], count: int, rng: random.Random, rotation: int = 0
) -> list[int]:
    """``count`` question ids, spread as evenly as possible across objectives.

    Objectives take turns (in a random order) giving one question each, so no
    objective gets a second question before every objective that still has
    questions has had one. Within an objective the questions rotate with
    ``rotation`` (the number of earlier attempts): attempt n starts n windows
    further along the objective's questions, so successive attempts walk through
    every question instead of meeting the same ones again. The result is in
    random order.
    """
    by_objective: dict[int, list[int]] = defaultdict(list)
    for question in sorted(pool, key=lambda q: q.id):
        by_objective[question.objective_id].append(question.id)
    if not by_objective or count <= 0:
        return []
    # The questions every objective gives at least, and so how far each attempt moves on.
    window = max(1, count // len(by_objective))
    queues = []
    for _, ids in sorted(by_objective.items()):
        start = (rotation * window) % len(ids)
        queues.append(ids[start:] + ids[:start])
    rng.shuffle(queues)
    drawn: list[int] = []
    while len(drawn) < count and any(queues):
        for queue in queues:
            if queue and len(drawn) < count:
                drawn.append(queue.pop(0))
    rng.shuffle(drawn)
    return drawn


def option_order(option_ids: Sequence[str], shuffle: bool, rng: random.Random) -> list[str]:
    if not shuffle:
        return list(option_ids)
    return rng.sample(list(option_ids), len(option_ids))


# Timing and permission to start ------------------------------------------------------------


def attempt_deadline(
    started_at: datetime, time_limit_minutes: int | None, time_factor: Decimal, closes_at: datetime | None
) -> datetime | None:
    """When the attempt ends: the (stretched) time limit, but never after the quiz closes."""
    ends = []
    if time_limit_minutes:
        seconds = int(Decimal(time_limit_minutes * 60) * time_factor)
        ends.append(started_at + timedelta(seconds=seconds))
    if closes_at is not None:
        ends.append(closes_at)
    return min(ends) if ends else None


def accepts_answers(now: datetime, deadline: datetime | None) -> bool:
    return deadline is None or now <= deadline + GRACE


@dataclass(frozen=True)
class StartDecision:
    ok: bool
    reasons: tuple[str, ...] = ()


def may_start(
    *,
    now: datetime,
    opens_at: datetime | None,
    closes_at: datetime | None,
    attempts_used: int,
    attempts_allowed: int,
    enrolled: bool,
) -> StartDecision:
    """Whether a new attempt may start, with every reason it may not."""
    reasons = []
    if not enrolled:
        reasons.append(gettext("Only trainees with a confirmed place in the workshop can take this quiz."))
    if opens_at is not None and now < opens_at:
        reasons.append(gettext("The quiz is not open yet."))
    if closes_at is not None and now >= closes_at:
        reasons.append(gettext("The quiz has closed."))
    if attempts_used >= attempts_allowed:
        reasons.append(gettext("You have used all %(count)s attempt(s).", count=attempts_allowed))
    return StartDecision(not reasons, tuple(reasons))


def show_feedback(timing: str, now: datetime, closes_at: datetime | None) -> bool:
    """Whether per-question feedback (right answers, explanations) may be shown."""
    if timing == "immediate":
        return True
    if timing == "after_close":
        return closes_at is not None and now >= closes_at
    return False


# Hotspots ----------------------------------------------------------------------------------


def point_in_rect(x: float, y: float, shape: Mapping[str, Any]) -> bool:
    left, top = float(shape["x"]), float(shape["y"])
    return left <= x <= left + float(shape["w"]) and top <= y <= top + float(shape["h"])


def point_in_circle(x: float, y: float, shape: Mapping[str, Any]) -> bool:
    dx, dy = x - float(shape["cx"]), y - float(shape["cy"])
    return dx * dx + dy * dy <= float(shape["r"]) ** 2


def point_in_polygon(x: float, y: float, points: Sequence[Sequence[float]]) -> bool:
    """Even-odd ray casting; a point on an edge counts as inside."""
    inside = False
    n = len(points)
    for i in range(n):
        x1, y1 = float(points[i][0]), float(points[i][1])
        x2, y2 = float(points[(i + 1) % n][0]), float(points[(i + 1) % n][1])
        # On the edge: collinear and within the segment's box.
        cross = (x2 - x1) * (y - y1) - (y2 - y1) * (x - x1)
        if abs(cross) < 1e-9 and min(x1, x2) <= x <= max(x1, x2) and min(y1, y2) <= y <= max(y1, y2):
            return True
        if (y1 > y) != (y2 > y):
            crossing_x = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
            if x < crossing_x:
                inside = not inside
    return inside


def point_in_region(x: float, y: float, shape: Mapping[str, Any]) -> bool:
    kind = shape.get("shape")
    if kind == "rect":
        return point_in_rect(x, y, shape)
    if kind == "circle":
        return point_in_circle(x, y, shape)
    if kind == "polygon":
        return point_in_polygon(x, y, shape["points"])
    return False


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


# Regions as the editor sends them: a list of shapes, a polygon's list of points, a
# point's pair of numbers. Anything deeper or longer is not a drawing.
MAX_HOTSPOT_JSON_CHARS = 50_000
MAX_HOTSPOT_JSON_DEPTH = 4


def json_depth(text: str) -> int:
    """How deeply arrays and objects nest in JSON ``text``, counted without parsing it
    (a parser recurses once per level; a few thousand levels exhaust the stack)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def hotspot_json_problem(text: str) -> str | None:
    """Why regions sent as ``text`` are not even worth parsing, or None."""
    if len(text) > MAX_HOTSPOT_JSON_CHARS or json_depth(text) > MAX_HOTSPOT_JSON_DEPTH:
        return "The regions could not be read: draw them again."
    return None


def clean_hotspots(shapes: Any, width: int, height: int) -> tuple[list[dict[str, Any]], list[str]]:
    """Check regions drawn on a ``width`` x ``height`` image: (clean regions, problems)."""
    problems: list[str] = []
    if not isinstance(shapes, list) or not shapes:
        return [], ["Draw at least one region on the image."]
    if len(shapes) > 20:
        return [], ["Draw at most 20 regions."]
    clean: list[dict[str, Any]] = []

    def within(px: float, py: float) -> bool:
        return 0 <= px <= width and 0 <= py <= height

    for index, shape in enumerate(shapes, start=1):
        kind = shape.get("shape") if isinstance(shape, dict) else None
        if kind == "rect":
            x, y, w, h = (_number(shape.get(k)) for k in ("x", "y", "w", "h"))
            if (
                x is None
                or y is None
                or w is None
                or h is None
                or w <= 0
                or h <= 0
                or not within(x, y)
                or not within(x + w, y + h)
            ):
                problems.append(f"Region {index}: the rectangle must have a size and lie on the image.")
                continue
            clean.append(
                {"shape": "rect", "x": round(x, 1), "y": round(y, 1), "w": round(w, 1), "h": round(h, 1)}
            )
        elif kind == "circle":
            cx, cy, r = (_number(shape.get(k)) for k in ("cx", "cy", "r"))
            if cx is None or cy is None or r is None or r <= 0 or not within(cx, cy):
                problems.append(f"Region {index}: the circle must have a radius and its centre on the image.")
                continue
            clean.append({"shape": "circle", "cx": round(cx, 1), "cy": round(cy, 1), "r": round(r, 1)})
        elif kind == "polygon":
            raw = shape.get("points")
            points = []
            if isinstance(raw, list) and 3 <= len(raw) <= 100:
                for point in raw:
                    if isinstance(point, list | tuple) and len(point) == 2:
                        px, py = _number(point[0]), _number(point[1])
                        if px is not None and py is not None and within(px, py):
                            points.append([round(px, 1), round(py, 1)])
            if len(points) != len(raw or []) or len(points) < 3 or _polygon_area(points) <= 0:
                problems.append(f"Region {index}: a polygon needs 3 to 100 corners on the image and an area.")
                continue
            clean.append({"shape": "polygon", "points": points})
        else:
            problems.append(f"Region {index}: the shape must be a rectangle, a circle or a polygon.")
    return clean, problems


def _polygon_area(points: Sequence[Sequence[float]]) -> float:
    total = 0.0
    for i in range(len(points)):
        x1, y1 = points[i]
        x2, y2 = points[(i + 1) % len(points)]
        total += x1 * y2 - x2 * y1
    return abs(total) / 2


# Grading -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class GradableQuestion:
    kind: str  # "single", "multiple", "true_false", "hotspot"
    options: Sequence[Mapping[str, Any]] = ()
    hotspots: Sequence[Mapping[str, Any]] = ()


def grade_question(question: GradableQuestion, response: Mapping[str, Any] | None) -> Decimal:
    """The fraction of the question's mark earned, 0 to 1.

    Single choice and true/false: right or wrong. Multiple response: each correct
    option chosen adds 1/(number of correct options), each wrong one chosen
    subtracts 1/(number of wrong options), never below zero (so choosing every
    option earns nothing). Hotspot: the clicked point inside any drawn region.
    """
    if not response:
        return Decimal(0)
    if question.kind == "hotspot":
        x, y = _number(response.get("x")), _number(response.get("y"))
        if x is None or y is None:
            return Decimal(0)
        return Decimal(1) if any(point_in_region(x, y, s) for s in question.hotspots) else Decimal(0)
    chosen = response.get("options")
    if not isinstance(chosen, list):
        return Decimal(0)
    chosen_ids = {str(c) for c in chosen}
    correct = {str(o["id"]) for o in question.options if o.get("correct")}
    wrong = {str(o["id"]) for o in question.options if not o.get("correct")}
    if question.kind in ("single", "true_false"):
        return Decimal(1) if len(chosen_ids) == 1 and chosen_ids <= correct else Decimal(0)
    if not correct:
        return Decimal(0)
    earned = Decimal(len(chosen_ids & correct)) / len(correct)
    if wrong:
        earned -= Decimal(len(chosen_ids & wrong)) / len(wrong)
    return max(Decimal(0), earned).quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class AttemptGrade:
    score: Decimal  # points, one per question
    max_score: int
    percent: Decimal
    passed: bool


def grade_attempt(fractions: Sequence[Decimal], max_score: int, pass_percent: Decimal) -> AttemptGrade:
    score = sum(fractions, Decimal(0)).quantize(FOUR_PLACES)
    percent = (score * 100 / max_score).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)
    return AttemptGrade(score=score, max_score=max_score, percent=percent, passed=percent >= pass_percent)


@dataclass(frozen=True)
class AttemptResult:
    number: int
    percent: Decimal


def counting_attempt(attempts: Iterable[AttemptResult], method: str) -> AttemptResult | None:
    """The graded attempt that makes the quiz grade: highest, first or last (by number)."""
    graded = sorted(attempts, key=lambda a: a.number)
    if not graded:
        return None
    if method == "first":
        return graded[0]
    if method == "last":
        return graded[-1]
    # Highest; the earlier attempt wins a tie.
    return max(graded, key=lambda a: (a.percent, -a.number))


@dataclass(frozen=True)
class QuizGrade:
    percent: Decimal | None
    passed: bool
    overridden: bool


def quiz_grade(counting: AttemptResult | None, override: Decimal | None, pass_percent: Decimal) -> QuizGrade:
    """The trainee's grade on a quiz: a manual override wins over the attempts."""
    if override is not None:
        return QuizGrade(override, override >= pass_percent, True)
    if counting is None:
        return QuizGrade(None, False, False)
    return QuizGrade(counting.percent, counting.percent >= pass_percent, False)


# Knowledge gain ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Gain:
    pre: Decimal
    post: Decimal
    gain: Decimal  # post - pre, in percentage points
    normalised: Decimal | None  # Hake's (post - pre) / (100 - pre); None when pre is 100


def gain(pre: Decimal, post: Decimal) -> Gain:
    difference = (post - pre).quantize(TWO_PLACES)
    normalised = None if pre >= 100 else ((post - pre) / (100 - pre)).quantize(TWO_PLACES)
    return Gain(pre=pre, post=post, gain=difference, normalised=normalised)


# Item analysis -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemSums:
    """Sums over the graded attempts that drew the item: x is the item score
    (0..1), t the attempt's total score in points."""

    n: int
    sum_x: float
    sum_xx: float
    sum_t: float
    sum_tt: float
    sum_xt: float


@dataclass(frozen=True)
class ItemStatistics:
    n: int
    facility: float | None  # mean score, 0..1
    sd: float | None
    discrimination: float | None  # corrected item-total correlation, -1..1
    flags: tuple[str, ...] = field(default=())


def _pearson(n: int, sx: float, sy: float, sxx: float, syy: float, sxy: float) -> float | None:
    vx = n * sxx - sx * sx
    vy = n * syy - sy * sy
    if n < 2 or vx <= 1e-12 or vy <= 1e-12:
        return None
    return (n * sxy - sx * sy) / math.sqrt(vx * vy)


def _bounded(value: float | None, low: float, high: float) -> float | None:
    # Sums of floats can land a hair outside the range the statistic lives in.
    return None if value is None else min(high, max(low, value))


def item_statistics(sums: ItemSums, minimum: int = MIN_ATTEMPTS) -> ItemStatistics:
    """Facility, standard deviation and discrimination of one question, once at least
    ``minimum`` graded attempts drew it (before that only the count).

    Discrimination is Moodle's: the correlation between the score on this item and
    the score on the rest of the attempt (the total minus this item), so the item
    does not correlate with itself.
    """
    n = sums.n
    if n < max(minimum, 2):
        return ItemStatistics(n, None, None, None, ())
    facility = min(1.0, max(0.0, sums.sum_x / n))
    sd = math.sqrt(max(0.0, sums.sum_xx / n - facility * facility) * n / (n - 1))
    # y = t - x, the rest of the attempt
    sum_y = sums.sum_t - sums.sum_x
    sum_yy = sums.sum_tt - 2 * sums.sum_xt + sums.sum_xx
    sum_xy = sums.sum_xt - sums.sum_xx
    discrimination = _bounded(_pearson(n, sums.sum_x, sum_y, sums.sum_xx, sum_yy, sum_xy), -1.0, 1.0)
    flags = []
    if facility >= TOO_EASY:
        flags.append("too easy")
    if facility <= TOO_HARD:
        flags.append("too hard")
    if discrimination is None or discrimination < WEAK_DISCRIMINATION:
        flags.append("does not discriminate")
    return ItemStatistics(n, facility, sd, discrimination, tuple(flags))


def cronbach_alpha(
    items_per_attempt: int,
    item_variances: Sequence[float],
    total_variance: float | None,
    *,
    attempts: int,
    minimum: int = MIN_ATTEMPTS,
) -> float | None:
    """Cronbach's alpha: k/(k-1) x (1 - sum of item variances / variance of totals),
    at most 1; None below ``minimum`` attempts or when the scores do not vary.

    With questions drawn at random not every attempt sees every item; the sum of
    item variances is then k times their mean (exactly the sum when all attempts
    see the same k items). That estimate can be 0 while the totals vary (each item
    constant among the few attempts that drew it), which would give k/(k-1) > 1:
    no alpha then, rather than a number no test can reach.
    """
    k = items_per_attempt
    if attempts < max(minimum, 2) or k < 2 or not item_variances:
        return None
    if not total_variance or total_variance <= 1e-12:
        return None
    summed = k * (sum(item_variances) / len(item_variances))
    if summed <= 1e-12:
        return None
    return min(1.0, (k / (k - 1)) * (1 - summed / total_variance))


def variance(n: int, total: float, total_of_squares: float) -> float | None:
    """Sample variance from the count, the sum and the sum of squares."""
    if n < 2:
        return None
    return max(0.0, (total_of_squares - total * total / n) / (n - 1))


def histogram(bucket_counts: Mapping[int, int], buckets: int = 10) -> list[tuple[str, int]]:
    """Counts per 10% band of score ("0-9%", ..., "90-100%"); 100% joins the last band."""
    counts = [0] * buckets
    for bucket, count in bucket_counts.items():
        counts[min(max(int(bucket), 0), buckets - 1)] += count
    width = 100 // buckets
    labels = [
        f"{i * width}-{(i + 1) * width - 1}%" if i < buckets - 1 else f"{i * width}-100%"
        for i in range(buckets)
    ]
    return list(zip(labels, counts, strict=True))
