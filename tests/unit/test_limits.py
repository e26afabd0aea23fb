"""Flood control: honest clients pass, floods are cut to the rate."""

from scorer.limits import BURST, RATE_PER_SECOND, FloodGuard


def test_a_burst_passes_then_the_rate_holds() -> None:
    guard = FloodGuard()
    passed = sum(guard.allow("quiz/A/answers/p", 0.0) for _ in range(1000))
    assert passed == BURST
    later = sum(guard.allow("quiz/A/answers/p", 1.0) for _ in range(1000))
    assert later == RATE_PER_SECOND
    assert guard.dropped == 2000 - BURST - RATE_PER_SECOND


def test_a_flood_on_one_topic_leaves_others_alone() -> None:
    guard = FloodGuard()
    for _ in range(5000):
        guard.allow("quiz/A/answers/flood", 0.5)
    assert all(guard.allow(f"quiz/A/answers/p{i}", 0.5) for i in range(100))


def test_one_answer_per_second_is_never_dropped() -> None:
    guard = FloodGuard()
    assert all(guard.allow("k", float(t)) for t in range(10_000))


def test_idle_buckets_are_forgotten() -> None:
    guard = FloodGuard()
    guard.allow("a", 0.0)
    guard.allow("b", 100.0)
    guard.forget_idle(100.0)
    assert len(guard) == 1
