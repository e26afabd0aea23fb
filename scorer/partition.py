"""Which quizzes one of several scorers owns (pure).

One scorer process is one core. Several scorers share a broker by partitioning the
quizzes: each owns the quizzes it created, keeps them in its own SQLite file and its own
persistent session, and subscribes to the topics of those quizzes only, so the broker
delivers each request to exactly one scorer and a quiz is never scored by two.

Every scorer reads `quiz/new`; a creation is claimed by exactly one of them, chosen from
the request's own ids: the scorer whose index is crc32("<client>/<req>") mod N. The rule
needs no coordination and gives a redelivered creation to the same scorer again. A
creation claimed by a scorer that is down waits in its session until it returns.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

# More scorers than this on one broker would each hold a sliver of the load.
MAX_SCORERS = 64


@dataclass(frozen=True, slots=True)
class Partition:
    """Scorer `index` of `count` (0-based); the default is the one scorer of a broker."""

    index: int = 0
    count: int = 1

    def __post_init__(self) -> None:
        if not 1 <= self.count <= MAX_SCORERS or not 0 <= self.index < self.count:
            raise ValueError(f"scorer {self.index} of {self.count}: the index must be from 0 "
                             f"to count-1 and the count from 1 to {MAX_SCORERS}")

    @property
    def alone(self) -> bool:
        """True for the only scorer of a broker: it reads every quiz's topics by wildcard."""
        return self.count == 1

    def claims(self, client: str, req: str) -> bool:
        """True when this scorer creates the quiz that request (client, req) asks for."""
        return self.alone or zlib.crc32(f"{client}/{req}".encode()) % self.count == self.index

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    @classmethod
    def parse(cls, text: str) -> Partition:
        """Parse 'K/N' (scorer K of N, 0-based); raise ValueError with a readable reason."""
        index, sep, count = text.partition("/")
        if not sep or not index.strip().isdigit() or not count.strip().isdigit():
            raise ValueError(f"{text!r} is not K/N (scorer K of N, counted from 0)")
        return cls(int(index), int(count))
