"""English words: which texts are real words, how common they are, and spelling variants.

The word list is pyspellchecker's English dictionary (MIT licence), which ships in the
package (nothing is downloaded): about 160,000 words, each with a count from a large
corpus of subtitles, cleaned of misspellings. A word counts as real here when that count
is at least REAL_COUNT: rarer dictionary words (a `calender` is a machine for pressing
cloth) are far more often slips of a common word than meant, so a learner who types one
keeps the benefit of the doubt. The list is American; a British spelling (colour,
realise, centre, travelled) is real when the rules of `american()` turn it into a word
of the list, and the two spellings are one word.
"""

from __future__ import annotations

import functools
import re

from spellchecker import SpellChecker

# The smallest count (in the list's corpus) of a real word: 100 keeps immigrate (169) and
# stationery (1,183), and leaves out calender (98), which learners type for calendar.
REAL_COUNT = 100
# British to American spellings, tried in turn on a word the list does not hold.
_BRITISH = (
    (re.compile(r"(?<=[a-z]{2})our(?=s?$|ed$|ing$|ite|able|er)"), "or"),  # colour, favourite
    (re.compile(r"is(?=e$|es$|ed$|ing$|ation|ations|er$|ers$)"), "iz"),  # realise, organisation
    (re.compile(r"ys(?=e$|es$|ed$|ing$)"), "yz"),  # analyse
    (re.compile(r"(?<=[bcdfgkmnptv])re(?=s?$)"), "er"),  # centre, theatre, fibre
    (re.compile(r"ogue(?=s?$)"), "og"),  # catalogue, dialogue
    (re.compile(r"(?<=[cf])ence(?=s?$)"), "ense"),  # licence, defence
)
# travelled, cancelling, counsellor: a doubled l before an ending, where the word without
# the ending (travel) is real; ceilling is no spelling of ceiling, since ceil is not.
_DOUBLED_L = re.compile(r"(?<=[aeiou])ll(ed|ing|er|ers|or|ors)$")


@functools.cache
def _counts() -> dict[str, int]:
    # Loaded once per process (about 0.3 s); the scorer warms it at start (`load`).
    return dict(SpellChecker(language="en").word_frequency.dictionary)


def load() -> None:
    """Read the word list now, so that the first typed answer does not wait for it."""
    _counts()


def count(word: str) -> int:
    """How often `word` (lower case) occurs in the list's corpus; 0 when it is not listed."""
    return _counts().get(word, 0)


@functools.cache
def american(word: str) -> str:
    """The word as the American list spells it: its variant, when the rules give a real one.

    British spelling rules that give a real word give the word's American spelling
    (colour: color; travelled: traveled, both listed); any other word is returned as it
    is, real or not.
    """
    for pattern, replacement in _BRITISH:
        changed = pattern.sub(replacement, word)
        if changed != word and count(changed) >= REAL_COUNT:
            return changed
    doubled = _DOUBLED_L.search(word)
    if doubled is not None:
        stem, ending = word[:doubled.start()] + "l", doubled.group(1)
        if count(stem) >= REAL_COUNT and count(stem + ending) >= REAL_COUNT:
            return stem + ending
    return word


def is_real(word: str) -> bool:
    """Whether `word` (lower case, one word) is a real English word, common enough."""
    return count(american(word)) >= REAL_COUNT


def same_word(a: str, b: str) -> bool:
    """Whether two spellings are one word (equal, or British and American variants)."""
    return a == b or american(a) == american(b)
