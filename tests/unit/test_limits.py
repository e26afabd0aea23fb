"""Flood control of refusals: honest clients pass, floods are cut to the rate."""

from scorer.limits import BURST, MAX_BUCKETS, RATE_PER_SECOND, FloodGuard


def test_a_burst_passes_then_the_rate_holds() -> None:
    guard = FloodGuard()
    passed = sum(guard.allow("00112233aabbccdd", 0.0) for _ in range(1000))
    assert passed == BURST
    later = sum(guard.allow("00112233aabbccdd", 1.0) for _ in range(1000))
    assert later == RATE_PER_SECOND
    assert guard.dropped == 2000 - BURST - RATE_PER_SECOND


def test_a_flooding_client_leaves_others_alone() -> None:
    guard = FloodGuard()
    for _ in range(5000):
        guard.allow("flooder", 0.5)
    assert all(guard.allow(f"client{i}", 0.5) for i in range(100))


def test_a_full_table_refuses_new_keys_instead_of_growing() -> None:
    guard = FloodGuard()
    for i in range(MAX_BUCKETS):
        guard.allow(f"k{i}", 0.0)
    assert not guard.allow("one-more", 0.5)  # nothing idle yet: refused, not added
    assert len(guard) == MAX_BUCKETS
    assert guard.allow("k1", 0.5)  # known keys keep their buckets
    assert guard.allow("later", 100.0)  # idle buckets are forgotten, once a second at most
    assert len(guard) < MAX_BUCKETS


def test_one_answer_per_second_is_never_dropped() -> None:
    guard = FloodGuard()
    assert all(guard.allow("k", float(t)) for t in range(10_000))


def test_idle_buckets_are_forgotten() -> None:
    guard = FloodGuard()
    guard.allow("a", 0.0)
    guard.allow("b", 100.0)
    guard.forget_idle(100.0)
    assert len(guard) == 1
