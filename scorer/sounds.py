"""Words that sound alike, for listen-choice questions (pure, over a shipped data file).

scorer/decks/soundalike.txt lists groups of four common words a learner may mix up by
ear (ship, sheep, chip, cheap); scorer/soundcheck.py says what makes a group fair. A
listen-choice question says a deck word that stands in a group and offers the group's
words as its choices. A word is found in its British or American spelling alike.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from importlib import resources

from scorer import words

GROUPS_FILE = "soundalike.txt"
# Every group has this many words: the answer and the wrong choices of one question.
GROUP_SIZE = 4

Group = tuple[str, ...]


def parse_groups(text: str) -> list[tuple[int, Group]]:
    """The groups of a sound-alike file, each with its line number (comments dropped)."""
    found: list[tuple[int, Group]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        kept = line.split("#", 1)[0].split()
        if kept:
            found.append((number, tuple(word.lower() for word in kept)))
    return found


def builtin_text() -> str:
    """The shipped file of sound-alike groups."""
    return (resources.files("scorer") / "decks" / GROUPS_FILE).read_text(encoding="utf-8")


@functools.cache
def builtin_groups() -> tuple[Group, ...]:
    """The shipped groups (read once per process)."""
    return tuple(group for _, group in parse_groups(builtin_text()))


def key(word: str) -> str:
    """How a word is looked up: lower case, in the American spelling (colour: color)."""
    return words.american(word.strip().lower())


@functools.cache
def _index(groups: tuple[Group, ...]) -> dict[str, tuple[Group, ...]]:
    # The groups each word stands in, built once per list of groups.
    found: dict[str, list[Group]] = {}
    for group in groups:
        for word in group:
            found.setdefault(key(word), []).append(group)
    return {word: tuple(those) for word, those in found.items()}


def groups_of(term: str, groups: Sequence[Group] | None = None) -> tuple[Group, ...]:
    """The groups a deck's term stands in (none for a phrase or a word in no group)."""
    return _index(tuple(groups) if groups is not None else builtin_groups()).get(key(term), ())


def choices_for(term: str, group: Group) -> list[str]:
    """The group's words with the term as the deck spells it in place of its group word."""
    wanted = key(term)
    return [term if key(word) == wanted else word for word in group]
