"""Pausing a question: the clock stops for everyone and the points count running time only."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocol.messages import REVEAL_SECONDS
from scorer.game import Refused
from tests.unit.test_game import QUESTIONS, answer, started


def test_an_answer_during_a_pause_is_refused_with_its_reason() -> None:
    quiz = started("ann")
    assert quiz.pause(now=105.0)
    with pytest.raises(Refused) as refused:
        answer(quiz, "ann", 0, QUESTIONS[0].correct, now=106.0)
    assert refused.value.reason == "paused"
    assert "paused" in str(refused.value)
    assert quiz.players["ann"].answered == 0  # it may answer again once resumed
    quiz.resume(now=200.0)
    assert answer(quiz, "ann", 0, QUESTIONS[0].correct, now=201.0) > 0


def test_the_deadline_waits_while_paused_and_the_time_left_stays() -> None:
    quiz = started("ann")  # opened at 100, 20 s
    quiz.pause(now=110.0)
    assert quiz.remaining(now=500.0) == 10.0
    assert quiz.tick(now=500.0) == []  # no reveal while paused, however long
    assert quiz.phase == "question"
    quiz.resume(now=500.0)
    assert quiz.remaining(now=500.0) == 10.0
    assert quiz.tick(now=509.9) == []
    assert [t.phase for t in quiz.tick(now=510.0)] == ["reveal"]


def test_an_auto_reveal_waits_too() -> None:
    quiz = started("ann", auto=True)
    quiz.tick(now=120.0)  # the deadline reveals
    quiz.pause(now=121.0)
    assert quiz.tick(now=1000.0) == []
    quiz.resume(now=1000.0)
    # the answer had 1 s on screen before the pause: REVEAL_SECONDS - 1 more after it
    assert quiz.tick(now=1000.0 + REVEAL_SECONDS - 1.1) == []
    assert [t.phase for t in quiz.tick(now=1000.0 + REVEAL_SECONDS - 0.9)] == ["question"]


def test_pause_and_resume_are_no_ops_where_they_mean_nothing() -> None:
    quiz = started("ann")
    assert quiz.resume(now=101.0) == []  # not paused
    assert quiz.pause(now=102.0)
    assert quiz.pause(now=103.0) == []  # paused already: the first pause stands
    assert quiz.remaining(now=150.0) == 18.0
    quiz.end()
    assert not quiz.paused
    assert quiz.pause(now=104.0) == []  # nothing on screen to pause


def test_moving_on_ends_the_pause() -> None:
    quiz = started("ann")
    quiz.pause(now=105.0)
    quiz.next(at=0, now=106.0)  # the host reveals the paused question
    assert quiz.phase == "reveal"
    assert not quiz.paused


# Whole milliseconds, as the scorer counts them: (running time at the pause, its length).
seconds = st.integers(0, 19_900).map(lambda ms: ms / 1000)
pauses = st.lists(st.tuples(seconds, st.integers(0, 3_600_000).map(lambda ms: ms / 1000)),
                  max_size=5)


@given(pauses=pauses, running=seconds)
def test_points_count_only_the_time_the_clock_ran(
        pauses: list[tuple[float, float]], running: float) -> None:
    """The same running time scores the same, however the host paused on the way."""
    plain = started("ann")
    expected = answer(plain, "ann", 0, QUESTIONS[0].correct, now=100.0 + running)
    quiz = started("ann")
    now, ran = 100.0, 0.0
    for at, held in sorted(pauses):
        if at > running:
            break
        now += at - ran  # the clock runs up to the pause...
        ran = at
        quiz.pause(now)
        now += held  # ...and stands still during it
        quiz.resume(now)
    now += running - ran
    assert quiz.remaining(now) == pytest.approx(20.0 - running)
    assert answer(quiz, "ann", 0, QUESTIONS[0].correct, now=now) == expected
