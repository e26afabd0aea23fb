"""The scoring rule, as a pure function: no clock, no I/O.

A correct answer scores round(1000 * (1 - (elapsed / duration) / 2)), and a full
1000 within the first half second; wrong or late answers score 0. From the second
consecutive correct answer on, a streak bonus of +100 per step, capped at +500.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_POINTS = 1000
# Reading the question takes a moment: answers inside this window get full points.
GRACE_SECONDS = 0.5
STREAK_STEP = 100
STREAK_CAP = 500


@dataclass(frozen=True, slots=True)
class Rules:
    """The host's choices at creation."""

    speed_bonus: bool = True
    streak: bool = True


@dataclass(frozen=True, slots=True)
class Outcome:
    """Points for one answer and the player's streak after it."""

    points: int
    streak: int
    late: bool


def base_points(elapsed: float, duration: float, *, speed_bonus: bool) -> int:
    """Points for a correct, on-time answer before any streak bonus."""
    if not speed_bonus or elapsed <= GRACE_SECONDS:
        return MAX_POINTS
    return round(MAX_POINTS * (1 - (elapsed / duration) / 2))


def streak_bonus(streak: int) -> int:
    """Bonus for the streak-th consecutive correct answer (1 = first, no bonus)."""
    return min(STREAK_STEP * max(streak - 1, 0), STREAK_CAP)


def score_answer(
    *, correct: bool, elapsed: float, duration: float, streak_before: int, rules: Rules
) -> Outcome:
    """Score one answer.

    Args:
        correct: whether the chosen option is the right one.
        elapsed: seconds from the question opening to the answer's arrival at the scorer.
        duration: seconds the question stays open.
        streak_before: consecutive correct answers up to the previous question.
        rules: the quiz's settings.
    """
    late = elapsed > duration
    if not correct or late:
        return Outcome(points=0, streak=0, late=late)
    streak = streak_before + 1
    points = base_points(max(elapsed, 0.0), duration, speed_bonus=rules.speed_bonus)
    if rules.streak:
        points += streak_bonus(streak)
    return Outcome(points=points, streak=streak, late=False)
