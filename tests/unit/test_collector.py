"""The scorer's garbage-collection policy: freeze often, collect everything when quiet."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from scorer.collector import FREEZE_SECONDS, FULL_SECONDS, QUIET_FULL_SECONDS, Collector


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Node:
    """An object in a reference cycle: only the cyclic collector frees it."""

    def __init__(self) -> None:
        self.me = self


@pytest.fixture(autouse=True)
def unfrozen() -> Iterator[None]:
    yield
    gc.unfreeze()  # the rest of the suite runs with the collector as it found it


def test_survivors_are_frozen_about_once_a_second() -> None:
    clock = Clock()
    collector = Collector(clock)
    assert collector.tick(quiet=False) is None
    clock.now += FREEZE_SECONDS
    kept = [object() for _ in range(100)]
    assert collector.tick(quiet=False) == "freeze"
    assert gc.get_freeze_count() > 0
    assert collector.tick(quiet=False) is None  # not again within the second
    assert kept


def test_a_cycle_hidden_by_freezing_is_freed_by_the_next_full_pass() -> None:
    clock = Clock()
    collector = Collector(clock)
    node = Node()
    gone = weakref.ref(node)
    clock.now += FREEZE_SECONDS
    assert collector.tick(quiet=False) == "freeze"
    del node
    gc.collect()
    assert gone() is not None  # frozen: the automatic collector no longer sees the cycle
    clock.now += QUIET_FULL_SECONDS
    assert collector.tick(quiet=True) == "full"
    assert gone() is None


def test_a_full_pass_waits_for_a_quiet_moment_but_not_forever() -> None:
    clock = Clock()
    collector = Collector(clock)
    clock.now += QUIET_FULL_SECONDS
    assert collector.tick(quiet=False) == "freeze"  # a question is open somewhere
    clock.now += FULL_SECONDS - QUIET_FULL_SECONDS
    assert collector.tick(quiet=False) == "full"
