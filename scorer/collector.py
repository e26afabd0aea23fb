"""When CPython's cyclic garbage collector may pause the scorer.

A full collection walks every object the collector tracks, and the scorer keeps many
alive: players, rankings, answer records. With 10,000 players in memory one full pass
took 35-58 ms on the bench machine, and it starts whenever allocation says so, often
in the middle of a burst of answers: most of the 50 ms own-result budget at once.

So the scorer keeps what it holds out of the collector's way. About once a second it
runs a young-generation pass (a few milliseconds) and freezes the survivors
(`gc.freeze`): the automatic full pass then walks only what arrived since. Reference
counting still frees a frozen object as soon as nothing points to it; what freezing
hides are reference cycles among frozen objects, so a pass over everything runs when no
question is open anywhere (nobody waits for a result then), and at least every ten
minutes whatever happens. When the scorer stops, everything is unfrozen again, so a
process that goes on (a test, `quiz demo`) gets its collector back as it was.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from typing import Literal

# How often the survivors of the young generations are frozen.
FREEZE_SECONDS = 1.0
# A pass over everything: when no question is open and this long since the last one...
QUIET_FULL_SECONDS = 60.0
# ...and at the latest after this long, open questions or not.
FULL_SECONDS = 600.0

Pass = Literal["full", "freeze"]


class Collector:
    """Decides, on each tick of the scorer, whether to freeze or to collect everything."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._frozen_at = self._full_at = clock()

    def full(self) -> None:
        """Collect everything (frozen objects included), then freeze what survived."""
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        self._full_at = self._frozen_at = self.clock()

    def release(self) -> None:
        """Give everything frozen back to the automatic collector (the scorer stops)."""
        gc.unfreeze()

    def tick(self, *, quiet: bool) -> Pass | None:
        """Run the pass that is due, if any; `quiet` means no question is open."""
        now = self.clock()
        since_full = now - self._full_at
        if since_full >= FULL_SECONDS or (quiet and since_full >= QUIET_FULL_SECONDS):
            self.full()
            return "full"
        if now - self._frozen_at >= FREEZE_SECONDS:
            gc.collect(1)
            gc.freeze()
            self._frozen_at = now
            return "freeze"
        return None
