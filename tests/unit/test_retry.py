"""The one reconnect backoff shared by the scorer, quiz watch and the screens."""

from __future__ import annotations

from protocol.retry import CLIENT_MAX_SECONDS, Backoff, backoff


def test_backoff_doubles_and_is_bounded() -> None:
    delays = [backoff(attempt, 0.5, 8.0) for attempt in range(1, 10)]
    assert delays[:5] == [0.5, 1.0, 2.0, 4.0, 8.0]
    assert max(delays) == 8.0
    assert backoff(10_000) == CLIENT_MAX_SECONDS


def test_a_reconnect_loop_backs_off_then_starts_from_the_floor_once_up() -> None:
    retry = Backoff(0.2, 1.0)
    assert [retry.next() for _ in range(5)] == [0.2, 0.4, 0.8, 1.0, 1.0]
    retry.reset()
    assert retry.next() == 0.2
