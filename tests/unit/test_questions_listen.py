"""Listening questions: made from a deck, never showing their word, judged as they are heard."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocol import auth
from protocol.messages import QUESTION_KINDS, Settings
from scorer import sounds
from scorer.deck import DeckError, Entry, forms, load_builtin
from scorer.game import Quiz, Refused
from scorer.questions import (
    LISTEN_CHOICE_PROMPT,
    LISTEN_PROMPT,
    listen_choice_ready,
    listen_ready,
    make_questions,
)
from tests.conftest import near_miss

DECK = load_builtin("everyday")
CODE = "ABCDEF"


def entry(term: str, definition: str, **more: str | tuple[str, ...]) -> Entry:
    return Entry(term, definition, "noun", **more)  # type: ignore[arg-type]


def shows_word(text: str, term: str) -> bool:
    """The term or one of its inflections in a text, as a reader would spot it."""
    lowered = f" {text.lower()} "
    return any(f" {form} " in lowered or f" {form}." in lowered or f" {form}," in lowered
               for form in forms(term))


@given(st.integers(0, 2**32), st.sampled_from(["listen", "listen-choice"]))
@settings(max_examples=40, deadline=None)
def test_a_listening_prompt_never_holds_its_word(seed: int, kind: str) -> None:
    questions = make_questions(DECK, 20, random.Random(seed), kinds=(kind,))  # type: ignore[arg-type]
    for question in questions:
        assert not shows_word(question.prompt, question.word), question
        assert question.word.lower() not in question.prompt.lower()


def test_a_listen_choice_question_offers_its_words_sound_alike_group() -> None:
    questions = make_questions(DECK, 50, random.Random(3), kinds=("listen-choice",))
    for question in questions:
        assert question.prompt == LISTEN_CHOICE_PROMPT
        assert question.choices[question.correct] == question.word
        assert len(set(question.choices)) == 4
        assert sorted(question.choices) in [sorted(g) for g in sounds.groups_of(question.word)]


def test_listen_choice_keeps_the_decks_spelling_of_its_word() -> None:
    deck = [entry("colour", "what red and blue are"), entry("table", "furniture"),
            entry("river", "water"), entry("window", "in a wall")]
    groups = (("color", "collar", "caller", "cooler"),)
    assert sounds.choices_for("colour", groups[0]) == ["colour", "collar", "caller", "cooler"]
    with pytest.raises(DeckError, match="1 listen-choice questions need as many entries "
                                        "whose word stands in a group"):
        make_questions(deck[1:], 1, random.Random(1), kinds=("listen-choice",))


def test_a_deck_with_no_word_in_a_group_is_refused_with_the_reason() -> None:
    deck = [entry("photosynthesis", "how plants make food from light"),
            entry("archipelago", "a group of islands"), entry("look after", "to care for"),
            entry("meanwhile", "at the same time")]
    assert not any(listen_choice_ready(e) for e in deck)
    with pytest.raises(DeckError, match="the deck has 0"):
        make_questions(deck, 2, random.Random(1), kinds=("choice", "listen-choice"))


def test_listen_gives_the_meaning_unless_the_definition_holds_the_word() -> None:
    deck = [entry("steal", "to take something that is not yours"),
            entry("lesson", "a lesson at school, a period of teaching"),
            entry("table", "furniture"), entry("river", "water")]
    made = {q.word: q for q in make_questions(deck, 4, random.Random(2), kinds=("listen",))}
    assert made["steal"].prompt == (f"{LISTEN_PROMPT} It means: to take something that is "
                                    f"not yours")
    # the meaning holds the word: the instruction alone, and its homophone is heard right
    assert made["lesson"].prompt == LISTEN_PROMPT
    assert "lessen" in made["lesson"].accept
    assert made["steal"].accept == ()  # steel is wrong: the meaning says which word


def test_listen_does_not_take_the_decks_other_answers_for_the_meaning() -> None:
    milestone = entry("milestone", "an important event in the development of something",
                      accept=("landmark",))
    deck = [milestone, entry("table", "furniture"), entry("river", "water"),
            entry("cloud", "in the sky")]
    typed = make_questions([milestone, *deck[1:]], 4, random.Random(1), kinds=("typed",))
    heard = make_questions([milestone, *deck[1:]], 4, random.Random(1), kinds=("listen",))
    assert next(q for q in typed if q.word == "milestone").accept == ("landmark",)
    assert next(q for q in heard if q.word == "milestone").accept == ()


def test_listen_takes_words_and_short_phrases() -> None:
    assert listen_ready(entry("ship", "a boat"))
    assert listen_ready(entry("look after", "to care for"))
    assert not listen_ready(entry("once in a blue moon", "very rarely"))
    assert not listen_ready(entry("24/7", "all the time"))


def test_every_kind_mixes_in_one_quiz_each_word_once() -> None:
    questions = make_questions(DECK, 60, random.Random(5), kinds=QUESTION_KINDS)
    assert sorted(q.kind for q in questions) == sorted(QUESTION_KINDS * 10)
    assert len({q.word for q in questions}) == 60
    for question in questions:
        if question.kind == "listen":
            assert question.choices == () and question.correct == -1
        if question.kind == "listen-choice":
            assert sounds.groups_of(question.word)


def _quiz(*questions: object) -> Quiz:
    made = list(questions)
    quiz = Quiz(code=CODE, settings=Settings(questions=len(made), seconds=20.0),
                questions=made, host_key="ab" * 16, created_at=0.0)  # type: ignore[arg-type]
    quiz.join("ann", "ann", "ab" * 16)
    quiz.start(now=100.0)
    return quiz


def _answer(quiz: Quiz, given: int | str) -> tuple[bool, bool]:
    sig = auth.sign_answer("ab" * 16, CODE, "ann", 0, given)
    record = quiz.answer("ann", 0, given, sig, 100.5).record
    return record.correct, record.typo


@pytest.mark.parametrize(("typed", "verdict"), [
    ("steal", (True, False)),
    (" Steal ", (True, False)),
    (near_miss("steal"), (True, True)),  # a misspelling: a near miss
    ("steel", (False, False)),  # another real word: wrong
    ("still", (False, False)),
])
def test_a_listen_answer_is_judged_by_the_typed_rules(typed: str,
                                                      verdict: tuple[bool, bool]) -> None:
    made = make_questions([entry("steal", "to take something that is not yours"),
                           entry("table", "furniture"), entry("river", "water"),
                           entry("cloud", "in the sky")], 4, random.Random(1),
                          kinds=("listen",))
    question = next(q for q in made if q.word == "steal")
    assert _answer(_quiz(question), typed) == verdict


def test_a_listen_question_takes_a_text_and_listen_choice_a_choice() -> None:
    heard = make_questions(DECK, 2, random.Random(4), kinds=("listen", "listen-choice"))
    by_kind = {q.kind: q for q in heard}
    with pytest.raises(Refused, match="typed answer, not a choice"):
        _answer(_quiz(by_kind["listen"]), 0)
    with pytest.raises(Refused, match="choice, not a typed answer"):
        _answer(_quiz(by_kind["listen-choice"]), by_kind["listen-choice"].word)
    pick = by_kind["listen-choice"]
    assert _answer(_quiz(pick), pick.correct) == (True, False)
    assert _answer(_quiz(pick), (pick.correct + 1) % 4) == (False, False)
