"""The scorer's time as a screen estimates it from the stamps of fresh views."""

from __future__ import annotations

from tui.clock import ScorerClock


class Local:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_before_any_stamp_the_local_clock_is_all_there_is() -> None:
    assert ScorerClock(Local(500.0))() == 500.0


def test_a_clock_a_minute_ahead_is_corrected_to_the_delivery_delay() -> None:
    local = Local(1060.02)  # the scorer stamped 1000.0; 20 ms on the way; local is +60 s
    clock = ScorerClock(local)
    clock.saw(1000.0)
    local.now += 5.0
    assert abs(clock() - 1005.0) <= 0.02 + 1e-9


def test_a_clock_behind_is_corrected_too() -> None:
    local = Local(940.0)  # 60 s behind a scorer at 1000.0
    clock = ScorerClock(local)
    clock.saw(1000.0)
    assert abs(clock() - 1000.0) < 1e-9


def test_the_fastest_delivery_wins_over_a_slow_one() -> None:
    local = Local(1000.5)
    clock = ScorerClock(local)
    clock.saw(1000.0)  # held up 500 ms somewhere
    local.now = 1010.01
    clock.saw(1010.0)  # 10 ms
    local.now = 1020.8
    clock.saw(1020.0)  # slow again: the estimate keeps the fast one
    assert abs(clock() - 1020.79) < 1e-9
