"""The words to review and the class's words, as pure functions."""

from __future__ import annotations

from cli.review import ANKI_HEADER, anki_lines, by_word, missed_by, to_review
from client.review import accuracy
from protocol.messages import PlayerStatus, Word


def word(q: int, term: str, right: int = 0, near: int = 0, example: str = "") -> Word:
    return Word(q=q, kind="choice", term=term, definition=f"meaning of {term}",
                example=example, answered=right + near, right=right, near=near)


def test_a_players_words_are_the_questions_not_right() -> None:
    status = PlayerStatus(quiz="ABCDEF", player="0011aabb", name="ann", score=0, rank=0,
                          streak=0, answered=2, right=[1])
    words = [word(0, "alpha"), word(1, "beta"), word(2, "gamma")]
    assert [w.term for w in to_review(words, status)] == ["alpha", "gamma"]


def test_the_class_sees_the_most_missed_word_first() -> None:
    words = [word(0, "easy", right=9), word(1, "hard", right=1, near=3), word(2, "mid", right=5)]
    assert [w.term for w in by_word(words, players=10)] == ["hard", "mid", "easy"]
    assert missed_by(words[1], 10) == 9  # near misses and silence count as missed


def test_anki_lines_keep_one_note_per_line_and_five_fields() -> None:
    lines = anki_lines([word(0, "tab\tbed", example="line one\nline two")])
    assert lines[:3] == list(ANKI_HEADER)
    assert lines[3] == "tab bed\tmeaning of tab bed\tline one line two\t\t"


def test_accuracy_never_passes_the_whole_class() -> None:
    kicked_later = word(0, "alpha", right=3)  # three right, one of them removed since
    assert accuracy(kicked_later, players=2) == 1.0
    assert missed_by(kicked_later, players=2) == 0
