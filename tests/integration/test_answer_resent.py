"""Answers at QoS 0: the client sends one again until its verdict, the scorer counts it once.

On every broker (embedded amqtt, Mosquitto, one NATS node), with a real scorer: an answer
sent while no scorer listens (no broker queues a QoS 0 message for it) is scored once the
scorer is back, judged as if it arrived when the scorer went away; copies count once; and
a verdict that never reached the player brings a copy, the status again, no second count.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from client.answers import Verdict
from client.answers import answer as send_answer
from client.outbox import PendingAnswer
from protocol import topics
from protocol.address import BrokerAddress
from protocol.messages import Answer, PlayerStatus, Reply, decode, encode
from scorer.effects import Effects
from scorer.handler import Outcome, ShowPlayer
from scorer.transport import Link
from tests.conftest import (
    BrokerUnderTest,
    FakeClock,
    connected,
    raw_client,
    running_scorer,
    until,
)
from tests.integration.test_scorer import HOST, create, join

# The bound on each wait: a first resend comes 3 s after the answer, on a loaded machine.
WAIT = 30.0


@contextlib.asynccontextmanager
async def copies_of(broker: BrokerAddress, code: str, player: str) -> AsyncIterator[
        list[Answer]]:
    """Every answer the broker delivers on the player's answer topic, as it comes."""
    seen: list[Answer] = []
    async with raw_client(broker) as spy:
        await spy.subscribe(topics.answer(code, player), qos=1)

        async def read() -> None:
            async for message in spy.messages:
                assert isinstance(message.payload, bytes)
                seen.append(decode(Answer, message.payload))

        task = asyncio.create_task(read())
        try:
            yield seen
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


async def test_an_answer_sent_while_no_scorer_listens_is_scored_once_it_is_back(
        broker: BrokerUnderTest, tmp_path: Path) -> None:
    db, clock = tmp_path / "q.db", FakeClock()
    async with running_scorer(broker.scorer, db, clock) as scorer, \
            connected(broker.host) as client:
        code = await create(client, seconds=20.0, streak=False)
        ann, secret = await join(client, code, "ann")
        await client.control(code, HOST, "start")
        correct = scorer.quizzes[code].questions[0].correct
        clock.advance(5.0)  # 5 s into the question, the scorer's heartbeat says "alive"
        await until(lambda: scorer.store.last_alive() == clock.now)

    async with copies_of(broker.scorer, code, ann) as copies:
        answering = asyncio.create_task(send_answer(broker.public, code, ann, secret,
                                                    correct, timeout=WAIT * 2))
        await until(lambda: len(copies) >= 1, WAIT)  # out, at QoS 0, to no scorer
        clock.advance(95.0)  # it comes back long after the 20 s deadline
        async with running_scorer(broker.scorer, db, clock) as scorer:
            async with asyncio.timeout(WAIT):
                verdict: Verdict = await answering
            stored = scorer.store.answers(code)
            assert len({(c.req, c.q, c.choice, c.sig) for c in copies}) == 1  # one answer,
            assert len(copies) >= 2  # sent again: nobody kept the first for the scorer
    assert not verdict.already
    last = verdict.status.last
    assert last is not None and (last.q, last.correct, last.late) == (0, True, False)
    assert last.points == 875  # judged at 5 s, when the scorer went away, not at 100 s
    assert verdict.status.answered == 1 and verdict.status.score == last.points
    assert [(record.player, record.q, record.points) for record in stored] == [
        (ann, 0, 875)]


async def test_copies_of_an_answer_are_counted_once(broker: BrokerUnderTest,
                                                    tmp_path: Path) -> None:
    raw_id = topics.new_client_id()
    replies: list[Reply] = []
    async with running_scorer(broker.scorer, tmp_path / "q.db") as scorer, \
            connected(broker.host) as client, raw_client(broker.public, raw_id) as raw:
        code = await create(client, seconds=300.0)
        ann, secret = await join(client, code, "ann")
        await client.control(code, HOST, "start")
        correct = scorer.quizzes[code].questions[0].correct
        await raw.subscribe(topics.replies_of(raw_id), qos=1)

        async def read() -> None:
            async for message in raw.messages:
                assert isinstance(message.payload, bytes)
                replies.append(decode(Reply, message.payload))

        reading = asyncio.create_task(read())
        answer = PendingAnswer.sign(secret, code, ann, 0, correct)
        other_device = PendingAnswer.sign(secret, code, ann, 0, (correct + 1) % 4)
        # five copies at once (one batch, or several), then one from another device
        for sent in [answer] * 5 + [other_device]:
            await raw.publish(topics.answer(code, ann), encode(sent.request(raw_id)), qos=0)
        await until(lambda: len(replies) >= 5, WAIT)  # every copy but the one scored
        reading.cancel()
        await asyncio.gather(reading, return_exceptions=True)
        status = await client.retained(PlayerStatus, topics.player(code, ann))
        stored = scorer.store.answers(code)
        player = scorer.quizzes[code].players[ann]
    assert {reply.reason for reply in replies} == {"already_answered"}
    assert len(stored) == 1 and stored[0].q == 0 and stored[0].correct  # the first copy
    assert player.score == stored[0].points
    assert status is not None and status.answered == 1 and status.score == stored[0].points


class _LostVerdict:
    """The scorer commits an answer, but the status with its verdict never goes out.

    As a scorer killed between its commit and its publish, or a status the player's
    broker lost: the player's client must send the answer again to hear the verdict.
    """

    def __init__(self, effects: Effects) -> None:
        self.effects = effects
        self.carry_out = effects.carry_out
        self.dropped = 0

    def __call__(self, link: Link, out: Outcome) -> None:
        if self.dropped == 0 and out.scored:
            kept = [e for e in out.effects if not isinstance(e, ShowPlayer)]
            self.dropped = len(out.effects) - len(kept)
            out.effects[:] = kept
        self.carry_out(link, out)


async def test_a_lost_verdict_brings_a_copy_and_the_status_again_never_a_second_count(
        broker: BrokerUnderTest, tmp_path: Path) -> None:
    async with running_scorer(broker.scorer, tmp_path / "q.db") as scorer, \
            connected(broker.host) as client:
        code = await create(client, seconds=300.0)
        ann, secret = await join(client, code, "ann")
        await client.control(code, HOST, "start")
        correct = scorer.quizzes[code].questions[0].correct
        lost = _LostVerdict(scorer.effects)
        scorer.effects.carry_out = lost  # type: ignore[method-assign]
        async with copies_of(broker.scorer, code, ann) as copies:
            async with asyncio.timeout(WAIT):
                verdict = await send_answer(broker.public, code, ann, secret, correct,
                                            timeout=WAIT)
            stored = scorer.store.answers(code)
            player = scorer.quizzes[code].players[ann]
    assert lost.dropped == 1  # the first verdict never went out
    assert len(copies) >= 2 and len({c.req for c in copies}) == 1  # so it was sent again
    last = verdict.status.last
    assert last is not None and last.q == 0 and last.correct
    assert verdict.status.answered == 1 and verdict.status.score == last.points
    assert len(stored) == 1 and player.score == stored[0].points == last.points
