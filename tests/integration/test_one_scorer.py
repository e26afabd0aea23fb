"""One live scorer per database and per broker: a second one refuses, or waits with --standby.

Every wait here is bounded in time.
"""

from __future__ import annotations

import asyncio
import subprocess
import time
from pathlib import Path

import aiomqtt
import pytest

import serve.standby
from protocol import topics
from protocol.address import BrokerAddress
from protocol.messages import ScorerStatus, encode
from scorer.service import ScorerSettings
from serve.standby import wait_until_no_live_scorer
from tests.conftest import BrokerUnderTest, free_port, running_scorer
from tests.e2e.cli import QUIZ, ROOT, serving

# A refusal comes at once, or at the live scorer's next status (every 5 s): well within this.
REFUSAL_TIMEOUT = 60.0


def url(broker: BrokerAddress) -> str:
    return f"mqtt://{broker.username}:{broker.password}@{broker.host}:{broker.port}"


def serve_once(*args: str) -> subprocess.CompletedProcess[str]:
    """`quiz serve ARGS`, expected to refuse: a scorer that starts instead fails the test."""
    return subprocess.run([*QUIZ, "serve", *args], capture_output=True, text=True,
                          timeout=REFUSAL_TIMEOUT, cwd=ROOT, check=False)


def assert_one_line_error(done: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert done.returncode == 1, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    for needle in needles:
        assert needle in done.stderr


def test_a_second_scorer_on_the_same_database_refuses_naming_the_lock_and_its_holder(
        tmp_path: Path) -> None:
    db = tmp_path / "q.db"
    with serving(free_port(), db) as first:
        done = serve_once("--port", str(free_port()), "--db", str(db))
        assert first.poll() is None  # the first one runs on, untouched
    assert_one_line_error(done, "q.db.lock", f"process {first.pid}", "--standby")
    assert "free the disk" not in done.stderr


async def test_a_second_scorer_on_a_broker_with_a_live_one_refuses(
        broker: BrokerUnderTest, tmp_path: Path) -> None:
    async with running_scorer(broker.scorer, tmp_path / "first.db",
                              client_id="one-scorer") as first:
        done = await asyncio.to_thread(
            serve_once, "--broker", url(broker.scorer), "--db", str(tmp_path / "second.db"),
            "--client-id", "one-scorer")
        assert first.connected.is_set()  # its session was never taken over
    assert_one_line_error(done, "already serves", f"{broker.scorer.port}", "--standby")


async def test_a_standby_waits_for_the_live_scorer_to_say_offline(
        broker: BrokerUnderTest, tmp_path: Path) -> None:
    settings = ScorerSettings(broker=broker.scorer, database=tmp_path / "standby.db",
                              client_id="one-scorer")
    told: list[str] = []
    async with running_scorer(broker.scorer, tmp_path / "first.db", client_id="one-scorer"):
        waiting = asyncio.create_task(
            wait_until_no_live_scorer(settings, standby=True, on_standby=told.append))
        async with asyncio.timeout(REFUSAL_TIMEOUT):
            while not told:
                await asyncio.sleep(0.05)
        assert not waiting.done()
    # the scorer stopped and said offline: the standby may start now
    async with asyncio.timeout(10):
        await waiting
    assert "standby" in told[0]


async def test_an_online_status_nobody_refreshes_does_not_block_a_start(
        broker: BrokerUnderTest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A broker that died with its scorer keeps "online" retained, and no will ever comes."""
    monkeypatch.setattr(serve.standby, "LIVENESS_SECONDS", 0.5)
    async with aiomqtt.Client(broker.scorer.host, broker.scorer.port,
                              username=broker.scorer.username,
                              password=broker.scorer.password) as stale:
        await stale.publish(topics.scorer_status(), encode(
            ScorerStatus(status="online", since=time.time() - 60)), qos=1, retain=True)
    settings = ScorerSettings(broker=broker.scorer, database=tmp_path / "q.db")
    async with asyncio.timeout(10):
        await wait_until_no_live_scorer(settings)  # returns instead of raising


async def test_a_live_scorer_with_another_client_id_does_not_block_a_start(
        broker: BrokerUnderTest, tmp_path: Path) -> None:
    """Several scorers may share a broker, each with its own client id (scorer/partition.py)."""
    async with running_scorer(broker.scorer, tmp_path / "first.db", client_id="scorer-a"):
        settings = ScorerSettings(broker=broker.scorer, database=tmp_path / "second.db",
                                  client_id="scorer-b")
        async with asyncio.timeout(10):
            await wait_until_no_live_scorer(settings)  # returns instead of raising


def test_the_port_in_use_hint_names_the_quiz_server_already_there(tmp_path: Path) -> None:
    port = free_port()
    with serving(port, tmp_path / "first.db"):
        done = serve_once("--port", str(port), "--db", str(tmp_path / "second.db"))
    assert_one_line_error(done, f"a quiz server already runs on 127.0.0.1:{port}")
    assert "quiz serve --broker" not in done.stderr  # no advice that starts a second scorer
