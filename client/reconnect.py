"""How every long-lived client comes back: the next broker, after a jittered wait.

Screens, `quiz watch` and `quiz answer` keep one `Reconnect` per connection they hold.
After a connection is lost (or could not be made) the next attempt starts from the next
broker in the list, after a wait from `protocol.retry.Backoff` (full jitter, doubling to
a cap), so a class of clients whose broker died spreads over the others instead of
knocking at the dead one in step. `connect` then tries the brokers in that order.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from protocol.address import BrokerAddress, Brokers
from protocol.retry import CLIENT_MAX_SECONDS, CLIENT_MIN_SECONDS, Backoff, Random


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


@dataclass(frozen=True, slots=True)
class Connected:
    """The connection to `broker` is up and subscribed; the retained views follow."""

    broker: str


@dataclass(frozen=True, slots=True)
class Disconnected:
    """The connection failed or dropped; the next attempt comes in `retry_in` seconds."""

    broker: str
    reason: str
    retry_in: float
    attempt: int
