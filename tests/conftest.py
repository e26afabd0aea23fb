"""Fixtures shared by the integration and end-to-end layers: real brokers on free ports."""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import aiomqtt
import pytest
from hypothesis import settings

from broker.embedded import Embedded, run_embedded
from broker.mosquitto import Accounts, MosquittoError, mosquitto_binary, run_mosquitto
from broker.nats import NatsAccounts, NatsError, nats_binary, run_nats
from client.requests import QuizClient
from protocol import topics
from protocol.address import BrokerAddress
from protocol.messages import Leaderboard
from scorer import words
from scorer.partition import Partition
from scorer.service import Scorer, ScorerSettings
from scorer.store import Store

# No property test has a per-example deadline: on a loaded 2-core machine (CI runs beside
# brokers and browsers) an example that takes 200 ms is slow, not wrong, and speed is
# measured by the benchmarks, never by a test.
settings.register_profile("quiz", deadline=None)
settings.load_profile("quiz")

T = TypeVar("T")

# The one bound on every wait of the suite (until, first_that, lines_until, a screen's
# text): generous for a 2-core CI machine loaded by brokers, browsers and other work, and
# only reached by a test that fails; a test that passes waits as long as its condition takes.
WAIT_SECONDS = 30.0
# How long a test listens for a reply that must never come (a request the broker refused):
# the connection itself still gets WAIT_SECONDS; longer silence would prove nothing more.
NO_REPLY_SECONDS = 1.0

# How long a test waits for the scorer to come online before failing.
ONLINE_TIMEOUT = WAIT_SECONDS

# `quiz serve` in a test serves no web board (and opens no WebSockets listener) unless the
# test asks with --web-port: the default port 8080 is one for all, and servers run side by side.
os.environ.setdefault("QUIZ_WEB_PORT", "0")


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


def require_mosquitto() -> None:
    """Skip where mosquitto is missing; fail instead when QUIZ_REQUIRE_MOSQUITTO=1 (CI)."""
    try:
        mosquitto_binary()
    except MosquittoError as exc:
        if os.environ.get("QUIZ_REQUIRE_MOSQUITTO") == "1":
            pytest.fail(f"{exc}, and QUIZ_REQUIRE_MOSQUITTO=1 says it must be tested")
        pytest.skip(f"{exc}: the Mosquitto tests need it")


def require_nats() -> None:
    """Skip where nats-server is missing; fail instead when QUIZ_REQUIRE_NATS=1 (CI)."""
    try:
        nats_binary()
    except NatsError as exc:
        if os.environ.get("QUIZ_REQUIRE_NATS") == "1":
            pytest.fail(f"{exc}, and QUIZ_REQUIRE_NATS=1 says it must be tested")
        pytest.skip(f"{exc}: the NATS tests need it")


def require_espeak() -> str:
    """espeak-ng's path; skip where it is missing, fail instead when QUIZ_REQUIRE_ESPEAK=1 (CI)."""
    from speech import espeak

    binary = espeak.find()
    if binary is not None:
        return binary
    reason = f"espeak-ng is missing ({espeak.INSTALL_HINT})"
    if os.environ.get("QUIZ_REQUIRE_ESPEAK") == "1":
        pytest.fail(f"{reason}, and QUIZ_REQUIRE_ESPEAK=1 says it must be tested")
    pytest.skip(f"{reason}: tests of spoken words need it")


@dataclass(frozen=True)
class BrokerUnderTest:
    """A running broker and how each kind of client connects to it."""

    name: str
    public: BrokerAddress  # players and displays: anonymous
    host: BrokerAddress  # may also create and control quizzes
    scorer: BrokerAddress


@asynccontextmanager
async def mosquitto_broker(folder: Path, port: int | None = None) -> AsyncIterator[
        BrokerUnderTest]:
    """Mosquitto with the project's mosquitto.conf, a scorer and a host account."""
    require_mosquitto()
    accounts = Accounts(folder)
    scorer_pw, host_pw = secrets.token_hex(8), secrets.token_hex(8)
    accounts.add("scorer", "scorer", scorer_pw)
    accounts.add("teacher", "host", host_pw)
    port = port or free_port()
    with run_mosquitto(folder, port):
        yield BrokerUnderTest("mosquitto", BrokerAddress("127.0.0.1", port),
                              BrokerAddress("127.0.0.1", port, "teacher", host_pw),
                              BrokerAddress("127.0.0.1", port, "scorer", scorer_pw))


