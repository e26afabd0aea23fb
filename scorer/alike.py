"""Entries of a deck that answer each other's questions (pure).

Two entries are interchangeable when a question about one would have the other as a
second right answer: shown one's definition, a learner may rightly pick or type the
other word. Question making keeps such pairs apart, and scorer/deckcheck.py tells the
teacher. Found cheaply, from the deck's own text:

- **same**: the same definition, letter case, punctuation and spacing aside.
- **similar**: near-identical definitions. Of two entries of the same part of speech
  (or where either has none), compare their definitions' content words: the words less
  function words, pronouns, "someone"/"something" and intensifiers ("very",
  "extremely"), a plural read as its singular. They are similar when all the content
  words of one are among the other's (at least MIN_CONTAINED of them, or one when the
  other has at most MIN_CONTAINED) and what the other adds holds no negation ("not",
  "without"...), or when the two sets overlap by NEAR or more (Jaccard). The first is
  the common case: a definition that is another's with a qualification added describes
  a narrower meaning, and the shorter definition fits both words ("a way of dealing with
  a problem" fits `approach`, "a way of dealing with a problem or situation"). A
  negation turns the narrowing into an opposite ("large in size", "not large in size").
- **defines**: one definition is the other word. Its content words are all forms of the
  other term (huge: "very big"), or each definition's first content word is a form of
  the other term (begin: "to start something"; start: "to begin doing something").
  A definition merely built on another word of the deck (notorious: "famous for
  something bad") is not enough: that word is broader, a fair wrong choice.
- **accepted**: one's accepted answers (the `accept` column) hold the other term or one
  of its accepted answers: the teacher said so.
"""

from __future__ import annotations

import functools
import math
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from scorer.deck import Entry, forms

# Overlap (Jaccard) of two definitions' content words from which they are near-identical;
# the built-in deck's closest pair that is not one within the other is at 0.75.
NEAR = 0.8
# Content words a definition needs for "all of them are in the other's" to mean the
# same meaning narrowed: with one ("to form something"), any definition using the word
# would match ("to form an opinion from facts"), unless the other is as short.
MIN_CONTAINED = 2
# Words that carry no meaning a definition could be told apart by.
_FUNCTION_WORDS = frozenset({
    "a", "an", "the", "to", "of", "in", "on", "at", "for", "with", "from", "by", "or", "and",
    "but", "as", "than", "into", "onto", "about", "that", "which", "who", "whom", "whose",
    "what", "when", "where", "how", "is", "are", "was", "were", "be", "been", "being", "it",
    "its", "you", "your", "yours", "yourself", "they", "them", "their", "he", "him", "his",
    "she", "her", "one", "ones", "this", "these", "those", "someone", "somebody", "something",
    "anyone", "anybody", "anything", "some", "any", "very", "really", "extremely", "quite",
    "rather", "too", "so",
})
# A definition that adds one of these to another's means the opposite, not the narrower.
_NEGATIONS = frozenset({"not", "no", "never", "without", "nothing", "nobody", "none",
                        "opposite", "lack", "fail"})

Reason = Literal["same", "similar", "defines", "accepted"]


@dataclass(frozen=True, slots=True)
class Alike:
    """Two entries (their indexes, first < second) that answer each other's questions."""

    first: int
    second: int
    reason: Reason


def interchangeable(entries: Sequence[Entry]) -> set[frozenset[str]]:
    """Pairs of terms (casefolded) that answer each other's questions: keep them apart."""
    return {frozenset({entries[p.first].term.casefold(), entries[p.second].term.casefold()})
            for p in alike(entries)}


def alike(entries: Sequence[Entry]) -> list[Alike]:
    """Every pair of entries that answer each other's questions, by the module's rules."""
    return list(_alike(tuple(entries)))


@functools.lru_cache(maxsize=8)
def _alike(entries: tuple[Entry, ...]) -> tuple[Alike, ...]:
    # Cached: a quiz server makes questions from the same built-in deck again and again.
    found: dict[tuple[int, int], Reason] = {}
    for reason, pairs in (("accepted", _accepted(entries)), ("defines", _defines(entries)),
                          ("similar", _similar(entries)), ("same", _same(entries))):
        for pair in pairs:
            found[pair] = reason  # type: ignore[assignment]  # the last, strongest reason
    return tuple(Alike(first, second, reason) for (first, second), reason in sorted(found.items()))


