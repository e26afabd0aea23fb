"""Flood control: token buckets for what the scorer sends back (pure; the clock is passed in).

A client that publishes a thousand bad answers a second gets a refusal for the
first few only: refusals are limited per client id, and reports on quiz/errors
overall, so a flood is never amplified. The messages themselves are still
decoded and refused, at a few microseconds each: limiting by topic instead would
let anyone silence a player by flooding that player's answer topic.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# A player answers once per question; joins and retries are rare. 20 messages a second
# with a burst of 40 is far above any honest client and far below a flood.
RATE_PER_SECOND = 20.0
BURST = 40.0
# Buckets idle this long are forgotten, so the table stays bounded.
IDLE_SECONDS = 60.0
MAX_BUCKETS = 200_000


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


@dataclass
class FloodGuard:
    """Token buckets keyed by topic."""

    rate: float = RATE_PER_SECOND
    burst: float = BURST
    _buckets: dict[str, _Bucket] = field(default_factory=dict)
    dropped: int = 0
    _last_forget: float = float("-inf")

    def allow(self, key: str, now: float) -> bool:
        """Take a token for `key`; False when its bucket is empty (the message is dropped).

        A full table refuses new keys (after forgetting idle ones, at most once a
        second): rotating keys cannot buy unlimited replies, nor make the table grow.
        """
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= MAX_BUCKETS:
                if now - self._last_forget >= 1.0:
                    self._last_forget = now
                    self.forget_idle(now)
                if len(self._buckets) >= MAX_BUCKETS:
                    self.dropped += 1
                    return False
            bucket = self._buckets[key] = _Bucket(self.burst, now)
        else:
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
        if bucket.tokens < 1:
            self.dropped += 1
            return False
        bucket.tokens -= 1
        return True

    def forget_idle(self, now: float) -> None:
        """Drop buckets unused for IDLE_SECONDS (a full refill: nothing is lost)."""
        self._buckets = {key: b for key, b in self._buckets.items()
                         if now - b.updated < IDLE_SECONDS}

    def __len__(self) -> int:
        return len(self._buckets)
