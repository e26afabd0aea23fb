"""How every long-lived client waits between reconnects: doubling from a floor to a cap.

The first retry comes soon (a broker restart takes about a second); later ones back off
so a class of screens does not hammer a broker that is down, but never wait so long
that a display looks dead once the broker is back.
"""

from __future__ import annotations

# Screens and `quiz watch`; the scorer retries faster (it is one client, and the class
# waits for it).
CLIENT_MIN_SECONDS = 0.5
CLIENT_MAX_SECONDS = 8.0


def backoff(attempt: int, low: float = CLIENT_MIN_SECONDS,
            high: float = CLIENT_MAX_SECONDS) -> float:
    """Seconds to wait before reconnect attempt `attempt` (1-based): doubling, capped."""
    return min(high, low * 2.0 ** min(max(0, attempt - 1), 32))  # 2**32: past any cap


class Backoff:
    """The delays of one reconnect loop: `next()` after each failure, `reset()` once up."""

    def __init__(self, low: float = CLIENT_MIN_SECONDS, high: float = CLIENT_MAX_SECONDS) -> None:
        self.low, self.high = low, high
        self.attempt = 0

    def next(self) -> float:
        """The wait before the next attempt; each failure in a row doubles it, to the cap."""
        self.attempt += 1
        return backoff(self.attempt, self.low, self.high)

    def reset(self) -> None:
        """The connection is up: the next failure starts from the floor again."""
        self.attempt = 0
