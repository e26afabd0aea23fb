"""How a typed answer is judged (pure): right, a near miss, or wrong.

Case, surrounding spaces, punctuation and accents never matter. In order:

1. Right: the word, one of the answers the deck accepts for it (`accept`), or the same
   word in the other spelling (British or American: colour, color; scorer/words.py).
2. Wrong: another word of the deck (affect for effect), however close.
3. A near miss: an inflection of the word (ties, tied or tying for tie), from
   scorer.deck.forms.
4. Wrong: another real English word (aware for awake, bag for beg, lose for loose):
   what the learner typed is that word, not a slip (scorer/words.py says which words are
   real). In an answer of several words (look after), each word that differs from the
   answer's is judged so.
5. A near miss: within one edit of the word or of an accepted answer (two for words of
   8 letters or more), where swapping two neighbouring letters counts as one edit
   (optimal string alignment, from rapidfuzz): recieve for receive. Accepted with the
   right spelling shown and half the points.
6. Wrong: anything else.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable
from typing import Literal

from rapidfuzz.distance import OSA

from scorer import words
from scorer.deck import forms

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


def judge(typed: str, word: str, others: Iterable[str] = (),
          accept: Iterable[str] = ()) -> Verdict:
    """Judge what a learner typed against the expected `word` (module docstring's rules).

    Args:
        typed: the learner's text.
        word: the right answer.
        others: normalized words of the deck that are never accepted as typos
            (near_words of the answer).
        accept: other answers the deck takes as right for this word.
    """
    text = normalize(typed)
    answers = [normalize(answer) for answer in (word, *accept)]
    answers = [answer for answer in answers if answer]
    if not text or not answers:
        return "wrong"
    if any(_same_answer(text, answer) for answer in answers):
        return "right"
    if text in set(others):
        return "wrong"
    if _inflection(text, answers[0]):
        return "near"
    if _another_word(text, answers):
        return "wrong"
    near = any(OSA.distance(text, answer, score_cutoff=allowed_edits(answer))
               <= allowed_edits(answer) for answer in answers)
    return "near" if near else "wrong"


def _same_answer(text: str, answer: str) -> bool:
    """The answer, word for word, each in either spelling."""
    typed, expected = text.split(), answer.split()
    return len(typed) == len(expected) and all(
        words.same_word(a, b) for a, b in zip(typed, expected, strict=True))


def _another_word(text: str, answers: list[str]) -> bool:
    """Whether the text is other real words rather than a slip in typing an answer.

    Against each answer with as many words: a word that differs from the answer's (not a
    variant, not an inflection) and is itself a real word makes the text another word. A
    text with another number of words is another word when all its words are real (look
    at, for look after), unless it is an answer joined or split (lookafter: a slip).
    """
    typed = text.split()
    matching = [answer.split() for answer in answers if len(answer.split()) == len(typed)]
    if matching:
        return all(any(_other_real(a, b) for a, b in zip(typed, expected, strict=True))
                   for expected in matching)
    if text.replace(" ", "") in {answer.replace(" ", "") for answer in answers}:
        return False
    return all(words.is_real(piece) for piece in typed)


def _other_real(typed: str, expected: str) -> bool:
    return (not words.same_word(typed, expected) and not _inflection(typed, expected)
            and words.is_real(typed))


def _inflection(typed: str, word: str) -> bool:
    """An inflection of `word` (ties, tied, tying for tie; fed for feed), not a part of it.

    The stems forms() builds (breath of breathe, quit of quite) are other words.
    """
    return typed != word and typed in _forms(word) and not word.startswith(typed)


@functools.lru_cache(maxsize=4096)
def _forms(word: str) -> frozenset[str]:
    # A quiz asks a few words many times: their inflections are made once.
    return forms(word)
