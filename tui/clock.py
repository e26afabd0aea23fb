"""The scorer's time as a screen sees it, so a countdown holds on a machine whose clock is off.

Deadlines are the scorer's epoch seconds; a learner's laptop may be seconds or minutes
ahead or behind. Each fresh view (delivered live, not replayed as retained) carries the
scorer's `updated_at`; the local time it arrived minus that stamp is the offset between
the two clocks plus the delivery delay. The smallest such gap seen is the best estimate
of the offset alone (its error is the fastest delivery, a few milliseconds on a LAN). A
retained view is never used: it may be minutes old and would make the offset look huge.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class ScorerClock:
    """The local clock corrected by the smallest (arrival - scorer stamp) seen so far."""

    def __init__(self, local: Callable[[], float] = time.time) -> None:
        self.local = local
        self.offset: float | None = None  # local minus scorer time; None before a stamp

    def saw(self, stamped: float) -> None:
        """A fresh view stamped `stamped` (scorer time) arrived just now."""
        gap = self.local() - stamped
        self.offset = gap if self.offset is None else min(self.offset, gap)

    def __call__(self) -> float:
        """The scorer's time now, as well as it is known (the local time before any stamp)."""
        return self.local() - (self.offset or 0.0)
