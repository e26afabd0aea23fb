"""How a typed answer is judged (pure): exact, a near miss, or wrong.

Case, surrounding spaces, punctuation and accents never matter. A near miss is within
one edit of the word (two for words of 8 letters or more), where swapping two
neighbouring letters counts as one edit (optimal string alignment, from rapidfuzz): it
is accepted with the right spelling shown and half the points. A different word of the
deck is never a near miss, however close: "affect" is not a typo of "effect".
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Literal

from rapidfuzz.distance import OSA

# Words this long or longer may be two edits off; shorter ones one.
LONG_WORD = 8
Verdict = Literal["right", "near", "wrong"]


def normalize(text: str) -> str:
    """The letters that count: case, accents, punctuation and extra spaces removed."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = "".join(ch if ch.isalnum() else " " for ch in decomposed
                   if not unicodedata.combining(ch))
    return " ".join(kept.split())


def allowed_edits(word: str) -> int:
    """How many edits a near miss of `word` may be."""
    return 2 if len(normalize(word)) >= LONG_WORD else 1


def near_words(word: str, deck: Iterable[str]) -> tuple[str, ...]:
    """The other words of a deck a near miss of `word` could be mistaken for."""
    return near_normalized(word, {normalize(other) for other in deck})


def near_normalized(word: str, deck: Iterable[str]) -> tuple[str, ...]:
    """near_words for a deck whose words are normalized already (once for many questions)."""
    target = normalize(word)
    # a typo is at most allowed_edits from the word, so a deck word closer than twice
    # that could collide with it; a wider net costs nothing at judging time
    limit = 2 * allowed_edits(word)
    return tuple(sorted(other for other in set(deck) if other != target
                        and OSA.distance(other, target, score_cutoff=limit) <= limit))


def judge(typed: str, word: str, others: Iterable[str] = ()) -> Verdict:
    """Judge what a learner typed against the expected `word`.

    Args:
        typed: the learner's text.
        word: the right answer.
        others: normalized words of the deck that are never accepted as typos
            (near_words of the answer).
    """
    text, target = normalize(typed), normalize(word)
    if not text:
        return "wrong"
    if text == target:
        return "right"
    if text in set(others):
        return "wrong"
    limit = allowed_edits(word)
    return "near" if OSA.distance(text, target, score_cutoff=limit) <= limit else "wrong"
