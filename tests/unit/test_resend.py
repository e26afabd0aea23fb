"""An answer goes out again on a timer until its verdict: one rule, in protocol/retry.py."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from client.outbox import Outbox, PendingAnswer, answerable
from protocol.messages import LastResult, PlayerStatus, QuestionView, Reply, Settings, State
from protocol.retry import RESEND_FIRST_SECONDS, RESEND_MAX_SECONDS, resend_wait

PLAY_JS = Path(__file__).resolve().parents[2] / "web" / "static" / "play.js"


def pending(q: int, req: str = "00000000000000aa") -> PendingAnswer:
    return PendingAnswer(req=req, q=q, given=1, sig="s" * 64)


def state(phase: str, index: int = 0, *, paused: bool = False) -> State:
    question = QuestionView(index=index, count=3, prompt="a cat", pos="noun",
                            choices=["dog", "cat", "cow", "hen"], opened_at=0.0,
                            deadline=20.0)
    return State(quiz="ABCDEF", seq=1, phase=phase,  # type: ignore[arg-type]
                 players=1, question=question if phase != "open" else None,
                 settings=Settings(questions=3, seconds=20, speed_bonus=True, streak=True,
                                   auto=False),
                 updated_at=0.0, paused=paused)


def test_the_first_copy_goes_after_a_few_seconds() -> None:
    assert resend_wait(1, rand=lambda: 0.0) == RESEND_FIRST_SECONDS
    assert resend_wait(1, rand=lambda: 0.999) == RESEND_FIRST_SECONDS


def test_later_copies_wait_under_a_ceiling_doubling_to_the_cap() -> None:
    tops = [resend_wait(sent, rand=lambda: 0.9999) for sent in range(2, 7)]
    assert tops == [6.0, 12.0, RESEND_MAX_SECONDS, RESEND_MAX_SECONDS, RESEND_MAX_SECONDS]
    assert resend_wait(4, rand=lambda: 0.0) == 0.0  # full jitter: from zero


@given(sent=st.integers(2, 10_000), draw=st.floats(0.0, 1.0, exclude_max=True))
def test_a_later_copy_never_waits_beyond_the_cap(sent: int, draw: float) -> None:
    assert 0.0 <= resend_wait(sent, rand=lambda: draw) <= RESEND_MAX_SECONDS


def test_play_js_resends_on_the_same_timer() -> None:
    """The phone page repeats the constants (it cannot import them): they must agree."""
    source = PLAY_JS.read_text()
    found = {name: int(value) for name, value in
             re.findall(r"const (RESEND_FIRST_MS|RESEND_MAX_MS|ANSWER_QOS) = (\d+);", source)}
    assert found == {"RESEND_FIRST_MS": RESEND_FIRST_SECONDS * 1000,
                     "RESEND_MAX_MS": RESEND_MAX_SECONDS * 1000, "ANSWER_QOS": 0}


def test_an_answer_is_due_again_only_once_its_timer_ran_out() -> None:
    outbox = Outbox("p1", rand=lambda: 0.5)
    answer = pending(0)
    outbox.keep(answer)
    assert outbox.next_due() is None and outbox.due(1e9) == []  # kept, never sent: no timer
    outbox.sent(answer, 100.0)
    assert outbox.next_due() == 100.0 + RESEND_FIRST_SECONDS
    assert outbox.due(100.0 + RESEND_FIRST_SECONDS - 0.01) == []
    assert outbox.due(100.0 + RESEND_FIRST_SECONDS) == [answer]
    outbox.sent(answer, 103.0)
    assert outbox.next_due() == 103.0 + 3.0  # half of the second ceiling, 6 s
    assert outbox.times_sent(0) == 2


def test_the_same_answer_kept_again_keeps_its_count_and_another_starts_afresh() -> None:
    outbox = Outbox("p1", rand=lambda: 0.5)
    first = pending(0)
    outbox.keep(first)
    outbox.sent(first, 0.0)
    outbox.sent(first, 3.0)
    outbox.keep(first)  # a reconnect
    assert outbox.times_sent(0) == 2
    outbox.keep(pending(0, req="00000000000000bb"))  # answered anew: a new request
    assert outbox.times_sent(0) == 0 and outbox.next_due() is None


def test_a_verdict_or_a_refusal_stops_the_timer() -> None:
    outbox = Outbox("p1")
    scored, refused = pending(0), pending(1, req="00000000000000cc")
    for answer in (scored, refused):
        outbox.keep(answer)
        outbox.sent(answer, 0.0)
    status = PlayerStatus(quiz="ABCDEF", player="p1", name="ann", score=10, rank=1,
                          streak=1, answered=1, last=LastResult(q=0, correct=True, points=10))
    assert outbox.settle(status) == [scored]
    assert outbox.settle(Reply(req=refused.req, ok=False, reason="closed")) == [refused]
    assert outbox.next_due() is None and outbox.due(1e9) == [] and len(outbox) == 0


def test_an_answer_goes_again_only_while_its_question_can_be_answered() -> None:
    assert answerable(None, 2)  # no state seen yet: keep trying
    assert answerable(state("question", 1), 1)
    assert not answerable(state("question", 2), 1)  # the quiz moved on
    assert not answerable(state("reveal", 1), 1)
    assert not answerable(state("question", 1, paused=True), 1)  # waits for the resume
    assert answerable(state("open"), 5)  # self-paced: the player's own clock
    outbox = Outbox("p1")
    answer = pending(1)
    outbox.keep(answer)
    outbox.sent(answer, 0.0)
    assert outbox.due(10.0, state("reveal", 1)) == []
    assert outbox.next_due(state("reveal", 1)) is None  # a screen sleeps, it does not spin
    assert outbox.due(10.0, state("question", 1)) == [answer]
