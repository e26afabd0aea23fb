"""A self-paced player's step, read from the status the scorer publishes for it."""

from client.homework import Answered, Answering, Done, Ready, step
from scorer.game import Quiz
from scorer.views import player_view
from tests.unit.test_game import QUESTIONS, answer
from tests.unit.test_game_self_paced import homework, open_q


def ann_step(quiz: Quiz) -> object:
    return step(player_view(quiz, "ann"), len(quiz.questions))


def test_a_player_goes_from_ready_to_done_one_question_at_a_time() -> None:
    quiz = homework("ann")
    assert ann_step(quiz) == Ready()  # joined: nothing opened, no clock running
    for q, question in enumerate(QUESTIONS):
        open_q(quiz, "ann", q, now=100.0 + 30 * q)
        assert ann_step(quiz) == Answering(q)  # a reload opens it again, same clock
        answer(quiz, "ann", q, question.correct, now=105.0 + 30 * q)
        assert ann_step(quiz) == (Answered(q) if q + 1 < len(QUESTIONS) else Done())


def test_a_question_left_unanswered_is_behind_once_the_next_opens() -> None:
    quiz = homework("ann")
    open_q(quiz, "ann", 0, now=100.0)
    open_q(quiz, "ann", 1, now=200.0)  # moved on without answering 0
    assert ann_step(quiz) == Answering(1)
