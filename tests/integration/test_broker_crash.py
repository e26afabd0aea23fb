"""A broker killed with answers queued for an absent scorer: the players' screens resend them.

Mosquitto keeps the scorer's persistent session, its queue and the retained views in
memory and writes them to disk only every `autosave_interval` or on a clean stop. A kill -9
between two saves loses what the broker had acknowledged since the last one; only the
clients, which keep each answer until its verdict, can make that good (docs/reliability.md).

Checked to fail without the resend: with `Live._send_kept` replaced by a no-op in a scratch
run, no answer is scored after the restart and the wait for the verdicts times out.
"""

from __future__ import annotations

import asyncio
import random
import re
import signal
import sqlite3
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, ExitStack, asynccontextmanager
from pathlib import Path

import pytest

from broker.mosquitto import PROJECT_CONF, Accounts, run_mosquitto
from client.credentials import PlayerCredentials
from client.requests import QuizClient
from protocol import auth, topics
from protocol.address import BrokerAddress
from protocol.messages import PlayerStatus, ScorerStatus
from tests.conftest import free_port, require_mosquitto, running_scorer, until
from tui.live import Connected, Disconnected, Event, Live

pytestmark = pytest.mark.mosquitto

PLAYERS = 40
# Longer than the test: the kill falls between two saves whatever mosquitto.conf chooses.
NO_AUTOSAVE_SECONDS = 3600
# Every wait of the test is bounded by this.
WAIT = 20.0


def conf_without_autosave(folder: Path) -> Path:
    """The project's mosquitto.conf with only its autosave moved out of the test's reach."""
    text = re.sub(r"(?m)^autosave_on_changes .*\n", "", PROJECT_CONF.read_text())
    text, found = re.subn(r"(?m)^autosave_interval .*$",
                          f"autosave_interval {NO_AUTOSAVE_SECONDS}", text)
    assert found == 1, "mosquitto.conf has no autosave_interval line"
    conf = folder / "mosquitto.crash.conf"
    conf.write_text(text)
    return conf


class Player:
    """One player's screen connection, its loop running in the background."""

    def __init__(self, broker: BrokerAddress, code: str, me: PlayerCredentials) -> None:
        self.me = me
        self.live = Live(broker, code, player=me, retry_min=0.05, retry_max=0.5)
        self.events: list[Event] = []

    async def follow(self) -> None:
        async for event in self.live.events():
            self.events.append(event)

    def count(self, kind: type) -> int:
        return sum(isinstance(event, kind) for event in self.events)

    def status(self) -> PlayerStatus | None:
        """The last retained status of this player seen."""
        return next((e for e in reversed(self.events) if isinstance(e, PlayerStatus)
                     and e.player == self.me.player), None)


@asynccontextmanager
async def following(players: list[Player]) -> AsyncIterator[None]:
    tasks = [asyncio.create_task(player.follow()) for player in players]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def stored_answers(db: Path, code: str, q: int) -> list[str]:
    """The players whose answer to question q the database holds, one row each."""
    with sqlite3.connect(db) as conn:
        return [row[0] for row in conn.execute(
            "SELECT player FROM answers WHERE quiz = ? AND q = ?", (code, q))]


async def test_answers_queued_when_the_broker_is_killed_are_resent_and_scored_once(
        tmp_path: Path) -> None:
    require_mosquitto()
    rng = random.Random(12)
    folder, db, port = tmp_path / "mosquitto", tmp_path / "q.db", free_port()
    accounts = Accounts(folder)
    accounts.add("scorer", "scorer", "scorer-pw")
    accounts.add("teacher", "host", "teacher-pw")
    conf = conf_without_autosave(tmp_path)
    public = BrokerAddress("127.0.0.1", port)
    host = BrokerAddress("127.0.0.1", port, "teacher", "teacher-pw")
    scorer_account = BrokerAddress("127.0.0.1", port, "scorer", "scorer-pw")
    host_key = auth.new_secret()

    with ExitStack() as brokers:
        mosquitto = brokers.enter_context(run_mosquitto(folder, port, conf=conf))
        async with running_scorer(scorer_account, db), AsyncExitStack() as stack:
            client = await stack.enter_async_context(QuizClient.connect(host, WAIT))
            code = await client.create(deck="everyday", entries=None, questions=2,
                                       seconds=120.0, speed_bonus=True, streak=True,
                                       auto=False, host_key=host_key)
            joined = []
            for i in range(PLAYERS):
                secret = auth.new_secret()
                reply = await client.join(code, f"p{i}", secret)
                assert reply.player is not None
                joined.append(PlayerCredentials(f"p{i}", reply.player, secret))
            await client.control(code, host_key, "start")
        # The scorer is gone; its persistent session queues the answers in the broker.

        players = [Player(public, code, me) for me in joined]
        async with following(players):
            await until(lambda: all(p.count(Connected) == 1 for p in players), WAIT)
            for player in players:
                sent = await player.live.answer(q=0, given=rng.randrange(4))
                assert not sent.queued  # acknowledged by the broker (QoS 1)
            assert all(p.live.is_kept(0) for p in players)
            # Nothing of it is on disk: what the broker acknowledged lives in its memory.
            assert not (folder / "mosquitto.db").exists()

            mosquitto.send_signal(signal.SIGKILL)
            await asyncio.to_thread(mosquitto.wait, WAIT)
            await until(lambda: all(p.count(Disconnected) >= 1 for p in players), WAIT)

            brokers.enter_context(run_mosquitto(folder, port, conf=conf))  # same port, folder
            async with QuizClient.connect(public, WAIT) as look:
                # The broker came back empty: no retained status, so no queue either.
                assert await look.retained(ScorerStatus, topics.scorer_status()) is None
            # Each player resent on reconnecting, to nobody: the scorer's session is gone too.
            await until(lambda: all(p.count(Connected) >= 2 for p in players), WAIT)
            assert all(p.live.is_kept(0) for p in players)

            async with running_scorer(scorer_account, db):  # a new `since`: sent once more
                await until(lambda: all(p.live.kept == 0 for p in players), WAIT)
                await until(lambda: all((s := p.status()) is not None and s.last is not None
                                        for p in players), WAIT)

    for player in players:
        status = player.status()
        assert status is not None and status.last is not None
        assert (status.answered, status.last.q) == (1, 0), player.me.name
    stored = stored_answers(db, code, 0)
    assert sorted(stored) == sorted(p.me.player for p in players)  # 0 lost, 0 doubled
