"""`quiz answer` processes and players' screens wait through a broker crash (kill -9).

Twenty `quiz answer` processes and twenty `quiz play` connections (tui.live.Live, what the
screen runs) answer while the scorer is far behind: its status says online, and nothing
scores. Half the `quiz answer` processes have sent their answer when the broker is killed
(kill -9, so what it acknowledged is lost); the other half start while it is down. The
broker comes back on the same port and folder, the scorer with it, and every answer is
stored once and every verdict printed.

Checked to fail without the fix: before client/patient.py, each `quiz answer` started
while the broker was down exited at once with "cannot reach the MQTT broker".
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import secrets
import signal
import sqlite3
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import AsyncExitStack, ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest

from broker.mosquitto import Accounts, run_mosquitto
from broker.nats import NatsAccounts, run_nats
from client.credentials import Credentials, PlayerCredentials
from client.requests import QuizClient
from protocol import auth
from protocol.address import BrokerAddress
from protocol.messages import PlayerStatus
from tests.conftest import free_port, require_mosquitto, require_nats, running_scorer, until
from tests.e2e.cli import QUIZ, ROOT
from tests.integration.test_answer_kept import say_online, scorer_part
from tests.integration.test_broker_crash import Player, conf_without_autosave, following
from tui.live import Connected

COMMANDS = 20  # `quiz answer` processes
SCREENS = 20  # players' screen connections
# Every wait of the test is bounded by this; the commands wait longer than the test.
WAIT = 60.0
COMMAND_TIMEOUT = "180"

Start = Callable[[], Any]  # a context manager that runs the broker until it exits


@contextmanager
def broker_kind(kind: str, tmp_path: Path) -> Iterator[tuple[Start, BrokerAddress,
                                                                BrokerAddress, BrokerAddress]]:
    """How to start the broker (again, same port and folder), and its three accounts."""
    port, host_pw, scorer_pw = free_port(), secrets.token_hex(8), secrets.token_hex(8)
    if kind == "mosquitto":
        require_mosquitto()
        folder = tmp_path / "mosquitto"
        accounts = Accounts(folder)
        accounts.add("scorer", "scorer", scorer_pw)
        accounts.add("teacher", "host", host_pw)
        conf = conf_without_autosave(tmp_path)

        def start() -> Any:
            return run_mosquitto(folder, port, conf=conf)
    else:
        require_nats()
        folder = tmp_path / "nats"
        nats_accounts = NatsAccounts(folder)
        nats_accounts.add("scorer", "scorer", scorer_pw)
        nats_accounts.add("teacher", "host", host_pw)

        def start() -> Any:
            return run_nats(folder, port)
    yield (start, BrokerAddress("127.0.0.1", port),
           BrokerAddress("127.0.0.1", port, "teacher", host_pw),
           BrokerAddress("127.0.0.1", port, "scorer", scorer_pw))


def answer_command(code: str, name: str, choice: int, home: Path,
                   broker: BrokerAddress) -> subprocess.Popen[str]:
    env = {**os.environ, "QUIZ_HOME": str(home)}
    return subprocess.Popen(
        [*QUIZ, "answer", code, "--choice", str(choice), "--name", name, "--json",
         "--timeout", COMMAND_TIMEOUT, "--broker", f"mqtt://{broker.host}:{broker.port}"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def stored(db: Path, code: str) -> list[str]:
    """The players whose answer to question 1 the database holds, one row each."""
    with sqlite3.connect(db) as conn:
        return [row[0] for row in conn.execute(
            "SELECT player FROM answers WHERE quiz = ? AND q = 0", (code,))]


@pytest.mark.parametrize("kind", [pytest.param("mosquitto", marks=pytest.mark.mosquitto),
                                  "nats"])
async def test_answers_waiting_for_their_verdict_outlive_a_broker_crash(
        kind: str, tmp_path: Path) -> None:
    rng = random.Random(29)
    db, home = tmp_path / "quiz.db", tmp_path / "home"
    credentials = Credentials(home)
    with broker_kind(kind, tmp_path) as (start, public, host, scorer), ExitStack() as brokers:
        first_broker = brokers.enter_context(start())
        host_key = auth.new_secret()
        async with running_scorer(scorer, db), QuizClient.connect(host, WAIT) as client:
            code = await client.create(deck="everyday", entries=None, questions=2,
                                       seconds=300.0, speed_bonus=True, streak=True,
                                       auto=False, host_key=host_key)
            joined = []
            for i in range(COMMANDS + SCREENS):
                secret = auth.new_secret()
                reply = await client.join(code, f"p{i}", secret)
                assert reply.player is not None
                joined.append(PlayerCredentials(f"p{i}", reply.player, secret))
            await client.control(code, host_key, "start")
        for me in joined[:COMMANDS]:
            credentials.save_player(code, me)
        screens = [Player(public, code, me) for me in joined[COMMANDS:]]
        commands: list[subprocess.Popen[str]] = []
        half = COMMANDS // 2
        async with following(screens), AsyncExitStack() as stack:
            # A scorer far behind: online, and nothing is scored.
            watcher, arrived = await stack.enter_async_context(scorer_part(scorer, code))
            await say_online(watcher, time.time())
            await until(lambda: all(s.count(Connected) == 1 for s in screens), WAIT)
            for me in joined[:half]:
                commands.append(answer_command(code, me.name, rng.randrange(4) + 1, home,
                                               public))
            for screen in screens:
                await screen.live.answer(q=0, given=rng.randrange(4))
            seen: set[str] = set()
            async with asyncio.timeout(WAIT):
                while len(seen) < half + SCREENS:  # acknowledged by the broker, unscored
                    got = await arrived.get()
                    seen.add(got.sig)
            await stack.aclose()
            first_broker.send_signal(signal.SIGKILL)
            await asyncio.to_thread(first_broker.wait, WAIT)
            brokers.close()

            # The broker is down: the other half start now, and wait for it.
            for me in joined[half:COMMANDS]:
                commands.append(answer_command(code, me.name, rng.randrange(4) + 1, home,
                                               public))
            assert all(c.stderr is not None for c in commands)
            async with asyncio.timeout(WAIT):
                notes = [await asyncio.to_thread(_read_line, c) for c in commands[half:]]
            assert all("trying again" in note for note in notes), notes
            assert all(c.poll() is None for c in commands), "a command gave up"

            brokers.enter_context(start())  # the same port and folder
            async with running_scorer(scorer, db):
                results = await asyncio.gather(*(asyncio.to_thread(_finish, c)
                                                 for c in commands))
                await until(lambda: all(s.live.kept == 0 for s in screens), WAIT)
                await until(lambda: all(_scored(s.status()) for s in screens), WAIT)

    for code_out, out, err in results:
        assert code_out == 0, err
        verdict = json.loads(out)
        assert verdict["last"]["q"] == 0, out
    rows = stored(db, code)
    assert sorted(rows) == sorted(me.player for me in joined)  # none lost, none twice


def _read_line(process: subprocess.Popen[str]) -> str:
    assert process.stderr is not None
    return process.stderr.readline()


def _finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    try:
        out, err = process.communicate(timeout=WAIT)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        return -1, out, "timed out waiting for the verdict: " + err
    return process.returncode, out, err


def _scored(status: PlayerStatus | None) -> bool:
    return status is not None and status.last is not None and status.last.q == 0
