"""The one reconnect backoff shared by the scorer, quiz watch and the screens: full jitter."""

from __future__ import annotations

import itertools
import random

from hypothesis import given
from hypothesis import strategies as st

from protocol.retry import CLIENT_MAX_SECONDS, CLIENT_MIN_SECONDS, Backoff, backoff, ceiling


def test_the_ceiling_doubles_from_the_floor_to_the_cap() -> None:
    assert [ceiling(attempt, 0.5, 8.0) for attempt in range(1, 7)] == [
        0.5, 1.0, 2.0, 4.0, 8.0, 8.0]
    assert ceiling(10_000) == CLIENT_MAX_SECONDS


@given(attempt=st.integers(1, 10_000), draw=st.floats(0.0, 1.0, exclude_max=True),
       low=st.floats(0.01, 5.0), high=st.floats(0.01, 60.0))
def test_a_wait_is_between_zero_and_the_ceiling(attempt: int, draw: float, low: float,
                                                high: float) -> None:
    wait = backoff(attempt, low, high, rand=lambda: draw)
    assert 0.0 <= wait <= min(high, low * 2.0 ** min(attempt - 1, 32))


def test_the_whole_range_is_used_from_zero_to_the_ceiling() -> None:
    assert backoff(3, 0.5, 8.0, rand=lambda: 0.0) == 0.0
    assert backoff(3, 0.5, 8.0, rand=lambda: 0.999) == 2.0  # to the ceiling, rounded
    assert backoff(3, 0.5, 8.0, rand=lambda: 0.5) == 1.0


def test_the_first_retry_is_quick() -> None:
    source = random.Random(7)
    assert all(Backoff(rand=source.random).next() <= CLIENT_MIN_SECONDS for _ in range(1000))


def test_two_clients_do_not_retry_at_the_same_instants() -> None:
    """After one broker restart, each client draws its own waits (the default source)."""
    first, second = Backoff(), Backoff()
    instants_first = list(itertools.accumulate(first.next() for _ in range(6)))
    instants_second = list(itertools.accumulate(second.next() for _ in range(6)))
    assert instants_first != instants_second
    # and not in lockstep either: a whole class spreads over the window
    many = [Backoff().next() for _ in range(200)]
    assert len(set(many)) > 20


def test_a_reconnect_loop_backs_off_then_starts_from_the_floor_once_up() -> None:
    retry = Backoff(0.2, 1.0, rand=lambda: 0.999)
    assert [retry.next() for _ in range(5)] == [0.2, 0.4, 0.8, 1.0, 1.0]
    retry.reset()
    assert retry.next() == 0.2
    assert retry.attempt == 1
