"""The scorer's liveness probe (scorer/liveness.py): deaf within a bound, never while heard."""

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


def test_silence_after_a_probe_is_deafness_after_the_bound() -> None:
    liveness = Liveness()
    assert not liveness.look(100.0)  # nothing sent, nothing awaited
    liveness.probe_due(100.0)
    looks = [100.0 + LOOK_SECONDS * n for n in range(1, int(DEAF_SECONDS / LOOK_SECONDS))]
    assert not any(liveness.look(now) for now in looks)
    liveness.probe_due(101.0)  # a later probe does not move the start of the silence
    assert liveness.look(100.0 + DEAF_SECONDS)
    liveness.heard()
    assert not liveness.look(100.0 + DEAF_SECONDS)


def test_a_stall_of_the_scorer_itself_is_no_deafness() -> None:
    liveness = Liveness()
    liveness.look(100.0)
    liveness.probe_due(100.0)
    late = 100.0 + DEAF_SECONDS + 10.0  # the event loop was held up; nothing could come in
    assert not liveness.look(late)
    now = late
    while now < late + DEAF_SECONDS - LOOK_SECONDS:
        now += LOOK_SECONDS
        assert not liveness.look(now)
    assert liveness.look(late + DEAF_SECONDS)  # silent while looking: deaf after all
    assert STALL_SECONDS < DEAF_SECONDS


def run(liveness: Liveness, answers_until: float, delays: list[float],
        ends: float) -> float | None:
    """Look as the scorer's watch loop does, answering probe i after delays[i] up to
    `answers_until`; return when deafness was seen, or None."""
    answers: list[float] = []
    now, sent = 0.0, 0
    while now <= ends:
        if any(at <= now for at in answers):
            answers = [at for at in answers if at > now]
            liveness.heard()
        if liveness.look(now):
            return now
        if liveness.probe_due(now):
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
