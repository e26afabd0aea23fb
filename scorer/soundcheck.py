"""What makes a list of sound-alike groups fair (pure): each problem names its line.

A listen-choice question says one word of a group and offers the four; a player who
heard it right must find exactly one choice that sounds like it. So, for each group:

- size: exactly GROUP_SIZE words.
- repeated: no word twice, nor one word in its British and American spellings.
- not-real: every word is a real, common English word (scorer/words.py).
- homophones: no two words are said alike (their, there), in British or American
  English, by HOMOPHONES below; tests/unit/test_soundalike.py also asks espeak-ng.
- two-ways: no word that is said two ways (live, read, close): the sound would not tell
  which the question means.
- offensive: no word a class should not see on the board, nor an insult (BLOCKED).
- same-group: no group twice.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from scorer import words
from scorer.sounds import GROUP_SIZE, Group, key, parse_groups

Kind = Literal["size", "repeated", "not-real", "homophones", "two-ways", "offensive",
               "same-group"]

# Common English homophones, one set a line: words said alike in British or American
# English (some only in one: marked). A group holds at most one word of a set.
HOMOPHONES: tuple[str, ...] = (
    "air heir", "allowed aloud", "ate eight", "bare bear", "be bee", "beach beech",
    "bean been", "berry bury", "blew blue", "board bored", "brake break", "buy by bye",
    "cache cash", "cell sell", "cent scent sent", "cheap cheep", "check cheque",
    "chews choose", "cite sight site", "coarse course", "creak creek", "cue queue",
    "dear deer", "dew due", "die dye", "doe dough", "earn urn", "eye i", "fair fare",
    "feat feet", "fir fur", "flea flee", "floe flow", "flour flower", "flew flu flue",
    "for fore four", "foul fowl", "gait gate", "grate great", "groan grown",
    "guessed guest", "hail hale", "hair hare", "hall haul", "heal heel", "hear here",
    "heard herd", "hey hay", "hi high", "higher hire", "him hymn", "hole whole",
    "hour our", "idle idol", "in inn", "knead need", "knew new", "knight night",
    "knit nit", "knot not", "know no", "knows nose", "lead led", "leak leek",
    "lessen lesson", "lie lye", "loan lone", "made maid", "mail male", "main mane",
    "meat meet", "medal meddle", "mind mined", "missed mist", "moose mousse",
    "morning mourning", "none nun", "one won", "paced paste", "pail pale", "pain pane",
    "pair pare pear", "passed past", "pause paws", "peace piece", "peak peek pique",
    "peal peel", "plain plane", "pole poll", "pray prey", "principal principle",
    "prize pries", "rain reign rein", "rap wrap", "read red", "read reed", "real reel",
    "right rite write", "ring wring", "road rode rowed", "role roll", "root route",
    "rose rows", "rude rued", "sail sale", "scene seen", "sea see", "seam seem",
    "sew so sow", "shoe shoo", "sighed side", "slay sleigh", "sole soul", "some sum",
    "son sun", "stair stare", "stake steak", "stationary stationery", "steal steel",
    "suite sweet", "tail tale", "tea tee", "team teem", "their there they're",
    "threw through", "throne thrown", "tide tied", "to too two", "toad towed",
    "toe tow", "vain vane vein", "wade weighed", "waist waste", "wait weight",
    "war wore", "warn worn", "way weigh", "weak week", "wear where", "weather whether",
    "wet whet", "which witch", "whine wine", "wood would", "yolk yoke",
    "you ewe yew", "your you're", "aisle isle i'll",
    # American English: the t between vowels is said as a d; cot and caught merge
    "latter ladder", "medal metal", "petal pedal", "rider writer", "cot caught",
    "dawn don", "marry merry mary", "bottle model",
    # British English: an r after a vowel is not said
    "caught court", "father farther", "law lore", "saw sore soar", "paw poor pore pour",
    "raw roar", "sauce source", "stalk stork", "talk torque", "aunt aren't",
    "formally formerly", "pause pours", "tuna tuner", "bawl ball",
)
# Words said two ways (live: to live, a live show): the sound cannot stand for the word.
_SAID_TWO_WAYS = (
    "live lives read lead wind close tear tears bow row rows wound use used does dove "
    "bass sow minute present record object desert content refuse produce permit excuse "
    "house polish project progress subject conduct contract separate estimate graduate "
    "advocate associate perfect invalid entrance number moped sewer august wound "
    "alternate console abuse lives resume axes putting")
SAID_TWO_WAYS: frozenset[str] = frozenset(_SAID_TWO_WAYS.split())
# Words a class board never shows, and insults a group would put in a child's mouth.
_BLOCKED = (
    "ass bitch bloody crap cunt damn dick fuck hell piss shit slut whore sex gay fag "
    "hag butt suck cock bastard nazi fat ugly stupid idiot dumb loser")
BLOCKED: frozenset[str] = frozenset(_BLOCKED.split())


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a group: what, where (line), which words and why."""

    kind: Kind
    line: int
    group: Group
    message: str


