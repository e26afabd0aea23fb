"""How every long-lived client waits between reconnects: full jitter under a doubling cap.

After a connection is lost (or could not be made) the next attempt starts from the next
broker in the list (`Reconnect`), so a class of clients whose broker died spreads over
the others instead of knocking at the dead one in step; the scorer does the same.

The wait before attempt n is uniform in [0, min(cap, floor * 2^(n-1))] (AWS's "full
jitter"): the ceiling doubles so a class of screens does not hammer a broker that is
down, and the randomness spreads them out so that, after a broker restart, forty
screens do not all knock at the same instants.

An answer is kept until its verdict and sent again on a timer (`resend_wait`): it travels
at QoS 0, so the verdict is its only acknowledgement. The first copy goes RESEND_FIRST_SECONDS
after the answer, the next ones after a full-jitter wait under a ceiling that doubles from
twice that to RESEND_MAX_SECONDS. web/static/play.js repeats these constants (a test checks).
"""

from __future__ import annotations

import random
from collections.abc import Callable

from protocol.address import BrokerAddress, Brokers

# Screens and `quiz watch`; the scorer passes its own (it is one client, and the class
# waits for it). The first wait is at most half a second: a broker restart takes about
# one.
CLIENT_MIN_SECONDS = 0.5
# A display must be back within about a second of the broker's return (issue 18): with
# full jitter the wait averages half the cap, so a 2 s cap means ~1 s, while 40 screens
# still spread their attempts over 2 s instead of arriving together.
CLIENT_MAX_SECONDS = 2.0
# An answer without a verdict goes out again this long after it was sent: the scorer
# judges one within milliseconds when it is up (under 0.5 s at p99 with 10,000 players
# answering within 3 s), so a few seconds without a verdict means the answer or its
# verdict was lost; sooner would resend answers that are merely waiting in a burst.
RESEND_FIRST_SECONDS = 3.0
# The ceiling on the wait between two later copies: a player learns within about this
# long that a lost answer went through, and thousands of players waiting for a scorer
# that is down cost the broker at most one answer each per 7.5 s on average.
RESEND_MAX_SECONDS = 15.0
# Delays are rounded to this, so that what a screen prints ("retrying in 0.37 s") is short.
RESOLUTION_SECONDS = 0.01

# A source of uniform floats in [0, 1): `random.random` unless a test injects its own.
Random = Callable[[], float]


def ceiling(attempt: int, low: float = CLIENT_MIN_SECONDS,
            high: float = CLIENT_MAX_SECONDS) -> float:
    """The longest wait before reconnect attempt `attempt` (1-based): doubling, capped."""
    return min(high, low * 2.0 ** min(max(0, attempt - 1), 32))  # 2**32: past any cap


def backoff(attempt: int, low: float = CLIENT_MIN_SECONDS, high: float = CLIENT_MAX_SECONDS,
            rand: Random = random.random) -> float:
    """Seconds to wait before reconnect attempt `attempt`: uniform in [0, ceiling]."""
    top = ceiling(attempt, low, high)
    return min(top, round(top * rand() / RESOLUTION_SECONDS) * RESOLUTION_SECONDS)


def resend_wait(sent: int, rand: Random = random.random) -> float:
    """Seconds to wait before sending again an answer sent `sent` times without a verdict.

    After the first send, RESEND_FIRST_SECONDS; after the n-th (n >= 2), uniform in
    [0, min(RESEND_MAX_SECONDS, RESEND_FIRST_SECONDS * 2^(n-1))]: full jitter, so that
    answers lost together (a scorer that was down) do not come back together.
    """
    if sent <= 1:
        return RESEND_FIRST_SECONDS
    return backoff(sent - 1, 2 * RESEND_FIRST_SECONDS, RESEND_MAX_SECONDS, rand)


class Backoff:
    """The delays of one reconnect loop: `next()` after each failure, `reset()` once up."""

    def __init__(self, low: float = CLIENT_MIN_SECONDS, high: float = CLIENT_MAX_SECONDS,
                 rand: Random = random.random) -> None:
        self.low, self.high = low, high
        self.rand = rand
        self.attempt = 0

    def next(self) -> float:
        """The wait before the next attempt: random, under a ceiling that doubles to the cap."""
        self.attempt += 1
        return backoff(self.attempt, self.low, self.high, self.rand)

    def reset(self) -> None:
        """The connection is up: the next failure starts from the floor again."""
        self.attempt = 0


class Reconnect:
    """The broker to try next and how long to wait first; one per reconnecting client."""

    def __init__(self, where: BrokerAddress | Brokers, *, low: float = CLIENT_MIN_SECONDS,
                 high: float = CLIENT_MAX_SECONDS, rand: Random = random.random) -> None:
        self.brokers = Brokers.of(where)
        self.backoff = Backoff(low, high, rand)
        self._first = 0  # index of the broker the next attempt starts from

    @property
    def attempt(self) -> int:
        """Failed attempts since the last connection that held (1 after the first failure)."""
        return self.backoff.attempt

    @property
    def current(self) -> BrokerAddress:
        """The broker the next attempt starts from."""
        return self.brokers.addresses[self._first]

    def order(self) -> Brokers:
        """The brokers in the order the next attempt tries them: from `current`, wrapping."""
        addresses = self.brokers.addresses
        return Brokers(addresses[self._first:] + addresses[:self._first])

    def connected(self, broker: BrokerAddress) -> None:
        """The connection to `broker` is up: stay on it, and wait little after the next loss."""
        if broker in self.brokers.addresses:
            self._first = self.brokers.addresses.index(broker)
        self.backoff.reset()

    def lost(self) -> float:
        """The connection was lost or failed: move to the next broker; return the wait."""
        self._first = (self._first + 1) % len(self.brokers)
        return self.backoff.next()
