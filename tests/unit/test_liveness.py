"""The scorer's liveness probe (scorer/liveness.py): deaf within a bound, never while heard,
and never merely slow."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from scorer.liveness import DEAF_SECONDS, LOOK_SECONDS, PROBE_SECONDS, STALL_SECONDS, Liveness

# What docs/reliability.md promises: a session the broker stopped delivering to is
# noticed within 4.75 s.
NOTICED_WITHIN = 4.75


def test_a_probe_goes_out_at_once_then_once_a_period() -> None:
    liveness = Liveness()
    assert liveness.probe_due(100.0)
    assert not liveness.probe_due(100.0 + PROBE_SECONDS / 2)
    assert liveness.probe_due(100.0 + PROBE_SECONDS)


def test_silence_after_an_acknowledged_probe_is_deafness_after_the_bound() -> None:
    liveness = Liveness()
    assert not liveness.look(100.0)  # nothing sent, nothing awaited
    liveness.probe_due(100.0)
    liveness.acknowledged(100.0)
    looks = [100.0 + LOOK_SECONDS * n for n in range(1, int(DEAF_SECONDS / LOOK_SECONDS))]
    assert not any(liveness.look(now) for now in looks)
    liveness.acknowledged(101.0)  # a later probe does not move the start of the silence
    assert liveness.look(100.0 + DEAF_SECONDS)
    liveness.heard(100.0 + DEAF_SECONDS)
    assert not liveness.look(100.0 + DEAF_SECONDS)


def test_a_broker_too_busy_to_acknowledge_is_slow_not_deaf() -> None:
    # Mosquitto with thousands of WebSockets took seconds per message: the scorer that
    # dropped its connection then lost the replies in its send buffer.
    liveness = Liveness()
    liveness.probe_due(100.0)
    now = 100.0
    while now < 100.0 + 10 * DEAF_SECONDS:
        now += LOOK_SECONDS
        assert not liveness.look(now)
    liveness.acknowledged(now)  # taken at last, and still nothing delivered
    acked = now
    while now < acked + DEAF_SECONDS - LOOK_SECONDS:
        now += LOOK_SECONDS
        assert not liveness.look(now)
    assert liveness.look(acked + DEAF_SECONDS)


def test_a_probe_delivered_before_its_acknowledgement_was_seen_starts_no_clock() -> None:
    liveness = Liveness()
    liveness.probe_due(100.0)
    liveness.heard(100.01)  # the echo, read before the watch looked at the PUBACK
    liveness.acknowledged(100.25)
    assert liveness.silent_for(100.25 + 10) == 0.0


def test_a_stall_of_the_scorer_itself_is_no_deafness() -> None:
    liveness = Liveness()
    liveness.look(100.0)
    liveness.probe_due(100.0)
    liveness.acknowledged(100.0)
    late = 100.0 + DEAF_SECONDS + 10.0  # the event loop was held up; nothing could come in
    assert not liveness.look(late)
    now = late
    while now < late + DEAF_SECONDS - LOOK_SECONDS:
        now += LOOK_SECONDS
        assert not liveness.look(now)
    assert liveness.look(late + DEAF_SECONDS)  # silent while looking: deaf after all
    assert STALL_SECONDS < DEAF_SECONDS


def run(liveness: Liveness, answers_until: float, delays: list[float],
        ends: float, ack: float = 0.0) -> float | None:
    """Look as the scorer's watch loop does: one probe out at a time, acknowledged `ack`
    after it went, delivered back delays[i] after it went up to `answers_until`; return
    when deafness was seen, or None."""
    answers: list[float] = []
    acked_at: float | None = None  # when the probe out is acknowledged
    now, sent = 0.0, 0
    while now <= ends:
        if any(at <= now for at in answers):
            answers = [at for at in answers if at > now]
            liveness.heard(now)
        if acked_at is not None and acked_at <= now:
            liveness.acknowledged(now)
            acked_at = None
        if liveness.look(now):
            return now
        if acked_at is None and liveness.probe_due(now):
            acked_at = now + ack
            at = now + delays[sent % len(delays)]
            sent += 1
            if at <= answers_until:
                answers.append(at)
        now = round(now + LOOK_SECONDS, 6)
    return None


@given(delays=st.lists(st.floats(0.0, DEAF_SECONDS - LOOK_SECONDS), min_size=1, max_size=20))
def test_a_session_whose_probes_come_back_is_never_deaf(delays: list[float]) -> None:
    assert run(Liveness(), answers_until=float("inf"), delays=delays, ends=60.0) is None


@given(stops=st.floats(0.0, 30.0),
       delays=st.lists(st.floats(0.0, 0.5), min_size=1, max_size=20))
def test_a_session_that_stops_answering_is_noticed_within_the_bound(
        stops: float, delays: list[float]) -> None:
    seen = run(Liveness(), answers_until=stops, delays=delays, ends=stops + 30.0)
    assert seen is not None
    assert seen <= stops + NOTICED_WITHIN


@given(ack=st.floats(0.0, 60.0), delays=st.lists(st.floats(0.0, 60.0), min_size=1, max_size=9))
def test_a_slow_broker_that_delivers_each_probe_it_acknowledges_is_never_deaf(
        ack: float, delays: list[float]) -> None:
    # delivered back no later than DEAF_SECONDS after its acknowledgement
    bounded = [min(delay, ack + DEAF_SECONDS - LOOK_SECONDS) for delay in delays]
    assert run(Liveness(), answers_until=float("inf"), delays=bounded, ends=300.0,
               ack=ack) is None
