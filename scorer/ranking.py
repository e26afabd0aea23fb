"""Incremental ranking: O(log n) per score change, no full sort per answer.

Ties are broken by who reached the score first: each score change is stamped with
a sequence number that only grows, and the smaller stamp ranks higher. The player
id breaks the (impossible in practice) remaining tie, so ranks are deterministic.
"""

from __future__ import annotations

from sortedcontainers import SortedList

_Key = tuple[int, int, str]


class Ranking:
    """Players ordered by score (descending), then by when they reached it."""

    def __init__(self) -> None:
        self._order: SortedList = SortedList()
        self._keys: dict[str, _Key] = {}

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, player: object) -> bool:
        return player in self._keys

    def set(self, player: str, score: int, reached: int) -> None:
        """Place player with score, reached at stamp `reached`."""
        old = self._keys.get(player)
        if old is not None:
            self._order.remove(old)
        key = (-score, reached, player)
        self._keys[player] = key
        self._order.add(key)

    def remove(self, player: str) -> None:
        """Take player off the ranking (kicked)."""
        key = self._keys.pop(player, None)
        if key is not None:
            self._order.remove(key)

    def rank(self, player: str) -> int:
        """1-based rank of player."""
        return int(self._order.index(self._keys[player])) + 1

    def top(self, n: int) -> list[tuple[int, str, int]]:
        """(rank, player, score) for the first n players."""
        return [(i + 1, key[2], -key[0]) for i, key in enumerate(self._order.islice(0, n))]

    def all(self) -> list[tuple[int, str, int]]:
        """(rank, player, score) for everyone, best first."""
        return self.top(len(self._keys))
