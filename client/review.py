"""The words to review, as pure functions: shared by `quiz review` and the play screen.

A finished quiz publishes its words (quiz/<code>/words: every opened question's word,
definition and example, with how the class did); a player's words to review are the
questions missing from the `right` list of their retained status.
"""

from __future__ import annotations

from collections.abc import Sequence

from protocol.messages import PlayerStatus, Word


def to_review(words: Sequence[Word], status: PlayerStatus) -> list[Word]:
    """The player's words to review: every question not answered right, in time, spelled right."""
    right = set(status.right)
    return [word for word in words if word.q not in right]


def class_size(word: Word, players: int) -> int:
    """Who counts for a word's accuracy: the players, or more if the host removed some.

    A removed player's answers stay in the words' counts but leave the standings.
    """
    return max(players, word.answered)


def missed_by(word: Word, players: int) -> int:
    """Players who did not get the word right (near misses and no answer count as missed)."""
    return class_size(word, players) - word.right


def accuracy(word: Word, players: int) -> float:
    """The share of the class who got the word right, 0 to 1."""
    size = class_size(word, players)
    return word.right / size if size else 0.0


def by_word(words: Sequence[Word], players: int) -> list[Word]:
    """The class's words, most missed first (then in quiz order)."""
    return sorted(words, key=lambda word: (-missed_by(word, players), word.q))
