"""Questions of every kind, and the rules for wrong choices, on small decks and the built-in one."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scorer import deck
from scorer.deck import DeckError, Entry
from scorer.questions import BLANK, cloze_prompt, cloze_ready, make_questions

WORDS = [Entry(f"word{i}", f"meaning number {i}", "noun", f"I saw a word{i} today.",
               distractors=(f"miss{i}a", f"miss{i}b", f"miss{i}c")) for i in range(12)]


def test_each_kind_asks_what_it_says() -> None:
    questions = make_questions(WORDS, 8, random.Random(1),
                               kinds=["choice", "reverse", "cloze", "typed"])
    assert sorted(q.kind for q in questions) == ["choice"] * 2 + ["cloze"] * 2 + \
        ["reverse"] * 2 + ["typed"] * 2
    for q in questions:
        entry = next(e for e in WORDS if e.term == q.word)
        if q.kind == "choice":
            assert q.prompt == entry.definition and q.choices[q.correct] == entry.term
        elif q.kind == "reverse":
            assert q.prompt == entry.term and q.choices[q.correct] == entry.definition
            assert all(c.startswith("meaning") for c in q.choices)
        elif q.kind == "cloze":
            assert q.prompt == f"I saw a {BLANK} today." and q.choices[q.correct] == entry.term
            assert set(q.choices) - {entry.term} == set(entry.distractors)
        else:
            assert q.prompt == entry.definition and q.choices == () and q.correct == -1
        if q.kind != "typed":
            assert len(set(q.choices)) == 4


def test_cloze_needs_the_word_itself_in_the_example() -> None:
    assert cloze_prompt(Entry("run", "to move fast", "verb", "She ran home.")) is None
    assert cloze_prompt(Entry("run", "to move fast", "verb", "Run, Forest!")) == f"{BLANK}, Forest!"
    assert cloze_prompt(Entry("run", "to move fast", "verb", "A rerun of it.")) is None
    without = [Entry(e.term, e.definition, e.pos) for e in WORDS]
    with pytest.raises(DeckError, match="cloze"):
        make_questions(without, 3, random.Random(1), kinds=["cloze"])


def test_a_cloze_is_made_only_with_written_distractors() -> None:
    # Wrong choices drawn from the deck may fit the blank: an entry without its own
    # distractors, or with fewer than three, makes no cloze.
    no_distractors = [Entry(e.term, e.definition, e.pos, e.example) for e in WORDS]
    two = [Entry(e.term, e.definition, e.pos, e.example, distractors=e.distractors[:2])
           for e in WORDS]
    itself = [Entry(e.term, e.definition, e.pos, e.example,
                    distractors=(e.term, *e.distractors[:2])) for e in WORDS]
    for deck_without in (no_distractors, two, itself):
        assert not any(cloze_ready(e) for e in deck_without)
        with pytest.raises(DeckError, match="three distractors"):
            make_questions(deck_without, 1, random.Random(1), kinds=["cloze"])
    mixed = [*no_distractors[:6], *WORDS[6:]]
    for seed in range(20):
        for q in make_questions(mixed, 6, random.Random(seed), kinds=["cloze"]):
            assert q.word in {e.term for e in WORDS[6:]}


def test_wrong_choices_are_never_confusable_with_the_answer() -> None:
    entries = [Entry("big", "of great size", "adjective"),
               Entry("large", "of great size too", "adjective"),
               *[Entry(f"adj{i}", f"quality {i}", "adjective") for i in range(6)]]
    def confusable(a: str, b: str) -> bool:
        return {a, b} == {"big", "large"}
    for seed in range(40):
        for q in make_questions(entries, 8, random.Random(seed), confusable=confusable):
            if q.word in ("big", "large"):
                assert not {"big", "large"} <= set(q.choices)


def test_wrong_choices_share_the_part_of_speech_when_the_deck_can() -> None:
    entries = [*[Entry(f"n{i}", f"thing {i}", "noun") for i in range(5)],
               *[Entry(f"v{i}", f"action {i}", "verb") for i in range(5)]]
    for q in make_questions(entries, 10, random.Random(3)):
        wanted = q.word[0]
        assert all(choice[0] == wanted for choice in q.choices)


def test_a_short_deck_does_not_repeat_the_same_wrong_choices() -> None:
    questions = make_questions(WORDS, 10, random.Random(5))
    sets = [frozenset(q.choices) - {q.word} for q in questions]
    assert len(set(sets)) == len(sets)


def test_wrong_choices_lean_towards_the_answers_length() -> None:
    short = [Entry(f"w{i}", f"short {i}", "noun") for i in range(20)]
    long = [Entry(f"extraordinarily{i:02}", f"long {i}", "noun") for i in range(20)]
    for q in make_questions(short + long, 30, random.Random(2)):
        lengths = {len(c) > 10 for c in q.choices}
        assert lengths == {len(q.word) > 10}  # never the one long word among short ones


def test_typed_questions_know_the_deck_words_near_their_word() -> None:
    entries = [Entry("affect", "to change", "verb"), Entry("effect", "a result", "noun"),
               Entry("banana", "a fruit", "noun"), Entry("table", "furniture", "noun")]
    questions = make_questions(entries, 4, random.Random(1), kinds=["typed"])
    effect = next(q for q in questions if q.word == "effect")
    assert effect.near == ("affect",)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), count=st.integers(1, 30),
       kinds=st.lists(st.sampled_from(["choice", "reverse", "cloze", "typed"]), min_size=1,
                      max_size=4, unique=True))
def test_the_built_in_deck_makes_fair_questions_of_every_kind(seed: int, count: int,
                                                             kinds: list[str]) -> None:
    entries = deck.load_builtin(deck.BUILTIN_DEFAULT)
    questions = make_questions(entries, count, random.Random(seed), kinds=kinds,  # type: ignore[arg-type]
                               confusable=deck.confusable)
    assert len({q.word for q in questions}) == count
    for q in questions:
        if q.kind == "typed":
            continue
        assert len(set(q.choices)) == 4
        words = q.choices if q.kind != "reverse" else [
            e.term for e in entries if e.definition in q.choices]
        others = [w for w in words if w != q.word]
        assert not any(deck.confusable(q.word, other) for other in others)


def test_a_word_of_another_level_is_never_a_typo_of_the_answer() -> None:
    b1 = [Entry("effect", "a result", "noun", level="B1"),
          *[Entry(f"noun{i}", f"thing {i}", "noun", level="B1") for i in range(4)]]
    deck = [*b1, Entry("affect", "to change", "verb", level="C1")]
    questions = make_questions(b1, 5, random.Random(1), kinds=["typed"], vocabulary=deck)
    effect = next(q for q in questions if q.word == "effect")
    assert effect.near == ("affect",)


def test_entries_that_answer_each_other_are_never_each_others_wrong_choice() -> None:
    # solution and approach once shared "a way of dealing with a problem": shown it, a
    # learner who picked the other word was marked wrong (issue 22).
    entries = [Entry("solution", "a way of dealing with a problem", "noun"),
               Entry("approach", "a way of dealing with a problem or situation", "noun"),
               Entry("outside", "not in a building", "adverb", accept=("outdoors",)),
               Entry("outdoors", "in the open air", "adverb"),
               *[Entry(f"noun{i}", f"a thing of kind {i}", "noun") for i in range(6)],
               *[Entry(f"adv{i}", f"in manner {i}", "adverb") for i in range(4)]]
    for seed in range(30):
        for q in make_questions(entries, 14, random.Random(seed), kinds=["choice", "reverse"]):
            words = set(q.choices) if q.kind == "choice" else {
                e.term for e in entries if e.definition in q.choices}
            for pair in ({"solution", "approach"}, {"outside", "outdoors"}):
                if q.word in pair:  # as wrong choices of a third word, both are wrong
                    assert not pair <= words
