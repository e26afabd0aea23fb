"""Typed answers and the calm mode in the game, with the clock passed in."""

from __future__ import annotations

import pytest

from protocol import auth
from protocol.messages import Settings
from scorer.game import Quiz, Refused
from scorer.questions import Question
from scorer.views import player_view, state_view, words_view

CODE = "ABCDEF"
TYPED = Question(kind="typed", prompt="to get something that is sent to you", pos="verb",
                 choices=(), correct=-1, word="receive", definition="to get something",
                 near=("deceive",))
CHOICE = Question(kind="choice", prompt="a meal", pos="noun",
                  choices=("lunch", "chair", "cloud", "river"), correct=0, word="lunch",
                  definition="a meal")


def secret(name: str) -> str:
    return name.encode().hex().ljust(32, "0")


def started(*names: str, calm: bool = False, questions: tuple[Question, ...] = (TYPED, CHOICE)
            ) -> Quiz:
    quiz = Quiz(code=CODE, settings=Settings(questions=len(questions), seconds=20.0, calm=calm),
                questions=list(questions), host_key="ab" * 16, created_at=0.0)
    for name in names:
        quiz.join(name, name, secret(name))
    quiz.start(now=100.0)
    return quiz


def answer(quiz: Quiz, player: str, given: int | str, now: float = 100.2, q: int = 0) -> int:
    sig = auth.sign_answer(secret(player), CODE, player, q, given)
    return quiz.answer(player, q, given, sig, now).record.points


@pytest.mark.parametrize(("typed", "points"), [
    ("receive", 1000), (" Receive! ", 1000), ("recieve", 500), ("deceive", 0), ("banana", 0)])
def test_a_typed_answer_is_right_near_or_wrong(typed: str, points: int) -> None:
    quiz = started("ann")
    assert answer(quiz, "ann", typed) == points
    record = quiz.players["ann"].last
    assert record is not None and record.text == typed and record.choice == -1
    assert record.typo == (points == 500)


def test_a_near_miss_shows_the_right_spelling_once_the_question_is_revealed() -> None:
    quiz = started("ann", "bob")
    answer(quiz, "ann", "recieve")
    answer(quiz, "bob", "receive")
    ann, bob = player_view(quiz, "ann").last, player_view(quiz, "bob").last
    # a status is public: while the question is open it must not give the word away
    assert ann is not None and ann.typo and ann.expected == ""
    assert quiz.near_misses() == ["ann"]
    quiz.next(at=0, now=101)
    ann, bob = player_view(quiz, "ann").last, player_view(quiz, "bob").last
    assert ann is not None and ann.typo and ann.expected == "receive"
    assert bob is not None and not bob.typo and bob.expected == ""


def test_the_reveal_counts_right_near_and_wrong_for_a_typed_question() -> None:
    quiz = started("ann", "bob", "cy", "dee")
    for name, typed in [("ann", "receive"), ("bob", "recieve"), ("cy", "nope"), ("dee", "RECEIVE")]:
        answer(quiz, name, typed)
    quiz.next(at=0, now=101)
    state = state_view(quiz, 101)
    assert state.question is not None and state.question.kind == "typed"
    assert state.question.choices == []
    assert state.reveal is not None and state.reveal.correct == -1
    assert state.reveal.distribution == [2, 1, 1]


def test_an_answer_of_the_wrong_form_is_refused_and_changes_nothing() -> None:
    quiz = started("ann")
    with pytest.raises(Refused) as refused:
        answer(quiz, "ann", 0)
    assert refused.value.reason == "bad_choice"
    quiz.next(at=0, now=101)
    quiz.next(at=0, now=102)
    with pytest.raises(Refused) as refused:
        answer(quiz, "ann", "lunch", now=103, q=1)
    assert refused.value.reason == "bad_choice"
    assert quiz.players["ann"].answered == 0


def test_a_text_signature_never_passes_for_a_choice() -> None:
    quiz = started("ann", questions=(CHOICE, TYPED))
    sig = auth.sign_answer(secret("ann"), CODE, "ann", 0, "0")
    with pytest.raises(Refused) as refused:
        quiz.answer("ann", 0, 0, sig, 100.2)
    assert refused.value.reason == "bad_signature"


def test_a_calm_quiz_scores_without_speed_or_streak_and_ranks_nobody() -> None:
    quiz = started("ann", "bob", calm=True, questions=(CHOICE, CHOICE))
    assert answer(quiz, "ann", 0, now=119.0) == 1000  # late in the time, still full points
    assert answer(quiz, "bob", 1, now=100.1) == 0
    quiz.next(at=0, now=121)
    quiz.next(at=0, now=122)
    assert answer(quiz, "ann", 0, now=123.0, q=1) == 1000  # no streak bonus
    assert player_view(quiz, "ann").streak == 0  # and no streak counted: no screen shows one
    assert player_view(quiz, "ann").score == 2000
    assert player_view(quiz, "ann").rank == 0 and player_view(quiz, "bob").rank == 0


def test_the_words_to_review_are_the_questions_not_right() -> None:
    quiz = started("ann", "bob")
    answer(quiz, "ann", "recieve")  # a near miss is a word to review
    answer(quiz, "bob", "receive")
    quiz.next(at=0, now=101)
    quiz.next(at=0, now=102)
    answer(quiz, "ann", 0, now=103, q=1)
    quiz.end()
    assert player_view(quiz, "ann").right == [1]
    assert player_view(quiz, "bob").right == [0]
    words = words_view(quiz, 104).words
    assert [(w.term, w.answered, w.right, w.near) for w in words] == [
        ("receive", 2, 1, 1), ("lunch", 1, 1, 0)]
