"""How every long-lived client comes back: the next broker, after a jittered wait.

Screens, `quiz watch` and `quiz answer` keep one `Reconnect` (protocol/retry.py, which
the scorer uses too) per connection they hold, and tell their readers what happened with
`Connected` and `Disconnected`.
"""

from __future__ import annotations

from dataclasses import dataclass

from protocol.retry import Reconnect

__all__ = ["Connected", "Disconnected", "Reconnect"]


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
