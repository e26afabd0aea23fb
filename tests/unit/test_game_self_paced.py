"""A self-paced quiz (homework, contract revision 8): each player's own clock, one at a time."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protocol import auth
from scorer.game import Quiz, Refused
from tests.unit.test_game import CODE, QUESTIONS, answer, make_quiz, secret

UNTIL = 10_000.0


def homework(*names: str, **settings: object) -> Quiz:
    quiz = make_quiz(until=UNTIL, **settings)
    quiz.phase = "open"  # as the handler creates it
    for name in names:
        quiz.join(name, name, secret(name))
    return quiz


def open_q(quiz: Quiz, player: str, q: int, now: float) -> float:
    """Open question q for a player; the clock it runs on."""
    opened = quiz.open_question(player, q, auth.sign_open(secret(player), CODE, player, q), now)
    return opened.opened_at


def refusal(call: object, *args: object) -> str:
    with pytest.raises(Refused) as refused:
        call(*args)  # type: ignore[operator]
    return refused.value.reason


def test_each_player_is_timed_from_the_moment_they_open_the_question() -> None:
    quiz = homework("ann", "bob")
    open_q(quiz, "ann", 0, now=100.0)
    open_q(quiz, "bob", 0, now=5000.0)  # hours later: a clock of its own
    assert answer(quiz, "ann", 0, QUESTIONS[0].correct, now=110.0) == 750
    assert answer(quiz, "bob", 0, QUESTIONS[0].correct, now=5010.0) == 750
    assert quiz.own_question(quiz.players["bob"]).deadline == 5020.0


def test_opening_again_keeps_the_first_clock_and_shows_no_answer() -> None:
    quiz = homework("ann")
    assert open_q(quiz, "ann", 0, now=100.0) == 100.0
    assert open_q(quiz, "ann", 0, now=115.0) == 100.0  # a retry, a reload: the same clock
    view = quiz.own_question(quiz.players["ann"])
    assert (view.index, view.opened_at, view.deadline) == (0, 100.0, 120.0)
    assert not hasattr(view, "correct")
    assert answer(quiz, "ann", 0, QUESTIONS[0].correct, now=118.0) == 550


def test_questions_open_one_after_another_none_skipped_none_twice() -> None:
    quiz = homework("ann")
    assert refusal(open_q, quiz, "ann", 1, 100.0) == "not_open"  # question 1 comes first
    open_q(quiz, "ann", 0, now=100.0)
    assert quiz.next_for(quiz.players["ann"]) == 0  # the open question, not answered yet
    answer(quiz, "ann", 0, QUESTIONS[0].correct, now=111.0)
    assert quiz.next_for(quiz.players["ann"]) == 1
    open_q(quiz, "ann", 1, now=112.0)
    assert refusal(open_q, quiz, "ann", 0, 113.0) == "closed"
    assert refusal(answer, quiz, "ann", 0, 0, 113.0) == "already_answered"
    assert refusal(answer, quiz, "ann", 2, 0, 113.0) == "not_open"
    assert refusal(open_q, quiz, "ann", 3, 113.0) == "not_open"  # no such question


def test_moving_on_leaves_the_open_question_unanswered_for_good() -> None:
    quiz = homework("ann")
    open_q(quiz, "ann", 0, now=100.0)
    open_q(quiz, "ann", 1, now=105.0)  # moved on: question 1 stays unanswered
    assert quiz.next_for(quiz.players["ann"]) == 1
    assert refusal(answer, quiz, "ann", 0, QUESTIONS[0].correct, 121.0) == "closed"
    assert quiz.players["ann"].answered == 0


def test_a_late_answer_is_stored_late_for_no_points() -> None:
    quiz = homework("ann")
    open_q(quiz, "ann", 0, now=100.0)
    assert answer(quiz, "ann", 0, QUESTIONS[0].correct, now=130.0) == 0
    last = quiz.players["ann"].last
    assert last is not None and last.late and last.correct


def test_the_scoring_rules_are_a_live_quizs_streak_and_calm_too() -> None:
    quiz = homework("ann")
    for q in range(3):
        open_q(quiz, "ann", q, now=100.0 * (q + 1))
        answer(quiz, "ann", q, QUESTIONS[q].correct, now=100.0 * (q + 1))
    assert quiz.players["ann"].streak == 3
    assert quiz.next_for(quiz.players["ann"]) == 3
    calm = homework("bob", calm=True, speed_bonus=False, streak=False)
    open_q(calm, "bob", 0, now=100.0)
    assert answer(calm, "bob", 0, QUESTIONS[0].correct, now=119.0) == 1000
    assert calm.players["bob"].streak == 0 and calm.rank("bob") == 0


def test_only_the_player_opens_their_questions() -> None:
    quiz = homework("ann", "bob")
    forged = auth.sign_open(secret("bob"), CODE, "ann", 0)
    assert refusal(quiz.open_question, "ann", 0, forged, 100.0) == "bad_signature"
    assert refusal(quiz.open_question, "zed", 0, forged, 100.0) == "unknown_player"
    assert quiz.players["ann"].opened_q == -1
    quiz.kick("bob")
    assert refusal(open_q, quiz, "bob", 0, 100.0) == "kicked"


def test_the_deadline_finishes_the_quiz_and_cuts_the_last_clock_short() -> None:
    quiz = homework("ann")
    open_q(quiz, "ann", 0, now=UNTIL - 5)
    assert quiz.own_question(quiz.players["ann"]).deadline == UNTIL
    assert quiz.tick(now=UNTIL - 0.1) == []
    assert [t.phase for t in quiz.tick(now=UNTIL)] == ["finished"]
    assert quiz.index == len(QUESTIONS) - 1  # every question is a word to review
    assert refusal(open_q, quiz, "ann", 1, UNTIL + 1) == "finished"
    assert refusal(answer, quiz, "ann", 0, 0, UNTIL + 1) == "finished"
    assert refusal(quiz.join, "new", "new", secret("new")) == "finished"


def test_a_live_quiz_opens_no_question_for_one_player() -> None:
    quiz = make_quiz()
    quiz.join("ann", "ann", secret("ann"))
    assert refusal(open_q, quiz, "ann", 0, 100.0) == "not_open"
    assert quiz.next_for(quiz.players["ann"]) == -1


def test_host_commands_of_a_live_quiz_change_nothing_in_homework() -> None:
    quiz = homework("ann")
    assert quiz.start(now=100.0) == [] and quiz.next(at=-1, now=100.0) == []
    assert quiz.pause(now=100.0) == [] and quiz.phase == "open"
    assert refusal(quiz.answer_key) == "not_open"
    assert [t.phase for t in quiz.end()] == ["finished"]  # the host may end it early


def test_progress_counts_who_started_and_who_answered_everything() -> None:
    quiz = homework("ann", "bob", "cid")
    assert quiz.progress() == (0, 0)
    open_q(quiz, "bob", 0, now=100.0)
    for q in range(3):
        open_q(quiz, "ann", q, now=100.0 * (q + 1))
        answer(quiz, "ann", q, 0, now=100.0 * (q + 1) + 1)
    assert quiz.progress() == (2, 1)


@given(st.lists(st.tuples(st.sampled_from(["open", "answer", "open again"]),
                          st.floats(min_value=0, max_value=60)), max_size=30))
def test_every_answer_is_timed_by_the_first_opening_of_its_question(
        steps: list[tuple[str, float]]) -> None:
    """Whatever the order of requests, an answer's elapsed time counts from the first opening."""
    quiz = homework("ann")
    now, first_opened = 100.0, {}
    player = quiz.players["ann"]
    for step, wait in steps:
        now += wait
        if step == "answer" and player.opened_q >= 0:
            if quiz.next_for(player) != player.opened_q:  # answered: a second is refused
                assert refusal(answer, quiz, "ann", player.opened_q, 0, now) == \
                    "already_answered"
                continue
            answer(quiz, "ann", player.opened_q, 0, now)
            assert player.last is not None
            assert player.last.elapsed_ms == round((now - first_opened[player.opened_q]) * 1000)
        elif step == "open again" and player.opened_q >= 0:
            assert open_q(quiz, "ann", player.opened_q, now) == first_opened[player.opened_q]
        elif step == "open" and player.opened_q + 1 < len(QUESTIONS):
            q = player.opened_q + 1  # moving on, whether the open one was answered or not
            assert open_q(quiz, "ann", q, now) == now
            first_opened[q] = now
        assert quiz.next_for(player) in (player.opened_q, player.opened_q + 1)
    assert player.answered <= len(first_opened)