@asynccontextmanager
async def nats_broker(folder: Path, port: int | None = None) -> AsyncIterator[BrokerUnderTest]:
    """One nats-server node with the project's nats.conf, a scorer and a host account."""
    require_nats()
    accounts = NatsAccounts(folder)
    scorer_pw, host_pw = secrets.token_hex(8), secrets.token_hex(8)
    accounts.add("scorer", "scorer", scorer_pw)
    accounts.add("teacher", "host", host_pw)
    port = port or free_port()
    with run_nats(folder, port):
        yield BrokerUnderTest("nats", BrokerAddress("127.0.0.1", port),
                              BrokerAddress("127.0.0.1", port, "teacher", host_pw),
                              BrokerAddress("127.0.0.1", port, "scorer", scorer_pw))


@pytest.fixture(params=["embedded", "mosquitto", "nats"])
async def broker(request: pytest.FixtureRequest,
                 tmp_path: Path) -> AsyncIterator[BrokerUnderTest]:
    """Each broker the quiz runs on, in turn: embedded amqtt, Mosquitto, one NATS node."""
    if request.param == "embedded":
        async with run_embedded("127.0.0.1", free_port()) as running:
            yield BrokerUnderTest("embedded", running.public, running.public, running.scorer)
    elif request.param == "nats":
        async with nats_broker(tmp_path / "nats") as running_nats:
            yield running_nats
    else:
        async with mosquitto_broker(tmp_path / "mosquitto") as running_mosquitto:
            yield running_mosquitto


@asynccontextmanager
async def running_scorer(broker: BrokerAddress, db: Path,
                         clock: Callable[[], float] | None = None,
                         client_id: str = "quiz-scorer",
                         interval: float = 0.05,
                         partition: Partition | None = None) -> AsyncIterator[Scorer]:
    """A scorer task on `broker`, online before the block starts, stopped after it."""
    store = Store(db)
    settings = ScorerSettings(broker=broker, database=db, client_id=client_id,
                              leaderboard_interval=interval,
                              partition=partition or Partition())
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


def raw_client(broker: BrokerAddress, client_id: str | None = None) -> aiomqtt.Client:
    """A bare MQTT client (for tests that publish junk or read a topic themselves)."""
    return aiomqtt.Client(broker.host, broker.port, username=broker.username,
                          password=broker.password,
                          identifier=client_id or topics.new_client_id())


@asynccontextmanager
async def connected(broker: BrokerAddress, timeout: float = 5.0) -> AsyncIterator[QuizClient]:
    """A quiz client."""
    async with QuizClient.connect(broker, timeout) as client:
        yield client


async def until(predicate: Callable[[], bool], timeout: float = WAIT_SECONDS,
                step: float = 0.02) -> None:
    """Wait until `predicate()` holds; fail the test after `timeout` seconds.

    Tests wait for a condition, never for a fixed time: a sleep long enough on one machine
    is too short on a loaded one, and too long everywhere else.
    """
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(step)


async def first_that(fetch: Callable[[], Awaitable[T]], accept: Callable[[T], bool],
                     timeout: float = WAIT_SECONDS, step: float = 0.02) -> T:
    """The first value `await fetch()` gives that `accept` holds for, within `timeout`."""
    async with asyncio.timeout(timeout):
        while not accept(value := await fetch()):
            await asyncio.sleep(step)
        return value


async def lines_until(stream: asyncio.StreamReader | None, text: str,
                      timeout: float = WAIT_SECONDS) -> list[str]:
    """The lines a process writes to `stream`, up to the first that contains `text`."""
    assert stream is not None, "the process was started without a pipe for it"
    lines: list[str] = []
    async with asyncio.timeout(timeout):
        while not lines or text not in lines[-1]:
            line = (await stream.readline()).decode()
            assert line, f"the stream ended before {text!r}: {lines}"
            lines.append(line)
    return lines


async def board_including(client: QuizClient, code: str, seq: int,
                          timeout: float = WAIT_SECONDS) -> Leaderboard:
    """The retained leaderboard once it includes the answer numbered `seq`.

    Boards are coalesced: one may still be on its way when a test has read a player's
    result, so wait for one whose `seq` has caught up (bounded by `timeout`).
    """
    async with asyncio.timeout(timeout):
        while True:
            board = await client.retained(Leaderboard, topics.leaderboard(code))
            if board is not None and board.seq >= seq:
                return board
            await asyncio.sleep(0.02)


def near_miss(word: str, avoid: Iterable[str] = ()) -> str:
    """One letter off the word, and neither a word of `avoid` nor any English word.

    Nor does it hold the word itself: a screen that shows the typo must not show the word
    before the reveal (qqualification would).

    Another real word is wrong, not a near miss (README, "Scoring"): dropping the last
    letter of "plane" makes "plan".
    """
    taken = {other.lower() for other in avoid}
    inserted = [word[0] + letter + word[1:] for letter in "qxz" if letter != word[0].lower()]
    return next(t for t in (*inserted, word[:-1])
                if t.lower() not in taken and not words.is_real(t.lower())
                and word.lower() not in t.lower())  # the word is not shown before the reveal
