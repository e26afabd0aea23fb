"""Decks: the built-in one, user CSV/TSV files, and the questions made from them."""

import random
from collections import Counter

import pytest

from scorer.deck import DeckError, builtin_names, load_builtin, make_questions, parse_deck


def test_the_builtin_deck_has_200_plus_words_with_definitions_and_parts_of_speech() -> None:
    entries = load_builtin("everyday")
    assert len(entries) >= 200
    assert all(e.definition and e.pos in {"noun", "verb", "adjective", "adverb"}
               for e in entries)
    assert len({e.term for e in entries}) == len(entries)
    assert "everyday" in builtin_names()


def test_questions_have_four_distinct_choices_sharing_the_part_of_speech() -> None:
    entries = load_builtin("everyday")
    pos_of = {e.term: e.pos for e in entries}
    definition_of = {e.term: e.definition for e in entries}
    questions = make_questions(entries, 50, random.Random(7))
    assert len({q.term for q in questions}) == 50
    for q in questions:
        assert len(set(q.choices)) == 4
        assert {pos_of[c] for c in q.choices} == {q.pos}
        assert definition_of[q.term] == q.prompt
    assert Counter(q.correct for q in questions).keys() <= {0, 1, 2, 3}


def test_csv_with_header_and_quotes_as_anki_and_quizlet_export() -> None:
    text = ('term,definition,part of speech\n"brave","ready to face danger, not afraid",adj\n'
            "calm,not worried,adj\nrun,move fast on foot,verb\nhouse,a building to live in,noun\n")
    entries = parse_deck(text)
    assert [e.term for e in entries] == ["brave", "calm", "run", "house"]
    assert entries[0].definition == "ready to face danger, not afraid"


def test_tsv_without_part_of_speech() -> None:
    entries = parse_deck("a\tone\nb\ttwo\nc\tthree\nd\tfour\n")
    assert [e.pos for e in entries] == ["", "", "", ""]
    assert len(make_questions(entries, 4, random.Random(1))) == 4


@pytest.mark.parametrize(("text", "line"), [
    ("a,one\nb,two\nc\nd,four\n", 3),
    ("a,one\nb,two\nc,three\na,again\n", 4),
    ("a,one\n,missing term\n", 2),
])
def test_a_broken_deck_names_the_line(text: str, line: int) -> None:
    with pytest.raises(DeckError, match=f"line {line}"):
        parse_deck(text, source="mine.csv")


def test_too_small_decks_and_too_many_questions_are_refused() -> None:
    with pytest.raises(DeckError, match="at least 4"):
        parse_deck("a,1\nb,2\n")
    with pytest.raises(DeckError, match="fewer than 9"):
        make_questions(parse_deck("a,1\nb,2\nc,3\nd,4\n"), 9, random.Random(1))


def test_unknown_builtin_deck() -> None:
    with pytest.raises(DeckError, match="no built-in deck"):
        load_builtin("klingon")


def test_a_broken_line_is_explained_as_a_person_would() -> None:
    with pytest.raises(DeckError) as broken:
        parse_deck("term,definition\ncat,a small animal\nbird\n", source="my-words.csv")
    assert str(broken.value) == (
        "my-words.csv, line 3: expected a term and its definition separated by ',' "
        "(a part of speech may follow), got 'bird'")
