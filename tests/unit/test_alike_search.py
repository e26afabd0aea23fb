"""The search for near-identical definitions finds exactly what comparing every pair finds."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from scorer import alike
from scorer.deck import Entry, load_builtin

WORDS = [f"w{i}" for i in range(20)] + ["not", "without"]


def every_pair(entries: list[Entry]) -> set[tuple[int, int]]:
    words = [frozenset(alike.content_words(e.definition)) for e in entries]
    return {(a, b) for a in range(len(entries)) for b in range(a + 1, len(entries))
            if alike._comparable(entries[a], entries[b]) and alike._near(words[a], words[b])}


def test_the_built_in_deck() -> None:
    entries = load_builtin("everyday")
    assert alike._similar(entries) == every_pair(entries)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.lists(st.sampled_from(WORDS), min_size=1, max_size=8),
                          st.sampled_from(["noun", "verb", ""])), min_size=2, max_size=30))
def test_random_decks(rows: list[tuple[list[str], str]]) -> None:
    entries = [Entry(f"t{i}", " ".join(words), pos) for i, (words, pos) in enumerate(rows)]
    assert alike._similar(entries) == every_pair(entries)
