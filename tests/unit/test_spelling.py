"""The typed-answer judge: what counts as right, as a near miss, and as wrong."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scorer.spelling import judge, near_words, normalize


@pytest.mark.parametrize("typed", ["receive", "Receive", "  RECEIVE ", "receive!", "recéive"])
def test_case_spaces_punctuation_and_accents_never_matter(typed: str) -> None:
    assert judge(typed, "receive") == "right"


@pytest.mark.parametrize(("typed", "word"), [
    ("recieve", "receive"),  # two letters swapped: one edit
    ("recive", "receive"),  # one letter missing
    ("receeve", "receive"),  # one letter wrong
    ("acommodation", "accommodation"),  # long word: one missing
    ("acomodation", "accommodation"),  # long word: two missing
])
def test_near_misses_are_accepted_as_near(typed: str, word: str) -> None:
    assert judge(typed, word) == "near"


@pytest.mark.parametrize(("typed", "word"), [
    ("recve", "receive"),  # two edits in a 7-letter word
    ("acmodation", "accommodation"),  # three edits in a long word
    ("banana", "receive"),
    ("", "receive"),
    ("!!!", "receive"),
])
def test_far_answers_are_wrong(typed: str, word: str) -> None:
    assert judge(typed, word) == "wrong"


def test_another_word_of_the_deck_is_never_a_typo() -> None:
    deck = ["affect", "effect", "receive", "banana"]
    others = near_words("effect", deck)
    assert "affect" in others and "banana" not in others
    assert judge("affect", "effect", others) == "wrong"
    assert judge("efect", "effect", others) == "near"


def test_near_words_leave_out_the_word_itself() -> None:
    assert near_words("Effect", ["effect", "EFFECT", "affect"]) == ("affect",)


@given(st.text(max_size=30))
def test_normalize_is_idempotent_and_judges_itself_right(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once
    if once:
        assert judge(text, once) == "right"
