"""The scoring rule: exact values and properties over all inputs."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scorer.rules import Rules, base_points, score_answer, streak_bonus

ALL = Rules()
durations = st.floats(min_value=3, max_value=600)


@pytest.mark.parametrize(("elapsed", "duration", "points"), [
    (0.0, 20, 1000),
    (0.5, 20, 1000),       # within the first half second: full points
    (0.51, 20, 987),       # round(1000 * (1 - 0.0255/2))
    (10.0, 20, 750),
    (20.0, 20, 500),       # the last moment still counts half
    (5.0, 10, 750),
])
def test_base_points_follow_the_formula(elapsed: float, duration: float, points: int) -> None:
    assert base_points(elapsed, duration, speed_bonus=True) == points


@pytest.mark.parametrize(("streak", "bonus"), [(0, 0), (1, 0), (2, 100), (3, 200), (6, 500),
                                               (7, 500), (50, 500)])
def test_streak_bonus_starts_at_the_second_and_caps(streak: int, bonus: int) -> None:
    assert streak_bonus(streak) == bonus


def test_wrong_and_late_answers_score_zero_and_break_the_streak() -> None:
    wrong = score_answer(correct=False, elapsed=1, duration=20, streak_before=4, rules=ALL)
    late = score_answer(correct=True, elapsed=20.01, duration=20, streak_before=4, rules=ALL)
    assert (wrong.points, wrong.streak, wrong.late) == (0, 0, False)
    assert (late.points, late.streak, late.late) == (0, 0, True)


def test_host_can_turn_speed_and_streak_off() -> None:
    flat = Rules(speed_bonus=False, streak=False)
    outcome = score_answer(correct=True, elapsed=19, duration=20, streak_before=5, rules=flat)
    assert outcome.points == 1000
    assert outcome.streak == 6


@given(elapsed=st.floats(min_value=0, max_value=600), duration=durations,
       streak=st.integers(min_value=0, max_value=100), correct=st.booleans())
def test_points_are_bounded_and_zero_unless_correct_in_time(
        elapsed: float, duration: float, streak: int, correct: bool) -> None:
    outcome = score_answer(correct=correct, elapsed=elapsed, duration=duration,
                           streak_before=streak, rules=ALL)
    if correct and elapsed <= duration:
        assert 500 <= outcome.points <= 1500
        assert outcome.streak == streak + 1
    else:
        assert outcome.points == 0
        assert outcome.streak == 0


@given(a=st.floats(min_value=0, max_value=600), b=st.floats(min_value=0, max_value=600),
       duration=durations)
def test_a_faster_correct_answer_never_scores_less(a: float, b: float, duration: float) -> None:
    fast, slow = sorted((min(a, duration), min(b, duration)))
    assert base_points(fast, duration, speed_bonus=True) >= \
        base_points(slow, duration, speed_bonus=True)
