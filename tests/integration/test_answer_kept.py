"""`quiz answer` keeps its answer until the verdict, through a broker crash (kill -9).

Mosquitto acknowledges an answer, then dies before anyone scored it: the answer is gone
from the broker. The test plays the scorer's part with the scorer's account, so the
answer is seen arriving (and not scored) before the crash, and again after it.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import signal
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiomqtt

from broker.mosquitto import Accounts, run_mosquitto
from client.answers import answer as send_answer
from protocol import topics
from protocol.address import BrokerAddress
from protocol.messages import (
    Answer,
    LastResult,
    PlayerStatus,
    QuestionView,
    ScorerStatus,
    Settings,
    State,
    decode,
    encode,
)
from tests.conftest import free_port, require_mosquitto

WAIT = 20.0


@contextlib.contextmanager
def mosquitto(folder: Path, port: int) -> Iterator[tuple[BrokerAddress, BrokerAddress]]:
    """Mosquitto on `port`; yields (the players' address, the scorer's), then stops it."""
    require_mosquitto()
    password = secrets.token_hex(8)
    Accounts(folder).add("scorer", "scorer", password)
    with run_mosquitto(folder, port) as process:
        yield BrokerAddress("127.0.0.1", port), BrokerAddress("127.0.0.1", port, "scorer",
                                                             password)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)  # a crash: nothing saved since the autosave
            process.wait()


@contextlib.asynccontextmanager
async def scorer_part(scorer: BrokerAddress, code: str) -> AsyncIterator[
        tuple[aiomqtt.Client, asyncio.Queue[Answer]]]:
    """The scorer's account, subscribed to the quiz's answers, which it never scores itself."""
    answers: asyncio.Queue[Answer] = asyncio.Queue()
    async with aiomqtt.Client(scorer.host, scorer.port, username=scorer.username,
                              password=scorer.password) as client:
        await client.subscribe(topics.answer(code, "+"), qos=1)

        async def read() -> None:
            async for message in client.messages:
                assert isinstance(message.payload, bytes)
                await answers.put(decode(Answer, message.payload))

        task = asyncio.create_task(read())
        try:
            yield client, answers
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


async def say_online(client: aiomqtt.Client, since: float) -> None:
    await client.publish(topics.scorer_status(), encode(ScorerStatus(status="online",
                                                                     since=since)),
                         qos=1, retain=True)


async def test_quiz_answer_sends_its_answer_again_after_the_broker_crashed(
        tmp_path: Path) -> None:
    folder, port = tmp_path / "mosquitto", free_port()
    code, player, secret = topics.new_code(), topics.new_player_id(), secrets.token_hex(32)
    now = time.time()
    question = QuestionView(index=0, count=1, prompt="a cat", pos="noun",
                            choices=["dog", "cat", "cow", "hen"], opened_at=now,
                            deadline=now + 300)
    state = State(quiz=code, seq=1, phase="question", players=1, question=question,
                  settings=Settings(questions=1, seconds=300, speed_bonus=True, streak=True,
                                    auto=False), updated_at=now)
    status = PlayerStatus(quiz=code, player=player, name="ann", score=0, rank=1, streak=0,
                          answered=0)
    with mosquitto(folder, port) as (public, scorer):
        async with scorer_part(scorer, code) as (client, answers):
            await client.publish(topics.state(code), encode(state), qos=1, retain=True)
            await client.publish(topics.player(code, player), encode(status), qos=1,
                                 retain=True)
            await say_online(client, now)
            answering = asyncio.create_task(send_answer(public, code, player, secret, 1,
                                                     timeout=WAIT * 3))
            async with asyncio.timeout(WAIT):
                first = await answers.get()  # acknowledged by the broker, not yet scored
    # Mosquitto died (kill -9) with the answer; it comes back on the same port
    with mosquitto(folder, port) as (public, scorer):
        async with scorer_part(scorer, code) as (client, answers):
            await say_online(client, now + 1)  # a scorer (re)started: send what is unjudged
            async with asyncio.timeout(WAIT):
                again = await answers.get()
            assert (again.req, again.q, again.choice, again.sig) == (
                first.req, first.q, first.choice, first.sig)
            assert not answering.done()  # no verdict yet: still waiting, not failed
            scored = PlayerStatus(quiz=code, player=player, name="ann", score=1000, rank=1,
                                  streak=1, answered=1,
                                  last=LastResult(q=0, correct=True, points=1000))
            await client.publish(topics.player(code, player), encode(scored), qos=1,
                                 retain=True)
            async with asyncio.timeout(WAIT):
                verdict = await answering
    assert not verdict.already
    assert verdict.status.last is not None and verdict.status.last.points == 1000