def content_words(definition: str) -> list[str]:
    """A definition's content words, in order (the module docstring says which)."""
    words = re.findall(r"[a-z0-9]+(?:'[a-z]+)?", definition.casefold())
    return [_singular(word) for word in words if word not in _FUNCTION_WORDS]


def _singular(word: str) -> str:
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _comparable(first: Entry, second: Entry) -> bool:
    """Same part of speech, or one has none: a verb's definition never fits a noun."""
    return first.pos == second.pos or not first.pos or not second.pos


def _pair(first: int, second: int) -> tuple[int, int]:
    return (first, second) if first < second else (second, first)


def _same(entries: Sequence[Entry]) -> set[tuple[int, int]]:
    by_text: dict[str, list[int]] = defaultdict(list)
    for at, entry in enumerate(entries):
        by_text[" ".join(re.findall(r"\w+", entry.definition.casefold()))].append(at)
    return {_pair(a, b) for group in by_text.values() for i, a in enumerate(group)
            for b in group[i + 1:]}


def _similar(entries: Sequence[Entry]) -> set[tuple[int, int]]:
    words = [frozenset(content_words(entry.definition)) for entry in entries]
    having: dict[str, list[int]] = defaultdict(list)
    for at, found in enumerate(words):
        for word in found:
            having[word].append(at)
    pairs: set[tuple[int, int]] = set()
    for at, found in enumerate(words):
        # Prefix filtering: a set within another has its rarest word in it, and two sets
        # overlapping by NEAR share one of the rarest len * (1 - NEAR) + 1 words of each:
        # only entries holding one of those can pair with this one, and a word common to
        # half the deck ("person") costs nothing (a 5,000-word deck: 13 s to 0.3 s).
        rarest = sorted(found, key=lambda word: (len(having[word]), word))
        probes = rarest[:len(rarest) - math.ceil(NEAR * len(rarest) - 1e-9) + 1]
        others = {other for word in probes for other in having[word] if other != at}
        for other in others:
            if _comparable(entries[at], entries[other]) and _near(found, words[other]):
                pairs.add(_pair(at, other))
    return pairs


def _near(first: frozenset[str], second: frozenset[str]) -> bool:
    small, large = sorted((first, second), key=len)
    if not small:
        return False
    if small <= large and not (large - small) & _NEGATIONS:
        return len(small) >= MIN_CONTAINED or len(large) <= MIN_CONTAINED
    if (first ^ second) & _NEGATIONS:
        return False
    return len(first & second) / len(first | second) >= NEAR


def _defines(entries: Sequence[Entry]) -> set[tuple[int, int]]:
    words = [content_words(entry.definition) for entry in entries]
    form_sets = [forms(entry.term) for entry in entries]
    named: dict[str, list[int]] = defaultdict(list)  # a word, and the entries it is a form of
    for at, made in enumerate(form_sets):
        for form in made:
            named[form].append(at)
    pairs: set[tuple[int, int]] = set()
    for at, found in enumerate(words):
        if not found:
            continue
        for other in named.get(found[0], ()):
            if other == at or not _comparable(entries[at], entries[other]):
                continue
            is_the_word = all(word in form_sets[other] for word in found)
            circular = bool(words[other]) and words[other][0] in form_sets[at]
            if is_the_word or circular:
                pairs.add(_pair(at, other))
    return pairs


def _accepted(entries: Sequence[Entry]) -> set[tuple[int, int]]:
    answers: dict[str, list[int]] = defaultdict(list)  # a right answer, and whose it is
    for at, entry in enumerate(entries):
        for answer in {entry.term.casefold(), *(a.casefold() for a in entry.accept)}:
            answers[answer].append(at)
    return {_pair(a, b) for group in answers.values() for i, a in enumerate(group)
            for b in group[i + 1:] if a != b}