def check_text(text: str) -> list[Problem]:
    """Every problem of a sound-alike file's groups (scorer.sounds.parse_groups)."""
    return check(parse_groups(text))


def check(groups: Sequence[tuple[int, Group]]) -> list[Problem]:
    """Every problem of numbered groups, in the order of their lines."""
    found: list[Problem] = []
    seen: dict[frozenset[str], int] = {}
    for line, group in groups:
        found.extend(check_group(line, group))
        same = frozenset(key(word) for word in group)
        if same in seen:
            found.append(Problem("same-group", line, group,
                                 f"the group of line {seen[same]} again"))
        seen.setdefault(same, line)
    return found


def check_group(line: int, group: Group) -> list[Problem]:
    """The problems of one group (module docstring's rules)."""
    found: list[Problem] = []

    def add(kind: Kind, message: str) -> None:
        found.append(Problem(kind, line, group, message))

    if len(group) != GROUP_SIZE:
        add("size", f"{len(group)} words, not {GROUP_SIZE}")
    spelled = [key(word) for word in group]
    for word in dict.fromkeys(w for w, k in zip(group, spelled, strict=True)
                              if spelled.count(k) > 1):
        add("repeated", f"{word!r} (or its other spelling) appears twice")
    for word in group:
        if not words.is_real(word):
            add("not-real", f"{word!r} is not a common English word")
        if word in SAID_TWO_WAYS:
            add("two-ways", f"{word!r} is said two ways: its sound does not say which")
        if word in BLOCKED:
            add("offensive", f"{word!r} is not for a class board, or is a slip away from "
                             f"a word that is not")
    for first, second in homophone_pairs(group):
        add("homophones", f"{first!r} and {second!r} are said alike")
    return found


def homophone_pairs(group: Sequence[str]) -> list[tuple[str, str]]:
    """The pairs of a group's words that HOMOPHONES says are said alike."""
    sets = _sets_of()
    return [(first, second) for at, first in enumerate(group) for second in group[at + 1:]
            if sets.get(first.lower(), set()) & sets.get(second.lower(), set())]


def homophones(word: str) -> frozenset[str]:
    """The words HOMOPHONES says are said like `word` (itself not included)."""
    sets, listed = _sets_of(), _listed()
    return frozenset(other for number in sets.get(word.lower(), set())
                     for other in listed[number] if other != word.lower())


@functools.cache
def _listed() -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(line.split()) for line in HOMOPHONES)


@functools.cache
def _sets_of() -> dict[str, frozenset[int]]:
    # Which HOMOPHONES sets each word stands in, built once.
    found: dict[str, set[int]] = {}
    for number, words_said_alike in enumerate(_listed()):
        for word in words_said_alike:
            found.setdefault(word, set()).add(number)
    return {word: frozenset(numbers) for word, numbers in found.items()}
