"""Fixtures shared by the integration and end-to-end layers: real brokers on free ports."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from broker.embedded import Embedded, run_embedded
from cli.remote import QuizClient
from protocol.address import BrokerAddress
from scorer.service import Scorer, ScorerSettings
from scorer.store import Store

# How long a test waits for the scorer to come online before failing.
ONLINE_TIMEOUT = 15.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class FakeClock:
    """A clock the test moves by hand, so points are exact."""

    def __init__(self, start: float = 1_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
async def embedded() -> AsyncIterator[Embedded]:
    """An embedded amqtt broker on a free port."""
    async with run_embedded("127.0.0.1", free_port()) as broker:
        yield broker


@asynccontextmanager
async def running_scorer(broker: BrokerAddress, db: Path,
                         clock: Callable[[], float] | None = None,
                         client_id: str = "quiz-scorer",
                         interval: float = 0.05) -> AsyncIterator[Scorer]:
    """A scorer task on `broker`, online before the block starts, stopped after it."""
    store = Store(db)
    settings = ScorerSettings(broker=broker, database=db, client_id=client_id,
                              leaderboard_interval=interval)
    scorer = Scorer(settings, store, clock) if clock else Scorer(settings, store)
    task = asyncio.create_task(scorer.run(), name="test-scorer")
    try:
        async with asyncio.timeout(ONLINE_TIMEOUT):
            await scorer.connected.wait()
        yield scorer
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        store.close()


@asynccontextmanager
async def connected(broker: BrokerAddress, timeout: float = 5.0) -> AsyncIterator[QuizClient]:
    """A quiz client."""
    async with QuizClient.connect(broker, timeout) as client:
        yield client
