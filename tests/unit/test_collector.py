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
    gc.unfreeze()  # whatever ran before, each test starts from nothing frozen
    yield
    gc.unfreeze()  # the rest of the suite runs with the collector as it found it


def test_survivors_are_frozen_about_once_a_second() -> None:
    clock = Clock()
    collector = Collector(clock)
    assert collector.tick(quiet=False) is None
    before = gc.get_freeze_count()
    clock.now += FREEZE_SECONDS
    survivors = [[n] for n in range(1000)]  # lists are tracked by the collector
    assert collector.tick(quiet=False) == "freeze"
    assert gc.get_freeze_count() >= before + len(survivors)
    assert collector.tick(quiet=False) is None  # not again within the second


def test_release_gives_everything_back_to_the_collector() -> None:
    collector = Collector(Clock())
    collector.full()
    assert gc.get_freeze_count() > 0
    collector.release()
    assert gc.get_freeze_count() == 0


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
