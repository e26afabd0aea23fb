"""A screen keeps a player's answer until its verdict, on a real broker.

The test plays the scorer's part with the scorer's account, so it decides when the scorer
is "online" and when a verdict comes: the case of a broker that took an answer while no
scorer was listening, which a reconnect alone would not repair.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Coroutine
from typing import Any, Literal

import aiomqtt
import pytest

from broker.embedded import Embedded
from client.credentials import PlayerCredentials
from protocol import topics
from protocol.messages import (
    Answer,
    LastResult,
    PlayerStatus,
    Reply,
    ScorerStatus,
    decode,
    encode,
)
from tests.conftest import until
from tui.live import Connected, Event, Live

WAIT = 10.0


class FakeScorer:
    """The scorer's account on the broker: it sees every answer and says what it likes."""

    def __init__(self, client: aiomqtt.Client) -> None:
        self.client = client
        self.answers: asyncio.Queue[Answer] = asyncio.Queue()
        self.since = time.time()

    async def status(self, status: Literal["online", "offline"], *, restarted: bool = False,
                     ) -> None:
        """Publish the retained status; `restarted` starts a new online period."""
        if restarted:
            self.since += 1
        await self.client.publish(topics.scorer_status(), encode(
            ScorerStatus(status=status, since=self.since)), qos=1, retain=True)

    async def next_answer(self) -> Answer:
        async with asyncio.timeout(WAIT):
            return await self.answers.get()

    async def next_besides(self, *reqs: str) -> Answer:
        """The next answer that is not a copy of these (sent again on its timer meanwhile)."""
        async with asyncio.timeout(WAIT):
            while (answer := await self.answers.get()).req in reqs:
                pass
            return answer

    async def read(self) -> None:
        async for message in self.client.messages:
            assert isinstance(message.payload, bytes)
            await self.answers.put(decode(Answer, message.payload))


@contextlib.asynccontextmanager
async def in_background(work: Coroutine[Any, Any, None]) -> AsyncIterator[None]:
    """Run `work` as a task for the block; cancel it after."""
    task = asyncio.create_task(work)
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


@contextlib.asynccontextmanager
async def fake_scorer(embedded: Embedded, code: str) -> AsyncIterator[FakeScorer]:
    async with aiomqtt.Client(embedded.scorer.host, embedded.scorer.port,
                              username=embedded.scorer.username,
                              password=embedded.scorer.password) as client:
        await client.subscribe(topics.answer(code, "+"), qos=1)
        scorer = FakeScorer(client)
        async with in_background(scorer.read()):
            yield scorer


@contextlib.asynccontextmanager
async def following(live: Live) -> AsyncIterator[list[Event]]:
    """Run the screen's loop in the background, collecting its events."""
    seen: list[Event] = []

    async def loop() -> None:
        async for event in live.events():
            seen.append(event)

    async with in_background(loop()):
        yield seen


@pytest.fixture
def alice() -> PlayerCredentials:
    return PlayerCredentials(name="alice", player=topics.new_player_id(), secret="s" * 32)


async def test_an_answer_taken_while_no_scorer_listened_goes_out_again_when_one_comes(
        embedded: Embedded, alice: PlayerCredentials) -> None:
    code = topics.new_code()
    live = Live(embedded.public, code, player=alice)
    async with following(live) as seen:
        await until(lambda: any(isinstance(e, Connected) for e in seen))
        sent = await live.answer(q=0, given=2)  # the broker takes it: nobody subscribed
        assert not sent.queued and live.is_kept(0)
        async with fake_scorer(embedded, code) as scorer:
            await scorer.status("online")  # a scorer subscribed, then said so
            again = await scorer.next_answer()
            assert (again.req, again.q, again.choice) == (sent.req, 0, 2)


async def test_an_answer_is_sent_again_when_the_scorer_comes_back_until_it_is_scored(
        embedded: Embedded, alice: PlayerCredentials) -> None:
    code = topics.new_code()
    async with fake_scorer(embedded, code) as scorer:
        await scorer.status("offline")
        live = Live(embedded.public, code, player=alice)
        async with following(live) as seen:
            await until(lambda: any(isinstance(e, ScorerStatus) for e in seen))

            sent = await live.answer(q=0, given=2)
            first = await scorer.next_answer()  # the broker took it; nobody scored it
            assert (first.req, first.q, first.choice) == (sent.req, 0, 2)
            assert live.kept == 1 and live.is_kept(0)

            await scorer.status("online", restarted=True)  # back: it may have missed it
            again = await scorer.next_answer()
            assert (again.req, again.q, again.choice, again.sig) == (
                first.req, first.q, first.choice, first.sig)
            assert live.kept == 1  # still no verdict

            await scorer.status("online")  # the same scorer's heartbeat: nothing again
            await scorer.client.publish(topics.player(code, alice.player), encode(PlayerStatus(
                quiz=code, player=alice.player, name="alice", score=1000, rank=1, streak=1,
                answered=1, last=LastResult(q=0, correct=True, points=1000))),
                qos=1, retain=True)
            await until(lambda: live.kept == 0)

            await scorer.status("online", restarted=True)  # nothing left to send...
            await live.answer(q=1, given=0)  # ...so the next answer out is this one
            assert (await scorer.next_besides(first.req)).q == 1


async def test_a_refused_answer_is_not_sent_again(embedded: Embedded,
                                                  alice: PlayerCredentials) -> None:
    code = topics.new_code()
    async with fake_scorer(embedded, code) as scorer:
        await scorer.status("online")
        live = Live(embedded.public, code, player=alice)
        async with following(live) as seen:
            await until(lambda: any(isinstance(e, Connected) for e in seen))
            await live.answer(q=3, given=1)
            sent = await scorer.next_answer()
            assert live.is_kept(3)
            await scorer.client.publish(topics.reply(sent.client, sent.req), encode(Reply(
                req=sent.req, ok=False, error="question 4 is closed", reason="closed")), qos=1)
            await until(lambda: live.kept == 0)
            assert any(isinstance(e, Reply) and e.req == sent.req for e in seen)

            await scorer.status("online", restarted=True)  # would resend anything kept
            await live.answer(q=4, given=1)
            assert (await scorer.next_besides(sent.req)).q == 4


async def test_an_answer_without_a_verdict_goes_out_again_on_its_timer(
        embedded: Embedded, alice: PlayerCredentials) -> None:
    """At QoS 0 the verdict is the acknowledgement: no verdict, the same answer again."""
    code = topics.new_code()
    async with fake_scorer(embedded, code) as scorer:
        await scorer.status("online")
        live = Live(embedded.public, code, player=alice)
        async with following(live) as seen:
            await until(lambda: any(isinstance(e, ScorerStatus) for e in seen))
            sent = await live.answer(q=0, given=2)
            first = await scorer.next_answer()
            again = await scorer.next_answer()  # nothing else happened: its timer ran out
            assert (again.req, again.q, again.choice, again.sig) == (
                first.req, first.q, first.choice, first.sig)
            assert first.req == sent.req and live.kept == 1
            await scorer.client.publish(topics.player(code, alice.player), encode(PlayerStatus(
                quiz=code, player=alice.player, name="alice", score=1000, rank=1, streak=1,
                answered=1, last=LastResult(q=0, correct=True, points=1000))),
                qos=1, retain=True)
            await until(lambda: live.kept == 0)
